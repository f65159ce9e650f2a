import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { AccessLogEntry } from '../logs/access-log.js';
import { success } from './envelope.js';
import { validateBody } from './validate.js';

const rfc3339 = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), 'must be an RFC 3339 time such as 2026-01-01T00:00:00Z');

const querySchema = z
  .object({
    since: rfc3339.optional(),
    until: rfc3339.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    direction: z.enum(['asc', 'desc']).default('desc'),
    email: z.string().min(1).max(254).optional(),
    email_exact: z.enum(['true', 'false']).optional(),
    emailOp: z.enum(['eq', 'contains']).optional(),
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    per_page: z.coerce.number().int().min(1).max(1000).optional(),
  })
  // Cloudflare's other filters (`fields`, `<field>Op`, …) are accepted and not applied.
  .passthrough();

/**
 * GET /accounts/{account_id}/access/logs/access_requests — Cloudflare's authentication log, with its filters
 * (since, until, limit, direction, email); every entry also carries the policy that decided and its reasons.
 */
export function registerAccessLogRoutes(api: FastifyInstance, ctx: AppContext): void {
  api.get('/accounts/:account_id/access/logs/access_requests', async (req) => {
    const q = validateBody(querySchema, req.query ?? {});
    const perPage = q.per_page ?? q.limit ?? 25;
    const entries = await ctx.store.accessLogs.query({
      ...(q.since ? { since: new Date(q.since) } : {}),
      ...(q.until ? { until: new Date(q.until) } : {}),
      ...(q.email ? { email: { value: q.email, exact: q.email_exact === 'true' || q.emailOp === 'eq' } } : {}),
      direction: q.direction,
      limit: perPage,
      offset: (q.page - 1) * perPage,
    });
    // Cloudflare answers a plain array (its SDK's list() is not paginated); `page`/`per_page` still page through.
    return success(entries.map(serializeAccessLog));
  });
}

export function serializeAccessLog(e: AccessLogEntry): Record<string, unknown> {
  return {
    user_email: e.userEmail,
    ip_address: e.ipAddress,
    app_uid: e.appUid ?? '',
    app_domain: e.appDomain ?? '',
    action: e.action,
    connection: e.connection ?? '',
    allowed: e.allowed,
    created_at: e.createdAt.toISOString(),
    ray_id: e.rayId,
    // Gatehouse's additions: what decided, and why.
    app_name: e.appName ?? '',
    country: e.country ?? '',
    idp_id: e.idpId ?? '',
    policy_id: e.policyId ?? null,
    policy_name: e.policyName ?? null,
    decision: e.decision ?? null,
    reasons: e.reasons,
    error_code: e.errorCode ?? null,
  };
}
