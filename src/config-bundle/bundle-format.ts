import { z } from 'zod';
import { uuidField } from '../admin-api/url-field.js';

/** The bundle version `gatehouse export` writes; import and apply read exactly this version. */
export const BUNDLE_VERSION = 1;

/** A value sealed by ExportSealer (see export-sealer.ts). */
export const SEALED_EXPORT_PREFIX = 'ghx1.';
const sealedValue = z.string().regex(/^ghx1\.[A-Za-z0-9_-]+$/, 'must be a sealed value written by gatehouse export --secrets-key-file');

/** One app_signing_keys row, column for column (unknown columns included); private_key_pem sealed. */
export type SigningKeyRowOut = Record<string, string | number | null>;

/**
 * The secrets of a bundle, kept apart from the objects so that every object stays exactly in the admin API's response
 * shape (where client_secret is "**********"). Without an export key only `omitted` is written.
 */
export interface BundleSecrets {
  /** The public id of the key that sealed them (parseMasterKey's id), so a wrong key is named, not guessed at. */
  key_id?: string;
  /** What was left out, e.g. `identity_providers/<id>/config/client_secret`. */
  omitted?: string[];
  identity_providers?: Record<string, { client_secret: string }>;
  /** By app id: that app's signing key rows. */
  app_signing_keys?: Record<string, SigningKeyRowOut[]>;
  /** Gatehouse's own SAML SP signing key (settings saml_sp_signing_key, as its stored JSON). */
  saml_sp_signing_key?: string;
}

/** The whole configuration of a Gatehouse, as `gatehouse export` writes it and `import` / `apply` read it. */
export interface ConfigBundle {
  gatehouse_export: typeof BUNDLE_VERSION;
  /** The account id in /client/v4/accounts/<id>; null when the database has none yet. */
  account_id: string | null;
  identity_providers: Array<Record<string, unknown>>;
  apps: Array<Record<string, unknown>>;
  policies: Array<Record<string, unknown>>;
  groups: Array<Record<string, unknown>>;
  lists: Array<Record<string, unknown>>;
  organization: Record<string, unknown>;
  dashboard_admin_policy_id: string | null;
  secrets: BundleSecrets;
}

const signingKeyRow = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

const secretsSchema = z
  .object({
    key_id: z.string().max(64).optional(),
    omitted: z.array(z.string()).optional(),
    identity_providers: z.record(uuidField, z.object({ client_secret: sealedValue }).strict()).optional(),
    app_signing_keys: z.record(uuidField, z.array(signingKeyRow).max(100)).optional(),
    saml_sp_signing_key: sealedValue.optional(),
  })
  .strict();

/**
 * The envelope of a bundle. Every top-level collection is required (an empty array is fine): `apply` deletes what the
 * file does not list, so a key left out by mistake must not mean "delete everything of that kind". The objects inside
 * are checked one by one with the admin API's own schemas (parse-bundle.ts), so problems point into each object.
 */
export const bundleSchema = z
  .object({
    gatehouse_export: z.literal(BUNDLE_VERSION, `must be ${BUNDLE_VERSION}: this Gatehouse reads bundles of format version ${BUNDLE_VERSION}`),
    account_id: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lower-case hex characters').nullable().optional(),
    identity_providers: z.array(z.unknown()),
    apps: z.array(z.unknown()),
    policies: z.array(z.unknown()),
    groups: z.array(z.unknown()),
    lists: z.array(z.unknown()),
    organization: z.record(z.string(), z.unknown()),
    dashboard_admin_policy_id: uuidField.nullable().optional(),
    secrets: secretsSchema.optional(),
  })
  .strict();

export type ParsedBundleEnvelope = z.infer<typeof bundleSchema>;
