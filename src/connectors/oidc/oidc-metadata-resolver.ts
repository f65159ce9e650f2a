import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { OidcIdpConfig } from '../idp-record.js';

export interface ResolvedOidcMetadata {
  /** The issuer every ID token must carry. From configuration or discovery, never from a token. */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  userinfoEndpoint?: string;
  source: 'explicit' | 'discovery';
}

const TTL_MS = 10 * 60_000;
const TIMEOUT_MS = 5_000;
const MAX_BYTES = 64 * 1024;
const JWKS_SUFFIX = '/.well-known/jwks.json';

/**
 * Finds the expected issuer of a login method. Cloudflare's OIDC config has no issuer field, so unless the admin set
 * one, candidates are derived from the configured URLs (Cognito: certs_url minus /.well-known/jwks.json; else the
 * path prefixes of auth_url) and a candidate counts only if its discovery document names itself as issuer AND
 * names the configured certs_url as jwks_uri: the trust anchor stays the one from configuration.
 * Endpoints used for the login are always the configured ones.
 */
export class OidcMetadataResolver {
  readonly #cache = new Map<string, { at: number; value: ResolvedOidcMetadata }>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  async resolve(config: OidcIdpConfig, now: Date = new Date()): Promise<ResolvedOidcMetadata> {
    const key = JSON.stringify([config.issuer, config.authUrl, config.tokenUrl, config.certsUrl]);
    const hit = this.#cache.get(key);
    if (hit && now.getTime() - hit.at < TTL_MS) return hit.value;
    const value = await this.#resolve(config);
    this.#cache.set(key, { at: now.getTime(), value });
    return value;
  }

  async #resolve(config: OidcIdpConfig): Promise<ResolvedOidcMetadata> {
    const base = { authorizationEndpoint: config.authUrl, tokenEndpoint: config.tokenUrl, jwksUri: config.certsUrl };
    if (config.issuer) {
      // An explicit issuer is trusted as configured; discovery only adds the userinfo endpoint when it agrees.
      const doc = await this.#discover(config.issuer).catch(() => undefined);
      const userinfo = doc && doc.issuer === config.issuer && typeof doc.userinfo_endpoint === 'string' ? doc.userinfo_endpoint : undefined;
      return { ...base, issuer: config.issuer, source: 'explicit', ...(userinfo ? { userinfoEndpoint: userinfo } : {}) };
    }
    const tried: string[] = [];
    for (const candidate of issuerCandidates(config)) {
      const doc = await this.#discover(candidate).catch((e: unknown) => {
        tried.push(`${candidate} (${e instanceof Error ? e.message : String(e)})`);
        return undefined;
      });
      if (!doc) continue;
      if (doc.issuer !== candidate || doc.jwks_uri !== config.certsUrl) {
        tried.push(`${candidate} (issuer ${String(doc.issuer)}, jwks_uri ${String(doc.jwks_uri)})`);
        continue;
      }
      const userinfo = typeof doc.userinfo_endpoint === 'string' ? doc.userinfo_endpoint : undefined;
      return { ...base, issuer: candidate, source: 'discovery', ...(userinfo ? { userinfoEndpoint: userinfo } : {}) };
    }
    throw new GatehouseError('CONNECTOR_CONFIG_INVALID', {
      detail: `cannot establish the expected ID-token issuer; discovery candidates tried: ${tried.join('; ') || 'none'}`,
      hint: 'set config.issuer to the provider issuer, or make certs_url exactly the jwks_uri of its discovery document',
    });
  }

  async #discover(issuer: string): Promise<Record<string, unknown>> {
    const res = await this.fetchImpl(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_BYTES) throw new Error('discovery document too large');
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
    return doc as Record<string, unknown>;
  }
}

export function issuerCandidates(config: Pick<OidcIdpConfig, 'authUrl' | 'certsUrl'>): string[] {
  const out: string[] = [];
  if (config.certsUrl.endsWith(JWKS_SUFFIX)) out.push(config.certsUrl.slice(0, -JWKS_SUFFIX.length));
  const auth = new URL(config.authUrl);
  const segments = auth.pathname.split('/').filter(Boolean);
  for (let n = segments.length - 1; n >= 0; n--) out.push(`${auth.origin}${n === 0 ? '' : `/${segments.slice(0, n).join('/')}`}`);
  return [...new Set(out)];
}
