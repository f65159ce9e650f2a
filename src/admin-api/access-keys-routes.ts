import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { MAX_ROTATION_INTERVAL_DAYS, MIN_ROTATION_INTERVAL_DAYS } from '../session/session-key-schedule.js';
import { SessionKeyRotation } from '../session/session-key-rotation.js';
import { success } from './envelope.js';
import { validateBody } from './validate.js';

const putBody = z.object({ key_rotation_interval_days: z.number().int().min(MIN_ROTATION_INTERVAL_DAYS).max(MAX_ROTATION_INTERVAL_DAYS) }).strict();

/**
 * Cloudflare's Access key configuration, for the CF_Authorization session signing keys:
 *   GET  /accounts/{account_id}/access/keys          {key_rotation_interval_days, days_until_next_rotation, last_key_rotation_at}
 *   PUT  /accounts/{account_id}/access/keys          {key_rotation_interval_days: 21..365} → the same shape
 *   POST /accounts/{account_id}/access/keys/rotate   → the same shape
 * Gatehouse adds `next_key_rotation_at`. A rotation makes the already published next key current within minutes
 * (session-key-rotation.ts says why not at once); the old key keeps verifying for 7 days, as at Cloudflare.
 */
export function registerAccessKeyRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/keys';
  const rotation = new SessionKeyRotation(ctx.store, ctx.clock);

  api.get(base, async () => success(await rotation.status()));

  api.put(base, async (req) => {
    const body = validateBody(putBody, req.body);
    const result = await rotation.setInterval(body.key_rotation_interval_days);
    ctx.logger.info({ event: 'session_keys.interval_set', days: body.key_rotation_interval_days }, 'session key rotation interval set');
    return success(result);
  });

  api.post(`${base}/rotate`, async () => {
    const result = await rotation.rotateNow();
    ctx.logger.info({ event: 'session_keys.rotation_requested', at: result.next_key_rotation_at }, 'session key rotation requested');
    return success(result);
  });
}
