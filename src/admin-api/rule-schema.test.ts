import { describe, expect, it } from 'vitest';
import type { AccessRule } from '../policy/policy-types.js';
import { RULE_KINDS } from '../policy/rule-kinds.js';
import { isIdentityRule, ruleReferences, ruleSchema, SUPPORTED_RULE_KINDS } from './rule-schema.js';

const ID = 'ca298b82-93b5-41bf-bc2d-10493f09b761';

function issues(value: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const parsed = ruleSchema.safeParse(value);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues.map((i) => ({ path: i.path, message: i.message }));
}

describe('ruleSchema accepts every supported kind in Cloudflare’s JSON', () => {
  it.each<[string, unknown]>([
    ['email', { email: { email: 'user@example.com' } }],
    ['email_domain', { email_domain: { domain: 'example.com' } }],
    ['email_domain with a leading @', { email_domain: { domain: '@example.com' } }],
    ['email_list', { email_list: { id: ID } }],
    ['everyone', { everyone: {} }],
    ['group', { group: { id: ID } }],
    ['ip v4 CIDR', { ip: { ip: '192.0.2.0/24' } }],
    ['ip v4 address', { ip: { ip: '192.0.2.1' } }],
    ['ip v4 /0 and /32', { ip: { ip: '0.0.0.0/0' } }],
    ['ip v6 CIDR', { ip: { ip: '2001:db8::/32' } }],
    ['ip v6 /128', { ip: { ip: '2001:db8::1/128' } }],
    ['ip v6 address', { ip: { ip: '::1' } }],
    ['ip IPv4-mapped', { ip: { ip: '::ffff:192.0.2.0/120' } }],
    ['ip_list', { ip_list: { id: ID } }],
    ['geo', { geo: { country_code: 'US' } }],
    ['login_method', { login_method: { id: ID } }],
    ['auth_method', { auth_method: { auth_method: 'mfa' } }],
    ['saml', { saml: { attribute_name: 'group', attribute_value: 'admins', identity_provider_id: ID } }],
    ['saml without an idp', { saml: { attribute_name: 'group', attribute_value: 'admins' } }],
    ['oidc', { oidc: { claim_name: 'cognito:groups', claim_value: 'admins', identity_provider_id: ID } }],
    ['oidc without an idp', { oidc: { claim_name: 'department', claim_value: 'R&D' } }],
    ['common_name', { common_name: { common_name: 'device-1.example.com' } }],
    ['certificate', { certificate: {} }],
  ])('%s', (_name, value) => {
    expect(ruleSchema.parse(value)).toEqual(value);
  });

  it('covers every kind of the AccessRule type', () => {
    expect(new Set(SUPPORTED_RULE_KINDS)).toEqual(new Set(RULE_KINDS));
    expect(RULE_KINDS).toHaveLength(14);
  });

  it('normalizes what compares exactly later: country codes upper-case, ids lower-case', () => {
    expect(ruleSchema.parse({ geo: { country_code: 'de' } })).toEqual({ geo: { country_code: 'DE' } });
    expect(ruleSchema.parse({ group: { id: ID.toUpperCase() } })).toEqual({ group: { id: ID } });
    expect(ruleSchema.parse({ saml: { attribute_name: 'g', attribute_value: 'v', identity_provider_id: ID.toUpperCase() } })).toEqual({
      saml: { attribute_name: 'g', attribute_value: 'v', identity_provider_id: ID },
    });
  });

  it('accepts the example policy rules of the spec (SAML attribute)', () => {
    const include = [{ saml: { attribute_name: 'group', attribute_value: 'admins', identity_provider_id: 'ca298b82-93b5-41bf-bc2d-10493f09b761' } }];
    const require = [{ email_domain: { domain: 'example.com' } }];
    const exclude = [{ email: { email: 'contractor@example.com' } }];
    for (const rule of [...include, ...require, ...exclude]) expect(ruleSchema.safeParse(rule).success).toBe(true);
  });
});

describe('ruleSchema refuses', () => {
  it.each(['azureAD', 'okta', 'gsuite', 'github-organization', 'service_token', 'any_valid_service_token', 'device_posture', 'external_evaluation', 'auth_context', 'linked_app_token', 'user_risk_score', 'cloudflare_account_member'])(
    'the Cloudflare kind %s as not supported by Gatehouse',
    (kind) => {
      const [issue, ...rest] = issues({ [kind]: {} });
      expect(rest).toEqual([]);
      expect(issue!.path).toEqual([kind]);
      expect(issue!.message).toMatch(new RegExp(`^rule kind "${kind}" is not supported by Gatehouse \\(supported: email, email_domain, `));
    },
  );

  it.each(['emails', 'Email', 'foo', 'constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s as an unknown rule kind', (kind) => {
    const value = JSON.parse(`{${JSON.stringify(kind)}: {}}`);
    const [issue] = issues(value);
    expect(issue).toEqual({ path: [kind], message: expect.stringMatching(new RegExp(`^unknown rule kind "${kind}"`)) });
  });

  it('anything but an object with exactly one key', () => {
    for (const value of [null, 'email', 3, [], [{ everyone: {} }]]) expect(issues(value)[0]!.message).toMatch(/^a rule is an object with exactly one key/);
    expect(issues({})[0]!.message).toBe('a rule has exactly one key; this one has 0');
    expect(issues({ everyone: {}, certificate: {} })[0]!.message).toBe('a rule has exactly one key; this one has 2');
  });

  it.each<[string, unknown, PropertyKey[], RegExp]>([
    // strict objects: Cloudflare's field names only
    ['an extra field', { email: { email: 'a@example.com', name: 'x' } }, ['email'], /unrecognized key/i],
    ['a misspelt field', { email_domain: { email_domain: 'example.com' } }, ['email_domain', 'domain'], /./],
    ['a body on everyone', { everyone: { all: true } }, ['everyone'], /unrecognized key/i],
    ['a body on certificate', { certificate: { valid: true } }, ['certificate'], /unrecognized key/i],
    ['a non-object body', { everyone: true }, ['everyone'], /./],
    // values
    ['an email without @', { email: { email: 'example.com' } }, ['email', 'email'], /must be an email address/],
    ['a domain with a path', { email_domain: { domain: 'example.com/x' } }, ['email_domain', 'domain'], /must be a domain/],
    ['a single-label domain', { email_domain: { domain: 'localhost' } }, ['email_domain', 'domain'], /must be a domain/],
    ['an ip v4 prefix over 32', { ip: { ip: '10.0.0.0/33' } }, ['ip', 'ip'], /must be an IPv4 or IPv6 address or CIDR/],
    ['an ip v6 prefix over 128', { ip: { ip: '2001:db8::/129' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['an ip with a leading-zero prefix', { ip: { ip: '10.0.0.0/08' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['an ip with an empty prefix', { ip: { ip: '10.0.0.0/' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['an ip with leading zeros', { ip: { ip: '010.0.0.0/8' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['an ip with spaces', { ip: { ip: ' 10.0.0.0/8' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['an ip with a zone id', { ip: { ip: 'fe80::1%eth0' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['an ip range', { ip: { ip: '10.0.0.1-10.0.0.9' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['a hostname for an ip', { ip: { ip: 'example.com' } }, ['ip', 'ip'], /must be an IPv4 or IPv6/],
    ['a three-letter country', { geo: { country_code: 'USA' } }, ['geo', 'country_code'], /ISO 3166-1 alpha-2/],
    ['a numeric country', { geo: { country_code: '84' } }, ['geo', 'country_code'], /ISO 3166-1 alpha-2/],
    ['a group id that is not a UUID', { group: { id: 'admins' } }, ['group', 'id'], /must be a UUID/],
    ['a list id that is not a UUID', { email_list: { id: 'vips' } }, ['email_list', 'id'], /must be a UUID/],
    ['an ip list id that is not a UUID', { ip_list: { id: '' } }, ['ip_list', 'id'], /must be a UUID/],
    ['a login method id that is not a UUID', { login_method: { id: 'okta' } }, ['login_method', 'id'], /must be a UUID/],
    ['a saml idp id that is not a UUID', { saml: { attribute_name: 'g', attribute_value: 'v', identity_provider_id: 'x' } }, ['saml', 'identity_provider_id'], /must be a UUID/],
    ['an empty auth_method', { auth_method: { auth_method: '' } }, ['auth_method', 'auth_method'], /must not be empty/],
    ['an empty claim value', { oidc: { claim_name: 'groups', claim_value: '' } }, ['oidc', 'claim_value'], /must not be empty/],
    ['a missing attribute value', { saml: { attribute_name: 'groups' } }, ['saml', 'attribute_value'], /./],
    ['an empty common name', { common_name: { common_name: '' } }, ['common_name', 'common_name'], /must not be empty/],
    ['a huge claim value', { oidc: { claim_name: 'groups', claim_value: 'x'.repeat(1025) } }, ['oidc', 'claim_value'], /./],
    ['a huge common name', { common_name: { common_name: 'x'.repeat(257) } }, ['common_name', 'common_name'], /./],
  ])('%s', (_name, value, path, message) => {
    const found = issues(value);
    expect(found.map((i) => i.path)).toContainEqual(path);
    expect(found.find((i) => JSON.stringify(i.path) === JSON.stringify(path))!.message).toMatch(message);
  });
});

describe('isIdentityRule', () => {
  it.each<[AccessRule, boolean]>([
    [{ email: { email: 'a@example.com' } }, true],
    [{ email_domain: { domain: 'example.com' } }, true],
    [{ email_list: { id: ID } }, true],
    [{ group: { id: ID } }, true],
    [{ login_method: { id: ID } }, true],
    [{ auth_method: { auth_method: 'mfa' } }, true],
    [{ saml: { attribute_name: 'g', attribute_value: 'v' } }, true],
    [{ oidc: { claim_name: 'g', claim_value: 'v' } }, true],
    [{ everyone: {} }, false],
    [{ ip: { ip: '10.0.0.0/8' } }, false],
    [{ ip_list: { id: ID } }, false],
    [{ geo: { country_code: 'US' } }, false],
    [{ certificate: {} }, false],
    [{ common_name: { common_name: 'x' } }, false],
    [{ okta: { name: 'x' } } as unknown as AccessRule, true],
  ])('%j → %s', (rule, expected) => {
    expect(isIdentityRule(rule)).toBe(expected);
  });
});

describe('ruleReferences', () => {
  it('names the groups and lists a rule points at', () => {
    expect(ruleReferences({ group: { id: ID } })).toEqual({ groups: [ID], lists: [] });
    expect(ruleReferences({ email_list: { id: ID } })).toEqual({ groups: [], lists: [ID] });
    expect(ruleReferences({ ip_list: { id: ID } })).toEqual({ groups: [], lists: [ID] });
    expect(ruleReferences({ login_method: { id: ID } })).toEqual({ groups: [], lists: [] });
    expect(ruleReferences({ email: { email: ID } })).toEqual({ groups: [], lists: [] });
  });
});
