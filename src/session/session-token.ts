import type { JWTPayload } from 'jose';
import { signSessionJwt } from './sign-session-jwt.js';
import { verifySessionJwt } from './verify-session-jwt.js';
import type { SessionKey, SessionKeyring } from './session-keyring.js';

export interface SessionClaims extends JWTPayload {
  email: string;
  sub: string;
  identity_nonce: string;
  type: 'org';
  account_id: string;
}

export interface SessionTokenOptions {
  issuer: string;
  audience: string;
  accountId: string;
  clockSkewSeconds: number;
}

/** The CF_Authorization JWT: RS256 with kid, Cloudflare's claims. */
export class SessionTokens {
  constructor(
    private readonly keyring: SessionKeyring,
    private readonly options: SessionTokenOptions,
  ) {}

  /** The key the next token will be signed with; load it before entering a store transaction. */
  signingKey(): Promise<SessionKey> {
    return this.keyring.signingKey();
  }

  async issue(input: { email: string; userId: string; nonce: string; now: Date; expiresAt: Date }, signingKey?: SessionKey): Promise<string> {
    const key = signingKey ?? (await this.keyring.signingKey());
    const iat = Math.floor(input.now.getTime() / 1000);
    return signSessionJwt(
      {
        email: input.email,
        identity_nonce: input.nonce,
        type: 'org',
        account_id: this.options.accountId,
        iss: this.options.issuer,
        aud: [this.options.audience],
        sub: input.userId,
        iat,
        nbf: iat,
        exp: Math.floor(input.expiresAt.getTime() / 1000),
      },
      key,
    );
  }

  /** Returns the verified claims, or undefined for any token that is not one of ours and current. */
  async verify(token: string, now: Date): Promise<SessionClaims | undefined> {
    if (token.length > 8192) return undefined;
    const expect = { issuer: this.options.issuer, audience: this.options.audience, nowSeconds: Math.floor(now.getTime() / 1000), clockToleranceSeconds: this.options.clockSkewSeconds };
    // Only keys that may have signed something: a published next key has not, so a token naming it is refused.
    const keys = await this.keyring.verifyingKeys();
    let result = verifySessionJwt(token, (kid) => keys.find((k) => k.kid === kid), expect);
    if (!result.ok && result.reason === 'unknown_kid' && result.kid) {
      // Possibly a key this instance has not read yet; byKid re-reads the store, but at most every few seconds, so
      // forged tokens with random kids cannot turn into one database query each. Still unknown: refused.
      const key = await this.keyring.byKid(result.kid);
      if (key) result = verifySessionJwt(token, (kid) => (kid === key.kid ? key : undefined), expect);
    }
    if (!result.ok) return undefined;
    const c = result.claims;
    if (c.type !== 'org' || typeof c.email !== 'string' || typeof c.identity_nonce !== 'string' || c.account_id !== this.options.accountId) return undefined;
    return c as unknown as SessionClaims;
  }
}
