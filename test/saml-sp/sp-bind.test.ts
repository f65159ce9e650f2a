import { describe, expect, it } from 'vitest';
import { ALICE, b64, STATUS } from '../helpers/saml-test-idp.js';
import { useSamlSp } from './harness.js';

/** Catalogue §2.8 ACS binding, RelayState and login CSRF (SP-BIND-*). */
describe('catalogue §2.8 SP-BIND ACS binding, RelayState, CSRF', () => {
  const sp = useSamlSp(import.meta.url);

  it('SP-BIND-01 GET /cdn-cgi/access/callback?SAMLResponse=...&RelayState=...', async () => {
    const o = await sp.attempt((c) => ({ method: 'GET', query: new URLSearchParams({ SAMLResponse: b64(c.G0()), RelayState: c.relayState }).toString() }));
    await sp.expectRejected(o, ['SAML_BINDING']);
  });

  it('SP-BIND-01 POST with SAMLResponse twice', async () => {
    const o = await sp.attempt((c) => ({ xml: c.G0(), extraFields: [['SAMLResponse', b64(c.G0())]] }));
    await sp.expectRejected(o, ['SAML_BINDING']);
  });

  it('SP-BIND-01 POST with RelayState twice', async () => {
    const o = await sp.attempt((c) => ({ xml: c.G0(), extraFields: [['RelayState', c.relayState]] }));
    await sp.expectRejected(o, ['SAML_BINDING']);
  });

  it('SP-BIND-01 POST as JSON', async () => {
    const o = await sp.attempt((c) => ({ contentType: 'application/json', body: JSON.stringify({ SAMLResponse: b64(c.G0()), RelayState: c.relayState }) }));
    await sp.expectRejected(o, ['SAML_BINDING']);
  });

  it('SP-BIND-01 POST as multipart/form-data', async () => {
    const o = await sp.attempt((c) => {
      const boundary = 'xxBOUNDARYxx';
      const part = (k: string, v: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
      return { contentType: `multipart/form-data; boundary=${boundary}`, body: `${part('SAMLResponse', b64(c.G0()))}${part('RelayState', c.relayState)}--${boundary}--\r\n` };
    });
    // Gatehouse does not parse multipart bodies at all, so it never learns which login this names.
    await sp.expectRejected(o, ['SAML_BINDING'], { bodyUnread: true });
  });

  const hostile = [
    'https://evil.test',
    '//evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    'https:evil.test',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://app.example.com@evil.test',
    '%2F%2Fevil.test',
    '/%09/evil.test',
    'https://app.example.com.evil.test',
    'x'.repeat(4096),
    '/ok%0d%0aSet-Cookie:x=1',
    '/ok\r\nSet-Cookie: x=1',
  ];
  for (const relay of hostile) {
    it(`SP-BIND-02 RelayState ${JSON.stringify(relay.length > 40 ? `${relay.slice(0, 10)}… (${relay.length} chars)` : relay)} is an opaque key: no redirect to it, no header injection`, async () => {
      const o = await sp.attempt((c) => ({ xml: c.G0(), relayState: relay }));
      await sp.expectRejected(o, ['CONNECTOR_STATE_INVALID'], { transactionNamed: false });
      expect(o.cookies.some((x) => x.startsWith('x='))).toBe(false);
    });
  }

  it('SP-BIND-02 companion: after a valid sign-in the redirect is Gatehouse\'s own landing page, never RelayState', async () => {
    const o = await sp.attempt((c) => c.G0());
    await sp.expectAccepted(o, ALICE);
    expect(o.location).toBe(`${sp.gh.base}/`);
  });

  it("SP-BIND-03 login CSRF: the attacker's own valid response posted into the victim's browser (victim's binding cookie)", async () => {
    const victim = await sp.startLogin();
    const o = await sp.attempt((c) => ({ xml: c.G0({ nameId: 'mallory@example.com' }), cookie: victim.bindingCookie }));
    await sp.expectRejected(o, ['FLOW_BROWSER_MISMATCH', 'SAML_IN_RESPONSE_TO']);
  });

  it("SP-BIND-03 login CSRF: the attacker's own valid response posted into a browser without any binding cookie", async () => {
    const o = await sp.attempt((c) => ({ xml: c.G0({ nameId: 'mallory@example.com' }), cookie: null }));
    await sp.expectRejected(o, ['FLOW_BROWSER_MISMATCH', 'SAML_IN_RESPONSE_TO']);
  });

  it('SP-BIND-04 G0 whose Destination, Recipient and Audience name another broker host, posted here', async () => {
    const other = 'https://gatehouse-a.example.test/cdn-cgi/access/callback';
    const o = await sp.attempt((c) => c.G0({ destination: other, recipient: other, audienceRestrictions: [[other]] }));
    await sp.expectRejected(o, ['SAML_DESTINATION']);
  });

  it('SP-BIND-04 same host name, other port', async () => {
    const o = await sp.attempt((c) => {
      const u = new URL(c.acs);
      const other = c.acs.replace(`:${u.port}`, `:${Number(u.port) + 1}`);
      return c.G0({ destination: other, recipient: other });
    });
    await sp.expectRejected(o, ['SAML_DESTINATION']);
  });

  it('SP-BIND-05 StatusMessage <script>alert(1)</script> is not reflected', async () => {
    const o = await sp.attempt((c) => c.G0({ statusCode: STATUS.responder, statusMessage: '<script>alert(1)</script>' }));
    await sp.expectRejected(o, ['SAML_STATUS']);
    expect(o.body).not.toContain('alert(1)');
  });

  it('SP-BIND-05 NameID with HTML and a control character is not reflected, and logs stay one JSON line each', async () => {
    const o = await sp.attempt((c) => c.G0({ nameId: '<img src=x onerror=alert(1)>\n{"event":"auth.success"}@example.com' }));
    await sp.expectRejected(o, ['SAML_NAMEID_FORMAT', 'SAML_STRUCTURE', 'IDENTITY_EMAIL_MISSING']);
    expect(o.body).not.toContain('<img');
    expect(o.logs.every((l) => typeof l.level === 'number')).toBe(true);
  });
});
