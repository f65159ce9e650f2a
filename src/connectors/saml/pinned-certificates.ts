import { type KeyObject, X509Certificate } from 'node:crypto';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { sha256Fingerprint } from '../../keys/certificate-info.js';

export interface PinnedCertificate {
  pem: string;
  publicKey: KeyObject;
  keyType: 'rsa' | 'ec' | 'other';
  sha256Fingerprint: string;
  notAfter: Date;
}

/**
 * The trust anchors of a SAML login method, from its configuration only (catalogue §0.4 rule 3). The admin API
 * refuses to save unusable certificates; this re-check fails closed if the store holds one anyway (SP-SIG-03).
 */
export function pinnedCertificates(pems: readonly string[]): PinnedCertificate[] {
  const out = pems.flatMap((pem) => {
    try {
      const cert = new X509Certificate(pem);
      const type = cert.publicKey.asymmetricKeyType;
      return [{ pem, publicKey: cert.publicKey, keyType: type === 'rsa' ? 'rsa' : type === 'ec' ? 'ec' : 'other', sha256Fingerprint: sha256Fingerprint(pem), notAfter: new Date(cert.validTo) } as PinnedCertificate];
    } catch {
      return [];
    }
  });
  if (out.length === 0) {
    throw new GatehouseError('SAML_NO_TRUST', {
      detail: 'this login method has no usable pinned signing certificate',
      hint: 'set idp_public_certs to the IdP signing certificate, or import the IdP metadata',
    });
  }
  return out;
}
