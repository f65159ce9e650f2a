import type { AccessPolicy } from '../policy/policy-types.js';
import type { PolicyBody } from './policy-schema.js';

export function toPolicy(body: PolicyBody, meta: Pick<AccessPolicy, 'id' | 'appId' | 'precedence' | 'createdAt' | 'updatedAt'>): AccessPolicy {
  return {
    ...meta,
    name: body.name,
    decision: body.decision,
    include: body.include,
    exclude: body.exclude,
    require: body.require,
    ...(body.session_duration ? { sessionDuration: body.session_duration } : {}),
  };
}
