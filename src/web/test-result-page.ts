import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

/**
 * The login method Test result, for the admin who started it (Cloudflare: "Your connection works!"). It shows
 * the identity Gatehouse obtained, or the precise reason, the hint and the decoded upstream message. Everything
 * is escaped: the upstream message is attacker-controlled text.
 */
export function testSuccessPage(input: { idpName: string; identity: unknown }): string {
  return pageLayout(
    'Your connection works!',
    html`<h1><span class="status ok" aria-hidden="true"></span>Your connection works!</h1>
<p>Gatehouse signed in to <strong>${input.idpName}</strong> and obtained this identity. Nobody was signed in to Gatehouse by this test.</p>
<h2>Identity</h2>
<pre id="identity">${JSON.stringify(input.identity, null, 2)}</pre>`,
    { wide: true },
  );
}

export function testFailurePage(input: { idpName: string; code: string; detail: string; hint?: string; upstream?: string; rayId: string }): string {
  return pageLayout(
    'The connection failed',
    html`<h1><span class="status failed" aria-hidden="true"></span>The connection failed</h1>
<p>Gatehouse could not sign in to <strong>${input.idpName}</strong>.</p>
<dl class="facts">
<dt>Reason</dt><dd id="reason"><code>${input.code}</code>: ${input.detail}</dd>
${input.hint ? html`<dt>What to do</dt><dd id="hint">${input.hint}</dd>` : ''}
<dt>Reference</dt><dd><code id="ray-id">${input.rayId}</code></dd>
</dl>
${input.upstream ? html`<h2>What the identity provider sent</h2><pre id="upstream">${input.upstream}</pre>` : ''}`,
    { wide: true },
  );
}
