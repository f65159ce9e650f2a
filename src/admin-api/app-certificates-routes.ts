import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { AppRecord } from '../apps/app-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { generateSigningCertificate } from '../keys/generate-signing-certificate.js';
import { uuid } from '../lib/random.js';
import { loadApp } from './apps-routes.js';
import { certificateMessages, serializeCertificate } from './certificate-serializer.js';
import { success } from './envelope.js';
import { notFound } from './route-params.js';
import { validateBody } from './validate.js';

/** Body of POST …/saml_certificates (a Gatehouse extension; everything optional). */
const createBody = z
  .object({
    /** Validity of the new certificate in days (default 3650, as for the app's first certificate). */
    validity_days: z.number().int().min(1).max(36_500).optional(),
  })
  .strict();

/**
 * SAML signing certificate rollover for one SaaS app (Gatehouse extension under Cloudflare's app path):
 *   GET    /accounts/{account_id}/access/apps/{id}/saml_certificates                 list, active first
 *   POST   /accounts/{account_id}/access/apps/{id}/saml_certificates                 1. create a pending certificate
 *   POST   /accounts/{account_id}/access/apps/{id}/saml_certificates/{cid}/activate  2. switch: it signs from now on,
 *                                                                                   the old active one is retired
 *   DELETE /accounts/{account_id}/access/apps/{id}/saml_certificates/{cid}           3. remove a retired (or pending) one
 * Every change goes through Store.changeConfig: the SSO path of every instance reads signing keys through the
 * configuration-versioned AppDirectory, so all of them sign with the new key within a second of the switch.
 * The envelope's `messages` carry the 30-day expiry warnings.
 */
export function registerAppCertificateRoutes(api: FastifyInstance, ctx: AppContext): void {
  const base = '/accounts/:account_id/access/apps/:id/saml_certificates';
  const answer = async (app: AppRecord, result: (certs: Awaited<ReturnType<typeof ctx.store.apps.certificates>>, now: Date) => unknown) => {
    const certs = await ctx.store.apps.certificates(app.id);
    const now = ctx.clock.now();
    return success(result(certs, now), undefined, certificateMessages(app, certs, now));
  };

  api.get<{ Params: { id: string } }>(base, async (req) => {
    const app = await loadApp(ctx, req.params.id);
    return answer(app, (certs, now) => certs.map((c) => serializeCertificate(c, now)));
  });

  api.post<{ Params: { id: string } }>(base, async (req) => {
    const app = await loadApp(ctx, req.params.id);
    const body = validateBody(createBody, req.body ?? {});
    const now = ctx.clock.now();
    const conflict = () =>
      new GatehouseError('API_CONFLICT', { detail: `application ${app.id} already has a pending certificate`, hint: 'activate or remove the pending certificate first' });
    if ((await ctx.store.apps.certificates(app.id)).some((c) => c.status === 'pending')) throw conflict();
    // Key generation is slow: before the transaction, as when the app is created.
    const cert = await generateSigningCertificate({ commonName: `Gatehouse SAML ${app.name}`.slice(0, 64), now, ...(body.validity_days ? { validDays: body.validity_days } : {}) });
    const id = uuid();
    try {
      await ctx.store.changeConfig(async (tx) => {
        if (!(await tx.apps.get(app.id))) throw notFound('application', app.id);
        // A pending key never signs: it is only published in the metadata until an administrator activates it.
        await tx.apps.insertSigningKey({ id, appId: app.id, privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem, notAfter: cert.notAfter, createdAt: now, status: 'pending' });
      });
    } catch (e) {
      // Another request (maybe on another instance) created one in between: the unique index refused this one.
      if (!(e instanceof GatehouseError) && (await ctx.store.apps.certificates(app.id)).some((c) => c.status === 'pending' && c.id !== id)) throw conflict();
      throw e;
    }
    return answer(app, (certs, at) => serializeCertificate(certs.find((c) => c.id === id)!, at));
  });

  api.post<{ Params: { id: string; cert_id: string } }>(`${base}/:cert_id/activate`, async (req) => {
    const app = await loadApp(ctx, req.params.id);
    const certId = req.params.cert_id;
    const now = ctx.clock.now();
    await ctx.store.changeConfig(async (tx) => {
      const target = (await tx.apps.certificates(app.id)).find((c) => c.id === certId);
      if (!target) throw notFound('SAML certificate', certId);
      if (target.status === 'active') return;
      // Fail closed: a certificate that has expired would make service providers that check validity refuse every
      // response at once; keeping the old key signing is the safer state.
      if (target.notAfter.getTime() <= now.getTime()) {
        throw new GatehouseError('API_VALIDATION', { detail: `certificate ${certId} expired on ${target.notAfter.toISOString()}`, fields: [{ pointer: '', message: 'the certificate has expired; create a new one' }] });
      }
      // The old active key is retired first (one active key per app is a unique index), then the target activated
      // with a conditional update. If a concurrent switch got there first, the conflict rolls both back.
      await tx.apps.retireActiveSigningKey(app.id, now);
      if (!(await tx.apps.activateSigningKey(app.id, certId, now))) {
        throw new GatehouseError('API_CONFLICT', { detail: `certificate ${certId} changed while it was being activated`, hint: 'read the certificates again and retry' });
      }
    });
    ctx.logger.info({ event: 'app.certificate_activated', app_id: app.id, certificate_id: certId }, 'SAML signing certificate activated');
    return answer(app, (certs, at) => serializeCertificate(certs.find((c) => c.id === certId)!, at));
  });

  api.delete<{ Params: { id: string; cert_id: string } }>(`${base}/:cert_id`, async (req) => {
    const app = await loadApp(ctx, req.params.id);
    const certId = req.params.cert_id;
    await ctx.store.changeConfig(async (tx) => {
      const target = (await tx.apps.certificates(app.id)).find((c) => c.id === certId);
      if (!target) throw notFound('SAML certificate', certId);
      // The active key is never removed: an app without one could not sign, and SPs would lose their trusted cert.
      if (target.status === 'active' || !(await tx.apps.removeSigningKey(app.id, certId))) {
        throw new GatehouseError('API_CONFLICT', { detail: `certificate ${certId} is the active certificate`, hint: 'activate another certificate first' });
      }
    });
    ctx.logger.info({ event: 'app.certificate_removed', app_id: app.id, certificate_id: certId }, 'SAML signing certificate removed');
    return answer(app, () => ({ id: certId }));
  });
}
