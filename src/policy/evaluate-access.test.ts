import { describe, expect, it } from 'vitest';
import { evaluateAccess } from './evaluate-access.js';
import type { AccessGroup, AccessList, AccessPolicy, AccessRule, EvaluationContext, PolicyDecision, PolicyLookups } from './policy-types.js';

const t0 = new Date('2026-01-01T00:00:00Z');
function policy(id: string, decision: PolicyDecision, precedence: number, rules: Partial<Record<'include' | 'exclude' | 'require', AccessRule[]>>, extra: Partial<AccessPolicy> = {}): AccessPolicy {
  return { id, appId: 'a', name: id, decision, precedence, include: rules.include ?? [], exclude: rules.exclude ?? [], require: rules.require ?? [], createdAt: t0, updatedAt: t0, ...extra };
}
const alice: EvaluationContext = { email: 'alice@example.com', idpId: 'i', groups: [] };
const mallory: EvaluationContext = { email: 'mallory@evil-example.com', idpId: 'i', groups: [] };
const everyone: AccessRule = { everyone: {} };
const aliceOnly: AccessRule = { email: { email: 'alice@example.com' } };

describe('evaluateAccess', () => {
  it('denies when there is no policy, and says so', () => {
    expect(evaluateAccess([], alice)).toEqual({ allowed: false, reasons: ['no-policy'] });
  });

  it('allows through an email_domain include with the matching policy and reason', () => {
    const r = evaluateAccess([policy('p1', 'allow', 1, { include: [{ email_domain: { domain: 'example.com' } }] })], alice);
    expect(r).toEqual({ allowed: true, decision: 'allow', policyId: 'p1', policyName: 'p1', reasons: ['email_domain-ok'] });
  });

  it('does not let a look-alike domain match', () => {
    const r = evaluateAccess([policy('p1', 'allow', 1, { include: [{ email_domain: { domain: 'example.com' } }] })], mallory);
    expect(r).toEqual({ allowed: false, reasons: ['email_domain-unauthorized', 'no-matching-policy'] });
  });

  it('matches emails case-insensitively on the rule side (identities are lower-cased)', () => {
    expect(evaluateAccess([policy('p', 'allow', 1, { include: [{ email: { email: 'Alice@Example.com' } }] })], alice).allowed).toBe(true);
  });

  it('include is any, require is all, exclude is none', () => {
    const p = policy('p', 'allow', 1, {
      include: [{ email: { email: 'nobody@example.com' } }, everyone],
      require: [{ email_domain: { domain: 'example.com' } }],
      exclude: [aliceOnly],
    });
    expect(evaluateAccess([p], { ...alice, email: 'bob@example.com' })).toMatchObject({ allowed: true, reasons: ['everyone-ok', 'email_domain-ok'] });
    const denied = evaluateAccess([p], alice);
    expect(denied.allowed).toBe(false);
    expect(denied.reasons).toEqual(['everyone-ok', 'email_domain-ok', 'excluded-email-ok', 'no-matching-policy']);
    expect(evaluateAccess([p], mallory)).toEqual({ allowed: false, reasons: ['everyone-ok', 'email_domain-unauthorized', 'no-matching-policy'] });
  });

  it('a policy with no include matches no one', () => {
    expect(evaluateAccess([policy('p', 'allow', 1, { require: [everyone] })], alice)).toEqual({ allowed: false, reasons: ['no-matching-policy'] });
  });

  it('first match by precedence wins: a deny ahead of an allow blocks', () => {
    const deny = policy('deny', 'deny', 1, { include: [aliceOnly] });
    const allow = policy('allow', 'allow', 2, { include: [everyone] });
    expect(evaluateAccess([allow, deny], alice)).toMatchObject({ allowed: false, decision: 'deny', policyId: 'deny', reasons: ['email-ok'] });
    expect(evaluateAccess([allow, deny], { ...alice, email: 'bob@example.com' })).toMatchObject({ allowed: true, policyId: 'allow', reasons: ['everyone-ok'] });
  });

  it('an allow ahead of a deny allows', () => {
    const allow = policy('allow', 'allow', 1, { include: [aliceOnly] });
    const deny = policy('deny', 'deny', 2, { include: [everyone] });
    expect(evaluateAccess([deny, allow], alice)).toMatchObject({ allowed: true, policyId: 'allow' });
    expect(evaluateAccess([deny, allow], mallory)).toMatchObject({ allowed: false, decision: 'deny', policyId: 'deny' });
  });

  it("follows the spec's order [Allow A, Block B, Service Auth C, Bypass D, Allow E]: C > D > A > B > E", () => {
    const who = (n: string): AccessRule => ({ email: { email: `${n}@example.com` } });
    const both = (a: string, b: string): AccessRule[] => [who(a), who(b)];
    const policies = [
      policy('A', 'allow', 1, { include: both('a', 'everybody') }),
      policy('B', 'deny', 2, { include: both('b', 'everybody') }),
      policy('C', 'non_identity', 3, { include: both('c', 'everybody') }),
      policy('D', 'bypass', 4, { include: both('d', 'everybody') }),
      policy('E', 'allow', 5, { include: both('e', 'everybody') }),
    ];
    const at = (email: string) => evaluateAccess(policies, { ...alice, email: `${email}@example.com` });
    expect(at('everybody')).toMatchObject({ allowed: true, decision: 'non_identity', policyId: 'C' });
    expect(at('d')).toMatchObject({ allowed: true, decision: 'bypass', policyId: 'D' });
    expect(at('a')).toMatchObject({ allowed: true, decision: 'allow', policyId: 'A' });
    expect(at('b')).toMatchObject({ allowed: false, decision: 'deny', policyId: 'B' });
    expect(at('e')).toMatchObject({ allowed: true, decision: 'allow', policyId: 'E' });
    expect(at('nobody')).toMatchObject({ allowed: false, reasons: ['email-unauthorized', 'no-matching-policy'] });
    expect(at('nobody').policyId).toBeUndefined();
    // A deny cannot stop a bypass, which comes first whatever its precedence.
    const blocked = [policy('block-all', 'deny', 0, { include: [everyone] }), policy('bypass', 'bypass', 100, { include: [{ ip: { ip: '10.0.0.0/8' } }] })];
    expect(evaluateAccess(blocked, { ...alice, ip: '10.1.2.3' })).toMatchObject({ allowed: true, decision: 'bypass', policyId: 'bypass', reasons: ['ip-ok'] });
    expect(evaluateAccess(blocked, { ...alice, ip: '192.0.2.1' })).toMatchObject({ allowed: false, decision: 'deny', policyId: 'block-all' });
  });

  it('breaks precedence ties by createdAt, then id', () => {
    const later = new Date('2026-02-01T00:00:00Z');
    const allowOld = policy('z-allow', 'allow', 1, { include: [everyone] });
    const denyNew = policy('a-deny', 'deny', 1, { include: [everyone] }, { createdAt: later });
    expect(evaluateAccess([denyNew, allowOld], alice)).toMatchObject({ allowed: true, policyId: 'z-allow' });
    const denySameTime = policy('a-deny', 'deny', 1, { include: [everyone] });
    expect(evaluateAccess([allowOld, denySameTime], alice)).toMatchObject({ allowed: false, policyId: 'a-deny' });
  });

  it("returns the matching policy's session duration", () => {
    const p = policy('p', 'allow', 1, { include: [everyone] }, { sessionDuration: '8h' });
    expect(evaluateAccess([p], alice)).toEqual({ allowed: true, decision: 'allow', policyId: 'p', policyName: 'p', sessionDuration: '8h', reasons: ['everyone-ok'] });
    const deny = policy('d', 'deny', 1, { include: [everyone] }, { sessionDuration: '1h' });
    expect(evaluateAccess([deny], alice)).toMatchObject({ allowed: false, sessionDuration: '1h' });
  });

  it('collects the reasons of every policy tried, once each, when none matches', () => {
    const policies = [
      policy('1', 'allow', 1, { include: [{ email_domain: { domain: 'example.org' } }] }),
      policy('2', 'allow', 2, { include: [{ email_domain: { domain: 'example.net' } }, { geo: { country_code: 'US' } }] }),
      policy('3', 'allow', 3, { include: [everyone], require: [{ certificate: {} }] }),
    ];
    expect(evaluateAccess(policies, alice)).toEqual({
      allowed: false,
      reasons: ['email_domain-unauthorized', 'geo-unauthorized', 'everyone-ok', 'certificate-unauthorized', 'no-matching-policy'],
    });
  });

  it('an unknown rule kind fails closed', () => {
    const p = policy('p', 'allow', 1, { include: [{ okta: { name: 'everyone' } } as unknown as AccessRule] });
    expect(evaluateAccess([p], alice)).toEqual({ allowed: false, reasons: ['unknown_rule', 'no-matching-policy'] });
  });
});

describe('evaluateAccess with groups and lists', () => {
  const GROUP = '00000000-0000-4000-8000-000000000001';
  const contractors: AccessGroup = { id: GROUP, name: 'Contractors', include: [{ email: { email: 'bob@example.com' } }], exclude: [], require: [], isDefault: false, createdAt: t0, updatedAt: t0 };
  const vips: AccessList = { id: 'vips', name: 'VIPs', type: 'EMAIL', items: [{ value: 'alice@example.com', createdAt: t0 }], createdAt: t0, updatedAt: t0 };
  const lookups: PolicyLookups = { groups: new Map([[GROUP, contractors]]), lists: new Map([['vips', vips]]) };
  const employees = policy('employees', 'allow', 1, { include: [{ email_domain: { domain: 'example.com' } }], exclude: [{ group: { id: GROUP } }] });

  it('excludes a group member (excluded-group-ok) and admits the others', () => {
    expect(evaluateAccess([employees], { ...alice, email: 'bob@example.com' }, lookups)).toEqual({ allowed: false, reasons: ['email_domain-ok', 'excluded-group-ok', 'no-matching-policy'] });
    expect(evaluateAccess([employees], alice, lookups)).toMatchObject({ allowed: true, reasons: ['email_domain-ok'] });
  });

  it('reports group-ok and group-unauthorized for group includes', () => {
    const p = policy('p', 'allow', 1, { include: [{ group: { id: GROUP } }] });
    expect(evaluateAccess([p], { ...alice, email: 'bob@example.com' }, lookups)).toMatchObject({ allowed: true, reasons: ['group-ok'] });
    expect(evaluateAccess([p], alice, lookups)).toEqual({ allowed: false, reasons: ['group-unauthorized', 'no-matching-policy'] });
  });

  it('uses lists from the lookups', () => {
    const p = policy('p', 'allow', 1, { include: [{ email_list: { id: 'vips' } }] });
    expect(evaluateAccess([p], alice, lookups)).toMatchObject({ allowed: true, reasons: ['email_list-ok'] });
    expect(evaluateAccess([p], alice)).toEqual({ allowed: false, reasons: ['email_list-missing', 'no-matching-policy'] });
  });

  describe('fails closed on a missing group (a corrupted store)', () => {
    const missing: AccessRule = { group: { id: '00000000-0000-4000-8000-00000000dead' } };

    it('in an include of an allow policy: not allowed, evaluation goes on', () => {
      const policies = [policy('p', 'allow', 1, { include: [missing] }), policy('q', 'allow', 2, { include: [aliceOnly] })];
      expect(evaluateAccess(policies.slice(0, 1), alice, lookups)).toEqual({ allowed: false, reasons: ['group-missing', 'no-matching-policy'] });
      expect(evaluateAccess(policies, alice, lookups)).toMatchObject({ allowed: true, policyId: 'q' });
    });

    it('in an exclude: the exclusion is assumed, so the allow does not apply', () => {
      const p = policy('p', 'allow', 1, { include: [everyone], exclude: [missing] });
      expect(evaluateAccess([p], alice, lookups)).toEqual({ allowed: false, reasons: ['everyone-ok', 'group-missing', 'no-matching-policy'] });
    });

    it('in a deny policy: the deny is assumed to apply and stops evaluation', () => {
      const policies = [policy('block', 'deny', 1, { include: [missing] }), policy('allow', 'allow', 2, { include: [everyone] })];
      expect(evaluateAccess(policies, alice, lookups)).toEqual({ allowed: false, decision: 'deny', policyId: 'block', policyName: 'block', reasons: ['group-missing'] });
    });

    it('in a deny policy whose other rules rule the user out for certain: no deny', () => {
      const policies = [policy('block', 'deny', 1, { include: [missing], require: [{ email: { email: 'bob@example.com' } }] }), policy('allow', 'allow', 2, { include: [everyone] })];
      expect(evaluateAccess(policies, alice, lookups)).toMatchObject({ allowed: true, policyId: 'allow' });
    });
  });

  it('treats a corrupted decision as deny', () => {
    const p = policy('p', 'maybe' as PolicyDecision, 1, { include: [everyone] });
    expect(evaluateAccess([p], alice)).toMatchObject({ allowed: false, policyId: 'p' });
  });
});
