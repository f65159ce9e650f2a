import { type CommandIo, parseCommandArgs } from '../config-bundle/command-io.js';
import { formatPlan, summary } from '../config-bundle/format-plan.js';
import { loadDesiredBundle } from '../config-bundle/load-desired-bundle.js';
import { openConfigStore } from '../config-bundle/open-config-store.js';
import { planChanges } from '../config-bundle/plan-changes.js';
import { CONFIG_VERSION_KEY } from '../store/store.js';
import { CliError } from './cli-error.js';

export const APPLY_USAGE = `gatehouse apply FILE [--dry-run] [--secrets-key-file KEY]
                                           make the live configuration equal FILE (an export); prints the plan first`;

/**
 * `gatehouse apply FILE`: the file is the whole truth. Objects match by id, else by name; what the file lacks is
 * deleted. The plan is printed (object by object, naming changed fields, never values); --dry-run stops there.
 * Otherwise the whole plan is written in one transaction that also moves config_version, so running instances pick it
 * up within a second. A file that equals the live configuration plans nothing and writes nothing.
 */
export async function applyCommand(args: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { 'dry-run': { type: 'boolean' }, 'secrets-key-file': { type: 'string' } }, APPLY_USAGE);
  if (positionals.length !== 1) throw new CliError(`give exactly one bundle file (or - for standard input)\nusage: ${APPLY_USAGE}`);
  const cs = await openConfigStore(env);
  try {
    const { store, urls } = cs;
    const { current, desired, now } = await loadDesiredBundle(cs, io, { file: positionals[0]!, secretsKeyFile: values['secrets-key-file'] });
    const plan = await planChanges(store, current, desired, { urls, now, mode: 'apply' });
    io.out(`${formatPlan(plan).join('\n')}\n`);
    for (const m of plan.missingSecrets) io.err(`Set again: ${m}\n`);
    for (const n of plan.notices) io.err(`Note: ${n}\n`);
    if (values['dry-run'] || plan.changes.length === 0) {
      if (values['dry-run'] && plan.changes.length > 0) io.err('Dry run: nothing was written.\n');
      return;
    }
    for (const c of plan.changes) await c.prepare?.();
    await store.changeConfig(async (tx) => {
      // The plan was made from what was stored then; if anything changed since, applying it could undo that change.
      if ((await tx.settings.get(CONFIG_VERSION_KEY)) !== current.configVersion) {
        throw new Error('the configuration changed while the plan was made (another apply, or an admin); nothing was written: run apply again');
      }
      for (const c of plan.changes) await c.write(tx);
    });
    io.out(`Applied: ${summary(plan, 'done')}.\n`);
  } finally {
    await cs.close();
  }
}
