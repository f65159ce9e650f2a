import { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors/gatehouse-error.js';
import {
  type AppDetail,
  type AppFormChoices,
  type AppFormErrors,
  type AppFormField,
  type AppFormValues,
  type AppTemplate,
  type AppCertificateRow,
  type CertificateNotice,
  ATTRIBUTE_ROWS,
  appDetailPage,
  appFormPage,
  applicationsListPage,
  chooseTemplatePage,
  emptyAppForm,
} from '../web/dashboard/applications-pages.js';
import { childElements, parseUntrustedXml } from '../xml/parse-untrusted-xml.js';
import type { ApiAnswer } from './admin-api-client.js';
import type { DashboardKit } from './dashboard-routes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
/** Pasted SP metadata: AWS's is about 2 KiB; a signed one with several certificates stays far below this. */
const METADATA_MAX_BYTES = 128 * 1024;

/**
 * Access › Applications: the list, Add a SaaS application (Amazon AWS or generic SAML), the application's page with
 * the values the service provider needs (SSO endpoint, entity ID, metadata, certificate and fingerprints), the
 * certificate as a .crt download, and Delete. Every change goes through the admin API (kit.adminApi), so its
 * validation is the form's validation: errors come back as JSON pointers and are shown next to the fields.
 */
export function registerApplicationsRoutes(app: FastifyInstance, kit: DashboardKit): void {
  const { ctx, adminApi } = kit;

  app.get(
    '/dashboard/applications',
    kit.admin(async (req, reply, who) => {
      const apps = (await ctx.store.apps.list(0, 1000)).items;
      const deleted = (req.query as { deleted?: unknown } | undefined)?.deleted === '1';
      return kit.page(
        reply,
        applicationsListPage(
          kit.email(who),
          apps.map((a) => ({ id: a.id, name: a.name, type: a.type, ssoEndpoint: ctx.urls.ssoEndpoint(a.aud) })),
          deleted ? 'The application was deleted.' : undefined,
        ),
      );
    }),
  );

  app.get('/dashboard/applications/new', kit.admin(async (_req, reply, who) => kit.page(reply, chooseTemplatePage(kit.email(who)))));

  app.get(
    '/dashboard/applications/new/:template',
    kit.admin(async (req, reply, who) => {
      const template = templateOf((req.params as { template?: unknown }).template);
      if (!template) throw new GatehouseError('DASHBOARD_FORM_REFUSED', { detail: 'unknown application template' });
      return kit.page(reply, appFormPage({ email: kit.email(who), csrf: who.csrf, template, values: emptyAppForm(template), errors: {}, choices: await loadChoices(adminApi) }));
    }),
  );

  app.post(
    '/dashboard/applications',
    kit.admin(async (req, reply, who) => {
      const form = (req.body ?? {}) as Record<string, unknown>;
      const template = templateOf(form.template) ?? 'saml';
      const values = readForm(form);
      const errors: AppFormErrors = {};
      const attributeRows = fillFromMetadata(values, errors);
      const rerender = async () =>
        kit.page(reply, appFormPage({ email: kit.email(who), csrf: who.csrf, template, values, errors, choices: await loadChoices(adminApi) }), 400);

      const policies = buildPolicies(values, errors);
      if (Object.keys(errors).length > 0) return rerender();

      const body = {
        type: 'saas',
        name: values.name,
        allowed_idps: values.allowedIdps,
        auto_redirect_to_identity: values.autoRedirect,
        app_launcher_visible: true,
        saas_app: {
          auth_type: 'saml',
          sp_entity_id: values.spEntityId,
          consumer_service_url: values.consumerServiceUrl,
          name_id_format: values.nameIdFormat,
          custom_attributes: attributeRows.map((i) => ({ name: values.attributes[i]!.name, source: { name: values.attributes[i]!.source } })),
        },
        ...(policies.length > 0 ? { policies } : {}),
      };
      const answer = await adminApi.call('POST', '/access/apps', body);
      if (answer.status === 200 && answer.body.success) {
        const id = String(answer.body.result.id);
        ctx.logger.info({ event: 'dashboard.app_created', app_id: id, by: kit.email(who) }, 'application created in the dashboard');
        return reply.redirect(`/dashboard/applications/${id}?created=1`, 303);
      }
      if (answer.status >= 500) throw new GatehouseError('INTERNAL', { detail: `admin API answered ${answer.status} to the new application` });
      mapApiErrors(answer, values, attributeRows, errors);
      return rerender();
    }),
  );

  app.get(
    '/dashboard/applications/:id',
    kit.admin(async (req, reply, who) => {
      const found = await loadApp(kit, idParam(req));
      const detail = await toDetail(kit, found);
      const query = (req.query ?? {}) as { created?: unknown; certificate?: unknown };
      const created = query.created === '1';
      const certificateNotice = CERTIFICATE_NOTICES.find((n) => n === query.certificate);
      return kit.page(reply, appDetailPage({ email: kit.email(who), csrf: who.csrf, app: detail, created, ...(certificateNotice ? { certificateNotice } : {}) }));
    }),
  );

  // Certificate rollover, step by step, through the admin API (…/saml_certificates): create a pending certificate,
  // activate it, remove the old one. Each answer is a redirect to the application's page with a fixed notice.
  const certificateStep = (method: 'POST' | 'DELETE', suffix: (certId: string) => string, done: CertificateNotice) =>
    kit.admin(async (req, reply, who) => {
      const found = await loadApp(kit, idParam(req));
      const certId = (req.params as { certId?: unknown }).certId;
      if (certId !== undefined && (typeof certId !== 'string' || !UUID.test(certId))) throw new GatehouseError('DASHBOARD_FORM_REFUSED', { detail: 'unknown certificate' });
      const answer = await adminApi.call(method, `/access/apps/${String(found.id)}/saml_certificates${suffix(String(certId ?? ''))}`, method === 'POST' ? {} : undefined);
      if (answer.status >= 500) throw new GatehouseError('INTERNAL', { detail: `admin API answered ${answer.status} to a certificate step` });
      const ok = answer.status === 200 && answer.body.success;
      ctx.logger.info({ event: `dashboard.certificate_${done}`, app_id: found.id, certificate_id: certId, ok, by: kit.email(who) }, 'SAML certificate step in the dashboard');
      return reply.redirect(`/dashboard/applications/${String(found.id)}?certificate=${ok ? done : 'refused'}#certificates`, 303);
    });
  app.post('/dashboard/applications/:id/certificates', certificateStep('POST', () => '', 'created'));
  app.post('/dashboard/applications/:id/certificates/:certId/activate', certificateStep('POST', (c) => `/${c}/activate`, 'activated'));
  app.post('/dashboard/applications/:id/certificates/:certId/remove', certificateStep('DELETE', (c) => `/${c}`, 'removed'));

  app.get(
    '/dashboard/applications/:id/certificates/:certId/certificate.crt',
    kit.admin(async (req, reply) => {
      const found = await loadApp(kit, idParam(req));
      const certId = (req.params as { certId?: unknown }).certId;
      const cert = (Array.isArray(found.saas_app?.saml_certificates) ? (found.saas_app.saml_certificates as Array<Record<string, unknown>>) : []).find((c) => c.id === certId);
      if (!cert) throw new GatehouseError('APP_NOT_FOUND', { detail: `no certificate ${String(certId).slice(0, 64)} in application ${String(found.id)}` });
      return sendCertificate(reply, String(found.name), String(cert.status), certificatePem(String(cert.public_key ?? '')));
    }),
  );

  app.get(
    '/dashboard/applications/:id/certificate.crt',
    kit.admin(async (req, reply) => {
      const found = await loadApp(kit, idParam(req));
      return sendCertificate(reply, String(found.name), undefined, certificatePem(String(found.saas_app?.public_key ?? '')));
    }),
  );

  app.post(
    '/dashboard/applications/:id/delete',
    kit.admin(async (req, reply, who) => {
      const found = await loadApp(kit, idParam(req));
      const answer = await adminApi.call('DELETE', `/access/apps/${String(found.id)}`);
      if (answer.status !== 200) throw new GatehouseError('INTERNAL', { detail: `admin API answered ${answer.status} to deleting an application` });
      ctx.logger.info({ event: 'dashboard.app_deleted', app_id: found.id, by: kit.email(who) }, 'application deleted in the dashboard');
      return reply.redirect('/dashboard/applications?deleted=1', 303);
    }),
  );
}

const CERTIFICATE_NOTICES: CertificateNotice[] = ['created', 'activated', 'removed', 'refused'];

/** A certificate as a .crt download; the file name is made only of safe characters from the app's name. */
function sendCertificate(reply: FastifyReply, appName: string, status: string | undefined, pem: string): FastifyReply {
  const stem = appName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'gatehouse';
  const file = `${stem}-gatehouse${status && /^(pending|retired)$/.test(status) ? `-${status}` : ''}.crt`;
  return reply
    .status(200)
    .headers({
      'content-type': 'application/x-x509-ca-cert',
      'content-disposition': `attachment; filename="${file}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    .send(pem);
}

function templateOf(raw: unknown): AppTemplate | undefined {
  return raw === 'aws' || raw === 'saml' ? raw : undefined;
}

function idParam(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  return typeof id === 'string' ? id : '';
}

function text(form: Record<string, unknown>, key: string, max = 4096): string {
  const v = form[key];
  const s = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
  return s.trim().slice(0, max);
}

function list(form: Record<string, unknown>, key: string): string[] {
  const v = form[key];
  const all = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return [...new Set(all.map((s) => s.trim()).filter((s) => s !== ''))].slice(0, 100);
}

function readForm(form: Record<string, unknown>): AppFormValues {
  return {
    name: text(form, 'name', 350),
    consumerServiceUrl: text(form, 'consumer_service_url', 2048),
    spEntityId: text(form, 'sp_entity_id', 1024),
    spMetadata: text(form, 'sp_metadata', METADATA_MAX_BYTES + 1),
    nameIdFormat: text(form, 'name_id_format') === 'id' ? 'id' : 'email',
    attributes: Array.from({ length: ATTRIBUTE_ROWS }, (_, i) => ({ name: text(form, `attr_name_${i}`, 1024), source: text(form, `attr_source_${i}`, 256) })),
    allowedIdps: list(form, 'allowed_idps'),
    autoRedirect: text(form, 'auto_redirect') !== '',
    policyMode: text(form, 'policy_mode') === 'reusable' ? 'reusable' : 'inline',
    policyIds: list(form, 'policy_ids'),
    allowEmails: text(form, 'allow_emails', 20_000),
    allowDomain: text(form, 'allow_domain', 253),
  };
}

function addError(errors: AppFormErrors, field: AppFormField, message: string): void {
  (errors[field] ??= []).push(message);
}

/**
 * Pasted SP metadata, through the hardened parser: its entityID and HTTP-POST AssertionConsumerService (isDefault,
 * else the lowest index, else the first) fill the fields left empty; a filled field that disagrees is an error.
 * Returns the indexes of the non-empty attribute rows (what the API's custom_attributes/N points at) after checking
 * that no row is half filled.
 */
function fillFromMetadata(values: AppFormValues, errors: AppFormErrors): number[] {
  if (values.spMetadata) {
    try {
      const sp = readSpMetadata(values.spMetadata);
      for (const [field, key, found] of [
        ['sp_entity_id', 'spEntityId', sp.entityId],
        ['consumer_service_url', 'consumerServiceUrl', sp.acsUrl],
      ] as const) {
        if (!values[key]) values[key] = found;
        else if (values[key] !== found) addError(errors, field, `differs from the pasted metadata (${found}); clear one of them`);
      }
    } catch (e) {
      const detail = e instanceof GatehouseError ? (e.detail ?? e.publicMessage) : 'it could not be read';
      addError(errors, 'sp_metadata', `The metadata was refused: ${detail}`);
    }
  }
  const rows: number[] = [];
  values.attributes.forEach((a, i) => {
    if (!a.name && !a.source) return;
    if (!a.name || !a.source) addError(errors, `attr_${i}`, 'give both an attribute name and a source claim, or neither');
    else rows.push(i);
  });
  return rows;
}

function readSpMetadata(xml: string): { entityId: string; acsUrl: string } {
  const doc = parseUntrustedXml(xml, { maxBytes: METADATA_MAX_BYTES });
  const root = doc.documentElement!;
  if (root.namespaceURI !== MD_NS || root.localName !== 'EntityDescriptor') {
    throw new GatehouseError('XML_MALFORMED', { detail: 'the root element must be one md:EntityDescriptor' });
  }
  const entityId = root.getAttribute('entityID')?.trim() ?? '';
  if (!entityId) throw new GatehouseError('XML_MALFORMED', { detail: 'the EntityDescriptor has no entityID' });
  const descriptors = childElements(root, MD_NS, 'SPSSODescriptor');
  if (descriptors.length !== 1) throw new GatehouseError('XML_MALFORMED', { detail: `expected one SPSSODescriptor; found ${descriptors.length}` });
  const services = childElements(descriptors[0]!, MD_NS, 'AssertionConsumerService').filter((s) => s.getAttribute('Binding') === HTTP_POST);
  if (services.length === 0) throw new GatehouseError('XML_MALFORMED', { detail: 'no AssertionConsumerService with the HTTP-POST binding' });
  const index = (s: (typeof services)[number]) => {
    const n = Number(s.getAttribute('index'));
    return Number.isInteger(n) ? n : Number.MAX_SAFE_INTEGER;
  };
  const chosen = services.find((s) => s.getAttribute('isDefault') === 'true') ?? [...services].sort((a, b) => index(a) - index(b))[0]!;
  const acsUrl = chosen.getAttribute('Location')?.trim() ?? '';
  if (!acsUrl) throw new GatehouseError('XML_MALFORMED', { detail: 'the AssertionConsumerService has no Location' });
  return { entityId, acsUrl };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The policy part of the body: links to reusable policies, or one inline "allow these emails / domain" policy. */
function buildPolicies(values: AppFormValues, errors: AppFormErrors): unknown[] {
  if (values.policyMode === 'reusable') {
    if (values.policyIds.length === 0) addError(errors, 'policies', 'select at least one reusable policy');
    return values.policyIds.map((id, i) => ({ id, precedence: i + 1 }));
  }
  const emails = [...new Set(values.allowEmails.split(/[\s,;]+/).map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))];
  const bad = emails.filter((e) => !EMAIL.test(e));
  if (bad.length > 0) addError(errors, 'allow_emails', `not an email address: ${bad.slice(0, 5).join(', ')}`);
  const domain = values.allowDomain.replace(/^@/, '');
  if (emails.length === 0 && !domain) {
    addError(errors, 'allow_emails', 'enter at least one email address or an email domain (or choose reusable policies)');
    return [];
  }
  return [
    {
      name: 'Allowed users',
      decision: 'allow',
      include: [...emails.map((email) => ({ email: { email } })), ...(domain ? [{ email_domain: { domain } }] : [])],
    },
  ];
}

/** Puts each API error next to its field: the JSON pointer names the field; what matches none goes to the top. */
function mapApiErrors(answer: ApiAnswer, values: AppFormValues, attributeRows: number[], errors: AppFormErrors): void {
  const emailCount = values.policyMode === 'inline' ? new Set(values.allowEmails.split(/[\s,;]+/).filter((s) => s.trim() !== '')).size : 0;
  for (const e of answer.body.errors ?? []) {
    const pointer = e.source?.pointer;
    const message = pointer ? e.message.replace(/^[^:]*: /, '') : e.message;
    const field = pointer === undefined ? undefined : fieldFor(pointer, values, attributeRows, emailCount);
    addError(errors, field ?? 'form', field ? message : pointer ? `${pointer.slice(1) || 'request'}: ${message}` : message);
  }
  if (Object.keys(errors).length === 0) addError(errors, 'form', `the admin API refused the application (HTTP ${answer.status})`);
}

function fieldFor(pointer: string, values: AppFormValues, attributeRows: number[], emailCount: number): AppFormField | undefined {
  const p = pointer.split('/').slice(1);
  switch (p[0]) {
    case 'name':
      return 'name';
    case 'allowed_idps':
      return 'allowed_idps';
    case 'auto_redirect_to_identity':
      return 'auto_redirect';
    case 'policies': {
      if (values.policyMode === 'reusable') return 'policies';
      // The inline policy's include rules are the emails first, then the domain.
      if (p[2] === 'include' && p[3] !== undefined) return Number(p[3]) >= emailCount ? 'allow_domain' : 'allow_emails';
      return 'allow_emails';
    }
    case 'saas_app':
      switch (p[1]) {
        case 'consumer_service_url':
          return 'consumer_service_url';
        case 'sp_entity_id':
          return 'sp_entity_id';
        case 'name_id_format':
          return 'name_id_format';
        case 'custom_attributes': {
          const row = p[2] === undefined ? undefined : attributeRows[Number(p[2])];
          return row === undefined ? 'attributes' : `attr_${row}`;
        }
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

async function loadChoices(adminApi: DashboardKit['adminApi']): Promise<AppFormChoices> {
  const [idps, policies] = await Promise.all([adminApi.call('GET', '/access/identity_providers?per_page=1000'), adminApi.call('GET', '/access/policies?per_page=1000')]);
  const items = (a: ApiAnswer) => (a.status === 200 && Array.isArray(a.body.result) ? (a.body.result as Array<Record<string, unknown>>) : []);
  return {
    idps: items(idps).map((i) => ({ id: String(i.id), name: String(i.name), type: String(i.type) })),
    policies: items(policies).map((p) => ({ id: String(p.id), name: String(p.name), decision: String(p.decision) })),
  };
}

async function loadApp(kit: DashboardKit, id: string): Promise<Record<string, any>> {
  if (!UUID.test(id)) throw new GatehouseError('APP_NOT_FOUND', { detail: `no application ${id.slice(0, 64)}` });
  const answer = await kit.adminApi.call('GET', `/access/apps/${id}`);
  if (answer.status === 404) throw new GatehouseError('APP_NOT_FOUND', { detail: `no application ${id}` });
  if (answer.status !== 200) throw new GatehouseError('INTERNAL', { detail: `admin API answered ${answer.status} to an application read` });
  return answer.body.result as Record<string, any>;
}

/** The base64 DER of the API's public_key, as one PEM certificate with 64-character lines. */
function certificatePem(base64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

async function toDetail(kit: DashboardKit, a: Record<string, any>): Promise<AppDetail> {
  const s = (a.saas_app ?? {}) as Record<string, any>;
  const pem = certificatePem(String(s.public_key ?? ''));
  const cert = new X509Certificate(pem);
  const idps = await kit.adminApi.call('GET', '/access/identity_providers?per_page=1000');
  const idpNames = new Map<string, string>((Array.isArray(idps.body.result) ? idps.body.result : []).map((i: Record<string, unknown>) => [String(i.id), String(i.name)]));
  return {
    id: String(a.id),
    name: String(a.name),
    spEntityId: String(s.sp_entity_id ?? ''),
    consumerServiceUrl: String(s.consumer_service_url ?? ''),
    nameIdFormat: String(s.name_id_format ?? 'email'),
    ssoEndpoint: String(s.sso_endpoint ?? ''),
    idpEntityId: String(s.idp_entity_id ?? ''),
    metadataUrl: kit.ctx.urls.samlMetadata(String(a.aud)),
    certificatePem: pem,
    sha256: cert.fingerprint256,
    sha1: cert.fingerprint,
    loginMethods: (Array.isArray(a.allowed_idps) ? a.allowed_idps : []).map((id: unknown) => idpNames.get(String(id)) ?? String(id)),
    policies: (Array.isArray(a.policies) ? a.policies : []).map((p: Record<string, unknown>) => `${String(p.name)} (${String(p.decision)}${p.reusable === true ? ', reusable' : ''})`),
    attributes: (Array.isArray(s.custom_attributes) ? s.custom_attributes : []).map((x: Record<string, any>) => ({ name: String(x.name), source: String(x.source?.name ?? '') })),
    certificates: (Array.isArray(s.saml_certificates) ? s.saml_certificates : []).map(
      (c: Record<string, any>): AppCertificateRow => ({
        id: String(c.id),
        status: c.status === 'active' || c.status === 'pending' ? c.status : 'retired',
        notAfter: String(c.not_after ?? ''),
        daysUntilExpiry: Number(c.days_until_expiry ?? 0),
        expiryWarning: c.expiry_warning === true,
        sha256: String(c.sha256_fingerprint ?? ''),
      }),
    ),
  };
}

