import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

/** `npm start` with no configuration: it comes up on SQLite under ./data and prints URL, account id and token once. */
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-first-start-'));

function start(port: number): Promise<{ child: ChildProcess; output: string }> {
  // Only PORT is set (8080 may be busy on a test machine); everything else is the defaults.
  const child = spawn(process.execPath, ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs'), join(root, 'src/main.ts')], {
    cwd: dir,
    env: { PATH: process.env.PATH, PORT: String(port) },
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
  });
});
