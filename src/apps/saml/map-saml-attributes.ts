import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Identity } from '../../identity/identity.js';
import type { CustomAttribute } from '../app-record.js';

export interface MappedAttribute {
  name: string;
  nameFormat?: string;
  friendlyName?: string;
  values: string[];
}

const UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified';

/** Values of an identity field or upstream claim by the source names admins write in custom_attributes. */
export function identityValues(identity: Identity, userId: string, source: string): string[] {
  switch (source) {
    case 'email':
      return [identity.email];
    case 'name':
      return identity.name ? [identity.name] : (identity.claims.name ?? []);
    case 'given_name':
    case 'givenName':
      return identity.givenName ? [identity.givenName] : (identity.claims[source] ?? []);
    case 'family_name':
    case 'surName':
    case 'surname':
      return identity.familyName ? [identity.familyName] : (identity.claims[source] ?? []);
    case 'groups':
      return identity.groups;
    case 'id':
    case 'user_uuid':
      return [userId];
    default:
      return identity.claims[source] ?? [];
  }
}

/**
 * The attribute statement of an assertion: Cloudflare's defaults (email, name, groups when present) followed by
 * the app's custom_attributes. A custom attribute marked required and missing fails the sign-in (fail closed).
 */
export function mapSamlAttributes(identity: Identity, userId: string, custom: readonly CustomAttribute[]): MappedAttribute[] {
  const out: MappedAttribute[] = [{ name: 'email', nameFormat: UNSPECIFIED, values: [identity.email] }];
  if (identity.name) out.push({ name: 'name', nameFormat: UNSPECIFIED, values: [identity.name] });
  if (identity.groups.length > 0) out.push({ name: 'groups', nameFormat: UNSPECIFIED, values: identity.groups });
  for (const attr of custom) {
    const override = attr.source.nameByIdp.find((o) => o.idpId === identity.idpId);
    const source = override?.sourceName ?? attr.source.name;
    const values = identityValues(identity, userId, source);
    if (values.length === 0) {
      if (attr.required) {
        throw new GatehouseError('APP_IDENTITY_UNUSABLE', {
          detail: `required SAML attribute "${attr.name}" has no value: source "${source}" is not in the identity from login method ${identity.idpId}`,
          hint: `add "${source}" to the login method's claims/attributes, fix source.name, or make the attribute optional`,
        });
      }
      continue;
    }
    // A custom attribute replaces a default of the same name rather than duplicating it.
    const existing = out.findIndex((a) => a.name === attr.name);
    const mapped: MappedAttribute = {
      name: attr.name,
      nameFormat: attr.nameFormat ?? UNSPECIFIED,
      ...(attr.friendlyName ? { friendlyName: attr.friendlyName } : {}),
      values,
    };
    if (existing >= 0) out[existing] = mapped;
    else out.push(mapped);
  }
  return out;
}
