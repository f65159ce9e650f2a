import { secretContext } from '../secrets/secret-contexts.js';
import type { Store } from '../store/store.js';

/**
 * An app_signing_keys row, column for column, with private_key_pem in clear. Read and written generically (every
 * column the table has, known to this code or not) so that columns added later, such as those for certificate
 * rollover, survive an export and import without this code knowing them.
 */
export type SigningKeyRow = Record<string, string | number | null> & { id: string; app_id: string; private_key_pem: string };

const TABLE = 'app_signing_keys';

/** An app's signing key rows, oldest first, private keys opened with the database's key. */
export async function readSigningKeyRows(store: Store, appId: string): Promise<SigningKeyRow[]> {
  const rows = (await store.db.selectFrom(TABLE).selectAll().where('app_id', '=', appId).orderBy('created_at').orderBy('id').execute()) as unknown as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const out: Record<string, string | number | null> = {};
    for (const key of Object.keys(r).sort()) out[key] = normalize(r[key]);
    out.private_key_pem = store.secrets.open(String(r.private_key_pem), secretContext.appSigningKey(String(r.id)));
    return out as SigningKeyRow;
  });
}

/** Replaces an app's signing keys with `rows`, sealing each private key for its row. */
export async function replaceSigningKeyRows(tx: Store, appId: string, rows: readonly SigningKeyRow[]): Promise<void> {
  await tx.db.deleteFrom(TABLE).where('app_id', '=', appId).execute();
  for (const row of rows) {
    const values = { ...row, app_id: appId, private_key_pem: tx.secrets.seal(row.private_key_pem, secretContext.appSigningKey(row.id)) };
    // Column names were checked against the live table (signingKeyColumns) before anything is written.
    await tx.db.insertInto(TABLE).values(values as never).execute();
  }
  // Rows from another schema version could leave the app without a key that signs; the transaction then rolls back.
  if (rows.length > 0 && !(await tx.apps.currentSigningKey(appId))) {
    throw new Error(`app ${appId}: the signing keys of the bundle leave it without an active key; nothing was written`);
  }
}

/** The columns app_signing_keys has in this database (which may be newer or older than this code). */
export async function signingKeyColumns(store: Store): Promise<Set<string>> {
  const tables = await store.db.introspection.getTables();
  const table = tables.find((t) => t.name === TABLE);
  return new Set(table?.columns.map((c) => c.name) ?? []);
}

function normalize(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return String(v);
}
