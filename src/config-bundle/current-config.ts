import type { AppRecord } from '../apps/app-record.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import type { AccessGroup, AccessList, AccessPolicy } from '../policy/policy-types.js';
import { type Organization, readOrganization } from '../settings/organization.js';
import { ADMIN_POLICY_KEY } from '../setup/first-run.js';
import { CONFIG_VERSION_KEY, type Store } from '../store/store.js';

/** settings key of Gatehouse's own SAML SP signing key (src/connectors/saml/sp-signing-key.ts). */
export const SP_SIGNING_KEY_SETTING = 'saml_sp_signing_key';
/** settings key of the account id (src/bootstrap.ts). */
export const ACCOUNT_ID_SETTING = 'account_id';
/** settings key of the organization (src/settings/organization.ts). */
export const ORGANIZATION_SETTING = 'organization';

const ALL = 1_000_000;

export interface CurrentApp {
  app: AppRecord;
  /** What the app evaluates: its app-scoped policies and the reusable ones it links (with the link's precedence). */
  policies: AccessPolicy[];
  /** The certificate of the key that signs now (the API's saas_app.public_key). */
  certificatePem: string | undefined;
}

/** The configuration stored in a database, read in full (configuration is small: tens to hundreds of objects). */
export interface CurrentConfig {
  /** config_version when this was read: apply refuses to write if it changed since. */
  configVersion: string | undefined;
  accountId: string | undefined;
  idps: IdpRecord[];
  lists: AccessList[];
  groups: AccessGroup[];
  /** Reusable policies. */
  policies: AccessPolicy[];
  apps: CurrentApp[];
  organization: Organization;
  /** Whether an organization is stored (otherwise `organization` is the default). */
  organizationStored: boolean;
  adminPolicyId: string | undefined;
  /** Whether Gatehouse's SAML SP signing key exists yet (it is made on first use). */
  hasSpSigningKey: boolean;
}

/**
 * Reads the whole configuration. The reads are not one snapshot on every database, so they are repeated until
 * config_version is the same before and after (every configuration write changes it).
 */
export async function loadCurrentConfig(store: Store): Promise<CurrentConfig> {
  for (let attempt = 0; ; attempt++) {
    const before = await store.settings.get(CONFIG_VERSION_KEY);
    const current = await readOnce(store, before);
    if ((await store.settings.get(CONFIG_VERSION_KEY)) === before || attempt >= 4) return current;
  }
}

async function readOnce(store: Store, configVersion: string | undefined): Promise<CurrentConfig> {
  const [idps, lists, groups, policies, apps, organizationRaw, adminPolicyId, accountId, spKey] = await Promise.all([
    store.idps.list(0, ALL),
    store.accessLists.all(),
    store.accessGroups.all(),
    store.policies.listReusable(0, ALL),
    store.apps.list(0, ALL),
    store.settings.get(ORGANIZATION_SETTING),
    store.settings.get(ADMIN_POLICY_KEY),
    store.settings.get(ACCOUNT_ID_SETTING),
    store.settings.get(SP_SIGNING_KEY_SETTING),
  ]);
  const currentApps: CurrentApp[] = [];
  for (const app of apps.items) {
    currentApps.push({ app, policies: await store.policies.listForApp(app.id), certificatePem: (await store.apps.currentSigningKey(app.id))?.certificatePem });
  }
  return {
    configVersion,
    accountId,
    idps: idps.items,
    lists: [...lists.values()],
    groups: [...groups.values()],
    policies: policies.items,
    apps: currentApps,
    organization: await readOrganization(store),
    organizationStored: organizationRaw !== undefined,
    adminPolicyId: adminPolicyId || undefined,
    hasSpSigningKey: spKey !== undefined && spKey !== '',
  };
}
