import { html } from '../lib/html.js';
import { pageLayout } from './page-layout.js';

/** One-time PIN, step 1: the email address to send a code to. Plain forms; no JavaScript needed. */
export function otpEmailPage(input: { action: string; state: string; notice?: string }): string {
  return pageLayout(
    'Sign in with a one-time PIN',
    html`<h1>Sign in with a one-time PIN</h1>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
<form method="post" action="${input.action}">
<input type="hidden" name="state" value="${input.state}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254">
<button type="submit">Send me a code</button>
</form>`,
  );
}

/** Step 2: the 6-digit code from the email. */
export function otpCodePage(input: { action: string; state: string; email: string; restart: string; notice?: string }): string {
  return pageLayout(
    'Enter your code',
    html`<h1>Enter your code</h1>
<p>If <strong>${input.email}</strong> may sign in, a 6-digit code is on its way. It works once and expires in 10 minutes.</p>
${input.notice ? html`<p class="notice" role="alert">${input.notice}</p>` : ''}
<form method="post" action="${input.action}">
<input type="hidden" name="state" value="${input.state}">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6">
<button type="submit">Sign in</button>
</form>
<p><a href="${input.restart}">Use another email address or get a new code</a></p>`,
  );
}
