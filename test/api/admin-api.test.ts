import { readFileSync } from 'node:fs';
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcIdpRecord } from '../../src/connectors/idp-record.js';
import { dialectCases } from '../helpers/test-databases.js';
import { ACCOUNT, type ApiHarness, startApi, TOKEN } from './admin-api-harness.js';

const cases = await dialectCases();
const seed = readFileSync(new URL('../fixtures/cognito-example-api-configuration.json', import.meta.url), 'utf8');
const filledSeed = () =>
  JSON.parse(
    seed
      .replaceAll('<your client id>', '7s2kf0example')
      .replaceAll('<your client secret>', 'very-secret-value-123')
      .replaceAll('<your user pool domain>', 'auth.example.com')
      .replaceAll('<region>', 'eu-central-1')
      .replaceAll('<your user pool ID>', 'eu-central-1_AbCdEf'),
  );
const acc = `/accounts/${ACCOUNT}/access`;

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`admin API on ${dialect.name}`, () => {
    let h: ApiHarness;
    let cf: Cloudflare;
    beforeAll(async () => {
      h = await startApi(dialect);
      cf = new Cloudflare({ apiToken: TOKEN, baseURL: `${h.base}/client/v4`, maxRetries: 0 });
    });
    afterAll(async () => {
      // No response of the whole suite ever carried a secret or a private key.
      for (const body of h.bodies) {
        expect(body).not.toContain('very-secret-value-123');
        expect(body).not.toContain('PRIVATE KEY');
      }
      await h.close();
    });

    it("accepts the Cognito seed's example configuration as it is, with only its placeholders filled in", async () => {
      const res = await h.call('POST', `${acc}/identity_providers`, filledSeed());
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ success: true, errors: [], messages: [] });
      expect(res.json.result).toMatchObject({
        name: 'Amazon Cognito example',
        type: 'oidc',
        config: {
          client_id: '7s2kf0example',
          auth_url: 'https://auth.example.com/oauth2/authorize',
          token_url: 'https://auth.example.com/oauth2/token',
          certs_url: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf/.well-known/jwks.json',
          scopes: ['openid', 'email', 'profile'],
          claims: ['sub', 'cognito:username', 'name', 'cognito:groups'],
          email_claim_name: 'email',
          pkce_enabled: true,
          redirect_url: `${h.base}/cdn-cgi/access/callback`,
        },
      });
      expect(res.json.result.config.client_secret).not.toBe('very-secret-value-123');
      const stored = await h.db.store.idps.get(res.json.result.id);
      expect(stored?.type === 'oidc' && stored.config.clientSecret).toBe('very-secret-value-123');
    });

    it('refuses the literal placeholders, naming each field, and stores nothing', async () => {
      const before = (await h.db.store.idps.list(0, 100)).total;
      const res = await h.call('POST', `${acc}/identity_providers`, JSON.parse(seed));
      expect(res.status).toBe(400);
      expect(res.json.success).toBe(false);
      expect(res.json.result).toBeNull();
      const pointers = res.json.errors.map((e: { source: { pointer: string } }) => e.source.pointer);
      expect(pointers).toEqual(['/config/auth_url', '/config/token_url', '/config/certs_url']);
      expect((await h.db.store.idps.list(0, 100)).total).toBe(before);
    });

    it('reports one error per problem, each naming its field', async () => {
      const body = filledSeed();
      body.name = '';
      body.config.token_url = 'http://evil.example/token';
      body.config.pkce_enabled = 'yes';
      body.config.bogus = 1;
      const res = await h.call('POST', `${acc}/identity_providers`, body);
      expect(res.status).toBe(400);
      expect(res.json.errors.map((e: { source: { pointer: string } }) => e.source.pointer).sort()).toEqual(
        ['/name', '/config/token_url', '/config/pkce_enabled', '/config/bogus'].sort(),
      );
      expect(res.json.errors.every((e: { code: number; message: string }) => e.code >= 1000 && e.message.length > 0)).toBe(true);
    });

    it('takes a GET result back on PUT unchanged, keeping the secret', async () => {
      const created = (await h.call('POST', `${acc}/identity_providers`, filledSeed())).json.result;
      const got = (await h.call('GET', `${acc}/identity_providers/${created.id}`)).json.result;
      const put = await h.call('PUT', `${acc}/identity_providers/${created.id}`, { ...got, name: 'Renamed' });
      expect(put.status).toBe(200);
      expect(put.json.result.name).toBe('Renamed');
      expect(((await h.db.store.idps.get(created.id)) as OidcIdpRecord | undefined)?.config.clientSecret).toBe('very-secret-value-123');
    });

    it('answers 401 without a valid bearer token, 404 for another account, 415 for text/plain', async () => {
      expect((await h.call('GET', `${acc}/identity_providers`, undefined, { authorization: '' })).status).toBe(401);
      expect((await h.call('GET', `${acc}/identity_providers`, undefined, { authorization: 'Bearer wrong' })).json).toMatchObject({ success: false, errors: [{ code: 10000 }] });
      const inQuery = await fetch(`${h.base}/client/v4${acc}/identity_providers?token=${TOKEN}`);
      expect(inQuery.status).toBe(401);
      const other = await h.call('GET', `/accounts/${'f'.repeat(32)}/access/identity_providers`);
      expect(other.status).toBe(404);
      expect(other.json.errors[0].code).toBe(7003);
      const unauthOther = await h.call('GET', `/accounts/${'f'.repeat(32)}/access/identity_providers`, undefined, { authorization: '' });
      expect(unauthOther.status).toBe(401);
      const text = await h.call('POST', `${acc}/identity_providers`, JSON.stringify(filledSeed()), { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect((await h.call('GET', `${acc}/identity_providers/not-a-uuid`)).status).toBe(404);
    });

    it('works with the official Cloudflare SDK: identity providers, apps, app policies, auto-pagination', async () => {
      const idp = await cf.zeroTrust.identityProviders.create({ account_id: ACCOUNT, ...filledSeed() });
      expect(idp.id).toBeTruthy();
      expect((await cf.zeroTrust.identityProviders.get(idp.id!, { account_id: ACCOUNT })).name).toBe('Amazon Cognito example');

      const app = (await cf.zeroTrust.access.applications.create({
        account_id: ACCOUNT,
        type: 'saas',
        name: 'AWS',
        allowed_idps: [idp.id!],
        auto_redirect_to_identity: true,
        saas_app: {
          auth_type: 'saml',
          sp_entity_id: 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-123',
          consumer_service_url: 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/abc',
          name_id_format: 'email',
          custom_attributes: [{ name: 'RoleSessionName', source: { name: 'cognito:username', name_by_idp: [{ idp_id: idp.id!, source_name: 'email' }] } }],
        },
        policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }] as never,
      } as never)) as any;
      expect(app.aud).toMatch(/^[0-9a-f]{64}$/);
      expect(app.saas_app.sso_endpoint).toBe(`${h.base}/cdn-cgi/access/sso/saml/${app.aud}`);
      expect(app.saas_app.idp_entity_id).toBe(app.saas_app.sso_endpoint);
      expect(app.saas_app.public_key).toMatch(/^MII[A-Za-z0-9+/=]+$/);
      expect(app.policies).toHaveLength(1);

      const policy = await cf.zeroTrust.access.applications.policies.create(app.id, { account_id: ACCOUNT, name: 'Block contractor', decision: 'deny', include: [{ email: { email: 'x@example.com' } }] } as never);
      expect((policy as any).precedence).toBe(2);
      const policies = [];
      for await (const p of cf.zeroTrust.access.applications.policies.list(app.id, { account_id: ACCOUNT })) policies.push(p);
      expect(policies.map((p) => p.name)).toEqual(['Employees', 'Block contractor']);

      const fetched = (await cf.zeroTrust.access.applications.get(app.id, { account_id: ACCOUNT })) as any;
      expect(fetched.saas_app.consumer_service_url).toBe('https://us-east-1.signin.aws.amazon.com/platform/saml/acs/abc');
      await cf.zeroTrust.access.applications.update(app.id, { ...fetched, account_id: ACCOUNT, name: 'AWS prod' } as never);
      expect(((await cf.zeroTrust.access.applications.get(app.id, { account_id: ACCOUNT })) as any).name).toBe('AWS prod');

      // Auto-pagination terminates: a page past the end is empty.
      for (let i = 0; i < 4; i++) await cf.zeroTrust.identityProviders.create({ account_id: ACCOUNT, ...filledSeed(), name: `extra ${i}` });
      const total = (await h.db.store.idps.list(0, 1000)).total;
      const seen = [];
      for await (const one of cf.zeroTrust.identityProviders.list({ account_id: ACCOUNT, per_page: 2 } as never)) seen.push(one.id);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      const past = await h.call('GET', `${acc}/identity_providers?page=999&per_page=2`);
      expect(past.json.result).toEqual([]);
      expect(past.json.result_info).toMatchObject({ page: 999, per_page: 2, count: 0, total_count: total });

      await expect(cf.zeroTrust.identityProviders.delete(idp.id!, { account_id: ACCOUNT })).rejects.toThrow();
      expect(await cf.zeroTrust.access.applications.delete(app.id, { account_id: ACCOUNT })).toMatchObject({ id: app.id });
      expect(await cf.zeroTrust.identityProviders.delete(idp.id!, { account_id: ACCOUNT })).toMatchObject({ id: idp.id });
    });

    it('refuses a bad app as a whole: every problem listed, nothing stored', async () => {
      const before = (await h.db.store.apps.list(0, 100)).total;
      const res = await h.call('POST', `${acc}/apps`, {
        type: 'saas',
        name: 'Bad',
        allowed_idps: ['00000000-0000-4000-8000-000000000000'],
        auto_redirect_to_identity: true,
        saas_app: { sp_entity_id: 'urn:x', consumer_service_url: 'javascript:alert(1)', name_id_format: 'upn' },
        policies: [{ name: 'p', decision: 'allow', include: [{ ip: { ip: '10.0.0.0/33' } }, { okta: { name: 'x', identity_provider_id: 'y' } }] }],
      });
      expect(res.status).toBe(400);
      const pointers = res.json.errors.map((e: { source: { pointer: string } }) => e.source.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/saas_app/consumer_service_url', '/saas_app/name_id_format', '/policies/0/include/0/ip/ip', '/policies/0/include/1/okta']));
      expect((await h.db.store.apps.list(0, 100)).total).toBe(before);
      const unknownIdp = await h.call('POST', `${acc}/apps`, {
        type: 'saas',
        name: 'Bad',
        allowed_idps: ['00000000-0000-4000-8000-000000000000'],
        auto_redirect_to_identity: true,
        saas_app: { sp_entity_id: 'urn:x', consumer_service_url: 'https://sp.example/acs' },
      });
      expect(unknownIdp.json.errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual(['/allowed_idps/0']);
      expect((await h.db.store.apps.list(0, 100)).total).toBe(before);
    });
  });
}
