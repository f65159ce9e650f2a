import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { NGINX_SITE, nginxAvailable, type RunningNginx, startNginx, trustCertificateForFetch } from '../helpers/nginx.js';
import { REPO_ROOT, SPAWN_API_TOKEN, type SpawnedGatehouse, spawnGatehouse, stopAllGatehouses } from '../helpers/spawn-gatehouse.js';
import { createPostgresDatabase, dialectCases } from '../helpers/test-databases.js';
import { type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';
import { awsSp, type AwsApp, createAwsApp, signIn } from './saml-sign-in.js';

/**
 * Issue 6, part 1: two Gatehouse processes on one PostgreSQL database behind nginx (docs/deploy/nginx.conf, as the
 * README shows it) behave as one. No stickiness: a sign-in started on one instance completes on the other, and a
 * configuration change made through one instance is in force on the other within a second.
 */
const postgres = (await dialectCases()).find((d) => d.name === 'postgres')!;

describe.skipIf(!postgres.available || !nginxAvailable)('two instances on one PostgreSQL behind nginx', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let a: SpawnedGatehouse;
  let b: SpawnedGatehouse;
  let nginx: RunningNginx | undefined;
  let op: OidcPeer | undefined;
  let app: AwsApp;

  /** The admin API through nginx: whichever instance nginx picks. */
  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${nginx!.base}/client/v4/accounts/${a.accountId}/access${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${SPAWN_API_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const [portA, portB, httpsPort] = [await freePort(), await freePort(), await freePort()];
    const publicUrl = `https://127.0.0.1:${httpsPort}`;
    op = await startOidcProvider({ redirectUris: [`${publicUrl}/cdn-cgi/access/callback`] });
    const env = { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' };
    // One after the other: the very first start on an empty database stores the bootstrap token, and two first
    // starts at the same moment can collide there (reported; see the README's deployment notes).
    a = await spawnGatehouse({ name: 'A', port: portA, databaseUrl: database.url, publicUrl, env });
    b = await spawnGatehouse({ name: 'B', port: portB, databaseUrl: database.url, publicUrl, env });
    nginx = await startNginx({ httpsPort, upstreams: [portA, portB] });
    await trustCertificateForFetch(nginx.certificatePem);
    app = await createAwsApp(api, op);
  });

  afterAll(async () => {
    await nginx?.stop();
    await stopAllGatehouses();
    await op?.close();
    await database?.drop();
  });

  it('both instances share one account, and plain HTTP is sent to HTTPS', async () => {
    expect(b.accountId).toBe(a.accountId);
    const res = await fetch(`http://127.0.0.1:${nginx!.httpPort}/cdn-cgi/access/login`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`https://127.0.0.1/cdn-cgi/access/login`);
  });

  it('a sign-in started on one instance completes on the other (proved by nginx and by both instances\' logs)', async () => {
    const upstreamA = `127.0.0.1:${a.port}`;
    const upstreamB = `127.0.0.1:${b.port}`;
    // Round robin alternates the instances request by request. A sign-in passes nginx three times (SSO request,
    // login, callback), so another request in between (another user's, here a /healthz) decides whether SSO
    // request and callback meet the same instance; a sign-in where they did not is what must work.
    let crossed: { sso: string; callback: string; email: string } | undefined;
    for (let attempt = 0; attempt < 8 && !crossed; attempt++) {
      const before = nginx!.accessLog().length;
      const result = await signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' }, {
        beforeCallback: async () => {
          if (attempt % 2 === 1) await (await fetch(`${nginx!.base}/healthz`)).arrayBuffer();
        },
        // A client forging its address and country: nginx replaces X-Forwarded-For and drops CF-IPCountry.
        callbackHeaders: { 'x-forwarded-for': '203.0.113.66', 'cf-ipcountry': 'KP' },
      });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      const steps = nginx!.accessLog().slice(before);
      const sso = steps.find((s) => s.path.startsWith('/cdn-cgi/access/sso/saml/'))!;
      const callback = steps.find((s) => s.path === '/cdn-cgi/access/callback')!;
      expect(sso.status).toBe(302);
      expect(callback.status).toBe(200);
      for (const s of steps) expect([upstreamA, upstreamB]).toContain(s.upstream);
      if (sso.upstream !== callback.upstream) crossed = { sso: sso.upstream, callback: callback.upstream, email: 'alice@example.com' };
    }
    expect(crossed, 'no sign-in had its SSO request and its callback on different instances').toBeDefined();

    // The instances agree with nginx: the sign-in's success line is in the log of the instance that served the
    // callback, and the authentication log (shared) has that entry under the same ray id.
    const callbackInstance = crossed!.callback === upstreamA ? a : b;
    const otherInstance = callbackInstance === a ? b : a;
    const entries = await api(`/logs/access_requests?email=alice@example.com&limit=1`);
    const entry = entries.body.result[0];
    expect(entry).toMatchObject({ user_email: 'alice@example.com', allowed: true, action: 'login', app_uid: app.appId });
    expect(await callbackInstance.waitForLog((l) => l.event === 'auth.success' && l.ray_id === entry.ray_id)).toMatchObject({ email: 'alice@example.com' });
    expect(otherInstance.logs.some((l) => l.ray_id === entry.ray_id)).toBe(false);
    // nginx, not the client, decides the address Gatehouse sees; the forged country never arrives.
    expect(entry.ip_address).toBe('127.0.0.1');
    expect(entry.country ?? '').toBe('');
  });

  it('a configuration change made through instance A is in force on instance B within 1 s, and back', async () => {
    // Alice's live session answers SSO requests at once, so each probe is one request to one chosen instance.
    const session = await signIn(app, op!, { username: 'alice@example.com', password: 'alice-pw' });
    expect(session.ok).toBe(true);
    const browser = (session as { browser: import('../helpers/test-browser.js').TestBrowser }).browser;
    const ssoAt = async (instance: SpawnedGatehouse) => {
      // The AuthnRequest names the public SSO endpoint (its Destination is checked); it is sent to the instance.
      const url = await awsSp(app).getAuthorizeUrlAsync('', undefined, {});
      const res = await browser.get(url.replace(nginx!.base, instance.direct));
      const body = await res.text();
      return { status: res.status, body };
    };
    // B has the current configuration cached (it answered with a response).
    expect((await ssoAt(b)).status).toBe(200);

    const deny = await a.api(`/apps/${app.appId}/policies`, {
      body: { name: 'Deny alice', decision: 'deny', precedence: 0, include: [{ email: { email: 'alice@example.com' } }] },
    });
    expect(deny.status).toBe(200);
    const changedAt = Date.now();
    // The writing instance applies it at once.
    expect((await ssoAt(a)).status).toBe(403);
    // The other instance, one second after A acknowledged the write (its check interval is 500 ms).
    await new Promise((r) => setTimeout(r, Math.max(0, changedAt + 1_000 - Date.now())));
    const onB = await ssoAt(b);
    expect(onB.status).toBe(403);
    const ray = /id="ray-id">([0-9a-f]{16})</.exec(onB.body)?.[1];
    expect(await b.waitForLog((l) => l.ray_id === ray)).toMatchObject({ code: 'ACCESS_DENIED' });

    // Removed through B: in force on A within 1 s.
    const removed = await b.api(`/apps/${app.appId}/policies/${deny.body.result.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    const removedAt = Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, removedAt + 1_000 - Date.now())));
    expect((await ssoAt(a)).status).toBe(200);
    expect((await ssoAt(b)).status).toBe(200);
  });
});

describe('the README shows docs/deploy/nginx.conf as it is', () => {
  it('every line of the README\'s nginx excerpt is in the file the tests run', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Two instances behind nginx'));
    const excerpt = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
    expect(excerpt).toBeDefined();
    const site = readFileSync(NGINX_SITE, 'utf8').split('\n').map((l) => l.trim());
    const lines = excerpt!.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines.filter((l) => !site.includes(l))).toEqual([]);
  });
});
