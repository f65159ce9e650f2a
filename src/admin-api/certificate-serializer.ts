import { X509Certificate } from 'node:crypto';
import type { AppCertificate, AppRecord } from '../apps/app-record.js';
import { certificateBase64, sha256Fingerprint } from '../keys/certificate-info.js';
import type { ApiMessage } from './envelope.js';

/** A certificate that signs (or is about to) and expires within this many days is flagged, in the API and the dashboard. */
export const EXPIRY_WARNING_DAYS = 30;
/** The envelope message code of an expiry warning (Cloudflare's codes are >= 1000; this one is Gatehouse's). */
export const EXPIRY_WARNING_CODE = 12101;
const DAY_MS = 86_400_000;

/** One entry of `saas_app.saml_certificates` (read-only): the certificate, never its key. */
export function serializeCertificate(c: AppCertificate, now: Date): Record<string, unknown> {
  const daysLeft = Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS);
  return {
    id: c.id,
    status: c.status,
    public_key: certificateBase64(c.certificatePem),
    sha256_fingerprint: sha256Fingerprint(c.certificatePem),
    not_before: new Date(new X509Certificate(c.certificatePem).validFrom).toISOString(),
    not_after: c.notAfter.toISOString(),
    // Cloudflare's certificate objects (mTLS) name the end `expires_on`; both are given.
    expires_on: c.notAfter.toISOString(),
    days_until_expiry: daysLeft,
    expiry_warning: expiryWarning(c, now),
    created_at: c.createdAt.toISOString(),
    ...(c.activatedAt ? { activated_at: c.activatedAt.toISOString() } : {}),
    ...(c.retiredAt ? { retired_at: c.retiredAt.toISOString() } : {}),
  };
}

/** Only certificates that sign or are meant to sign are flagged: a retired one expiring is harmless. */
export function expiryWarning(c: AppCertificate, now: Date): boolean {
  return c.status !== 'retired' && c.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS;
}

/** The envelope `messages` for an app's certificates: one per flagged certificate, saying what to do. */
export function certificateMessages(app: Pick<AppRecord, 'name'>, certificates: AppCertificate[], now: Date): ApiMessage[] {
  return certificates
    .filter((c) => expiryWarning(c, now))
    .map((c) => {
      const expired = c.notAfter.getTime() <= now.getTime();
      const when = `${expired ? 'expired' : 'expires'} on ${c.notAfter.toISOString()}`;
      const todo =
        c.status === 'active'
          ? 'create a new certificate, give the service provider the metadata, then activate the new certificate'
          : 'this pending certificate is not worth activating; remove it and create a new one';
      return { code: EXPIRY_WARNING_CODE, message: `The ${c.status} SAML signing certificate ${c.id} of ${app.name} ${when}: ${todo}.` };
    });
}
