/**
 * The outcome of a rule, a rule set (policy or Access group) or a policy, in three values (Kleene logic):
 * INDETERMINATE is a rule Gatehouse cannot evaluate — a missing group or list, a group cycle, an unknown rule kind,
 * a malformed stored value. Only a corrupted store produces one (the API refuses them), and the engine then decides
 * as if the rule had gone whichever way is worse for the user: an indeterminate exclude excludes, an indeterminate
 * allow policy does not allow, an indeterminate deny policy denies (see evaluateAccess). Plain "no match" would be
 * fail-open for excludes and for deny policies.
 */
export const NO_MATCH = 0;
export const MATCH = 1;
export const INDETERMINATE = 2;
export type MatchResult = typeof NO_MATCH | typeof MATCH | typeof INDETERMINATE;
