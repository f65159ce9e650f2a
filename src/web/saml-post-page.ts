import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

/**
 * Auto-submitting HTTP-POST binding form. The action is always a registered ACS URL (checked by the caller).
 * auto-submit.js (same origin, no inline script) posts it at once; without JavaScript the user presses the button,
 * which the page always shows and explains (no <noscript>: it also covers a script that is blocked or fails).
 */
export function samlPostPage(input: { acsUrl: string; samlResponse: string; relayState?: string; appName: string }): string {
  return pageLayout(
    `Signing in to ${input.appName}`,
    html`<h1>Signing in to ${input.appName}…</h1>
<form id="saml-post" method="post" action="${input.acsUrl}">
<input type="hidden" name="SAMLResponse" value="${input.samlResponse}">
${input.relayState !== undefined ? html`<input type="hidden" name="RelayState" value="${input.relayState}">` : ''}
<p class="lead">You are being sent to ${input.appName}. If nothing happens, press Continue.</p>
<button class="button" type="submit">Continue</button>
</form>`,
    { script: true },
  );
}
