import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

export interface LoginChoice {
  name: string;
  href: string;
}

/** The login page: one button per login method the application allows. Works without JavaScript. */
export function loginPage(input: { appName?: string; choices: LoginChoice[] }): string {
  const heading = input.appName ? `Sign in to ${input.appName}` : 'Sign in';
  return pageLayout(
    heading,
    html`<h1>${heading}</h1>
${input.choices.length === 0 ? html`<p>No login method is available for this application. Ask your administrator to add one.</p>` : ''}
<ul class="methods">
${input.choices.map((c) => html`<li><a class="button secondary" href="${c.href}">Sign in with ${c.name}</a></li>`)}
</ul>`,
  );
}
