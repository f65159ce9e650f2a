import { randomBytes } from 'node:crypto';

/** One authentication log entry: Cloudflare's access_requests fields, plus the decision and its reasons. */
export interface AccessLogEntry {
  id: string;
  rayId: string;
  createdAt: Date;
  /** Empty when the attempt failed before the user was known. */
  userEmail: string;
  ipAddress: string;
  country?: string;
  appUid?: string;
  appDomain?: string;
  appName?: string;
  /** `login`: a sign-in at an upstream login method; `sso`: an app sign-on answered from a live session. */
  action: 'login' | 'sso';
  allowed: boolean;
  /** The login method type (`oidc`, `saml`), Cloudflare's `connection`. */
  connection?: string;
  idpId?: string;
  policyId?: string;
  policyName?: string;
  decision?: string;
  reasons: string[];
  /** The Gatehouse error code of a refused or failed attempt. */
  errorCode?: string;
}

export interface AccessLogQuery {
  since?: Date;
  until?: Date;
  limit: number;
  direction: 'asc' | 'desc';
  /** Email filter: exact (case-insensitive) or substring. */
  email?: { value: string; exact: boolean };
  offset: number;
}

let sequence = 0;

/**
 * Log entry ids sort in the order entries were made: milliseconds, then a per-process counter (entries of one
 * millisecond, or of a test's frozen clock), then randomness so instances never collide. The log is read in id
 * order after created_at, so "newest first" is exact within an instance.
 */
export function accessLogId(at: Date): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${at.getTime().toString(16).padStart(12, '0')}-${sequence.toString(16).padStart(6, '0')}-${randomBytes(6).toString('hex')}`;
}
