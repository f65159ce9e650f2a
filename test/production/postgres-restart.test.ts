import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivatePostgres, type PrivatePostgres, privatePostgresAvailable } from '../helpers/private-postgres.js';
import { type SpawnedGatehouse, spawnGatehouse, stopAllGatehouses } from '../helpers/spawn-gatehouse.js';
import { type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';
import { awsSp, type AwsApp, createAwsApp, numberedUsers, passwordOf, type SignInResult, signIn } from './saml-sign-in.js';

/**
 * Issue 6, part 2: PostgreSQL (a private cluster of this test's own) stopped and started again under load. While it
 * is down every request fails fast with a 503 page (or the admin API's envelope) carrying a reference id that the
 * admin's log line explains; afterwards Gatehouse recovers by itself, without a restart.
 *
 * The fail-fast bound: a refused connection is reported at once, so a request should take about as long as a normal
 * one. FAIL_FAST_MS is 2 s: under half of the pool's 5 s connect timeout, so a request that waited for the timeout
 * (the failure mode this guards against) fails the test, with room for a loaded two-core machine.
 */
const FAIL_FAST_MS = 2_000;

describe.skipIf(!privatePostgresAvailable)('PostgreSQL restarted under load', () => {
  let pg: PrivatePostgres | undefined;
  let gh: SpawnedGatehouse;
  let op: OidcPeer | undefined;
  let app: AwsApp;

  beforeAll(async () => {
    pg = await createPrivatePostgres();
    const port = await import('../helpers/free-port.js').then((m) => m.freePort());
    op = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/cdn-cgi/access/callback`], users: numberedUsers(400) });
    gh = await spawnGatehouse({ name: 'A', port, databaseUrl: pg.url });
    app = await createAwsApp((p, i) => gh.api(p, i), op);
  });

  afterAll(async () => {
    // A crash is the failure this suite exists to catch: show why.
    if (gh && !gh.running) console.error(`[postgres restart] Gatehouse exited ${JSON.stringify(await gh.exited)}:\n${gh.text.slice(-40).join('\n')}`);
    await stopAllGatehouses();
    await op?.close();
    await pg?.destroy();
  });

  it('fails fast with a clear 503 while the database is down, and recovers by itself when it is back', { timeout: 90_000 }, async () => {
    let next = 0;
    let phase: 'before' | 'down' | 'after' = 'before';
    const results: Array<{ phase: string; result: SignInResult }> = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const email = `user-${String(next++).padStart(3, '0')}@example.com`;
        const started = phase;
        const result = await signIn(app, op!, { username: email, password: passwordOf(email) });
        results.push({ phase: started === phase ? phase : `${started}->${phase}`, result });
        if (phase === 'down') await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Promise.all([worker(), worker()]);
    while (results.filter((r) => r.result.ok).length < 4) await new Promise((r) => setTimeout(r, 50));

    await pg!.stop();
    phase = 'down';
    // Connections that died inside a transaction or between queries must not take the process down.
    await new Promise((r) => setTimeout(r, 300));
    expect(gh.running, gh.text.slice(-20).join('\n')).toBe(true);

    // While it is down: the SSO endpoint (a new sign-in), the admin API and readiness, each timed.
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const url = await awsSp(app).getAuthorizeUrlAsync('', undefined, {});
      const t0 = performance.now();
      const res = await fetch(url, { redirect: 'manual' });
      const page = await res.text();
      samples.push(performance.now() - t0);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(page).toContain('Gatehouse cannot reach its database right now. Please try again shortly.');
      const ray = /id="ray-id">([0-9a-f]{16})</.exec(page)?.[1];
      expect(ray).toBeDefined();
      // The admin's line under the same reference: the code, the precise reason and what to do.
      const line = await gh.waitForLog((l) => l.ray_id === ray);
      expect(line).toMatchObject({ code: 'STORE_UNAVAILABLE', event: 'auth.failure' });
      expect(line.detail).toMatch(/database unreachable \(ECONNREFUSED\)|PostgreSQL is shutting down|database connection/);
      expect(line.hint).toMatch(/PostgreSQL is running and reachable at DATABASE_URL/);

      const t1 = performance.now();
      const apiRes = await gh.api('/apps');
      samples.push(performance.now() - t1);
      expect(apiRes.status).toBe(503);
      expect(apiRes.body).toMatchObject({ success: false, result: null, errors: [{ code: 10503 }] });
      const apiRay = /\(reference ([0-9a-f]{16})\)/.exec(apiRes.body.errors[0].message)?.[1];
      expect(await gh.waitForLog((l) => l.ray_id === apiRay)).toMatchObject({ code: 'STORE_UNAVAILABLE', event: 'api.error' });

      expect((await fetch(`${gh.direct}/readyz`)).status).toBe(503);
    }
    const worst = Math.max(...samples);
    console.log(`[postgres down] ${samples.length} requests answered 503 in ${samples.map((s) => s.toFixed(0)).join(', ')} ms (bound ${FAIL_FAST_MS} ms)`);
    expect(worst).toBeLessThan(FAIL_FAST_MS);

    await pg!.start();
    phase = 'after';
    // No restart of Gatehouse: readiness comes back, and so do sign-ins.
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${gh.direct}/readyz`)).status !== 200) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    while (results.filter((r) => r.phase === 'after' && r.result.ok).length < 6) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await load;

    // What the users saw while it was down: only the clear 503 page, never an internal error.
    const failures = results.filter((r) => !r.result.ok).map((r) => r.result as Extract<SignInResult, { ok: false }>);
    for (const f of failures) {
      expect({ step: f.step, status: f.status, error: f.error }).toMatchObject({ status: 503 });
      expect(f.body).toContain('Gatehouse cannot reach its database right now.');
    }
    // Once it was back, every sign-in that started then succeeded.
    expect(results.filter((r) => r.phase === 'after' && !r.result.ok)).toEqual([]);
    expect(gh.logs.filter((l) => l.code === 'INTERNAL')).toEqual([]);
    expect(gh.running).toBe(true);
    console.log(`[postgres down] load: ${results.length} sign-ins, ${failures.length} refused with 503 while down`);
  });
});
