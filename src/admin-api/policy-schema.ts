import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { ruleSchema } from './rule-schema.js';

export const durationField = z.string().refine((v) => parseDuration(v) !== undefined, 'must be a duration such as "24h" or "30m"');

/** An app-scoped policy as the API accepts it. Read-only fields of a GET result are accepted and ignored. */
export const policyBody = z
  .object({
    name: z.string().min(1).max(350),
    decision: z.string().superRefine((d, ctx) => {
      if (d === 'bypass' || d === 'non_identity') ctx.addIssue({ code: 'custom', message: `decision "${d}" is not supported yet` });
      else if (d !== 'allow' && d !== 'deny') ctx.addIssue({ code: 'custom', message: 'must be one of allow, deny, bypass, non_identity' });
    }) as unknown as z.ZodType<'allow' | 'deny'>,
    include: z.array(ruleSchema).min(1, 'at least one include rule is required').max(1000),
    exclude: z.array(ruleSchema).max(1000).default([]),
    require: z.array(ruleSchema).max(1000).default([]),
    precedence: z.number().int().min(0).max(1_000_000).optional(),
    session_duration: durationField.optional(),
    // read-only outputs
    id: z.unknown().optional(),
    uid: z.unknown().optional(),
    reusable: z.unknown().optional(),
    app_count: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

export type PolicyBody = z.infer<typeof policyBody>;
