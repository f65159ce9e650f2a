import type { AccessList } from '../policy/policy-types.js';

export function serializeListItem(i: AccessList['items'][number]): Record<string, unknown> {
  return { value: i.value, ...(i.description ? { description: i.description } : {}), created_at: i.createdAt.toISOString() };
}

/** A list; the collection view leaves out the items (`count` says how many; `/items` pages through them). */
export function serializeList(l: AccessList, options: { items: boolean } = { items: true }): Record<string, unknown> {
  return {
    id: l.id,
    name: l.name,
    type: l.type,
    ...(l.description ? { description: l.description } : {}),
    count: l.items.length,
    ...(options.items ? { items: l.items.map(serializeListItem) } : {}),
    created_at: l.createdAt.toISOString(),
    updated_at: l.updatedAt.toISOString(),
  };
}
