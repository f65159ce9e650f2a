import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

/** `npm start` with no configuration: it comes up on SQLite under ./data and prints URL, account id and token once. */
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-first-start-'));

function start(port: number, env: Record<string, string> = {}): Promise<{ child: ChildProcess; output: string }> {
  // Only PORT is set (8080 may be busy on a test machine); everything else is the defaults.
  const child = spawn(process.execPath, ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs'), join(root, 'src/main.ts')], {
    cwd: dir,
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveStart, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no start banner:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('API token:')) {
        clearTimeout(timer);
        resolveStart({ child, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('first start with no configuration', () => {
  it('prints its URL, account id and a one-time bootstrap token that works, and never prints it again', async () => {
    const port = await freePort();
    const first = await start(port);
    const url = /running at (\S+)/.exec(first.output)?.[1];
    const account = /Account id:\s+([0-9a-f]{32})/.exec(first.output)?.[1];
    const token = /API token:\s+(gh_\S+)/.exec(first.output)?.[1];
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(first.output).toContain(`sqlite:${join(dir, 'data/gatehouse.db')}`);
    expect(account).toBeDefined();
    expect(token).toBeDefined();
    // Secrets at rest: a brand-new development database gets its own key file, readable only by its owner.
    expect(first.output).toMatch(/Secret key:\s+created \.\/data\/secret\.key/);
    expect(statSync(join(dir, 'data/secret.key')).mode & 0o777).toBe(0o600);
    // No administrator yet: a one-time setup link is printed, and it opens the setup page.
    const setup = /Setup:\s+(\S+)/.exec(first.output)?.[1];
    expect(setup).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/cdn-cgi/access/setup\\?token=`));
    expect((await fetch(setup!)).status).toBe(200);
    const list = await fetch(`${url}/client/v4/accounts/${account}/access/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    await stop(first.child);

    const second = await start(port);
    expect(second.output).not.toContain(token!);
    expect(second.output).toContain(`Account id:  ${account}`);
    expect(second.output).toContain('printed on first start');
    const again = await fetch(`${url}/client/v4/accounts/${account}/access/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    await stop(second.child);

    // The key file is gone: Gatehouse refuses to start rather than make a new key that would lose the secrets.
    renameSync(join(dir, 'data/secret.key'), join(dir, 'saved.key'));
    const missing = await runCli([], { cwd: dir, env: { PORT: String(port) } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Gatehouse cannot start: this database's secrets are encrypted, but no key was given/);
    expect(existsSync(join(dir, 'data/secret.key'))).toBe(false);
    // Another key is refused too, by key id, without printing any key.
    const otherKey = randomBytes(32).toString('hex');
    const wrong = await runCli([], { cwd: dir, env: { PORT: String(port), GATEHOUSE_SECRET_KEY: otherKey } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/GATEHOUSE_SECRET_KEY \(key id [0-9a-f]{16}\) is not a key of this database/);
    expect(wrong.stderr + wrong.stdout).not.toContain(otherKey);
    const malformed = await runCli([], { cwd: dir, env: { PORT: String(port), GATEHOUSE_SECRET_KEY: 'hunter2-is-not-a-key' } });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('GATEHOUSE_SECRET_KEY: must be 32 random bytes');
    expect(malformed.stderr).not.toContain('hunter2');

    // Rotation of the key itself (README): add the new key, restart with it, retire the old one.
    renameSync(join(dir, 'saved.key'), join(dir, 'data/secret.key'));
    const generated = await runCli(['secret-key', 'generate'], { cwd: dir, env: {} });
    const newKey = generated.stdout.trim();
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const add = await runCli(['secret-key', 'add'], { cwd: dir, env: { GATEHOUSE_NEW_SECRET_KEY: newKey } });
    expect(add.code).toBe(0);
    const retire = await runCli(['secret-key', 'retire-old'], { cwd: dir, env: { GATEHOUSE_SECRET_KEY: newKey } });
    expect(retire.stdout).toContain('removed 1 other key(s)');
    const oldRefused = await runCli([], { cwd: dir, env: { PORT: String(port) } });
    expect(oldRefused.code).toBe(2);
    const third = await start(port, { GATEHOUSE_SECRET_KEY: newKey });
    // The bootstrap token outlived the rotation: token hashes are keyed by the data key, which did not change.
    const afterRotation = await fetch(`${url}/client/v4/accounts/${account}/access/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(afterRotation.status).toBe(200);
    await stop(third.child);
  });
});
