import { type CommandIo, parseCommandArgs } from '../config-bundle/command-io.js';
import { ACCOUNT_ID_SETTING, type CurrentConfig, loadCurrentConfig } from '../config-bundle/current-config.js';
import { loadDesiredBundle } from '../config-bundle/load-desired-bundle.js';
import { openConfigStore } from '../config-bundle/open-config-store.js';
import { planChanges } from '../config-bundle/plan-changes.js';
import type { Store } from '../store/store.js';
import { CliError } from './cli-error.js';

export const IMPORT_USAGE = `gatehouse import FILE [--secrets-key-file KEY] [--require-secrets]
                                           restore an export into an empty database (ids kept)`;

/**
 * `gatehouse import FILE`: restores a bundle into a database without configuration, keeping every id (an app's id and
 * aud are in the SaaS app's SSO URL) and timestamp. Everything is validated first, with all problems reported; then
 * everything is written in one transaction, or nothing is.
 */
export async function importCommand(args: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { 'secrets-key-file': { type: 'string' }, 'require-secrets': { type: 'boolean' } }, IMPORT_USAGE);
  if (positionals.length !== 1) throw new CliError(`give exactly one bundle file (or - for standard input)\nusage: ${IMPORT_USAGE}`);
  const cs = await openConfigStore(env);
  try {
    const { store, config, urls } = cs;
    const { current, desired, now } = await loadDesiredBundle(cs, io, { file: positionals[0]!, secretsKeyFile: values['secrets-key-file'], checkCurrent: refuseNonEmpty });
    const plan = await planChanges(store, current, desired, { urls, now, mode: 'import' });
    if (values['require-secrets'] && plan.missingSecrets.length > 0) {
      throw new CliError(`The bundle lacks secrets this configuration needs (--require-secrets); nothing was written:\n${plan.missingSecrets.map((m) => `  ${m}\n`).join('')}`);
    }
    for (const c of plan.changes) await c.prepare?.();
    let accountNote: string | undefined;
    await store.changeConfig(async (tx) => {
      // Checked again inside the transaction: an admin or another import may have written since the first check.
      refuseNonEmpty(await loadCurrentConfig(tx));
      accountNote = await restoreAccountId(tx, desired.accountId ?? undefined, config.accountId);
      for (const c of plan.changes) await c.write(tx);
    });
    const count = (kind: string) => plan.changes.filter((c) => c.kind === kind && c.action === 'create').length;
    io.out(
      `Imported ${count('login method')} login methods, ${count('app')} apps, ${count('policy')} reusable policies, ${count('group')} groups, ${count('list')} lists` +
        `${plan.changes.some((c) => c.kind === 'organization') ? ', the organization settings' : ''}${desired.adminPolicyId ? " and the dashboard administrators' policy" : ''}.\n`,
    );
    if (accountNote) io.err(`${accountNote}\n`);
    if (plan.missingSecrets.length > 0) io.err(`Set again (the bundle did not carry these secrets):\n${plan.missingSecrets.map((m) => `  ${m}\n`).join('')}`);
    for (const n of plan.notices) io.err(`Note: ${n}\n`);
  } finally {
    await cs.close();
  }
}

/** import is a restore, not a merge: `gatehouse apply` changes a live configuration. */
function refuseNonEmpty(current: CurrentConfig): void {
  const found = [
    [current.idps.length, 'login method'],
    [current.apps.length, 'app'],
    [current.policies.length + current.apps.reduce((n, a) => n + a.policies.filter((p) => p.appId !== null).length, 0), 'policy'],
    [current.groups.length, 'group'],
    [current.lists.length, 'list'],
  ] as const;
  const present = found.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}${n === 1 ? '' : what === 'policy' ? ' (policies)' : 's'}`);
  if (present.length > 0) {
    throw new CliError(`Refusing to import: this database already has configuration (${present.join(', ')}); nothing was written. Import into an empty database, or use \`gatehouse apply\` to change a live configuration.`);
  }
}

/**
 * The bundle's account id becomes this database's when it has none yet (a restore before the first start), so API
 * clients keep their /client/v4/accounts/<id> paths. A stored or configured (GATEHOUSE_ACCOUNT_ID) one is never changed.
 */
async function restoreAccountId(tx: Store, fromBundle: string | undefined, configured: string | undefined): Promise<string | undefined> {
  const stored = await tx.settings.get(ACCOUNT_ID_SETTING);
  const effective = stored ?? configured ?? fromBundle;
  if (!stored && effective) await tx.settings.set(ACCOUNT_ID_SETTING, effective);
  if (fromBundle && effective !== fromBundle) return `Note: this Gatehouse's account id is ${effective}; the bundle's was ${fromBundle}. API clients must use ${effective}.`;
  return undefined;
}
