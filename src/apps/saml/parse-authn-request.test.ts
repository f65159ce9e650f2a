import { deflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { generateSigningCertificate } from '../../keys/generate-signing-certificate.js';
import { decodePostMessage, decodeRedirectMessage } from './decode-saml-message.js';
import { parseAuthnRequest, parseXsDateTime, type AuthnRequestExpectations } from './parse-authn-request.js';

const SP = 'https://sp.example.test/saml/metadata';
const ACS = 'https://sp.example.test/saml/acs';
const SSO = 'https://gatehouse.example.test/cdn-cgi/access/sso/saml/0123456789abcdef';
const NOW = new Date('2030-01-01T12:00:00Z');
const EXPECT: AuthnRequestExpectations = { spEntityId: SP, registeredAcsUrl: ACS, ssoEndpointUrl: SSO, now: NOW };

/** The error thrown, as code + detail, so tests can assert the code and that the detail names the values. */
function failure(fn: () => unknown): { code: string; detail: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatehouseError) return { code: e.code, detail: e.detail ?? '' };
    return { code: `non-Gatehouse error: ${String(e)}`, detail: '' };
  }
  return { code: 'no error', detail: '' };
}
const codeOf = (fn: () => unknown) => failure(fn).code;

interface RequestParts {
  prolog?: string;
  rootName?: string;
  rootNs?: string;
  /** Attributes on the root; null removes a default. */
  attrs?: Record<string, string | null>;
  issuer?: string | null;
  body?: string;
  trailer?: string;
}

/** An AuthnRequest as an SP would send it, with any part replaced. */
function request(parts: RequestParts = {}): string {
  const attrs: Record<string, string | null> = {
    ID: '_7d3f5c0e9a1b2c3d4e5f',
    Version: '2.0',
    IssueInstant: '2030-01-01T11:59:30Z',
    Destination: SSO,
    AssertionConsumerServiceURL: ACS,
    ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
    ...parts.attrs,
  };
  const rendered = Object.entries(attrs)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  const name = parts.rootName ?? 'samlp:AuthnRequest';
  const issuer = parts.issuer === null ? '' : (parts.issuer ?? `<saml:Issuer>${SP}</saml:Issuer>`);
  return `${parts.prolog ?? ''}<${name} xmlns:samlp="${parts.rootNs ?? 'urn:oasis:names:tc:SAML:2.0:protocol'}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"${rendered}>${issuer}${parts.body ?? '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>'}</${name}>${parts.trailer ?? ''}`;
}

describe('parseAuthnRequest with real node-saml requests', () => {
  let saml: SAML;
  beforeAll(async () => {
    const idp = await generateSigningCertificate({ commonName: 'test idp', now: new Date() });
    saml = new SAML({ idpCert: idp.certificatePem, issuer: SP, callbackUrl: ACS, entryPoint: SSO, audience: SP });
  });

  it('accepts an HTTP-Redirect request decoded with decodeRedirectMessage', async () => {
    const url = new URL(await saml.getAuthorizeUrlAsync('relay', undefined, {}));
    const xml = decodeRedirectMessage(url.searchParams.get('SAMLRequest')!);
    const id = /ID="([^"]+)"/.exec(xml)![1]!;
    const now = new Date();
    const info = parseAuthnRequest(xml, { ...EXPECT, now });
    expect(info.id).toBe(id);
    expect(info.acsUrl).toBe(ACS);
    expect([info.forceAuthn, info.isPassive]).toEqual([false, false]);
    expect(Math.abs(info.issueInstant.getTime() - now.getTime())).toBeLessThan(60_000);
  });

  it('accepts an HTTP-POST request decoded with decodePostMessage, and reads ForceAuthn / IsPassive', async () => {
    // skipRequestCompression: the POST binding (SAML bindings 3.5.4) is not deflated; node-saml deflates by default.
    const post = new SAML({ idpCert: 'x', issuer: SP, callbackUrl: ACS, entryPoint: SSO, audience: SP, authnRequestBinding: 'HTTP-POST', forceAuthn: true, passive: true, skipRequestCompression: true });
    const form = await post.getAuthorizeFormAsync('relay');
    const param = /name="SAMLRequest" value="([^"]+)"/.exec(form)![1]!;
    const info = parseAuthnRequest(decodePostMessage(param, 64 * 1024), { ...EXPECT, now: new Date() });
    expect([info.forceAuthn, info.isPassive, info.acsUrl]).toEqual([true, true, ACS]);
  });
});

describe('parseAuthnRequest: accepted variants', () => {
  it('returns exactly the request ID, instant and flags, with the registered ACS', () => {
    expect(parseAuthnRequest(request({ attrs: { ForceAuthn: 'true', IsPassive: '0' } }), EXPECT)).toEqual({
      id: '_7d3f5c0e9a1b2c3d4e5f',
      issueInstant: new Date('2030-01-01T11:59:30Z'),
      forceAuthn: true,
      isPassive: false,
      acsUrl: ACS,
    });
  });
  it('accepts absent ACS URL, ProtocolBinding and Destination, using the registered ACS', () => {
    const info = parseAuthnRequest(request({ attrs: { AssertionConsumerServiceURL: null, ProtocolBinding: null, Destination: null } }), EXPECT);
    expect(info.acsUrl).toBe(ACS);
  });
  it('accepts AssertionConsumerServiceIndex alone and answers to the registered ACS', () => {
    expect(parseAuthnRequest(request({ attrs: { AssertionConsumerServiceURL: null, AssertionConsumerServiceIndex: '0' } }), EXPECT).acsUrl).toBe(ACS);
  });
  it('accepts an Issuer with the entity Format, and an Issuer split by a comment (full text compared, XML-07)', () => {
    expect(parseAuthnRequest(request({ issuer: `<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${SP}</saml:Issuer>` }), EXPECT).id).toBe('_7d3f5c0e9a1b2c3d4e5f');
    expect(parseAuthnRequest(request({ issuer: `<saml:Issuer>https://sp.example<!-- x -->.test/saml/metadata</saml:Issuer>` }), EXPECT).id).toBe('_7d3f5c0e9a1b2c3d4e5f');
  });
  it('accepts any prefix bound to the SAML namespaces (selection by namespace, XML-10)', () => {
    const xml = `<p:AuthnRequest xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x1" Version="2.0" IssueInstant="2030-01-01T12:00:00Z"><a:Issuer xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion">${SP}</a:Issuer></p:AuthnRequest>`;
    expect(parseAuthnRequest(xml, EXPECT).id).toBe('_x1');
  });
  it('accepts IDs of 256 characters with . - : and _', () => {
    const id = `a${'_.-:9'.repeat(51)}`;
    expect(parseAuthnRequest(request({ attrs: { ID: id } }), EXPECT).id).toBe(id);
  });
});

describe('parseAuthnRequest: XML layer (XML-01..06 through the SSO endpoint)', () => {
  it('refuses DOCTYPE with an XXE entity in the Issuer', () => {
    const xml = request({ prolog: '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', issuer: '<saml:Issuer>&x;</saml:Issuer>' });
    expect(codeOf(() => parseAuthnRequest(xml, EXPECT))).toBe('XML_DOCTYPE');
  });
  it('refuses billion-laughs entities', () => {
    const xml = request({ prolog: '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>', issuer: '<saml:Issuer>&b;</saml:Issuer>' });
    expect(codeOf(() => parseAuthnRequest(xml, EXPECT))).toBe('XML_DOCTYPE');
  });
  it('refuses a processing instruction inside the Issuer', () => {
    expect(codeOf(() => parseAuthnRequest(request({ issuer: `<saml:Issuer><?x y?>${SP}</saml:Issuer>` }), EXPECT))).toBe('XML_PI');
  });
  it('refuses two root elements', () => {
    expect(codeOf(() => parseAuthnRequest(request({ trailer: request() }), EXPECT))).toBe('XML_MALFORMED');
  });
  it('refuses an oversized request', () => {
    expect(codeOf(() => parseAuthnRequest(request({ body: `<x>${'a'.repeat(300_000)}</x>` }), EXPECT))).toBe('XML_TOO_LARGE');
  });
});

describe('parseAuthnRequest: protocol checks', () => {
  it('refuses a root in the wrong namespace or of the wrong kind', () => {
    expect(codeOf(() => parseAuthnRequest(request({ rootNs: 'urn:evil' }), EXPECT))).toBe('APP_REQUEST_INVALID');
    expect(codeOf(() => parseAuthnRequest(request({ rootName: 'samlp:LogoutRequest' }), EXPECT))).toBe('APP_REQUEST_INVALID');
  });
  it('refuses a Version other than 2.0', () => {
    expect(codeOf(() => parseAuthnRequest(request({ attrs: { Version: '1.1' } }), EXPECT))).toBe('APP_REQUEST_INVALID');
    expect(codeOf(() => parseAuthnRequest(request({ attrs: { Version: null } }), EXPECT))).toBe('APP_REQUEST_INVALID');
  });
  for (const id of [null, '', '123abc', '-abc', 'a b', 'a&lt;b', `a${'x'.repeat(256)}`, 'é']) {
    it(`refuses the ID ${JSON.stringify(id)}`, () => {
      expect(codeOf(() => parseAuthnRequest(request({ attrs: { ID: id } }), EXPECT))).toBe('APP_REQUEST_INVALID');
    });
  }
  it('refuses ForceAuthn / IsPassive values that are not xs:boolean', () => {
    expect(codeOf(() => parseAuthnRequest(request({ attrs: { IsPassive: 'yes' } }), EXPECT))).toBe('APP_REQUEST_INVALID');
  });
});

describe('parseAuthnRequest: IssueInstant (IDP-REQ-07)', () => {
  const at = (IssueInstant: string | null, extra: Partial<AuthnRequestExpectations> = {}) => () => parseAuthnRequest(request({ attrs: { IssueInstant } }), { ...EXPECT, ...extra });
  it('accepts up to maxAge + skew in the past and skew in the future', () => {
    expect(at('2030-01-01T11:47:00Z')().issueInstant.toISOString()).toBe('2030-01-01T11:47:00.000Z');
    expect(at('2030-01-01T12:03:00Z')().issueInstant.toISOString()).toBe('2030-01-01T12:03:00.000Z');
  });
  it('refuses a request older than maxAge + skew, naming the instant and now', () => {
    const f = failure(at('2030-01-01T11:46:59Z'));
    expect(f.code).toBe('APP_REQUEST_INVALID');
    expect(f.detail).toContain('2030-01-01T11:46:59Z');
    expect(f.detail).toContain(NOW.toISOString());
    expect(codeOf(at('2030-01-01T11:00:00Z'))).toBe('APP_REQUEST_INVALID');
  });
  it('refuses a request more than the skew in the future', () => {
    expect(codeOf(at('2030-01-01T12:03:01Z'))).toBe('APP_REQUEST_INVALID');
  });
  it('honours maxAgeMs and clockSkewMs', () => {
    expect(codeOf(at('2030-01-01T11:59:00Z', { maxAgeMs: 30_000, clockSkewMs: 10_000 }))).toBe('APP_REQUEST_INVALID');
    expect(at('2030-01-01T11:59:30Z', { maxAgeMs: 30_000, clockSkewMs: 0 })().id).toBe('_7d3f5c0e9a1b2c3d4e5f');
  });
  for (const bad of [null, '', 'yesterday', '2030-01-01T11:59:30', '2030-01-01 11:59:30Z', '2030-02-30T00:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01T11:59:30+15:00']) {
    it(`refuses the IssueInstant ${JSON.stringify(bad)}`, () => {
      expect(codeOf(at(bad))).toBe('APP_REQUEST_INVALID');
    });
  }
});

describe('parseXsDateTime', () => {
  it('converts offsets and keeps milliseconds', () => {
    expect(parseXsDateTime('2030-01-01T13:59:30.5+02:00')?.toISOString()).toBe('2030-01-01T11:59:30.500Z');
    expect(parseXsDateTime('2030-01-01T11:59:30.123456789Z')?.toISOString()).toBe('2030-01-01T11:59:30.123Z');
    expect(parseXsDateTime('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseXsDateTime('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseXsDateTime('0050-01-01T00:00:00Z')).toBeUndefined();
  });
});

describe('parseAuthnRequest: Issuer (IDP-REQ-03)', () => {
  it('refuses another SP entity ID, naming both values', () => {
    const f = failure(() => parseAuthnRequest(request({ issuer: '<saml:Issuer>https://other.example.test/metadata</saml:Issuer>' }), EXPECT));
    expect(f.code).toBe('APP_ISSUER_MISMATCH');
    expect(f.detail).toContain('"https://other.example.test/metadata"');
    expect(f.detail).toContain(`"${SP}"`);
  });
  it('refuses a missing Issuer, and an Issuer in another namespace (which is not an Issuer)', () => {
    expect(codeOf(() => parseAuthnRequest(request({ issuer: null }), EXPECT))).toBe('APP_ISSUER_MISMATCH');
    expect(codeOf(() => parseAuthnRequest(request({ issuer: `<samlp:Issuer>${SP}</samlp:Issuer>` }), EXPECT))).toBe('APP_ISSUER_MISMATCH');
    expect(codeOf(() => parseAuthnRequest(request({ issuer: `<e:Issuer xmlns:e="urn:evil">${SP}</e:Issuer>` }), EXPECT))).toBe('APP_ISSUER_MISMATCH');
  });
  it('compares exactly: whitespace, case and a comment-hidden suffix all differ', () => {
    for (const text of [` ${SP}`, `${SP}\n`, SP.toUpperCase(), `${SP}<!-- -->.evil`]) {
      expect(codeOf(() => parseAuthnRequest(request({ issuer: `<saml:Issuer>${text}</saml:Issuer>` }), EXPECT))).toBe('APP_ISSUER_MISMATCH');
    }
  });
  it('refuses two Issuers, an Issuer with child elements, and a non-entity Format', () => {
    const two = `<saml:Issuer>${SP}</saml:Issuer><saml:Issuer>https://evil.test</saml:Issuer>`;
    expect(codeOf(() => parseAuthnRequest(request({ issuer: two }), EXPECT))).toBe('APP_REQUEST_INVALID');
    expect(codeOf(() => parseAuthnRequest(request({ issuer: `<saml:Issuer>${SP}<x/></saml:Issuer>` }), EXPECT))).toBe('APP_REQUEST_INVALID');
    const email = `<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${SP}</saml:Issuer>`;
    expect(codeOf(() => parseAuthnRequest(request({ issuer: email }), EXPECT))).toBe('APP_REQUEST_INVALID');
  });
});

describe('parseAuthnRequest: AssertionConsumerServiceURL (IDP-REQ-01)', () => {
  const variants = {
    'another host': 'https://evil.test/acs',
    'registered host as a subdomain of the attacker': 'https://sp.example.test.evil.test/saml/acs',
    'registered URL + ?x=': `${ACS}?x=`,
    'registered URL + #frag': `${ACS}#frag`,
    'trailing slash': `${ACS}/`,
    'http downgrade': ACS.replace('https:', 'http:'),
    'upper-case host': ACS.replace('sp.example.test', 'SP.EXAMPLE.TEST'),
    'explicit port': ACS.replace('sp.example.test', 'sp.example.test:443'),
    'javascript: URL': 'javascript:alert(1)',
    empty: '',
  };
  for (const [name, url] of Object.entries(variants)) {
    it(`refuses ${name} as APP_ACS_MISMATCH, naming both URLs`, () => {
      const f = failure(() => parseAuthnRequest(request({ attrs: { AssertionConsumerServiceURL: url } }), EXPECT));
      expect(f.code).toBe('APP_ACS_MISMATCH');
      expect(f.detail).toContain(JSON.stringify(url));
      expect(f.detail).toContain(JSON.stringify(ACS));
    });
  }
  it('refuses URL and Index together (SAML core 3.4.1)', () => {
    expect(codeOf(() => parseAuthnRequest(request({ attrs: { AssertionConsumerServiceIndex: '0' } }), EXPECT))).toBe('APP_REQUEST_INVALID');
  });
  it('refuses an Index that is not an unsigned short', () => {
    for (const index of ['abc', '-1', '65536', '']) {
      expect(codeOf(() => parseAuthnRequest(request({ attrs: { AssertionConsumerServiceURL: null, AssertionConsumerServiceIndex: index } }), EXPECT))).toBe('APP_REQUEST_INVALID');
    }
  });
});

describe('parseAuthnRequest: ProtocolBinding and Destination (IDP-REQ-02, IDP-REQ-05)', () => {
  for (const binding of ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact', 'urn:oasis:names:tc:SAML:2.0:bindings:PAOS', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect']) {
    it(`refuses ProtocolBinding ${binding.split(':').pop()}`, () => {
      expect(codeOf(() => parseAuthnRequest(request({ attrs: { ProtocolBinding: binding } }), EXPECT))).toBe('APP_REQUEST_INVALID');
    });
  }
  it("refuses another app's SSO URL, an http SSO URL and an empty Destination, naming both values", () => {
    for (const destination of [SSO.replace('0123456789abcdef', 'fedcba9876543210'), SSO.replace('https:', 'http:'), '']) {
      const f = failure(() => parseAuthnRequest(request({ attrs: { Destination: destination } }), EXPECT));
      expect(f.code).toBe('APP_REQUEST_INVALID');
      expect(f.detail).toContain(JSON.stringify(destination));
      expect(f.detail).toContain(JSON.stringify(SSO));
    }
  });
});

describe('SSO endpoint pipeline: decode then parse (XML-14, XML-15)', () => {
  const pipeline = (param: string) => () => parseAuthnRequest(decodeRedirectMessage(param), EXPECT);
  it('accepts the canonical Redirect encoding', () => {
    expect(pipeline(deflateRawSync(Buffer.from(request())).toString('base64'))().id).toBe('_7d3f5c0e9a1b2c3d4e5f');
  });
  it('refuses a DEFLATE bomb as APP_REQUEST_TOO_LARGE', () => {
    expect(codeOf(pipeline(deflateRawSync(Buffer.alloc(50e6, 32)).toString('base64')))).toBe('APP_REQUEST_TOO_LARGE');
  });
  it('refuses bad base64 as SAML_ENCODING', () => {
    const urlSafe = deflateRawSync(Buffer.from(request({ body: '<x>???>>>???</x>'.repeat(20) })))
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    expect(urlSafe).toMatch(/[-_]/);
    expect(codeOf(pipeline(urlSafe))).toBe('SAML_ENCODING');
    expect(codeOf(pipeline('not base64 at all!'))).toBe('SAML_ENCODING');
  });
});
