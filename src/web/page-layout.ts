import { html, type SafeHtml } from '../lib/html.js';

export const ASSET_BASE = '/cdn-cgi/access/assets';

/** The frame of every server-rendered page users see. */
export function pageLayout(title: string, body: SafeHtml, options: { script?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Gatehouse</title>
<link rel="stylesheet" href="${ASSET_BASE}/gatehouse.css">
${options.script ? html`<script src="${ASSET_BASE}/auto-submit.js" defer></script>` : ''}
</head>
<body>
<main>
${body}
</main>
</body>
</html>`.toString();
}

/** Security headers for every HTML page. form-action is widened only for the SAML POST page, to the ACS origin. */
export function pageHeaders(formAction: string = "'self'"): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  };
}
