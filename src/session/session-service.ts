import type { Identity } from '../identity/identity.js';
import type { Clock } from '../lib/clock.js';
import { randomToken } from '../lib/random.js';
import type { AccessLogEntry } from '../logs/access-log.js';
import type { Store } from '../store/store.js';
import { serializeCookie, singleCookie } from './cookies.js';
import type { SessionTokens } from './session-token.js';

export const SESSION_COOKIE = 'CF_Authorization';

/** What is kept server-side per session (keyed by identity_nonce); get-identity and SSO read it. */
export interface SessionRecord {
  userId: string;
  identity: Identity;
  iat: number;
  ip: string;
}

export interface LiveSession {
  nonce: string;
  record: SessionRecord;
  expiresAt: Date;
}

export interface NewSession {
  userId: string;
  nonce: string;
  expiresAt: Date;
}

export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly tokens: SessionTokens,
    private readonly clock: Clock,
    /** durationMs: the global session length now (the organization's session_duration, cached per config version). */
    private readonly options: { secure: boolean; durationMs: () => Promise<number> },
  ) {}

  /**
   * Creates the session for a verified, allowed identity, together with whatever `build` produces for it (the SAML
   * response) and the sign-in's authentication log entries. Call only after every check passed.
   *
   * The user's directory entry (id, last seen, last Identity for the policy tester) is written first, since the
   * response and the token carry the user id. The session and the log entries are then written in one atomic step
   * (Store.recordSession) after build and the token succeeded: if either throws, there is no session, no entry and no
   * cookie. Nothing holds a database connection while the response and the token are signed.
   */
  async establish<T>(
    identity: Identity,
    ip: string,
    build: (s: NewSession) => Promise<T>,
    log: readonly AccessLogEntry[] = [],
  ): Promise<{ setCookie: string; result: T } & NewSession> {
    const now = this.clock.now();
    // Session lifetime = min(configured duration, the upstream session's end) (catalogue SP-PROTO-07).
    const upstreamEnd = identity.authn.notOnOrAfter?.getTime() ?? Number.POSITIVE_INFINITY;
    const expiresAt = new Date(Math.min(now.getTime() + (await this.options.durationMs()), upstreamEnd));
    const nonce = randomToken(24);
    const signingKey = await this.tokens.signingKey();
    const identityJson = JSON.stringify(identity);
    const userId = await this.store.users.upsertByEmail(identity.email, now, identityJson);
    const result = await build({ userId, nonce, expiresAt });
    const token = await this.tokens.issue({ email: identity.email, userId, nonce, now, expiresAt }, signingKey);
    await this.store.recordSession({ nonce, userId, identity: sessionRecordJson({ userId, iat: Math.floor(now.getTime() / 1000), ip }, identityJson), createdAt: now, expiresAt }, log);
    const setCookie = serializeCookie(SESSION_COOKIE, token, {
      maxAgeSeconds: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
      secure: this.options.secure,
      sameSite: 'Lax',
    });
    return { setCookie, result, userId, nonce, expiresAt };
  }

  /** The live session behind the request's cookie: a valid token whose identity has not expired or been revoked. */
  async read(cookieHeader: string | undefined): Promise<LiveSession | undefined> {
    const token = singleCookie(cookieHeader, SESSION_COOKIE);
    if (!token) return undefined;
    const now = this.clock.now();
    const claims = await this.tokens.verify(token, now);
    if (!claims) return undefined;
    const stored = await this.store.identities.get(claims.identity_nonce, now);
    if (!stored || stored.userId !== claims.sub) return undefined;
    const record = JSON.parse(stored.identity) as SessionRecord;
    record.identity.authn.at = new Date(record.identity.authn.at);
    if (record.identity.authn.notOnOrAfter) record.identity.authn.notOnOrAfter = new Date(record.identity.authn.notOnOrAfter);
    return { nonce: claims.identity_nonce, record, expiresAt: stored.expiresAt };
  }

  async revoke(nonce: string): Promise<void> {
    await this.store.identities.delete(nonce);
  }

  clearCookie(): string {
    return serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: this.options.secure, sameSite: 'Lax' });
  }
}

/** The stored SessionRecord, embedding the Identity JSON the user row already got instead of serialising it twice. */
function sessionRecordJson(fields: Omit<SessionRecord, 'identity'>, identityJson: string): string {
  return `${JSON.stringify(fields).slice(0, -1)},"identity":${identityJson}}`;
}
