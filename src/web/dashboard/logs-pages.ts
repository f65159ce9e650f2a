import { html, type SafeHtml } from '../../lib/html.js';
import { dashboardPage } from '../dashboard-pages.js';
import { decisionLabel } from './policy-pages.js';

/** One entry as the admin API's access_requests answers it. */
export interface LogEntryView {
  user_email: string;
  ip_address: string;
  app_uid: string;
  app_domain: string;
  app_name: string;
  action: string;
  connection: string;
  allowed: boolean;
  created_at: string;
  ray_id: string;
  country: string;
  idp_id: string;
  policy_id: string | null;
  policy_name: string | null;
  decision: string | null;
  reasons: string[];
  error_code: string | null;
}

/** The filter form's values, as typed (datetime-local values are read as UTC). */
export interface LogFilters {
  email: string;
  result: '' | 'allowed' | 'denied';
  since: string;
  until: string;
  direction: 'desc' | 'asc';
}

const time = (iso: string) => iso.replace('T', ' ').slice(0, 19);

const fieldErrors = (id: string, errors: string[] | undefined): SafeHtml => (errors && errors.length > 0 ? html`<ul class="log-errors" id="${id}">${errors.map((e) => html`<li>${e}</li>`)}</ul>` : html``);
const invalid = (id: string, errors: string[] | undefined): SafeHtml => (errors && errors.length > 0 ? html` aria-invalid="true" aria-describedby="${id}"` : html``);

export function logsPage(input: { email: string; filters: LogFilters; entries: LogEntryView[]; problems: Map<string, string[]>; other: string[]; truncated: boolean }): string {
  const f = input.filters;
  const p = input.problems;
  const filtered = Boolean(f.email || f.result || f.since || f.until || f.direction !== 'desc');
  return dashboardPage(
    'Logs',
    'logs',
    input.email,
    html`<form method="get" action="/dashboard/logs" class="log-filters" aria-label="Filter the log">
<div class="log-filter"><label for="log-email">User email contains</label><input id="log-email" name="email" type="search" value="${f.email}" maxlength="254" autocomplete="off"${invalid('log-email-errors', p.get('email'))}>${fieldErrors('log-email-errors', p.get('email'))}</div>
<div class="log-filter"><label for="log-result">Result</label><select id="log-result" name="result">
<option value=""${f.result === '' ? html` selected` : ''}>Allowed and denied</option>
<option value="allowed"${f.result === 'allowed' ? html` selected` : ''}>Allowed</option>
<option value="denied"${f.result === 'denied' ? html` selected` : ''}>Denied</option>
</select></div>
<div class="log-filter"><label for="log-since">From (UTC)</label><input id="log-since" name="since" type="datetime-local" step="1" value="${f.since}"${invalid('log-since-errors', p.get('since'))}>${fieldErrors('log-since-errors', p.get('since'))}</div>
<div class="log-filter"><label for="log-until">Until (UTC)</label><input id="log-until" name="until" type="datetime-local" step="1" value="${f.until}"${invalid('log-until-errors', p.get('until'))}>${fieldErrors('log-until-errors', p.get('until'))}</div>
<div class="log-filter"><label for="log-direction">Order</label><select id="log-direction" name="direction">
<option value="desc"${f.direction === 'desc' ? html` selected` : ''}>Newest first</option>
<option value="asc"${f.direction === 'asc' ? html` selected` : ''}>Oldest first</option>
</select></div>
<div class="log-buttons"><button type="submit" class="button">Apply filters</button>${filtered ? html`<a class="button secondary" href="/dashboard/logs">Clear filters</a>` : ''}</div>
</form>
${input.other.length > 0 ? html`<div class="notice" role="alert"><ul>${input.other.map((m) => html`<li>${m}</li>`)}</ul></div>` : ''}
<table class="log-table"><caption>${filtered ? 'Sign-in attempts matching the filters' : 'Latest sign-in attempts'}</caption><thead><tr><th scope="col">Time (UTC)</th><th scope="col">User</th><th scope="col">Application</th><th scope="col">Result</th><th scope="col">Reasons</th><th scope="col">Details</th></tr></thead><tbody>
${input.entries.map(
  (e) => html`<tr><td>${time(e.created_at)}</td><td>${e.user_email || '—'}</td><td>${e.app_name || e.app_domain || '—'}</td><td>${e.allowed ? 'Allowed' : 'Denied'}</td><td>${[...e.reasons, ...(e.error_code ? [e.error_code] : [])].join(', ')}</td><td><a href="/dashboard/logs/${e.ray_id}">View<span class="log-sr-only"> attempt ${e.ray_id}</span></a></td></tr>`,
)}
</tbody></table>
${input.entries.length === 0 ? html`<p>No sign-in attempts${filtered ? ' match these filters' : ' yet'}.</p>` : ''}
${input.truncated ? html`<p class="muted">Only the first 100 attempts are shown; narrow the filters to see others.</p>` : ''}`,
  );
}

export function logDetailPage(input: { email: string; entry: LogEntryView; idpName?: string; policyHref?: string }): string {
  const e = input.entry;
  const row = (label: string, value: SafeHtml | string) => html`<dt>${label}</dt><dd>${value === '' ? '—' : value}</dd>`;
  return dashboardPage(
    'Sign-in attempt',
    'logs',
    input.email,
    html`<p><a href="/dashboard/logs">Back to the log</a></p>
<dl class="facts log-facts">
${row('Time (UTC)', time(e.created_at))}
${row('User', e.user_email)}
${row('IP address', e.ip_address)}
${row('Country', e.country)}
${row('Application', e.app_name || e.app_domain)}
${row('Application domain', e.app_domain)}
${row('Application AUD', e.app_uid)}
${row('Action', e.action === 'login' ? 'Login (at a login method)' : e.action === 'sso' ? 'SSO (from a live session)' : e.action)}
${row('Login method type', e.connection)}
${row('Login method', input.idpName ?? e.idp_id)}
${row('Result', html`<strong>${e.allowed ? 'Allowed' : 'Denied'}</strong>`)}
${row('Decision', e.decision ? decisionLabel(e.decision) : '')}
${row('Policy', e.policy_name ? (input.policyHref ? html`<a href="${input.policyHref}">${e.policy_name}</a>` : e.policy_name) : '')}
${row('Reasons', e.reasons.length > 0 ? html`<ul class="log-reasons">${e.reasons.map((r) => html`<li><code>${r}</code></li>`)}</ul>` : '')}
${row('Error code', e.error_code ? html`<code>${e.error_code}</code>` : '')}
${row('Reference (Ray ID)', html`<code>${e.ray_id}</code>`)}
</dl>`,
  );
}
