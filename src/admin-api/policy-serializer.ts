import type { AccessPolicy } from '../policy/policy-types.js';

/**
 * A policy as an app sees it (`/apps/{id}/policies`, an app's `policies`): app-scoped or reusable, with its
 * precedence in that app (for a reusable policy, the precedence of the app's link).
 */
export function serializePolicy(p: AccessPolicy): Record<string, unknown> {
  return {
    ...common(p),
    precedence: p.precedence,
    reusable: p.appId === null,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** A reusable policy at `/access/policies`: no precedence of its own (each app's link has one), plus app_count. */
export function serializeReusablePolicy(p: AccessPolicy, appCount: number): Record<string, unknown> {
  return {
    ...common(p),
    reusable: true,
    app_count: appCount,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

function common(p: AccessPolicy) {
  return {
    id: p.id,
    uid: p.id,
    name: p.name,
    decision: p.decision,
    include: p.include,
    exclude: p.exclude,
    require: p.require,
    ...(p.sessionDuration ? { session_duration: p.sessionDuration } : {}),
  };
}
