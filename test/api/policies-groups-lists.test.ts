import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases } from '../helpers/test-databases.js';
import { ACCOUNT, type ApiHarness, startApi, TOKEN } from './admin-api-harness.js';

const cases = await dialectCases();
const acc = `/accounts/${ACCOUNT}/access`;
const POLICIES = `${acc}/policies`;
const GROUPS = `${acc}/groups`;
const APPS = `${acc}/apps`;
const LISTS = `/accounts/${ACCOUNT}/gateway/lists`;
const MISSING = '00000000-0000-4000-8000-000000000000';

type Json = any;

function pointers(json: { errors: Array<{ source?: { pointer: string } }> }): string[] {
  return json.errors.map((e) => e.source?.pointer ?? '');
}

function messages(json: { errors: Array<{ message: string }> }): string {
  return json.errors.map((e) => e.message).join('\n');
}

const employees = { name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] };

function appBody(name: string, policies?: unknown[]) {
  return {
    type: 'saas',
    name,
    saas_app: { sp_entity_id: `urn:sp:${name}`, consumer_service_url: 'https://sp.example/acs' },
    ...(policies === undefined ? {} : { policies }),
  };
}

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`reusable policies, Access groups and lists on ${dialect.name}`, () => {
    let h: ApiHarness;
    let cf: Cloudflare;
    const ok = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await h.call(method, path, body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.success).toBe(true);
      return res.json.result;
    };

    beforeAll(async () => {
      h = await startApi(dialect);
      cf = new Cloudflare({ apiToken: TOKEN, baseURL: `${h.base}/client/v4`, maxRetries: 0 });
    });
    afterAll(async () => {
      await h.close();
    });

    it('reusable policies: create, get, list, PUT, delete, with all four decisions', async () => {
      const created = await ok('POST', POLICIES, { ...employees, session_duration: '8h', exclude: [{ email: { email: 'Temp@Example.com' } }] });
      expect(created).toMatchObject({
        name: 'Employees',
        decision: 'allow',
        include: [{ email_domain: { domain: 'example.com' } }],
        exclude: [{ email: { email: 'Temp@Example.com' } }],
        require: [],
        session_duration: '8h',
        reusable: true,
        app_count: 0,
      });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created).not.toHaveProperty('precedence');
      expect(await ok('GET', `${POLICIES}/${created.id}`)).toEqual(created);

      for (const decision of ['deny', 'non_identity', 'bypass'] as const) {
        const p = await ok('POST', POLICIES, { name: `d ${decision}`, decision, include: [{ ip: { ip: '192.0.2.0/24' } }] });
        expect(p.decision).toBe(decision);
      }
      const list = await h.call('GET', `${POLICIES}?per_page=2`);
      expect(list.json.result).toHaveLength(2);
      expect(list.json.result_info).toMatchObject({ page: 1, per_page: 2, count: 2, total_count: 4, total_pages: 2 });
      expect((await h.call('GET', `${POLICIES}?page=3&per_page=2`)).json.result).toEqual([]);

      // A GET result goes back on PUT as it is (read-only fields ignored).
      const updated = await ok('PUT', `${POLICIES}/${created.id}`, { ...created, name: 'Staff', session_duration: '12h' });
      expect(updated).toMatchObject({ id: created.id, name: 'Staff', session_duration: '12h', created_at: created.created_at });
      expect(await ok('DELETE', `${POLICIES}/${created.id}`)).toEqual({ id: created.id });
      expect((await h.call('GET', `${POLICIES}/${created.id}`)).status).toBe(404);
      expect((await h.call('PUT', `${POLICIES}/${MISSING}`, employees)).status).toBe(404);
      expect((await h.call('DELETE', `${POLICIES}/${MISSING}`)).status).toBe(404);
    });

    it('reusable policies: one error per problem, each naming its field', async () => {
      const res = await h.call('POST', POLICIES, { name: '', decision: 'maybe', include: [], exclude: [{ ip: { ip: 'nope' } }], extra: 1 });
      expect(res.status).toBe(400);
      expect(pointers(res.json)).toEqual(expect.arrayContaining(['/name', '/decision', '/include', '/exclude/0/ip/ip', '/extra']));
      expect(res.json.result).toBeNull();
    });

    it("an app's policies: UUIDs, {id, precedence} links, or inline objects; never a mix", async () => {
      const a = await ok('POST', POLICIES, { name: 'A', decision: 'allow', include: [{ everyone: {} }] });
      const b = await ok('POST', POLICIES, { name: 'B', decision: 'deny', include: [{ email: { email: 'x@example.com' } }] });
      const c = await ok('POST', POLICIES, { name: 'C', decision: 'bypass', include: [{ ip: { ip: '10.0.0.0/8' } }] });

      // UUID strings: precedence is the position.
      const byUuid = await ok('POST', APPS, appBody('by-uuid', [b.id, a.id]));
      expect(byUuid.policies.map((p: Json) => [p.name, p.precedence, p.reusable])).toEqual([
        ['B', 1, true],
        ['A', 2, true],
      ]);
      expect(byUuid.policies[0]).toMatchObject({ id: b.id, decision: 'deny', include: [{ email: { email: 'x@example.com' } }] });

      // {id, precedence}: the link's precedence decides the order.
      const byLink = await ok('POST', APPS, appBody('by-link', [{ id: a.id, precedence: 5 }, { id: c.id, precedence: 2 }]));
      expect(byLink.policies.map((p: Json) => [p.name, p.precedence])).toEqual([
        ['C', 2],
        ['A', 5],
      ]);
      const stored = await h.db.store.policies.listForApp(byLink.id);
      expect(stored.map((p) => [p.id, p.precedence, p.appId])).toEqual([
        [c.id, 2, null],
        [a.id, 5, null],
      ]);
      // The same reusable policy has another precedence in another app.
      expect((await h.db.store.policies.listForApp(byUuid.id)).map((p) => [p.id, p.precedence])).toEqual([
        [b.id, 1],
        [a.id, 2],
      ]);
      expect((await ok('GET', `${POLICIES}/${a.id}`)).app_count).toBe(2);

      // Inline objects: app-scoped policies, as before.
      const inline = await ok('POST', APPS, appBody('inline', [employees, { ...employees, name: 'Second', precedence: 7 }]));
      expect(inline.policies.map((p: Json) => [p.name, p.precedence, p.reusable])).toEqual([
        ['Employees', 1, false],
        ['Second', 7, false],
      ]);

      // A mix is refused, naming the field; nothing is stored.
      const before = (await h.db.store.apps.list(0, 100)).total;
      const mixed = await h.call('POST', APPS, appBody('mixed', [a.id, employees]));
      expect(mixed.status).toBe(400);
      expect(pointers(mixed.json)).toEqual(['/policies']);
      expect(messages(mixed.json)).toMatch(/cannot be mixed/);
      expect((await h.db.store.apps.list(0, 100)).total).toBe(before);

      // Unknown ids and app-scoped ids name their index; so do repeated ids and precedences.
      const unknown = await h.call('POST', APPS, appBody('unknown', [a.id, MISSING, { id: inline.policies[0].id }]));
      expect(unknown.status).toBe(400);
      expect(pointers(unknown.json)).toEqual(['/policies/1', '/policies/2']);
      expect(messages(unknown.json)).toMatch(/no reusable policy with id/);
      expect(messages(unknown.json)).toMatch(/app-scoped/);
      const repeated = await h.call('POST', APPS, appBody('repeated', [a.id, a.id, { id: b.id, precedence: 1 }]));
      expect(pointers(repeated.json)).toEqual(['/policies/1', '/policies/2/precedence']);
      const notUuid = await h.call('POST', APPS, appBody('bad', ['policy-a', { id: a.id, precedence: -1, colour: 'red' }]));
      expect(pointers(notUuid.json)).toEqual(expect.arrayContaining(['/policies/0', '/policies/1/precedence', '/policies/1/colour']));
      expect((await h.db.store.apps.list(0, 100)).total).toBe(before);

      // GET → PUT round trip keeps the links (full reusable objects count as links) and their precedence.
      const fetched = await ok('GET', `${APPS}/${byLink.id}`);
      const again = await ok('PUT', `${APPS}/${byLink.id}`, { ...fetched, name: 'by-link renamed' });
      expect(again.policies.map((p: Json) => [p.id, p.precedence])).toEqual([
        [c.id, 2],
        [a.id, 5],
      ]);
      // A GET → PUT round trip of inline policies keeps their ids.
      const inlineAgain = await ok('PUT', `${APPS}/${inline.id}`, await ok('GET', `${APPS}/${inline.id}`));
      expect(inlineAgain.policies.map((p: Json) => p.id)).toEqual(inline.policies.map((p: Json) => p.id));

      // Switching an app from inline to reusable policies replaces them; PUT without `policies` keeps them.
      const switched = await ok('PUT', `${APPS}/${inline.id}`, appBody('inline', [{ id: b.id, precedence: 3 }]));
      expect(switched.policies.map((p: Json) => [p.id, p.precedence, p.reusable])).toEqual([[b.id, 3, true]]);
      expect((await h.db.store.policies.get(inline.policies[0].id))).toBeUndefined();
      const kept = await ok('PUT', `${APPS}/${inline.id}`, appBody('inline renamed'));
      expect(kept.policies.map((p: Json) => p.id)).toEqual([b.id]);

      // The app-scoped routes show linked reusable policies, but do not edit them or add app-scoped ones beside them.
      const viaApp = await ok('GET', `${APPS}/${byLink.id}/policies`);
      expect(viaApp.map((p: Json) => p.id)).toEqual([c.id, a.id]);
      expect((await ok('GET', `${APPS}/${byLink.id}/policies/${a.id}`)).precedence).toBe(5);
      expect((await h.call('GET', `${APPS}/${byUuid.id}/policies/${c.id}`)).status).toBe(404);
      expect((await h.call('PUT', `${APPS}/${byLink.id}/policies/${a.id}`, employees)).status).toBe(409);
      expect((await h.call('DELETE', `${APPS}/${byLink.id}/policies/${a.id}`)).status).toBe(409);
      const legacyBeside = await h.call('POST', `${APPS}/${byLink.id}/policies`, employees);
      expect(legacyBeside.status).toBe(409);
      expect(messages(legacyBeside.json)).toMatch(/reusable policies/);

      // Deleting a reusable policy that apps use: 409 naming them; once detached (or the app deleted), it goes.
      const inUse = await h.call('DELETE', `${POLICIES}/${a.id}`);
      expect(inUse.status).toBe(409);
      expect(messages(inUse.json)).toContain('"by-uuid"');
      expect(messages(inUse.json)).toContain('"by-link renamed"');
      await ok('PUT', `${APPS}/${byUuid.id}`, appBody('by-uuid', [b.id]));
      await ok('DELETE', `${APPS}/${byLink.id}`);
      expect(await ok('DELETE', `${POLICIES}/${a.id}`)).toEqual({ id: a.id });
      expect((await ok('GET', `${APPS}/${byUuid.id}`)).policies.map((p: Json) => p.id)).toEqual([b.id]);
    });

    it('app-scoped policies accept all four decisions', async () => {
      const app = await ok('POST', APPS, appBody('legacy'));
      for (const [i, decision] of ['allow', 'deny', 'non_identity', 'bypass'].entries()) {
        const p = await ok('POST', `${APPS}/${app.id}/policies`, { name: decision, decision, include: [{ geo: { country_code: 'de' } }] });
        expect(p).toMatchObject({ decision, precedence: i + 1, reusable: false, include: [{ geo: { country_code: 'DE' } }] });
      }
    });

    it('Access groups: create, get, list with name and search, PUT, delete', async () => {
      const g = await ok('POST', GROUPS, { name: 'Engineering', include: [{ email_domain: { domain: 'example.com' } }], require: [{ auth_method: { auth_method: 'mfa' } }] });
      expect(g).toMatchObject({ name: 'Engineering', include: [{ email_domain: { domain: 'example.com' } }], exclude: [], require: [{ auth_method: { auth_method: 'mfa' } }], is_default: false });
      expect(g.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await ok('GET', `${GROUPS}/${g.id}`)).toEqual(g);
      await ok('POST', GROUPS, { name: 'Engineering Leads', include: [{ group: { id: g.id } }], is_default: true });
      await ok('POST', GROUPS, { name: 'Sales', include: [{ everyone: {} }] });
      expect((await ok('GET', `${GROUPS}?name=Engineering`)).map((x: Json) => x.name)).toEqual(['Engineering']);
      expect((await ok('GET', `${GROUPS}?search=engineering`)).map((x: Json) => x.name)).toEqual(['Engineering', 'Engineering Leads']);
      const paged = await h.call('GET', `${GROUPS}?search=engineering&per_page=1&page=2`);
      expect(paged.json.result.map((x: Json) => x.name)).toEqual(['Engineering Leads']);
      expect(paged.json.result_info).toMatchObject({ page: 2, per_page: 1, count: 1, total_count: 2 });
      expect((await h.call('GET', `${GROUPS}?page=9`)).json.result).toEqual([]);

      const renamed = await ok('PUT', `${GROUPS}/${g.id}`, { ...g, name: 'Eng' });
      expect(renamed).toMatchObject({ id: g.id, name: 'Eng', created_at: g.created_at });
      const bad = await h.call('POST', GROUPS, { name: 'x', include: [] });
      expect(bad.status).toBe(400);
      expect(pointers(bad.json)).toEqual(['/include']);
      const sales = (await ok('GET', `${GROUPS}?name=Sales`))[0];
      expect(await ok('DELETE', `${GROUPS}/${sales.id}`)).toEqual({ id: sales.id });
      expect((await h.call('GET', `${GROUPS}/${sales.id}`)).status).toBe(404);
    });

    it('lists: EMAIL and IP lists, values checked per type, items paged, unsupported types refused', async () => {
      const emails = await ok('POST', LISTS, {
        name: 'Contractors',
        type: 'EMAIL',
        description: 'outside staff',
        items: [{ value: 'Ann@Example.com', description: 'Ann' }, { value: 'bob@example.com' }, { value: 'cy@example.com' }],
      });
      expect(emails).toMatchObject({ name: 'Contractors', type: 'EMAIL', description: 'outside staff', count: 3 });
      expect(emails.items.map((i: Json) => i.value)).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
      expect(emails.items[0]).toMatchObject({ description: 'Ann' });
      expect(emails.items[0].created_at).toBe(emails.created_at);
      expect(await ok('GET', `${LISTS}/${emails.id}`)).toEqual(emails);

      const ips = await ok('POST', LISTS, { name: 'Offices', type: 'IP', items: [{ value: '192.0.2.0/24' }, { value: '2001:db8::/32' }, { value: '198.51.100.7' }] });
      expect(ips.count).toBe(3);

      const badValues = await h.call('POST', LISTS, {
        name: 'bad',
        type: 'IP',
        items: [{ value: '192.0.2.0/33' }, { value: 'example.com' }, { value: '10.0.0.1' }, { value: '10.0.0.1' }],
      });
      expect(badValues.status).toBe(400);
      expect(pointers(badValues.json)).toEqual(['/items/0/value', '/items/1/value', '/items/3/value']);
      const badEmail = await h.call('POST', LISTS, { name: 'bad', type: 'EMAIL', items: [{ value: 'not an email' }] });
      expect(pointers(badEmail.json)).toEqual(['/items/0/value']);
      for (const type of ['DOMAIN', 'URL', 'SERIAL']) {
        const res = await h.call('POST', LISTS, { name: 'x', type, items: [{ value: 'example.com' }] });
        expect(res.status).toBe(400);
        expect(pointers(res.json)).toEqual(['/type']);
        expect(messages(res.json)).toMatch(/not supported/);
      }
      expect(pointers((await h.call('POST', LISTS, { name: 'x' })).json)).toEqual(['/type']);

      // The collection: every list (the SDK reads it as one page), without items; filters by type and search.
      const all = await h.call('GET', LISTS);
      expect(all.json.result.map((l: Json) => l.name)).toEqual(['Contractors', 'Offices']);
      expect(all.json.result[0]).not.toHaveProperty('items');
      expect(all.json.result[0].count).toBe(3);
      expect((await ok('GET', `${LISTS}?type=IP`)).map((l: Json) => l.name)).toEqual(['Offices']);
      expect((await ok('GET', `${LISTS}?search=STAFF`)).map((l: Json) => l.name)).toEqual(['Contractors']);

      const page2 = await h.call('GET', `${LISTS}/${emails.id}/items?per_page=2&page=2`);
      expect(page2.json.result.map((i: Json) => i.value)).toEqual(['cy@example.com']);
      expect(page2.json.result_info).toMatchObject({ page: 2, per_page: 2, count: 1, total_count: 3 });
      expect((await h.call('GET', `${LISTS}/${emails.id}/items?page=5`)).json.result).toEqual([]);

      // PUT: without items the items stay; with items they are replaced, known values keep created_at; type is fixed.
      const renamed = await ok('PUT', `${LISTS}/${emails.id}`, { name: 'Contractors 2026' });
      expect(renamed).toMatchObject({ name: 'Contractors 2026', count: 3 });
      expect(renamed).not.toHaveProperty('description');
      const replaced = await ok('PUT', `${LISTS}/${emails.id}`, { name: 'Contractors', items: [{ value: 'BOB@example.com' }, { value: 'dee@example.com' }] });
      expect(replaced.items.map((i: Json) => i.value)).toEqual(['bob@example.com', 'dee@example.com']);
      expect(replaced.items[0].created_at).toBe(emails.items[1].created_at);
      const retype = await h.call('PUT', `${LISTS}/${emails.id}`, { name: 'x', type: 'IP' });
      expect(retype.status).toBe(400);
      expect(pointers(retype.json)).toEqual(['/type']);
      expect((await h.call('GET', `${LISTS}/${MISSING}`)).status).toBe(404);
      expect((await h.call('GET', `${LISTS}/${MISSING}/items`)).status).toBe(404);
    });

    it('references must resolve when a policy or group is saved, each problem pointing at its rule', async () => {
      const emails = await ok('POST', LISTS, { name: 'refs emails', type: 'EMAIL', items: [{ value: 'a@example.com' }] });
      const ips = await ok('POST', LISTS, { name: 'refs ips', type: 'IP', items: [{ value: '192.0.2.1' }] });
      const res = await h.call('POST', POLICIES, {
        name: 'broken',
        decision: 'allow',
        include: [{ group: { id: MISSING } }, { email_list: { id: ips.id } }, { email_list: { id: emails.id } }],
        require: [{ ip_list: { id: emails.id } }, { login_method: { id: MISSING } }],
        exclude: [{ ip_list: { id: MISSING } }, { saml: { attribute_name: 'groups', attribute_value: 'x', identity_provider_id: MISSING } }],
      });
      expect(res.status).toBe(400);
      expect(pointers(res.json)).toEqual([
        '/include/0/group/id',
        '/include/1/email_list/id',
        '/exclude/0/ip_list/id',
        '/exclude/1/saml/identity_provider_id',
        '/require/0/ip_list/id',
        '/require/1/login_method/id',
      ]);
      expect(messages(res.json)).toMatch(/is an IP list; this rule needs an EMAIL list/);
      const group = await h.call('POST', GROUPS, { name: 'broken', include: [{ ip_list: { id: MISSING } }] });
      expect(pointers(group.json)).toEqual(['/include/0/ip_list/id']);
      // Inline policies of an app are checked the same way, under their index.
      const app = await h.call('POST', APPS, appBody('refs', [employees, { ...employees, include: [{ group: { id: MISSING } }] }]));
      expect(pointers(app.json)).toEqual(['/policies/1/include/0/group/id']);
      // And the app-scoped routes.
      const legacyApp = await ok('POST', APPS, appBody('refs legacy'));
      const legacy = await h.call('POST', `${APPS}/${legacyApp.id}/policies`, { ...employees, include: [{ email_list: { id: MISSING } }] });
      expect(pointers(legacy.json)).toEqual(['/include/0/email_list/id']);
    });

    it('a bypass policy may not hold identity rules, not even through a group', async () => {
      const ident = await ok('POST', GROUPS, { name: 'identity inside', include: [{ email_domain: { domain: 'example.com' } }] });
      const network = await ok('POST', GROUPS, { name: 'network only', include: [{ ip: { ip: '192.0.2.0/24' } }, { geo: { country_code: 'US' } }] });
      const res = await h.call('POST', POLICIES, {
        name: 'bypass',
        decision: 'bypass',
        include: [{ ip: { ip: '10.0.0.0/8' } }, { email: { email: 'a@example.com' } }, { group: { id: ident.id } }, { group: { id: network.id } }],
      });
      expect(res.status).toBe(400);
      expect(pointers(res.json)).toEqual(['/include/1', '/include/2']);
      expect(messages(res.json)).toMatch(/bypass policy cannot contain identity rules/);
      expect(messages(res.json)).toContain(ident.id);
      const outer = await ok('POST', GROUPS, { name: 'outer network', include: [{ group: { id: network.id } }] });
      const bypass = await ok('POST', POLICIES, { name: 'bypass ok', decision: 'bypass', include: [{ group: { id: outer.id } }], exclude: [{ ip: { ip: '10.0.0.1' } }] });
      // Nor can a group that a bypass policy uses (here through another group) gain identity rules later.
      const gained = await h.call('PUT', `${GROUPS}/${network.id}`, { ...network, require: [{ auth_method: { auth_method: 'mfa' } }] });
      expect(gained.status).toBe(400);
      expect(pointers(gained.json)).toEqual(['/require/0']);
      expect(messages(gained.json)).toContain(`bypass policy "bypass ok" (${bypass.id}) uses this group`);
      await ok('PUT', `${GROUPS}/${network.id}`, { ...network, include: [{ ip: { ip: '198.51.100.0/24' } }] });
      // The same rules are fine in an allow policy.
      await ok('POST', POLICIES, { name: 'allow ok', decision: 'allow', include: [{ email: { email: 'a@example.com' } }, { group: { id: ident.id } }] });
    });

    it('groups may not contain themselves, directly or through other groups', async () => {
      const a = await ok('POST', GROUPS, { name: 'cycle A', include: [{ everyone: {} }] });
      const b = await ok('POST', GROUPS, { name: 'cycle B', include: [{ group: { id: a.id } }] });
      const c = await ok('POST', GROUPS, { name: 'cycle C', include: [{ group: { id: b.id } }] });
      const self = await h.call('PUT', `${GROUPS}/${a.id}`, { name: 'cycle A', include: [{ group: { id: a.id } }] });
      expect(self.status).toBe(400);
      expect(pointers(self.json)).toEqual(['/include/0/group/id']);
      expect(messages(self.json)).toMatch(/cycle/);
      const through = await h.call('PUT', `${GROUPS}/${a.id}`, { name: 'cycle A', include: [{ everyone: {} }], exclude: [{ group: { id: c.id } }] });
      expect(through.status).toBe(400);
      expect(pointers(through.json)).toEqual(['/exclude/0/group/id']);
      expect(messages(through.json)).toContain(`cycle: group ${a.id} → ${c.id} → ${b.id} → ${a.id}`);
      expect((await ok('GET', `${GROUPS}/${a.id}`)).include).toEqual([{ everyone: {} }]);
    });

    it('groups nest at most as deep as the evaluator walks', async () => {
      let previous = (await ok('POST', GROUPS, { name: 'depth 1', include: [{ everyone: {} }] })).id;
      for (let depth = 2; depth <= 10; depth++) previous = (await ok('POST', GROUPS, { name: `depth ${depth}`, include: [{ group: { id: previous } }] })).id;
      const tooDeep = await h.call('POST', GROUPS, { name: 'depth 11', include: [{ group: { id: previous } }] });
      expect(tooDeep.status).toBe(400);
      expect(messages(tooDeep.json)).toMatch(/nest 11 deep/);
    });

    it('a group or list still referenced cannot be deleted: 409 naming who uses it', async () => {
      const list = await ok('POST', LISTS, { name: 'in use', type: 'IP', items: [{ value: '203.0.113.0/24' }] });
      const inner = await ok('POST', GROUPS, { name: 'inner', include: [{ ip_list: { id: list.id } }] });
      const outer = await ok('POST', GROUPS, { name: 'outer', include: [{ group: { id: inner.id } }] });
      const policy = await ok('POST', POLICIES, { name: 'uses inner', decision: 'allow', include: [{ group: { id: inner.id } }] });
      const app = await ok('POST', APPS, appBody('uses list', [{ ...employees, exclude: [{ ip_list: { id: list.id } }] }]));

      const groupInUse = await h.call('DELETE', `${GROUPS}/${inner.id}`);
      expect(groupInUse.status).toBe(409);
      expect(messages(groupInUse.json)).toContain(`reusable policy "uses inner" (${policy.id})`);
      expect(messages(groupInUse.json)).toContain(`Access group "outer" (${outer.id})`);
      const listInUse = await h.call('DELETE', `${LISTS}/${list.id}`);
      expect(listInUse.status).toBe(409);
      expect(messages(listInUse.json)).toContain(`Access group "inner" (${inner.id})`);
      expect(messages(listInUse.json)).toContain(`of app ${app.id}`);

      await ok('DELETE', `${POLICIES}/${policy.id}`);
      await ok('DELETE', `${GROUPS}/${outer.id}`);
      await ok('DELETE', `${GROUPS}/${inner.id}`);
      await ok('DELETE', `${APPS}/${app.id}`);
      expect(await ok('DELETE', `${LISTS}/${list.id}`)).toEqual({ id: list.id });
    });

    it('a login method named by a rule (login_method, oidc identity_provider_id) cannot be deleted', async () => {
      const idp = await ok('POST', `${acc}/identity_providers`, {
        name: 'OP',
        type: 'oidc',
        config: { client_id: 'c', client_secret: 's', auth_url: 'http://127.0.0.1:1/a', token_url: 'http://127.0.0.1:1/t', certs_url: 'http://127.0.0.1:1/j' },
      });
      const byMethod = await ok('POST', POLICIES, { name: 'via OP', decision: 'allow', include: [{ login_method: { id: idp.id } }] });
      const byClaim = await ok('POST', GROUPS, { name: 'OP admins', include: [{ oidc: { claim_name: 'groups', claim_value: 'admins', identity_provider_id: idp.id } }] });
      const refused = await h.call('DELETE', `${acc}/identity_providers/${idp.id}`);
      expect(refused.status).toBe(409);
      expect(messages(refused.json)).toContain(`reusable policy "via OP" (${byMethod.id})`);
      expect(messages(refused.json)).toContain(`Access group "OP admins" (${byClaim.id})`);
      await ok('DELETE', `${POLICIES}/${byMethod.id}`);
      await ok('DELETE', `${GROUPS}/${byClaim.id}`);
      expect(await ok('DELETE', `${acc}/identity_providers/${idp.id}`)).toEqual({ id: idp.id });
    });

    it('writes bump the config version, refused ones do not', async () => {
      const version = () => h.db.store.settings.get('config_version');
      const v0 = await version();
      const g = await ok('POST', GROUPS, { name: 'versioned', include: [{ everyone: {} }] });
      const v1 = await version();
      expect(v1).not.toBe(v0);
      await ok('POST', POLICIES, { name: 'uses versioned', decision: 'allow', include: [{ group: { id: g.id } }] });
      const v2 = await version();
      expect(v2).not.toBe(v1);
      expect((await h.call('DELETE', `${GROUPS}/${g.id}`)).status).toBe(409);
      expect(await version()).toBe(v2);
    });

    it('works with the official Cloudflare SDK: policies, groups, lists', async () => {
      const group = await cf.zeroTrust.access.groups.create({ account_id: ACCOUNT, name: 'SDK group', include: [{ email_domain: { domain: 'example.com' } }] });
      expect(group.id).toBeTruthy();
      const groups = [];
      for await (const g of cf.zeroTrust.access.groups.list({ account_id: ACCOUNT, per_page: 2 } as never)) groups.push(g);
      expect(groups.map((g) => g.name)).toContain('SDK group');
      expect(new Set(groups.map((g) => g.id)).size).toBe(groups.length);
      expect(groups.length).toBe((await h.db.store.accessGroups.list(0, 1000)).total);

      const list = await cf.zeroTrust.gateway.lists.create({ account_id: ACCOUNT, name: 'SDK list', type: 'EMAIL', items: [{ value: 'Sdk@Example.com' }] });
      expect(list.items?.[0]?.value).toBe('sdk@example.com');
      const lists = [];
      for await (const l of cf.zeroTrust.gateway.lists.list({ account_id: ACCOUNT })) lists.push(l);
      expect(lists.map((l) => l.name)).toContain('SDK list');
      const items = [];
      for await (const i of cf.zeroTrust.gateway.lists.items.list(list.id!, { account_id: ACCOUNT })) items.push(i);
      expect(items.map((i) => i.value)).toEqual(['sdk@example.com']);
      await expect(cf.zeroTrust.gateway.lists.create({ account_id: ACCOUNT, name: 'domains', type: 'DOMAIN' })).rejects.toThrow(/not supported/);

      const policy = await cf.zeroTrust.access.policies.create({
        account_id: ACCOUNT,
        name: 'SDK policy',
        decision: 'allow',
        include: [{ group: { id: group.id! } }],
        exclude: [{ email_list: { id: list.id! } }],
      });
      expect(policy).toMatchObject({ name: 'SDK policy', reusable: true, app_count: 0 });
      const policies = [];
      for await (const p of cf.zeroTrust.access.policies.list({ account_id: ACCOUNT, per_page: 3 } as never)) policies.push(p);
      expect(policies.map((p) => p.id)).toContain(policy.id);
      expect(policies.length).toBe((await h.db.store.policies.listReusable(0, 1000)).total);
      const app = (await cf.zeroTrust.access.applications.create({ account_id: ACCOUNT, ...appBody('SDK app', [policy.id]) } as never)) as Json;
      expect(app.policies).toMatchObject([{ id: policy.id, precedence: 1, reusable: true }]);
      expect((await cf.zeroTrust.access.policies.get(policy.id!, { account_id: ACCOUNT })).app_count).toBe(1);
      await expect(cf.zeroTrust.access.policies.delete(policy.id!, { account_id: ACCOUNT })).rejects.toThrow(/SDK app/);
    });
  });
}
