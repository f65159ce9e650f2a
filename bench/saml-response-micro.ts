/**
 * Micro-benchmark: signed SAML responses per second from buildSignedSamlResponse against raw RSA-2048 signatures
 * per second on the same key. A response needs two signatures, so the floor is half the raw rate; the builder's
 * target is to cost less than ~1.3× two raw signatures. Run: npx tsx bench/saml-response-micro.ts
 */
import { createPrivateKey, sign } from 'node:crypto';
import { buildSignedSamlResponse, type SamlResponseInput } from '../src/apps/saml/build-saml-response.js';
import { certificateBase64, generateSigningCertificate } from '../src/keys/generate-signing-certificate.js';
import { rate } from './raw-rsa.js';

async function main(): Promise<void> {
  const now = new Date();
  const cert = await generateSigningCertificate({ commonName: 'bench', now });
  const key = { privateKey: createPrivateKey(cert.privateKeyPem), certificateBase64: certificateBase64(cert.certificatePem) };
  const input: SamlResponseInput = {
    issuer: 'https://gatehouse.example.com/cdn-cgi/access/sso/saml/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    destination: 'https://us-east-1.signin.aws.amazon.com/platform/saml/acs/0e0a3b4c-1234-4a5b-9c8d-0123456789ab',
    audience: 'https://us-east-1.signin.aws.amazon.com/platform/saml/d-1234567890',
    inResponseTo: '_6027dc389946f5a2de6b370d12e427b58407ad04',
    nameId: 'alice@example.com',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: 'b7f4c1e2d3a4',
    authnInstant: now,
    sessionNotOnOrAfter: new Date(now.getTime() + 8 * 3600_000),
    attributes: [
      { name: 'email', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified', values: ['alice@example.com'] },
      { name: 'name', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified', values: ['Alice Example'] },
      { name: 'groups', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified', values: ['engineering', 'aws-admins', 'on-call'] },
    ],
    now,
    key,
  };
  const signedInfo = Buffer.alloc(900, 'x'); // about the size of a SignedInfo
  // Interleaved short rounds, median ratio: other work on the machine shifts both rates alike within a round.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  const roundMs = Number(process.env.BENCH_ROUND_MS ?? 600);
  const samples: Array<{ raw: number; built: number; ratio: number }> = [];
  for (let i = 0; i < rounds; i++) {
    const raw = rate(roundMs, () => sign('sha256', signedInfo, key.privateKey));
    const built = rate(roundMs, () => buildSignedSamlResponse(input));
    samples.push({ raw, built, ratio: raw / 2 / built });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const raw = median(samples.map((s) => s.raw));
  const built = median(samples.map((s) => s.built));
  console.log(`raw RSA-2048 sign (median of ${rounds}): ${raw.toFixed(0)}/s  → ceiling ${(raw / 2).toFixed(0)} responses/s at two signatures each`);
  console.log(`buildSignedSamlResponse (median): ${built.toFixed(0)}/s  (${buildSignedSamlResponse(input).length} characters)`);
  console.log(`cost relative to two raw signatures, median per-round ratio: ${median(samples.map((s) => s.ratio)).toFixed(3)}× (target < 1.3×); best round ${Math.min(...samples.map((s) => s.ratio)).toFixed(3)}×`);
}

await main();
