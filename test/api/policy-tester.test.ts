import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/identity/identity.js';
import { dialectCases } from '../helpers/test-databases.js';
import { ACCOUNT, type ApiHarness, startApi } from './admin-api-harness.js';

const cases = await dialectCases();
const acc = `/accounts/${ACCOUNT}/access`;
const LISTS = `/accounts/${ACCOUNT}/gateway/lists`;

type Json = any;

const oidcIdp = {
  type: 'oidc',
  name: 'Cognito',
  config: {
    client_id: 'tester-client',
    client_secret: 'tester-secret-value',
    auth_url: 'https://auth.example.com/oauth2/authorize',
    token_url: 'https://auth.example.com/oauth2/token',
    certs_url: 'https://auth.example.com/jwks.json',
    scopes: ['openid', 'email'],
    claims: ['cognito:groups', 'department'],
  },
};

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`policy tester (user_policy_checks) on ${dialect.name}`, () => {
    let h: ApiHarness;
    let idpId: string;
    let appId: string;
    let checks: string;
    const ok = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await h.call(method, path, body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      return res.json;
    };
    const check = async (body: unknown) => (await ok('POST', checks, body)).result;

    /**
     * The app, in evaluation order: a bypass for the office network, a block for a blocked IP list, then allow
     * for engineers (an Access group: example.com staff in the OIDC group "eng" or with department=platform,
     * requiring MFA), then allow for contractors on an email list who are in Germany.
     */
    beforeAll(async () => {
      h = await startApi(dialect);
      idpId = (await ok('POST', `${acc}/identity_providers`, oidcIdp)).result.id;
      const contractors = (await ok('POST', LISTS, { name: 'Contractors', type: 'EMAIL', items: [{ value: 'carl@partner.example' }] })).result;
      const blocked = (await ok('POST', LISTS, { name: 'Blocked', type: 'IP', items: [{ value: '203.0.113.0/24' }] })).result;
      const engineers = (
        await ok('POST', `${acc}/groups`, {
          name: 'Engineers',
          include: [
            { oidc: { claim_name: 'cognito:groups', claim_value: 'eng', identity_provider_id: idpId } },
            { oidc: { claim_name: 'department', claim_value: 'platform' } },
          ],
          require: [{ email_domain: { domain: 'example.com' } }],
        })
      ).result;
      const policy = async (body: object) => (await ok('POST', `${acc}/policies`, body)).result.id;
      const bypass = await policy({ name: 'Office bypass', decision: 'bypass', include: [{ ip: { ip: '192.0.2.0/24' } }] });
      const block = await policy({ name: 'Blocked networks', decision: 'deny', include: [{ ip_list: { id: blocked.id } }] });
      const eng = await policy({ name: 'Engineers', decision: 'allow', include: [{ group: { id: engineers.id } }], require: [{ auth_method: { auth_method: 'mfa' } }] });
      const partners = await policy({ name: 'Contractors in DE', decision: 'allow', include: [{ email_list: { id: contractors.id } }], require: [{ geo: { country_code: 'DE' } }] });
      const app = await ok('POST', `${acc}/apps`, {
        type: 'saas',
        name: 'Tested app',
        saas_app: { sp_entity_id: 'urn:sp:tested', consumer_service_url: 'https://sp.example/acs' },
        // Listed last, the bypass still runs first (bypass and non_identity before allow and deny).
        policies: [block, eng, partners, bypass],
      });
      appId = app.result.id;
      checks = `${acc}/apps/${appId}/user_policy_checks`;
    });
    afterAll(async () => {
      for (const body of h.bodies) expect(body).not.toContain('tester-secret-value');
      await h.close();
    });

    it('allows an engineer, naming the policy and the reasons, and echoes the identity it evaluated', async () => {
      const res = await ok('POST', checks, { email: 'Eve@Example.com', idp_id: idpId, groups: ['eng'], amr: ['pwd', 'mfa'], ip: '198.51.100.4', country: 'us' });
      expect(res.success).toBe(true);
      expect(res.result).toMatchObject({ allowed: true, decision: 'allow', policy: { name: 'Engineers' }, source: 'request' });
      expect(res.result.reasons).toEqual(expect.arrayContaining(['group-ok', 'auth_method-ok']));
      expect(res.result.identity).toEqual({
        email: 'eve@example.com',
        idp_id: idpId,
        idp_type: 'oidc',
        groups: ['eng'],
        attributes: {},
        amr: ['pwd', 'mfa'],
        ip: '198.51.100.4',
        country: 'US',
      });
    });

    it('uses attributes for oidc claim rules', async () => {
      const viaAttribute = await check({ email: 'pat@example.com', idp_id: idpId, attributes: { department: 'platform' }, amr: ['mfa'] });
      expect(viaAttribute).toMatchObject({ allowed: true, policy: { name: 'Engineers' } });
      const multi = await check({ email: 'pat@example.com', idp_id: idpId, attributes: { department: ['sales', 'platform'] }, amr: ['mfa'] });
      expect(multi.allowed).toBe(true);
      // Without MFA the Engineers policy's require fails.
      const noMfa = await check({ email: 'pat@example.com', idp_id: idpId, attributes: { department: 'platform' } });
      expect(noMfa).toMatchObject({ allowed: false, decision: null, policy: null });
      expect(noMfa.reasons).toEqual(expect.arrayContaining(['auth_method-unauthorized', 'no-matching-policy']));
    });

    it('denies a stranger with the reasons of every policy tried', async () => {
      const res = await check({ email: 'mallory@evil.example', idp_id: idpId, groups: ['eng'], amr: ['mfa'], ip: '198.51.100.9', country: 'DE' });
      expect(res).toMatchObject({ allowed: false, decision: null, policy: null });
      expect(res.reasons).toEqual(expect.arrayContaining(['email_list-unauthorized', 'no-matching-policy']));
    });

    it('takes ip and country from the request: bypass, block and geo', async () => {
      const office = await check({ email: 'anyone@else.example', ip: '192.0.2.77' });
      expect(office).toMatchObject({ allowed: true, decision: 'bypass', policy: { name: 'Office bypass' } });
      expect(office.reasons).toContain('ip-ok');
      const blocked = await check({ email: 'eve@example.com', idp_id: idpId, groups: ['eng'], amr: ['mfa'], ip: '203.0.113.50' });
      expect(blocked).toMatchObject({ allowed: false, decision: 'deny', policy: { name: 'Blocked networks' } });
      expect(blocked.reasons).toContain('ip_list-ok');
      const contractorInDe = await check({ email: 'carl@partner.example', country: 'de' });
      expect(contractorInDe).toMatchObject({ allowed: true, policy: { name: 'Contractors in DE' } });
      const contractorInFr = await check({ email: 'carl@partner.example', country: 'FR' });
      expect(contractorInFr.allowed).toBe(false);
      expect(contractorInFr.reasons).toContain('geo-unauthorized');
    });

    it('fills what the request left out from the last sign-in, when asked', async () => {
      const userId = await h.db.store.users.upsertByEmail('lee@example.com', new Date());
      const identity: Identity = {
        subject: 'sub-lee',
        idpId,
        idpType: 'oidc',
        email: 'lee@example.com',
        groups: ['eng'],
        claims: { 'cognito:groups': ['eng'], department: ['research'] },
        authn: { issuer: 'https://auth.example.com', at: new Date('2026-03-01T10:00:00Z'), amr: ['mfa'] },
      };
      await h.db.store.users.setLastIdentity(userId, JSON.stringify(identity));

      const res = await ok('POST', checks, { email: 'lee@example.com', use_last_seen_identity: true });
      expect(res.result).toMatchObject({ allowed: true, policy: { name: 'Engineers' }, source: 'last_seen' });
      expect(res.result.identity).toMatchObject({ idp_id: idpId, idp_type: 'oidc', groups: ['eng'], amr: ['mfa'], attributes: { department: ['research'] } });
      expect(res.messages[0].message).toMatch(/2026-03-01T10:00:00.000Z.*idp_id, groups, attributes, amr/);

      // The request's own values win over the last sign-in's.
      const overridden = await check({ email: 'lee@example.com', use_last_seen_identity: true, amr: ['pwd'] });
      expect(overridden).toMatchObject({ allowed: false, source: 'last_seen' });
      expect(overridden.identity.amr).toEqual(['pwd']);
      expect(overridden.identity.groups).toEqual(['eng']);

      // Without the flag only the request counts.
      const requestOnly = await check({ email: 'lee@example.com' });
      expect(requestOnly).toMatchObject({ allowed: false, source: 'request', identity: { idp_id: null, groups: [], amr: [] } });
    });

    it('works for a user who never signed in, and says so', async () => {
      const res = await ok('POST', checks, { email: 'new@example.com', use_last_seen_identity: true, idp_id: idpId, groups: ['eng'], amr: ['mfa'] });
      expect(res.result).toMatchObject({ allowed: true, source: 'request' });
      expect(res.messages).toHaveLength(1);
      expect(res.messages[0].message).toMatch(/no recorded sign-in/);
    });

    it('refuses bad input field by field, an unknown app with 404, and GET with 405', async () => {
      const bad = await h.call('POST', checks, { groups: 'eng', ip: '999.1.1.1', country: 'Germany', idp_id: 'x', attributes: { a: 1 }, extra: true });
      expect(bad.status).toBe(400);
      const pointers = bad.json.errors.map((e: Json) => e.source.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/email', '/groups', '/ip', '/country', '/idp_id', '/attributes/a', '/extra']));
      const unknownIdp = await h.call('POST', checks, { email: 'a@example.com', idp_id: '00000000-0000-4000-8000-000000000000' });
      expect(unknownIdp.status).toBe(400);
      expect(unknownIdp.json.errors[0].source.pointer).toBe('/idp_id');
      expect((await h.call('POST', `${acc}/apps/00000000-0000-4000-8000-000000000000/user_policy_checks`, { email: 'a@example.com' })).status).toBe(404);
      const get = await h.call('GET', checks);
      expect(get.status).toBe(405);
      expect(get.json.errors[0].message).toMatch(/POST the user to test/);
    });

    it('an app without policies denies everyone', async () => {
      const app = await ok('POST', `${acc}/apps`, { type: 'saas', name: 'Empty', saas_app: { sp_entity_id: 'urn:sp:empty', consumer_service_url: 'https://sp.example/acs' } });
      const empty = (await ok('POST', `${acc}/apps/${app.result.id}/user_policy_checks`, { email: 'a@example.com' })).result;
      expect(empty).toMatchObject({ allowed: false, decision: null, policy: null, reasons: ['no-policy'] });
    });
  });
}
