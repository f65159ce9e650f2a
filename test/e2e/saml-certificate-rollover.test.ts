import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAML } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { PublicUrls } from '../../src/http/public-urls.js';
import type { Identity } from '../../src/identity/identity.js';
import { systemClock } from '../../src/lib/clock.js';
import { unlockSecrets } from '../../src/secrets/secret-keyring.js';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.js';
import { Store } from '../../src/store/store.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { dialectCases, TEST_SECRET_KEY } from '../helpers/test-databases.js';

/**
 * A SAML certificate rollover as a service provider lives it, with node-saml playing the SP and xmlsec1 checking
 * independently: the SP configured from the metadata with both certificates accepts responses before and after the
 * switch; an SP that kept only the old certificate fails after it. A second Gatehouse instance on the same database
 * (its own connections and caches) signs with the new key within a second of the switch made through the first.
 */
const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-rollover';
const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/rollover';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const alice: Identity = {
  subject: 'sub-alice',
  idpId: '00000000-0000-4000-8000-000000000001',
  idpType: 'oidc',
  email: 'alice@example.com',
  name: 'Alice Example',
  groups: [],
  claims: {},
  authn: { issuer: 'https://issuer.example', at: new Date(), amr: ['pwd'] },
};

const cases = await dialectCases();

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`SAML certificate rollover end to end on ${dialect.name}`, () => {
    let gh: RunningGatehouse;
    let other: { built: BuiltApp; opened: OpenDatabase };
    let app: any;
    let cookie: string;

    const metadataCerts = async () => {
      const xml = await (await fetch(`${app.saas_app.sso_endpoint}/saml-metadata`)).text();
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const keyDescriptors = Array.from(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'KeyDescriptor'));
      expect(keyDescriptors.every((k) => k.getAttribute('use') === 'signing')).toBe(true);
      return Array.from(doc.getElementsByTagNameNS(DSIG, 'X509Certificate')).map((c) => c.textContent!.trim());
    };
    const sp = (idpCert: string | string[]) =>
      new SAML({ entryPoint: app.saas_app.sso_endpoint, issuer: SP_ENTITY, callbackUrl: ACS, audience: SP_ENTITY, idpCert, idpIssuer: app.saas_app.idp_entity_id, wantAssertionsSigned: true, wantAuthnResponseSigned: true });
    /** An SP-initiated sign-in with the live session, answered by instance A (fetch) or B (inject); the SAMLResponse. */
    const responseFrom = async (instance: 'a' | 'b') => {
      const url = new URL(await sp('unused').getAuthorizeUrlAsync('', undefined, {}));
      const html =
        instance === 'a'
          ? await (await fetch(url, { headers: { cookie } })).text()
          : (await other.built.http.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: { cookie } })).body;
      return new TestBrowser().formFields(html).fields.SAMLResponse!;
    };
    const accepts = async (idpCert: string | string[], samlResponse: string) => {
      try {
        await sp(idpCert).validatePostResponseAsync({ SAMLResponse: samlResponse });
        return true;
      } catch {
        return false;
      }
    };
    const xmlsecVerifies = (samlResponse: string, certBase64: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'gh-rollover-'));
      writeFileSync(join(dir, 'r.xml'), Buffer.from(samlResponse, 'base64'));
      writeFileSync(join(dir, 'c.pem'), `-----BEGIN CERTIFICATE-----\n${certBase64}\n-----END CERTIFICATE-----\n`);
      try {
        execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'c.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response', join(dir, 'r.xml')], { stdio: ['ignore', 'pipe', 'pipe'] });
        return true;
      } catch {
        return false;
      }
    };

    beforeAll(async () => {
      gh = await startGatehouse(dialect);
      app = (
        await gh.api('/apps', {
          body: {
            type: 'saas',
            name: 'AWS',
            saas_app: { sp_entity_id: SP_ENTITY, consumer_service_url: ACS },
            policies: [{ name: 'Example', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
          },
        })
      ).body.result;
      const s = await gh.built.sessions.establish(alice, '127.0.0.1', async () => undefined);
      cookie = s.setCookie.split(';')[0]!;
      // Instance B: same database and public URL, its own connection pool, keyring and app directory.
      const opened = openDatabase(gh.db.url);
      const { box } = await unlockSecrets(opened.db, TEST_SECRET_KEY);
      const config = loadConfig({ PORT: new URL(gh.base).port, DATABASE_URL: gh.db.url, LOG_LEVEL: 'silent' });
      const built = await buildApp({ config, accountId: gh.accountId, store: new Store(opened.db, box), clock: systemClock, logger: pino({ level: 'silent' }), urls: new PublicUrls(config.publicUrl) });
      other = { built, opened };
    });
    afterAll(async () => {
      await other?.built.http.close();
      await other?.opened.close();
      await gh?.close();
    });

    it('publishes the new certificate before the switch, signs with the active key only, and an old-only SP fails after it', async () => {
      const [oldCert] = await metadataCerts();
      expect(oldCert).toBe(app.saas_app.public_key);
      expect(await metadataCerts()).toHaveLength(1);

      // 1. A pending certificate: in the metadata (after the active one), signing nothing yet.
      const pending = (await gh.api(`/apps/${app.id}/saml_certificates`, { body: {} })).body.result;
      const both = await metadataCerts();
      expect(both).toEqual([oldCert, pending.public_key]);
      // Instance B publishes it too (within the configuration cache's half second).
      await expect.poll(async () => ((await other.built.http.inject({ url: new URL(`${app.saas_app.sso_endpoint}/saml-metadata`).pathname })).body.includes(pending.public_key)), { timeout: 1000, interval: 50 }).toBe(true);
      for (const instance of ['a', 'b'] as const) {
        const before = await responseFrom(instance);
        expect(await accepts(both, before), `${instance}: SP with both certificates, before`).toBe(true);
        expect(await accepts(oldCert!, before), `${instance}: SP with the old certificate, before`).toBe(true);
        expect(await accepts(pending.public_key, before), `${instance}: the pending key must not sign`).toBe(false);
        expect(xmlsecVerifies(before, oldCert!)).toBe(true);
      }

      // 2. Switch through instance A.
      const switchedAt = Date.now();
      expect((await gh.api(`/apps/${app.id}/saml_certificates/${pending.id}/activate`, { body: {} })).status).toBe(200);
      const afterA = await responseFrom('a');
      expect(await accepts(both, afterA)).toBe(true);
      expect(await accepts(oldCert!, afterA)).toBe(false);
      expect(xmlsecVerifies(afterA, pending.public_key)).toBe(true);
      expect(xmlsecVerifies(afterA, oldCert!)).toBe(false);
      // Instance B signs with the new key within a second.
      let afterB = await responseFrom('b');
      while (!(await accepts(pending.public_key, afterB))) {
        expect(Date.now() - switchedAt, 'instance B still signs with the old key after 1 s').toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 50));
        afterB = await responseFrom('b');
      }
      expect(await accepts(both, afterB)).toBe(true);
      expect(await accepts(oldCert!, afterB)).toBe(false);
      expect(xmlsecVerifies(afterB, pending.public_key)).toBe(true);
      // The retired certificate stays published (active first) until it is removed.
      expect(await metadataCerts()).toEqual([pending.public_key, oldCert]);

      // 3. Remove the old certificate: the metadata has only the new one; the SP from the new metadata still works.
      expect((await gh.api(`/apps/${app.id}/saml_certificates/${app.saas_app.saml_certificates[0].id}`, { method: 'DELETE' })).status).toBe(200);
      const onlyNew = await metadataCerts();
      expect(onlyNew).toEqual([pending.public_key]);
      expect(await accepts(onlyNew, await responseFrom('a'))).toBe(true);
    });
  });
}
