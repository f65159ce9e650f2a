import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from '../cli/cli-error.js';
import { parseMasterKey } from '../secrets/master-key.js';
import { ExportSealer } from './export-sealer.js';

/** Reads and parses a bundle file (`-` reads standard input). A missing file or bad JSON is a usage error. */
export function readBundleFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : resolve(file), 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not JSON: ${(e as Error).message}`);
  }
}

/**
 * The export key of --secrets-key-file: 32 bytes in GATEHOUSE_SECRET_KEY's format (`gatehouse secret-key generate`).
 * Use a key of its own, not the server's: whoever holds a bundle and this key holds every secret in it.
 */
export function readExportKey(file: string): ExportSealer {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the secrets key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return new ExportSealer(parseMasterKey(text, `secrets key file ${file}`));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/**
 * Writes a file atomically: a temporary file next to it, flushed, then renamed over it, so a reader never sees half a
 * bundle. `mode` applies from creation (0600 for bundles with secrets: not even briefly readable by others).
 */
export function writeFileAtomic(file: string, text: string, mode: number): void {
  const target = resolve(file);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
