import type { AccessRule, AccessRuleKind, PolicyDecision } from '../../policy/policy-types.js';
import {
  AUTH_METHODS,
  fieldName,
  type FormProblems,
  hasProblems,
  KIND_ORDER,
  noProblems,
  RULE_KINDS,
  type RuleRow,
  type RuleRows,
  type RuleSection,
  SECTIONS,
  type ValueSpec,
  valueFieldName,
} from '../../dashboard/rule-form.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { dashboardPage } from '../dashboard-pages.js';

/** The decisions as Cloudflare's dashboard names them. */
export const DECISIONS: ReadonlyArray<[PolicyDecision, string]> = [
  ['allow', 'Allow'],
  ['deny', 'Block'],
  ['bypass', 'Bypass'],
  ['non_identity', 'Service Auth'],
];

export const decisionLabel = (d: string): string => DECISIONS.find(([v]) => v === d)?.[1] ?? d;

const SECTION_TEXT: Record<RuleSection, { title: string; help: string }> = {
  include: { title: 'Include', help: 'Any of these rules: a user must match at least one.' },
  require: { title: 'Require', help: 'All of these rules: a user must match every one.' },
  exclude: { title: 'Exclude', help: 'None of these rules: a user who matches any one is not admitted.' },
};

/** What the rule builder's selects offer. */
export interface RuleChoices {
  groups: Array<{ id: string; name: string }>;
  lists: Array<{ id: string; name: string; type: string }>;
  idps: Array<{ id: string; name: string; type: string }>;
}

/** The rule JSON as one short line, for lists: `email_domain example.com`, `group Staff`. */
export function describeRule(rule: AccessRule, choices: RuleChoices): string {
  const kind = Object.keys(rule)[0] as AccessRuleKind;
  const inner = (rule as Record<string, Record<string, string>>)[kind] ?? {};
  const spec = RULE_KINDS[kind];
  if (!spec) return kind;
  const value = spec.values
    .map((v) => {
      const raw = inner[v.key];
      if (raw === undefined) return undefined;
      const named = v.input === 'group' ? choices.groups : v.input === 'idp' ? choices.idps : v.input === 'email_list' || v.input === 'ip_list' ? choices.lists : undefined;
      return named?.find((n) => n.id === raw)?.name ?? raw;
    })
    .filter((v) => v !== undefined)
    .join(' = ');
  return value ? `${spec.label}: ${value}` : spec.label;
}

const errorList = (id: string, messages: readonly string[] | undefined): SafeHtml =>
  messages && messages.length > 0 ? html`<ul class="pol-errors" id="${id}">${messages.map((m) => html`<li>${m}</li>`)}</ul>` : html``;

const describedBy = (id: string, messages: readonly string[] | undefined): SafeHtml => (messages && messages.length > 0 ? html` aria-describedby="${id}" aria-invalid="true"` : html``);

function valueInput(section: RuleSection, i: number, kind: AccessRuleKind, spec: ValueSpec, value: string, choices: RuleChoices, errorId: string, errors: readonly string[] | undefined): SafeHtml {
  const id = valueFieldName(section, i, kind, spec.key);
  const label = html`<label for="${id}">${spec.label}${spec.optional ? html` <span class="muted">(optional)</span>` : ''}</label>`;
  const options = (items: Array<{ id: string; name: string }>, empty: string) => {
    const known = items.some((o) => o.id === value);
    return html`<option value="">${empty}</option>${items.map((o) => html`<option value="${o.id}"${o.id === value ? html` selected` : ''}>${o.name}</option>`)}${!known && value ? html`<option value="${value}" selected>${value}</option>` : ''}`;
  };
  const select = (inner: SafeHtml) => html`<div class="pol-value">${label}<select id="${id}" name="${id}"${describedBy(errorId, errors)}>${inner}</select></div>`;
  switch (spec.input) {
    case 'group':
      return select(options(choices.groups, 'Choose an Access group'));
    case 'email_list':
      return select(options(choices.lists.filter((l) => l.type === 'EMAIL'), 'Choose an email list'));
    case 'ip_list':
      return select(options(choices.lists.filter((l) => l.type === 'IP'), 'Choose an IP list'));
    case 'idp':
      return select(options(choices.idps, spec.optional ? 'Any login method' : 'Choose a login method'));
    case 'auth_method':
      return select(options(AUTH_METHODS.map(([v, n]) => ({ id: v, name: n })), 'Choose a method'));
    default: {
      const hintId = `${id}-hint`;
      const describe = [spec.hint ? hintId : '', errors && errors.length > 0 ? errorId : ''].filter(Boolean).join(' ');
      return html`<div class="pol-value">${label}${spec.hint ? html`<p class="muted pol-hint" id="${hintId}">${spec.hint}</p>` : ''}<input id="${id}" name="${id}" type="${spec.input === 'email' ? 'email' : 'text'}" value="${value}" maxlength="1024" autocomplete="off"${describe ? html` aria-describedby="${describe}"` : ''}${errors && errors.length > 0 ? html` aria-invalid="true"` : ''}></div>`;
    }
  }
}

function ruleRow(section: RuleSection, i: number, row: RuleRow, choices: RuleChoices, errors: readonly string[] | undefined): SafeHtml {
  const kindId = fieldName(section, i, 'kind');
  const errorId = fieldName(section, i, 'errors');
  const spec = RULE_KINDS[row.kind];
  return html`<li class="pol-rule${errors && errors.length > 0 ? ' pol-invalid' : ''}" id="${fieldName(section, i, 'row')}">
<div class="pol-rule-fields">
<div class="pol-value"><label for="${kindId}">Selector</label><select id="${kindId}" name="${kindId}">${KIND_ORDER.map((k) => html`<option value="${k}"${k === row.kind ? html` selected` : ''}>${RULE_KINDS[k].label}</option>`)}</select></div>
<input type="hidden" name="${fieldName(section, i, 'shown')}" value="${row.kind}">
${spec.values.map((v) => valueInput(section, i, row.kind, v, row.values[v.key] ?? '', choices, errorId, errors))}
${spec.values.length === 0 ? html`<p class="muted pol-novalue">No value needed.</p>` : ''}
</div>
${errorList(errorId, errors)}
<button type="submit" name="op" value="remove-${section}-${i}" class="button secondary pol-remove" formnovalidate>Remove<span class="pol-sr-only"> ${SECTION_TEXT[section].title.toLowerCase()} rule ${i + 1}</span></button>
</li>`;
}

/** The include / require / exclude builder: rows of rules, each with a Remove button, and "Add a rule" per section. */
export function ruleBuilder(rows: RuleRows, choices: RuleChoices, problems: FormProblems): SafeHtml {
  return html`${SECTIONS.map((section) => {
    const text = SECTION_TEXT[section];
    const newKind = `${section}-new-kind`;
    const sectionErrors = problems.sections[section];
    return html`<fieldset class="pol-section" id="${section}-section">
<legend>${text.title}</legend>
<p class="muted">${text.help}</p>
${errorList(`${section}-errors`, sectionErrors)}
<input type="hidden" name="${section}-rows" value="${rows[section].length}">
${rows[section].length > 0 ? html`<ol class="pol-rules">${rows[section].map((row, i) => ruleRow(section, i, row, choices, problems.rows[section].get(i)))}</ol>` : html`<p class="pol-empty">No ${text.title.toLowerCase()} rules.</p>`}
<div class="pol-add">
<div class="pol-value"><label for="${newKind}">Selector of the new rule</label><select id="${newKind}" name="${newKind}">${KIND_ORDER.map((k) => html`<option value="${k}">${RULE_KINDS[k].label}</option>`)}</select></div>
<button type="submit" name="op" value="add-${section}" class="button secondary" formnovalidate>Add a rule<span class="pol-sr-only"> to ${text.title}</span></button>
</div>
</fieldset>`;
  })}`;
}

function summary(problems: FormProblems, what: string): SafeHtml {
  if (!hasProblems(problems)) return html``;
  return html`<div class="notice" role="alert" id="form-problems"><p>The ${what} was not saved. Correct the fields marked below.</p>${problems.other.length > 0 ? html`<ul>${problems.other.map((m) => html`<li>${m}</li>`)}</ul>` : ''}</div>`;
}

function textField(id: string, name: string, label: string, value: string, problems: FormProblems, extra: { required?: boolean; hint?: string; max?: number } = {}): SafeHtml {
  const errors = problems.fields.get(name);
  const errorId = `${id}-errors`;
  const hintId = `${id}-hint`;
  const describe = [extra.hint ? hintId : '', errors ? errorId : ''].filter(Boolean).join(' ');
  return html`<label for="${id}">${label}</label>${extra.hint ? html`<p class="muted pol-hint" id="${hintId}">${extra.hint}</p>` : ''}
<input id="${id}" name="${name}" value="${value}" maxlength="${extra.max ?? 350}"${extra.required ? html` required` : ''}${describe ? html` aria-describedby="${describe}"` : ''}${errors ? html` aria-invalid="true"` : ''}>
${errorList(errorId, errors)}`;
}

export interface PolicyFormInput {
  email: string;
  csrf: string;
  /** Undefined for a new policy. */
  id?: string;
  name: string;
  decision: string;
  sessionDuration: string;
  rows: RuleRows;
  choices: RuleChoices;
  problems?: FormProblems;
}

const defaultSubmit = (label: string) =>
  // The first submit button of a form is the one Enter in a text field presses: Save, not a row's Remove.
  html`<button type="submit" name="op" value="save" class="pol-sr-only" tabindex="-1">${label}</button>`;

export function policyFormPage(input: PolicyFormInput): string {
  const problems = input.problems ?? noProblems();
  const action = input.id ? `/dashboard/policies/${input.id}` : '/dashboard/policies';
  const title = input.id ? `Edit policy ${input.name}` : 'Add a policy';
  const decisionErrors = problems.fields.get('decision');
  return dashboardPage(
    input.id ? 'Edit policy' : 'Add a policy',
    'policies',
    input.email,
    html`${summary(problems, 'policy')}
<form method="post" action="${action}" class="pol-form" aria-label="${title}">
<input type="hidden" name="csrf" value="${input.csrf}">
${defaultSubmit('Save policy')}
${textField('policy-name', 'name', 'Policy name', input.name, problems, { required: true })}
<label for="policy-decision">Action</label>
<select id="policy-decision" name="decision"${describedBy('policy-decision-errors', decisionErrors)}>${DECISIONS.map(([v, label]) => html`<option value="${v}"${v === input.decision ? html` selected` : ''}>${label}</option>`)}</select>
${errorList('policy-decision-errors', decisionErrors)}
${textField('policy-session', 'session_duration', 'Session duration', input.sessionDuration, problems, { hint: 'Such as 24h or 30m. Leave empty to use the application’s session duration.', max: 32 })}
${ruleBuilder(input.rows, input.choices, problems)}
<div class="actions"><button type="submit" name="op" value="save" class="button">Save policy</button><a class="button secondary" href="/dashboard/policies">Cancel</a></div>
</form>`,
  );
}

export interface GroupFormInput {
  email: string;
  csrf: string;
  id?: string;
  name: string;
  rows: RuleRows;
  choices: RuleChoices;
  problems?: FormProblems;
}

export function groupFormPage(input: GroupFormInput): string {
  const problems = input.problems ?? noProblems();
  const action = input.id ? `/dashboard/groups/${input.id}` : '/dashboard/groups';
  return dashboardPage(
    input.id ? 'Edit Access group' : 'Add an Access group',
    'groups',
    input.email,
    html`${summary(problems, 'group')}
<form method="post" action="${action}" class="pol-form" aria-label="${input.id ? `Edit group ${input.name}` : 'Add an Access group'}">
<input type="hidden" name="csrf" value="${input.csrf}">
${defaultSubmit('Save group')}
${textField('group-name', 'name', 'Group name', input.name, problems, { required: true })}
${ruleBuilder(input.rows, input.choices, problems)}
<div class="actions"><button type="submit" name="op" value="save" class="button">Save group</button><a class="button secondary" href="/dashboard/groups">Cancel</a></div>
</form>`,
  );
}

const notices = (input: { notice?: string; problem?: string }) =>
  html`${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}${input.problem ? html`<p class="notice" role="alert">${input.problem}</p>` : ''}`;

const rulesCell = (p: { include: AccessRule[]; require: AccessRule[]; exclude: AccessRule[] }, choices: RuleChoices) =>
  html`<ul class="pol-summary">${SECTIONS.flatMap((s) => p[s].map((r) => html`<li><span class="pol-tag">${SECTION_TEXT[s].title}</span> ${describeRule(r, choices)}</li>`))}</ul>`;

export interface ListedPolicy {
  id: string;
  name: string;
  decision: string;
  include: AccessRule[];
  require: AccessRule[];
  exclude: AccessRule[];
  session_duration?: string;
  app_count?: number;
}

export function policiesListPage(input: { email: string; csrf: string; policies: ListedPolicy[]; choices: RuleChoices; notice?: string; problem?: string }): string {
  return dashboardPage(
    'Policies',
    'policies',
    input.email,
    html`${notices(input)}
<p class="pol-toolbar"><a class="button" href="/dashboard/policies/new">Add a policy</a></p>
<table class="pol-table"><caption>Reusable policies</caption><thead><tr><th scope="col">Name</th><th scope="col">Action</th><th scope="col">Rules</th><th scope="col">Applications</th><th scope="col"><span class="pol-sr-only">Actions</span></th></tr></thead><tbody>
${input.policies.map(
  (p) => html`<tr><td><a href="/dashboard/policies/${p.id}">${p.name}</a></td><td>${decisionLabel(p.decision)}</td><td>${rulesCell(p, input.choices)}</td><td>${p.app_count ?? 0}</td><td><form method="post" action="/dashboard/policies/${p.id}/delete" class="pol-inline"><input type="hidden" name="csrf" value="${input.csrf}"><button type="submit" class="button secondary">Delete<span class="pol-sr-only"> ${p.name}</span></button></form></td></tr>`,
)}
</tbody></table>
${input.policies.length === 0 ? html`<p>No reusable policies yet.</p>` : ''}`,
  );
}

export interface ListedGroup {
  id: string;
  name: string;
  include: AccessRule[];
  require: AccessRule[];
  exclude: AccessRule[];
}

export function groupsListPage(input: { email: string; csrf: string; groups: ListedGroup[]; choices: RuleChoices; notice?: string; problem?: string }): string {
  return dashboardPage(
    'Access groups',
    'groups',
    input.email,
    html`${notices(input)}
<p class="pol-toolbar"><a class="button" href="/dashboard/groups/new">Add a group</a></p>
<table class="pol-table"><caption>Access groups</caption><thead><tr><th scope="col">Name</th><th scope="col">Rules</th><th scope="col"><span class="pol-sr-only">Actions</span></th></tr></thead><tbody>
${input.groups.map(
  (g) => html`<tr><td><a href="/dashboard/groups/${g.id}">${g.name}</a></td><td>${rulesCell(g, input.choices)}</td><td><form method="post" action="/dashboard/groups/${g.id}/delete" class="pol-inline"><input type="hidden" name="csrf" value="${input.csrf}"><button type="submit" class="button secondary">Delete<span class="pol-sr-only"> ${g.name}</span></button></form></td></tr>`,
)}
</tbody></table>
${input.groups.length === 0 ? html`<p>No Access groups yet.</p>` : ''}`,
  );
}
