import { z } from 'zod';
import { METADATA_MAX_BYTES } from '../connectors/saml/parse-idp-metadata.js';
import { urlField } from './url-field.js';

// An entity ID is any absolute URI (URLs and URNs alike) and is compared byte for byte with each response's
// Issuer, so surrounding whitespace or control characters would only make every sign-in fail.
const ENTITY_ID = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7E\u00A0-\uFFFF]+$/;
// RFC 9110 token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers whose value would change how the callback response itself is understood, or that Gatehouse sets
// itself: an IdP attribute (controlled by whoever edits the user at the IdP) must never supply them.
const RESERVED_HEADERS = new Set(['set-cookie', 'location', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'host', 'cache-control', 'content-security-policy', 'refresh']);

/** The IdP entity ID (`issuer_url`), also applied to an entityID read from metadata. */
export const entityIdField = z.string().max(1024).regex(ENTITY_ID, 'must be the IdP entity ID: an absolute URI without spaces');
/** The IdP's SSO URL (`sso_target_url`), also applied to a Location read from metadata. IdPs such as Google put a query in it. */
export const ssoUrlField = urlField({ allowQuery: true });

const headerName = z
  .string()
  .min(1)
  .max(256)
  .regex(HEADER_NAME, 'must be an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)')
  .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()) && !h.toLowerCase().startsWith('cf-access-'), 'is a header Gatehouse sets itself or that controls the response; choose another name');

/**
 * Cloudflare's generic SAML config (`AccessSAML.Config`) as the API takes it, plus two Gatehouse extensions for
 * importing the IdP metadata: `metadata_xml` (the document itself; used once, never stored or returned) and
 * `metadata_url` (fetched by Gatehouse; stored and returned). `issuer_url`, `sso_target_url` and `idp_public_certs`
 * are optional here because metadata may supply them; that they end up present is checked after the import.
 * Certificates are plain strings here: what they contain is judged by parsePinnedCertificate, entry by entry.
 */
export const samlConfigSchema = z
  .object({
    issuer_url: entityIdField.optional(),
    sso_target_url: ssoUrlField.optional(),
    idp_public_certs: z.array(z.string().max(16 * 1024)).max(10).optional(),
    sign_request: z.boolean().default(false),
    email_attribute_name: z.string().min(1).max(256).optional(),
    attributes: z.array(z.string().min(1).max(256)).max(100).default([]),
    header_attributes: z
      .array(z.object({ attribute_name: z.string().min(1).max(256), header_name: headerName }).strict())
      .max(50)
      .default([]),
    // Encrypted assertions need a decryption key and a whole extra attack surface (SP-ENC-*); not supported.
    enable_encryption: z
      .boolean()
      .refine((v) => v === false, 'encrypted assertions are not supported by Gatehouse; set enable_encryption to false or leave it out')
      .optional(),
    // Silently ignoring force_authn: true would leave the admin believing every sign-in re-authenticates.
    force_authn: z
      .boolean()
      .refine((v) => v === false, 'force_authn is not supported by Gatehouse yet; set it to false or leave it out')
      .optional(),
    max_sso_url_length: z.number().int().positive().optional(), // a size hint only; Gatehouse's URLs are short
    metadata_xml: z.string().min(1).max(METADATA_MAX_BYTES).optional(),
    metadata_url: urlField({ allowQuery: true }).optional(),
    // read-only outputs of a GET, accepted so that GET-modify-PUT works
    redirect_url: z.unknown().optional(),
    placeholder_certs: z.unknown().optional(),
  })
  .strict();

export type SamlConfigInput = z.infer<typeof samlConfigSchema>;
