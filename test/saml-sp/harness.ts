/**
 * End-to-end harness for the catalogue's SAML SP attacks (§1 XML-*, §2 SP-*): a real Gatehouse on loopback with a
 * `saml` login method pinned to the test IdP's K_idp, a fresh login per attempt, the crafted response posted to the
 * ACS, and the outcome judged from the HTTP answer and Gatehouse's own log.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, expect } from 'vitest';
import type { SamlIdpConfig, SamlIdpRecord } from '../../src/connectors/idp-record.js';
import { type LogLine, type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { b64, buildG0, type G0Params, makeTestKeys, type SignOptions, signG, type TestKeys } from '../helpers/saml-test-idp.js';
import { type DialectCase, dialectCases } from '../helpers/test-databases.js';

export const IDP_ISSUER = 'https://idp.example.test/metadata';
export const IDP_SSO = 'https://idp.example.test/sso';
const BINDING_COOKIE = 'CF_Session';
const SESSION_COOKIE = 'CF_Authorization';
/** Strings an attack puts into a message; none may come back in the error page. */
const ATTACKER_MARKERS = ['admin@example.com', 'evil.test', 'oob.test', '/etc/passwd', 'root:x:0:0', '<script', '_evil_', 'urn:evil', 'not-an-'];

export interface AttemptContext {
  /** The AuthnRequest ID Gatehouse issued for this attempt (REQ). */
  requestId: string;
  acs: string;
  audience: string;
  issuer: string;
  now: number;
  keys: TestKeys;
  base: string;
  relayState: string;
  bindingCookie: string;
  /** G0 parameters for this attempt, with overrides. */
  params(overrides?: Partial<G0Params>): G0Params;
  /** Unsigned golden Response for this attempt. */
  unsigned(overrides?: Partial<G0Params>): string;
  /** G0 / G1 / G2 for this attempt, signed with K_idp unless `sign` says otherwise. */
  G0(overrides?: Partial<G0Params>, sign?: Partial<SignOptions>): string;
  G1(overrides?: Partial<G0Params>, sign?: Partial<SignOptions>): string;
  G2(overrides?: Partial<G0Params>, sign?: Partial<SignOptions>): string;
}

export interface RawPost {
  /** Response XML; base64-encoded into SAMLResponse unless `samlResponse` is given. */
  xml?: string;
  /** The SAMLResponse field verbatim. */
  samlResponse?: string;
  /** RelayState to send; default the attempt's own; null omits it. */
  relayState?: string | null;
  /** Cookie header; default the binding cookie; null omits it. */
  cookie?: string | null;
  method?: 'POST' | 'GET';
  contentType?: string;
  /** A raw body replacing the form. */
  body?: string | Buffer;
  /** Extra form fields appended after SAMLResponse and RelayState. */
  extraFields?: Array<[string, string]>;
  /** Query string for the ACS URL (without '?'). */
  query?: string;
}

export interface Outcome {
  status: number;
  /** The code of the auth.failure log line for this answer's ray id. */
  code: string | undefined;
  rayId: string | undefined;
  cookies: string[];
  location: string | null;
  body: string;
  ctx: AttemptContext;
  /** Log lines written while this attempt ran. */
  logs: LogLine[];
  sentXml: string | undefined;
  ms: number;
}

export interface SamlSp {
  gh: RunningGatehouse;
  idpId: string;
  keys: TestKeys;
  config: SamlIdpConfig;
  acs: string;
  attempt(build: (ctx: AttemptContext) => string | RawPost | Promise<string | RawPost>): Promise<Outcome>;
  /** Starts a login and returns the pieces without posting anything. */
  startLogin(cookie?: string): Promise<{ requestId: string; relayState: string; bindingCookie: string; location: URL }>;
  post(spec: RawPost & { relayState: string | null; cookie: string | null }): Promise<Response>;
  /**
   * All of the catalogue's REJ: 4xx, one of `codes` in the auth.failure line of this ray id, no session cookie, no
   * foreign Location, no auth.success, no echo of attacker input, and the pending login consumed (the untampered
   * golden response for it is refused afterwards with CONNECTOR_STATE_INVALID). `transactionNamed: false` skips
   * the last check for posts that name no pending login at all (unsolicited, forged RelayState).
   */
  expectRejected(outcome: Outcome, codes: string[], opts?: { transactionNamed?: boolean; bodyUnread?: boolean }): Promise<void>;
  expectAccepted(outcome: Outcome, email: string): Promise<void>;
  /** Either a complete rejection with one of `codes`, or an acceptance as exactly `email` (never anyone else). */
  expectRejectedOrAcceptedAs(outcome: Outcome, codes: string[], email: string): Promise<void>;
  /** Replace the IdP record's config (through the store) for the following attempts. */
  updateConfig(patch: Partial<SamlIdpConfig>): Promise<void>;
  resetConfig(): Promise<void>;
  /** Moves a pending login's expiry into the past. */
  expireTransaction(relayState: string): Promise<void>;
}

/** An admin-API body (Cloudflare's `identity_providers` shape) for a SAML login method with these certificates. */
export function samlIdpApiBody(name: string, certs: string[], config: Record<string, unknown> = {}): { name: string; type: string; config: Record<string, unknown> } {
  return {
    name,
    type: 'saml',
    config: { issuer_url: `${IDP_ISSUER}/${name}`, sso_target_url: IDP_SSO, idp_public_certs: certs, sign_request: false, attributes: [], header_attributes: [], ...config },
  };
}

/** A local HTTP sink for out-of-band callbacks (XXE, XSLT, KeyInfo URLs): records every request it receives. */
export interface Sink {
  url: string;
  host: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end('<!ENTITY x "oob">');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Counting: every expectRejected that passes is counted per file; the last attack file to finish prints the total.
let rejectedPassed = 0;
let rejectedCalls = 0;
const RUN_DIR = join(tmpdir(), `gatehouse-saml-sp-counts-${process.ppid}`);
const SP_DIR = fileURLToPath(new URL('.', import.meta.url));

export function attackFiles(): string[] {
  return readdirSync(SP_DIR)
    .filter((f) => f.endsWith('.test.ts') && f !== 'count-cases.test.ts' && f !== 'fixtures.test.ts')
    .sort();
}

/** Catalogue ids (sections 1 and 2) named first in an it() title in this directory's test files. */
export function coveredIds(): Set<string> {
  const ids = new Set<string>();
  for (const f of readdirSync(SP_DIR).filter((x) => x.endsWith('.test.ts'))) {
    for (const m of readFileSync(join(SP_DIR, f), 'utf8').matchAll(/\bit(?:\.\w+)?\(\s*['"`]((?:XML|SP)-[A-Z0-9]+(?:-\d+)?)/g)) ids.add(m[1]!);
  }
  return ids;
}

/** The 84 case ids of catalogue sections 1 and 2 (security-catalog.md as of this suite). */
export const CATALOGUE_IDS: string[] = [
  ...Array.from({ length: 15 }, (_, i) => `XML-${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 12 }, (_, i) => `SP-SIG-${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 7 }, (_, i) => `SP-ALG-${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 7 }, (_, i) => `SP-KEY-${String(i + 1).padStart(2, '0')}`),
  ...['1', '2', '3', '4', '5', '6', '7', '8', '10'].map((n) => `SP-XSW${n}`),
  ...['01', '02', '03', '04', '05', '06', '07', '09', '13'].map((n) => `SP-WRAP-${n}`),
  ...['01', '02', '04'].map((n) => `SP-C14N-${n}`),
  ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '13'].map((n) => `SP-PROTO-${n}`),
  ...Array.from({ length: 5 }, (_, i) => `SP-ENC-${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 5 }, (_, i) => `SP-BIND-${String(i + 1).padStart(2, '0')}`),
];

export function totalsLine(): string | undefined {
  let passed = 0;
  let calls = 0;
  const files = attackFiles();
  for (const f of files) {
    try {
      const r = JSON.parse(readFileSync(join(RUN_DIR, `${f}.json`), 'utf8')) as { passed: number; calls: number };
      passed += r.passed;
      calls += r.calls;
    } catch {
      return undefined; // not every attack file has finished (or ran) in this run
    }
  }
  const covered = CATALOGUE_IDS.filter((id) => coveredIds().has(id)).length;
  return `SAML SP attack cases: ${passed} rejected / ${calls} (catalogue ids covered: ${covered} of ${CATALOGUE_IDS.length} in sections 1-2)`;
}

function reportCounts(file: string): void {
  console.log(`SAML SP attack cases (${file}): ${rejectedPassed} rejected / ${rejectedCalls}`);
  mkdirSync(RUN_DIR, { recursive: true });
  writeFileSync(join(RUN_DIR, `${file}.json`), JSON.stringify({ passed: rejectedPassed, calls: rejectedCalls }));
  const line = totalsLine();
  if (line) console.log(line);
}

function setCookieValue(cookies: string[], name: string): string | undefined {
  for (const c of cookies) {
    const pair = c.split(';')[0]!;
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1);
  }
  return undefined;
}

/**
 * Sets up one Gatehouse (SQLite unless another dialect is given) with the test IdP, for the calling test file.
 * Call at module level inside a describe; the returned object is filled in beforeAll.
 */
export function useSamlSp(fileUrl: string, opts: { dialect?: 'sqlite' | 'postgres'; countAttacks?: boolean } = {}): SamlSp {
  const file = basename(fileURLToPath(fileUrl));
  const sp = {} as SamlSp;
  let dialect: DialectCase | undefined;

  beforeAll(async () => {
    dialect = (await dialectCases()).find((d) => d.name === (opts.dialect ?? 'sqlite'));
    if (!dialect?.available) throw new Error(`dialect ${opts.dialect} not available`);
    const keys = await makeTestKeys();
    const gh = await startGatehouse(dialect);
    const idpId = crypto.randomUUID();
    const config: SamlIdpConfig = {
      issuerUrl: IDP_ISSUER,
      ssoTargetUrl: IDP_SSO,
      idpPublicCerts: [keys.idp.certificatePem],
      signRequest: false,
      attributes: ['name', 'groups'],
      headerAttributes: [],
    };
    const now = new Date();
    const record: SamlIdpRecord = { id: idpId, name: 'Test IdP', type: 'saml', config, createdAt: now, updatedAt: now };
    await gh.db.store.changeConfig(async (tx) => tx.idps.insert(record));
    const acs = `${gh.base}/cdn-cgi/access/callback`;
    Object.assign(sp, makeSp(gh, idpId, keys, config, acs));
  });

  afterAll(async () => {
    await sp.gh?.close();
    if (opts.countAttacks !== false && rejectedCalls > 0) reportCounts(file);
  });

  return sp;
}

function makeSp(gh: RunningGatehouse, idpId: string, keys: TestKeys, config: SamlIdpConfig, acs: string): Omit<SamlSp, never> {
  let current = { ...config };

  async function writeConfig(next: SamlIdpConfig): Promise<void> {
    current = next;
    const existing = await gh.db.store.idps.get(idpId);
    if (!existing) throw new Error('test IdP vanished');
    await gh.db.store.changeConfig(async (tx) => {
      await tx.idps.update({ ...(existing as SamlIdpRecord), config: next, updatedAt: new Date() });
    });
  }

  async function startLogin(cookie?: string) {
    const res = await fetch(`${gh.base}/cdn-cgi/access/login/${idpId}`, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
    const body = await res.text();
    if (res.status !== 302) throw new Error(`login start answered ${res.status}: ${body.slice(0, 300)}`);
    const location = new URL(res.headers.get('location')!);
    if (`${location.origin}${location.pathname}` !== current.ssoTargetUrl) throw new Error(`login start redirected to ${location}`);
    const samlRequest = location.searchParams.get('SAMLRequest');
    const relayState = location.searchParams.get('RelayState');
    if (!samlRequest || !relayState) throw new Error(`login start redirect lacks SAMLRequest/RelayState: ${location}`);
    const authnRequest = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
    const requestId = /\sID="([^"]+)"/.exec(authnRequest)?.[1];
    if (!requestId) throw new Error(`no ID in AuthnRequest: ${authnRequest}`);
    const bindingValue = setCookieValue(res.headers.getSetCookie(), BINDING_COOKIE) ?? /CF_Session=([^;]+)/.exec(cookie ?? '')?.[1];
    if (!bindingValue) throw new Error('login start set no binding cookie');
    return { requestId, relayState, bindingCookie: `${BINDING_COOKIE}=${bindingValue}`, location };
  }

  async function post(spec: RawPost & { relayState: string | null; cookie: string | null }): Promise<Response> {
    const headers: Record<string, string> = {};
    if (spec.cookie !== null) headers.cookie = spec.cookie;
    let body: string | Buffer | undefined = spec.body;
    if (body === undefined && (spec.method ?? 'POST') === 'POST') {
      const form = new URLSearchParams();
      if (spec.samlResponse !== undefined) form.append('SAMLResponse', spec.samlResponse);
      else if (spec.xml !== undefined) form.append('SAMLResponse', b64(spec.xml));
      if (spec.relayState !== null) form.append('RelayState', spec.relayState);
      for (const [k, v] of spec.extraFields ?? []) form.append(k, v);
      body = form.toString();
    }
    if ((spec.method ?? 'POST') === 'POST') headers['content-type'] = spec.contentType ?? 'application/x-www-form-urlencoded';
    return fetch(`${acs}${spec.query ? `?${spec.query}` : ''}`, {
      method: spec.method ?? 'POST',
      headers,
      redirect: 'manual',
      ...(body !== undefined ? { body } : {}),
    });
  }

  function contextFor(login: { requestId: string; relayState: string; bindingCookie: string }): AttemptContext {
    const now = Date.now();
    const params = (o: Partial<G0Params> = {}): G0Params => ({ requestId: login.requestId, acs, audience: acs, issuer: current.issuerUrl, now, ...o });
    const signed = (which: 'G0' | 'G1' | 'G2') => (o: Partial<G0Params> = {}, s: Partial<SignOptions> = {}) => signG(buildG0(params(o)), which, { key: keys.idp, ...s });
    return {
      ...login,
      acs,
      audience: acs,
      issuer: current.issuerUrl,
      now,
      keys,
      base: gh.base,
      params,
      unsigned: (o = {}) => buildG0(params(o)),
      G0: signed('G0'),
      G1: signed('G1'),
      G2: signed('G2'),
    };
  }

  async function attempt(build: (ctx: AttemptContext) => string | RawPost | Promise<string | RawPost>): Promise<Outcome> {
    const login = await startLogin();
    const ctx = contextFor(login);
    const built = await build(ctx);
    const spec: RawPost = typeof built === 'string' ? { xml: built } : built;
    const logStart = gh.logs.length;
    const t0 = performance.now();
    const res = await post({ ...spec, relayState: spec.relayState === undefined ? ctx.relayState : spec.relayState, cookie: spec.cookie === undefined ? ctx.bindingCookie : spec.cookie });
    const body = await res.text();
    const ms = performance.now() - t0;
    const rayId = res.headers.get('x-gatehouse-ray-id') ?? undefined;
    const logs = gh.logs.slice(logStart);
    const failure = logs.find((l) => l.event === 'auth.failure' && rayId !== undefined && l.ray_id === rayId);
    return {
      status: res.status,
      code: failure?.code,
      rayId,
      cookies: res.headers.getSetCookie(),
      location: res.headers.get('location'),
      body,
      ctx,
      logs,
      sentXml: spec.xml,
      ms,
    };
  }

  function describeOutcome(o: Outcome): string {
    const success = o.logs.find((l) => l.event === 'auth.success');
    return `status ${o.status}, code ${o.code ?? '(none)'}, location ${o.location ?? '(none)'}${success ? `, auth.success as ${String(success.email)}` : ''}; failure detail: ${String(o.logs.find((l) => l.event === 'auth.failure')?.detail ?? '')}`;
  }

  async function expectRejected(o: Outcome, codes: string[], opts: { transactionNamed?: boolean; bodyUnread?: boolean } = {}): Promise<void> {
    rejectedCalls++;
    const what = describeOutcome(o);
    expect(o.status, what).toBeGreaterThanOrEqual(400);
    expect(o.status, what).toBeLessThan(500);
    expect(o.rayId, what).toBeTruthy();
    expect(codes, `expected one of ${codes.join(' / ')}; ${what}`).toContain(o.code);
    expect(setCookieValue(o.cookies, SESSION_COOKIE), what).toBeUndefined();
    if (o.location !== null) expect(o.location.startsWith(`${gh.base}/`) || o.location.startsWith('/'), what).toBe(true);
    expect(o.logs.filter((l) => l.event === 'auth.success'), what).toEqual([]);
    for (const marker of ATTACKER_MARKERS) expect(o.body.includes(marker), `error page echoes "${marker}"`).toBe(false);
    for (const l of o.logs) expect(JSON.stringify(l).includes('root:x:0:0'), 'a log line holds file content').toBe(false);
    if (opts.bodyUnread) {
      // Refused while the body was still being read (over the form limit, or not a form): Gatehouse never learnt
      // which login it named, so nothing may have changed: the untampered golden response must still work.
      const again = await post({ xml: o.ctx.G0(), relayState: o.ctx.relayState, cookie: o.ctx.bindingCookie });
      await again.text();
      expect(again.status, 'the refused body changed state: the golden response no longer works').toBe(302);
      rejectedPassed++;
      return;
    }
    if (opts.transactionNamed === false) {
      // Nothing named the pending login; it must still work (the attempt changed nothing), then it is used up.
      rejectedPassed++;
      return;
    }
    // The pending login is consumed: the untampered golden response for it is refused now.
    const again = await post({ xml: o.ctx.G0(), relayState: o.ctx.relayState, cookie: o.ctx.bindingCookie });
    await again.text();
    const againRay = again.headers.get('x-gatehouse-ray-id');
    const againCode = gh.logs.find((l) => l.event === 'auth.failure' && againRay !== null && l.ray_id === againRay)?.code;
    expect(again.status, 'transaction not consumed: the golden response was accepted after the rejection').toBe(400);
    expect(againCode, 'transaction not consumed').toBe('CONNECTOR_STATE_INVALID');
    expect(setCookieValue(again.headers.getSetCookie(), SESSION_COOKIE)).toBeUndefined();
    rejectedPassed++;
  }

  async function expectAccepted(o: Outcome, email: string): Promise<void> {
    const what = describeOutcome(o);
    expect(o.status, what).toBe(302);
    expect(o.location, what).toBe(`${gh.base}/`);
    const session = setCookieValue(o.cookies, SESSION_COOKIE);
    expect(session, what).toBeTruthy();
    const res = await fetch(`${gh.base}/cdn-cgi/access/get-identity`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    expect(res.status).toBe(200);
    const identity = (await res.json()) as { email: string; idp: { id: string; type: string } };
    expect(identity.email).toBe(email);
    expect(identity.idp).toEqual({ id: idpId, type: 'saml' });
    const success = o.logs.filter((l) => l.event === 'auth.success');
    expect(success.length).toBe(1);
    expect(success[0]!.email).toBe(email);
  }

  async function expectRejectedOrAcceptedAs(o: Outcome, codes: string[], email: string): Promise<void> {
    if (o.status === 302 && setCookieValue(o.cookies, SESSION_COOKIE)) return expectAccepted(o, email);
    return expectRejected(o, codes);
  }

  return {
    gh,
    idpId,
    keys,
    config,
    acs,
    attempt,
    startLogin,
    post,
    expectRejected,
    expectAccepted,
    expectRejectedOrAcceptedAs,
    updateConfig: (patch) => writeConfig({ ...current, ...patch }),
    resetConfig: () => writeConfig({ ...config }),
    async expireTransaction(relayState) {
      await gh.db.opened.db.updateTable('login_transactions').set({ expires_at: Date.now() - 1000 }).where('id', '=', relayState).execute();
    },
  };
}
