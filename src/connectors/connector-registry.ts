import type { Clock } from '../lib/clock.js';
import type { Connector } from './connector.js';
import type { IdpRecord } from './idp-record.js';
import { createOidcConnector } from './oidc/oidc-connector.js';
import { OidcMetadataResolver } from './oidc/oidc-metadata-resolver.js';
import { createOtpConnector } from './otp/otp-connector.js';
import { createSamlConnector, type SamlConnectorDeps } from './saml/saml-connector.js';

/**
 * Builds the connector for a login method. Connectors hold derived, re-fetchable state (discovery, JWKS), so they
 * are cached per (id, updatedAt): an edit made through any instance yields a new key and a fresh connector.
 */
export class ConnectorRegistry {
  readonly #cache = new Map<string, Connector>();
  readonly #metadata = new OidcMetadataResolver();

  constructor(
    private readonly clock: Clock,
    private readonly saml: Omit<SamlConnectorDeps, 'clock'>,
    private readonly baseUrl: string,
  ) {}

  forIdp(idp: IdpRecord): Connector {
    const key = `${idp.id}@${idp.updatedAt.getTime()}`;
    let connector = this.#cache.get(key);
    if (!connector) {
      for (const k of this.#cache.keys()) if (k.startsWith(`${idp.id}@`)) this.#cache.delete(k);
      connector =
        idp.type === 'oidc'
          ? createOidcConnector(idp, { clock: this.clock, metadata: this.#metadata })
          : idp.type === 'saml'
            ? createSamlConnector(idp, { ...this.saml, clock: this.clock })
            : createOtpConnector(idp, { store: this.saml.store, clock: this.clock, baseUrl: this.baseUrl });
      this.#cache.set(key, connector);
    }
    return connector;
  }
}
