import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { type SpawnedGatehouse, spawnGatehouse, stopAllGatehouses } from '../helpers/spawn-gatehouse.js';
import { cognitoSeedBody, type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';
import { type AwsApp, createAwsApp, signIn } from './saml-sign-in.js';

/**
 * Issue 6, part 2: SIGTERM drains. A real slow request — a sign-in's callback, slow because the upstream's token
 * endpoint answers after TOKEN_DELAY_MS (a delaying proxy in front of oidc-provider) — is in flight when SIGTERM
 * arrives: it finishes with a valid SAML response, new connections are refused from the moment shutdown starts,
 * the process exits 0, and nothing is logged as an error. A second signal ends a shutdown that waits too long.
 */
const TOKEN_DELAY_MS = 2_000;

describe('graceful shutdown on SIGTERM', () => {
  let dir: string | undefined;
  let op: OidcPeer | undefined;
  let slowProxy: Server | undefined;
  let tokenRequests = 0;
  let tokenDelayMs = TOKEN_DELAY_MS;
  const ports: Record<'drain' | 'forced', number> = { drain: 0, forced: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-shutdown-'));
    ports.drain = await freePort();
    ports.forced = await freePort();
    op = await startOidcProvider({ redirectUris: Object.values(ports).map((p) => `http://127.0.0.1:${p}/cdn-cgi/access/callback`) });
    // The token endpoint, slowed: forwards to oidc-provider after a delay.
    const target = new URL(op.tokenUrl);
    slowProxy = createServer((req, res) => {
      tokenRequests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        setTimeout(() => {
          const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          });
          upstream.on('error', () => res.destroy());
          upstream.end(Buffer.concat(chunks));
        }, tokenDelayMs);
      });
    });
    await new Promise<void>((r) => slowProxy!.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    await stopAllGatehouses();
    slowProxy?.closeAllConnections();
    await new Promise((r) => slowProxy?.close(r));
    await op?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** An instance (own SQLite file) whose Cognito login method fetches tokens through the slow proxy. */
  async function startInstance(name: 'drain' | 'forced'): Promise<{ gh: SpawnedGatehouse; app: AwsApp }> {
    const gh = await spawnGatehouse({ name, port: ports[name], databaseUrl: `sqlite:${join(dir!, `${name}.db`)}` });
    const slowTokenUrl = `http://127.0.0.1:${(slowProxy!.address() as { port: number }).port}/oauth2/token`;
    const idp = await gh.api('/identity_providers', { body: { ...cognitoSeedBody(op!), config: { ...cognitoSeedBody(op!).config, token_url: slowTokenUrl } } });
    expect(idp.status, JSON.stringify(idp.body)).toBe(200);
    const app = await createAwsApp((p, i) => gh.api(p, i), op!, { idpId: idp.body.result.id });
    return { gh, app };
  }

  it('lets the request in flight finish, refuses new connections, exits 0 and logs no error', { timeout: 60_000 }, async () => {
    tokenDelayMs = TOKEN_DELAY_MS;
    const { gh, app } = await startInstance('drain');
    // An idle keep-alive connection, as a proxy or browser leaves one: it must not hold the shutdown open.
    const agent = new Agent({ keepAlive: true });
    expect(await keepAliveRequest(gh.port, agent)).toBe(200);

    let signalled = 0;
    let refusedWhileInFlight = false;
    const before = tokenRequests;
    const result = await signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' }, {
      beforeCallback: () => {
        // Once Gatehouse is waiting on the token endpoint (the callback is in flight), SIGTERM arrives.
        void (async () => {
          while (tokenRequests === before) await new Promise((r) => setTimeout(r, 10));
          gh.kill('SIGTERM');
          signalled = Date.now();
          // From the moment shutdown starts, a new connection is refused (the listener is closed).
          for (let i = 0; i < 100 && !refusedWhileInFlight; i++) {
            refusedWhileInFlight = await connectionRefused(gh.port);
            if (!refusedWhileInFlight) await new Promise((r) => setTimeout(r, 20));
          }
        })();
      },
    });
    const finished = Date.now();
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(signalled).toBeGreaterThan(0);
    expect(refusedWhileInFlight).toBe(true);
    // The callback outlived the signal: it really was in flight (the token endpoint held it).
    expect(finished).toBeGreaterThan(signalled);

    expect(await gh.exited).toEqual({ code: 0, signal: null });
    expect(gh.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(gh.logs.find((l) => l.event === 'shutdown.started')).toMatchObject({ signal: 'SIGTERM' });
    expect(gh.logs.at(-1)).toMatchObject({ event: 'shutdown.completed' });
    // The sign-in that finished during the drain is a complete one: logged with its ray id.
    expect(gh.logs.some((l) => l.event === 'auth.success' && l.email === 'alice@example.com')).toBe(true);
    agent.destroy();
  });

  it('a second signal ends a shutdown that is still waiting for a request', { timeout: 60_000 }, async () => {
    tokenDelayMs = 20_000;
    const { gh, app } = await startInstance('forced');
    const before = tokenRequests;
    const pending = signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' });
    while (tokenRequests === before) await new Promise((r) => setTimeout(r, 10));
    gh.kill('SIGTERM');
    await gh.waitForLog((l) => l.event === 'shutdown.started');
    gh.kill('SIGTERM');
    expect(await gh.exited).toEqual({ code: 1, signal: null });
    expect(gh.logs.find((l) => l.event === 'shutdown.forced')).toBeDefined();
    const result = await pending;
    expect(result.ok).toBe(false);
    tokenDelayMs = TOKEN_DELAY_MS;
  });
});

/** A request whose connection the keep-alive agent keeps open (idle) after the response. */
async function keepAliveRequest(port: number, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}
