import { z } from 'zod';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { ResultInfo } from './envelope.js';

const query = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  per_page: z.coerce.number().int().min(1).max(1000).default(25),
});

export interface PageRequest {
  page: number;
  perPage: number;
  offset: number;
}

export function pageRequest(raw: unknown): PageRequest {
  const parsed = query.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new GatehouseError('API_VALIDATION', {
      fields: parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, message: i.message })),
    });
  }
  const { page, per_page } = parsed.data;
  return { page, perPage: per_page, offset: (page - 1) * per_page };
}

/**
 * result_info for one page. A page past the end is an empty page with correct totals: Cloudflare's SDK stops
 * auto-pagination only on an empty page, so returning the last page again would loop forever.
 */
export function resultInfo(req: PageRequest, count: number, total: number): ResultInfo {
  return { page: req.page, per_page: req.perPage, count, total_count: total, total_pages: Math.ceil(total / req.perPage) };
}
