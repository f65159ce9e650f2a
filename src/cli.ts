#!/usr/bin/env node
import { ConfigError } from './config/config.js';
import { APPLY_USAGE, applyCommand } from './cli/apply-command.js';
import { CliError } from './cli/cli-error.js';
import { EXPORT_USAGE, exportCommand } from './cli/export-command.js';
import { IMPORT_USAGE, importCommand } from './cli/import-command.js';
import { SECRET_KEY_USAGE, secretKeyCommand } from './cli/secret-key-command.js';
import { processIo } from './config-bundle/command-io.js';
import { SecretKeyError } from './secrets/master-key.js';

const USAGE = `usage:
gatehouse [serve]                          run the server (the same as npm start)
${SECRET_KEY_USAGE}
${EXPORT_USAGE}
${IMPORT_USAGE}
${APPLY_USAGE}`;

/** The `gatehouse` command: the server by default, and the operator's maintenance commands. */
async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'serve') {
    await import('./main.js');
    return;
  }
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (command === 'secret-key') return secretKeyCommand(rest, process.env, out);
  if (command === 'export') return exportCommand(rest, process.env, processIo);
  if (command === 'import') return importCommand(rest, process.env, processIo);
  if (command === 'apply') return applyCommand(rest, process.env, processIo);
  if (command === 'help' || command === '--help' || command === '-h') return out(USAGE);
  throw new CliError(`unknown command ${command}\n${USAGE}`);
}

run(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof CliError || e instanceof ConfigError || e instanceof SecretKeyError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
