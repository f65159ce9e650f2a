import { describe, expect, it } from 'vitest';
import type { SamlIdpRecord } from '../../src/connectors/idp-record.js';
import { ADMIN, ALICE, BEARER, buildG0, iso, NAMEID, newId, signG, STATUS } from '../helpers/saml-test-idp.js';
import { useSamlSp } from './harness.js';

/** Catalogue §2.6 protocol semantics (SP-PROTO-*). Skew S = 60 s (GATEHOUSE_CLOCK_SKEW_SECONDS default). */
const S = 60_000;
const TIME = ['SAML_EXPIRED', 'SAML_NOT_YET_VALID', 'SAML_BAD_TIME'];
const MALFORMED_TIME = ['SAML_BAD_TIME', 'SAML_STRUCTURE'];

describe('catalogue §2.6 SP-PROTO protocol semantics', () => {
  const sp = useSamlSp(import.meta.url);

  it('SP-PROTO-01 StatusCode Responder/AuthnFailed with a valid signed assertion', async () => {
    const o = await sp.attempt((c) => c.G0({ statusCode: STATUS.responder, subStatusCode: STATUS.authnFailed }));
    await sp.expectRejected(o, ['SAML_STATUS']);
  });

  it('SP-PROTO-02a both Issuers name another IdP (same certificate reused across tenants)', async () => {
    const o = await sp.attempt((c) => c.G0({ issuer: 'https://other-idp.example.test/metadata' }));
    await sp.expectRejected(o, ['SAML_ISSUER']);
  });

  it('SP-PROTO-02a only the Assertion Issuer names another IdP', async () => {
    const o = await sp.attempt((c) => c.G0({ assertionIssuer: 'https://other-idp.example.test/metadata' }));
    await sp.expectRejected(o, ['SAML_ISSUER']);
  });

  it('SP-PROTO-02b Response Issuer differs from the Assertion Issuer', async () => {
    const o = await sp.attempt((c) => c.G0({ responseIssuer: 'https://other-idp.example.test/metadata' }));
    await sp.expectRejected(o, ['SAML_ISSUER']);
  });

  it('SP-PROTO-02c Assertion Issuer missing', async () => {
    const o = await sp.attempt((c) => {
      const x = buildG0(c.params({ assertionIssuer: null }));
      return signG(x, 'G1', { key: c.keys.idp, location: { reference: `//*[local-name()='Assertion']`, action: 'prepend' } });
    });
    await sp.expectRejected(o, ['SAML_ISSUER', 'SAML_STRUCTURE']);
  });

  it('SP-PROTO-02c companion: Response Issuer missing (optional) is accepted as alice', async () => {
    const o = await sp.attempt((c) => c.G1({ responseIssuer: null }));
    await sp.expectAccepted(o, ALICE);
  });

  for (const format of [NAMEID.unspecified, NAMEID.email]) {
    it(`SP-PROTO-02d Issuer with Format ${format.split(':').pop()} (not entity)`, async () => {
      const o = await sp.attempt((c) => c.G0({ issuerFormat: format }));
      await sp.expectRejected(o, ['SAML_ISSUER']);
    });
  }

  it('SP-PROTO-02d companion: Issuer with the entity Format is accepted', async () => {
    const o = await sp.attempt((c) => c.G0({ issuerFormat: NAMEID.entity }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-PROTO-03a no AudienceRestriction', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03b Audience of another SP (urn:amazon:webservices)', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [['urn:amazon:webservices']] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03c two AudienceRestrictions, only one matching (all must be satisfied)', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [[c.audience], ['urn:amazon:webservices']] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03d Audience prefix match (host suffix)', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [[c.audience.replace('/cdn-cgi', '.evil.test/cdn-cgi')]] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03d Audience prefix match (path suffix)', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [[`${c.audience}/x`]] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03e Audience with a trailing slash', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [[`${c.audience}/`]] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03e Audience differing only by case', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [[c.audience.replace('/cdn-cgi/access/callback', '/CDN-CGI/access/callback')]] }));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-PROTO-03 companion: one AudienceRestriction listing another SP and Gatehouse is accepted', async () => {
    const o = await sp.attempt((c) => c.G0({ audienceRestrictions: [['urn:amazon:webservices', c.audience]] }));
    await sp.expectAccepted(o, ALICE);
  });

  const urlVariants = (acs: string): Array<[string, string | null]> => {
    const u = new URL(acs);
    return [
      ['absent', null],
      ['other host', acs.replace(u.hostname, 'other.example.test')],
      ['other scheme', acs.replace(/^http:/, 'https:')],
      ['other path', `${u.origin}/cdn-cgi/access/callback2`],
      ['with a query string', `${acs}?x=1`],
    ];
  };
  for (const label of ['absent', 'other host', 'other scheme', 'other path', 'with a query string']) {
    it(`SP-PROTO-04 Response Destination ${label}`, async () => {
      const o = await sp.attempt((c) => c.G0({ destination: urlVariants(c.acs).find(([l]) => l === label)![1] }));
      await sp.expectRejected(o, ['SAML_DESTINATION']);
    });
    it(`SP-PROTO-04 SubjectConfirmationData Recipient ${label}`, async () => {
      const o = await sp.attempt((c) => c.G0({ recipient: urlVariants(c.acs).find(([l]) => l === label)![1] }));
      await sp.expectRejected(o, label === 'absent' ? ['SAML_RECIPIENT', 'SAML_SUBJECT_CONFIRMATION'] : ['SAML_RECIPIENT']);
    });
  }

  it('SP-PROTO-05a unknown REQ id', async () => {
    const o = await sp.attempt((c) => c.G0({ requestId: newId('REQ_unknown') }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO']);
  });

  it('SP-PROTO-05b REQ id issued to another browser session', async () => {
    const other = await sp.startLogin();
    const o = await sp.attempt((c) => c.G0({ requestId: other.requestId }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO']);
  });

  it('SP-PROTO-05c REQ id already consumed by an earlier sign-in', async () => {
    const first = await sp.attempt((c) => c.G0());
    await sp.expectAccepted(first, ALICE);
    const o = await sp.attempt((c) => c.G0({ requestId: first.ctx.requestId }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO']);
  });

  it('SP-PROTO-05d REQ id older than the request TTL', async () => {
    const o = await sp.attempt(async (c) => {
      await sp.expireTransaction(c.relayState);
      return c.G0();
    });
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO', 'FLOW_EXPIRED']);
  });

  it('SP-PROTO-05e Response InResponseTo differs from SubjectConfirmationData InResponseTo', async () => {
    const o = await sp.attempt((c) => c.G0({ responseInResponseTo: newId('REQ_other') }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO']);
  });

  it('SP-PROTO-05e SubjectConfirmationData InResponseTo differs from the Response InResponseTo', async () => {
    const o = await sp.attempt((c) => c.G0({ scdInResponseTo: newId('REQ_other') }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO']);
  });

  it('SP-PROTO-05f InResponseTo missing everywhere (unsolicited) with a pending login', async () => {
    const o = await sp.attempt((c) => c.G0({ requestId: null }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO', 'SAML_UNSOLICITED']);
  });

  it('SP-PROTO-05g REQ id issued for IdP B answered by IdP B, posted to the login pending at IdP A', async () => {
    const idpB = crypto.randomUUID();
    const now = new Date();
    const recordB: SamlIdpRecord = { id: idpB, name: 'IdP B', type: 'saml', config: { ...sp.config, issuerUrl: 'https://idp-b.example.test/metadata', ssoTargetUrl: 'https://idp.example.test/sso' }, createdAt: now, updatedAt: now };
    await sp.gh.db.store.changeConfig(async (tx) => tx.idps.insert(recordB));
    const res = await fetch(`${sp.gh.base}/cdn-cgi/access/login/${idpB}`, { redirect: 'manual' });
    const reqB = /ID="([^"]+)"/.exec((await import('node:zlib')).inflateRawSync(Buffer.from(new URL(res.headers.get('location')!).searchParams.get('SAMLRequest')!, 'base64')).toString())![1]!;
    const o = await sp.attempt((c) => c.G0({ requestId: reqB, issuer: 'https://idp-b.example.test/metadata' }));
    await sp.expectRejected(o, ['SAML_IN_RESPONSE_TO', 'SAML_ISSUER']);
  });

  it('SP-PROTO-06 valid G0 without InResponseTo posted cross-site without RelayState (IdP-initiated)', async () => {
    const o = await sp.attempt((c) => ({ xml: c.G0({ requestId: null }), relayState: null }));
    await sp.expectRejected(o, ['SAML_UNSOLICITED'], { transactionNamed: false });
  });

  it('SP-PROTO-06 the same without the browser-binding cookie either', async () => {
    const o = await sp.attempt((c) => ({ xml: c.G0({ requestId: null }), relayState: null, cookie: null }));
    await sp.expectRejected(o, ['SAML_UNSOLICITED'], { transactionNamed: false });
  });

  // SP-PROTO-07 time validity.
  it('SP-PROTO-07a Conditions NotBefore = now + S + 1 s', async () => {
    const o = await sp.attempt((c) => c.G0({ notBefore: iso(c.now + S + 2000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07b Conditions NotOnOrAfter = now - S - 1 s', async () => {
    const o = await sp.attempt((c) => c.G0({ notOnOrAfter: iso(c.now - S - 1000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07c boundary: NotOnOrAfter = now - S + 1.5 s is accepted', async () => {
    const o = await sp.attempt((c) => c.G0({ notOnOrAfter: new Date(c.now - S + 1500).toISOString() }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-PROTO-07c boundary: NotOnOrAfter = now - S is rejected ("on or after")', async () => {
    const o = await sp.attempt((c) => c.G0({ notOnOrAfter: new Date(c.now - S).toISOString() }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07d SubjectConfirmationData NotOnOrAfter expired while Conditions are valid', async () => {
    const o = await sp.attempt((c) => c.G0({ scdNotOnOrAfter: iso(c.now - S - 1000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07e IssueInstant 1 day in the past', async () => {
    const o = await sp.attempt((c) => c.G0({ issueInstant: iso(c.now - 86_400_000), assertionIssueInstant: iso(c.now - 86_400_000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07e IssueInstant 1 day in the future', async () => {
    const o = await sp.attempt((c) => c.G0({ issueInstant: iso(c.now + 86_400_000), assertionIssueInstant: iso(c.now + 86_400_000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07e Assertion IssueInstant alone 1 day old', async () => {
    const o = await sp.attempt((c) => c.G0({ assertionIssueInstant: iso(c.now - 86_400_000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07f AuthnInstant older than the maximum authentication age (25 h)', async () => {
    const o = await sp.attempt((c) => c.G0({ authnInstant: iso(c.now - 25 * 3600_000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07g SessionNotOnOrAfter in the past', async () => {
    const o = await sp.attempt((c) => c.G0({ sessionNotOnOrAfter: iso(c.now - S - 1000) }));
    await sp.expectRejected(o, TIME);
  });

  it('SP-PROTO-07h timestamp without Z', async () => {
    const o = await sp.attempt((c) => c.G0({ notOnOrAfter: iso(c.now + 300_000).replace('Z', '') }));
    await sp.expectRejected(o, MALFORMED_TIME);
  });

  it('SP-PROTO-07h offset +01:00 that is expired in UTC although its wall clock looks valid', async () => {
    const o = await sp.attempt((c) => {
      const expired = new Date(c.now - 10 * 60_000 + 3600_000).toISOString().replace(/\.\d{3}Z$/, '+01:00');
      return c.G0({ notOnOrAfter: expired });
    });
    await sp.expectRejected(o, [...TIME, ...MALFORMED_TIME]);
  });

  it('SP-PROTO-07h fractional seconds are parsed', async () => {
    const o = await sp.attempt((c) => c.G0({ notOnOrAfter: new Date(c.now + 300_123).toISOString(), notBefore: new Date(c.now - 60_456).toISOString() }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-PROTO-07h year 10000', async () => {
    const o = await sp.attempt((c) => c.G0({ notOnOrAfter: '10000-01-01T00:00:00Z' }));
    await sp.expectRejected(o, MALFORMED_TIME);
  });

  it('SP-PROTO-07h invalid date 2024-02-30T00:00:00Z', async () => {
    const o = await sp.attempt((c) => c.G0({ notBefore: '2024-02-30T00:00:00Z' }));
    await sp.expectRejected(o, MALFORMED_TIME);
  });

  it('SP-PROTO-07 session lifetime = min(configured duration, SessionNotOnOrAfter)', async () => {
    const o = await sp.attempt((c) => c.G0({ sessionNotOnOrAfter: iso(c.now + 120_000) }));
    await sp.expectAccepted(o, ALICE);
    const cookie = o.cookies.find((x) => x.startsWith('CF_Authorization='))!;
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    expect(exp * 1000).toBeLessThanOrEqual(o.ctx.now + 120_000 + 1000);
  });

  // SP-PROTO-08 replay.
  it('SP-PROTO-08 the same G0 posted twice in the same browser', async () => {
    let xml = '';
    const first = await sp.attempt((c) => (xml = c.G0()));
    await sp.expectAccepted(first, ALICE);
    const again = await sp.post({ xml, relayState: first.ctx.relayState, cookie: first.ctx.bindingCookie });
    const ray = again.headers.get('x-gatehouse-ray-id');
    await again.text();
    expect(again.status).toBe(400);
    expect(['SAML_REPLAY', 'CONNECTOR_STATE_INVALID']).toContain(sp.gh.logs.find((l) => l.ray_id === ray)?.code);
  });

  it('SP-PROTO-08 the same G0 posted into a fresh login (different REQ id)', async () => {
    let xml = '';
    const first = await sp.attempt((c) => (xml = c.G0()));
    await sp.expectAccepted(first, ALICE);
    const o = await sp.attempt(() => xml);
    await sp.expectRejected(o, ['SAML_REPLAY', 'SAML_IN_RESPONSE_TO']);
  });

  it('SP-PROTO-08 same Assertion ID re-issued by the IdP for a fresh REQ id (cache keyed by IdP + Assertion ID)', async () => {
    const assertionId = newId('_a_replay');
    const first = await sp.attempt((c) => c.G0({ assertionId }));
    await sp.expectAccepted(first, ALICE);
    const o = await sp.attempt((c) => c.G0({ assertionId }));
    await sp.expectRejected(o, ['SAML_REPLAY']);
  });

  it('SP-PROTO-08 same signed Assertion in a freshly crafted unsigned Response envelope', async () => {
    let assertionXml = '';
    const first = await sp.attempt((c) => {
      const g = c.G1();
      assertionXml = g.slice(g.indexOf('<saml:Assertion'), g.indexOf('</samlp:Response>'));
      return g;
    });
    await sp.expectAccepted(first, ALICE);
    const o = await sp.attempt((c) => {
      const fresh = c.unsigned();
      return fresh.slice(0, fresh.indexOf('<saml:Assertion')) + assertionXml + '</samlp:Response>';
    });
    await sp.expectRejected(o, ['SAML_REPLAY', 'SAML_IN_RESPONSE_TO']);
  });

  // SP-PROTO-09 SubjectConfirmation.
  for (const method of ['urn:oasis:names:tc:SAML:2.0:cm:holder-of-key', 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches']) {
    it(`SP-PROTO-09 SubjectConfirmation Method ${method.split(':').pop()}`, async () => {
      const o = await sp.attempt((c) => c.G0({ confirmationMethod: method }));
      await sp.expectRejected(o, ['SAML_SUBJECT_CONFIRMATION']);
    });
  }

  it('SP-PROTO-09 no SubjectConfirmation', async () => {
    const o = await sp.attempt((c) => c.G0({ subjectConfirmationsXml: '' }));
    await sp.expectRejected(o, ['SAML_SUBJECT_CONFIRMATION']);
  });

  it('SP-PROTO-09 two SubjectConfirmations, only the second valid: accepted (others ignored)', async () => {
    const o = await sp.attempt((c) =>
      c.G0({
        subjectConfirmationsXml:
          `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData InResponseTo="${c.requestId}" NotOnOrAfter="${iso(c.now + 300_000)}" Recipient="https://evil.test/acs"/></saml:SubjectConfirmation>` +
          `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData InResponseTo="${c.requestId}" NotOnOrAfter="${iso(c.now + 300_000)}" Recipient="${c.acs}"/></saml:SubjectConfirmation>`,
      }),
    );
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-PROTO-09 SubjectConfirmationData Address not matching the client', async () => {
    const o = await sp.attempt((c) =>
      c.G0({
        subjectConfirmationsXml: `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData Address="203.0.113.9" InResponseTo="${c.requestId}" NotOnOrAfter="${iso(c.now + 300_000)}" Recipient="${c.acs}"/></saml:SubjectConfirmation>`,
      }),
    );
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_SUBJECT_CONFIRMATION'], ALICE);
  });

  // SP-PROTO-10 NameID format.
  for (const format of [NAMEID.transient, NAMEID.persistent, NAMEID.unspecified, NAMEID.entity, NAMEID.encrypted]) {
    it(`SP-PROTO-10 NameID Format ${format.split(':').pop()} while an emailAddress NameID is expected`, async () => {
      const o = await sp.attempt((c) => c.G0({ nameIdFormat: format }));
      await sp.expectRejected(o, ['SAML_NAMEID_FORMAT']);
    });
  }

  it('SP-PROTO-10 NameID with the SPNameQualifier of another SP', async () => {
    const o = await sp.attempt((c) => c.G0({ nameIdExtraAttrs: ' SPNameQualifier="urn:amazon:webservices"' }));
    await sp.expectRejected(o, ['SAML_NAMEID_FORMAT', 'SAML_AUDIENCE']);
  });

  for (const [label, value] of [
    ['empty', ''],
    ['*', '*'],
    ['10 KB long', `${'a'.repeat(10_000)}@example.com`],
  ] as const) {
    it(`SP-PROTO-10 NameID ${label}`, async () => {
      const o = await sp.attempt((c) => c.G0({ nameId: value }));
      await sp.expectRejected(o, ['SAML_NAMEID_FORMAT', 'SAML_STRUCTURE', 'IDENTITY_EMAIL_MISSING']);
    });
  }

  // SP-PROTO-11 identity source.
  it('SP-PROTO-11 NameID alice, email attribute admin: the identity is alice (NameID is the configured source)', async () => {
    const o = await sp.attempt((c) => c.G0({ attributes: [{ name: 'email', values: [ADMIN] }] }));
    await sp.expectAccepted(o, ALICE);
  });

  describe('SP-PROTO-11 with emailAttributeName = email', () => {
    it('SP-PROTO-11 email attribute with two values is refused (no "last one wins")', async () => {
      try {
        await sp.updateConfig({ emailAttributeName: 'email' });
        const o = await sp.attempt((c) => c.G0({ attributes: [{ name: 'email', values: [ALICE, ADMIN] }] }));
        await sp.expectRejected(o, ['SAML_STRUCTURE', 'IDENTITY_EMAIL_MISSING']);
      } finally {
        await sp.resetConfig();
      }
    });

    it('SP-PROTO-11 two email Attributes with different NameFormats are refused', async () => {
      try {
        await sp.updateConfig({ emailAttributeName: 'email' });
        const o = await sp.attempt((c) =>
          c.G0({ attributes: [{ name: 'email', values: [ALICE] }, { name: 'email', values: [ADMIN], nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri' }] }),
        );
        await sp.expectRejected(o, ['SAML_STRUCTURE', 'IDENTITY_EMAIL_MISSING']);
      } finally {
        await sp.resetConfig();
      }
    });
  });

  // SP-PROTO-13 version and required attributes.
  it('SP-PROTO-13 Response Version="1.1"', async () => {
    const o = await sp.attempt((c) => c.G0({ version: '1.1' }));
    await sp.expectRejected(o, ['SAML_STRUCTURE']);
  });

  it('SP-PROTO-13 Assertion Version="1.1"', async () => {
    const o = await sp.attempt((c) => c.G0({ assertionVersion: '1.1' }));
    await sp.expectRejected(o, ['SAML_STRUCTURE']);
  });

  it('SP-PROTO-13 Response without ID (Assertion signed)', async () => {
    const o = await sp.attempt((c) => c.G1().replace(/<samlp:Response ([^>]*?) ID="[^"]+"/, '<samlp:Response $1'));
    await sp.expectRejected(o, ['SAML_STRUCTURE']);
  });

  it('SP-PROTO-13 Response without IssueInstant', async () => {
    const o = await sp.attempt((c) => c.G0({ issueInstant: null }));
    await sp.expectRejected(o, ['SAML_STRUCTURE', 'SAML_BAD_TIME']);
  });

  it('SP-PROTO-13 Assertion without IssueInstant', async () => {
    const o = await sp.attempt((c) => c.G0({ assertionIssueInstant: null }));
    await sp.expectRejected(o, ['SAML_STRUCTURE', 'SAML_BAD_TIME']);
  });

  for (const [label, id] of [
    ['starting with a digit', () => `1${newId('a')}`],
    ["containing '", () => `_a'${newId('')}`],
    ['containing "', () => `_a"${newId('')}`],
  ] as Array<[string, () => string]>) {
    it(`SP-PROTO-13 Assertion ID not an NCName (${label}), Response signed by K_idp over it`, async () => {
      const o = await sp.attempt((c) => c.G2({ assertionId: id() }));
      await sp.expectRejected(o, ['SAML_STRUCTURE']);
    });
  }
});
