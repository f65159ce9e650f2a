import type { AccessGroup } from '../policy/policy-types.js';

export function serializeGroup(g: AccessGroup): Record<string, unknown> {
  return {
    id: g.id,
    uid: g.id,
    name: g.name,
    include: g.include,
    exclude: g.exclude,
    require: g.require,
    is_default: g.isDefault,
    created_at: g.createdAt.toISOString(),
    updated_at: g.updatedAt.toISOString(),
  };
}
