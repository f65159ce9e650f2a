import { describe, expect, it } from 'vitest';
import { ALICE, signAssertion } from '../helpers/saml-test-idp.js';
import { useSamlSp } from './harness.js';

/** Catalogue §2.5 canonicalization and text extraction (SP-C14N-*). */
describe('catalogue §2.5 SP-C14N canonicalization and text extraction', () => {
  const sp = useSamlSp(import.meta.url);
  const longName = 'admin@example.com.evil.test';

  it('SP-C14N-01 comment truncation of a signed NameID admin@example.com<!---->.evil.test yields the full verified NameID', async () => {
    const o = await sp.attempt((c) => c.G1({ nameId: longName }).replace(`>${longName}</saml:NameID>`, '>admin@example.com<!---->.evil.test</saml:NameID>'));
    await sp.expectAccepted(o, longName);
  });

  it('SP-C14N-01 the same on G0 (both signatures stay valid)', async () => {
    const o = await sp.attempt((c) => c.G0({ nameId: longName }).replace(`>${longName}</saml:NameID>`, '>admin@example.com<!---->.evil.test</saml:NameID>'));
    await sp.expectAccepted(o, longName);
  });

  it('SP-C14N-01 comment inside the groups AttributeValue admins<!---->.evil: the group is the full value', async () => {
    const o = await sp.attempt((c) =>
      c.G1({ attributes: [{ name: 'groups', values: ['admins.evil'] }] }).replace('>admins.evil</saml:AttributeValue>', '>admins<!---->.evil</saml:AttributeValue>'),
    );
    await sp.expectAccepted(o, ALICE);
    const session = o.cookies.find((x) => x.startsWith('CF_Authorization='))!.split(';')[0]!;
    const identity = (await (await fetch(`${sp.gh.base}/cdn-cgi/access/get-identity`, { headers: { cookie: session } })).json()) as { groups: Array<{ name: string }> };
    expect(identity.groups.map((g) => g.name)).toEqual(['admins.evil']);
  });

  it('SP-C14N-01 comment inside the email AttributeValue: identity still from the verified NameID', async () => {
    const o = await sp.attempt((c) =>
      c.G1({ attributes: [{ name: 'email', values: [`${ALICE}.evil.test`] }] }).replace(`>${ALICE}.evil.test</saml:AttributeValue>`, `>${ALICE}<!---->.evil.test</saml:AttributeValue>`),
    );
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-C14N-01 comment in a signed Issuer that hides a suffix: the suffix counts', async () => {
    const o = await sp.attempt((c) =>
      c.G1({ assertionIssuer: `${c.issuer}.evil.test`, responseIssuer: null }).replace(`>${c.issuer}.evil.test</saml:Issuer>`, `>${c.issuer}<!---->.evil.test</saml:Issuer>`),
    );
    await sp.expectRejected(o, ['SAML_ISSUER']);
  });

  it('SP-C14N-01 comment in a signed Audience that hides a suffix: the suffix counts', async () => {
    const o = await sp.attempt((c) => c.G1({ audienceRestrictions: [[`${c.audience}.evil.test`]] }).replace(`${c.audience}.evil.test</saml:Audience>`, `${c.audience}<!---->.evil.test</saml:Audience>`));
    await sp.expectRejected(o, ['SAML_AUDIENCE']);
  });

  it('SP-C14N-02 processing-instruction truncation (see XML-06): never admin', async () => {
    const o = await sp.attempt((c) => c.G1({ nameId: 'not-an-admin@example.com' }).replace('>not-an-admin@example.com</saml:NameID>', '><?p not-an-?>admin@example.com</saml:NameID>'));
    await sp.expectRejectedOrAcceptedAs(o, ['XML_PI'], 'not-an-admin@example.com');
  });

  it('SP-C14N-04 leading and trailing spaces in a signed NameID: trimmed ASCII whitespace only', async () => {
    const o = await sp.attempt((c) => signAssertion(c.unsigned().replace(`>${ALICE}</saml:NameID>`, `>  ${ALICE} </saml:NameID>`), { key: c.keys.idp }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-C14N-04 tab and newline around a signed NameID: trimmed', async () => {
    const o = await sp.attempt((c) => signAssertion(c.unsigned().replace(`>${ALICE}</saml:NameID>`, `>\t${ALICE}\n</saml:NameID>`), { key: c.keys.idp }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-C14N-04 CRLF (as &#13;&#10;) after a signed NameID: same result as an XML-conformant verifier, then trimmed', async () => {
    const o = await sp.attempt((c) => signAssertion(c.unsigned().replace(`>${ALICE}</saml:NameID>`, `>${ALICE}&#13;&#10;</saml:NameID>`), { key: c.keys.idp }));
    await sp.expectAccepted(o, ALICE);
  });

  it('SP-C14N-04 raw CRLF inside a signed document (normalised to LF by every XML parser) is accepted', async () => {
    const o = await sp.attempt((c) => c.G1().replace('<saml:Subject>', '\r\n<saml:Subject>'));
    await sp.expectRejectedOrAcceptedAs(o, ['SAML_SIG_INVALID'], ALICE);
  });

  it('SP-C14N-04 NBSP before a signed NameID is never silently stripped into alice', async () => {
    const o = await sp.attempt((c) => signAssertion(c.unsigned().replace(`>${ALICE}</saml:NameID>`, `>\u00a0${ALICE}</saml:NameID>`), { key: c.keys.idp }));
    if (o.status === 302) await sp.expectAccepted(o, `\u00a0${ALICE}`);
    else await sp.expectRejected(o, ['SAML_NAMEID_FORMAT', 'SAML_STRUCTURE', 'IDENTITY_EMAIL_MISSING']);
  });
});
