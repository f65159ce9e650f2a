import { isIP } from 'node:net';
import { z } from 'zod';
import { uuidField } from './url-field.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const text = z.string().max(2048);

/**
 * The user a policy check evaluates: Gatehouse's POST .../user_policy_checks takes who to test (Cloudflare's GET
 * tests the calling dashboard user, which an API token is not). Anything left out may come from the user's last
 * sign-in when `use_last_seen_identity` is set.
 */
export const policyCheckBody = z
  .object({
    email: z
      .string()
      .max(254)
      .regex(EMAIL, 'must be an email address')
      .transform((e) => e.trim().toLowerCase()),
    groups: z.array(z.string().max(1024)).max(1000).optional(),
    idp_id: uuidField.optional(),
    attributes: z.record(z.string().min(1).max(256), z.union([text, z.array(text).max(1000)])).optional(),
    amr: z.array(z.string().max(64)).max(50).optional(),
    ip: z
      .string()
      .refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address')
      .optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as US')
      .transform((c) => c.toUpperCase())
      .optional(),
    use_last_seen_identity: z.boolean().default(false),
  })
  .strict();

export type PolicyCheckBody = z.infer<typeof policyCheckBody>;

/** The stored last-seen Identity (src/identity/identity.ts), read leniently: only what policies look at. */
export const lastSeenIdentity = z.object({
  email: z.string(),
  idpId: z.string(),
  idpType: z.string().optional(),
  groups: z.array(z.string()).default([]),
  claims: z.record(z.string(), z.array(z.string())).default({}),
  authn: z.object({ at: z.string().optional(), amr: z.array(z.string()).default([]) }).optional(),
});
