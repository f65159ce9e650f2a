import type { AppRecord } from '../apps/app-record.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import type { ClientFacts } from '../http/client-facts.js';
import type { PublicUrls } from '../http/public-urls.js';
import type { Identity } from '../identity/identity.js';
import type { Clock } from '../lib/clock.js';
import { newRayId } from '../lib/random.js';
import type { AccessResult } from '../policy/policy-types.js';
import { type AccessLogEntry, accessLogId } from './access-log.js';

export interface SignInEntryInput {
  action: AccessLogEntry['action'];
  allowed: boolean;
  client: ClientFacts;
  identity?: Identity;
  /** The login method, when the attempt failed before an identity existed. */
  idp?: IdpRecord;
  email?: string;
  app?: AppRecord;
  /** For Gatehouse's own pages (the dashboard), which are not app records. */
  appName?: string;
  access?: AccessResult;
  reasons?: string[];
  errorCode?: string;
}

/** One authentication-log entry for a sign-in attempt, from what is known about it (identity, app, decision). */
export function signInEntry(deps: { clock: Clock; urls: PublicUrls }, input: SignInEntryInput): AccessLogEntry {
  const { identity, app, access } = input;
  const idpId = identity?.idpId ?? input.idp?.id;
  const connection = identity?.idpType ?? input.idp?.type;
  const now = deps.clock.now();
  const appName = app?.name ?? input.appName;
  return {
    id: accessLogId(now),
    rayId: newRayId(),
    createdAt: now,
    userEmail: identity?.email ?? input.email ?? '',
    ipAddress: input.client.ip,
    action: input.action,
    allowed: input.allowed,
    reasons: access?.reasons ?? input.reasons ?? [],
    ...(input.client.country ? { country: input.client.country } : {}),
    ...(app ? { appUid: app.id, appDomain: deps.urls.appDomain(app.aud) } : {}),
    ...(appName ? { appName } : {}),
    ...(connection ? { connection } : {}),
    ...(idpId ? { idpId } : {}),
    ...(access?.policyId ? { policyId: access.policyId } : {}),
    ...(access?.policyName ? { policyName: access.policyName } : {}),
    ...(access?.decision ? { decision: access.decision } : {}),
    ...(input.errorCode ? { errorCode: input.errorCode } : {}),
  };
}
