import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mintTestLink } from '../admin-api/idp-test-routes.js';
import { REDACTED } from '../admin-api/idp-schema.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import {
  authenticationListPage,
  type FieldErrors,
  type FormValues,
  type LoginMethodType,
  loginMethodFormPage,
  type Template,
  typeLabel,
} from '../web/dashboard/authentication-pages.js';
import { pageHeaders } from '../web/page-layout.js';
import type { ApiAnswer } from './admin-api-client.js';
import type { DashboardKit } from './dashboard-routes.js';
import type { Admin } from './dashboard-auth.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPES: readonly LoginMethodType[] = ['oidc', 'saml', 'onetimepin'];
const IDPS = '/access/identity_providers';

/** The fields each form has, in the order problems without a field of their own are listed. */
const FIELDS: Record<LoginMethodType, string[]> = {
  oidc: ['name', 'client_id', 'client_secret', 'auth_url', 'token_url', 'certs_url', 'pkce_enabled', 'scopes', 'claims', 'email_claim_name', 'issuer'],
  saml: ['name', 'metadata_xml', 'metadata_url', 'sign_request', 'email_attribute_name', 'attributes', 'issuer_url', 'sso_target_url', 'idp_public_certs'],
  onetimepin: ['name'],
};

/** Settings › Authentication: list, add (OIDC with the Amazon Cognito template, SAML with the AWS IAM Identity Center template, One-time PIN), edit, delete and Test. */
export function registerAuthenticationRoutes(app: FastifyInstance, kit: DashboardKit): void {
  const { ctx, adminApi, admin, page, email } = kit;
  const urls = { callback: ctx.urls.callback, spEntityId: ctx.urls.samlSpEntityId, spMetadata: ctx.urls.spMetadata() };

  /**
   * A page with Test buttons. A Test form POSTs here, is sent (303) to the test link, which redirects to the IdP:
   * Chromium applies form-action to every hop of that chain, so these pages allow the IdPs' origins as form targets.
   */
  const testablePage = async (reply: FastifyReply, body: string, status: number, idps: IdpRecord[]) =>
    reply.status(status).headers(pageHeaders(testFormAction(idps))).send(body);

  const listPage = async (reply: FastifyReply, who: Admin, extra: { saved?: string; messages?: string[]; problems?: string[] } = {}, status = 200) => {
    const records = (await ctx.store.idps.list(0, 1000)).items;
    const idps = records.map((i) => ({ id: i.id, name: i.name, type: i.type }));
    return testablePage(reply, authenticationListPage({ email: email(who), csrf: who.csrf, idps, ...extra }), status, records);
  };

  const formPage = async (
    reply: FastifyReply,
    who: Admin,
    input: { mode: 'create' | 'edit'; type: LoginMethodType; template: Template; id?: string; savedName?: string; values: FormValues; errors?: FieldErrors; saved?: string; messages?: string[] },
    status = 200,
  ) => {
    const body = loginMethodFormPage({ email: email(who), csrf: who.csrf, errors: {}, urls: { ...urls, spMetadata: input.id ? ctx.urls.spMetadata(input.id) : urls.spMetadata }, production: ctx.config.production, ...input });
    const stored = input.id ? await ctx.store.idps.get(input.id) : undefined;
    return stored ? testablePage(reply, body, status, [stored]) : page(reply, body, status);
  };

  app.get('/dashboard/authentication', admin(async (_req, reply, who) => listPage(reply, who)));

  app.get<{ Params: { type: string }; Querystring: { template?: string } }>(
    '/dashboard/authentication/new/:type',
    admin(async (req, reply, who) => {
      const type = typeParam(req);
      const template = templateFor(type, (req.query as { template?: unknown }).template);
      return formPage(reply, who, { mode: 'create', type, template, values: defaults(type, template) });
    }),
  );

  app.post(
    '/dashboard/authentication/new/:type',
    admin(async (req, reply, who) => {
      const type = typeParam(req);
      const form = formBody(req);
      const template = templateFor(type, form.template);
      const values = formValues(type, form);
      const answer = await adminApi.call('POST', IDPS, toApiBody(type, values));
      if (answer.status === 200 && answer.body.success) {
        const saved = answer.body.result as ApiIdp;
        ctx.logger.info({ event: 'idp.created', id: saved.id, type, by: email(who) }, 'login method created');
        return formPage(reply, who, { mode: 'edit', type, template, id: saved.id, savedName: saved.name, values: fromApi(saved), saved: `${typeLabel(type)} login method “${saved.name}” saved.`, messages: warnings(answer) });
      }
      return formPage(reply, who, { mode: 'create', type, template, values, errors: fieldErrors(type, answer) }, answer.status === 200 ? 400 : answer.status);
    }),
  );

  app.get(
    '/dashboard/authentication/:id/edit',
    admin(async (req, reply, who) => {
      const answer = await adminApi.call('GET', `${IDPS}/${idOf(req)}`);
      if (answer.status !== 200) throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `no login method ${idParam(req).slice(0, 64)}` });
      const idp = answer.body.result as ApiIdp;
      const type = knownType(idp.type);
      return formPage(reply, who, { mode: 'edit', type, template: undefined, id: idp.id, savedName: idp.name, values: fromApi(idp), messages: warnings(answer) });
    }),
  );

  app.post(
    '/dashboard/authentication/:id/edit',
    admin(async (req, reply, who) => {
      const id = idOf(req);
      const current = await adminApi.call('GET', `${IDPS}/${id}`);
      if (current.status !== 200) throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `no login method ${id}` });
      const stored = current.body.result as ApiIdp;
      const type = knownType(stored.type);
      const form = formBody(req);
      const values = formValues(type, form);
      const answer = await adminApi.call('PUT', `${IDPS}/${id}`, toApiBody(type, values));
      if (answer.status === 200 && answer.body.success) {
        const saved = answer.body.result as ApiIdp;
        ctx.logger.info({ event: 'idp.updated', id, type, by: email(who) }, 'login method updated');
        return formPage(reply, who, { mode: 'edit', type, template: undefined, id, savedName: saved.name, values: fromApi(saved), saved: `Login method “${saved.name}” saved.`, messages: warnings(answer) });
      }
      return formPage(reply, who, { mode: 'edit', type, template: undefined, id, savedName: stored.name, values, errors: fieldErrors(type, answer) }, answer.status === 200 ? 400 : answer.status);
    }),
  );

  app.post(
    '/dashboard/authentication/:id/delete',
    admin(async (req, reply, who) => {
      const id = idOf(req);
      const answer = await adminApi.call('DELETE', `${IDPS}/${id}`);
      if (answer.status === 200 && answer.body.success) {
        ctx.logger.info({ event: 'idp.deleted', id, by: email(who) }, 'login method deleted');
        return reply.redirect('/dashboard/authentication', 303);
      }
      return listPage(reply, who, { problems: answer.body.errors.map((e) => `The login method was not deleted: ${e.message}`) }, answer.status);
    }),
  );

  app.post(
    '/dashboard/authentication/:id/test',
    admin(async (req, reply) => {
      const id = idParam(req);
      const idp = UUID.test(id) ? await ctx.store.idps.get(id) : undefined;
      if (!idp) throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `no login method ${id.slice(0, 64)}` });
      const { url } = await mintTestLink(ctx, idp.id);
      return reply.redirect(url, 303);
    }),
  );
}

/** A login method as the admin API returns it. */
interface ApiIdp {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
}

/** form-action for pages with Test buttons: 'self' and the origin each Test navigates to (OIDC auth URL, SAML SSO URL). */
function testFormAction(idps: IdpRecord[]): string {
  const origins = new Set<string>();
  for (const idp of idps) {
    const target = idp.type === 'oidc' ? idp.config.authUrl : idp.type === 'saml' ? idp.config.ssoTargetUrl : undefined;
    if (!target) continue;
    try {
      const u = new URL(target);
      if (u.protocol === 'https:' || u.protocol === 'http:') origins.add(u.origin);
    } catch {
      // a stored URL was validated on save; anything unparsable is simply not allowed
    }
  }
  return ["'self'", ...origins].join(' ');
}

function idParam(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  return typeof id === 'string' ? id : '';
}

function idOf(req: FastifyRequest): string {
  const id = idParam(req);
  if (!UUID.test(id)) throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `no login method ${id.slice(0, 64)}` });
  return id;
}

function typeParam(req: FastifyRequest): LoginMethodType {
  const t = (req.params as { type?: unknown }).type;
  if (typeof t === 'string' && (TYPES as readonly string[]).includes(t)) return t as LoginMethodType;
  throw new GatehouseError('DASHBOARD_FORM_REFUSED', { detail: `unknown login method type ${String(t).slice(0, 32)}` });
}

function knownType(t: string): LoginMethodType {
  if ((TYPES as readonly string[]).includes(t)) return t as LoginMethodType;
  throw new GatehouseError('INTERNAL', { detail: `stored login method of unknown type ${t}` });
}

function templateFor(type: LoginMethodType, raw: unknown): Template {
  if (type === 'oidc' && raw === 'cognito') return 'cognito';
  if (type === 'saml' && raw === 'aws') return 'aws';
  return undefined;
}

function formBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

/** The form's fields as strings (a repeated field keeps its last value; checkboxes become 'on' or ''). */
function formValues(type: LoginMethodType, body: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const name of FIELDS[type]) {
    let v = body[name];
    if (Array.isArray(v)) v = v[v.length - 1];
    out[name] = typeof v === 'string' ? v : '';
  }
  for (const box of ['pkce_enabled', 'sign_request']) if (box in out) out[box] = out[box] === 'on' ? 'on' : '';
  return out;
}

function defaults(type: LoginMethodType, template: Template): FormValues {
  if (type === 'oidc') {
    return {
      name: template === 'cognito' ? 'Amazon Cognito' : '',
      pkce_enabled: 'on',
      scopes: 'openid email profile',
      claims: template === 'cognito' ? 'sub cognito:username name cognito:groups' : '',
      email_claim_name: 'email',
    };
  }
  if (type === 'saml') return { name: template === 'aws' ? 'AWS' : '', sign_request: template === 'aws' ? 'on' : '', email_attribute_name: 'email', attributes: template === 'aws' ? 'email' : '' };
  return { name: 'One-time PIN' };
}

/** A stored login method as form values; the client secret is never put in the form. */
function fromApi(idp: ApiIdp): FormValues {
  const c = idp.config;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const list = (v: unknown, sep: string) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(sep) : '');
  if (idp.type === 'oidc') {
    return {
      name: idp.name,
      client_id: str(c.client_id),
      client_secret: '',
      auth_url: str(c.auth_url),
      token_url: str(c.token_url),
      certs_url: str(c.certs_url),
      pkce_enabled: c.pkce_enabled === true ? 'on' : '',
      scopes: list(c.scopes, ' '),
      claims: list(c.claims, ' '),
      email_claim_name: str(c.email_claim_name),
      issuer: str(c.issuer),
    };
  }
  if (idp.type === 'saml') {
    return {
      name: idp.name,
      metadata_xml: '',
      metadata_url: str(c.metadata_url),
      sign_request: c.sign_request === true ? 'on' : '',
      email_attribute_name: str(c.email_attribute_name),
      attributes: list(c.attributes, ' '),
      issuer_url: str(c.issuer_url),
      sso_target_url: str(c.sso_target_url),
      idp_public_certs: list(c.idp_public_certs, '\n'),
    };
  }
  return { name: idp.name };
}

const words = (v: string | undefined) => (v ?? '').split(/[\s,]+/).filter(Boolean);
const trimmed = (v: string | undefined) => (v ?? '').trim();

/** Splits pasted PEM text into one entry per certificate (text without PEM armour stays one entry). */
function certificates(text: string): string[] {
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (pems) return pems;
  return text.trim() ? [text.trim()] : [];
}

/** The admin API body for the form: empty optional fields are left out, so the API's defaults apply. */
function toApiBody(type: LoginMethodType, v: FormValues): Record<string, unknown> {
  const name = trimmed(v.name);
  if (type === 'onetimepin') return { name, type, config: {} };
  const config: Record<string, unknown> = {};
  const put = (key: string, value: string) => {
    if (value) config[key] = value;
  };
  if (type === 'oidc') {
    config.client_id = trimmed(v.client_id);
    // Empty or the redacted placeholder keeps the stored secret (the API's rule); on create the API asks for it.
    const secret = v.client_secret ?? '';
    if (secret && secret !== REDACTED) config.client_secret = secret;
    config.auth_url = trimmed(v.auth_url);
    config.token_url = trimmed(v.token_url);
    config.certs_url = trimmed(v.certs_url);
    config.pkce_enabled = v.pkce_enabled === 'on';
    const scopes = words(v.scopes);
    if (scopes.length) config.scopes = scopes;
    config.claims = words(v.claims);
    put('email_claim_name', trimmed(v.email_claim_name));
    put('issuer', trimmed(v.issuer));
    return { name, type, config };
  }
  const xml = trimmed(v.metadata_xml);
  const metadataUrl = trimmed(v.metadata_url);
  put('metadata_xml', xml);
  put('metadata_url', metadataUrl);
  config.sign_request = v.sign_request === 'on';
  put('email_attribute_name', trimmed(v.email_attribute_name));
  config.attributes = words(v.attributes);
  // Metadata is the source of the entity ID, SSO URL and certificates when given (explicit fields would win over it).
  if (!xml && !metadataUrl) {
    put('issuer_url', trimmed(v.issuer_url));
    put('sso_target_url', trimmed(v.sso_target_url));
    const certs = certificates(v.idp_public_certs ?? '');
    if (certs.length) config.idp_public_certs = certs;
  }
  return { name, type, config };
}

/** The API's field errors by form field: `/config/<field>[/<index>]` and `/name` map to inputs; the rest to the form. */
function fieldErrors(type: LoginMethodType, answer: ApiAnswer): FieldErrors {
  const out: FieldErrors = {};
  const add = (key: string, message: string) => (out[key] ??= []).push(message);
  const errors = answer.body?.errors ?? [];
  for (const e of errors) {
    const pointer = e.source?.pointer;
    const m = pointer ? /^\/(?:config\/)?([^/]+)(?:\/(\d+))?/.exec(pointer) : null;
    const field = m?.[1];
    if (field && FIELDS[type].includes(field) && !(field === 'name' && pointer !== '/name')) {
      // The API prefixes each message with its path ("config.auth_url: …"); next to the field that is noise.
      const prefix = `${pointer!.slice(1).replaceAll('/', '.')}: `;
      const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      add(field, m?.[2] !== undefined ? `Entry ${Number(m[2]) + 1}: ${message}` : message);
    } else {
      add('_form', e.message);
    }
  }
  if (errors.length === 0) add('_form', `The admin API answered ${answer.status}.`);
  return out;
}

function warnings(answer: ApiAnswer): string[] {
  return (answer.body?.messages ?? []).map((m) => m.message).filter((m): m is string => typeof m === 'string');
}
