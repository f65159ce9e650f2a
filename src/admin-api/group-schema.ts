import { z } from 'zod';
import { ruleSetFields } from './policy-schema.js';

/** An Access group as the API accepts it. Read-only fields of a GET result are accepted and ignored. */
export const groupBody = z
  .object({
    name: z.string().min(1).max(350),
    ...ruleSetFields,
    is_default: z.boolean().default(false),
    // read-only outputs
    id: z.unknown().optional(),
    uid: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

export type GroupBody = z.infer<typeof groupBody>;

/** List filters: `name` (exact) and `search` (substring of the name, any case). */
export const groupListQuery = z.object({
  name: z.string().max(350).optional(),
  search: z.string().max(350).optional(),
});
