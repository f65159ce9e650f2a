import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import type { PolicyDecision } from '../policy/policy-types.js';
import { ruleSchema } from './rule-schema.js';

export const durationField = z.string().refine((v) => parseDuration(v) !== undefined, 'must be a duration such as "24h" or "30m"');

const DECISIONS = ['allow', 'deny', 'bypass', 'non_identity'] as const satisfies readonly PolicyDecision[];

/** Rule arrays as a policy or an Access group takes them: include any (at least one), require all, exclude none. */
export const ruleSetFields = {
  include: z.array(ruleSchema).min(1, 'at least one include rule is required').max(1000),
  exclude: z.array(ruleSchema).max(1000).default([]),
  require: z.array(ruleSchema).max(1000).default([]),
};

/**
 * A policy as the API accepts it: app-scoped (`/apps/{id}/policies`, inline in an app's `policies`) or reusable
 * (`/access/policies`, where `precedence` is accepted and ignored: links carry it). Read-only fields of a GET
 * result are accepted and ignored, so a GET result can be sent back as it is.
 */
export const policyBody = z
  .object({
    name: z.string().min(1).max(350),
    decision: z.enum(DECISIONS, `must be one of ${DECISIONS.join(', ')}`),
    ...ruleSetFields,
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
