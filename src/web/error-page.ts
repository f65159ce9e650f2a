import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

/**
 * What the user sees when Gatehouse refuses: a clear sentence and a reference id; never the precise reason. The
 * reference is the ray id of the authentication log entry (or of the process log line), so an admin can find it.
 */
export function errorPage(input: { title: string; message: string; rayId: string }): string {
  return pageLayout(
    input.title,
    html`<h1>${input.title}</h1>
<p>${input.message}</p>
<p class="reference">If you contact your administrator, give them this reference: <code id="ray-id">${input.rayId}</code></p>
<p class="actions"><a class="button secondary" href="/">Go to your applications</a></p>`,
  );
}
