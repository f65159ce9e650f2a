import { serializeApp } from '../admin-api/app-serializer.js';
import { serializeGroup } from '../admin-api/group-serializer.js';
import { serializeIdp } from '../admin-api/idp-serializer.js';
import { serializeList } from '../admin-api/list-serializer.js';
import { serializeOrganization } from '../admin-api/organizations-routes.js';
import { serializeReusablePolicy } from '../admin-api/policy-serializer.js';
import type { PublicUrls } from '../http/public-urls.js';
import type { Store } from '../store/store.js';
import { BUNDLE_VERSION, type BundleSecrets, type ConfigBundle, type SigningKeyRowOut } from './bundle-format.js';
import { loadCurrentConfig, SP_SIGNING_KEY_SETTING } from './current-config.js';
import { type ExportSealer, exportContext } from './export-sealer.js';
import { readSigningKeyRows } from './signing-key-rows.js';

export interface ExportResult {
  bundle: ConfigBundle;
  /** Secrets left out (no export key), for the operator's message. */
  omitted: string[];
  /** How many secrets were sealed into the bundle. */
  sealed: number;
}

/**
 * The whole configuration as one bundle, every object in the admin API's response shape (the API's own serializers),
 * in the API's order (oldest first, then by id), so that exporting twice gives the same bytes. Secrets go into
 * `secrets`, sealed under the export key, or are only named there as omitted.
 *
 * Not configuration, and never exported: session signing keys (sessions are not carried over; users sign in again),
 * API tokens (only keyed hashes exist), users, sessions, login transactions and the authentication log.
 */
export async function exportConfig(store: Store, urls: PublicUrls, accountId: string | null, sealer: ExportSealer | undefined): Promise<ExportResult> {
  const current = await loadCurrentConfig(store);
  const secrets: BundleSecrets = {};
  const omitted: string[] = [];
  let sealed = 0;

  const idpSecrets: Record<string, { client_secret: string }> = {};
  for (const idp of current.idps) {
    if (idp.type !== 'oidc' || idp.config.clientSecret === '') continue;
    if (sealer) {
      idpSecrets[idp.id] = { client_secret: sealer.seal(idp.config.clientSecret, exportContext.idpClientSecret(idp.id)) };
      sealed++;
    } else {
      omitted.push(`identity_providers/${idp.id}/config/client_secret`);
    }
  }

  const keyRows: Record<string, SigningKeyRowOut[]> = {};
  for (const { app } of current.apps) {
    if (!sealer) {
      omitted.push(`apps/${app.id}/signing_keys`);
      continue;
    }
    const rows = await readSigningKeyRows(store, app.id);
    if (rows.length === 0) continue;
    keyRows[app.id] = rows.map((r) => ({ ...r, private_key_pem: sealer.seal(r.private_key_pem, exportContext.appSigningKey(app.id, r.id)) }));
    sealed += rows.length;
  }

  const spKey = current.hasSpSigningKey ? await store.settings.getSecret(SP_SIGNING_KEY_SETTING) : undefined;
  if (spKey && !sealer) omitted.push('settings/saml_sp_signing_key');

  if (sealer) {
    secrets.key_id = sealer.keyId;
    if (Object.keys(idpSecrets).length > 0) secrets.identity_providers = idpSecrets;
    if (Object.keys(keyRows).length > 0) secrets.app_signing_keys = keyRows;
    if (spKey) {
      secrets.saml_sp_signing_key = sealer.seal(spKey, exportContext.spSigningKey());
      sealed++;
    }
  } else {
    secrets.omitted = omitted;
  }

  const appCounts = await store.policies.appCounts(current.policies.map((p) => p.id));
  const bundle: ConfigBundle = {
    gatehouse_export: BUNDLE_VERSION,
    account_id: accountId,
    identity_providers: current.idps.map((i) => serializeIdp(i, urls)),
    apps: current.apps.map((a) => serializeApp(a.app, a.certificatePem, a.policies, urls)),
    policies: current.policies.map((p) => serializeReusablePolicy(p, appCounts.get(p.id) ?? 0)),
    groups: current.groups.map(serializeGroup),
    lists: current.lists.map((l) => serializeList(l)),
    organization: serializeOrganization(current.organization, { urls }),
    dashboard_admin_policy_id: current.adminPolicyId ?? null,
    secrets,
  };
  return { bundle, omitted, sealed };
}
