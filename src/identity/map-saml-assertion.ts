import type { VerifiedSamlResponse } from '../connectors/saml/validate-saml-response.js';
import { NAMEID_FORMAT } from '../connectors/saml/saml-names.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { EMAIL } from './email.js';
import { SAML_GROUP_ATTRIBUTES } from './group-claims.js';
import type { Identity } from './identity.js';

export interface SamlMappingConfig {
  idpId: string;
  /** The attribute holding the email (email_attribute_name); absent: the NameID, when it is an email. */
  emailAttributeName?: string;
  /** Attributes kept as `saml_attributes` (attributes). */
  attributes: readonly string[];
}

const NAME_ATTRIBUTES = ['name', 'displayname', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'];
const GIVEN_NAME_ATTRIBUTES = ['givenname', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'];
const FAMILY_NAME_ATTRIBUTES = ['surname', 'sn', 'familyname', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname'];
const ACCEPTED_NAMEID_FORMATS = new Set<string | undefined>([undefined, NAMEID_FORMAT.email, NAMEID_FORMAT.unspecified, NAMEID_FORMAT.persistent]);

/**
 * Maps a verified SAML assertion to the protocol-neutral Identity, following IAM Identity Center's attribute
 * setup in the seed (Subject ${user:email}; name, surName, givenName) plus a `groups` attribute. Pure.
 */
export function mapSamlAssertion(a: VerifiedSamlResponse, config: SamlMappingConfig): Identity {
  // Transient and other formats are not stable user identifiers; they never key a stored user (SP-PROTO-10).
  if (!ACCEPTED_NAMEID_FORMATS.has(a.nameIdFormat)) {
    throw new GatehouseError('SAML_NAMEID_FORMAT', {
      detail: `NameID Format is ${a.nameIdFormat}; Gatehouse accepts emailAddress, unspecified or persistent`,
      hint: 'at the IdP, set the Subject to ${user:email} with format emailAddress',
    });
  }
  const email = emailOf(a, config);
  const kept: Record<string, string[]> = {};
  for (const name of config.attributes) {
    const values = a.attributes[name];
    if (values && values.length > 0) kept[name] = values;
  }
  const name = firstOf(a, NAME_ATTRIBUTES);
  const givenName = firstOf(a, GIVEN_NAME_ATTRIBUTES);
  const familyName = firstOf(a, FAMILY_NAME_ATTRIBUTES);
  const displayName = name ?? ([givenName, familyName].filter(Boolean).join(' ') || undefined);
  return {
    subject: a.nameId,
    idpId: config.idpId,
    idpType: 'saml',
    email,
    ...(displayName ? { name: displayName } : {}),
    ...(givenName ? { givenName } : {}),
    ...(familyName ? { familyName } : {}),
    groups: valuesOf(a, [...SAML_GROUP_ATTRIBUTES]) ?? [],
    claims: kept,
    authn: { issuer: a.issuer, at: a.authnInstant, amr: amrOf(a.authnContextClassRef), ...(a.sessionNotOnOrAfter ? { notOnOrAfter: a.sessionNotOnOrAfter } : {}) },
  };
}

function emailOf(a: VerifiedSamlResponse, config: SamlMappingConfig): string {
  let raw: string;
  if (config.emailAttributeName) {
    const values = a.attributes[config.emailAttributeName];
    if (!values || values.length === 0) {
      throw new GatehouseError('IDENTITY_EMAIL_MISSING', {
        detail: `the assertion has no "${config.emailAttributeName}" attribute; attributes present: ${Object.keys(a.attributes).sort().join(', ') || '(none)'}`,
        hint: 'add the attribute at the IdP, or set email_attribute_name to the attribute that holds the email',
      });
    }
    // Several values would make "which email" the reader's guess (SP-PROTO-11).
    if (values.length > 1) throw new GatehouseError('SAML_STRUCTURE', { detail: `attribute "${config.emailAttributeName}" has ${values.length} values; exactly one email is required` });
    raw = values[0]!;
  } else {
    // Without an email attribute the NameID is the email, so it must say it is one: an unspecified or persistent
    // NameID that happens to look like an address is not taken as one (SP-PROTO-10).
    if (a.nameIdFormat !== NAMEID_FORMAT.email) {
      throw new GatehouseError('SAML_NAMEID_FORMAT', {
        detail: `the NameID Format is ${a.nameIdFormat ?? '(none)'} and no email_attribute_name is set, so the response names no email`,
        hint: 'at the IdP, set the Subject to ${user:email} with format emailAddress, or set email_attribute_name',
      });
    }
    raw = a.nameId;
  }
  const email = raw.toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new GatehouseError('IDENTITY_EMAIL_MISSING', {
      detail: `${config.emailAttributeName ? `attribute "${config.emailAttributeName}"` : 'the NameID'} is not an email address`,
      hint: 'at the IdP, map the Subject (or the email attribute) to ${user:email}',
    });
  }
  return email;
}

function valuesOf(a: VerifiedSamlResponse, names: readonly string[]): string[] | undefined {
  const key = Object.keys(a.attributes).find((k) => names.includes(k.toLowerCase()));
  return key ? a.attributes[key] : undefined;
}

function firstOf(a: VerifiedSamlResponse, names: readonly string[]): string | undefined {
  return valuesOf(a, names)?.find((v) => v.length > 0);
}

/** RFC 8176 values for the common SAML authentication context classes. */
function amrOf(classRef: string | undefined): string[] {
  if (!classRef) return [];
  if (/Password/i.test(classRef)) return ['pwd'];
  if (/X509|Smartcard/i.test(classRef)) return ['hwk'];
  if (/MobileTwoFactor|TimeSync|MultiFactor/i.test(classRef)) return ['mfa'];
  return [];
}
