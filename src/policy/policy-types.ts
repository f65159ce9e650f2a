/**
 * Access policies in Cloudflare's JSON shapes. Rules stay in their wire shape (one key per rule object) so the
 * API, the store and the evaluator agree on one representation.
 */
export type PolicyDecision = 'allow' | 'deny' | 'bypass' | 'non_identity';

export type AccessRule =
  | { email: { email: string } }
  | { email_domain: { domain: string } }
  | { everyone: Record<string, never> };

export type AccessRuleKind = 'email' | 'email_domain' | 'everyone';

export interface AccessPolicy {
  id: string;
  appId: string | null;
  name: string;
  decision: PolicyDecision;
  precedence: number;
  include: AccessRule[];
  exclude: AccessRule[];
  require: AccessRule[];
  sessionDuration?: string;
  createdAt: Date;
  updatedAt: Date;
}
