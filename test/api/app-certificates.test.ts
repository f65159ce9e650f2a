import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases } from '../helpers/test-databases.js';
import { ACCOUNT, type ApiHarness, startApi } from './admin-api-harness.js';

/**
 * SAML certificate rollover and the session key configuration through the admin API, on both dialects:
 * create pending → activate → remove the retired one; conflicts; the 30-day expiry warning in `messages` and in
 * `saml_certificates`; Cloudflare's GET/PUT /access/keys and POST /access/keys/rotate shapes.
 */
const cases = await dialectCases();
const SP = { sp_entity_id: 'https://sp.example.test/entity', consumer_service_url: 'https://sp.example.test/acs' };

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`SAML certificate rollover and access keys API on ${dialect.name}`, () => {
    let api: ApiHarness;
    const base = `/accounts/${ACCOUNT}/access`;
    beforeAll(async () => {
      api = await startApi(dialect);
    });
    afterAll(async () => {
      await api?.close();
    });

    it('create pending, activate, remove: public_key follows the active certificate; the active one cannot be removed', async () => {
      const made = await api.call('POST', `${base}/apps`, { type: 'saas', name: 'Rollover', saas_app: SP });
      expect(made.status).toBe(200);
      const app = made.json.result;
      expect(app.saas_app.saml_certificates).toHaveLength(1);
      const original = app.saas_app.saml_certificates[0];
      expect(original).toMatchObject({ status: 'active', public_key: app.saas_app.public_key, expiry_warning: false });
      expect(Date.parse(original.not_after)).toBeGreaterThan(Date.now() + 3000 * 86_400_000);
      expect(original.expires_on).toBe(original.not_after);
      expect(original.sha256_fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(made.json.messages).toEqual([]);

      // 1. A pending certificate: listed, published, but public_key (what signs) is unchanged.
      const created = await api.call('POST', `${base}/apps/${app.id}/saml_certificates`);
      expect(created.status).toBe(200);
      const pending = created.json.result;
      expect(pending).toMatchObject({ status: 'pending', expiry_warning: false });
      expect(pending.public_key).not.toBe(original.public_key);
      // Only one pending certificate at a time.
      const again = await api.call('POST', `${base}/apps/${app.id}/saml_certificates`, {});
      expect(again.status).toBe(409);
      let shown = (await api.call('GET', `${base}/apps/${app.id}`)).json.result.saas_app;
      expect(shown.public_key).toBe(original.public_key);
      expect(shown.saml_certificates.map((c: any) => [c.id, c.status])).toEqual([
        [original.id, 'active'],
        [pending.id, 'pending'],
      ]);

      // 2. Activate: the pending one signs, the old one is retired (still listed, still published).
      const activated = await api.call('POST', `${base}/apps/${app.id}/saml_certificates/${pending.id}/activate`);
      expect(activated.status).toBe(200);
      expect(activated.json.result).toMatchObject({ id: pending.id, status: 'active' });
      shown = (await api.call('GET', `${base}/apps/${app.id}`)).json.result.saas_app;
      expect(shown.public_key).toBe(pending.public_key);
      expect(shown.saml_certificates.map((c: any) => [c.id, c.status])).toEqual([
        [pending.id, 'active'],
        [original.id, 'retired'],
      ]);
      // Activating the active one again changes nothing.
      expect((await api.call('POST', `${base}/apps/${app.id}/saml_certificates/${pending.id}/activate`)).status).toBe(200);

      // 3. The active certificate cannot be removed; the retired one can.
      expect((await api.call('DELETE', `${base}/apps/${app.id}/saml_certificates/${pending.id}`)).status).toBe(409);
      const removed = await api.call('DELETE', `${base}/apps/${app.id}/saml_certificates/${original.id}`);
      expect(removed.status).toBe(200);
      expect(removed.json.result).toEqual({ id: original.id });
      const list = await api.call('GET', `${base}/apps/${app.id}/saml_certificates`);
      expect(list.json.result.map((c: any) => c.id)).toEqual([pending.id]);
      expect((await api.call('DELETE', `${base}/apps/${app.id}/saml_certificates/${original.id}`)).status).toBe(404);
      expect((await api.call('POST', `${base}/apps/${app.id}/saml_certificates/00000000-0000-4000-8000-000000000000/activate`)).status).toBe(404);

      // A PUT of the app as read (saml_certificates included) is accepted; the read-only list is ignored.
      const { id: _id, uid: _uid, aud: _aud, domain: _domain, created_at: _c, updated_at: _u, policies: _p, ...writable } = (await api.call('GET', `${base}/apps/${app.id}`)).json.result;
      const put = await api.call('PUT', `${base}/apps/${app.id}`, writable);
      expect(put.status).toBe(200);
      expect(put.json.result.saas_app.public_key).toBe(pending.public_key);
      // No private key ever leaves.
      expect(api.bodies.join('\n')).not.toMatch(/PRIVATE KEY/);
    });

    it('warns 30 days ahead: expiry_warning on the certificate and a message in the envelope', async () => {
      const app = (await api.call('POST', `${base}/apps`, { type: 'saas', name: 'Short-lived', saas_app: SP })).json.result;
      const short = (await api.call('POST', `${base}/apps/${app.id}/saml_certificates`, { validity_days: 20 })).json.result;
      expect(short).toMatchObject({ status: 'pending', expiry_warning: true, days_until_expiry: 19 });
      const activated = await api.call('POST', `${base}/apps/${app.id}/saml_certificates/${short.id}/activate`);
      expect(activated.json.messages).toEqual([{ code: 12101, message: expect.stringMatching(new RegExp(`^The active SAML signing certificate ${short.id} of Short-lived expires on .*create a new certificate`)) }]);
      const read = await api.call('GET', `${base}/apps/${app.id}`);
      expect(read.json.messages).toHaveLength(1);
      expect(read.json.result.saas_app.saml_certificates.map((c: any) => [c.status, c.expiry_warning])).toEqual([
        ['active', true],
        ['retired', false],
      ]);
      // Also in the list of apps.
      const all = await api.call('GET', `${base}/apps`);
      expect(all.json.messages.some((m: any) => m.message.includes(short.id))).toBe(true);
      // Bad input is refused per field.
      const bad = await api.call('POST', `${base}/apps/${app.id}/saml_certificates`, { validity_days: 0, extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.json.errors.map((e: any) => e.source.pointer).sort()).toEqual(['/extra', '/validity_days']);
    });

    it('GET/PUT /access/keys and POST /access/keys/rotate answer in Cloudflare shape', async () => {
      const got = await api.call('GET', `${base}/keys`);
      expect(got.status).toBe(200);
      expect(got.json.result).toMatchObject({ key_rotation_interval_days: 42, days_until_next_rotation: 42 });
      expect(Date.parse(got.json.result.last_key_rotation_at)).not.toBeNaN();
      const put = await api.call('PUT', `${base}/keys`, { key_rotation_interval_days: 30 });
      expect(put.status).toBe(200);
      expect(put.json.result).toMatchObject({ key_rotation_interval_days: 30, days_until_next_rotation: 30 });
      for (const days of [20, 366, 30.5, '30']) {
        const refused = await api.call('PUT', `${base}/keys`, { key_rotation_interval_days: days });
        expect(refused.status, String(days)).toBe(400);
        expect(refused.json.errors[0].source.pointer).toBe('/key_rotation_interval_days');
      }
      const rotated = await api.call('POST', `${base}/keys/rotate`);
      expect(rotated.status).toBe(200);
      // The published next key takes over within minutes (never before every instance has read it).
      expect(rotated.json.result).toMatchObject({ key_rotation_interval_days: 30, days_until_next_rotation: 1 });
      expect(Date.parse(rotated.json.result.next_key_rotation_at) - Date.now()).toBeLessThanOrEqual(11 * 60_000);
      expect((await api.call('GET', `${base}/keys`)).json.result.key_rotation_interval_days).toBe(30);
    });
  });
}
