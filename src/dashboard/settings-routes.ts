import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '../lib/html.js';
import { dashboardPage } from '../web/dashboard-pages.js';
import type { Admin } from './dashboard-auth.js';
import type { DashboardKit } from './dashboard-routes.js';

interface OrgForm {
  name: string;
  session_duration: string;
  background_color: string;
  text_color: string;
  logo_path: string;
  header_text: string;
  footer_text: string;
}

/** Settings: team name and domain, global session duration, login page design — the organizations API as a form. */
export function registerSettingsRoutes(app: FastifyInstance, kit: DashboardKit): void {
  app.get(
    '/dashboard/settings',
    kit.admin(async (_req, reply, who) => {
      const org = (await kit.adminApi.call('GET', '/access/organizations')).body.result;
      return kit.page(reply, settingsPage(who, kit.email(who), fromApi(org), org.auth_domain, new Map(), false));
    }),
  );

  app.post(
    '/dashboard/settings',
    kit.admin(async (req, reply, who) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values: OrgForm = {
        name: str(b.name),
        session_duration: str(b.session_duration),
        background_color: str(b.background_color),
        text_color: str(b.text_color),
        logo_path: str(b.logo_path),
        header_text: str(b.header_text),
        footer_text: str(b.footer_text),
      };
      const design = Object.fromEntries(
        (['background_color', 'text_color', 'logo_path', 'header_text', 'footer_text'] as const).filter((k) => values[k] !== '').map((k) => [k, values[k]]),
      );
      const res = await kit.adminApi.call('PUT', '/access/organizations', { name: values.name, session_duration: values.session_duration, login_design: design });
      const errors = new Map<string, string>();
      for (const e of res.body.errors) errors.set((e.source?.pointer ?? '').split('/').pop() ?? '', e.message);
      const org = (await kit.adminApi.call('GET', '/access/organizations')).body.result;
      return kit.page(reply, settingsPage(who, kit.email(who), values, org.auth_domain, errors, res.status === 200), res.status === 200 ? 200 : 400);
    }),
  );
}

function settingsPage(who: Admin, email: string, v: OrgForm, authDomain: string, errors: Map<string, string>, saved: boolean): string {
  const field = (id: keyof OrgForm, label: string, hint?: string, type = 'text') => {
    const error = errors.get(id);
    return html`<label for="${id}">${label}</label>
${hint ? html`<p class="muted" id="${id}-hint">${hint}</p>` : ''}
<input id="${id}" name="${id}" type="${type}" value="${v[id]}"${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : hint ? html` aria-describedby="${id}-hint"` : ''}>
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}`;
  };
  const body: SafeHtml = html`${saved ? html`<p class="notice" role="status">Settings saved.</p>` : ''}
<form method="post" action="/dashboard/settings">
<input type="hidden" name="csrf" value="${who.csrf}">
<fieldset><legend>Team name and domain</legend>
${field('name', 'Team name')}
<p>Team domain: <code>${authDomain}</code> (from <code>GATEHOUSE_URL</code>)</p>
</fieldset>
<fieldset><legend>Sessions</legend>
${field('session_duration', 'Global session duration', 'For example 24h or 30m. A policy or an application can set a shorter one.')}
</fieldset>
<fieldset><legend>Login page design</legend>
${field('logo_path', 'Logo URL', 'An https:// address of an image.')}
${field('background_color', 'Background colour', 'A hex colour such as #0b3d91.')}
${field('text_color', 'Text colour', 'A hex colour such as #ffffff.')}
${field('header_text', 'Header text')}
${field('footer_text', 'Footer text')}
</fieldset>
<button type="submit">Save settings</button>
</form>`;
  return dashboardPage('Settings', 'settings', email, body);
}

function fromApi(org: Record<string, any>): OrgForm {
  const d = (org.login_design ?? {}) as Record<string, string>;
  return {
    name: String(org.name ?? ''),
    session_duration: String(org.session_duration ?? ''),
    background_color: d.background_color ?? '',
    text_color: d.text_color ?? '',
    logo_path: d.logo_path ?? '',
    header_text: d.header_text ?? '',
    footer_text: d.footer_text ?? '',
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}
