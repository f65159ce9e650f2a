import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateAccess, evaluateAccessLinear } from './evaluate-access.js';
import type { AccessGroup, AccessList, AccessPolicy, AccessRule, EvaluationContext, PolicyDecision, PolicyLookups } from './policy-types.js';

/**
 * Properties of the engine over random policy sets, groups (including cycles and dangling references), lists and
 * contexts. Values come from small pools so that rules match often enough for the properties to bite.
 */
const t0 = Date.parse('2026-01-01T00:00:00Z');
const IDPS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
const GROUP_IDS = ['g1', 'g2', 'g3'];
const EMAILS = ['alice@example.com', 'bob@example.com', 'mallory@evil-example.com', 'carol@example.org'];

const email = fc.constantFrom(...EMAILS);
const ruleArb: fc.Arbitrary<AccessRule> = fc.oneof(
  { weight: 3, arbitrary: email.map((e) => ({ email: { email: e.toUpperCase() } })) },
  { weight: 3, arbitrary: fc.constantFrom('example.com', '@example.org', 'evil-example.com', 'example').map((domain) => ({ email_domain: { domain } })) },
  { weight: 1, arbitrary: fc.constantFrom('emails', 'ips', 'missing').map((id) => ({ email_list: { id } })) },
  { weight: 2, arbitrary: fc.constant({ everyone: {} }) },
  { weight: 3, arbitrary: fc.constantFrom(...GROUP_IDS, 'missing').map((id) => ({ group: { id } })) },
  { weight: 2, arbitrary: fc.constantFrom('192.0.2.0/24', '0.0.0.0/0', '::/0', '2001:db8::/32', '198.51.100.7', '::ffff:192.0.2.0/120').map((ip) => ({ ip: { ip } })) },
  { weight: 1, arbitrary: fc.constantFrom('ips', 'emails', 'missing').map((id) => ({ ip_list: { id } })) },
  { weight: 2, arbitrary: fc.constantFrom('US', 'de', 'FR').map((country_code) => ({ geo: { country_code } })) },
  { weight: 1, arbitrary: fc.constantFrom(...IDPS).map((id) => ({ login_method: { id } })) },
  { weight: 1, arbitrary: fc.constantFrom('mfa', 'pwd', 'hwk').map((auth_method) => ({ auth_method: { auth_method } })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.constantFrom('groups', 'department'), v: fc.constantFrom('admins', 'Ops'), idp: fc.option(fc.constantFrom(...IDPS), { nil: undefined }) })
      .map(({ n, v, idp }) => ({ saml: { attribute_name: n, attribute_value: v, ...(idp ? { identity_provider_id: idp } : {}) } })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.constantFrom('cognito:groups', 'department'), v: fc.constantFrom('admins', 'Ops'), idp: fc.option(fc.constantFrom(...IDPS), { nil: undefined }) })
      .map(({ n, v, idp }) => ({ oidc: { claim_name: n, claim_value: v, ...(idp ? { identity_provider_id: idp } : {}) } })),
  },
  { weight: 1, arbitrary: fc.constantFrom('laptop', 'LAPTOP').map((common_name) => ({ common_name: { common_name } })) },
  { weight: 1, arbitrary: fc.constant({ certificate: {} }) },
  { weight: 1, arbitrary: fc.constant({ okta: { name: 'admins' } } as unknown as AccessRule) },
);

const rules = (max: number) => fc.array(ruleArb, { maxLength: max });
const ruleSetArb = fc.record({ include: rules(3), require: rules(2), exclude: rules(2) });

const lookupsArb: fc.Arbitrary<PolicyLookups> = fc.tuple(...GROUP_IDS.map(() => ruleSetArb)).map((sets) => {
  const at = new Date(t0);
  const groups = new Map<string, AccessGroup>(GROUP_IDS.map((id, i) => [id, { id, name: id, ...sets[i]!, isDefault: false, createdAt: at, updatedAt: at }]));
  const list = (id: string, type: AccessList['type'], values: string[]): AccessList => ({ id, name: id, type, items: values.map((value) => ({ value, createdAt: at })), createdAt: at, updatedAt: at });
  const lists = new Map<string, AccessList>([
    ['emails', list('emails', 'EMAIL', ['alice@example.com', 'carol@example.org'])],
    ['ips', list('ips', 'IP', ['198.51.100.0/24', '2001:db8::/64'])],
  ]);
  return { groups, lists };
});

const contextArb: fc.Arbitrary<EvaluationContext> = fc
  .record({
    email,
    idpId: fc.constantFrom(...IDPS),
    idpType: fc.constantFrom('oidc', 'saml', undefined),
    groups: fc.subarray(['admins', 'engineering']),
    department: fc.subarray(['Ops', 'Sales']),
    amr: fc.subarray(['pwd', 'mfa']),
    ip: fc.constantFrom('192.0.2.10', '::ffff:192.0.2.10', '2001:db8::1', '198.51.100.7', undefined),
    country: fc.constantFrom('US', 'DE', undefined),
    certificate: fc.option(fc.record({ valid: fc.boolean(), commonName: fc.constantFrom('laptop', 'phone') }), { nil: undefined }),
  })
  .map(({ department, ...c }) => {
    const context: EvaluationContext = { email: c.email, idpId: c.idpId, groups: c.groups, claims: { department }, amr: c.amr };
    if (c.idpType) context.idpType = c.idpType;
    if (c.ip) context.ip = c.ip;
    if (c.country) context.country = c.country;
    if (c.certificate) context.certificate = c.certificate;
    return context;
  });

const decisionArb = fc.constantFrom<PolicyDecision>('allow', 'deny', 'bypass', 'non_identity');
const policyArb = (decision: fc.Arbitrary<PolicyDecision>) =>
  fc.record({
    decision,
    precedence: fc.integer({ min: 0, max: 3 }),
    createdDay: fc.integer({ min: 0, max: 2 }),
    include: rules(3),
    require: rules(2),
    exclude: rules(2),
    sessionDuration: fc.option(fc.constantFrom('1h', '24h'), { nil: undefined }),
  });
const policiesArb = (decision: fc.Arbitrary<PolicyDecision> = decisionArb, minLength = 0) =>
  fc.array(policyArb(decision), { minLength, maxLength: 6 }).map((ps) =>
    ps.map(({ createdDay, sessionDuration, ...p }, i): AccessPolicy => {
      const at = new Date(t0 + createdDay * 86_400_000);
      return { id: `p${i}`, appId: 'a', name: `policy ${i}`, ...p, ...(sessionDuration ? { sessionDuration } : {}), createdAt: at, updatedAt: at };
    }),
  );

const ALLOWING = new Set<PolicyDecision>(['allow', 'bypass', 'non_identity']);

describe('evaluateAccess properties', () => {
  it('the policy index never changes a decision or its reasons (same result as walking every policy)', () => {
    const withGroupClaims = fc.tuple(contextArb, fc.constantFrom('groups', 'cognito:groups', 'memberOf', undefined)).map(([c, name]) =>
      name ? { ...c, claims: { ...c.claims, [name]: [...c.groups] } } : c,
    );
    fc.assert(
      fc.property(policiesArb(), withGroupClaims, lookupsArb, (policies, context, lookups) => {
        expect(evaluateAccess(policies, context, lookups)).toEqual(evaluateAccessLinear(policies, context, lookups));
      }),
      { numRuns: 3000 },
    );
  });

  it('no policy means deny', () => {
    fc.assert(
      fc.property(contextArb, lookupsArb, (context, lookups) => {
        expect(evaluateAccess([], context, lookups)).toEqual({ allowed: false, reasons: ['no-policy'] });
      }),
    );
  });

  it('exclude always wins within a policy: a policy with a matching exclude never decides', () => {
    fc.assert(
      fc.property(policiesArb(decisionArb, 1), fc.nat(), fc.oneof(ruleArb, fc.constant<AccessRule>({ everyone: {} })), contextArb, lookupsArb, (policies, pick, rule, context, lookups) => {
        const single = evaluateAccess([policy('probe', 'allow', { include: [rule] })], context, lookups);
        fc.pre(single.allowed);
        const target = policies[pick % policies.length]!;
        const changed = policies.map((p) => (p === target ? { ...p, exclude: [...p.exclude, rule] } : p));
        expect(evaluateAccess(changed, context, lookups).policyId).not.toBe(target.id);
      }),
    );
  });

  it('adding an include rule to a policy never removes the access it granted', () => {
    fc.assert(
      fc.property(policiesArb(decisionArb, 1), fc.nat(), ruleArb, fc.nat(), contextArb, lookupsArb, (policies, pick, rule, at, context, lookups) => {
        const before = evaluateAccess(policies, context, lookups);
        const target = policies[pick % policies.length]!;
        const include = [...target.include];
        include.splice(at % (include.length + 1), 0, rule);
        const after = evaluateAccess(
          policies.map((p) => (p === target ? { ...p, include } : p)),
          context,
          lookups,
        );
        if (before.allowed && before.policyId === target.id) expect(after).toMatchObject({ allowed: true, policyId: target.id, decision: target.decision });
        // More generally, a wider allowing policy never takes access away from anyone.
        if (before.allowed && ALLOWING.has(target.decision)) expect(after.allowed).toBe(true);
      }),
    );
  });

  it('is deterministic and does not modify its inputs', () => {
    fc.assert(
      fc.property(policiesArb(), contextArb, lookupsArb, (policies, context, lookups) => {
        const snapshot = structuredClone({ policies, context, lookups });
        const first = evaluateAccess(policies, context, lookups);
        const second = evaluateAccess(policies, context, lookups);
        expect(second).toEqual(first);
        expect({ policies, context, lookups }).toEqual(snapshot);
        // Equal inputs (not the same objects: no cache may change the answer) give equal outputs.
        expect(evaluateAccess(snapshot.policies, snapshot.context, snapshot.lookups)).toEqual(first);
      }),
    );
  });

  it('does not depend on the order the policies are given in', () => {
    fc.assert(
      fc.property(
        policiesArb().chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length }))),
        contextArb,
        lookupsArb,
        ([policies, shuffled], context, lookups) => {
          expect(evaluateAccess(shuffled, context, lookups)).toEqual(evaluateAccess(policies, context, lookups));
        },
      ),
    );
  });

  it("the result's policyId is one of the given policies or absent, and the result is consistent with it", () => {
    fc.assert(
      fc.property(policiesArb(), contextArb, lookupsArb, (policies, context, lookups) => {
        const result = evaluateAccess(policies, context, lookups);
        expect(result.reasons.length).toBeGreaterThan(0);
        if (result.policyId === undefined) {
          expect(result.allowed).toBe(false);
          expect(result.decision).toBeUndefined();
          expect(result.reasons.at(-1)).toBe(policies.length === 0 ? 'no-policy' : 'no-matching-policy');
          return;
        }
        const decided = policies.find((p) => p.id === result.policyId);
        expect(decided).toBeDefined();
        expect(result).toMatchObject({ decision: decided!.decision, policyName: decided!.name, allowed: ALLOWING.has(decided!.decision) });
        expect(result.sessionDuration).toBe(decided!.sessionDuration);
        expect(result.reasons).not.toContain('no-matching-policy');
      }),
    );
  });

  it('a deny-only policy set never allows', () => {
    fc.assert(
      fc.property(policiesArb(fc.constant<PolicyDecision>('deny')), contextArb, lookupsArb, (policies, context, lookups) => {
        expect(evaluateAccess(policies, context, lookups).allowed).toBe(false);
      }),
    );
  });

  it('bypass and non_identity policies are decided before any allow or deny', () => {
    fc.assert(
      fc.property(policiesArb(), contextArb, lookupsArb, (policies, context, lookups) => {
        const early = policies.filter((p) => p.decision === 'bypass' || p.decision === 'non_identity');
        const earlyResult = evaluateAccess(early, context, lookups);
        // If one of them matches on its own, it decides the whole set too.
        if (earlyResult.policyId !== undefined) expect(evaluateAccess(policies, context, lookups).policyId).toBe(earlyResult.policyId);
      }),
    );
  });
});

function policy(id: string, decision: PolicyDecision, rules: Partial<Pick<AccessPolicy, 'include' | 'require' | 'exclude'>>): AccessPolicy {
  const at = new Date(t0);
  return { id, appId: 'a', name: id, decision, precedence: 0, include: [], require: [], exclude: [], ...rules, createdAt: at, updatedAt: at };
}
