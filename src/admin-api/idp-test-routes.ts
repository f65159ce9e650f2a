import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { IDP_TEST_TX, type IdpTestTicket, TEST_TICKET_TTL_MS } from '../flow/transactions.js';
import { randomToken } from '../lib/random.js';
import { success } from './envelope.js';
import { notFound } from './route-params.js';

/**
 * POST /accounts/{account_id}/access/identity_providers/{id}/test — Gatehouse's form of the dashboard's Test
 * button: a single-use link, valid for 5 minutes, that runs a real login against this one login method and shows
 * the identity or the precise failure. Only an admin token can mint it; the link itself signs nobody in.
 */
export function registerIdpTestRoutes(api: FastifyInstance, ctx: AppContext): void {
  api.post<{ Params: { id: string } }>('/accounts/:account_id/access/identity_providers/:id/test', async (req) => {
    const idp = await ctx.store.idps.get(req.params.id);
    if (!idp) throw notFound('identity provider', req.params.id);
    const { url, expiresAt } = await mintTestLink(ctx, idp.id);
    return success({ id: idp.id, url, expires_at: expiresAt.toISOString() });
  });
}

/** A single-use, 5-minute link that runs a Test of one login method (used by the API and the dashboard). */
export async function mintTestLink(ctx: AppContext, idpId: string): Promise<{ url: string; expiresAt: Date }> {
  const now = ctx.clock.now();
  const ticket = randomToken(32);
  const expiresAt = new Date(now.getTime() + TEST_TICKET_TTL_MS);
  await ctx.store.transactions.put<IdpTestTicket>({ id: ticket, kind: IDP_TEST_TX, payload: { idpId }, createdAt: now, expiresAt });
  return { url: `${ctx.urls.base}/cdn-cgi/access/test/${idpId}?ticket=${ticket}`, expiresAt };
}
