import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The operator's key (GATEHOUSE_SECRET_KEY or its file). It only wraps the database's data key. */
export interface MasterKey {
  bytes: Buffer;
  /** A public name for the key (an HMAC of a label, not of anything secret): which key a database expects. */
  id: string;
  /** Where it came from, for messages: never the key itself. */
  source: string;
}

/** Start-up problems with the secret key: reported plainly, and Gatehouse does not start. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** 32 bytes as 64 hex characters or as base64 / base64url (what `gatehouse secret-key generate` prints). */
export function parseMasterKey(text: string, source: string): MasterKey {
  const t = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) bytes = Buffer.from(t.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url');
  if (!bytes || bytes.length !== 32) {
    throw new SecretKeyError(`${source}: must be 32 random bytes, written as 64 hex characters or as base64 (generate one with \`gatehouse secret-key generate\`)`);
  }
  return { bytes, id: createHmac('sha256', bytes).update('gatehouse key id v1').digest('hex').slice(0, 16), source };
}

export function generateMasterKeyText(): string {
  return randomBytes(32).toString('base64url');
}

export interface MasterKeySource {
  /** GATEHOUSE_SECRET_KEY, when set. */
  value: string | undefined;
  /** GATEHOUSE_SECRET_KEY_FILE, or the default path. */
  file: string;
}

/** The key from the environment or the key file; undefined when neither exists (the caller decides whether to create one). */
export function readMasterKey(source: MasterKeySource): MasterKey | undefined {
  if (source.value !== undefined) return parseMasterKey(source.value, 'GATEHOUSE_SECRET_KEY');
  const file = resolve(source.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretKeyError(`cannot read the secret key file ${file}: ${(e as Error).message}`);
  }
  return parseMasterKey(text, `secret key file ${file}`);
}

/** Whether others than the owner may read the key file (a warning, not an error: containers mount secrets variously). */
export function keyFileIsShared(file: string): boolean {
  try {
    return (statSync(resolve(file)).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Creates the key file for a brand-new database (development default). `wx`: if another instance created it a moment
 * ago, theirs is kept and read back, so two first starts agree on one key.
 */
export function createMasterKeyFile(file: string): MasterKey {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${generateMasterKeyText()}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SecretKeyError(`cannot create the secret key file ${path}: ${(e as Error).message}`);
  }
  return parseMasterKey(readFileSync(path, 'utf8'), `secret key file ${path}`);
}
