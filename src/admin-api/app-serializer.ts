import type { AppCertificate, AppRecord } from '../apps/app-record.js';
import type { PublicUrls } from '../http/public-urls.js';
import { certificateBase64 } from '../keys/certificate-info.js';
import type { AccessPolicy } from '../policy/policy-types.js';
import { serializeCertificate } from './certificate-serializer.js';
import { serializePolicy } from './policy-serializer.js';

/**
 * The API shape of a SaaS app. public_key is the active certificate (base64 DER, as Cloudflare shows it); never the
 * key. `saml_certificates` (read-only, a Gatehouse extension) lists every published certificate of a rollover with
 * its status and expiry. `policies` are full policy objects, app-scoped and linked reusable ones alike, in precedence order.
 */
export function serializeApp(
  app: AppRecord,
  /** The app's certificates; or (config bundles) just the active certificate's PEM, then without saml_certificates. */
  certificates: AppCertificate[] | string | undefined,
  policies: AccessPolicy[],
  urls: PublicUrls,
  now?: Date,
): Record<string, unknown> {
  const s = app.saasApp;
  const list = Array.isArray(certificates) ? certificates : undefined;
  const activePem = list ? list.find((c) => c.status === 'active')?.certificatePem : certificates;
  return {
    id: app.id,
    uid: app.id,
    aud: app.aud,
    type: app.type,
    name: app.name,
    domain: urls.appDomain(app.aud),
    allowed_idps: app.allowedIdps,
    auto_redirect_to_identity: app.autoRedirectToIdentity,
    app_launcher_visible: app.appLauncherVisible,
    ...(app.logoUrl ? { logo_url: app.logoUrl } : {}),
    session_duration: app.sessionDuration,
    policies: policies.map((p) => serializePolicy(p)),
    saas_app: {
      auth_type: 'saml',
      sp_entity_id: s.spEntityId,
      consumer_service_url: s.consumerServiceUrl,
      name_id_format: s.nameIdFormat,
      custom_attributes: s.customAttributes.map((a) => ({
        name: a.name,
        ...(a.nameFormat ? { name_format: a.nameFormat } : {}),
        ...(a.friendlyName ? { friendly_name: a.friendlyName } : {}),
        required: a.required,
        source: { name: a.source.name, name_by_idp: a.source.nameByIdp.map((o) => ({ idp_id: o.idpId, source_name: o.sourceName })) },
      })),
      ...(s.defaultRelayState !== undefined ? { default_relay_state: s.defaultRelayState } : {}),
      idp_entity_id: urls.ssoEndpoint(app.aud),
      sso_endpoint: urls.ssoEndpoint(app.aud),
      public_key: typeof activePem === 'string' && activePem !== '' ? certificateBase64(activePem) : '',
      ...(list && now ? { saml_certificates: list.map((c) => serializeCertificate(c, now)) } : {}),
      created_at: app.createdAt.toISOString(),
      updated_at: app.updatedAt.toISOString(),
    },
    created_at: app.createdAt.toISOString(),
    updated_at: app.updatedAt.toISOString(),
  };
}
