import { describe, expect, it } from 'vitest';
import { evaluateAccess } from './evaluate-access.js';
import type { AccessPolicy, AccessRule } from './policy-types.js';

const t0 = new Date('2026-01-01T00:00:00Z');
function policy(id: string, decision: 'allow' | 'deny', precedence: number, rules: Partial<Record<'include' | 'exclude' | 'require', AccessRule[]>>): AccessPolicy {
  return { id, appId: 'a', name: id, decision, precedence, include: rules.include ?? [], exclude: rules.exclude ?? [], require: rules.require ?? [], createdAt: t0, updatedAt: t0 };
}
const alice = { email: 'alice@example.com', idpId: 'i', groups: [] };
const mallory = { email: 'mallory@evil-example.com', idpId: 'i', groups: [] };

describe('evaluateAccess', () => {
  it('denies when there is no policy, and says so', () => {
    expect(evaluateAccess([], alice)).toEqual({ allowed: false, reasons: ['no-policy'] });
  });

  it('allows through an email_domain include with the matching policy and reason', () => {
    const r = evaluateAccess([policy('p1', 'allow', 1, { include: [{ email_domain: { domain: 'example.com' } }] })], alice);
    expect(r).toMatchObject({ allowed: true, decision: 'allow', policyId: 'p1', reasons: ['email_domain-ok'] });
  });

  it('does not let a look-alike domain match', () => {
    const r = evaluateAccess([policy('p1', 'allow', 1, { include: [{ email_domain: { domain: 'example.com' } }] })], mallory);
    expect(r.allowed).toBe(false);
    expect(r.reasons).toContain('email_domain-unauthorized');
    expect(r.reasons).toContain('no-matching-policy');
  });

  it('matches emails case-insensitively on the rule side (identities are lower-cased)', () => {
    expect(evaluateAccess([policy('p', 'allow', 1, { include: [{ email: { email: 'Alice@Example.com' } }] })], alice).allowed).toBe(true);
  });

  it('include is any, require is all, exclude is none', () => {
    const p = policy('p', 'allow', 1, {
      include: [{ email: { email: 'nobody@example.com' } }, { everyone: {} }],
      require: [{ email_domain: { domain: 'example.com' } }],
      exclude: [{ email: { email: 'alice@example.com' } }],
    });
    expect(evaluateAccess([p], { ...alice, email: 'bob@example.com' }).allowed).toBe(true);
    const denied = evaluateAccess([p], alice);
    expect(denied.allowed).toBe(false);
    expect(denied.reasons).toContain('excluded-email-ok');
    expect(evaluateAccess([p], mallory).allowed).toBe(false);
  });

  it('a policy with no include matches no one', () => {
    expect(evaluateAccess([policy('p', 'allow', 1, { require: [{ everyone: {} }] })], alice).allowed).toBe(false);
  });

  it('first match by precedence wins: a deny ahead of an allow blocks', () => {
    const deny = policy('deny', 'deny', 1, { include: [{ email: { email: 'alice@example.com' } }] });
    const allow = policy('allow', 'allow', 2, { include: [{ everyone: {} }] });
    expect(evaluateAccess([allow, deny], alice)).toMatchObject({ allowed: false, decision: 'deny', policyId: 'deny' });
    expect(evaluateAccess([allow, deny], { ...alice, email: 'bob@example.com' })).toMatchObject({ allowed: true, policyId: 'allow' });
  });

  it('an unknown rule kind fails closed', () => {
    const p = policy('p', 'allow', 1, { include: [{ ip: { ip: '0.0.0.0/0' } } as unknown as AccessRule] });
    expect(evaluateAccess([p], alice).allowed).toBe(false);
  });
});
