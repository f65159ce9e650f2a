import { GatehouseError } from '../../errors/gatehouse-error.js';

// xs:dateTime as SAML uses it: a four-digit year and an explicit zone (Z or ±hh:mm). A time without a zone is
// ambiguous and refused rather than guessed as UTC or local (SP-PROTO-07 h).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):(\d{2}))$/;

/** Parses a SAML timestamp strictly; an impossible date such as 2024-02-30 is refused, never rolled over. */
export function parseSamlTime(value: string | null, what: string): Date {
  const m = value === null ? null : DATE_TIME.exec(value);
  if (!m) throw new GatehouseError('SAML_BAD_TIME', { detail: `${what} ${JSON.stringify(value?.slice(0, 40) ?? null)} is not an xs:dateTime with a time zone` });
  const [, y, mo, d, h, mi, s, frac, zone, zh, zm] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== +y! || check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h! > 23 || +mi! > 59 || +s! > 59) {
    throw new GatehouseError('SAML_BAD_TIME', { detail: `${what} ${value} is not a real date and time` });
  }
  if (zone === 'Z') return check;
  if (+zh! > 14 || +zm! > 59) throw new GatehouseError('SAML_BAD_TIME', { detail: `${what} ${value} has an impossible time-zone offset` });
  const offset = (+zh! * 60 + +zm!) * 60_000 * (zone!.startsWith('-') ? -1 : 1);
  return new Date(ms - offset);
}
