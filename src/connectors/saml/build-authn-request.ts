import { sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { CanonicalXmlWriter } from '../../apps/saml/canonical-xml-writer.js';
import { randomToken } from '../../lib/random.js';
import { HTTP_POST_BINDING, NS, RSA_SHA256 } from './saml-names.js';
import type { SpKey } from './sp-signing-key.js';

export interface AuthnRequestInput {
  /** The IdP's SSO URL (sso_target_url); may carry its own query string. */
  ssoTargetUrl: string;
  /** Gatehouse's ACS, which is also its SP entity ID (as in Cloudflare's setup). */
  acsUrl: string;
  spEntityId: string;
  relayState: string;
  now: Date;
  forceAuthn?: boolean;
  /** Signs the Redirect-binding query (RSA-SHA256) when given. */
  signWith?: SpKey;
}

export interface BuiltAuthnRequest {
  /** The request ID the response must answer (InResponseTo). */
  id: string;
  redirectUrl: URL;
}

/**
 * An AuthnRequest sent by the HTTP-Redirect binding (SAML bindings §3.4). The ID is 160 random bits with a letter
 * first (an NCName). When signing, the signature covers the exact query-string bytes sent (§3.4.4.1), so the
 * message is not signed inside the XML.
 */
export function buildAuthnRequest(input: AuthnRequestInput): BuiltAuthnRequest {
  const id = `_${randomToken(20)}`;
  const w = new CanonicalXmlWriter({ samlp: NS.samlp, saml: NS.saml });
  w.open('samlp:AuthnRequest', {
    AssertionConsumerServiceURL: input.acsUrl,
    Destination: input.ssoTargetUrl,
    ...(input.forceAuthn ? { ForceAuthn: 'true' } : {}),
    ID: id,
    IssueInstant: input.now.toISOString(),
    ProtocolBinding: HTTP_POST_BINDING,
    Version: '2.0',
  });
  w.leaf('saml:Issuer', {}, input.spEntityId);
  w.leaf('samlp:NameIDPolicy', { AllowCreate: 'true' });
  w.close();
  const encoded = deflateRawSync(Buffer.from(w.toString(), 'utf8')).toString('base64');

  let query = `SAMLRequest=${encodeURIComponent(encoded)}&RelayState=${encodeURIComponent(input.relayState)}`;
  if (input.signWith) {
    query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
    const signature = sign('sha256', Buffer.from(query, 'utf8'), input.signWith.privateKey).toString('base64');
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  const url = new URL(input.ssoTargetUrl);
  url.search = url.search ? `${url.search.slice(1)}&${query}` : query;
  return { id, redirectUrl: url };
}
