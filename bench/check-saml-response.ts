import { firstForm } from './bench-browser.js';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface PostedSamlResponse {
  samlResponse: string;
  relayState: string;
}

/**
 * The in-line check of every final page of a sign-in, cheap enough to run on each one under load: it is Gatehouse's
 * auto-posting form, it posts to the registered ACS with the SP's RelayState, and the Response it carries says
 * Success, names the ACS as Destination and answers this very AuthnRequest (InResponseTo). Signatures, audience,
 * issuer and times are checked by node-saml afterwards (see signin-load.ts); a failure of either counts as an error.
 * Returns the posted message, or throws with the reason.
 */
export function checkSamlResponse(html: string, expected: { acs: string; relayState: string; requestId: string }): PostedSamlResponse {
  const form = firstForm(html);
  if (!form) throw new Error('final page has no form');
  if (form.action !== expected.acs || form.method !== 'post') throw new Error(`form posts to ${form.method} ${form.action}, not the ACS`);
  const samlResponse = form.fields.SAMLResponse;
  if (!samlResponse) throw new Error('form carries no SAMLResponse');
  if (form.fields.RelayState !== expected.relayState) throw new Error(`RelayState ${form.fields.RelayState} is not the SP's`);
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  const root = /^(?:<\?xml[^>]*\?>\s*)?<(?:[\w-]+:)?Response\b([^>]*)>/.exec(xml);
  if (!root) throw new Error('not a SAML Response');
  const attrs = root[1]!;
  if (xmlAttr(attrs, 'Destination') !== expected.acs) throw new Error(`Destination ${xmlAttr(attrs, 'Destination')} is not the ACS`);
  if (xmlAttr(attrs, 'InResponseTo') !== expected.requestId) throw new Error(`InResponseTo ${xmlAttr(attrs, 'InResponseTo')} does not answer ${expected.requestId}`);
  const status = /<(?:[\w-]+:)?StatusCode\b[^>]*\bValue="([^"]*)"/.exec(xml)?.[1];
  if (status !== SUCCESS) throw new Error(`status ${status}`);
  return { samlResponse, relayState: expected.relayState };
}

function xmlAttr(attrs: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1];
}
