import { createPrivateKey, type KeyObject } from 'node:crypto';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { certificateBase64 } from '../../keys/certificate-info.js';
import type { PublicUrls } from '../../http/public-urls.js';
import type { Identity } from '../../identity/identity.js';
import type { SsoTarget } from '../app-directory.js';
import { samlPostPage } from '../../web/saml-post-page.js';
import type { AppRecord } from '../app-record.js';
import { buildSignedSamlResponse } from './build-saml-response.js';
import { mapSamlAttributes } from './map-saml-attributes.js';

const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

interface ParsedKey {
  privateKey: KeyObject;
  certificateBase64: string;
}

export interface RespondInput {
  app: AppRecord;
  identity: Identity;
  userId: string;
  sessionIndex: string;
  sessionNotOnOrAfter: Date;
  requestId?: string;
  relayState?: string;
  now: Date;
}

export interface SamlReply {
  html: string;
  acsUrl: string;
}

/**
 * Mints the signed SAML Response for an app and wraps it in the auto-POST page. Runs only after the policy allowed
 * the user; the destination is always the app's registered ACS URL, never one taken from a request.
 */
export class SamlResponder {
  // Parsed private keys by key id: key rows never change, so this cache cannot go stale.
  readonly #keys = new Map<string, ParsedKey>();

  constructor(private readonly urls: PublicUrls) {}

  /**
   * Loads what minting needs (the app's signing key) and returns a function that mints without touching the store,
   * so it can run inside a store transaction.
   */
  prepare(target: SsoTarget): (input: Omit<RespondInput, 'app'>) => SamlReply {
    const key = this.#parsedKey(target);
    return (input) => this.#mint({ ...input, app: target.app }, key);
  }

  #mint(input: RespondInput, key: ParsedKey): SamlReply {
    const { app, identity } = input;
    const acsUrl = app.saasApp.consumerServiceUrl;
    const xml = buildSignedSamlResponse({
      issuer: this.urls.ssoEndpoint(app.aud),
      destination: acsUrl,
      audience: app.saasApp.spEntityId,
      ...(input.requestId ? { inResponseTo: input.requestId } : {}),
      nameId: app.saasApp.nameIdFormat === 'id' ? input.userId : identity.email,
      nameIdFormat: app.saasApp.nameIdFormat === 'id' ? NAMEID_PERSISTENT : NAMEID_EMAIL,
      sessionIndex: input.sessionIndex,
      authnInstant: identity.authn.at,
      sessionNotOnOrAfter: input.sessionNotOnOrAfter,
      attributes: mapSamlAttributes(identity, input.userId, app.saasApp.customAttributes),
      now: input.now,
      key,
    });
    const relayState = input.relayState ?? (input.requestId ? undefined : app.saasApp.defaultRelayState);
    const html = samlPostPage({
      acsUrl,
      samlResponse: Buffer.from(xml, 'utf8').toString('base64'),
      appName: app.name,
      ...(relayState !== undefined ? { relayState } : {}),
    });
    return { html, acsUrl };
  }

  #parsedKey(target: SsoTarget): ParsedKey {
    const row = target.signingKey;
    if (!row) throw new GatehouseError('INTERNAL', { detail: `app ${target.app.id} has no signing key`, hint: 'recreate the application' });
    let parsed = this.#keys.get(row.id);
    if (!parsed) {
      parsed = { privateKey: createPrivateKey(row.privateKeyPem), certificateBase64: certificateBase64(row.certificatePem) };
      this.#keys.set(row.id, parsed);
    }
    return parsed;
  }
}
