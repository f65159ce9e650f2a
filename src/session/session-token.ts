import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
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
    return new SignJWT({ email: input.email, identity_nonce: input.nonce, type: 'org', account_id: this.options.accountId })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience([this.options.audience])
      .setSubject(input.userId)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(Math.floor(input.expiresAt.getTime() / 1000))
      .sign(key.privateKey);
  }

  /** Returns the verified claims, or undefined for any token that is not one of ours and current. */
  async verify(token: string, now: Date): Promise<SessionClaims | undefined> {
    if (token.length > 8192) return undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          // Keys come only from our keyring, chosen by kid; header jku/x5u/jwk/x5c are never consulted.
          const key = header.kid ? await this.keyring.byKid(header.kid) : undefined;
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key.publicKey;
        },
        {
          algorithms: ['RS256'],
          issuer: this.options.issuer,
          audience: this.options.audience,
          typ: 'JWT',
          requiredClaims: ['exp', 'iat', 'nbf', 'sub', 'email', 'identity_nonce'],
          currentDate: now,
          clockTolerance: this.options.clockSkewSeconds,
        },
      );
      if (payload.type !== 'org' || typeof payload.email !== 'string' || typeof payload.identity_nonce !== 'string') return undefined;
      return payload as SessionClaims;
    } catch {
      return undefined;
    }
  }
}
