import { describe, expect, it } from 'vitest';
import { EvaluationState } from './evaluation-state.js';
import { MAX_GROUP_DEPTH, matchRule, matchRuleSet, type RuleSet } from './match-rule.js';
import { INDETERMINATE, MATCH, type MatchResult, NO_MATCH } from './match-result.js';
import type { AccessGroup, AccessList, AccessRule, EvaluationContext, PolicyLookups } from './policy-types.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const IDP = '11111111-1111-4111-8111-111111111111';
const OTHER_IDP = '22222222-2222-4222-8222-222222222222';

const alice: EvaluationContext = {
  email: 'alice@example.com',
  idpId: IDP,
  idpType: 'oidc',
  groups: ['engineering'],
  claims: { department: ['R&D', 'Ops'], 'custom:role': ['admin'] },
  amr: ['pwd', 'mfa'],
  ip: '192.0.2.10',
  country: 'US',
  certificate: { valid: true, commonName: 'alice-laptop' },
};

function list(id: string, type: AccessList['type'], values: string[]): AccessList {
  return { id, name: id, type, items: values.map((value) => ({ value, createdAt: t0 })), createdAt: t0, updatedAt: t0 };
}
function group(id: string, rules: Partial<RuleSet>): AccessGroup {
  return { id, name: id, include: [...(rules.include ?? [])], require: [...(rules.require ?? [])], exclude: [...(rules.exclude ?? [])], isDefault: false, createdAt: t0, updatedAt: t0 };
}
function lookups(groups: AccessGroup[] = [], lists: AccessList[] = []): PolicyLookups {
  return { groups: new Map(groups.map((g) => [g.id, g])), lists: new Map(lists.map((l) => [l.id, l])) };
}

const LISTS = lookups(
  [],
  [list('emails', 'EMAIL', ['bob@example.com', ' Alice@Example.com ']), list('ips', 'IP', ['198.51.100.0/24', '2001:db8::/32', '192.0.2.10']), list('bad-ips', 'IP', ['not an ip', '198.51.100.7'])],
);

const NAMES: Record<MatchResult, string> = { [NO_MATCH]: 'no', [MATCH]: 'match', [INDETERMINATE]: 'indeterminate' };

function run(rule: AccessRule, context: Partial<EvaluationContext> = {}, refs: PolicyLookups = LISTS): [string, string] {
  const state = new EvaluationState({ ...alice, ...context }, refs);
  const result = matchRule(rule, state);
  return [NAMES[result], state.reason];
}

const R = (value: unknown) => value as AccessRule;

describe('matchRule: every rule kind', () => {
  it.each<[string, AccessRule, Partial<EvaluationContext>, string, string]>([
    // email: whole address, case-insensitive
    ['email equal', { email: { email: 'alice@example.com' } }, {}, 'match', 'email-ok'],
    ['email other case and spaces in the rule', { email: { email: ' Alice@EXAMPLE.com ' } }, {}, 'match', 'email-ok'],
    ['email other case in the context', { email: { email: 'alice@example.com' } }, { email: 'ALICE@example.COM' }, 'match', 'email-ok'],
    ['email other user', { email: { email: 'bob@example.com' } }, {}, 'no', 'email-unauthorized'],
    ['email is not a suffix match', { email: { email: 'ice@example.com' } }, {}, 'no', 'email-unauthorized'],
    // email_domain: the whole domain after the last '@'
    ['domain equal', { email_domain: { domain: 'example.com' } }, {}, 'match', 'email_domain-ok'],
    ['domain other case, leading @', { email_domain: { domain: '@Example.COM' } }, {}, 'match', 'email_domain-ok'],
    ['domain look-alike', { email_domain: { domain: 'example.com' } }, { email: 'mallory@evil-example.com' }, 'no', 'email_domain-unauthorized'],
    ['domain subdomain', { email_domain: { domain: 'example.com' } }, { email: 'mallory@sub.example.com' }, 'no', 'email_domain-unauthorized'],
    ['domain parent', { email_domain: { domain: 'sub.example.com' } }, { email: 'mallory@example.com' }, 'no', 'email_domain-unauthorized'],
    ['domain after the last @', { email_domain: { domain: 'example.com' } }, { email: '"x@evil.test"@example.com' }, 'match', 'email_domain-ok'],
    ['domain: the local part does not count', { email_domain: { domain: 'example.com' } }, { email: 'example.com@evil.test' }, 'no', 'email_domain-unauthorized'],
    ['domain: an email without @', { email_domain: { domain: 'example.com' } }, { email: 'example.com' }, 'no', 'email_domain-unauthorized'],
    // email_list
    ['email_list member (list items normalized)', { email_list: { id: 'emails' } }, {}, 'match', 'email_list-ok'],
    ['email_list non-member', { email_list: { id: 'emails' } }, { email: 'carol@example.com' }, 'no', 'email_list-unauthorized'],
    ['email_list missing', { email_list: { id: 'nope' } }, {}, 'indeterminate', 'email_list-missing'],
    ['email_list of type IP', { email_list: { id: 'ips' } }, {}, 'indeterminate', 'email_list-missing'],
    // everyone
    ['everyone', { everyone: {} }, {}, 'match', 'everyone-ok'],
    // ip
    ['ip in v4 range', { ip: { ip: '192.0.2.0/24' } }, {}, 'match', 'ip-ok'],
    ['ip single address', { ip: { ip: '192.0.2.10' } }, {}, 'match', 'ip-ok'],
    ['ip outside', { ip: { ip: '198.51.100.0/24' } }, {}, 'no', 'ip-unauthorized'],
    ['ip IPv4-mapped client', { ip: { ip: '192.0.2.0/24' } }, { ip: '::ffff:192.0.2.10' }, 'match', 'ip-ok'],
    ['ip v6 range', { ip: { ip: '2001:db8::/32' } }, { ip: '2001:db8:1::5' }, 'match', 'ip-ok'],
    ['ip v6 outside', { ip: { ip: '2001:db8::/32' } }, { ip: '2001:db9::5' }, 'no', 'ip-unauthorized'],
    ['ip ::/0 does not take IPv4 clients', { ip: { ip: '::/0' } }, {}, 'no', 'ip-unauthorized'],
    ['ip no client address', { ip: { ip: '0.0.0.0/0' } }, { ip: undefined }, 'no', 'ip-unauthorized'],
    ['ip unparseable client address', { ip: { ip: '0.0.0.0/0' } }, { ip: 'unknown' }, 'no', 'ip-unauthorized'],
    ['ip corrupted rule', { ip: { ip: '10.0.0.0/40' } }, {}, 'indeterminate', 'ip-invalid'],
    // ip_list
    ['ip_list exact address', { ip_list: { id: 'ips' } }, {}, 'match', 'ip_list-ok'],
    ['ip_list v6 range', { ip_list: { id: 'ips' } }, { ip: '2001:db8::99' }, 'match', 'ip_list-ok'],
    ['ip_list outside', { ip_list: { id: 'ips' } }, { ip: '203.0.113.1' }, 'no', 'ip_list-unauthorized'],
    ['ip_list no client address', { ip_list: { id: 'ips' } }, { ip: undefined }, 'no', 'ip_list-unauthorized'],
    ['ip_list missing', { ip_list: { id: 'nope' } }, {}, 'indeterminate', 'ip_list-missing'],
    ['ip_list of type EMAIL', { ip_list: { id: 'emails' } }, {}, 'indeterminate', 'ip_list-missing'],
    ['ip_list with a corrupted item: a hit still counts', { ip_list: { id: 'bad-ips' } }, { ip: '198.51.100.7' }, 'match', 'ip_list-ok'],
    ['ip_list with a corrupted item: a miss is not certain', { ip_list: { id: 'bad-ips' } }, {}, 'indeterminate', 'ip_list-invalid'],
    // geo
    ['geo equal', { geo: { country_code: 'US' } }, {}, 'match', 'geo-ok'],
    ['geo case-insensitive', { geo: { country_code: 'us' } }, { country: 'Us' }, 'match', 'geo-ok'],
    ['geo other', { geo: { country_code: 'DE' } }, {}, 'no', 'geo-unauthorized'],
    ['geo no country', { geo: { country_code: 'US' } }, { country: undefined }, 'no', 'geo-unauthorized'],
    // login_method
    ['login_method equal', { login_method: { id: IDP } }, {}, 'match', 'login_method-ok'],
    ['login_method other', { login_method: { id: OTHER_IDP } }, {}, 'no', 'login_method-unauthorized'],
    // auth_method
    ['auth_method present', { auth_method: { auth_method: 'mfa' } }, {}, 'match', 'auth_method-ok'],
    ['auth_method absent', { auth_method: { auth_method: 'hwk' } }, {}, 'no', 'auth_method-unauthorized'],
    ['auth_method no amr', { auth_method: { auth_method: 'mfa' } }, { amr: undefined }, 'no', 'auth_method-unauthorized'],
    // oidc
    ['oidc claim value', { oidc: { claim_name: 'department', claim_value: 'Ops' } }, {}, 'match', 'oidc-ok'],
    ['oidc claim value with the idp', { oidc: { claim_name: 'custom:role', claim_value: 'admin', identity_provider_id: IDP } }, {}, 'match', 'oidc-ok'],
    ['oidc claim value, other idp', { oidc: { claim_name: 'custom:role', claim_value: 'admin', identity_provider_id: OTHER_IDP } }, {}, 'no', 'oidc-unauthorized'],
    ['oidc values compare exactly', { oidc: { claim_name: 'department', claim_value: 'ops' } }, {}, 'no', 'oidc-unauthorized'],
    ['oidc missing claim', { oidc: { claim_name: 'team', claim_value: 'x' } }, {}, 'no', 'oidc-unauthorized'],
    ['oidc from a saml login', { oidc: { claim_name: 'department', claim_value: 'Ops' } }, { idpType: 'saml' }, 'no', 'oidc-unauthorized'],
    ['oidc without idpType', { oidc: { claim_name: 'department', claim_value: 'Ops' } }, { idpType: undefined }, 'no', 'oidc-unauthorized'],
    ['oidc groups claim reads the groups', { oidc: { claim_name: 'groups', claim_value: 'engineering' } }, {}, 'match', 'oidc-ok'],
    ['oidc cognito:groups claim reads the groups', { oidc: { claim_name: 'cognito:groups', claim_value: 'engineering' } }, {}, 'match', 'oidc-ok'],
    ['oidc group not held', { oidc: { claim_name: 'cognito:groups', claim_value: 'admins' } }, {}, 'no', 'oidc-unauthorized'],
    ['oidc other claims do not read the groups', { oidc: { claim_name: 'department', claim_value: 'engineering' } }, {}, 'no', 'oidc-unauthorized'],
    ['oidc claim named like an Object.prototype member', { oidc: { claim_name: 'constructor', claim_value: 'x' } }, {}, 'no', 'oidc-unauthorized'],
    ['oidc no claims at all', { oidc: { claim_name: 'department', claim_value: 'Ops' } }, { claims: undefined }, 'no', 'oidc-unauthorized'],
    // saml
    ['saml attribute value', { saml: { attribute_name: 'department', attribute_value: 'R&D' } }, { idpType: 'saml' }, 'match', 'saml-ok'],
    ['saml attribute with the idp', { saml: { attribute_name: 'department', attribute_value: 'R&D', identity_provider_id: IDP } }, { idpType: 'saml' }, 'match', 'saml-ok'],
    ['saml attribute, other idp', { saml: { attribute_name: 'department', attribute_value: 'R&D', identity_provider_id: OTHER_IDP } }, { idpType: 'saml' }, 'no', 'saml-unauthorized'],
    ['saml from an oidc login', { saml: { attribute_name: 'department', attribute_value: 'R&D' } }, {}, 'no', 'saml-unauthorized'],
    ['saml groups attribute reads the groups', { saml: { attribute_name: 'groups', attribute_value: 'engineering' } }, { idpType: 'saml' }, 'match', 'saml-ok'],
    ['saml other value', { saml: { attribute_name: 'department', attribute_value: 'Sales' } }, { idpType: 'saml' }, 'no', 'saml-unauthorized'],
    // common_name and certificate
    ['common_name equal, valid certificate', { common_name: { common_name: 'alice-laptop' } }, {}, 'match', 'common_name-ok'],
    ['common_name is case-sensitive', { common_name: { common_name: 'Alice-Laptop' } }, {}, 'no', 'common_name-unauthorized'],
    ['common_name of an invalid certificate', { common_name: { common_name: 'alice-laptop' } }, { certificate: { valid: false, commonName: 'alice-laptop' } }, 'no', 'common_name-unauthorized'],
    ['common_name without certificate', { common_name: { common_name: 'alice-laptop' } }, { certificate: undefined }, 'no', 'common_name-unauthorized'],
    ['certificate valid', { certificate: {} }, {}, 'match', 'certificate-ok'],
    ['certificate invalid', { certificate: {} }, { certificate: { valid: false } }, 'no', 'certificate-unauthorized'],
    ['certificate absent', { certificate: {} }, { certificate: undefined }, 'no', 'certificate-unauthorized'],
    // corrupted rules fail closed
    ['unknown kind', R({ okta: { name: 'admins' } }), {}, 'indeterminate', 'unknown_rule'],
    ['two keys', R({ email: { email: 'alice@example.com' }, everyone: {} }), {}, 'indeterminate', 'unknown_rule'],
    ['no key', R({}), {}, 'indeterminate', 'unknown_rule'],
    ['prototype key', R(JSON.parse('{"__proto__": {}}')), {}, 'indeterminate', 'unknown_rule'],
    ['malformed body', R({ email: null }), {}, 'indeterminate', 'email-invalid'],
    ['malformed value', R({ geo: { country_code: 7 } }), {}, 'indeterminate', 'geo-invalid'],
    ['malformed ip body', R({ ip: '10.0.0.0/8' }), {}, 'indeterminate', 'ip-invalid'],
  ])('%s', (_name, rule, context, result, reason) => {
    expect(run(rule, context)).toEqual([result, reason]);
  });
});

describe('matchRule: Access groups', () => {
  const G = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('evaluates a group with include / require / exclude', () => {
    const g = group(G(1), { include: [{ email_domain: { domain: 'example.com' } }], require: [{ geo: { country_code: 'US' } }], exclude: [{ email: { email: 'bob@example.com' } }] });
    const refs = lookups([g]);
    expect(run({ group: { id: G(1) } }, {}, refs)).toEqual(['match', 'group-ok']);
    expect(run({ group: { id: G(1) } }, { country: 'FR' }, refs)).toEqual(['no', 'group-unauthorized']);
    expect(run({ group: { id: G(1) } }, { email: 'bob@example.com' }, refs)).toEqual(['no', 'group-unauthorized']);
    expect(run({ group: { id: G(1) } }, { email: 'carol@example.org' }, refs)).toEqual(['no', 'group-unauthorized']);
  });

  it('a group without include rules matches no one', () => {
    expect(run({ group: { id: G(1) } }, {}, lookups([group(G(1), { require: [{ everyone: {} }] })]))).toEqual(['no', 'group-unauthorized']);
  });

  it('a missing group is indeterminate (group-missing)', () => {
    expect(run({ group: { id: G(9) } }, {}, lookups())).toEqual(['indeterminate', 'group-missing']);
  });

  it('follows nested groups and reports an inner problem', () => {
    const refs = lookups([group(G(1), { include: [{ group: { id: G(2) } }] }), group(G(2), { include: [{ email: { email: 'alice@example.com' } }] }), group(G(3), { include: [{ group: { id: G(4) } }] })]);
    expect(run({ group: { id: G(1) } }, {}, refs)).toEqual(['match', 'group-ok']);
    expect(run({ group: { id: G(1) } }, { email: 'bob@example.com' }, refs)).toEqual(['no', 'group-unauthorized']);
    expect(run({ group: { id: G(3) } }, {}, refs)).toEqual(['indeterminate', 'group-missing']);
  });

  it('refuses cycles (direct and indirect) as indeterminate: group-cycle', () => {
    const self = lookups([group(G(1), { include: [{ group: { id: G(1) } }] })]);
    expect(run({ group: { id: G(1) } }, {}, self)).toEqual(['indeterminate', 'group-cycle']);
    const loop = lookups([group(G(1), { include: [{ group: { id: G(2) } }] }), group(G(2), { include: [{ group: { id: G(3) } }] }), group(G(3), { include: [{ group: { id: G(1) } }] })]);
    expect(run({ group: { id: G(2) } }, {}, loop)).toEqual(['indeterminate', 'group-cycle']);
  });

  it('a cycle that a definite answer makes irrelevant does not matter (include any: a match elsewhere is enough)', () => {
    const refs = lookups([group(G(1), { include: [{ group: { id: G(1) } }, { email: { email: 'alice@example.com' } }] })]);
    expect(run({ group: { id: G(1) } }, {}, refs)).toEqual(['match', 'group-ok']);
    expect(run({ group: { id: G(1) } }, { email: 'bob@example.com' }, refs)).toEqual(['indeterminate', 'group-cycle']);
  });

  it(`allows ${MAX_GROUP_DEPTH} levels of nesting and refuses one more (group-cycle)`, () => {
    const chain = (levels: number) => {
      const groups = Array.from({ length: levels }, (_, i) => group(G(i + 1), { include: [i + 1 < levels ? { group: { id: G(i + 2) } } : { everyone: {} }] }));
      return lookups(groups);
    };
    expect(run({ group: { id: G(1) } }, {}, chain(MAX_GROUP_DEPTH))).toEqual(['match', 'group-ok']);
    expect(run({ group: { id: G(1) } }, {}, chain(MAX_GROUP_DEPTH + 1))).toEqual(['indeterminate', 'group-cycle']);
  });

  it('reuses a group result within a call: shared sub-groups are evaluated once, not once per path', () => {
    // Each level references the next one twice: 2^10 paths if results were not reused.
    const groups = Array.from({ length: MAX_GROUP_DEPTH }, (_, i) =>
      group(G(i + 1), { include: i + 1 < MAX_GROUP_DEPTH ? [{ group: { id: G(i + 2) } }, { group: { id: G(i + 2) } }] : [{ email: { email: 'nobody@example.com' } }] }),
    );
    class CountingMap extends Map<string, AccessGroup> {
      gets = 0;
      override get(key: string): AccessGroup | undefined {
        this.gets++;
        return super.get(key);
      }
    }
    const counted = new CountingMap(groups.map((g) => [g.id, g]));
    expect(run({ group: { id: G(1) } }, {}, { groups: counted, lists: new Map() })).toEqual(['no', 'group-unauthorized']);
    expect(counted.gets).toBeLessThanOrEqual(2 * MAX_GROUP_DEPTH);
  });
});

describe('matchRuleSet', () => {
  function set(rules: Partial<RuleSet>, context: Partial<EvaluationContext> = {}, refs: PolicyLookups = LISTS) {
    const trail: string[] = [];
    const state = new EvaluationState({ ...alice, ...context }, refs);
    const result = matchRuleSet({ include: [], require: [], exclude: [], ...rules }, state, trail);
    return { result: NAMES[result], trail, reason: state.reason };
  }
  const yes: AccessRule = { everyone: {} };
  const no: AccessRule = { email: { email: 'nobody@example.com' } };
  const broken: AccessRule = { group: { id: 'missing' } };

  it.each<[string, Partial<RuleSet>, string, string[]]>([
    ['no include: no one', { require: [yes] }, 'no', []],
    ['include any: one of several', { include: [no, yes] }, 'match', ['everyone-ok']],
    ['include any: none', { include: [no, { geo: { country_code: 'DE' } }] }, 'no', ['email-unauthorized', 'geo-unauthorized']],
    ['require all: all', { include: [yes], require: [{ geo: { country_code: 'US' } }, { auth_method: { auth_method: 'mfa' } }] }, 'match', ['everyone-ok', 'geo-ok', 'auth_method-ok']],
    ['require all: one fails', { include: [yes], require: [{ geo: { country_code: 'US' } }, no] }, 'no', ['everyone-ok', 'geo-ok', 'email-unauthorized']],
    ['exclude none: one matches', { include: [yes], exclude: [no, { geo: { country_code: 'US' } }] }, 'no', ['everyone-ok', 'excluded-geo-ok']],
    ['exclude none: none matches', { include: [yes], exclude: [no] }, 'match', ['everyone-ok']],
    // Indeterminate rules: never decide in the user's favour.
    ['include: a broken rule does not include', { include: [broken] }, 'indeterminate', ['group-missing']],
    ['include: a match elsewhere still includes', { include: [broken, yes] }, 'match', ['everyone-ok']],
    ['require: a broken rule is not satisfied', { include: [yes], require: [broken] }, 'indeterminate', ['everyone-ok', 'group-missing']],
    ['require: a certain failure stays a failure', { include: [yes], require: [broken, no] }, 'no', ['everyone-ok', 'group-missing', 'email-unauthorized']],
    ['exclude: a broken rule is not a pass', { include: [yes], exclude: [broken] }, 'indeterminate', ['everyone-ok', 'group-missing']],
    ['exclude: a certain exclusion stays one', { include: [yes], exclude: [broken, yes] }, 'no', ['everyone-ok', 'group-missing', 'excluded-everyone-ok']],
    ['exclude: a broken include with a certain exclusion', { include: [broken], exclude: [yes] }, 'no', ['group-missing', 'excluded-everyone-ok']],
  ])('%s', (_name, rules, result, trail) => {
    const r = set(rules);
    expect(r.result).toBe(result);
    expect(r.trail).toEqual(trail);
    if (result === 'indeterminate') expect(r.reason).toBe('group-missing');
  });
});
