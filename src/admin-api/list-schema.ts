import { isIP } from 'node:net';
import { z } from 'zod';
import type { FieldProblem } from '../errors/gatehouse-error.js';
import type { AccessList } from '../policy/policy-types.js';

/** The list types Cloudflare's /gateway/lists knows; Gatehouse evaluates the two that Access rules reference. */
const CLOUDFLARE_TYPES = ['SERIAL', 'URL', 'DOMAIN', 'EMAIL', 'IP', 'CATEGORY', 'LOCATION', 'DEVICE', 'AAGUID'];
const SUPPORTED_TYPES = ['EMAIL', 'IP'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
export const MAX_LIST_ITEMS = 5000;

const listType = z.string().superRefine((t, ctx) => {
  if ((SUPPORTED_TYPES as readonly string[]).includes(t)) return;
  ctx.addIssue({
    code: 'custom',
    message: CLOUDFLARE_TYPES.includes(t)
      ? `list type ${t} is not supported: Gatehouse supports ${SUPPORTED_TYPES.join(' and ')} lists (the ones Access rules use)`
      : `must be one of ${SUPPORTED_TYPES.join(', ')}`,
  });
}) as unknown as z.ZodType<AccessList['type']>;

const listItem = z
  .object({
    value: z.string().min(1).max(254),
    description: z.string().max(500).optional(),
    // read-only output
    created_at: z.unknown().optional(),
  })
  .strict();

/**
 * A list as the API accepts it (create and PUT). `type` is required on create and cannot change afterwards; PUT
 * without `items` keeps the items (Cloudflare's behaviour). Read-only fields of a GET result are ignored.
 */
export const listBody = z
  .object({
    name: z.string().min(1).max(350),
    type: listType.optional(),
    description: z.string().max(500).optional(),
    items: z.array(listItem).max(MAX_LIST_ITEMS).optional(),
    // read-only outputs
    id: z.unknown().optional(),
    count: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

export type ListBody = z.infer<typeof listBody>;

export const listListQuery = z.object({
  type: listType.optional(),
  search: z.string().max(350).optional(),
});

/**
 * Checks and normalises item values for the list's type: emails lower-cased (rules compare lower-case), IP
 * addresses and CIDRs as node:net parses them. A value may appear once.
 */
export function normalizeListItems(type: AccessList['type'], items: NonNullable<ListBody['items']>): { items: Array<{ value: string; description?: string }>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  const out: Array<{ value: string; description?: string }> = [];
  for (const [i, item] of items.entries()) {
    const value = type === 'EMAIL' ? item.value.trim().toLowerCase() : item.value.trim();
    const problem = type === 'EMAIL' ? (EMAIL.test(value) ? undefined : 'must be an email address') : ipProblem(value);
    if (problem) {
      problems.push({ pointer: `/items/${i}/value`, message: problem });
      continue;
    }
    const first = seen.get(value);
    if (first !== undefined) problems.push({ pointer: `/items/${i}/value`, message: `"${value}" is already at index ${first}` });
    seen.set(value, i);
    out.push({ value, ...(item.description ? { description: item.description } : {}) });
  }
  return { items: out, problems };
}

function ipProblem(value: string): string | undefined {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return 'must be an IPv4 or IPv6 address or CIDR range, such as 192.0.2.0/24';
  if (slash === -1) return undefined;
  const prefix = value.slice(slash + 1);
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `the prefix length must be 0 to ${max}`;
  return undefined;
}
