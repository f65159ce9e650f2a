import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { EMAIL } from '../identity/email.js';
import { parseDuration } from '../lib/duration.js';
import { type Organization, readOrganization, writeOrganization } from '../settings/organization.js';
import { success } from './envelope.js';
import { urlField } from './url-field.js';
import { validateBody } from './validate.js';

const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const MAX_SESSION_MS = 730 * 3600_000;

export const organizationBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    auth_domain: z.string().optional(),
    session_duration: z
      .string()
      .refine((v) => {
        const ms = parseDuration(v);
        return ms !== undefined && ms >= 60_000 && ms <= MAX_SESSION_MS;
      }, 'must be a duration between 1m and 730h, such as "24h"')
      .optional(),
    auto_redirect_to_identity: z.boolean().optional(),
    login_design: z
      .object({
        background_color: z.string().regex(COLOR, 'must be a colour such as #1a2b3c').optional(),
        text_color: z.string().regex(COLOR, 'must be a colour such as #ffffff').optional(),
        logo_path: urlField().optional(),
        header_text: z.string().max(200).optional(),
        footer_text: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    // Cloudflare fields Gatehouse accepts and does not use.
    is_ui_read_only: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();

/**
 * /accounts/{account_id}/access/organizations: Cloudflare's Zero Trust organization (team name, auth domain,
 * global session duration, login page design). GET answers the object; POST and PUT update the fields given.
 * The auth domain is GATEHOUSE_URL's host and cannot be changed here.
 */
export function registerOrganizationRoutes(api: FastifyInstance, ctx: AppContext): void {
  const path = '/accounts/:account_id/access/organizations';
  api.get(path, async () => success(serializeOrganization(await readOrganization(ctx.store), ctx)));
  const update = async (body: unknown) => {
    const b = validateBody(organizationBody, body ?? {});
    if (b.auth_domain !== undefined && b.auth_domain !== ctx.urls.authDomain) {
      validateBody(z.object({ auth_domain: z.literal(ctx.urls.authDomain, `is ${ctx.urls.authDomain} (from GATEHOUSE_URL) and cannot be changed here`) }), { auth_domain: b.auth_domain });
    }
    const current = await readOrganization(ctx.store);
    const d = b.login_design;
    const next: Organization = {
      name: b.name ?? current.name,
      sessionDuration: b.session_duration ?? current.sessionDuration,
      autoRedirectToIdentity: b.auto_redirect_to_identity ?? current.autoRedirectToIdentity,
      loginDesign: d
        ? {
            ...(d.background_color ? { backgroundColor: d.background_color } : {}),
            ...(d.text_color ? { textColor: d.text_color } : {}),
            ...(d.logo_path ? { logoPath: d.logo_path } : {}),
            ...(d.header_text ? { headerText: d.header_text } : {}),
            ...(d.footer_text ? { footerText: d.footer_text } : {}),
          }
        : current.loginDesign,
      updatedAt: ctx.clock.now(),
    };
    await writeOrganization(ctx.store, next);
    return success(serializeOrganization(next, ctx));
  };
  api.put(path, async (req) => update(req.body));
  api.post(path, async (req) => update(req.body));

  // Cloudflare's "Revoke existing sessions" for one user: every live session of that email ends on every instance
  // (sessions are checked against the store on each use); the user can sign in again through policy as usual.
  api.post(`${path}/revoke_user`, async (req) => {
    const b = validateBody(revokeUserBody, req.body ?? {});
    const revoked = await ctx.store.identities.deleteForEmail(b.email);
    ctx.logger.info({ event: 'sessions.revoked', email: b.email, sessions: revoked, ray_id: req.id }, 'sessions revoked for a user');
    return success(true);
  });
}

const revokeUserBody = z
  .object({
    email: z.string().regex(EMAIL, 'must be an email address'),
    // Cloudflare options about WARP devices; Gatehouse has no device sessions, so they change nothing.
    devices: z.boolean().optional(),
    user_uid: z.string().optional(),
    warp_session_reauth: z.boolean().optional(),
  })
  .strict();

export function serializeOrganization(org: Organization, ctx: Pick<AppContext, 'urls'>): Record<string, unknown> {
  const d = org.loginDesign;
  return {
    name: org.name,
    auth_domain: ctx.urls.authDomain,
    session_duration: org.sessionDuration,
    auto_redirect_to_identity: org.autoRedirectToIdentity,
    login_design: {
      ...(d.backgroundColor ? { background_color: d.backgroundColor } : {}),
      ...(d.textColor ? { text_color: d.textColor } : {}),
      ...(d.logoPath ? { logo_path: d.logoPath } : {}),
      ...(d.headerText ? { header_text: d.headerText } : {}),
      ...(d.footerText ? { footer_text: d.footerText } : {}),
    },
    ...(org.updatedAt ? { updated_at: org.updatedAt.toISOString() } : {}),
  };
}
