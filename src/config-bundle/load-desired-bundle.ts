import { readBundleFile, readExportKey } from './bundle-files.js';
import type { CommandIo } from './command-io.js';
import { problemsError } from './command-io.js';
import { type CurrentConfig, loadCurrentConfig } from './current-config.js';
import type { ConfigStore } from './open-config-store.js';
import { type DesiredConfig, parseBundle } from './parse-bundle.js';
import { signingKeyColumns } from './signing-key-rows.js';

/**
 * The common first half of import and apply: read the bundle file, open its sealed secrets with the export key if
 * one is given, load the live configuration (after `checkCurrent`, which may refuse it), and validate the bundle
 * against it with the API's schemas. Warnings go to `io`; any problem ends the command with all of them listed.
 */
export async function loadDesiredBundle(
  cs: ConfigStore,
  io: CommandIo,
  input: { file: string; secretsKeyFile: string | undefined; checkCurrent?: (current: CurrentConfig) => void },
): Promise<{ current: CurrentConfig; desired: DesiredConfig; now: Date }> {
  const raw = readBundleFile(input.file);
  const sealer = input.secretsKeyFile ? readExportKey(input.secretsKeyFile) : undefined;
  for (const n of cs.notices) io.err(`${n}\n`);
  const current = await loadCurrentConfig(cs.store);
  input.checkCurrent?.(current);
  const now = new Date();
  const parsed = await parseBundle(raw, { current, sealer, now, otpAllowed: !(cs.config.production && !cs.config.smtp), signingKeyColumns: await signingKeyColumns(cs.store) });
  for (const w of parsed.warnings) io.err(`Warning: ${w}\n`);
  if (!parsed.desired) throw problemsError(parsed.problems);
  return { current, desired: parsed.desired, now };
}
