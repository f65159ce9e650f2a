import { html, type SafeHtml } from '../lib/html.js';

export const ASSET_BASE = '/cdn-cgi/access/assets';

export interface PageOptions {
  /** Loads auto-submit.js (the SAML POST page); the page must still work without it. */
  script?: boolean;
  /** A wider card, for pages with more to show (the App Launcher, the Test result). */
  wide?: boolean;
}

/** The Gatehouse mark: a shield with a keyhole. Decorative, so hidden from assistive technology. */
const BRAND_MARK = html`<svg class="brand-mark" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false"><path d="M12 2 4 5v6.2c0 4.9 3.4 9.4 8 10.8 4.6-1.4 8-5.9 8-10.8V5l-8-3Z"/><path class="brand-keyhole" d="M12 8a2 2 0 0 0-1 3.7V15h2v-3.3A2 2 0 0 0 12 8Z"/></svg>`;

/**
 * The frame of every server-rendered page users see: a brand line and one card in a `<main>`. No inline script or
 * style (the CSP forbids both); every value in `title` and `body` is escaped by the `html` template.
 */
export function pageLayout(title: string, body: SafeHtml, options: PageOptions = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light">
<title>${title} · Gatehouse</title>
<link rel="stylesheet" href="${ASSET_BASE}/gatehouse.css">
<link rel="stylesheet" href="${ASSET_BASE}/login-design.css">
${options.script ? html`<script src="${ASSET_BASE}/auto-submit.js" defer></script>` : ''}
</head>
<body>
<div class="shell${options.wide ? ' wide' : ''}">
<header class="brand">${BRAND_MARK}<span class="brand-name">Gatehouse</span></header>
<main class="card">
${body}
</main>
</div>
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
