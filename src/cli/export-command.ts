import { writeFileAtomic, readExportKey } from '../config-bundle/bundle-files.js';
import { type CommandIo, parseCommandArgs } from '../config-bundle/command-io.js';
import { ACCOUNT_ID_SETTING } from '../config-bundle/current-config.js';
import { exportConfig } from '../config-bundle/export-config.js';
import { openConfigStore } from '../config-bundle/open-config-store.js';
import { CliError } from './cli-error.js';

export const EXPORT_USAGE = `gatehouse export [--output FILE] [--secrets-key-file KEY]
                                           the whole configuration as JSON; secrets only sealed under KEY`;

/**
 * `gatehouse export`: the configuration of the database in DATABASE_URL as one JSON bundle (src/config-bundle), on
 * standard output or atomically into --output. Without --secrets-key-file no secret is written; the message says which
 * were left out. With it they are sealed under that key, and the file is created readable by its owner only.
 */
export async function exportCommand(args: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { output: { type: 'string' }, 'secrets-key-file': { type: 'string' } }, EXPORT_USAGE);
  if (positionals.length > 0) throw new CliError(`unexpected argument ${positionals[0]}\nusage: ${EXPORT_USAGE}`);
  const sealer = values['secrets-key-file'] ? readExportKey(values['secrets-key-file']) : undefined;
  const cs = await openConfigStore(env);
  try {
    for (const n of cs.notices) io.err(`${n}\n`);
    const accountId = (await cs.store.settings.get(ACCOUNT_ID_SETTING)) ?? cs.config.accountId ?? null;
    const { bundle, omitted, sealed } = await exportConfig(cs.store, cs.urls, accountId, sealer);
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    if (values.output) {
      // A bundle with secrets is as sensitive as the key that opens it: never readable by other users, not even briefly.
      writeFileAtomic(values.output, text, sealed > 0 ? 0o600 : 0o644);
      io.err(`Wrote ${values.output}\n`);
    } else {
      io.out(text);
    }
    if (sealer) io.err(`${sealed} secret${sealed === 1 ? '' : 's'} included, sealed under key id ${sealer.keyId}.\n`);
    else if (omitted.length > 0) io.err(`Secrets omitted (give --secrets-key-file to include them, sealed):\n${omitted.map((o) => `  ${o}\n`).join('')}`);
    io.err('Not exported (not configuration): session signing keys, API tokens, users, sessions, the authentication log.\n');
  } finally {
    await cs.close();
  }
}
