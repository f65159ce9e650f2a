import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertionOf, buildG0, E, makeTestKeys, parseXml, root, signatureOf, signG, type TestKeys, xsw1, xsw3, xsw8 } from '../helpers/saml-test-idp.js';

/** Unit checks of the test IdP itself (independent of Gatehouse): the golden fixtures verify, E() breaks them. */
const params = { requestId: 'REQ1', acs: 'https://gh.example.test/cdn-cgi/access/callback', audience: 'https://gh.example.test/cdn-cgi/access/callback', issuer: 'https://idp.example.test/metadata' };
let xmlsec1 = true;
try {
  execFileSync('xmlsec1', ['--version'], { stdio: 'ignore' });
} catch {
  xmlsec1 = false;
}

function verify(xml: string, which: 'response' | 'assertion', cert: string): boolean {
  const doc = parseXml(xml);
  const el = which === 'response' ? root(doc) : assertionOf(doc);
  const sig = new SignedXml({ publicCert: cert });
  sig.loadSignature(signatureOf(el) as never);
  try {
    return sig.checkSignature(xml);
  } catch {
    return false; // xml-crypto throws on a wrong signature value
  }
}

describe('test IdP fixtures', () => {
  let keys: TestKeys;
  beforeAll(async () => {
    keys = await makeTestKeys();
  });

  it('G0 carries two signatures that verify with K_idp (xml-crypto), not with K_evil', () => {
    const g0 = signG(buildG0(params), 'G0', { key: keys.idp });
    expect(verify(g0, 'assertion', keys.idp.certificatePem)).toBe(true);
    expect(verify(g0, 'response', keys.idp.certificatePem)).toBe(true);
    expect(verify(g0, 'response', keys.evil.certificatePem)).toBe(false);
  });

  it('G1 / G2 sign only the Assertion / only the Response; E() breaks both', () => {
    const base = buildG0(params);
    const g1 = signG(base, 'G1', { key: keys.idp });
    const g2 = signG(base, 'G2', { key: keys.idp });
    expect(verify(g1, 'assertion', keys.idp.certificatePem)).toBe(true);
    expect(verify(g2, 'response', keys.idp.certificatePem)).toBe(true);
    expect(() => signatureOf(root(parseXml(g1)))).toThrow();
    expect(() => signatureOf(assertionOf(parseXml(g2)))).toThrow();
    expect(E(g1)).toContain('admin@example.com');
    expect(verify(E(g1), 'assertion', keys.idp.certificatePem)).toBe(false);
    expect(verify(E(g2), 'response', keys.idp.certificatePem)).toBe(false);
  });

  it.skipIf(!xmlsec1)('xmlsec1 verifies G1 and G2 with the K_idp certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'saml-fixture-'));
    writeFileSync(join(dir, 'cert.pem'), keys.idp.certificatePem);
    const base = buildG0(params);
    for (const [name, xml] of [['g1', signG(base, 'G1', { key: keys.idp })], ['g2', signG(base, 'G2', { key: keys.idp })]] as const) {
      writeFileSync(join(dir, `${name}.xml`), xml);
      execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'cert.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion', '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response', join(dir, `${name}.xml`)], { stdio: 'pipe' });
    }
  });

  it('XSW shapes: XSW1 puts the Response clone inside the Signature, XSW3 adds a first evil Assertion, XSW8 a ds:Object', () => {
    const base = buildG0(params);
    const d1 = parseXml(xsw1(signG(base, 'G2', { key: keys.idp })));
    expect(root(d1).getAttribute('ID')).toBe('_evil_response_ID');
    expect(signatureOf(root(d1)).getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'Response')).toHaveLength(1);
    const d3 = parseXml(xsw3(signG(base, 'G1', { key: keys.idp })));
    expect(assertionOf(d3).getAttribute('ID')).toBe('_evil_assertion_ID');
    const d8 = parseXml(xsw8(signG(base, 'G1', { key: keys.idp })));
    expect(d8.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Object')).toHaveLength(1);
  });
});
