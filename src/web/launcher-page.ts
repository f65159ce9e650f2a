import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

export interface LauncherTile {
  name: string;
  href: string;
}

/**
 * The App Launcher at the team domain root: the apps the caller decided this user may open. Each tile is a plain
 * link to the app's SSO endpoint, so opening it is IdP-initiated SSO, with or without JavaScript.
 */
export function launcherPage(input: { email: string; tiles: LauncherTile[] }): string {
  return pageLayout(
    'Your applications',
    html`<h1>Your applications</h1>
<p class="lead">Signed in as <strong>${input.email}</strong></p>
${input.tiles.length === 0
  ? html`<p class="notice">No applications are available to you yet. Ask your administrator for access.</p>`
  : html`<ul class="tiles" aria-label="Applications">
${input.tiles.map((t) => html`<li><a class="tile" href="${t.href}"><span class="tile-icon" aria-hidden="true">${initial(t.name)}</span><span class="tile-name">${t.name}</span></a></li>`)}
</ul>`}
<form class="actions" method="post" action="/cdn-cgi/access/logout"><button class="button secondary" type="submit">Sign out</button></form>`,
    { wide: true },
  );
}

/** The first character of the app's name, for the tile's icon. */
function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toLocaleUpperCase('en');
}
