import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

export interface LauncherTile {
  name: string;
  href: string;
}

/** The App Launcher at the team domain root: the apps the caller decided this user may open. */
export function launcherPage(input: { email: string; tiles: LauncherTile[] }): string {
  return pageLayout(
    'Your applications',
    html`<h1>Your applications</h1>
<p class="muted">Signed in as <strong>${input.email}</strong></p>
<ul class="methods">
${input.tiles.map((t) => html`<li><a class="button secondary" href="${t.href}">${t.name}</a></li>`)}
</ul>
<form method="post" action="/cdn-cgi/access/logout"><p><button class="button secondary" type="submit">Sign out</button></p></form>`,
  );
}
