import { describe, expect, it } from 'vitest';
import { ruleSchema, SUPPORTED_RULE_KINDS } from '../admin-api/rule-schema.js';
import type { AccessRule } from '../policy/policy-types.js';
import {
  applyOp,
  formOp,
  KIND_ORDER,
  mapApiErrors,
  rowsFromForm,
  rowsToForm,
  rowsToRules,
  ruleToRow,
  rowToRule,
  rulesToRows,
  type RuleRows,
  unfilledRowProblems,
} from './rule-form.js';

const GROUP = '0b8f7a52-4c1e-4d7a-9a51-1f2e3d4c5b6a';
const IDP = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';

/** One valid rule of every kind, in Cloudflare's JSON. */
const EVERY_KIND: AccessRule[] = [
  { email: { email: 'alice@example.com' } },
  { email_domain: { domain: 'example.com' } },
  { email_list: { id: GROUP } },
  { everyone: {} },
  { group: { id: GROUP } },
  { ip: { ip: '192.0.2.0/24' } },
  { ip_list: { id: GROUP } },
  { geo: { country_code: 'US' } },
  { login_method: { id: IDP } },
  { auth_method: { auth_method: 'mfa' } },
  { saml: { attribute_name: 'groups', attribute_value: 'admins', identity_provider_id: IDP } },
  { saml: { attribute_name: 'department', attribute_value: 'sales' } },
  { oidc: { claim_name: 'groups', claim_value: 'admins', identity_provider_id: IDP } },
  { oidc: { claim_name: 'team', claim_value: 'ops' } },
  { common_name: { common_name: 'device-17.example.com' } },
  { certificate: {} },
];

describe('rule builder form ⇄ Cloudflare rule JSON', () => {
  it('the kind select offers every rule kind the API evaluates', () => {
    expect([...KIND_ORDER].sort()).toEqual([...SUPPORTED_RULE_KINDS].sort());
    const covered = new Set(EVERY_KIND.map((r) => Object.keys(r)[0]));
    expect([...covered].sort()).toEqual([...SUPPORTED_RULE_KINDS].sort());
  });

  it.each(EVERY_KIND.map((r) => [JSON.stringify(r), r] as const))('%s: rule → row → rule', (_name, rule) => {
    const row = ruleToRow(rule)!;
    expect(row.kind).toBe(Object.keys(rule)[0]);
    expect(rowToRule(row)).toEqual(rule);
    // …and what it builds is what the API accepts.
    expect(ruleSchema.safeParse(rowToRule(row)).success).toBe(true);
  });

  it('every kind survives the whole form round trip, in every section', () => {
    const rows: RuleRows = rulesToRows({ include: EVERY_KIND, require: EVERY_KIND.slice(0, 3), exclude: EVERY_KIND.slice(5) });
    const form = rowsToForm(rows);
    const back = rowsToRules(rowsFromForm(form));
    expect(back.include).toEqual(EVERY_KIND);
    expect(back.require).toEqual(EVERY_KIND.slice(0, 3));
    expect(back.exclude).toEqual(EVERY_KIND.slice(5));
  });

  it('reads the posted fields by row, trimming values and leaving out empty optional ones', () => {
    const rows = rowsFromForm({
      'include-rows': '3',
      'include-0-kind': 'email_domain',
      'include-0-shown': 'email_domain',
      'include-0-email_domain-domain': '  example.com ',
      'include-1-kind': 'oidc',
      'include-1-shown': 'oidc',
      'include-1-oidc-claim_name': 'groups',
      'include-1-oidc-claim_value': 'admins',
      'include-1-oidc-identity_provider_id': '',
      'include-2-kind': 'everyone',
      'include-2-shown': 'everyone',
      'require-rows': '0',
      'exclude-rows': '1',
      'exclude-0-kind': 'nonsense',
    });
    expect(rowsToRules(rows).include).toEqual([{ email_domain: { domain: 'example.com' } }, { oidc: { claim_name: 'groups', claim_value: 'admins' } }, { everyone: {} }]);
    expect(rows.exclude).toEqual([]);
  });

  it('ignores empty rows on save and maps API pointers back to the rows they came from', () => {
    const rows = rowsFromForm({
      'include-rows': '3',
      'include-0-kind': 'email',
      'include-0-email-email': '',
      'include-1-kind': 'email',
      'include-1-email-email': 'bob@example.com',
      'include-2-kind': 'ip',
      'include-2-ip-ip': '300.1.2.3',
    });
    const built = rowsToRules(rows);
    expect(built.include).toEqual([{ email: { email: 'bob@example.com' } }, { ip: { ip: '300.1.2.3' } }]);
    expect(built.rowOf.include).toEqual([1, 2]);
    const problems = mapApiErrors(
      [
        { message: 'include.1.ip.ip: must be an IPv4 or IPv6 address or CIDR range', source: { pointer: '/include/1/ip/ip' } },
        { message: 'name: must not be empty', source: { pointer: '/name' } },
        { message: 'require: at least one', source: { pointer: '/require' } },
        { message: 'something else' },
      ],
      built.rowOf,
    );
    expect(problems.rows.include.get(2)).toEqual(['must be an IPv4 or IPv6 address or CIDR range']);
    expect(problems.fields.get('name')).toEqual(['must not be empty']);
    expect(problems.sections.require).toEqual(['at least one']);
    expect(problems.other).toEqual(['something else']);
  });

  it('"Add a rule" and "Remove" are ops on the rows; a row whose kind changed must be filled in', () => {
    expect(formOp({ op: 'add-require', 'require-new-kind': 'geo' })).toEqual({ op: 'add', section: 'require', kind: 'geo' });
    expect(formOp({ op: 'add-exclude', 'exclude-new-kind': 'bogus' })).toEqual({ op: 'add', section: 'exclude', kind: 'email' });
    expect(formOp({ op: 'remove-include-2' })).toEqual({ op: 'remove', section: 'include', row: 2 });
    expect(formOp({ op: 'save' })).toEqual({ op: 'save' });
    expect(formOp({})).toEqual({ op: 'save' });

    const rows = rowsFromForm({ 'include-rows': '2', 'include-0-kind': 'email', 'include-0-email-email': 'a@example.com', 'include-1-kind': 'geo', 'include-1-shown': 'email', 'include-1-email-email': 'x@example.com' });
    expect(rows.include[1]).toEqual({ kind: 'geo', shown: 'email', values: { country_code: '' } });
    expect(unfilledRowProblems(rows).rows.include.get(1)).toHaveLength(1);
    const added = applyOp(rows, { op: 'add', section: 'include', kind: 'ip' });
    expect(added.include.map((r) => r.kind)).toEqual(['email', 'geo', 'ip']);
    expect(added.include[1]!.shown).toBeUndefined();
    expect(applyOp(rows, { op: 'remove', section: 'include', row: 0 }).include.map((r) => r.kind)).toEqual(['geo']);
    expect(rows.include).toHaveLength(2);
  });
});
