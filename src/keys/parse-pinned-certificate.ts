import { createPrivateKey, X509Certificate } from 'node:crypto';
import { sha256Fingerprint } from './certificate-info.js';

/** RSA keys below this size are refused as trust anchors (catalogue SP-ALG-06). */
export const MIN_RSA_BITS = 2048;

export interface ParsedCertificate {
  /** The certificate as one PEM block, 64-character lines: the form stored in `SamlIdpConfig.idpPublicCerts`. */
  pem: string;
  /** SHA-256 of the DER certificate, AB:CD:… */
  sha256Fingerprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** Relative to the `now` given to the parser. */
  expired: boolean;
  notYetValid: boolean;
  /** e.g. "RSA 2048". */
  key: string;
}

export type ParsedCertificateResult =
  | { kind: 'certificate'; certificate: ParsedCertificate }
  /** An elided documentation example ("MIIDpDCC...GF/Q2"): no certificate, and never a trust anchor. */
  | { kind: 'placeholder' }
  /** `message` says precisely what is wrong; it never contains the input (which may be key material). */
  | { kind: 'problem'; message: string };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const ARMOUR = /-----(?:BEGIN|END) [^-]*-----/;
// A run of three or more dots never occurs in base64: it is how documentation shortens a certificate.
const ELISION = /\.{3,}/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Whitespace and the two-character sequences `\n` / `\r` (a JSON escape pasted one level too deep). Neither a
// backslash nor whitespace is a base64 character, so removing them cannot change what the value means.
const LINE_BREAKS = /\s+|\\[nr]/g;

const PRIVATE_KEY_MESSAGE = "this is a private key; paste the IdP's signing certificate instead (and treat this key as exposed)";

/**
 * Reads one certificate an admin pins for an upstream SAML IdP: a PEM block or the bare base64 DER (what
 * ds:X509Certificate and Cloudflare's `idp_public_certs` carry), line breaks anywhere. Exactly one X.509 certificate
 * with an RSA key of at least 2048 bits is accepted. Expiry is reported, not refused: SAML trust is
 * key pinning, not PKI (SP-KEY-06). Fails closed on everything else, with a message that never echoes the input.
 */
export function parsePinnedCertificate(value: string, now: Date): ParsedCertificateResult {
  // First, before anything could store or echo it: private key material is refused outright (ADM-IN-03).
  if (/PRIVATE KEY/i.test(value)) return problem(PRIVATE_KEY_MESSAGE);

  let body: string;
  const blocks = [...value.matchAll(PEM_BLOCK)];
  if (blocks.length > 0) {
    const labels = blocks.map((b) => b[1]!);
    if (labels.length > 1) {
      const certs = labels.filter((l) => l === 'CERTIFICATE').length;
      return problem(certs === labels.length ? `contains ${certs} certificates; give each certificate as its own entry` : `contains ${labels.length} PEM blocks (${labels.join(', ')}); give exactly one certificate`);
    }
    if (labels[0] !== 'CERTIFICATE') {
      return problem(labels[0] === 'PUBLIC KEY' ? "this is a bare public key, not a certificate; paste the IdP's signing certificate" : `this is a PEM "${labels[0]}", not a certificate`);
    }
    if (value.replace(PEM_BLOCK, '').trim() !== '') return problem('has text outside the PEM block');
    body = blocks[0]![2]!;
  } else {
    if (ARMOUR.test(value)) return problem('has an incomplete PEM armour (BEGIN/END lines do not match)');
    body = value;
  }
  body = body.replace(LINE_BREAKS, '');
  if (body === '') return problem('is empty');
  if (ELISION.test(body) && /^[A-Za-z0-9+/=.]+$/.test(body)) return { kind: 'placeholder' };
  if (!BASE64.test(body)) {
    const bad = /[^A-Za-z0-9+/=]/.exec(body);
    return problem(bad ? `is not base64: unexpected character at position ${bad.index + 1}` : 'is not base64: wrong length or padding');
  }

  const der = Buffer.from(body, 'base64');
  if (isPrivateKeyDer(der)) return problem(PRIVATE_KEY_MESSAGE);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return problem('does not parse as an X.509 certificate');
  }
  // Trailing bytes after the certificate would be silently ignored by the parser; refuse rather than guess.
  if (!cert.raw.equals(der)) return problem('has data after the end of the certificate');

  const key = describeKey(cert);
  if (typeof key !== 'string') return key;
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) return problem('has unreadable validity dates');
  const pem = cert.toString();
  return {
    kind: 'certificate',
    certificate: {
      pem,
      sha256Fingerprint: sha256Fingerprint(pem),
      subject: cert.subject.replace(/\n/g, ', '),
      notBefore,
      notAfter,
      expired: notAfter.getTime() < now.getTime(),
      notYetValid: notBefore.getTime() > now.getTime(),
      key,
    },
  };
}

function problem(message: string): ParsedCertificateResult {
  return { kind: 'problem', message };
}

/** "RSA 2048", or the problem that makes the key unusable as a SAML trust anchor. */
function describeKey(cert: X509Certificate): string | ParsedCertificateResult {
  const publicKey = cert.publicKey;
  const type = publicKey.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return problem(`has a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
    return `RSA ${bits}`;
  }
  // Signature algorithms are allow-listed (catalogue §0.4 rule 5) and the SAML verifier implements RSA only
  // (xml-crypto has no ECDSA), so any other key could never verify a response: refuse it now, not at sign-in.
  return problem(`has ${type === 'ec' ? 'an EC' : `a ${type ?? 'unknown'}`} key; SAML signatures are verified with RSA keys only (${MIN_RSA_BITS} bits or more)`);
}

/** True when the DER is a PKCS#8, PKCS#1 or SEC1 private key (bare base64 has no armour to say so). */
function isPrivateKeyDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch (e) {
      // An encrypted PKCS#8 key parses far enough to ask for its passphrase: it is a private key all the same.
      if ((e as { code?: unknown }).code === 'ERR_MISSING_PASSPHRASE') return true;
    }
  }
  return false;
}
