import { serializeApp } from '../admin-api/app-serializer.js';
import { serializeGroup } from '../admin-api/group-serializer.js';
import { serializeIdp } from '../admin-api/idp-serializer.js';
import { serializeList } from '../admin-api/list-serializer.js';
import { serializeOrganization } from '../admin-api/organizations-routes.js';
import { serializePolicy, serializeReusablePolicy } from '../admin-api/policy-serializer.js';
import type { AppRecord, AppSigningKey } from '../apps/app-record.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import type { PublicUrls } from '../http/public-urls.js';
import { generateSigningCertificate } from '../keys/generate-signing-certificate.js';
import { uuid } from '../lib/random.js';
import type { AccessPolicy } from '../policy/policy-types.js';
import { secretContext } from '../secrets/secret-contexts.js';
import { writeOrganization } from '../settings/organization.js';
import { ADMIN_POLICY_KEY } from '../setup/first-run.js';
import type { Store } from '../store/store.js';
import { canonicalJson } from './canonical-json.js';
import { type CurrentConfig, SP_SIGNING_KEY_SETTING } from './current-config.js';
import type { DesiredApp, DesiredConfig } from './parse-bundle.js';
import { readSigningKeyRows, replaceSigningKeyRows, type SigningKeyRow } from './signing-key-rows.js';

export type ChangeAction = 'create' | 'update' | 'delete';

export interface PlannedChange {
  action: ChangeAction;
  /** What it is, for the plan: "login method", "app", … */
  kind: string;
  name: string;
  id?: string;
  /** The API fields that change (updates); never their values, so no secret is ever printed. */
  fields: string[];
  /**
   * Write order inside the one transaction: creates and updates from the leaves up (login methods, lists, groups,
   * policies, apps), then deletes from the top down (apps, policies, groups, lists, login methods), then settings.
   * Every reference of the end state resolves (checked before planning), so no step meets a dangling one.
   */
  phase: number;
  /** Slow work done before the transaction opens (key generation). */
  prepare?: () => Promise<void>;
  write: (tx: Store) => Promise<void>;
}

export interface Plan {
  changes: PlannedChange[];
  /** Secrets the bundle did not carry that the written configuration needs: the operator must set them again. */
  missingSecrets: string[];
  /** Other things the operator must know or do. */
  notices: string[];
}

export interface PlanOptions {
  urls: PublicUrls;
  now: Date;
  /** import: creates keep the bundle's timestamps and a new app key means the SaaS app needs the new certificate. */
  mode: 'import' | 'apply';
}

const PHASE = { idp: 1, list: 2, group: 3, policy: 4, app: 5, deleteApp: 6, deletePolicy: 7, deleteGroup: 8, deleteList: 9, deleteIdp: 10, settings: 11 } as const;

/**
 * What has to change for the stored configuration to equal the desired one, object by object. Compared in the API's
 * own shape (the serializers), leaving out what the server owns (ids, timestamps, derived URLs), so that applying a
 * bundle that was just exported, or applied, plans nothing.
 */
export async function planChanges(store: Store, current: CurrentConfig, desired: DesiredConfig, options: PlanOptions): Promise<Plan> {
  const plan: Plan = { changes: [], missingSecrets: [], notices: [] };
  const { now } = options;
  planIdps(current, desired, plan, options);

  diff(plan, 'list', current.lists, desired.lists, {
    comparable: (l) => omit(serializeList(l), ['id', 'created_at', 'updated_at'], (o) => ({ ...o, items: (o.items as Array<Record<string, unknown>>).map(({ created_at: _c, ...i }) => i) })),
    merge: (e, d) => ({ ...d, createdAt: e.createdAt, updatedAt: now, items: d.items.map((i) => ({ ...i, createdAt: e.items.find((x) => x.value === i.value)?.createdAt ?? now })) }),
    phases: [PHASE.list, PHASE.deleteList],
    insert: (tx, l) => tx.accessLists.insert(l),
    update: (tx, l) => tx.accessLists.update(l),
    remove: (tx, l) => tx.accessLists.delete(l.id),
  });
  diff(plan, 'group', current.groups, desired.groups, {
    comparable: (g) => omit(serializeGroup(g), ['id', 'uid', 'created_at', 'updated_at']),
    merge: (e, d) => ({ ...d, createdAt: e.createdAt, updatedAt: now }),
    phases: [PHASE.group, PHASE.deleteGroup],
    insert: (tx, g) => tx.accessGroups.insert(g),
    update: (tx, g) => tx.accessGroups.update(g),
    remove: (tx, g) => tx.accessGroups.delete(g.id),
  });
  diff(plan, 'policy', current.policies, desired.policies, {
    comparable: (p) => omit(serializeReusablePolicy(p, 0), ['id', 'uid', 'app_count', 'created_at', 'updated_at']),
    merge: (e, d) => ({ ...d, createdAt: e.createdAt, updatedAt: now }),
    phases: [PHASE.policy, PHASE.deletePolicy],
    insert: (tx, p) => tx.policies.insert(p),
    update: (tx, p) => tx.policies.update(p),
    // The links of apps still using it were replaced in the apps phase; PolicyRepo.delete removes any left.
    remove: (tx, p) => tx.policies.delete(p.id),
  });
  await planApps(store, current, desired, plan, options);
  await planSettings(store, current, desired, plan, options);
  plan.changes.sort((a, b) => a.phase - b.phase);
  return plan;
}

function planIdps(current: CurrentConfig, desired: DesiredConfig, plan: Plan, options: PlanOptions): void {
  const { urls, now } = options;
  const comparable = (i: IdpRecord) => omit(serializeIdp(i, urls), ['id', 'uid', 'created_at', 'updated_at', 'config.redirect_url']);
  const byId = new Map(current.idps.map((i) => [i.id, i]));
  for (const d of desired.idps) {
    const e = byId.get(d.record.id);
    if (!e) {
      if (d.record.type === 'oidc' && !d.secretGiven) {
        plan.missingSecrets.push(`login method "${d.record.name}" (${d.record.id}): config.client_secret must be set again (PUT …/access/identity_providers/${d.record.id})`);
      }
      plan.changes.push({ action: 'create', kind: 'login method', name: d.record.name, id: d.record.id, fields: [], phase: PHASE.idp, write: (tx) => tx.idps.insert(d.record) });
      continue;
    }
    let record = { ...d.record, createdAt: e.createdAt, updatedAt: now } as IdpRecord;
    if (record.type === 'oidc' && e.type === 'oidc' && !d.secretGiven) record = { ...record, config: { ...record.config, clientSecret: e.config.clientSecret } };
    const fields = changedFields(comparable(e), comparable(record));
    // The serializer never shows the secret, so it is compared apart; only the field's name is ever reported.
    if (record.type === 'oidc' && e.type === 'oidc' && record.config.clientSecret !== e.config.clientSecret) fields.push('config.client_secret');
    if (fields.length > 0) plan.changes.push({ action: 'update', kind: 'login method', name: record.name, id: record.id, fields, phase: PHASE.idp, write: (tx) => tx.idps.update(record).then(() => {}) });
  }
  const wanted = new Set(desired.idps.map((d) => d.record.id));
  for (const e of current.idps) {
    if (!wanted.has(e.id)) plan.changes.push({ action: 'delete', kind: 'login method', name: e.name, id: e.id, fields: [], phase: PHASE.deleteIdp, write: (tx) => tx.idps.delete(e.id).then(() => {}) });
  }
}

interface DiffSpec<T extends { id: string; name: string }> {
  comparable: (t: T) => unknown;
  merge: (existing: T, desired: T) => T;
  phases: [number, number];
  insert: (tx: Store, t: T) => Promise<unknown>;
  update: (tx: Store, t: T) => Promise<unknown>;
  remove: (tx: Store, t: T) => Promise<unknown>;
}

function diff<T extends { id: string; name: string }>(plan: Plan, kind: string, current: readonly T[], desired: readonly T[], spec: DiffSpec<T>): void {
  const byId = new Map(current.map((c) => [c.id, c]));
  for (const d of desired) {
    const e = byId.get(d.id);
    if (!e) {
      plan.changes.push({ action: 'create', kind, name: d.name, id: d.id, fields: [], phase: spec.phases[0], write: async (tx) => void (await spec.insert(tx, d)) });
      continue;
    }
    const next = spec.merge(e, d);
    const fields = changedFields(spec.comparable(e), spec.comparable(next));
    if (fields.length > 0) plan.changes.push({ action: 'update', kind, name: next.name, id: next.id, fields, phase: spec.phases[0], write: async (tx) => void (await spec.update(tx, next)) });
  }
  const wanted = new Set(desired.map((d) => d.id));
  for (const e of current) {
    if (!wanted.has(e.id)) plan.changes.push({ action: 'delete', kind, name: e.name, id: e.id, fields: [], phase: spec.phases[1], write: async (tx) => void (await spec.remove(tx, e)) });
  }
}

async function planApps(store: Store, current: CurrentConfig, desired: DesiredConfig, plan: Plan, options: PlanOptions): Promise<void> {
  const { urls, now } = options;
  const comparable = (app: AppRecord, policies: unknown[]) => ({
    ...(omit(serializeApp(app, undefined, [], urls), ['id', 'uid', 'aud', 'domain', 'created_at', 'updated_at', 'policies', 'saas_app.idp_entity_id', 'saas_app.sso_endpoint', 'saas_app.public_key', 'saas_app.created_at', 'saas_app.updated_at']) as Record<string, unknown>),
    policies,
  });
  const byId = new Map(current.apps.map((a) => [a.app.id, a]));
  for (const d of desired.apps) {
    const e = byId.get(d.record.id);
    const wantedPolicies = appPolicies(d.inline, d.links.map((l) => ({ id: l.policyId, precedence: l.precedence })));
    if (!e) {
      const keys = d.signingKeys && d.signingKeys.length > 0 ? d.signingKeys : undefined;
      let fresh: AppSigningKey | undefined;
      const prepare = keys
        ? undefined
        : async () => {
            // Key generation is slow: done before the transaction opens, as the API does.
            const cert = await generateSigningCertificate({ commonName: `Gatehouse SAML ${d.record.name}`.slice(0, 64), now });
            fresh = { id: uuid(), appId: d.record.id, privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem, notAfter: cert.notAfter, createdAt: now };
          };
      if (!keys && options.mode === 'import') {
        plan.missingSecrets.push(`app "${d.record.name}" (${d.record.id}): its SAML signing key was not in the bundle; a new one is made, so the SaaS app must be given the new certificate (${urls.samlMetadata(d.record.aud)})`);
      }
      plan.changes.push({
        action: 'create',
        kind: 'app',
        name: d.record.name,
        id: d.record.id,
        fields: [],
        phase: PHASE.app,
        ...(prepare ? { prepare } : {}),
        write: async (tx) => {
          await tx.apps.insert(d.record);
          // Rows from the bundle are copied column for column; a new key is made the way the API makes one.
          if (keys) await replaceSigningKeyRows(tx, d.record.id, keys);
          else await tx.apps.insertSigningKey(fresh!);
          await writeAppPolicies(tx, d);
        },
      });
      continue;
    }
    const record: AppRecord = { ...d.record, aud: e.app.aud, createdAt: e.app.createdAt, updatedAt: now };
    const have = appPolicies(
      e.policies.filter((p) => p.appId !== null),
      e.policies.filter((p) => p.appId === null).map((p) => ({ id: p.id, precedence: p.precedence })),
    );
    const fields = changedFields(comparable(e.app, have), comparable(record, wantedPolicies));
    const inline = d.inline.map((p) => ({ ...p, createdAt: e.policies.find((x) => x.id === p.id)?.createdAt ?? p.createdAt }));
    let keysChanged = false;
    if (d.signingKeys) {
      const stored = await readSigningKeyRows(store, e.app.id);
      // Only the columns the bundle gives are compared: a bundle from before a column existed still matches.
      const view = (rows: readonly SigningKeyRow[], like: readonly SigningKeyRow[]) =>
        canonicalJson(rows.map((r, i) => Object.fromEntries(Object.keys(like[i] ?? r).map((k) => [k, r[k] ?? null]))));
      keysChanged = stored.length !== d.signingKeys.length || view(stored, d.signingKeys) !== view(d.signingKeys, d.signingKeys);
      if (keysChanged) fields.push('signing_keys');
    }
    if (fields.length === 0) continue;
    plan.changes.push({
      action: 'update',
      kind: 'app',
      name: record.name,
      id: record.id,
      fields,
      phase: PHASE.app,
      write: async (tx) => {
        await tx.apps.update(record);
        await writeAppPolicies(tx, { ...d, inline });
        if (keysChanged) await replaceSigningKeyRows(tx, record.id, d.signingKeys!);
      },
    });
    if (keysChanged) plan.notices.push(`app "${record.name}": its signing keys are replaced by the bundle's; the SaaS app must trust the active certificate (${urls.samlMetadata(record.aud)})`);
  }
  const wanted = new Set(desired.apps.map((d) => d.record.id));
  for (const e of current.apps) {
    if (wanted.has(e.app.id)) continue;
    plan.changes.push({
      action: 'delete',
      kind: 'app',
      name: e.app.name,
      id: e.app.id,
      fields: [],
      phase: PHASE.deleteApp,
      write: async (tx) => {
        // Links first, as the API does: SQLite files without foreign-key enforcement stay clean too.
        await tx.policies.setLinks(e.app.id, []);
        await tx.apps.delete(e.app.id);
      },
    });
  }
}

/** An app's policies as compared: app-scoped ones in full, reusable ones as links (their content is the policy's). */
function appPolicies(scoped: readonly AccessPolicy[], links: ReadonlyArray<{ id: string; precedence: number }>): unknown[] {
  const items = [
    ...scoped.map((p) => ({ precedence: p.precedence, key: p.id, value: omit(serializePolicy(p), ['uid', 'created_at', 'updated_at']) })),
    ...links.map((l) => ({ precedence: l.precedence, key: l.id, value: { reusable_policy: l.id, precedence: l.precedence } })),
  ];
  return items.sort((a, b) => a.precedence - b.precedence || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((i) => i.value);
}

/** Replaces an app's policies: its app-scoped ones and its links (never both; the schema refuses a mix). */
async function writeAppPolicies(tx: Store, app: DesiredApp): Promise<void> {
  await tx.policies.deleteForApp(app.record.id);
  await tx.policies.setLinks(app.record.id, app.links);
  for (const p of app.inline) await tx.policies.insert(p);
}

async function planSettings(store: Store, current: CurrentConfig, desired: DesiredConfig, plan: Plan, options: PlanOptions): Promise<void> {
  const { urls, now } = options;
  const orgView = (o: typeof current.organization) => omit(serializeOrganization(o, { urls }), ['updated_at', 'auth_domain']);
  const orgFields = changedFields(orgView(current.organization), orgView(desired.organization));
  // A restore also writes an organization that equals the defaults but was saved, so its updated_at survives.
  const restoreStamp = options.mode === 'import' && desired.organization.updatedAt !== undefined && !current.organizationStored;
  if (orgFields.length > 0 || restoreStamp) {
    const org = { ...desired.organization, updatedAt: options.mode === 'import' ? (desired.organization.updatedAt ?? now) : now };
    plan.changes.push({ action: 'update', kind: 'organization', name: org.name, fields: orgFields, phase: PHASE.settings, write: (tx) => writeOrganization(tx, org) });
  }
  const adminPolicyId = desired.adminPolicyId ?? undefined;
  if (adminPolicyId && adminPolicyId !== current.adminPolicyId) {
    const name = desired.policies.find((p) => p.id === adminPolicyId)?.name ?? adminPolicyId;
    plan.changes.push({
      action: current.adminPolicyId ? 'update' : 'create',
      kind: "dashboard administrators' policy",
      name,
      id: adminPolicyId,
      fields: current.adminPolicyId ? ['dashboard_admin_policy_id'] : [],
      phase: PHASE.settings,
      write: (tx) => tx.settings.set(ADMIN_POLICY_KEY, adminPolicyId),
    });
  }
  const spKey = desired.spSigningKey;
  if (spKey !== undefined) {
    const stored = current.hasSpSigningKey ? await store.settings.getSecret(SP_SIGNING_KEY_SETTING) : undefined;
    if (stored !== spKey) {
      plan.changes.push({
        action: stored === undefined ? 'create' : 'update',
        kind: 'SAML SP signing key',
        name: 'Gatehouse SAML SP',
        fields: stored === undefined ? [] : ['private_key'],
        phase: PHASE.settings,
        write: (tx) => tx.settings.set(SP_SIGNING_KEY_SETTING, tx.secrets.seal(spKey, secretContext.setting(SP_SIGNING_KEY_SETTING))),
      });
      // Each instance loads this key once (SpSigningKey) and keeps it in memory.
      if (stored !== undefined) plan.notices.push('the SAML SP signing key changes: restart running instances so they sign AuthnRequests with it');
    }
  } else if (options.mode === 'import' && !current.hasSpSigningKey) {
    const signing = desired.idps.filter((i) => i.record.type === 'saml' && i.record.config.signRequest).map((i) => `"${i.record.name}"`);
    if (signing.length > 0) {
      plan.missingSecrets.push(`the SAML SP signing key was not in the bundle; a new one is made on first use, so upload the new SP metadata (${urls.spMetadata()}) at the IdP of ${signing.join(', ')}`);
    }
  }
}

/**
 * The names of the fields that differ, one level deep into objects (config.scopes, saas_app.consumer_service_url), so
 * a plan says what changes without showing any value.
 */
export function changedFields(before: unknown, after: unknown, prefix = ''): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    const x = a[key];
    const y = b[key];
    if (!prefix && isObject(x) && isObject(y)) out.push(...changedFields(x, y, `${key}.`));
    else if (canonicalJson(x) !== canonicalJson(y)) out.push(`${prefix}${key}`);
  }
  return out;
}

/** A copy without the given fields (dotted paths reach one level into objects), optionally reshaped. */
function omit(value: Record<string, unknown>, paths: string[], reshape: (o: Record<string, unknown>) => Record<string, unknown> = (o) => o): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const path of paths) {
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) delete out[head];
    else if (isObject(out[head])) {
      const inner = { ...(out[head] as Record<string, unknown>) };
      delete inner[tail];
      out[head] = inner;
    }
  }
  return reshape(out);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
