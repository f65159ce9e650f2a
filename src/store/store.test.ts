import { sha256Hex } from '../lib/sha256.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/helpers/test-databases.js';
import type { AppRecord } from '../apps/app-record.js';
import { keySchedule } from '../session/session-key-schedule.js';
import { openDatabase } from './open-database.js';
import { Store } from './store.js';
import type { OidcIdpRecord } from '../connectors/idp-record.js';
import type { AccessGroup, AccessList, AccessPolicy } from '../policy/policy-types.js';

/** The store conformance suite: the same cases on every dialect. */
const cases = await dialectCases();
const t0 = new Date('2026-01-01T00:00:00Z');

function oidcIdp(id: string): OidcIdpRecord {
  return {
    id,
    name: `idp ${id}`,
    type: 'oidc',
    config: {
      clientId: 'cid',
      clientSecret: 's3cret',
      authUrl: 'https://idp.example/auth',
      tokenUrl: 'https://idp.example/token',
      certsUrl: 'https://idp.example/jwks',
      scopes: ['openid'],
      claims: [],
      emailClaimName: 'email',
      pkceEnabled: true,
    },
    createdAt: t0,
    updatedAt: t0,
  };
}

function app(id: string, aud: string): AppRecord {
  return {
    id,
    aud,
    name: 'AWS',
    type: 'saas',
    allowedIdps: [],
    autoRedirectToIdentity: false,
    appLauncherVisible: true,
    sessionDuration: '24h',
    saasApp: { authType: 'saml', spEntityId: 'urn:sp', consumerServiceUrl: 'https://sp.example/acs', nameIdFormat: 'email', customAttributes: [] },
    createdAt: t0,
    updatedAt: t0,
  };
}

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`Store on ${dialect.name}`, () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await dialect.create();
    });
    afterAll(async () => {
      await tdb?.close();
    });

    it('settings: setIfAbsent keeps the first value', async () => {
      expect(await tdb.store.settings.setIfAbsent('account_id', 'a')).toBe('a');
      expect(await tdb.store.settings.setIfAbsent('account_id', 'b')).toBe('a');
      await tdb.store.settings.set('account_id', 'c');
      expect(await tdb.store.settings.get('account_id')).toBe('c');
      expect(await tdb.store.settings.get('missing')).toBeUndefined();
    });

    it('api tokens: found only by token, stored only as a keyed hash; insertIfAbsent does not replace', async () => {
      expect(await tdb.store.apiTokens.insertIfAbsent('bootstrap', 'Bootstrap', 'token-one', t0)).toBe(true);
      expect(await tdb.store.apiTokens.insertIfAbsent('bootstrap', 'Bootstrap', 'token-two', t0)).toBe(false);
      expect((await tdb.store.apiTokens.findByToken('token-one'))?.id).toBe('bootstrap');
      expect(await tdb.store.apiTokens.findByToken('token-two')).toBeUndefined();
      await tdb.store.apiTokens.put('bootstrap', 'Bootstrap', 'token-two', t0);
      expect(await tdb.store.apiTokens.findByToken('token-one')).toBeUndefined();
      expect((await tdb.store.apiTokens.findByToken('token-two'))?.id).toBe('bootstrap');
      const row = await tdb.opened.db.selectFrom('api_tokens').select('token_hash').executeTakeFirstOrThrow();
      // Neither the token nor its bare SHA-256 is stored: a dump of the database cannot be used to test guesses.
      expect(row.token_hash).not.toContain('token-two');
      expect(row.token_hash).not.toBe(sha256Hex('token-two'));
    });

    if (dialect.name === 'postgres') {
      it('api tokens: instances putting the same bootstrap token at the same moment both succeed', async () => {
        const second = openDatabase(tdb.url);
        try {
          const other = new Store(second.db, tdb.store.secrets);
          for (let round = 0; round < 5; round++) {
            await Promise.all([tdb.store.apiTokens.put(`race${round}`, 'Bootstrap', `race-token-${round}`, t0), other.apiTokens.put(`race${round}`, 'Bootstrap', `race-token-${round}`, t0)]);
            expect((await tdb.store.apiTokens.findByToken(`race-token-${round}`))?.id).toBe(`race${round}`);
          }
        } finally {
          await second.close();
        }
      });
    }

    it('identity providers: CRUD, paging, and the secret kept out of the config column and sealed', async () => {
      await tdb.store.idps.insert(oidcIdp('i1'));
      await tdb.store.idps.insert({ ...oidcIdp('i2'), createdAt: new Date(t0.getTime() + 1) });
      const got = await tdb.store.idps.get('i1');
      expect(got?.type === 'oidc' && got.config.clientSecret).toBe('s3cret');
      expect(got?.createdAt.getTime()).toBe(t0.getTime());
      const raw = await tdb.opened.db.selectFrom('identity_providers').select(['config', 'secrets']).where('id', '=', 'i1').executeTakeFirstOrThrow();
      expect(raw.config).not.toContain('s3cret');
      expect(raw.secrets).not.toContain('s3cret');
      expect(raw.secrets).toMatch(/^gh1\./);
      // A sealed value belongs to its row: copied into another provider it does not open, it fails closed.
      await tdb.opened.db.updateTable('identity_providers').set({ secrets: raw.secrets }).where('id', '=', 'i2').execute();
      await expect(tdb.store.idps.get('i2')).rejects.toThrow(/cannot be decrypted/);
      await tdb.store.idps.update({ ...oidcIdp('i2'), createdAt: new Date(t0.getTime() + 1) });
      expect(await tdb.store.idps.list(0, 1)).toMatchObject({ total: 2, items: [{ id: 'i1' }] });
      expect(await tdb.store.idps.list(1, 1)).toMatchObject({ total: 2, items: [{ id: 'i2' }] });
      expect((await tdb.store.idps.list(2, 1)).items).toEqual([]);
      expect(await tdb.store.idps.update({ ...oidcIdp('i1'), name: 'renamed' })).toBe(true);
      expect((await tdb.store.idps.get('i1'))?.name).toBe('renamed');
      expect(await tdb.store.idps.update(oidcIdp('nope'))).toBe(false);
      expect(await tdb.store.idps.delete('i2')).toBe(true);
      expect(await tdb.store.idps.delete('i2')).toBe(false);
    });

    it('apps: by id and aud, signing keys, policies in precedence order, cascade on delete', async () => {
      await tdb.store.apps.insert(app('a1', 'f'.repeat(64)));
      expect((await tdb.store.apps.getByAud('f'.repeat(64)))?.saasApp.spEntityId).toBe('urn:sp');
      await tdb.store.apps.insertSigningKey({ id: 'k1', appId: 'a1', privateKeyPem: 'PRIV', certificatePem: 'CERT1', notAfter: new Date(t0.getTime() + 1e9), createdAt: t0 });
      await tdb.store.apps.insertSigningKey({ id: 'k2', appId: 'a1', privateKeyPem: 'PRIV', certificatePem: 'CERT2', notAfter: new Date(t0.getTime() + 1e9), createdAt: new Date(t0.getTime() + 5), status: 'pending' });
      expect((await tdb.store.apps.currentSigningKey('a1'))?.certificatePem).toBe('CERT1');
      expect(await tdb.store.apps.retireActiveSigningKey('a1', t0)).toBe(true);
      expect(await tdb.store.apps.activateSigningKey('a1', 'k2', t0)).toBe(true);
      expect((await tdb.store.apps.currentSigningKey('a1'))?.certificatePem).toBe('CERT2');
      expect((await tdb.store.apps.certificates('a1')).map((c) => [c.id, c.status])).toEqual([['k2', 'active'], ['k1', 'retired']]);
      const policy = (id: string, precedence: number): AccessPolicy => ({
        id,
        appId: 'a1',
        name: id,
        decision: 'allow',
        precedence,
        include: [{ everyone: {} }],
        exclude: [],
        require: [],
        createdAt: t0,
        updatedAt: t0,
      });
      await tdb.store.policies.insert(policy('p2', 2));
      await tdb.store.policies.insert(policy('p1', 1));
      expect((await tdb.store.policies.listForApp('a1')).map((p) => p.id)).toEqual(['p1', 'p2']);
      expect(await tdb.store.apps.delete('a1')).toBe(true);
      expect(await tdb.store.policies.listForApp('a1')).toEqual([]);
      expect(await tdb.store.apps.currentSigningKey('a1')).toBeUndefined();
    });

    it('policies: an app evaluates its own and its linked reusable policies, by the link\'s precedence', async () => {
      await tdb.store.apps.insert(app('a2', 'e'.repeat(64)));
      await tdb.store.apps.insert(app('a3', 'd'.repeat(64)));
      const policy = (id: string, appId: string | null, precedence: number, at = 0): AccessPolicy => ({
        id,
        appId,
        name: `name ${id}`,
        decision: 'allow',
        precedence,
        include: [{ group: { id: 'g-mentioned' } }],
        exclude: [],
        require: [],
        sessionDuration: '8h',
        createdAt: new Date(t0.getTime() + at),
        updatedAt: t0,
      });
      await tdb.store.policies.insert(policy('r1', null, 99, 1));
      await tdb.store.policies.insert(policy('r2', null, 0, 2));
      await tdb.store.policies.insert(policy('own', 'a2', 2));
      // A reusable row keeps no precedence of its own.
      expect((await tdb.store.policies.get('r1'))?.precedence).toBe(0);
      await tdb.store.policies.setLinks('a2', [
        { policyId: 'r1', precedence: 3 },
        { policyId: 'r2', precedence: 1 },
      ]);
      await tdb.store.policies.setLinks('a3', [{ policyId: 'r1', precedence: 7 }]);
      const forA2 = await tdb.store.policies.listForApp('a2');
      expect(forA2.map((p) => [p.id, p.precedence, p.appId])).toEqual([
        ['r2', 1, null],
        ['own', 2, 'a2'],
        ['r1', 3, null],
      ]);
      expect(forA2[0]).toMatchObject({ name: 'name r2', sessionDuration: '8h', include: [{ group: { id: 'g-mentioned' } }] });
      expect((await tdb.store.policies.listForApp('a3')).map((p) => [p.id, p.precedence])).toEqual([['r1', 7]]);
      expect(Object.fromEntries(await tdb.store.policies.appCounts(['r1', 'r2', 'own']))).toEqual({ r1: 2, r2: 1, own: 0 });
      expect((await tdb.store.policies.appsUsing('r1')).map((a) => a.id).sort()).toEqual(['a2', 'a3']);
      expect(await tdb.store.policies.listReusable(0, 1)).toMatchObject({ total: 2, items: [{ id: 'r1' }] });
      expect(await tdb.store.policies.listReusable(1, 1)).toMatchObject({ total: 2, items: [{ id: 'r2' }] });
      expect((await tdb.store.policies.listMentioning('g-mentioned')).map((p) => p.id).sort()).toEqual(['own', 'r1', 'r2']);
      expect(await tdb.store.policies.listMentioning('g_mention%')).toEqual([]);
      // Replacing the links; deleting a reusable policy takes its links along.
      await tdb.store.policies.setLinks('a2', [{ policyId: 'r1', precedence: 1 }]);
      expect((await tdb.store.policies.listForApp('a2')).map((p) => p.id)).toEqual(['r1', 'own']);
      expect(await tdb.store.policies.delete('r1')).toBe(true);
      expect((await tdb.store.policies.listForApp('a2')).map((p) => p.id)).toEqual(['own']);
      expect(await tdb.store.policies.appsUsing('r1')).toEqual([]);
      // Deleting an app takes its links along (foreign keys), leaving the reusable policy.
      await tdb.store.policies.setLinks('a3', [{ policyId: 'r2', precedence: 1 }]);
      expect(await tdb.store.apps.delete('a3')).toBe(true);
      expect(await tdb.store.policies.appCounts(['r2'])).toEqual(new Map([['r2', 0]]));
      expect(await tdb.store.policies.get('r2')).toBeDefined();
    });

    it('access groups: CRUD, name and search filters (wildcards are literal), all, mentions', async () => {
      const group = (id: string, name: string, at: number): AccessGroup => ({
        id,
        name,
        include: [{ email_domain: { domain: 'example.com' } }],
        exclude: [{ email_list: { id: 'list-x' } }],
        require: [],
        isDefault: at === 0,
        createdAt: new Date(t0.getTime() + at),
        updatedAt: t0,
      });
      await tdb.store.accessGroups.insert(group('g1', 'Engineers', 0));
      await tdb.store.accessGroups.insert(group('g2', 'Sales_100%', 1));
      await tdb.store.accessGroups.insert(group('g3', 'Sales EMEA', 2));
      expect(await tdb.store.accessGroups.get('g1')).toEqual(group('g1', 'Engineers', 0));
      expect(await tdb.store.accessGroups.list(0, 10)).toMatchObject({ total: 3, items: [{ id: 'g1' }, { id: 'g2' }, { id: 'g3' }] });
      expect(await tdb.store.accessGroups.list(1, 1)).toMatchObject({ total: 3, items: [{ id: 'g2' }] });
      expect(await tdb.store.accessGroups.list(0, 10, { name: 'Sales EMEA' })).toMatchObject({ total: 1, items: [{ id: 'g3' }] });
      expect(await tdb.store.accessGroups.list(0, 10, { search: 'SALES' })).toMatchObject({ total: 2 });
      expect(await tdb.store.accessGroups.list(0, 10, { search: '_100%' })).toMatchObject({ total: 1, items: [{ id: 'g2' }] });
      expect(await tdb.store.accessGroups.list(0, 10, { search: '%' })).toMatchObject({ total: 1, items: [{ id: 'g2' }] });
      expect([...(await tdb.store.accessGroups.all()).keys()]).toEqual(['g1', 'g2', 'g3']);
      expect((await tdb.store.accessGroups.listMentioning('list-x')).map((g) => g.id)).toEqual(['g1', 'g2', 'g3']);
      expect(await tdb.store.accessGroups.update({ ...group('g2', 'Sales', 1), exclude: [] })).toBe(true);
      expect((await tdb.store.accessGroups.listMentioning('list-x')).map((g) => g.id)).toEqual(['g1', 'g3']);
      expect(await tdb.store.accessGroups.update(group('nope', 'x', 0))).toBe(false);
      expect(await tdb.store.accessGroups.delete('g3')).toBe(true);
      expect(await tdb.store.accessGroups.delete('g3')).toBe(false);
      expect(await tdb.store.accessGroups.get('g3')).toBeUndefined();
    });

    it('access lists: items with their times, type and search filters, all', async () => {
      const list = (id: string, type: AccessList['type'], at: number, description?: string): AccessList => ({
        id,
        name: `${type} list ${id}`,
        type,
        ...(description ? { description } : {}),
        items:
          type === 'EMAIL'
            ? [
                { value: 'a@example.com', description: 'Alice', createdAt: t0 },
                { value: 'b@example.com', createdAt: new Date(t0.getTime() + 5) },
              ]
            : [{ value: '192.0.2.0/24', createdAt: t0 }],
        createdAt: new Date(t0.getTime() + at),
        updatedAt: t0,
      });
      await tdb.store.accessLists.insert(list('l1', 'EMAIL', 0, 'Contractors'));
      await tdb.store.accessLists.insert(list('l2', 'IP', 1));
      expect(await tdb.store.accessLists.get('l1')).toEqual(list('l1', 'EMAIL', 0, 'Contractors'));
      expect(await tdb.store.accessLists.get('l2')).toEqual(list('l2', 'IP', 1));
      expect(await tdb.store.accessLists.list(0, 10)).toMatchObject({ total: 2, items: [{ id: 'l1' }, { id: 'l2' }] });
      expect(await tdb.store.accessLists.list(0, 10, { type: 'IP' })).toMatchObject({ total: 1, items: [{ id: 'l2' }] });
      expect(await tdb.store.accessLists.list(0, 10, { search: 'contractors' })).toMatchObject({ total: 1, items: [{ id: 'l1' }] });
      expect(await tdb.store.accessLists.list(0, 10, { search: 'ip LIST' })).toMatchObject({ total: 1, items: [{ id: 'l2' }] });
      expect([...(await tdb.store.accessLists.all()).keys()]).toEqual(['l1', 'l2']);
      const changed = { ...list('l1', 'EMAIL', 0), items: [{ value: 'c@example.com', createdAt: t0 }] };
      expect(await tdb.store.accessLists.update(changed)).toBe(true);
      expect(await tdb.store.accessLists.get('l1')).toEqual(changed);
      expect(await tdb.store.accessLists.delete('l1')).toBe(true);
      expect(await tdb.store.accessLists.get('l1')).toBeUndefined();
    });

    it('users: the last-seen identity, by email; none for a user never seen', async () => {
      const id = await tdb.store.users.upsertByEmail('bob@example.com', t0);
      expect(await tdb.store.users.lastIdentityByEmail('bob@example.com')).toBeUndefined();
      expect(await tdb.store.users.lastIdentityByEmail('nobody@example.com')).toBeUndefined();
      await tdb.store.users.setLastIdentity(id, '{"email":"bob@example.com","groups":["a"]}');
      expect(await tdb.store.users.lastIdentityByEmail('Bob@Example.com')).toBe('{"email":"bob@example.com","groups":["a"]}');
      await tdb.store.users.setLastIdentity(id, '{"email":"bob@example.com","groups":[]}');
      expect(JSON.parse((await tdb.store.users.lastIdentityByEmail('bob@example.com'))!)).toEqual({ email: 'bob@example.com', groups: [] });
    });

    it('transactions: take is single-use, even when raced', async () => {
      const tx = { id: 'tx1', kind: 'oidc', payload: { nonce: 'n' }, createdAt: t0, expiresAt: new Date(t0.getTime() + 600_000) };
      await tdb.store.transactions.put(tx);
      expect((await tdb.store.transactions.peek('tx1', 'oidc'))?.payload).toEqual({ nonce: 'n' });
      expect((await tdb.store.transactions.take('tx1', 'other', t0)).status).toBe('missing');
      const results = await Promise.all(Array.from({ length: 8 }, () => tdb.store.transactions.take('tx1', 'oidc', t0)));
      expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'missing')).toHaveLength(7);
    });

    it('transactions: an expired one is consumed and reported as expired', async () => {
      await tdb.store.transactions.put({ id: 'tx2', kind: 'oidc', payload: {}, createdAt: t0, expiresAt: new Date(t0.getTime() + 1000) });
      expect((await tdb.store.transactions.take('tx2', 'oidc', new Date(t0.getTime() + 1000))).status).toBe('expired');
      expect((await tdb.store.transactions.take('tx2', 'oidc', t0)).status).toBe('missing');
    });

    it('used values: the second use is a replay', async () => {
      const exp = new Date(t0.getTime() + 60_000);
      expect(await tdb.store.usedValues.markUsed('assertion', '_a1', exp)).toBe(true);
      expect(await tdb.store.usedValues.markUsed('assertion', '_a1', exp)).toBe(false);
      expect(await tdb.store.usedValues.markUsed('other', '_a1', exp)).toBe(true);
    });

    it('users and identities: stable user id per email, expiry, revocation, purge', async () => {
      const u1 = await tdb.store.users.upsertByEmail('alice@example.com', t0);
      expect(await tdb.store.users.upsertByEmail('alice@example.com', new Date(t0.getTime() + 10))).toBe(u1);
      await tdb.store.identities.put({ nonce: 'n1', userId: u1, identity: '{}', createdAt: t0, expiresAt: new Date(t0.getTime() + 1000) });
      expect((await tdb.store.identities.get('n1', t0))?.userId).toBe(u1);
      expect(await tdb.store.identities.get('n1', new Date(t0.getTime() + 1000))).toBeUndefined();
      await tdb.store.purgeExpired(new Date(t0.getTime() + 2000));
      expect(await tdb.opened.db.selectFrom('identities').selectAll().execute()).toEqual([]);
      await tdb.store.identities.put({ nonce: 'n2', userId: u1, identity: '{}', createdAt: t0, expiresAt: new Date(t0.getTime() + 1000) });
      await tdb.store.identities.delete('n2');
      expect(await tdb.store.identities.get('n2', t0)).toBeUndefined();
    });

    it('recordSession: the session and its log entries land together, or neither does', async () => {
      const u1 = await tdb.store.users.upsertByEmail('carol@example.com', t0);
      const entry = (id: string) => ({ id, rayId: `ray-${id}`, createdAt: t0, userEmail: 'carol@example.com', ipAddress: '192.0.2.1', action: 'login' as const, allowed: true, reasons: ['email'] });
      const session = (nonce: string) => ({ nonce, userId: u1, identity: '{"x":1}', createdAt: t0, expiresAt: new Date(t0.getTime() + 1000) });
      await tdb.store.recordSession(session('rs1'), [entry('log-rs1')]);
      expect((await tdb.store.identities.get('rs1', t0))?.identity).toBe('{"x":1}');
      expect((await tdb.store.accessLogs.query({ email: { value: 'carol@example.com', exact: true }, direction: 'asc', limit: 10, offset: 0 })).map((e) => e.rayId)).toEqual(['ray-log-rs1']);
      // The entry's id is taken: the log insert fails, and the session must not exist either.
      await expect(tdb.store.recordSession(session('rs2'), [entry('log-rs1')])).rejects.toThrow();
      expect(await tdb.store.identities.get('rs2', t0)).toBeUndefined();
      // A duplicate session nonce: nothing is logged for it.
      await expect(tdb.store.recordSession(session('rs1'), [entry('log-rs3')])).rejects.toThrow();
      expect((await tdb.store.accessLogs.query({ email: { value: 'carol@example.com', exact: true }, direction: 'asc', limit: 10, offset: 0 })).map((e) => e.rayId)).toEqual(['ray-log-rs1']);
      // Without entries it is a plain insert.
      await tdb.store.recordSession(session('rs4'), []);
      expect(await tdb.store.identities.get('rs4', t0)).toBeDefined();
    });

    it('withTransaction: all or nothing', async () => {
      await expect(
        tdb.store.withTransaction(async (tx) => {
          await tx.idps.insert(oidcIdp('t1'));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await tdb.store.idps.get('t1')).toBeUndefined();
      await tdb.store.withTransaction(async (tx) => tx.idps.insert(oidcIdp('t2')));
      expect(await tdb.store.idps.get('t2')).toBeDefined();
    });

    it('session keys: the current key and those whose successor activated within the grace period verify', async () => {
      const now = new Date(t0.getTime() + 10 * 86_400_000);
      const put = (kid: string, generation: number, activatedAt: Date) =>
        tdb.store.sessionKeys.insertIfGenerationFree({ kid, privateKeyPem: 'p', certificatePem: 'c', createdAt: t0, generation, activatedAt });
      await put('old', 1, t0);
      await put('prev', 2, new Date(now.getTime() - 8 * 86_400_000));
      await put('cur', 3, new Date(now.getTime() - 86_400_000));
      await put('next', 4, new Date(now.getTime() + 86_400_000));
      expect((await tdb.store.sessionKeys.all()).map((k) => [k.kid, k.generation])).toEqual([['old', 1], ['prev', 2], ['cur', 3], ['next', 4]]);
      expect(keySchedule(await tdb.store.sessionKeys.all(), now).verifying.map((k) => k.kid)).toEqual(['cur', 'prev']);
    });
  });
}
