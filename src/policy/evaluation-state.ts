import { type IpAddress, parseIpAddress } from './ip-ranges.js';
import type { MatchResult } from './match-result.js';
import type { EvaluationContext, PolicyLookups } from './policy-types.js';

/**
 * Per-call scratch state of one evaluateAccess call: context facts normalized once (lazily, only if a rule needs
 * them), the Access group path for cycle detection, the results of groups already evaluated, and the reason of the
 * last rule matched. Never shared between calls.
 */
export class EvaluationState {
  /** Set by matchRule / matchRuleSet: the reason for the result they just returned. */
  reason = '';
  /** Ids of the Access groups being evaluated, outermost first. */
  readonly groupPath: string[] = [];
  /** Definite (MATCH / NO_MATCH) results of groups already evaluated in this call. */
  groupResults: Map<string, MatchResult> | undefined;
  /** Results of IP lists already scanned in this call (the client address does not change within a call). */
  listResults: Map<string, MatchResult> | undefined;
  /** The reason of an IP list that was indeterminate. */
  listReasons: Map<string, string> | undefined;
  #email: string | undefined;
  #domain: string | null | undefined;
  #country: string | null | undefined;
  #ip: IpAddress | null | undefined;
  #groupSet: ReadonlySet<string> | undefined;
  #claimSets: Map<string, ReadonlySet<string> | undefined> | undefined;

  constructor(
    readonly context: EvaluationContext,
    readonly lookups: PolicyLookups,
  ) {}

  /** The identity's email, lower-cased (identities are lower-cased already; this costs nothing when they are). */
  get email(): string {
    return (this.#email ??= this.context.email.toLowerCase());
  }

  /** Everything after the last '@'; null when the email has none (then no email_domain rule matches). */
  get emailDomain(): string | null {
    if (this.#domain === undefined) {
      const at = this.email.lastIndexOf('@');
      this.#domain = at === -1 ? null : this.email.slice(at + 1);
    }
    return this.#domain;
  }

  get country(): string | null {
    if (this.#country === undefined) this.#country = this.context.country ? this.context.country.toUpperCase() : null;
    return this.#country;
  }

  /** The client address, parsed once; null when absent or unparseable (then no ip rule matches). */
  get ip(): IpAddress | null {
    if (this.#ip === undefined) this.#ip = (this.context.ip ? parseIpAddress(this.context.ip) : undefined) ?? null;
    return this.#ip;
  }

  /** The identity's groups as a set, built on first use. */
  get groupSet(): ReadonlySet<string> {
    return (this.#groupSet ??= new Set(this.context.groups));
  }

  /** The values of one claim (own keys only: "__proto__" is just a name) as a set, built on first use. */
  claimValues(name: string): ReadonlySet<string> | undefined {
    this.#claimSets ??= new Map();
    if (this.#claimSets.has(name)) return this.#claimSets.get(name);
    const claims = this.context.claims;
    const values = claims && Object.hasOwn(claims, name) ? new Set(claims[name]) : undefined;
    this.#claimSets.set(name, values);
    return values;
  }
}
