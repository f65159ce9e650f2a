import type { AccessRule, AccessRuleKind } from '../policy/policy-types.js';

/**
 * The rule builder's form fields and Cloudflare's rule JSON, both ways. The form works without JavaScript: each
 * section (include / require / exclude) is a list of rows, one rule each; every row posts its kind, the kind it was
 * rendered with, and the value inputs of that kind, named `<section>-<row>-<kind>-<key>` (the key as in the rule
 * JSON), so values of one kind never leak into another when a row's kind is changed.
 */
export const SECTIONS = ['include', 'require', 'exclude'] as const;
export type RuleSection = (typeof SECTIONS)[number];

/** What kind of input a value needs: free text, or a select of groups, lists or login methods. */
export type ValueInput = 'text' | 'email' | 'group' | 'email_list' | 'ip_list' | 'idp' | 'auth_method';

export interface ValueSpec {
  /** The key in the rule JSON, e.g. `domain` in `{"email_domain": {"domain": …}}`. */
  key: string;
  label: string;
  input: ValueInput;
  /** Optional values are left out of the rule JSON when empty. */
  optional?: boolean;
  hint?: string;
}

export interface KindSpec {
  /** As Cloudflare's dashboard names the selector. */
  label: string;
  values: readonly ValueSpec[];
}

/** Every rule kind Gatehouse evaluates (src/admin-api/rule-schema.ts), in the order the kind select lists them. */
export const RULE_KINDS: Readonly<Record<AccessRuleKind, KindSpec>> = {
  email: { label: 'Emails', values: [{ key: 'email', label: 'Email address', input: 'email' }] },
  email_domain: { label: 'Emails ending in', values: [{ key: 'domain', label: 'Domain', input: 'text', hint: 'such as example.com' }] },
  email_list: { label: 'Email list', values: [{ key: 'id', label: 'Email list', input: 'email_list' }] },
  everyone: { label: 'Everyone', values: [] },
  group: { label: 'Access group', values: [{ key: 'id', label: 'Access group', input: 'group' }] },
  ip: { label: 'IP ranges', values: [{ key: 'ip', label: 'IP address or CIDR range', input: 'text', hint: 'such as 192.0.2.0/24' }] },
  ip_list: { label: 'IP list', values: [{ key: 'id', label: 'IP list', input: 'ip_list' }] },
  geo: { label: 'Country', values: [{ key: 'country_code', label: 'Country code', input: 'text', hint: 'ISO 3166-1 alpha-2, such as US' }] },
  login_method: { label: 'Login methods', values: [{ key: 'id', label: 'Login method', input: 'idp' }] },
  auth_method: { label: 'Authentication method', values: [{ key: 'auth_method', label: 'Authentication method', input: 'auth_method' }] },
  saml: {
    label: 'SAML group / attribute',
    values: [
      { key: 'attribute_name', label: 'Attribute name', input: 'text' },
      { key: 'attribute_value', label: 'Attribute value', input: 'text' },
      { key: 'identity_provider_id', label: 'Login method', input: 'idp', optional: true },
    ],
  },
  oidc: {
    label: 'OIDC claim',
    values: [
      { key: 'claim_name', label: 'Claim name', input: 'text' },
      { key: 'claim_value', label: 'Claim value', input: 'text' },
      { key: 'identity_provider_id', label: 'Login method', input: 'idp', optional: true },
    ],
  },
  common_name: { label: 'Common name', values: [{ key: 'common_name', label: 'Certificate common name', input: 'text' }] },
  certificate: { label: 'Valid certificate', values: [] },
};

export const KIND_ORDER = Object.keys(RULE_KINDS) as AccessRuleKind[];

/** RFC 8176 authentication methods an `auth_method` rule can require (Cloudflare offers the same list). */
export const AUTH_METHODS: ReadonlyArray<[string, string]> = [
  ['mfa', 'mfa: multi-factor authentication'],
  ['hwk', 'hwk: hardware-secured key'],
  ['swk', 'swk: software-secured key'],
  ['otp', 'otp: one-time password'],
  ['pwd', 'pwd: password'],
  ['sms', 'sms: text message'],
  ['tel', 'tel: telephone call'],
  ['face', 'face: facial recognition'],
  ['fpt', 'fpt: fingerprint'],
  ['iris', 'iris: iris scan'],
  ['retina', 'retina: retina scan'],
  ['vbm', 'vbm: voice biometric'],
  ['kba', 'kba: knowledge-based authentication'],
  ['pin', 'pin: personal identification number'],
  ['geo', 'geo: geolocation'],
  ['mca', 'mca: multiple-channel authentication'],
  ['rba', 'rba: risk-based authentication'],
  ['sc', 'sc: smart card'],
  ['user', 'user: user presence test'],
  ['wia', 'wia: Windows integrated authentication'],
];

/** One row of the builder: its kind and the text of its value inputs, by rule JSON key. */
export interface RuleRow {
  kind: AccessRuleKind;
  /** The kind the row was rendered with; differs from `kind` when the select was changed without JavaScript. */
  shown?: AccessRuleKind;
  values: Record<string, string>;
}

export type RuleRows = Record<RuleSection, RuleRow[]>;

export function isRuleKind(v: unknown): v is AccessRuleKind {
  return typeof v === 'string' && Object.hasOwn(RULE_KINDS, v);
}

/** The name of a row's input. */
export function fieldName(section: RuleSection, row: number, part: string): string {
  return `${section}-${row}-${part}`;
}

export function valueFieldName(section: RuleSection, row: number, kind: AccessRuleKind, key: string): string {
  return fieldName(section, row, `${kind}-${key}`);
}

/** The most rows one section may post (the API takes at most 1000 rules per section). */
const MAX_ROWS = 1000;

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');

/** Reads the rows of every section from a posted form (url-encoded, as @fastify/formbody parses it). */
export function rowsFromForm(body: Record<string, unknown>): RuleRows {
  const rows = { include: [], require: [], exclude: [] } as RuleRows;
  for (const section of SECTIONS) {
    const count = Math.min(MAX_ROWS, Math.max(0, Number.parseInt(str(body[`${section}-rows`]), 10) || 0));
    for (let i = 0; i < count; i++) {
      const kind = str(body[fieldName(section, i, 'kind')]);
      if (!isRuleKind(kind)) continue;
      const shown = str(body[fieldName(section, i, 'shown')]);
      const values: Record<string, string> = {};
      for (const spec of RULE_KINDS[kind].values) values[spec.key] = str(body[valueFieldName(section, i, kind, spec.key)]);
      rows[section].push({ kind, ...(isRuleKind(shown) ? { shown } : {}), values });
    }
  }
  return rows;
}

/** The form fields of `rows`, as `rowsFromForm` reads them back (for tests and links). */
export function rowsToForm(rows: RuleRows): Record<string, string> {
  const out: Record<string, string> = {};
  for (const section of SECTIONS) {
    out[`${section}-rows`] = String(rows[section].length);
    rows[section].forEach((row, i) => {
      out[fieldName(section, i, 'kind')] = row.kind;
      out[fieldName(section, i, 'shown')] = row.shown ?? row.kind;
      for (const spec of RULE_KINDS[row.kind].values) out[valueFieldName(section, i, row.kind, spec.key)] = row.values[spec.key] ?? '';
    });
  }
  return out;
}

/** A row nobody filled in: a kind that needs values, and every required value empty. Ignored on save. */
export function isEmptyRow(row: RuleRow): boolean {
  const required = RULE_KINDS[row.kind].values.filter((v) => !v.optional);
  return required.length > 0 && required.every((v) => (row.values[v.key] ?? '').trim() === '');
}

/** A row whose kind was changed (without JavaScript) and whose new kind's values are not filled in yet. */
export function needsValues(row: RuleRow): boolean {
  return row.shown !== undefined && row.shown !== row.kind && isEmptyRow(row);
}

/** The rule JSON of one row: values trimmed, empty optional values left out. */
export function rowToRule(row: RuleRow): AccessRule {
  const inner: Record<string, string> = {};
  for (const spec of RULE_KINDS[row.kind].values) {
    const value = (row.values[spec.key] ?? '').trim();
    if (spec.optional && value === '') continue;
    inner[spec.key] = value;
  }
  return { [row.kind]: inner } as AccessRule;
}

/** The row of a stored rule (the rule JSON of a GET result). Unknown kinds, which the API never returns, are dropped. */
export function ruleToRow(rule: AccessRule): RuleRow | undefined {
  const kind = Object.keys(rule)[0];
  if (!isRuleKind(kind)) return undefined;
  const inner = (rule as Record<string, Record<string, unknown>>)[kind] ?? {};
  const values: Record<string, string> = {};
  for (const spec of RULE_KINDS[kind].values) values[spec.key] = typeof inner[spec.key] === 'string' ? (inner[spec.key] as string) : '';
  return { kind, values };
}

export function rulesToRows(rules: { include?: AccessRule[]; require?: AccessRule[]; exclude?: AccessRule[] }): RuleRows {
  const toRows = (list: AccessRule[] | undefined) => (list ?? []).map(ruleToRow).filter((r): r is RuleRow => r !== undefined);
  return { include: toRows(rules.include), require: toRows(rules.require), exclude: toRows(rules.exclude) };
}

export interface BuiltRules {
  include: AccessRule[];
  require: AccessRule[];
  exclude: AccessRule[];
  /** For each section, the row index of each rule (empty rows are skipped, so API pointers need mapping back). */
  rowOf: Record<RuleSection, number[]>;
}

/** The rule arrays of the rows, skipping empty ones. */
export function rowsToRules(rows: RuleRows): BuiltRules {
  const built: BuiltRules = { include: [], require: [], exclude: [], rowOf: { include: [], require: [], exclude: [] } };
  for (const section of SECTIONS) {
    rows[section].forEach((row, i) => {
      if (isEmptyRow(row)) return;
      built[section].push(rowToRule(row));
      built.rowOf[section].push(i);
    });
  }
  return built;
}

/** What the form does with a POST: save, or re-render after adding or removing a row. */
export type FormOp = { op: 'save' } | { op: 'add'; section: RuleSection; kind: AccessRuleKind } | { op: 'remove'; section: RuleSection; row: number };

export function formOp(body: Record<string, unknown>): FormOp {
  const op = str(body.op);
  const add = /^add-(include|require|exclude)$/.exec(op);
  if (add) {
    const section = add[1] as RuleSection;
    const kind = str(body[`${section}-new-kind`]);
    return { op: 'add', section, kind: isRuleKind(kind) ? kind : 'email' };
  }
  const remove = /^remove-(include|require|exclude)-(\d{1,4})$/.exec(op);
  if (remove) return { op: 'remove', section: remove[1] as RuleSection, row: Number(remove[2]) };
  return { op: 'save' };
}

/** Applies an add or remove to the rows (a new copy). */
export function applyOp(rows: RuleRows, op: FormOp): RuleRows {
  const next: RuleRows = { include: [...rows.include], require: [...rows.require], exclude: [...rows.exclude] };
  if (op.op === 'add') next[op.section].push({ kind: op.kind, values: {} });
  if (op.op === 'remove') next[op.section].splice(op.row, 1);
  // Every row is now shown with the kind it has.
  for (const section of SECTIONS) next[section] = next[section].map(({ shown: _shown, ...row }) => row);
  return next;
}

/** Problems to show in the form: per row, per section, per top-level field, and the rest. */
export interface FormProblems {
  rows: Record<RuleSection, Map<number, string[]>>;
  sections: Record<RuleSection, string[]>;
  fields: Map<string, string[]>;
  other: string[];
}

export function noProblems(): FormProblems {
  return { rows: { include: new Map(), require: new Map(), exclude: new Map() }, sections: { include: [], require: [], exclude: [] }, fields: new Map(), other: [] };
}

export function hasProblems(p: FormProblems): boolean {
  return p.other.length > 0 || p.fields.size > 0 || SECTIONS.some((s) => p.rows[s].size > 0 || p.sections[s].length > 0);
}

const push = <K>(map: Map<K, string[]>, key: K, message: string) => map.set(key, [...(map.get(key) ?? []), message]);

/**
 * Sorts the admin API's errors (v4 envelope, `source.pointer` JSON pointers) to where the form shows them:
 * `/include/2/ip/ip` goes to the row that rule came from, `/include` to its section, `/name` to that field.
 */
export function mapApiErrors(errors: ReadonlyArray<{ message: string; source?: { pointer: string } }>, rowOf: BuiltRules['rowOf']): FormProblems {
  const problems = noProblems();
  for (const error of errors) {
    const pointer = error.source?.pointer ?? '';
    const parts = pointer.split('/').slice(1);
    // The envelope's message repeats the pointer ("include.2.ip.ip: …"); the form shows the message after it.
    const message = error.message.replace(/^[\w.~-]+: /, '');
    const section = parts[0] as RuleSection | undefined;
    if (section && (SECTIONS as readonly string[]).includes(section)) {
      const index = parts[1] === undefined ? undefined : Number(parts[1]);
      const row = index === undefined || !Number.isInteger(index) ? undefined : rowOf[section][index];
      if (row === undefined) problems.sections[section].push(message);
      else push(problems.rows[section], row, message);
    } else if (parts.length > 0 && parts[0]) {
      push(problems.fields, parts[0], message);
    } else {
      problems.other.push(message);
    }
  }
  return problems;
}

/** Rows whose kind changed without their new values being filled in: an error on each, before calling the API. */
export function unfilledRowProblems(rows: RuleRows): FormProblems {
  const problems = noProblems();
  for (const section of SECTIONS) {
    rows[section].forEach((row, i) => {
      if (needsValues(row)) push(problems.rows[section], i, `fill in this ${RULE_KINDS[row.kind].label} rule, or remove it`);
    });
  }
  return problems;
}
