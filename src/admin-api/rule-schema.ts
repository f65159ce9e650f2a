import { z } from 'zod';
import type { AccessRule } from '../policy/policy-types.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DOMAIN = /^@?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** Rule kinds Gatehouse evaluates today. Anything else is refused when saved, never stored and ignored. */
const ruleSchemas = {
  email: z.object({ email: z.string().max(254).regex(EMAIL, 'must be an email address') }).strict(),
  email_domain: z.object({ domain: z.string().max(253).regex(DOMAIN, 'must be a domain such as example.com') }).strict(),
  everyone: z.object({}).strict(),
} as const;

export const ruleSchema = z.unknown().transform((value, ctx): AccessRule => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'a rule is an object with exactly one key, such as {"email_domain": {"domain": "example.com"}}' });
    return z.NEVER;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `a rule has exactly one key; this one has ${keys.length}` });
    return z.NEVER;
  }
  const kind = keys[0]!;
  const schema = ruleSchemas[kind as keyof typeof ruleSchemas];
  if (!schema) {
    ctx.addIssue({ code: 'custom', path: [kind], message: `rule kind "${kind}" is not supported yet (supported: ${Object.keys(ruleSchemas).join(', ')})` });
    return z.NEVER;
  }
  const parsed = schema.safeParse((value as Record<string, unknown>)[kind]);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [kind, ...issue.path], message: issue.message });
    return z.NEVER;
  }
  return { [kind]: parsed.data } as AccessRule;
});
