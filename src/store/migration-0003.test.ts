import { type Kysely, Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createPostgresDatabase, createSqliteDatabase, dialectCases, TEST_SECRET_KEY } from '../../test/helpers/test-databases.js';
import { unlockSecrets } from '../secrets/secret-keyring.js';
import { migrateToLatest, migrations } from './migrations.js';
import { openDatabase } from './open-database.js';
import { Store } from './store.js';

/** Migration 0003 on a database written by the previous release: keys keep working, states are what they were. */
const cases = await dialectCases();

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`migration 0003 (key rotation) on ${dialect.name}`, () => {
    it('gives legacy session keys generations in creation order, and makes each app newest key the active one', async () => {
      const made = dialect.name === 'sqlite' ? createSqliteDatabase() : await createPostgresDatabase();
      const opened = openDatabase(made.url);
      try {
        const db = opened.db as Kysely<any>;
        const upTo0002 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0003'));
        const { error } = await new Migrator({ db, provider: { getMigrations: async () => upTo0002 } }).migrateToLatest();
        expect(error).toBeUndefined();
        const t0 = Date.parse('2029-01-01T00:00:00Z');
        for (const [kid, at] of [['b-key', t0 + 10], ['a-key', t0], ['c-key', t0 + 10]] as const) {
          await db.insertInto('session_keys').values({ kid, private_key_pem: 'p', certificate_pem: 'c', created_at: at, retired_at: null }).execute();
        }
        await db.insertInto('apps').values({ id: 'app1', aud: 'a'.repeat(64), name: 'A', type: 'saas', settings: '{}', created_at: t0, updated_at: t0 }).execute();
        await db.insertInto('apps').values({ id: 'app2', aud: 'b'.repeat(64), name: 'B', type: 'saas', settings: '{}', created_at: t0, updated_at: t0 }).execute();
        for (const [id, app, at] of [['k1', 'app1', t0], ['k2', 'app1', t0 + 5], ['k3', 'app2', t0]] as const) {
          await db.insertInto('app_signing_keys').values({ id, app_id: app, private_key_pem: 'p', certificate_pem: 'c', not_after: t0 + 1e10, created_at: at }).execute();
        }
        await migrateToLatest(opened.db);
        const keys = await db.selectFrom('session_keys').select(['kid', 'generation', 'activated_at']).orderBy('generation').execute();
        expect(keys.map((k) => [k.kid, Number(k.generation), Number(k.activated_at)])).toEqual([
          ['a-key', 1, t0],
          ['b-key', 2, t0 + 10],
          ['c-key', 3, t0 + 10],
        ]);
        const signing = await db.selectFrom('app_signing_keys').select(['id', 'status']).orderBy('id').execute();
        expect(signing).toEqual([
          { id: 'k1', status: 'retired' },
          { id: 'k2', status: 'active' },
          { id: 'k3', status: 'active' },
        ]);
        // The database now refuses a second active key for an app (what keeps two instances from both switching).
        await expect(db.updateTable('app_signing_keys').set({ status: 'active' }).where('id', '=', 'k1').execute()).rejects.toThrow();
        const { box } = await unlockSecrets(opened.db, TEST_SECRET_KEY);
        expect((await new Store(opened.db, box).apps.certificates('app1')).map((c) => c.status)).toEqual(['active', 'retired']);
      } finally {
        await opened.close();
        await made.drop();
      }
    });
  });
}
