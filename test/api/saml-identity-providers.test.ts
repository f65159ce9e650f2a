import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Cloudflare from 'cloudflare';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApiPlugin } from '../../src/admin-api/admin-api-plugin.js';
import type { IdentityProviderRoutesContext } from '../../src/admin-api/identity-providers-routes.js';
import { loadConfig } from '../../src/config/config.js';
import type { SamlIdpRecord } from '../../src/connectors/idp-record.js';
import { PublicUrls } from '../../src/http/public-urls.js';
import { generateSigningCertificate } from '../../src/keys/generate-signing-certificate.js';
import { systemClock } from '../../src/lib/clock.js';
import { freePort } from '../helpers/free-port.js';
import { makeTestCertificate } from '../helpers/test-certificate.js';
import { type DialectCase, dialectCases } from '../helpers/test-databases.js';
import { ACCOUNT, type ApiHarness, startApi, TOKEN } from './admin-api-harness.js';

const cases = await dialectCases();
const awsSeed = readFileSync(new URL('../fixtures/aws-saml-example-api-configuration.json', import.meta.url), 'utf8');
const acc = `/accounts/${ACCOUNT}/access`;
const IDPS = `${acc}/identity_providers`;
const ENTITY = 'https://portal.sso.eu-central-1.amazonaws.com/saml/assertion/b2yJrC4kjy3ZAS0a2SeDJj74ebEAxozPfiURId0aQsal3';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

interface Cert {
  pem: string;
  base64: string;
}

/** The certificate as the API stores and returns it (Node's PEM form) and as bare base64. */
function toCert(pem: string): Cert {
  const cert = new X509Certificate(pem);
  return { pem: cert.toString(), base64: cert.raw.toString('base64') };
}

function pointers(json: { errors: Array<{ source?: { pointer: string } }> }): string[] {
  return json.errors.map((e) => e.source?.pointer ?? '');
}

function metadataXml(opts: { certs: string[]; sso?: string | null; entity?: string; extra?: string }): string {
  const keys = opts.certs
    .map((b64, i) => `<md:KeyDescriptor${i === 0 ? ' use="signing"' : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64.match(/.{1,64}/g)!.join('\n')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('\n');
  const sso = opts.sso === null ? '' : `<md:SingleSignOnService Binding="${REDIRECT}" Location="${opts.sso ?? `${ENTITY}/sso`}"/>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${opts.entity ?? ENTITY}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
${keys}
    ${opts.extra ?? ''}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ENTITY}/post"/>
    ${sso}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}

/** The admin API like startApi, but with the metadata fetch limits given (the routes' optional context field). */
async function startApiWithMetadataFetch(dialect: DialectCase, metadataFetch: IdentityProviderRoutesContext['metadataFetch']): Promise<Pick<ApiHarness, 'call' | 'close'>> {
  const db = await dialect.create();
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), DATABASE_URL: db.url });
  const urls = new PublicUrls(config.publicUrl);
  await db.store.apiTokens.put('bootstrap', 'Bootstrap', TOKEN, new Date());
  const http = Fastify();
  const ctx: IdentityProviderRoutesContext = { config, accountId: ACCOUNT, store: db.store, clock: systemClock, logger: pino({ level: 'silent' }), urls, metadataFetch };
  await http.register(adminApiPlugin(ctx), { prefix: '/client/v4' });
  await http.listen({ port, host: '127.0.0.1' });
  return {
    async call(method, path, body) {
      const res = await fetch(`${urls.base}/client/v4${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    },
    async close() {
      await http.close();
      await db.close();
    },
  };
}

// Certificates are made once for every dialect: RSA key generation is the slow part.
let certA: Cert;
let certB: Cert;
let expired: Cert & { notAfter: Date };
let weak: Cert;
let privateKeyPem: string;
beforeAll(async () => {
  const [a, b, old, w] = await Promise.all([
    generateSigningCertificate({ commonName: 'idp-a.example', now: new Date() }),
    generateSigningCertificate({ commonName: 'idp-b.example', now: new Date() }),
    generateSigningCertificate({ commonName: 'idp-old.example', now: new Date('2020-01-01T00:00:00Z'), validDays: 30 }),
    makeTestCertificate({ key: { rsaBits: 1024 } }),
  ]);
  certA = toCert(a.certificatePem);
  certB = toCert(b.certificatePem);
  expired = { ...toCert(old.certificatePem), notAfter: old.notAfter };
  weak = toCert(w.certificatePem);
  privateKeyPem = a.privateKeyPem;
});

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`SAML identity providers on ${dialect.name}`, () => {
    let h: ApiHarness;
    let cf: Cloudflare;
    let meta: Server;
    let metaBase: string;
    const served: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {};

    const samlBody = (config: Record<string, unknown>, name = 'AWS IAM Identity Center') => ({
      name,
      type: 'saml',
      config: { issuer_url: ENTITY, sso_target_url: `${ENTITY}/sso`, ...config },
    });
    const count = async () => (await h.db.store.idps.list(0, 1000)).total;
    const stored = async (id: string) => (await h.db.store.idps.get(id)) as SamlIdpRecord;
    /** POSTs a body that must be refused: 400, exactly these pointers, nothing stored. */
    const refused = async (body: unknown, expected: string[]) => {
      const before = await count();
      const res = await h.call('POST', IDPS, body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ success: false, result: null });
      expect(pointers(res.json)).toEqual(expected);
      expect(await count()).toBe(before);
      return res.json.errors as Array<{ code: number; message: string }>;
    };

    beforeAll(async () => {
      h = await startApi(dialect);
      cf = new Cloudflare({ apiToken: TOKEN, baseURL: `${h.base}/client/v4`, maxRetries: 0 });
      meta = createServer((req, res) => (served[req.url ?? ''] ?? ((_q, r: ServerResponse) => r.writeHead(404).end()))(req, res));
      await new Promise<void>((resolve) => meta.listen(0, '127.0.0.1', resolve));
      metaBase = `http://127.0.0.1:${(meta.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      // No response ever carried a private key or a piece of one.
      const keyBody = privateKeyPem.replace(/-----[^-]+-----|\s+/g, '');
      for (const body of h.bodies) {
        expect(body).not.toContain('PRIVATE KEY');
        expect(body).not.toContain(keyBody.slice(100, 164));
      }
      meta.closeAllConnections();
      await new Promise<void>((resolve) => meta.close(() => resolve()));
      await h.close();
    });

    it("accepts the AWS seed's example configuration as it is, but fails closed: no certificate, and a warning", async () => {
      const res = await h.call('POST', IDPS, awsSeed);
      expect(res.status).toBe(200);
      expect(res.json.success).toBe(true);
      expect(res.json.result).toMatchObject({
        name: 'AWS IAM SAML example',
        type: 'saml',
        config: {
          issuer_url: ENTITY,
          sso_target_url: ENTITY,
          idp_public_certs: [],
          placeholder_certs: [JSON.parse(awsSeed).config.idp_public_certs[0]],
          sign_request: true,
          email_attribute_name: 'email',
          attributes: ['email'],
          header_attributes: [],
          redirect_url: `${h.base}/cdn-cgi/access/callback`,
        },
      });
      expect(res.json.messages).toHaveLength(1);
      expect(res.json.messages[0]).toMatchObject({ code: 12101, source: { pointer: '/config/idp_public_certs/0' } });
      expect(res.json.messages[0].message).toContain('config.idp_public_certs[0] is a shortened documentation example');
      expect(res.json.messages[0].message).toContain('refuses every sign-in until a real certificate is set');
      expect(res.json.messages[0].message).toContain('metadata');

      const record = await stored(res.json.result.id);
      expect(record.config.idpPublicCerts).toEqual([]);
      expect(record.config.placeholderCerts).toEqual(JSON.parse(awsSeed).config.idp_public_certs);

      // Every read repeats the warning while no real certificate is set.
      const got = await h.call('GET', `${IDPS}/${res.json.result.id}`);
      expect(got.json.messages).toEqual([expect.objectContaining({ code: 12101, source: { pointer: '/config/idp_public_certs' } })]);
      // Sending the GET result back cannot keep a login method without a certificate.
      const put = await h.call('PUT', `${IDPS}/${res.json.result.id}`, { ...got.json.result, name: 'renamed' });
      expect(put.status).toBe(400);
      expect(pointers(put.json)).toEqual(['/config/idp_public_certs']);
      // Fixing it: the real certificate alone.
      const fixed = await h.call('PUT', `${IDPS}/${res.json.result.id}`, { ...got.json.result, config: { ...got.json.result.config, idp_public_certs: [certA.base64] } });
      expect(fixed.status).toBe(200);
      expect(fixed.json.messages).toEqual([]);
      expect(fixed.json.result.config).not.toHaveProperty('placeholder_certs');
      expect((await stored(res.json.result.id)).config).toMatchObject({ idpPublicCerts: [certA.pem] });
      expect((await stored(res.json.result.id)).config.placeholderCerts).toBeUndefined();
    });

    it('round-trips a login method with a real certificate: create, get, list, GET-modify-PUT, delete', async () => {
      const body = samlBody({
        idp_public_certs: [certA.base64.match(/.{1,76}/g)!.join('\n')],
        sign_request: true,
        email_attribute_name: 'email',
        attributes: ['name', 'groups'],
        header_attributes: [{ attribute_name: 'groups', header_name: 'X-Groups' }],
      });
      const created = await h.call('POST', IDPS, body);
      expect(created.status).toBe(200);
      expect(created.json).toMatchObject({ success: true, errors: [], messages: [] });
      const id = created.json.result.id;
      expect(created.json.result.config).toEqual({
        issuer_url: ENTITY,
        sso_target_url: `${ENTITY}/sso`,
        idp_public_certs: [certA.pem],
        sign_request: true,
        email_attribute_name: 'email',
        attributes: ['name', 'groups'],
        header_attributes: [{ attribute_name: 'groups', header_name: 'X-Groups' }],
        redirect_url: `${h.base}/cdn-cgi/access/callback`,
      });
      expect((await stored(id)).config).toEqual({
        issuerUrl: ENTITY,
        ssoTargetUrl: `${ENTITY}/sso`,
        idpPublicCerts: [certA.pem],
        signRequest: true,
        emailAttributeName: 'email',
        attributes: ['name', 'groups'],
        headerAttributes: [{ attributeName: 'groups', headerName: 'X-Groups' }],
      });

      const got = await h.call('GET', `${IDPS}/${id}`);
      expect(got.json).toMatchObject({ success: true, messages: [], result: created.json.result });
      const list = await h.call('GET', `${IDPS}?per_page=1000`);
      expect(list.json.result.find((i: { id: string }) => i.id === id)).toEqual(created.json.result);

      const put = await h.call('PUT', `${IDPS}/${id}`, { ...got.json.result, name: 'Renamed', config: { ...got.json.result.config, sign_request: false } });
      expect(put.status).toBe(200);
      expect(put.json.result).toMatchObject({ id, name: 'Renamed', config: { sign_request: false, idp_public_certs: [certA.pem] } });
      expect((await stored(id)).config.signRequest).toBe(false);

      expect((await h.call('DELETE', `${IDPS}/${id}`)).json).toMatchObject({ success: true, result: { id } });
      expect((await h.call('GET', `${IDPS}/${id}`)).status).toBe(404);
    });

    it('keeps two certificates (a rotation window) in the order given, PEM and bare base64 alike', async () => {
      const res = await h.call('POST', IDPS, samlBody({ idp_public_certs: [certB.base64, certA.pem.replace(/\n/g, '\r\n')] }));
      expect(res.status).toBe(200);
      expect(res.json.result.config.idp_public_certs).toEqual([certB.pem, certA.pem]);
      expect((await stored(res.json.result.id)).config.idpPublicCerts).toEqual([certB.pem, certA.pem]);
    });

    it('accepts an expired certificate with a warning: SAML trust is key pinning (SP-KEY-06)', async () => {
      const res = await h.call('POST', IDPS, samlBody({ idp_public_certs: [certA.base64, expired.pem] }));
      expect(res.status).toBe(200);
      expect(res.json.messages).toEqual([
        {
          code: 12100,
          message: `config.idp_public_certs[1] expired on ${expired.notAfter.toISOString()}; SAML trust is key pinning, so it still verifies, but ask the IdP for a new certificate`,
          source: { pointer: '/config/idp_public_certs/1' },
        },
      ]);
      expect((await stored(res.json.result.id)).config.idpPublicCerts).toEqual([certA.pem, expired.pem]);
      expect((await h.call('GET', `${IDPS}/${res.json.result.id}`)).json.messages).toMatchObject([{ code: 12100 }]);
    });

    it('refuses unusable certificates, each on its own pointer, and stores nothing (SP-SIG-03, SP-KEY-05, SP-ALG-06)', async () => {
      const [notCert] = await refused(samlBody({ idp_public_certs: [certA.pem, 'not-a-certificate'] }), ['/config/idp_public_certs/1']);
      expect(notCert!.message).toBe('config.idp_public_certs.1: is not base64: unexpected character at position 4');
      const [garbage] = await refused(samlBody({ idp_public_certs: ['QUJDRA=='] }), ['/config/idp_public_certs/0']);
      expect(garbage!.message).toBe('config.idp_public_certs.0: does not parse as an X.509 certificate');
      const [small] = await refused(samlBody({ idp_public_certs: [weak.base64] }), ['/config/idp_public_certs/0']);
      expect(small!.message).toBe('config.idp_public_certs.0: has a 1024-bit RSA key; at least 2048 bits are required');
      const [empty] = await refused(samlBody({ idp_public_certs: [] }), ['/config/idp_public_certs']);
      expect(empty!.message).toContain('must hold at least one signing certificate');
      const [missing] = await refused(samlBody({}), ['/config/idp_public_certs']);
      expect(missing!.message).toContain('is required: at least one signing certificate');
      await refused(samlBody({ idp_public_certs: [certA.pem, certA.base64] }), ['/config/idp_public_certs/1']);
      await refused(samlBody({ idp_public_certs: ['MIIC...xyz', 'MIIC..x'] }), ['/config/idp_public_certs/1']);
    });

    it('refuses a pasted private key without echoing or storing it (ADM-IN-03)', async () => {
      const before = h.bodies.length;
      const [err] = await refused(samlBody({ idp_public_certs: [certA.pem, privateKeyPem] }), ['/config/idp_public_certs/1']);
      expect(err!.message).toBe("config.idp_public_certs.1: this is a private key; paste the IdP's signing certificate instead (and treat this key as exposed)");
      const bare = privateKeyPem.replace(/-----[^-]+-----|\s+/g, '');
      await refused(samlBody({ idp_public_certs: [bare] }), ['/config/idp_public_certs/0']);
      for (const body of h.bodies.slice(before)) expect(body).not.toContain(bare.slice(200, 240));
    });

    it('refuses encrypted assertions, bad URLs and unknown fields with field errors', async () => {
      await refused(samlBody({ idp_public_certs: [certA.pem], enable_encryption: true }), ['/config/enable_encryption']);
      await refused({ name: 'x', type: 'saml', config: { idp_public_certs: [certA.pem] } }, ['/config/issuer_url', '/config/sso_target_url']);
      await refused(samlBody({ idp_public_certs: [certA.pem], sso_target_url: 'http://idp.example/sso' }), ['/config/sso_target_url']);
      await refused(samlBody({ idp_public_certs: [certA.pem], issuer_url: ' urn:x' }), ['/config/issuer_url']);
      await refused(samlBody({ idp_public_certs: [certA.pem], header_attributes: [{ attribute_name: 'a', header_name: 'Set-Cookie' }] }), ['/config/header_attributes/0/header_name']);
      await refused(samlBody({ idp_public_certs: [certA.pem], bogus: 1 }), ['/config/bogus']);
      // Cloudflare's harmless fields are accepted: enable_encryption false, a size hint, the read-only redirect_url.
      const ok = await h.call('POST', IDPS, samlBody({ idp_public_certs: [certA.pem], enable_encryption: false, max_sso_url_length: 2000, redirect_url: 'https://x/cdn-cgi/access/callback' }));
      expect(ok.status).toBe(200);
    });

    describe('metadata import', () => {
      it('fills issuer, SSO URL and every signing certificate from metadata_xml, which is neither stored nor echoed', async () => {
        const xml = metadataXml({ certs: [certA.base64, certB.base64] });
        const res = await h.call('POST', IDPS, { name: 'From metadata', type: 'saml', config: { metadata_xml: xml, sign_request: true } });
        expect(res.status).toBe(200);
        expect(res.json.result.config).toMatchObject({ issuer_url: ENTITY, sso_target_url: `${ENTITY}/sso`, idp_public_certs: [certA.pem, certB.pem], sign_request: true });
        expect(res.json.result.config).not.toHaveProperty('metadata_xml');
        expect(JSON.stringify(await stored(res.json.result.id))).not.toContain('EntityDescriptor');
      });

      it('lets fields given in the body win over the metadata', async () => {
        const xml = metadataXml({ certs: [certA.base64, certB.base64] });
        const res = await h.call('POST', IDPS, { name: 'Mixed', type: 'saml', config: { metadata_xml: xml, issuer_url: 'urn:explicit', idp_public_certs: [certB.pem] } });
        expect(res.json.result.config).toMatchObject({ issuer_url: 'urn:explicit', sso_target_url: `${ENTITY}/sso`, idp_public_certs: [certB.pem] });
      });

      it('refuses metadata with a DOCTYPE, an XInclude, no signing certificate or no Redirect SSO (XML-01, XML-11, SP-KEY-05)', async () => {
        const post = (metadata_xml: string) => ({ name: 'Bad metadata', type: 'saml', config: { metadata_xml } });
        const good = metadataXml({ certs: [certA.base64] });
        const [doctype] = await refused(post(good.replace('<md:EntityDescriptor', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<md:EntityDescriptor')), ['/config/metadata_xml']);
        expect(doctype!.message).toContain('DOCTYPE');
        const [xinclude] = await refused(post(metadataXml({ certs: [certA.base64], extra: '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>' })), ['/config/metadata_xml']);
        expect(xinclude!.message).toContain('XInclude');
        const [noCert] = await refused(post(metadataXml({ certs: [] })), ['/config/metadata_xml']);
        expect(noCert!.message).toContain('has no signing certificate');
        const encryptionOnly = good.replace('use="signing"', 'use="encryption"');
        await refused(post(encryptionOnly), ['/config/metadata_xml']);
        const [noSso] = await refused(post(metadataXml({ certs: [certA.base64], sso: null })), ['/config/metadata_xml']);
        expect(noSso!.message).toContain('no SingleSignOnService with the HTTP-Redirect binding');
        const [httpSso] = await refused(post(metadataXml({ certs: [certA.base64], sso: 'http://idp.example/sso' })), ['/config/metadata_xml']);
        expect(httpSso!.message).toContain('metadata SingleSignOnService Location must be an https:// URL');
        const [weakCert] = await refused(post(metadataXml({ certs: [weak.base64] })), ['/config/metadata_xml']);
        expect(weakCert!.message).toContain('1024-bit RSA key');
        await refused({ name: 'Both', type: 'saml', config: { metadata_xml: good, metadata_url: `${metaBase}/metadata` } }, ['/config/metadata_url']);
      });

      it('fetches metadata_url, stores it and returns it on GET', async () => {
        const xml = metadataXml({ certs: [certB.base64, certA.base64] });
        served['/metadata'] = (_req, res) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(xml);
        const res = await h.call('POST', IDPS, { name: 'From URL', type: 'saml', config: { metadata_url: `${metaBase}/metadata` } });
        expect(res.status).toBe(200);
        expect(res.json.result.config).toMatchObject({ issuer_url: ENTITY, idp_public_certs: [certB.pem, certA.pem], metadata_url: `${metaBase}/metadata` });
        expect((await stored(res.json.result.id)).config.metadataUrl).toBe(`${metaBase}/metadata`);
        expect((await h.call('GET', `${IDPS}/${res.json.result.id}`)).json.result.config.metadata_url).toBe(`${metaBase}/metadata`);
      });

      it('refuses an oversize, non-200 or redirecting metadata_url with a precise message on /config/metadata_url (IDP-META-04)', async () => {
        served['/huge'] = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(`<a>${'x'.repeat(1024 * 1024)}</a>`);
        };
        served['/gone'] = (_req, res) => res.writeHead(410).end();
        served['/to-loopback'] = (_req, res) => res.writeHead(302, { location: 'https://127.0.0.1/metadata' }).end();
        served['/to-private'] = (_req, res) => res.writeHead(302, { location: 'https://10.0.0.1/metadata' }).end();
        served['/to-cloud-metadata'] = (_req, res) => res.writeHead(302, { location: 'https://169.254.169.254/latest/meta-data/' }).end();
        served['/to-http'] = (_req, res) => res.writeHead(302, { location: `${metaBase}/metadata` }).end();
        const post = (path: string) => ({ name: 'URL', type: 'saml', config: { metadata_url: `${metaBase}${path}` } });
        const message = async (path: string) => (await refused(post(path), ['/config/metadata_url']))[0]!.message;
        expect(await message('/huge')).toBe('config.metadata_url: is larger than the 1 MiB limit');
        expect(await message('/gone')).toMatch(/^config\.metadata_url: answered HTTP 410 Gone from 127\.0\.0\.1:\d+/);
        expect(await message('/to-loopback')).toBe('config.metadata_url: redirected to 127.0.0.1, which is a loopback address; redirects are followed only to public addresses');
        expect(await message('/to-private')).toBe('config.metadata_url: redirected to 10.0.0.1, which is a private address (RFC 1918); redirects are followed only to public addresses');
        expect(await message('/to-cloud-metadata')).toBe('config.metadata_url: redirected to 169.254.169.254, which is the cloud metadata address; redirects are followed only to public addresses');
        expect(await message('/to-http')).toContain('only https:// redirects are followed');
        await refused({ name: 'URL', type: 'saml', config: { metadata_url: 'http://idp.example/metadata' } }, ['/config/metadata_url']);
      });

      it('gives up on a slow metadata server at the (shrunk) deadline', async () => {
        served['/slow'] = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.write('<a>');
          const t = setTimeout(() => res.end('</a>'), 10_000);
          res.on('close', () => clearTimeout(t));
        };
        const api = await startApiWithMetadataFetch(dialect, { timeoutMs: 300 });
        try {
          const started = Date.now();
          const res = await api.call('POST', IDPS, { name: 'Slow', type: 'saml', config: { metadata_url: `${metaBase}/slow` } });
          expect(res.status).toBe(400);
          expect(res.json.errors).toEqual([{ code: 12000, message: 'config.metadata_url: no complete answer within 0.3 s', source: { pointer: '/config/metadata_url' } }]);
          expect(Date.now() - started).toBeLessThan(5000);
        } finally {
          await api.close();
        }
      });
    });

    it('works with the official Cloudflare SDK', async () => {
      const idp = await cf.zeroTrust.identityProviders.create({
        account_id: ACCOUNT,
        name: 'AWS via SDK',
        type: 'saml',
        config: {
          issuer_url: ENTITY,
          sso_target_url: `${ENTITY}/sso`,
          idp_public_certs: [certA.base64],
          sign_request: true,
          email_attribute_name: 'email',
          attributes: ['email'],
          header_attributes: [{ attribute_name: 'groups', header_name: 'X-Groups' }],
        },
      });
      expect(idp.id).toBeTruthy();
      const got = await cf.zeroTrust.identityProviders.get(idp.id!, { account_id: ACCOUNT });
      expect(got).toMatchObject({ name: 'AWS via SDK', type: 'saml', config: { idp_public_certs: [certA.pem], sign_request: true } });
      await cf.zeroTrust.identityProviders.update(idp.id!, { account_id: ACCOUNT, name: 'AWS via SDK 2', type: 'saml', config: { ...(got.config as object), idp_public_certs: [certA.pem, certB.pem] } });
      expect((await stored(idp.id!)).config.idpPublicCerts).toEqual([certA.pem, certB.pem]);
      await expect(
        cf.zeroTrust.identityProviders.create({ account_id: ACCOUNT, name: 'bad', type: 'saml', config: { issuer_url: ENTITY, sso_target_url: `${ENTITY}/sso`, idp_public_certs: ['nope'] } }),
      ).rejects.toThrow(/idp_public_certs/);
      expect(await cf.zeroTrust.identityProviders.delete(idp.id!, { account_id: ACCOUNT })).toMatchObject({ id: idp.id });
    });
  });
}
