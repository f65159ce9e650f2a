import { SAML } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { TestBrowser } from '../helpers/test-browser.js';
import { cognitoSeedBody, type OidcPeer, type PeerUser } from '../peers/oidc-provider-peer.js';

/**
 * The production tests' sign-in: a node-saml SP playing AWS, the Cognito-style oidc-provider as the login method,
 * Gatehouse (an instance, or nginx in front of several) in between — the path of test/e2e/oidc-to-saml.test.ts,
 * made to report failures as values, because these tests expect some sign-ins to fail and the user to retry.
 */
export const SP_ENTITY = 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-9067230000';
export const ACS = 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/5f0c3c1e-aws-test';

export interface AwsApp {
  appId: string;
  idpId: string;
  ssoEndpoint: string;
  idpEntityId: string;
  /** Gatehouse's signing certificate, as the SP reads it from the metadata (base64 DER); several during a rollover. */
  cert: string | string[];
  spEntity: string;
  acs: string;
}

type Api = (path: string, init?: { method?: string; body?: unknown }) => Promise<{ status: number; body: any }>;

/** The Cognito login method and the AWS app (allow example.com), through the admin API `api`. */
export async function createAwsApp(api: Api, op: OidcPeer, options: { idpId?: string; name?: string; spEntity?: string; acs?: string } = {}): Promise<AwsApp> {
  let idpId = options.idpId;
  if (!idpId) {
    const idp = await api('/identity_providers', { body: cognitoSeedBody(op) });
    if (idp.status !== 200) throw new Error(`identity provider not created: ${JSON.stringify(idp.body)}`);
    idpId = idp.body.result.id as string;
  }
  const spEntity = options.spEntity ?? SP_ENTITY;
  const acs = options.acs ?? ACS;
  const made = await api('/apps', {
    body: {
      type: 'saas',
      name: options.name ?? 'AWS',
      allowed_idps: [idpId],
      auto_redirect_to_identity: true,
      saas_app: { auth_type: 'saml', sp_entity_id: spEntity, consumer_service_url: acs, name_id_format: 'email' },
      policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }] }],
    },
  });
  if (made.status !== 200) throw new Error(`app not created: ${JSON.stringify(made.body)}`);
  const app = made.body.result;
  const metadata = await (await fetch(`${app.saas_app.sso_endpoint}/saml-metadata`)).text();
  const doc = new DOMParser().parseFromString(metadata, 'text/xml');
  const cert = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate')[0]!.textContent!.trim();
  return { appId: app.id, idpId, ssoEndpoint: app.saas_app.sso_endpoint, idpEntityId: app.saas_app.idp_entity_id, cert, spEntity, acs };
}

export function awsSp(app: AwsApp, entryPoint = app.ssoEndpoint): SAML {
  return new SAML({
    entryPoint,
    issuer: app.spEntity,
    callbackUrl: app.acs,
    audience: app.spEntity,
    idpCert: app.cert,
    idpIssuer: app.idpEntityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: 'always' as never,
    signatureAlgorithm: 'sha256',
    acceptedClockSkewMs: 60_000,
  });
}

export type SignInStep = 'sso' | 'login' | 'upstream' | 'callback' | 'acs';

export type SignInResult =
  | { ok: true; email: string; browser: TestBrowser }
  | { ok: false; step: SignInStep; status: number | undefined; rayId: string | undefined; body: string; error?: string; ms: number };

/**
 * One complete sign-in of `user` from the SP's AuthnRequest to a validated SAML response. `beforeCallback` runs
 * when the upstream hands the browser back to Gatehouse (the callback URL), for tests that time or decorate it.
 */
export async function signIn(
  app: AwsApp,
  op: OidcPeer,
  user: { username: string; password: string },
  options: { entryPoint?: string; callbackHeaders?: Record<string, string>; beforeCallback?: (callbackUrl: string) => Promise<void> | void } = {},
): Promise<SignInResult> {
  const browser = new TestBrowser();
  const saml = awsSp(app, options.entryPoint);
  let step: SignInStep = 'sso';
  let started = Date.now();
  const fail = async (res: Response | undefined, error?: unknown): Promise<SignInResult> => {
    const body = res ? await res.text().catch(() => '') : '';
    return {
      ok: false,
      step,
      status: res?.status,
      rayId: /id="ray-id">([0-9a-f]{16})</.exec(body)?.[1] ?? res?.headers.get('x-gatehouse-ray-id') ?? undefined,
      body,
      ...(error !== undefined ? { error: String(error) } : {}),
      ms: Date.now() - started,
    };
  };
  try {
    const gatehouse = new URL(options.entryPoint ?? app.ssoEndpoint).host;
    const upstream = new URL(op.issuer).host;
    // SSO request → (302) login → (302) the upstream's login page.
    let res = await browser.get(await saml.getAuthorizeUrlAsync('relay-prod', undefined, {}));
    for (let hop = 0; hop < 5 && isRedirect(res); hop++) {
      const next = new URL(res.headers.get('location')!, res.url);
      if (next.host === upstream) break;
      step = 'login';
      started = Date.now();
      res = await browser.get(next.toString());
    }
    if (!isRedirect(res) || new URL(res.headers.get('location')!, res.url).host !== upstream) return fail(res);
    step = 'upstream';
    res = await browser.follow(res);
    if (res.status !== 200) return fail(res);
    res = await op.completeLogin(browser, res, user);
    const callbackUrl = isRedirect(res) ? new URL(res.headers.get('location')!, res.url) : undefined;
    if (!callbackUrl || callbackUrl.host !== gatehouse) return fail(res);
    step = 'callback';
    await options.beforeCallback?.(callbackUrl.toString());
    started = Date.now();
    res = await browser.get(callbackUrl.toString(), options.callbackHeaders ?? {});
    if (res.status !== 200) return fail(res);
    step = 'acs';
    const form = browser.formFields(await res.text());
    if (form.action !== app.acs) return fail(undefined, `form posts to ${form.action}`);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse!, RelayState: form.fields.RelayState! });
    if (profile?.nameID !== user.username) return fail(undefined, `assertion names ${profile?.nameID}`);
    return { ok: true, email: profile.nameID, browser };
  } catch (e) {
    return fail(undefined, e);
  }
}

/** `count` users user-000@example.com … for the OIDC peer, each signing in once, so log entries map to sign-ins. */
export function numberedUsers(count: number): Record<string, PeerUser> {
  const users: Record<string, PeerUser> = {};
  for (let i = 0; i < count; i++) users[`user-${String(i).padStart(3, '0')}@example.com`] = { password: `pw-${i}`, name: `User ${i}`, groups: [] };
  return users;
}

export function passwordOf(email: string): string {
  return `pw-${Number(/user-(\d+)@/.exec(email)![1])}`;
}

function isRedirect(res: Response): boolean {
  return res.status >= 300 && res.status < 400 && res.headers.has('location');
}
