import { createServer, type Server } from 'node:http';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/free-port.js';
import { type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { cognitoSeedBody, type OidcPeer, startOidcProvider } from '../peers/oidc-provider-peer.js';

/**
 * What the real-browser suites run against: a real Gatehouse on SQLite, the real OpenID Provider (playing Amazon
 * Cognito) behind two login methods, a tiny SAML service provider ACS that records what the browser posts to it,
 * and four SaaS apps:
 * - Wiki: both login methods allowed, no auto-redirect (the login page offers a choice); everyone at example.com;
 * - Grafana: one login method with auto_redirect_to_identity (straight to the OP); group `admins` only;
 * - Payroll: one login method with auto-redirect; carol only (alice is denied);
 * - Intranet: allowed for everyone but not visible in the App Launcher.
 */
export interface AcsPost {
  app: string;
  samlResponse: string;
  relayState: string | null;
  /** The NameID of the decoded (base64) SAML response. */
  nameId: string | undefined;
}

export interface BrowserWorld {
  gh: RunningGatehouse;
  op: OidcPeer;
  /** Login method ids: `primary` (every app) and `backup` (Wiki only). */
  idps: { primary: string; backup: string; primaryName: string; backupName: string };
  apps: Record<'Wiki' | 'Grafana' | 'Payroll' | 'Intranet', { id: string; ssoEndpoint: string; acsUrl: string }>;
  acsBase: string;
  acsPosts: AcsPost[];
  close(): Promise<void>;
}


export async function startBrowserWorld(): Promise<BrowserWorld> {
  const [sqlite] = await dialectCases();
  const gh = await startGatehouse(sqlite!);
  const op = await startOidcProvider({ redirectUris: [`${gh.base}/cdn-cgi/access/callback`] });

  const acsPosts: AcsPost[] = [];
  const acsPort = await freePort();
  const acsBase = `http://127.0.0.1:${acsPort}`;
  const acs: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const app = /^\/([A-Za-z]+)\/acs$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !app) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const samlResponse = form.get('SAMLResponse') ?? '';
      const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
      acsPosts.push({ app, samlResponse, relayState: form.get('RelayState'), nameId: /<saml:NameID[^>]*>([^<]+)<\/saml:NameID>/.exec(xml)?.[1] });
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html lang="en"><head><title>${app}</title></head><body><main><h1>Signed in to ${app}</h1></main></body></html>`);
    });
  });
  await new Promise<void>((r) => acs.listen(acsPort, '127.0.0.1', r));

  const loginMethod = async (name: string) => {
    const body = cognitoSeedBody(op);
    const created = await gh.api('/identity_providers', { body: { ...body, name } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.result.id as string;
  };
  const primaryName = 'Amazon Cognito';
  const backupName = 'Cognito (backup pool)';
  const primary = await loginMethod(primaryName);
  const backup = await loginMethod(backupName);

  const createApp = async (name: string, opts: { allowedIdps: string[]; autoRedirect: boolean; visible: boolean; policies: unknown[] }) => {
    const acsUrl = `${acsBase}/${name}/acs`;
    const res = await gh.api('/apps', {
      body: {
        type: 'saas',
        name,
        allowed_idps: opts.allowedIdps,
        auto_redirect_to_identity: opts.autoRedirect,
        app_launcher_visible: opts.visible,
        saas_app: { auth_type: 'saml', sp_entity_id: `https://${name.toLowerCase()}.example.test/sp`, consumer_service_url: acsUrl, name_id_format: 'email' },
        policies: opts.policies,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { id: res.body.result.id as string, ssoEndpoint: res.body.result.saas_app.sso_endpoint as string, acsUrl };
  };
  const apps = {
    Wiki: await createApp('Wiki', {
      allowedIdps: [primary, backup],
      autoRedirect: false,
      visible: true,
      policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
    }),
    Grafana: await createApp('Grafana', {
      allowedIdps: [primary],
      autoRedirect: true,
      visible: true,
      policies: [{ name: 'Admins', decision: 'allow', include: [{ oidc: { claim_name: 'cognito:groups', claim_value: 'admins', identity_provider_id: primary } }] }],
    }),
    Payroll: await createApp('Payroll', {
      allowedIdps: [primary],
      autoRedirect: true,
      visible: true,
      policies: [{ name: 'Carol only', decision: 'allow', include: [{ email: { email: 'carol@example.org' } }] }],
    }),
    Intranet: await createApp('Intranet', {
      allowedIdps: [primary],
      autoRedirect: true,
      visible: false,
      policies: [{ name: 'Everyone', decision: 'allow', include: [{ everyone: {} }] }],
    }),
  };

  return {
    gh,
    op,
    idps: { primary, backup, primaryName, backupName },
    apps,
    acsBase,
    acsPosts,
    async close() {
      await new Promise<void>((r) => acs.close(() => r()));
      await op.close();
      await gh.close();
    },
  };
}

/** At the OP's login form (Cognito's hosted UI stand-in): type the credentials and submit, like a user. */
export async function signInAtOp(page: Page, world: BrowserWorld, email: string): Promise<void> {
  await page.waitForURL((u) => u.origin === world.op.issuer);
  await page.locator('input[name="username"]').fill(email);
  await page.locator('input[name="password"]').fill(`${email.split('@')[0]}-pw`);
  await page.locator('button[type="submit"]').click();
}

/**
 * Waits until the browser has landed on an app's ACS and returns the latest POST it received there (the ACS
 * records a POST before it answers, so the record exists once the browser shows the answer).
 */
export async function acsPostFor(page: Page, world: BrowserWorld, app: keyof BrowserWorld['apps']): Promise<AcsPost> {
  await page.waitForURL(world.apps[app].acsUrl);
  const post = [...world.acsPosts].reverse().find((p) => p.app === app);
  expect(post, `no POST reached ${app}'s ACS`).toBeDefined();
  return post!;
}
