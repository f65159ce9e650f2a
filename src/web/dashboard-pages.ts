import { html, type SafeHtml } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

export type DashboardSection = 'home' | 'applications' | 'authentication' | 'logs' | 'tokens' | 'settings' | 'policies' | 'groups';

const NAV: Array<[DashboardSection, string, string]> = [
  ['applications', 'Access › Applications', '/dashboard/applications'],
  ['policies', 'Access › Policies', '/dashboard/policies'],
  ['groups', 'Access › Groups', '/dashboard/groups'],
  ['authentication', 'Settings › Authentication', '/dashboard/authentication'],
  ['logs', 'Logs', '/dashboard/logs'],
  ['tokens', 'API tokens', '/dashboard/tokens'],
  ['settings', 'Settings', '/dashboard/settings'],
];

/** The dashboard frame: the section navigation (named and ordered as in Cloudflare's dashboard) and the content. */
export function dashboardPage(title: string, section: DashboardSection, email: string, body: SafeHtml): string {
  return pageLayout(
    title,
    html`<nav aria-label="Dashboard">
<p class="muted">Signed in as <strong>${email}</strong> · <a href="/cdn-cgi/access/logout">Sign out</a></p>
<ul class="dash-nav">
${NAV.map(([key, label, href]) => html`<li><a href="${href}"${key === section ? html` aria-current="page"` : ''}>${label}</a></li>`)}
</ul>
</nav>
<h1>${title}</h1>
${body}`,
    { wide: true },
  );
}

export function setupPage(input: { token: string; problem?: string }): string {
  return pageLayout(
    'Set up Gatehouse',
    html`<h1>Set up Gatehouse</h1>
<p>Name the first administrators. They sign in to the dashboard with a One-time PIN sent to these addresses; you can add identity providers afterwards.</p>
${input.problem ? html`<p class="notice" role="alert">${input.problem}</p>` : ''}
<form method="post" action="/cdn-cgi/access/setup">
<input type="hidden" name="token" value="${input.token}">
<label for="emails">Administrator email addresses (one per line)</label>
<textarea id="emails" name="emails" rows="3" required></textarea>
<button type="submit">Create administrators</button>
</form>`,
  );
}

export function setupDonePage(emails: string[]): string {
  return pageLayout(
    'Gatehouse is set up',
    html`<h1>Gatehouse is set up</h1>
<p>Administrators: ${emails.join(', ')}.</p>
<p><a class="button" href="/dashboard">Sign in to the dashboard</a></p>`,
  );
}
