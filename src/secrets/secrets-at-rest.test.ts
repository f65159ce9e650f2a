import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createSqliteDatabase, dialectCases } from '../../test/helpers/test-databases.js';
import { sha256Hex } from '../lib/sha256.js';
import { generateSigningCertificate } from '../keys/generate-signing-certificate.js';
import { migrateToLatest } from '../store/migrations.js';
import { type OpenDatabase, openDatabase } from '../store/open-database.js';
import { Store } from '../store/store.js';
import { generateMasterKeyText, type MasterKey, parseMasterKey, SecretKeyError } from './master-key.js';
import { openSecrets } from './open-secrets.js';
import { SecretBox } from './secret-box.js';
import { acceptedMasterKeyIds, addMasterKey, retireOtherMasterKeys, unlockSecrets } from './secret-keyring.js';

const cases = await dialectCases();
const t0 = new Date('2026-01-01T00:00:00Z');
const CLIENT_SECRET = 'cognito-client-secret-8f3a91c2';
const API_TOKEN = 'gh_legacy-api-token-value-0123456789abcdef';

function newKey(label: string): MasterKey {
  return parseMasterKey(generateMasterKeyText(), label);
}

/** Every value of every row of every table, as one string: what a stolen database dump would show. */
async function dump(opened: OpenDatabase): Promise<string> {
  const tables = ['settings', 'api_tokens', 'identity_providers', 'apps', 'app_signing_keys', 'session_keys', 'policies'] as const;
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await opened.db.selectFrom(t).selectAll().execute()));
  return parts.join('\n');
}

describe('SecretBox', () => {
  const box = SecretBox.ephemeral();

  it('opens what it sealed, in the same context only', () => {
    const sealed = box.seal('-----BEGIN PRIVATE KEY-----\nabc', 'ctx:a');
    expect(sealed).toMatch(/^gh1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('PRIVATE');
    expect(box.open(sealed, 'ctx:a')).toBe('-----BEGIN PRIVATE KEY-----\nabc');
    expect(() => box.open(sealed, 'ctx:b')).toThrow(/ctx:b/);
  });

  it('refuses altered, truncated, plaintext and foreign values', () => {
    const sealed = box.seal('value', 'ctx');
    const raw = Buffer.from(sealed.slice(4), 'base64url');
    raw[raw.length - 20]! ^= 1;
    expect(() => box.open(`gh1.${raw.toString('base64url')}`, 'ctx')).toThrow(/cannot be decrypted/);
    expect(() => box.open('gh1.AAAA', 'ctx')).toThrow(/cannot be decrypted/);
    expect(() => box.open('value', 'ctx')).toThrow(/cannot be decrypted/);
    expect(() => SecretBox.ephemeral().open(sealed, 'ctx')).toThrow(/cannot be decrypted/);
  });

  it('seals the same value differently every time (random IV)', () => {
    expect(box.seal('same', 'ctx')).not.toBe(box.seal('same', 'ctx'));
  });

  it('keys token hashes by the data key: equal within a database, different across databases, never bare SHA-256', () => {
    const other = SecretBox.ephemeral();
    expect(box.tokenHash('t')).toBe(box.tokenHash('t'));
    expect(box.tokenHash('t')).not.toBe(other.tokenHash('t'));
    expect(box.tokenHash('t')).not.toBe(sha256Hex('t'));
    expect(box.hashOfSha256(sha256Hex('t'))).toBe(box.tokenHash('t'));
  });
});

describe('master key parsing', () => {
  it('accepts 64 hex characters and base64/base64url of 32 bytes, with surrounding whitespace', () => {
    const bytes = randomBytes(32);
    const id = parseMasterKey(bytes.toString('hex'), 'k').id;
    expect(parseMasterKey(`${bytes.toString('base64')}\n`, 'k').id).toBe(id);
    expect(parseMasterKey(` ${bytes.toString('base64url')} `, 'k').id).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses short, long and non-key values without echoing them', () => {
    for (const bad of ['my-passphrase-value', 'ab'.repeat(31), 'ab'.repeat(33), randomBytes(16).toString('base64'), 'correct horse battery staple correct horse']) {
      expect(() => parseMasterKey(bad, 'GATEHOUSE_SECRET_KEY')).toThrow(SecretKeyError);
      try {
        parseMasterKey(bad, 'GATEHOUSE_SECRET_KEY');
      } catch (e) {
        expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`secrets at rest on ${dialect.name}`, () => {
    const made: Array<{ url: string; drop(): Promise<void> }> = [];
    const opened: OpenDatabase[] = [];
    async function freshDb(): Promise<OpenDatabase> {
      const m = dialect.name === 'sqlite' ? createSqliteDatabase() : await createPostgresDatabase();
      made.push(m);
      const o = openDatabase(m.url);
      opened.push(o);
      await migrateToLatest(o.db);
      return o;
    }
    afterAll(async () => {
      for (const o of opened) await o.close().catch(() => {});
      for (const m of made) await m.drop();
    });

    it('no secret is readable in the database: client secrets, private keys, the CSRF key, token hashes', async () => {
      const db = await freshDb();
      const { box } = await unlockSecrets(db.db, newKey('k'));
      const store = new Store(db.db, box);
      const cert = await generateSigningCertificate({ commonName: 'test', now: t0 });
      await store.idps.insert({
        id: 'idp1',
        name: 'Cognito',
        type: 'oidc',
        config: { clientId: 'cid', clientSecret: CLIENT_SECRET, authUrl: 'https://a/auth', tokenUrl: 'https://a/token', certsUrl: 'https://a/jwks', scopes: ['openid'], claims: [], emailClaimName: 'email', pkceEnabled: true },
        createdAt: t0,
        updatedAt: t0,
      });
      await store.sessionKeys.insertIfGenerationFree({ kid: 'k1', privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem, createdAt: t0, generation: 1, activatedAt: t0 });
      await store.apiTokens.put('bootstrap', 'Bootstrap', API_TOKEN, t0);
      const csrf = await store.settings.setSecretIfAbsent('csrf_key', 'csrf-key-value-that-is-secret');
      expect(csrf).toBe('csrf-key-value-that-is-secret');
      expect(await store.settings.getSecret('csrf_key')).toBe('csrf-key-value-that-is-secret');

      const everything = await dump(db);
      expect(everything).not.toContain(CLIENT_SECRET);
      expect(everything).not.toContain('PRIVATE KEY');
      expect(everything).not.toContain(cert.privateKeyPem.split('\n')[1]!);
      expect(everything).not.toContain(API_TOKEN);
      expect(everything).not.toContain(sha256Hex(API_TOKEN));
      expect(everything).not.toContain('csrf-key-value-that-is-secret');
      // …and the application still reads them all.
      const idp = await store.idps.get('idp1');
      expect(idp?.type === 'oidc' && idp.config.clientSecret).toBe(CLIENT_SECRET);
      expect((await store.sessionKeys.all())[0]?.privateKeyPem).toBe(cert.privateKeyPem);
      expect((await store.apiTokens.findByToken(API_TOKEN))?.id).toBe('bootstrap');
    });

    it('a database written before encryption at rest is converted in place on first unlock, and keeps working', async () => {
      const db = await freshDb();
      const cert = await generateSigningCertificate({ commonName: 'legacy', now: t0 });
      // Rows exactly as the previous release stored them: secrets in clear, API token as bare SHA-256.
      await db.db.insertInto('identity_providers').values({ id: 'old', name: 'Old', type: 'oidc', config: JSON.stringify({ clientId: 'cid', authUrl: 'https://a/auth', tokenUrl: 'https://a/token', certsUrl: 'https://a/jwks', scopes: ['openid'], claims: [], emailClaimName: 'email', pkceEnabled: true }), secrets: JSON.stringify({ clientSecret: CLIENT_SECRET }), created_at: t0.getTime(), updated_at: t0.getTime() }).execute();
      await db.db.insertInto('session_keys').values({ kid: 'legacy', private_key_pem: cert.privateKeyPem, certificate_pem: cert.certificatePem, created_at: t0.getTime(), retired_at: null }).execute();
      await db.db.insertInto('api_tokens').values({ id: 'bootstrap', name: 'Bootstrap', token_hash: sha256Hex(API_TOKEN), created_at: t0.getTime(), last_used_at: null }).execute();
      await db.db.insertInto('settings').values([
        { key: 'csrf_key', value: 'legacy-csrf' },
        { key: 'saml_sp_signing_key', value: JSON.stringify({ privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem }) },
        { key: 'setup_token', value: JSON.stringify({ hash: sha256Hex('setup-link-token'), expiresAt: t0.getTime() + 1000 }) },
      ]).execute();

      const { box, created } = await unlockSecrets(db.db, newKey('k'));
      expect(created).toBe(true);
      const everything = await dump(db);
      expect(everything).not.toContain(CLIENT_SECRET);
      expect(everything).not.toContain('PRIVATE KEY');
      expect(everything).not.toContain('legacy-csrf');
      expect(everything).not.toContain(sha256Hex(API_TOKEN));
      expect(everything).not.toContain(sha256Hex('setup-link-token'));

      const store = new Store(db.db, box);
      const idp = await store.idps.get('old');
      expect(idp?.type === 'oidc' && idp.config.clientSecret).toBe(CLIENT_SECRET);
      expect((await store.apiTokens.findByToken(API_TOKEN))?.id).toBe('bootstrap');
      expect(await store.settings.getSecret('csrf_key')).toBe('legacy-csrf');
      expect(JSON.parse((await store.settings.getSecret('saml_sp_signing_key'))!).privateKeyPem).toBe(cert.privateKeyPem);
      const setup = JSON.parse((await store.settings.get('setup_token'))!) as { hash: string };
      expect(setup.hash).toBe(box.tokenHash('setup-link-token'));
    });

    it('a wrong key is refused and a second unlock with the right key opens the same data', async () => {
      const db = await freshDb();
      const key = newKey('GATEHOUSE_SECRET_KEY');
      const first = await unlockSecrets(db.db, key);
      const sealed = first.box.seal('x', 'c');
      const again = await unlockSecrets(db.db, key);
      expect(again.created).toBe(false);
      expect(again.box.open(sealed, 'c')).toBe('x');
      await expect(unlockSecrets(db.db, newKey('GATEHOUSE_SECRET_KEY'))).rejects.toThrow(/is not a key of this database.*never generates a new key/s);
      expect(await acceptedMasterKeyIds(db.db)).toEqual([key.id]);
    });

    it('an altered wrap fails closed instead of being replaced', async () => {
      const db = await freshDb();
      const key = newKey('k');
      await unlockSecrets(db.db, key);
      await db.db.updateTable('settings').set({ value: Buffer.alloc(60, 7).toString('base64url') }).where('key', '=', `secret_data_key:${key.id}`).execute();
      await expect(unlockSecrets(db.db, key)).rejects.toThrow(/does not decrypt.*altered/);
      expect(await acceptedMasterKeyIds(db.db)).toEqual([key.id]);
    });

    // PostgreSQL only: two SQLite connections inside one process deadlock on the write lock (better-sqlite3 waits
    // synchronously), which says nothing about two processes; on SQLite the insert-or-nothing is the same statement.
    if (dialect.name === 'postgres') it('instances starting together on an empty database agree on one data key', async () => {
      const db = await freshDb();
      const key = newKey('k');
      // A second connection pool to the same database: what a second instance has.
      const second = openDatabase(made.at(-1)!.url);
      opened.push(second);
      const [a, b] = await Promise.all([unlockSecrets(db.db, key), unlockSecrets(second.db, key)]);
      expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
      expect(b.box.open(a.box.seal('shared', 'c'), 'c')).toBe('shared');
    });

    it('rotating the master key: add the new key, both open the data, retire the old, only the new opens', async () => {
      const db = await freshDb();
      const oldKey = newKey('old');
      const newer = newKey('new');
      const { box } = await unlockSecrets(db.db, oldKey);
      const store = new Store(db.db, box);
      await store.apiTokens.put('t', 'T', API_TOKEN, t0);
      const sealed = box.seal('secret', 'c');

      await addMasterKey(db.db, oldKey, newer);
      await addMasterKey(db.db, oldKey, newer); // idempotent
      expect(await acceptedMasterKeyIds(db.db)).toEqual([newer.id, oldKey.id].sort());
      expect((await unlockSecrets(db.db, oldKey)).box.open(sealed, 'c')).toBe('secret');
      const viaNew = await unlockSecrets(db.db, newer);
      expect(viaNew.box.open(sealed, 'c')).toBe('secret');
      // Token hashes are keyed by the data key, which did not change: tokens keep working across the rotation.
      expect((await new Store(db.db, viaNew.box).apiTokens.findByToken(API_TOKEN))?.id).toBe('t');

      await expect(retireOtherMasterKeys(db.db, newKey('stranger'))).rejects.toThrow(SecretKeyError);
      expect(await retireOtherMasterKeys(db.db, newer)).toBe(1);
      expect(await acceptedMasterKeyIds(db.db)).toEqual([newer.id]);
      await expect(unlockSecrets(db.db, oldKey)).rejects.toThrow(/is not a key of this database/);
      expect((await unlockSecrets(db.db, newer)).box.open(sealed, 'c')).toBe('secret');
    });
  });
}

describe('openSecrets: where the key comes from', () => {
  let dir: string;
  let db: OpenDatabase;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-secret-key-'));
    db = openDatabase(`sqlite:${join(dir, 'gatehouse.db')}`);
    await migrateToLatest(db.db);
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('production without a key refuses to start a new database', async () => {
    await expect(openSecrets(db.db, { production: true, secretKey: { value: undefined, file: join(dir, 'secret.key'), fileIsDefault: true } })).rejects.toThrow(/NODE_ENV=production needs a secret key/);
  });

  it('a named key file that does not exist is an error, not a new key', async () => {
    const file = join(dir, 'named.key');
    await expect(openSecrets(db.db, { production: false, secretKey: { value: undefined, file, fileIsDefault: false } })).rejects.toThrow(/does not exist/);
    expect(() => statSync(file)).toThrow();
  });

  it('development default: a brand-new database gets a key file (mode 0600); once it has secrets a missing key is an error', async () => {
    const file = join(dir, 'secret.key');
    const first = await openSecrets(db.db, { production: false, secretKey: { value: undefined, file, fileIsDefault: true } });
    expect(first.notices.join('\n')).toMatch(/created .*secret\.key/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.box.seal('v', 'c');
    const second = await openSecrets(db.db, { production: false, secretKey: { value: undefined, file, fileIsDefault: true } });
    expect(second.notices).toEqual([]);
    expect(second.box.open(sealed, 'c')).toBe('v');
    // From the environment instead of the file: the same key works.
    const viaEnv = await openSecrets(db.db, { production: true, secretKey: { value: readFileSync(file, 'utf8'), file: '/nonexistent', fileIsDefault: true } });
    expect(viaEnv.box.open(sealed, 'c')).toBe('v');

    rmSync(file);
    await expect(openSecrets(db.db, { production: false, secretKey: { value: undefined, file, fileIsDefault: true } })).rejects.toThrow(/secrets are encrypted, but no key was given/);
    // Fail closed: no new key file was made behind the operator's back.
    expect(() => statSync(file)).toThrow();
    writeFileSync(file, generateMasterKeyText(), { mode: 0o600 });
    await expect(openSecrets(db.db, { production: false, secretKey: { value: undefined, file, fileIsDefault: true } })).rejects.toThrow(/is not a key of this database/);
  });
});
