import { html } from '../lib/html.js';
import type { LoginDesign } from '../settings/organization.js';
import { pageLayout } from './page-layout.js';

export interface LoginChoice {
  name: string;
  href: string;
}

/**
 * The login page: one button (a plain link) per login method the application allows. Works without JavaScript;
 * when the app auto-redirects and has one login method, the flow skips this page altogether.
 */
export function loginPage(input: { appName?: string; choices: LoginChoice[]; design?: LoginDesign; teamName?: string }): string {
  const d = input.design ?? {};
  const heading = input.appName ? `Sign in to ${input.appName}` : 'Sign in';
  const lead =
    input.choices.length > 1 ? 'Choose how you want to sign in.' : input.choices.length === 1 ? 'Continue with your organization’s login.' : undefined;
  return pageLayout(
    heading,
    html`${d.logoPath ? html`<p class="login-logo"><img src="${d.logoPath}" alt="${input.teamName ?? 'Logo'}" height="48"></p>` : ''}
${d.headerText ? html`<p class="login-header">${d.headerText}</p>` : ''}
<h1>${heading}</h1>
${lead ? html`<p class="lead">${lead}</p>` : ''}
${input.choices.length === 0 ? html`<p class="notice">No login method is available for this application. Ask your administrator to add one.</p>` : ''}
${input.choices.length > 0 ? html`<ul class="methods" aria-label="Login methods">
${input.choices.map((c) => html`<li><a class="button secondary" href="${c.href}">Sign in with ${c.name}</a></li>`)}
</ul>` : ''}
${d.footerText ? html`<p class="login-footer muted">${d.footerText}</p>` : ''}`,
  );
}
