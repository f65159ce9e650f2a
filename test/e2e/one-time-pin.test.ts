import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { TestBrowser } from '../helpers/test-browser.js';
import { freePort, type RunningGatehouse, startGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';

/**
 * Cloudflare's One-time PIN login method with a real SMTP server on loopback (smtp-server): the code arrives by
 * mail, works once, expires, allows five guesses, and sending is rate-limited; the sign-in then meets the app's
 * policies like any other.
 */
interface Received {
  to: string;
  text: string;
}

async function startSmtp(): Promise<{ port: number; mails: Received[]; close(): Promise<void> }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), text: raw });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const codeIn = (mail: Received | undefined) => /is (\d{6})\./.exec(mail?.text ?? '')?.[1];
const [sqlite] = await dialectCases();

describe('One-time PIN login method', () => {
  let gh: RunningGatehouse;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let clock: ManualClock;
  let app: any;

  beforeAll(async () => {
    smtp = await startSmtp();
    clock = new ManualClock(Date.now());
    gh = await startGatehouse(sqlite!, {
      clock,
      env: { GATEHOUSE_SMTP_HOST: '127.0.0.1', GATEHOUSE_SMTP_PORT: String(smtp.port), GATEHOUSE_SMTP_FROM: 'gatehouse@example.test', GATEHOUSE_SMTP_TLS: 'none' },
    });
    const idp = await gh.api('/identity_providers', { body: { name: 'One-time PIN', type: 'onetimepin', config: {} } });
    expect(idp.status, JSON.stringify(idp.body)).toBe(200);
    expect(idp.body.result).toMatchObject({ type: 'onetimepin', config: { redirect_url: `${gh.base}/cdn-cgi/access/callback` } });
    expect((await gh.api('/identity_providers', { body: { name: 'Second PIN', type: 'onetimepin', config: {} } })).status).toBe(409);
    const made = await gh.api('/apps', {
      body: {
        type: 'saas',
        name: 'Wiki',
        allowed_idps: [idp.body.result.id],
        auto_redirect_to_identity: true,
        saas_app: { auth_type: 'saml', sp_entity_id: 'https://wiki.example.test/sp', consumer_service_url: 'https://wiki.example.test/acs', name_id_format: 'email' },
        policies: [{ name: 'Alice', decision: 'allow', include: [{ email: { email: 'alice@example.com' } }] }],
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    app = made.body.result;
  });

  afterAll(async () => {
    await gh?.close();
    await smtp?.close();
  });

  /** From the app's SSO endpoint to the code form, for `email`; returns the browser, the form and the mailed code. */
  const requestCode = async (email: string) => {
    const browser = new TestBrowser();
    const page = await browser.follow(await browser.get(app.saas_app.sso_endpoint));
    expect(new URL(page.url).pathname).toBe('/cdn-cgi/access/otp');
    const before = smtp.mails.length;
    const codePage = await browser.submitForm(page.url, await page.text(), { email });
    const html = await codePage.text();
    expect(codePage.status, html).toBe(200);
    const form = browser.formFields(html);
    await expect.poll(() => smtp.mails.length).toBeGreaterThan(before);
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toBe(email.toLowerCase());
    return { browser, form, code: codeIn(mail)!, pageUrl: codePage.url };
  };

  const submitCode = (b: { browser: TestBrowser; form: { action: string; fields: Record<string, string> } }, code: string) =>
    b.browser.post(b.form.action, { ...b.form.fields, code });

  it('mails a 6-digit code that signs alice in to the app, once', async () => {
    const attempt = await requestCode('Alice@Example.com');
    expect(attempt.code).toMatch(/^\d{6}$/);
    const res = await attempt.browser.follow(await submitCode(attempt, attempt.code));
    expect(res.status).toBe(200);
    expect(attempt.browser.formFields(await res.text()).action).toBe('https://wiki.example.test/acs');
    const identity = await attempt.browser.getJson(`${gh.base}/cdn-cgi/access/get-identity`);
    expect(identity.body).toMatchObject({ email: 'alice@example.com', idp: { type: 'onetimepin' }, amr: ['otp'] });
    // The same code again: the sign-in it belonged to is finished.
    expect((await submitCode(attempt, attempt.code)).status).toBe(400);
  });

  it('allows five guesses, then the code is gone even if the next guess is right', async () => {
    const attempt = await requestCode('alice@example.com');
    const wrong = attempt.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) {
      const res = await submitCode(attempt, wrong);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('That code is not right');
    }
    const fifth = await submitCode(attempt, wrong);
    expect(await fifth.text()).toContain('Too many wrong codes');
    const right = await submitCode(attempt, attempt.code);
    expect(right.status).toBe(400);
    expect(gh.logs.find((l) => l.ray_id === right.headers.get('x-gatehouse-ray-id'))).toMatchObject({ event: 'auth.failure', code: 'OTP_CODE_INVALID' });
    expect(right.headers.get('set-cookie') ?? '').not.toContain('CF_Authorization=');
  });

  it('expires codes after 10 minutes', async () => {
    const attempt = await requestCode('alice@example.com');
    clock.advance(10 * 60_000 + 1000);
    try {
      const res = await submitCode(attempt, attempt.code);
      expect(res.status).toBe(400);
    } finally {
      clock.advance(-(10 * 60_000 + 1000));
    }
  });

  it('signs bob in at the PIN but the app policy denies him, with the log entry to prove it', async () => {
    const attempt = await requestCode('bob@example.com');
    const res = await attempt.browser.follow(await submitCode(attempt, attempt.code));
    expect(res.status).toBe(403);
    const entry = ((await gh.api('/logs/access_requests?email=bob@example.com&email_exact=true')).body.result as any[])[0];
    expect(entry).toMatchObject({ allowed: false, connection: 'onetimepin', ray_id: res.headers.get('x-gatehouse-ray-id') });
  });

  it('rate-limits codes per email address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const browser = new TestBrowser();
      const page = await browser.follow(await browser.get(app.saas_app.sso_endpoint));
      statuses.push((await browser.submitForm(page.url, await page.text(), { email: 'carol@example.org' })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('One-time PIN without SMTP', () => {
  it('development: the code goes to the log with a loud warning', async () => {
    const gh = await startGatehouse(sqlite!);
    try {
      const idp = await gh.api('/identity_providers', { body: { name: 'PIN', type: 'onetimepin', config: {} } });
      const browser = new TestBrowser();
      const page = await browser.follow(await browser.get(`${gh.base}/cdn-cgi/access/login/${idp.body.result.id}`));
      const codePage = await browser.submitForm(page.url, await page.text(), { email: 'dev@example.com' });
      expect(codePage.status).toBe(200);
      const line = gh.logs.find((l) => l.event === 'mail.development_log');
      expect(line?.msg).toContain('DEVELOPMENT ONLY');
      const code = /is (\d{6})\./.exec(String(line?.text))![1]!;
      const form = browser.formFields(await codePage.text());
      const done = await browser.post(form.action, { ...form.fields, code });
      expect(done.status).toBe(302);
      expect(new URL(done.headers.get('location')!).pathname).toBe('/cdn-cgi/access/callback');
      expect((await browser.follow(done)).url).toBe(`${gh.base}/`);
    } finally {
      await gh.close();
    }
  });

  it('production: creating a One-time PIN login method is refused', async () => {
    const gh = await startGatehouse(sqlite!, { env: { NODE_ENV: 'production' } });
    try {
      const res = await gh.api('/identity_providers', { body: { name: 'PIN', type: 'onetimepin', config: {} } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.errors)).toContain('GATEHOUSE_SMTP_HOST');
    } finally {
      await gh.close();
    }
  });
});
