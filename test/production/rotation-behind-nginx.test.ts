import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { nginxAvailable, type RunningNginx, startNginx, trustCertificateForFetch } from '../helpers/nginx.js';
import { runCli } from '../helpers/run-cli.js';
import { SPAWN_API_TOKEN, type SpawnedGatehouse, spawnGatehouse, stopAllGatehouses, TEST_SECRET_KEY } from '../helpers/spawn-gatehouse.js';
import { createPostgresDatabase, dialectCases } from '../helpers/test-databases.js';
import { type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';
import { type AwsApp, createAwsApp, numberedUsers, passwordOf, signIn } from './saml-sign-in.js';

/**
 * Issue 6, "done means": the two-instance deployment behind nginx survives the rotations. Every step is taken through
 * one instance (or the CLI) while users sign in through nginx, whose round robin sends their requests to both:
 * - a SAML app certificate rolled over (pending → active → old removed): both instances publish the same
 *   certificates at every step and sign with the new key within a second of the switch;
 * - the session keys: both instances publish the same set (current and next) and see the same schedule, and a
 *   rotation requested through one is the other's too;
 * - the master secret key rotated with a rolling restart, one instance at a time: sign-ins keep working throughout,
 *   the API token survives, and after `retire-old` the old key opens nothing.
 */
const postgres = (await dialectCases()).find((d) => d.name === 'postgres')!;
const NEW_SECRET_KEY = 'c3a1f0e9d8b7a6c5e4d3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39281';

describe.skipIf(!postgres.available || !nginxAvailable)('rotations on two instances behind nginx', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  const instances: SpawnedGatehouse[] = [];
  let ports: [number, number];
  let publicUrl: string;
  let nginx: RunningNginx | undefined;
  let op: OidcPeer | undefined;
  let app: AwsApp;
  let user = 0;
  const env = { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' };

  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${nginx!.base}/client/v4/accounts/${instances[0]!.accountId}/access${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${SPAWN_API_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** A fresh user signs in through nginx with an SP that trusts `certs`; true when the SP accepted the response. */
  const signsIn = async (certs: string | string[]) => {
    const email = `user-${String(user++).padStart(3, '0')}@example.com`;
    const result = await signIn({ ...app, cert: certs }, op!, { username: email, password: passwordOf(email) });
    return result.ok ? true : `${result.step} ${result.status ?? ''} ${result.error ?? ''}`.trim();
  };
  const metadataCerts = async (instance: SpawnedGatehouse) => {
    const xml = await (await fetch(`${instance.direct}${new URL(app.ssoEndpoint).pathname}/saml-metadata`)).text();
    return [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!.trim());
  };

  beforeAll(async () => {
    database = await createPostgresDatabase();
    ports = [await freePort(), await freePort()];
    const httpsPort = await freePort();
    publicUrl = `https://127.0.0.1:${httpsPort}`;
    op = await startOidcProvider({ redirectUris: [`${publicUrl}/cdn-cgi/access/callback`], users: numberedUsers(200) });
    instances.push(await spawnGatehouse({ name: 'A', port: ports[0], databaseUrl: database.url, publicUrl, env }));
    instances.push(await spawnGatehouse({ name: 'B', port: ports[1], databaseUrl: database.url, publicUrl, env }));
    nginx = await startNginx({ httpsPort, upstreams: ports });
    await trustCertificateForFetch(nginx.certificatePem);
    app = await createAwsApp(api, op);
  });

  afterAll(async () => {
    await nginx?.stop();
    await stopAllGatehouses();
    await op?.close();
    await database?.drop();
  });

  it('rolls a SAML app certificate over while users sign in through both instances', { timeout: 90_000 }, async () => {
    const [a, b] = instances as [SpawnedGatehouse, SpawnedGatehouse];
    const oldCert = app.cert as string;
    expect(await signsIn(oldCert)).toBe(true);

    // 1. A pending certificate, made through A: both instances publish it next to the old one; the old one still signs.
    const created = await a.api(`/apps/${app.appId}/saml_certificates`, { body: {} });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const newCert = created.body.result.public_key as string;
    await new Promise((r) => setTimeout(r, 1000));
    expect(await metadataCerts(a)).toEqual([oldCert, newCert]);
    expect(await metadataCerts(b)).toEqual([oldCert, newCert]);
    for (let i = 0; i < 4; i++) expect(await signsIn(oldCert)).toBe(true);
    expect(await signsIn(newCert)).not.toBe(true);

    // 2. The switch, made through B: within a second every instance signs with the new key.
    expect((await b.api(`/apps/${app.appId}/saml_certificates/${created.body.result.id}/activate`, { body: {} })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 4; i++) expect(await signsIn(newCert)).toBe(true);
    // An SP that had already added the new certificate never noticed the switch.
    expect(await signsIn([oldCert, newCert])).toBe(true);
    expect(await metadataCerts(a)).toEqual([newCert, oldCert]);

    // 3. The old one retired and removed through A: gone from both instances' metadata.
    const old = (await a.api(`/apps/${app.appId}/saml_certificates`)).body.result.find((c: any) => c.public_key === oldCert);
    expect(old.status).toBe('retired');
    expect((await a.api(`/apps/${app.appId}/saml_certificates/${old.id}`, { method: 'DELETE' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await metadataCerts(a)).toEqual([newCert]);
    expect(await metadataCerts(b)).toEqual([newCert]);
    expect(await signsIn(newCert)).toBe(true);
    // From here on the SP (AWS) trusts the new certificate only.
    app = { ...app, cert: newCert };
  });

  it('publishes the same session keys and schedule on both instances, and a rotation requested through one is both', { timeout: 60_000 }, async () => {
    const [a, b] = instances as [SpawnedGatehouse, SpawnedGatehouse];
    const certs = async (i: SpawnedGatehouse) => ((await (await fetch(`${i.direct}/cdn-cgi/access/certs`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const fromA = await certs(a);
    // The current key and the next one, published ahead of signing.
    expect(fromA).toHaveLength(2);
    expect(await certs(b)).toEqual(fromA);
    const before = (await b.api('/keys')).body.result;
    const rotated = await a.api('/keys/rotate', { body: {} });
    expect(rotated.status).toBe(200);
    const next = rotated.body.result.next_key_rotation_at as string;
    expect(Date.parse(next)).toBeLessThan(Date.parse(before.next_key_rotation_at));
    // The next key signs nothing before it activates, minutes from now: it was published already.
    expect(Date.parse(next) - Date.now()).toBeGreaterThan(60_000);
    expect((await b.api('/keys')).body.result.next_key_rotation_at).toBe(next);
    expect(await certs(b)).toEqual(fromA);
    expect(await signsIn(app.cert)).toBe(true);
  });

  it('rotates the master secret key with a rolling restart, signing users in throughout', { timeout: 120_000 }, async () => {
    const cli = (args: string[], extra: Record<string, string>) => runCli(args, { env: { DATABASE_URL: database!.url, ...extra } });
    const added = await cli(['secret-key', 'add'], { GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY, GATEHOUSE_NEW_SECRET_KEY: NEW_SECRET_KEY });
    expect(added.code, added.stderr).toBe(0);

    // One instance at a time: while one restarts, nginx sends every request to the other.
    for (const [index, name] of [[0, 'A'], [1, 'B']] as const) {
      await instances[index]!.stop();
      expect(await signsIn(app.cert)).toBe(true);
      instances[index] = await spawnGatehouse({ name: `${name}'`, port: ports[index], databaseUrl: database!.url, publicUrl, env: { ...env, GATEHOUSE_SECRET_KEY: NEW_SECRET_KEY } });
      expect(await signsIn(app.cert)).toBe(true);
      // The README's rolling-restart rule: nginx takes the restarted instance back after fail_timeout (3 s).
      await new Promise((r) => setTimeout(r, 3500));
    }

    const retired = await cli(['secret-key', 'retire-old'], { GATEHOUSE_SECRET_KEY: NEW_SECRET_KEY });
    expect(retired.stdout).toContain('removed 1 other key(s)');
    for (let i = 0; i < 3; i++) expect(await signsIn(app.cert)).toBe(true);
    // The bootstrap API token outlived the rotation (its keyed hash is under the data key, which did not change).
    expect((await api('/apps')).status).toBe(200);
    // The old key opens nothing any more: an instance started with it refuses to start.
    const stale = await runCli([], { env: { DATABASE_URL: database!.url, PORT: String(await freePort()), GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY } });
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('is not a key of this database');
  });
});
