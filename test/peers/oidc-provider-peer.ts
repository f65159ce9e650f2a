import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { freePort } from '../helpers/free-port.js';
import type { TestBrowser } from '../helpers/test-browser.js';

/**
 * panva's oidc-provider (a certified OpenID Provider) playing Amazon Cognito on loopback: a confidential client
 * (client_secret_basic), authorization code with optional PKCE, RS256 ID tokens with a kid, Cognito's claims
 * (`cognito:username`, `cognito:groups`) in the ID token, Cognito's paths (/oauth2/authorize, /oauth2/token,
 * /.well-known/jwks.json), and a real interactive login form the test drives like a user.
 */
export interface PeerUser {
  password: string;
  name: string;
  groups: string[];
  emailVerified?: boolean;
}

export const DEFAULT_USERS: Record<string, PeerUser> = {
  'alice@example.com': { password: 'alice-pw', name: 'Alice Example', groups: ['admins', 'engineering'] },
  'bob@example.com': { password: 'bob-pw', name: 'Bob Example', groups: ['engineering'] },
  'carol@example.org': { password: 'carol-pw', name: 'Carol Example', groups: [] },
  'dave@example.com': { password: 'dave-pw', name: 'Dave Unverified', groups: [], emailVerified: false },
};

export interface OidcPeer {
  issuer: string;
  authUrl: string;
  tokenUrl: string;
  /** Cognito-style: `<issuer>/.well-known/jwks.json`. */
  certsUrl: string;
  clientId: string;
  clientSecret: string;
  /** A JWKS URL serving a key that did NOT sign anything here (ID token "signed by another key"). */
  foreignCertsUrl: string;
  /** From the OP's login page response: fills and submits the login form, consents, returns the redirect to the RP. */
  completeLogin(browser: TestBrowser, loginPage: Response, user: { username: string; password: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startOidcProvider(opts: { redirectUris: string[]; users?: Record<string, PeerUser>; pkceRequired?: boolean }): Promise<OidcPeer> {
  const users = opts.users ?? DEFAULT_USERS;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `cognito-client-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const signing = await rsaJwk('op-key-1');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signing] },
    routes: { authorization: '/oauth2/authorize', token: '/oauth2/token', jwks: '/.well-known/jwks.json', userinfo: '/oauth2/userInfo' },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'cognito:username', 'cognito:groups'] },
    // Cognito puts the scope claims in the ID token itself.
    conformIdTokenClaims: false,
    pkce: { required: () => opts.pkceRequired ?? false },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: async (_ctx, sub) => {
      const email = Object.keys(users).find((e) => subjectOf(e) === sub);
      if (!email) return undefined;
      const u = users[email]!;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email,
          email_verified: u.emailVerified ?? true,
          name: u.name,
          'cognito:username': email.split('@')[0],
          'cognito:groups': u.groups,
        }),
      };
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider]', err));
  const callback = provider.callback();

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const m = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
    if (!m) {
      void callback(req, res);
      return;
    }
    interaction(provider, users, req, res).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

  const foreign = await rsaJwk('foreign-key');
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...foreignPublic } = foreign;
  const foreignPort = await freePort();
  const foreignServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [foreignPublic] }));
  });
  await new Promise<void>((r) => foreignServer.listen(foreignPort, '127.0.0.1', r));

  return {
    issuer,
    authUrl: `${issuer}/oauth2/authorize`,
    tokenUrl: `${issuer}/oauth2/token`,
    certsUrl: `${issuer}/.well-known/jwks.json`,
    clientId,
    clientSecret,
    foreignCertsUrl: `http://127.0.0.1:${foreignPort}/.well-known/jwks.json`,
    async completeLogin(browser, loginPage, user) {
      const html = await loginPage.text();
      let res = await browser.submitForm(loginPage.url, html, { username: user.username, password: user.password });
      // login → resume → consent interaction (auto-granted) → resume → redirect to the RP's callback
      for (let i = 0; i < 8 && res.status >= 300 && res.status < 400; i++) {
        const next = new URL(res.headers.get('location')!, res.url || issuer);
        if (next.origin !== issuer) return res;
        res = await browser.get(next.toString());
      }
      return res;
    },
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => foreignServer.close(() => r()));
    },
  };
}

function subjectOf(email: string): string {
  return `sub-${Buffer.from(email).toString('hex').slice(0, 24)}`;
}

async function rsaJwk(kid: string): Promise<JWK> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The login page and the (auto-granted) consent step: what Cognito's hosted UI does for a first-party client. */
async function interaction(provider: Provider, users: Record<string, PeerUser>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, uid } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST') {
      const form = await readForm(req);
      const email = form.get('username') ?? '';
      const user = users[email];
      if (!user || user.password !== form.get('password')) {
        res.statusCode = 401;
        res.setHeader('content-type', 'text/html');
        res.end(loginForm(uid, 'Incorrect username or password.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: subjectOf(email) } }, { mergeWithLastSubmission: false });
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(loginForm(uid));
    return;
  }
  // consent
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session!.accountId, clientId: params.client_id as string });
  const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant!.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function loginForm(uid: string, error?: string): string {
  return `<!doctype html><html><body><h1>Sign in</h1>${error ? `<p class="error">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}">
<input name="username" type="text"><input name="password" type="password"><button type="submit">Sign in</button>
</form></body></html>`;
}

const cognitoSeed = readFileSync(new URL('../fixtures/cognito-example-api-configuration.json', import.meta.url), 'utf8');

/**
 * The Cognito seed's "Example API configuration", exactly as published, with only its placeholders filled in with
 * this provider's values: what an admin posts after following the seed.
 */
export function cognitoSeedBody(op: Pick<OidcPeer, 'clientId' | 'clientSecret' | 'authUrl' | 'tokenUrl' | 'certsUrl'>): Record<string, any> {
  return JSON.parse(
    cognitoSeed
      .replaceAll('<your client id>', op.clientId)
      .replaceAll('<your client secret>', op.clientSecret)
      .replaceAll('https://<your user pool domain>/oauth2/authorize', op.authUrl)
      .replaceAll('https://<your user pool domain>/oauth2/token', op.tokenUrl)
      .replaceAll('https://cognito-idp.<region>.amazonaws.com/<your user pool ID>/.well-known/jwks.json', op.certsUrl),
  ) as Record<string, any>;
}
