import type { SamlIdpConfig } from '../connectors/idp-record.js';
import { type IdpMetadata, parseIdpMetadata } from '../connectors/saml/parse-idp-metadata.js';
import type { FieldProblem } from '../errors/gatehouse-error.js';
import { type ParsedCertificate, parsePinnedCertificate } from '../keys/parse-pinned-certificate.js';
import { type FetchMetadataOptions, fetchMetadataUrl } from '../net/fetch-metadata-url.js';
import type { ApiMessage } from './envelope.js';
import { entityIdField, type SamlConfigInput, ssoUrlField } from './saml-idp-schema.js';
import { rejectFields } from './validate.js';

/** Codes of the warnings (envelope `messages`) a saved SAML login method can carry. */
export const SAML_WARNING = {
  CERT_EXPIRED: 12100,
  CERT_PLACEHOLDER: 12101,
  CERT_NOT_YET_VALID: 12102,
} as const;

const CERTS = '/config/idp_public_certs';

export interface BuiltSamlIdpConfig {
  config: SamlIdpConfig;
  /** Warnings for the envelope: the configuration is saved, but the admin should act. */
  messages: ApiMessage[];
}

/**
 * Turns a validated `config` of a saml login method into what is stored: metadata imported (explicit fields win),
 * every certificate parsed and normalised to PEM. Only real, parsed certificates ever reach `idpPublicCerts`.
 * Every problem becomes a field error and nothing is stored; warnings come back for the envelope.
 */
export async function buildSamlIdpConfig(input: SamlConfigInput, deps: { now: Date; metadataFetch?: FetchMetadataOptions }): Promise<BuiltSamlIdpConfig> {
  const fields: FieldProblem[] = [];
  const messages: ApiMessage[] = [];

  if (input.metadata_xml !== undefined && input.metadata_url !== undefined) {
    rejectFields([{ pointer: '/config/metadata_url', message: 'give either metadata_xml or metadata_url, not both' }]);
  }
  const metadata = await importMetadata(input, deps);
  if (metadata && !metadata.ok) rejectFields([metadata.problem]);
  const meta = metadata?.ok ? metadata : undefined;

  const issuerUrl = input.issuer_url ?? fromMetadata(meta, 'entityID', meta?.metadata.entityId, entityIdField, fields);
  const ssoTargetUrl = input.sso_target_url ?? fromMetadata(meta, 'SingleSignOnService Location', meta?.metadata.ssoRedirectUrl, ssoUrlField, fields);
  const importHint = 'or import it from the IdP metadata with metadata_xml or metadata_url';
  const importCertsHint = 'or import them from the IdP metadata with metadata_xml or metadata_url';
  if (issuerUrl === undefined && !meta) fields.push({ pointer: '/config/issuer_url', message: `is required (${importHint})` });
  if (ssoTargetUrl === undefined && !meta) fields.push({ pointer: '/config/sso_target_url', message: `is required (${importHint})` });

  const idpPublicCerts: string[] = [];
  const placeholderCerts: string[] = [];
  if (input.idp_public_certs !== undefined) {
    // Explicit certificates win over metadata. An empty list is refused: verification without a pinned key must
    // never be configurable (SP-SIG-03, SP-KEY-05).
    if (input.idp_public_certs.length === 0) {
      fields.push({ pointer: CERTS, message: `must hold at least one signing certificate of the IdP (${importCertsHint})` });
    }
    const seen = new Map<string, number>();
    const placeholderIndices: number[] = [];
    input.idp_public_certs.forEach((value, i) => {
      const parsed = parsePinnedCertificate(value, deps.now);
      if (parsed.kind === 'problem') {
        fields.push({ pointer: `${CERTS}/${i}`, message: parsed.message });
      } else if (parsed.kind === 'placeholder') {
        placeholderCerts.push(value);
        placeholderIndices.push(i);
      } else {
        const earlier = seen.get(parsed.certificate.sha256Fingerprint);
        if (earlier !== undefined) {
          fields.push({ pointer: `${CERTS}/${i}`, message: `is the same certificate as idp_public_certs[${earlier}]` });
          return;
        }
        seen.set(parsed.certificate.sha256Fingerprint, i);
        idpPublicCerts.push(parsed.certificate.pem);
        messages.push(...validityWarnings(parsed.certificate, i, ''));
      }
    });
    for (const i of placeholderIndices) messages.push(placeholderWarning(i, idpPublicCerts.length === 0));
  } else if (meta) {
    meta.metadata.certificates.forEach((c, i) => {
      idpPublicCerts.push(c.pem);
      messages.push(...validityWarnings(c, i, ' (from the metadata)'));
    });
  } else {
    fields.push({ pointer: CERTS, message: `is required: at least one signing certificate of the IdP (${importCertsHint})` });
  }
  rejectFields(fields);

  return {
    config: {
      issuerUrl: issuerUrl!,
      ssoTargetUrl: ssoTargetUrl!,
      idpPublicCerts,
      signRequest: input.sign_request,
      ...(input.email_attribute_name !== undefined ? { emailAttributeName: input.email_attribute_name } : {}),
      attributes: input.attributes,
      headerAttributes: input.header_attributes.map((h) => ({ attributeName: h.attribute_name, headerName: h.header_name })),
      ...(input.metadata_url !== undefined ? { metadataUrl: input.metadata_url } : {}),
      ...(placeholderCerts.length > 0 ? { placeholderCerts } : {}),
    },
    messages,
  };
}

/** Warnings about a stored configuration, for reads: a login method with no usable certificate refuses every sign-in. */
export function storedSamlIdpWarnings(config: SamlIdpConfig, now: Date): ApiMessage[] {
  const messages: ApiMessage[] = [];
  config.idpPublicCerts.forEach((pem, i) => {
    const parsed = parsePinnedCertificate(pem, now);
    if (parsed.kind === 'certificate') messages.push(...validityWarnings(parsed.certificate, i, ''));
  });
  if (config.idpPublicCerts.length === 0) {
    messages.push({
      code: SAML_WARNING.CERT_PLACEHOLDER,
      message: `config.idp_public_certs holds no real certificate${config.placeholderCerts?.length ? ' (placeholder_certs holds the shortened documentation example that was sent)' : ''}; ${REFUSES}`,
      source: { pointer: CERTS },
    });
  }
  return messages;
}

const REFUSES =
  "this login method refuses every sign-in until a real certificate is set: import the IdP metadata (metadata_xml or metadata_url, without idp_public_certs) or paste the IdP's signing certificate";

function placeholderWarning(i: number, noneUsable: boolean): ApiMessage {
  return {
    code: SAML_WARNING.CERT_PLACEHOLDER,
    message:
      `config.idp_public_certs[${i}] is a shortened documentation example ("..."), not a certificate; it is kept in placeholder_certs and never trusted` +
      (noneUsable ? `. ${REFUSES.charAt(0).toUpperCase()}${REFUSES.slice(1)}` : ''),
    source: { pointer: `${CERTS}/${i}` },
  };
}

function validityWarnings(c: ParsedCertificate, i: number, origin: string): ApiMessage[] {
  const source = { pointer: `${CERTS}/${i}` };
  if (c.expired) {
    return [
      {
        code: SAML_WARNING.CERT_EXPIRED,
        message: `config.idp_public_certs[${i}]${origin} expired on ${c.notAfter.toISOString()}; SAML trust is key pinning, so it still verifies, but ask the IdP for a new certificate`,
        source,
      },
    ];
  }
  if (c.notYetValid) {
    return [
      {
        code: SAML_WARNING.CERT_NOT_YET_VALID,
        message: `config.idp_public_certs[${i}]${origin} is valid only from ${c.notBefore.toISOString()}; SAML trust is key pinning, so it verifies already, but check the IdP's clock and certificate`,
        source,
      },
    ];
  }
  return [];
}

type MetadataImport = { ok: true; metadata: IdpMetadata; pointer: string } | { ok: false; problem: FieldProblem };

async function importMetadata(input: SamlConfigInput, deps: { now: Date; metadataFetch?: FetchMetadataOptions }): Promise<MetadataImport | undefined> {
  let xml: string;
  let pointer: string;
  if (input.metadata_url !== undefined) {
    pointer = '/config/metadata_url';
    const fetched = await fetchMetadataUrl(input.metadata_url, deps.metadataFetch);
    if (!fetched.ok) return { ok: false, problem: { pointer, message: fetched.problem } };
    xml = fetched.text;
  } else if (input.metadata_xml !== undefined) {
    pointer = '/config/metadata_xml';
    xml = input.metadata_xml;
  } else {
    return undefined;
  }
  const parsed = parseIdpMetadata(xml, deps.now);
  return parsed.ok ? { ok: true, metadata: parsed.metadata, pointer } : { ok: false, problem: { pointer, message: parsed.problem } };
}

/** A value taken from metadata, held to the same rule as the explicit field; a problem is reported on the metadata field. */
function fromMetadata(
  meta: Extract<MetadataImport, { ok: true }> | undefined,
  what: string,
  value: string | undefined,
  schema: typeof entityIdField | typeof ssoUrlField,
  fields: FieldProblem[],
): string | undefined {
  if (!meta || value === undefined) return undefined;
  const checked = schema.safeParse(value);
  if (checked.success) return checked.data;
  fields.push({ pointer: meta.pointer, message: `metadata ${what} ${checked.error.issues[0]?.message ?? 'is not acceptable'}` });
  return undefined;
}
