import { appBody } from '../admin-api/app-schema.js';
import { fromBody as appFromBody } from '../admin-api/apps-routes.js';
import { buildSamlIdpConfig } from '../admin-api/build-saml-idp-config.js';
import { groupBody } from '../admin-api/group-schema.js';
import { idpEnvelopeSchema, otpConfigSchema, REDACTED } from '../admin-api/idp-schema.js';
import { parseIdp } from '../admin-api/identity-providers-routes.js';
import { listBody, normalizeListItems } from '../admin-api/list-schema.js';
import { organizationBody } from '../admin-api/organizations-routes.js';
import { toPolicy } from '../admin-api/policy-mapping.js';
import { policyBody } from '../admin-api/policy-schema.js';
import { samlConfigSchema } from '../admin-api/saml-idp-schema.js';
import { uuidField } from '../admin-api/url-field.js';
import { validateBody } from '../admin-api/validate.js';
import type { AppRecord } from '../apps/app-record.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import type { FieldProblem } from '../errors/gatehouse-error.js';
import { randomHex, uuid } from '../lib/random.js';
import type { AccessGroup, AccessList, AccessPolicy } from '../policy/policy-types.js';
import { DEFAULT_ORGANIZATION, type Organization } from '../settings/organization.js';
import type { PolicyLink } from '../store/repos/policy-repo.js';
import { bundleSchema, type ParsedBundleEnvelope } from './bundle-format.js';
import { checkReferences } from './check-references.js';
import type { CurrentConfig } from './current-config.js';
import { type ExportSealer, exportContext } from './export-sealer.js';
import { collect, collectAsync, isPlainObject, parseTime } from './field-problems.js';
import { resolveIds } from './resolve-ids.js';
import type { SigningKeyRow } from './signing-key-rows.js';

export interface DesiredIdp {
  record: IdpRecord;
  /** Whether the bundle carried this OIDC login method's client secret (sealed). Otherwise the stored one is kept. */
  secretGiven: boolean;
  base: string;
}

export interface DesiredApp {
  record: AppRecord;
  /** Reusable policies the app links (exclusive with `inline`, as in the API). */
  links: PolicyLink[];
  /** App-scoped policies, ids resolved. */
  inline: AccessPolicy[];
  /** Signing key rows from the bundle's secrets; undefined: none given (kept, or generated for a new app). */
  signingKeys: SigningKeyRow[] | undefined;
  base: string;
}

/** The configuration a bundle describes, as Gatehouse's own records, every id resolved. */
export interface DesiredConfig {
  accountId: string | null | undefined;
  idps: DesiredIdp[];
  lists: AccessList[];
  groups: AccessGroup[];
  /** Reusable policies. */
  policies: AccessPolicy[];
  apps: DesiredApp[];
  organization: Organization;
  /** The dashboard administrators' policy; null or undefined: the bundle names none. */
  adminPolicyId: string | null | undefined;
  /** Gatehouse's SAML SP signing key (its stored JSON), when the bundle carried it sealed. */
  spSigningKey: string | undefined;
}

export interface ParseOptions {
  current: CurrentConfig;
  sealer: ExportSealer | undefined;
  now: Date;
  /** NODE_ENV=production without SMTP refuses One-time PIN, as the API does. */
  otpAllowed: boolean;
  /** The columns app_signing_keys has in this database. */
  signingKeyColumns: ReadonlySet<string>;
}

export interface ParseResult {
  desired: DesiredConfig | undefined;
  /** Every problem, with its JSON pointer in the bundle. Nothing may be written while there is one. */
  problems: FieldProblem[];
  /** Things the operator should know (expired IdP certificates, sealed secrets that were not opened, …). */
  warnings: string[];
}

/**
 * Validates a bundle with the admin API's own schemas and checks, object by object, and turns it into records. All
 * problems are collected (never only the first), each with its JSON pointer in the bundle; references (rules to
 * groups, lists and login methods, apps to policies and login methods) must resolve inside the bundle itself.
 */
export async function parseBundle(raw: unknown, options: ParseOptions): Promise<ParseResult> {
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  const envelope = collect('', problems, () => validateBody(bundleSchema, raw));
  if (!envelope) return { desired: undefined, problems, warnings };
  const { current } = options;
  const secrets = openSecrets(envelope, options, problems, warnings);

  const track: Tracking = { bases: new WeakMap(), refused: new Set() };
  const idps = await parseIdps(envelope.identity_providers, options, secrets.idpSecrets, problems, warnings, track);
  const lists = parseLists(envelope.lists, options, problems, track);
  const groups = parseGroups(envelope.groups, options, problems, track);
  const policies = parsePolicies(envelope.policies, options, problems, track);
  const apps = parseApps(envelope.apps, options, problems, track);
  const organization = parseOrganization(envelope.organization, problems);

  for (const [appId, rows] of Object.entries(secrets.signingKeys)) {
    const app = apps.find((a) => a.record.id === appId);
    if (app) app.signingKeys = rows;
    else problems.push({ pointer: `/secrets/app_signing_keys/${appId}`, message: `no app with id ${appId} in the bundle` });
  }
  for (const idpId of Object.keys(secrets.idpSecrets)) {
    const idp = idps.find((i) => i.record.id === idpId);
    if (!idp || idp.record.type !== 'oidc') problems.push({ pointer: `/secrets/identity_providers/${idpId}`, message: `no OIDC login method with id ${idpId} in the bundle` });
  }

  const adminPolicyId = envelope.dashboard_admin_policy_id;
  const desired: DesiredConfig = { accountId: envelope.account_id, idps, lists, groups, policies, apps, organization, adminPolicyId, spSigningKey: secrets.spSigningKey };
  const references = checkReferences(desired, current, track.bases);
  if (adminPolicyId && !policies.some((p) => p.id === adminPolicyId)) {
    references.push({ pointer: '/dashboard_admin_policy_id', message: `no reusable policy with id ${adminPolicyId} in the bundle` });
  }
  // A reference to an object that was itself refused above is not reported again as dangling.
  const refused = [...track.refused];
  problems.push(...references.filter((p) => !refused.some((id) => p.message.includes(id))));
  if (!adminPolicyId && current.adminPolicyId) {
    // Without it nobody could open the dashboard, and the next start would offer first-run setup to whoever comes.
    problems.push({ pointer: '/dashboard_admin_policy_id', message: `is required: this Gatehouse's dashboard is guarded by policy ${current.adminPolicyId}; name that policy (or another reusable policy of the bundle)` });
  }
  return { desired: problems.length === 0 ? desired : undefined, problems, warnings };
}

/** Where each parsed object sits in the bundle, and the ids of objects that were refused. */
interface Tracking {
  bases: WeakMap<object, string>;
  refused: Set<string>;
}

interface OpenedSecrets {
  idpSecrets: Record<string, string>;
  signingKeys: Record<string, SigningKeyRow[]>;
  spSigningKey: string | undefined;
}

/** Opens the bundle's sealed secrets with the export key. Without a key they are left aside, with a warning. */
function openSecrets(envelope: ParsedBundleEnvelope, options: ParseOptions, problems: FieldProblem[], warnings: string[]): OpenedSecrets {
  const out: OpenedSecrets = { idpSecrets: {}, signingKeys: {}, spSigningKey: undefined };
  const s = envelope.secrets;
  if (!s) return out;
  const hasSealed = Object.keys(s.identity_providers ?? {}).length + Object.keys(s.app_signing_keys ?? {}).length > 0 || s.saml_sp_signing_key !== undefined;
  const { sealer } = options;
  if (!sealer) {
    if (hasSealed) warnings.push('the bundle holds sealed secrets, but no --secrets-key-file was given: they are not used');
    return out;
  }
  if (s.key_id !== undefined && s.key_id !== sealer.keyId) {
    problems.push({ pointer: '/secrets/key_id', message: `the secrets are sealed under key id ${s.key_id}; the key given (--secrets-key-file) has id ${sealer.keyId}` });
    return out;
  }
  const open = (pointer: string, sealed: string, context: string): string | undefined => {
    try {
      return sealer.open(sealed, context);
    } catch (e) {
      problems.push({ pointer, message: (e as Error).message });
      return undefined;
    }
  };
  for (const [idpId, v] of Object.entries(s.identity_providers ?? {})) {
    const secret = open(`/secrets/identity_providers/${idpId}/client_secret`, v.client_secret, exportContext.idpClientSecret(idpId));
    if (secret !== undefined) out.idpSecrets[idpId] = secret;
  }
  for (const [appId, rows] of Object.entries(s.app_signing_keys ?? {})) {
    const opened: SigningKeyRow[] = [];
    rows.forEach((row, i) => {
      const base = `/secrets/app_signing_keys/${appId}/${i}`;
      for (const column of Object.keys(row)) {
        if (!options.signingKeyColumns.has(column)) problems.push({ pointer: `${base}/${column}`, message: 'this database has no such app_signing_keys column (a bundle from a newer Gatehouse?)' });
      }
      const id = typeof row.id === 'string' && row.id.length > 0 && row.id.length <= 64 ? row.id : undefined;
      if (!id) problems.push({ pointer: `${base}/id`, message: 'must be the key id' });
      if (row.app_id !== appId) problems.push({ pointer: `${base}/app_id`, message: `must be ${appId}, the app it is listed under` });
      if (typeof row.certificate_pem !== 'string') problems.push({ pointer: `${base}/certificate_pem`, message: 'must be the certificate (PEM)' });
      if (typeof row.private_key_pem !== 'string') problems.push({ pointer: `${base}/private_key_pem`, message: 'must be the sealed private key' });
      else if (id) {
        const pem = open(`${base}/private_key_pem`, row.private_key_pem, exportContext.appSigningKey(appId, id));
        if (pem !== undefined) opened.push({ ...row, id, app_id: appId, private_key_pem: pem });
      }
    });
    out.signingKeys[appId] = opened;
  }
  if (s.saml_sp_signing_key !== undefined) out.spSigningKey = open('/secrets/saml_sp_signing_key', s.saml_sp_signing_key, exportContext.spSigningKey());
  return out;
}

async function parseIdps(raws: unknown[], options: ParseOptions, secrets: Record<string, string>, problems: FieldProblem[], warnings: string[], track: Tracking): Promise<DesiredIdp[]> {
  const { current, now } = options;
  const ids = resolveIds('login method', raws.map((r, i) => candidate(r, `/identity_providers/${i}`)), current.idps, problems);
  const out: DesiredIdp[] = [];
  for (const [i, raw] of raws.entries()) {
    const base = `/identity_providers/${i}`;
    const id = ids[i]!;
    const type = isPlainObject(raw) ? raw.type : undefined;
    const times = timestamps(raw, now);
    let parsed: Pick<IdpRecord, 'name' | 'type' | 'config'> | undefined;
    let secretGiven = false;
    if (type === 'saml') {
      parsed = await parseSamlIdp(raw, base, now, problems, warnings);
    } else if (type === 'onetimepin') {
      const body = collect(base, problems, () => validateBody(idpEnvelopeSchema.extend({ config: otpConfigSchema }), raw));
      if (body && !options.otpAllowed) problems.push({ pointer: `${base}/type`, message: 'One-time PIN needs outgoing mail in production: set GATEHOUSE_SMTP_HOST and GATEHOUSE_SMTP_FROM' });
      if (body) parsed = { name: body.name, type: 'onetimepin', config: {} };
    } else {
      const config = isPlainObject(raw) ? raw.config : undefined;
      if (isPlainObject(config) && config.client_secret !== undefined && config.client_secret !== REDACTED) {
        // A bundle is meant for git: a secret in clear would end up in every clone.
        problems.push({ pointer: `${base}/config/client_secret`, message: `secrets are never read in clear from a bundle: keep "${REDACTED}" (the stored secret stays) or give it sealed (gatehouse export --secrets-key-file)` });
      }
      const body = isPlainObject(raw) && isPlainObject(config) ? { ...raw, config: { ...config, client_secret: REDACTED } } : raw;
      // parseIdp takes the stored secret as its fallback; '' stands for "not given", resolved by the plan.
      const oidc = collect(base, problems, () => parseIdp(body, ''));
      if (oidc) {
        secretGiven = id in secrets;
        parsed = { ...oidc, config: { ...oidc.config, clientSecret: secrets[id] ?? '' } };
      }
    }
    if (!parsed) {
      track.refused.add(id);
      continue;
    }
    const existing = current.idps.find((e) => e.id === id);
    if (existing && existing.type !== parsed.type) problems.push({ pointer: `${base}/type`, message: `login method ${id} is ${existing.type}; it cannot become ${parsed.type} (give the new one another id)` });
    out.push({ record: { id, ...parsed, ...times } as IdpRecord, secretGiven, base });
  }
  if (out.filter((i) => i.record.type === 'onetimepin').length > 1) {
    problems.push({ pointer: '/identity_providers', message: 'there is one One-time PIN login method per account, as in Cloudflare; the bundle has several' });
  }
  return out;
}

/**
 * A SAML login method through the API's own builder. Two differences, both so that an exported object reads back as
 * it was: `metadata_url` is kept but not fetched (the exported certificates and URLs are what counts), and
 * `placeholder_certs` go back into `idp_public_certs`, where the builder sets them apart again.
 */
async function parseSamlIdp(raw: unknown, base: string, now: Date, problems: FieldProblem[], warnings: string[]): Promise<Pick<IdpRecord, 'name' | 'type' | 'config'> | undefined> {
  const body = collect(base, problems, () => validateBody(idpEnvelopeSchema.extend({ config: samlConfigSchema }), raw));
  if (!body) return undefined;
  const { metadata_url, placeholder_certs, ...input } = body.config;
  const placeholders = Array.isArray(placeholder_certs) && placeholder_certs.every((c) => typeof c === 'string') ? (placeholder_certs as string[]) : [];
  if (placeholder_certs !== undefined && placeholders.length === 0 && !Array.isArray(placeholder_certs)) problems.push({ pointer: `${base}/config/placeholder_certs`, message: 'must be a list of strings' });
  const certs = input.idp_public_certs === undefined && placeholders.length === 0 ? undefined : [...(input.idp_public_certs ?? []), ...placeholders];
  const built = await collectAsync(base, problems, () => buildSamlIdpConfig({ ...input, ...(certs ? { idp_public_certs: certs } : {}) }, { now }));
  if (!built) return undefined;
  for (const m of built.messages) warnings.push(`login method "${body.name}": ${m.message}`);
  return { name: body.name, type: 'saml', config: { ...built.config, ...(metadata_url !== undefined ? { metadataUrl: metadata_url } : {}) } };
}

function parseLists(raws: unknown[], options: ParseOptions, problems: FieldProblem[], track: Tracking): AccessList[] {
  const ids = resolveIds('list', raws.map((r, i) => candidate(r, `/lists/${i}`)), options.current.lists, problems);
  const out: AccessList[] = [];
  for (const [i, raw] of raws.entries()) {
    const base = `/lists/${i}`;
    const body = collect(base, problems, () => validateBody(listBody, raw));
    if (body && body.type === undefined) problems.push({ pointer: `${base}/type`, message: 'required: EMAIL or IP' });
    const normalized = body?.type ? normalizeListItems(body.type, body.items ?? []) : undefined;
    problems.push(...(normalized?.problems ?? []).map((p) => ({ pointer: `${base}${p.pointer}`, message: p.message })));
    if (!body?.type || !normalized || normalized.problems.length > 0) {
      track.refused.add(ids[i]!);
      continue;
    }
    const { items } = normalized;
    const times = timestamps(raw, options.now);
    const list: AccessList = {
      id: ids[i]!,
      name: body.name,
      type: body.type,
      ...(body.description ? { description: body.description } : {}),
      items: items.map((item, j) => ({ ...item, createdAt: parseTime(body.items?.[j]?.created_at) ?? times.createdAt })),
      ...times,
    };
    track.bases.set(list, base);
    out.push(list);
  }
  return out;
}

function parseGroups(raws: unknown[], options: ParseOptions, problems: FieldProblem[], track: Tracking): AccessGroup[] {
  const ids = resolveIds('group', raws.map((r, i) => candidate(r, `/groups/${i}`)), options.current.groups, problems);
  const out: AccessGroup[] = [];
  for (const [i, raw] of raws.entries()) {
    const body = collect(`/groups/${i}`, problems, () => validateBody(groupBody, raw));
    if (!body) {
      track.refused.add(ids[i]!);
      continue;
    }
    const group: AccessGroup = { id: ids[i]!, name: body.name, include: body.include, exclude: body.exclude, require: body.require, isDefault: body.is_default, ...timestamps(raw, options.now) };
    track.bases.set(group, `/groups/${i}`);
    out.push(group);
  }
  return out;
}

function parsePolicies(raws: unknown[], options: ParseOptions, problems: FieldProblem[], track: Tracking): AccessPolicy[] {
  const ids = resolveIds('policy', raws.map((r, i) => candidate(r, `/policies/${i}`)), options.current.policies, problems);
  const out: AccessPolicy[] = [];
  for (const [i, raw] of raws.entries()) {
    const body = collect(`/policies/${i}`, problems, () => validateBody(policyBody, raw));
    if (!body) {
      track.refused.add(ids[i]!);
      continue;
    }
    // A reusable policy has no precedence of its own: each app's link carries one.
    const policy = toPolicy(body, { id: ids[i]!, appId: null, precedence: 0, ...timestamps(raw, options.now) });
    track.bases.set(policy, `/policies/${i}`);
    out.push(policy);
  }
  return out;
}

const AUD = /^[0-9a-f]{64}$/;

function parseApps(raws: unknown[], options: ParseOptions, problems: FieldProblem[], track: Tracking): DesiredApp[] {
  const { current, now } = options;
  const ids = resolveIds('app', raws.map((r, i) => candidate(r, `/apps/${i}`)), current.apps.map((a) => a.app), problems);
  const out: DesiredApp[] = [];
  const auds = new Map<string, string>();
  for (const [i, raw] of raws.entries()) {
    const base = `/apps/${i}`;
    const body = collect(base, problems, () => validateBody(appBody, raw));
    const id = ids[i]!;
    if (!body) {
      track.refused.add(id);
      continue;
    }
    const existing = current.apps.find((a) => a.app.id === id)?.app;
    // aud is in the SaaS app's SSO URL: it is kept from the file (a restore) or from the stored app, and never changes.
    let aud = existing?.aud ?? (typeof body.aud === 'string' && AUD.test(body.aud) ? body.aud : randomHex(32));
    if (body.aud !== undefined && (typeof body.aud !== 'string' || !AUD.test(body.aud))) problems.push({ pointer: `${base}/aud`, message: 'must be 64 lower-case hex characters (or left out)' });
    else if (existing && body.aud !== undefined && body.aud !== existing.aud) problems.push({ pointer: `${base}/aud`, message: `is ${existing.aud} for app ${id} and cannot change` });
    const owner = current.apps.find((a) => a.app.aud === aud && a.app.id !== id);
    if (owner) problems.push({ pointer: `${base}/aud`, message: `is the aud of app "${owner.app.name}" (${owner.app.id})` });
    const twin = auds.get(aud);
    if (twin) {
      problems.push({ pointer: `${base}/aud`, message: `is already the aud of ${twin}` });
      aud = randomHex(32);
    }
    auds.set(aud, base);
    const times = timestamps(raw, now);
    const record: AppRecord = { id, aud, type: 'saas', ...appFromBody(body), ...times };
    const links: PolicyLink[] = [];
    const inline: AccessPolicy[] = [];
    const own = (current.apps.find((a) => a.app.id === id)?.policies ?? []).filter((p) => p.appId === id);
    const claimed = new Set<string>();
    for (const [j, item] of (body.policies ?? []).entries()) {
      if (item.kind === 'link') {
        links.push({ policyId: item.id, precedence: item.precedence ?? j + 1 });
        continue;
      }
      const given = item.body.id;
      let policyId: string | undefined;
      if (given !== undefined) {
        const parsed = uuidField.safeParse(given);
        if (parsed.success) policyId = parsed.data;
        else problems.push({ pointer: `${base}/policies/${j}/id`, message: 'must be a UUID (or left out)' });
      }
      // An app-scoped policy without an id is matched by name among the app's own, so applying a file twice changes nothing.
      policyId ??= own.find((p) => p.name === item.body.name && !claimed.has(p.id))?.id ?? uuid();
      claimed.add(policyId);
      const ptimes = timestamps(item.body, now);
      inline.push(toPolicy(item.body, { id: policyId, appId: id, precedence: item.body.precedence ?? j + 1, ...ptimes }));
    }
    out.push({ record, links, inline, signingKeys: undefined, base });
  }
  return out;
}

function parseOrganization(raw: Record<string, unknown>, problems: FieldProblem[]): Organization {
  const b = collect('/organization', problems, () => validateBody(organizationBody, raw));
  if (!b) return DEFAULT_ORGANIZATION;
  const d = b.login_design ?? {};
  // The file is the whole truth: a field left out means the default, not "as it is now". auth_domain is derived from
  // GATEHOUSE_URL and ignored here, so a bundle restores onto another host.
  const updatedAt = parseTime(b.updated_at);
  return {
    name: b.name ?? DEFAULT_ORGANIZATION.name,
    sessionDuration: b.session_duration ?? DEFAULT_ORGANIZATION.sessionDuration,
    autoRedirectToIdentity: b.auto_redirect_to_identity ?? DEFAULT_ORGANIZATION.autoRedirectToIdentity,
    loginDesign: {
      ...(d.background_color ? { backgroundColor: d.background_color } : {}),
      ...(d.text_color ? { textColor: d.text_color } : {}),
      ...(d.logo_path ? { logoPath: d.logo_path } : {}),
      ...(d.header_text ? { headerText: d.header_text } : {}),
      ...(d.footer_text ? { footerText: d.footer_text } : {}),
    },
    ...(updatedAt ? { updatedAt } : {}),
  };
}

function candidate(raw: unknown, base: string): { id: unknown; name: string; base: string } {
  const o = isPlainObject(raw) ? raw : {};
  return { id: o.id, name: typeof o.name === 'string' ? o.name : '', base };
}

/** The object's own created_at / updated_at (a restore keeps them), else now. */
function timestamps(raw: unknown, now: Date): { createdAt: Date; updatedAt: Date } {
  const o = isPlainObject(raw) ? raw : {};
  const createdAt = parseTime(o.created_at) ?? now;
  return { createdAt, updatedAt: parseTime(o.updated_at) ?? createdAt };
}
