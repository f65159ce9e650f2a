/**
 * Static assets served under /cdn-cgi/access/assets/. No inline script or style anywhere: the CSP forbids them.
 *
 * The design language: one quiet card on a light grey page, system fonts, one accent colour. Text colours keep at
 * least 4.5:1 contrast on their backgrounds and the focus ring 3:1; targets are at least 44px tall; nothing is
 * wider than the viewport from 320px up (long names, emails and ids wrap instead of scrolling).
 */
export const STYLESHEET = `
:root {
  color-scheme: light;
  --fg: #1b2230;
  --muted: #4f5a6e;
  --line: #d5dbe5;
  --accent: #1f5fbf;
  --accent-strong: #174a96;
  --accent-soft: #edf3fc;
  --bg: #f2f4f7;
  --card: #ffffff;
  --ok: #16794c;
  --danger: #b42318;
  --focus: #1f5fbf;
  --radius: 12px;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; min-height: 100vh; padding: 8vh 1rem 2rem;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg);
}
.shell { width: 100%; max-width: 28rem; margin: 0 auto; }
.shell.wide { max-width: 44rem; }
.brand { display: flex; align-items: center; gap: .5rem; margin: 0 0 1rem; padding: 0 .25rem; font-weight: 650; font-size: 1.05rem; letter-spacing: .01em; }
.brand-mark { flex: none; fill: var(--accent); }
.brand-mark .brand-keyhole { fill: #fff; }
.card {
  display: block; background: var(--card); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 2rem; box-shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 4px 16px rgba(16, 24, 40, .04);
  overflow-wrap: anywhere;
}
.card > :last-child { margin-bottom: 0; }
h1 { font-size: 1.5rem; line-height: 1.25; font-weight: 650; margin: 0 0 .75rem; }
h2 { font-size: 1.05rem; line-height: 1.3; font-weight: 650; margin: 1.75rem 0 .5rem; }
p { margin: 0 0 1rem; }
.lead { color: var(--muted); }
.muted, .reference { color: var(--muted); font-size: .9375rem; }
strong { font-weight: 650; color: var(--fg); }
a { color: var(--accent); text-underline-offset: .15em; }
a:hover { color: var(--accent-strong); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
:focus:not(:focus-visible) { outline: none; }

/* Buttons: a primary (filled) and a secondary (outlined) kind; bare <button>s are primary. */
.button, button {
  display: flex; align-items: center; justify-content: center; gap: .5rem; width: 100%; min-height: 2.75rem;
  margin: 0; padding: .625rem 1rem; border: 1px solid var(--accent); border-radius: 8px;
  background: var(--accent); color: #fff; font: inherit; font-weight: 600; line-height: 1.25;
  text-align: center; text-decoration: none; cursor: pointer;
}
.button:hover, button:hover { background: var(--accent-strong); border-color: var(--accent-strong); color: #fff; }
.button.secondary { background: var(--card); color: var(--fg); border-color: var(--line); }
.button.secondary:hover { background: var(--accent-soft); border-color: var(--accent); color: var(--fg); }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1.5rem 0 0; padding-top: 1.25rem; border-top: 1px solid var(--line); }
.actions .button { width: auto; }

/* Forms: a visible label above every field. */
form { margin: 0 0 1rem; }
label { display: block; margin: 0 0 .375rem; font-weight: 600; }
input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]), select, textarea {
  display: block; width: 100%; min-height: 2.75rem; margin: 0 0 1rem; padding: .5rem .75rem;
  border: 1px solid #8a94a6; border-radius: 8px; background: #fff; color: var(--fg); font: inherit;
}
input:focus-visible, select:focus-visible, textarea:focus-visible { outline-offset: 0; border-color: var(--focus); }
/* Date-time inputs take focus in their segments (shadow DOM), where the host never matches :focus-visible: ring the
   whole field while a segment is focused, so keyboard users see where they are. */
input[type="datetime-local"]:focus { outline: 3px solid var(--focus); outline-offset: 0; }
.notice { padding: .75rem 1rem; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 8px; background: var(--accent-soft); }

.notice[role="alert"] { border-left-color: var(--danger); background: #fdf3f2; }
fieldset { margin: 0 0 1rem; padding: 0; border: 0; }
legend { padding: 0; margin: 0 0 .375rem; font-weight: 600; }

/* Section navigation (the dashboard): a wrapping row of links; the current one is marked. */
.dash-nav { list-style: none; padding: 0; margin: .5rem 0 1.5rem; display: flex; flex-wrap: wrap; gap: .25rem .5rem; border-bottom: 1px solid var(--line); }
.dash-nav a { display: inline-block; padding: .5rem .25rem; color: var(--muted); text-decoration: none; border-bottom: 3px solid transparent; }
.dash-nav a:hover { color: var(--fg); }
.dash-nav a[aria-current="page"] { color: var(--fg); font-weight: 600; border-bottom-color: var(--accent); }

/* Tables wrap their cells instead of widening the page. */
table { width: 100%; border-collapse: collapse; margin: 0 0 1rem; font-size: .9375rem; }
th, td { padding: .5rem .625rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; color: var(--muted); }

/* Login methods: one full-width button each. */
.methods { list-style: none; padding: 0; margin: 1.5rem 0 0; display: grid; gap: .75rem; }

/* App Launcher tiles: links to each app's SSO endpoint. */
.tiles { list-style: none; padding: 0; margin: 1.5rem 0 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); }
.tile {
  display: flex; align-items: center; gap: .75rem; min-height: 4rem; height: 100%; padding: .75rem 1rem;
  border: 1px solid var(--line); border-radius: 10px; background: var(--card); color: var(--fg);
  font-weight: 600; text-decoration: none;
}
.tile:hover { border-color: var(--accent); background: var(--accent-soft); color: var(--fg); }
.tile-icon {
  flex: none; display: inline-flex; align-items: center; justify-content: center; width: 2.5rem; height: 2.5rem;
  border-radius: 8px; background: var(--accent-soft); color: var(--accent-strong); font-size: 1.125rem; font-weight: 700;
}
.tile:hover .tile-icon { background: var(--card); }
.tile-name { min-width: 0; }

/* The Test result page. */
.status { display: inline-block; width: .75rem; height: .75rem; margin-right: .625rem; border-radius: 50%; vertical-align: .1em; }
.status.ok { background: var(--ok); }
.status.failed { background: var(--danger); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 1.25rem 0 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; min-width: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .875rem; }
code { padding: .1em .3em; border-radius: 4px; background: #eef1f5; overflow-wrap: anywhere; }
pre {
  margin: 0; padding: 1rem; border: 1px solid var(--line); border-radius: 8px; background: #f7f8fa;
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.45;
}

@media (max-width: 30rem) {
  body { padding: 0; background: var(--card); }
  .brand { margin: 0; padding: 1rem 1.25rem; border-bottom: 1px solid var(--line); }
  .card { border: 0; border-radius: 0; box-shadow: none; padding: 1.5rem 1.25rem 2rem; }
  h1 { font-size: 1.375rem; }
  .facts { grid-template-columns: 1fr; gap: .25rem; }
  .facts dd { margin-bottom: .5rem; }
  .actions .button { width: 100%; }
}
@media (prefers-reduced-motion: no-preference) {
  .button, button, .tile { transition: background-color .12s ease, border-color .12s ease; }
}
@media (forced-colors: active) {
  .status, .tile-icon { forced-color-adjust: none; }
}

/* Access › Applications (the dashboard's applications screen). */
.app-toolbar .button, .app-inline-button, .app-submit, .app-danger { width: auto; display: inline-flex; }
.app-templates { list-style: none; padding: 0; margin: 1.5rem 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
.app-hint { display: block; color: var(--muted); font-size: .9375rem; font-weight: 400; margin: -.125rem 0 .5rem; }
label .app-hint, .tile-name .app-hint { display: inline; margin: 0; }
.tile-name .app-hint { display: block; }
.app-guide { margin: 0 0 1.5rem; }
.app-guide h2 { margin-top: 0; }
.app-guide ol { margin: 0 0 .75rem; padding-left: 1.25rem; }
.app-check { display: flex; align-items: flex-start; gap: .625rem; margin: 0 0 .625rem; }
.app-check input { flex: none; width: 1.25rem; height: 1.25rem; margin: .15rem 0 0; accent-color: var(--accent); }
.app-check label { margin: 0; font-weight: 400; }
.app-indent { margin: 0 0 1rem 1.875rem; }
.app-attr-row { display: grid; grid-template-columns: 1fr 1fr; gap: 0 .75rem; }
.app-field-error { color: var(--danger); font-weight: 600; margin: -.625rem 0 1rem; }
fieldset > .app-field-error, .app-check + .app-hint + .app-field-error { margin-top: 0; }
.app-error-summary { margin: 0 0 1.5rem; }
.app-error-summary h2 { margin-top: 0; }
.app-error-summary ul { margin: 0; padding-left: 1.25rem; }
.app-form input[aria-invalid="true"]:not([type="checkbox"]):not([type="radio"]), .app-form textarea[aria-invalid="true"]:not([readonly]) { border-color: var(--danger); border-width: 2px; }
textarea.app-pem { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .8125rem; background: #f7f8fa; }
.app-plain { list-style: none; margin: 0; padding: 0; }
.app-danger { background: var(--danger); border-color: var(--danger); }
.app-danger:hover { background: #8f1c13; border-color: #8f1c13; }
.app-cert-actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.app-cert-actions form { margin: 0; }
.app-cert-actions button, .app-cert-actions .button { width: auto; min-height: 2.25rem; padding: .375rem .75rem; }
.app-cert-warning { display: block; color: var(--danger); font-weight: 600; }
.app-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 30rem) {
  .app-attr-row { grid-template-columns: 1fr; }
  .app-toolbar .button, .app-inline-button, .app-submit, .app-danger { width: 100%; }
}

/* Settings › Authentication (login methods). */
.auth-sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.auth-inline { margin: 0; }
.auth-inline button { width: auto; }
.auth-actions-cell { display: flex; flex-wrap: wrap; gap: .5rem; }
.auth-actions-cell .button, .auth-edit-actions .button { width: auto; }
.auth-inline button.secondary, .auth-actions-cell .button.secondary { background: var(--card); color: var(--fg); border-color: var(--line); }
.auth-inline button.secondary:hover { background: var(--accent-soft); border-color: var(--accent); color: var(--fg); }
.auth-inline button.auth-danger { color: var(--danger); border-color: var(--danger); }
.auth-inline button.auth-danger:hover { background: #fdf3f2; color: var(--danger); border-color: var(--danger); }
.auth-choices { list-style: none; padding: 0; margin: .5rem 0 1rem; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); }
.auth-choice { display: flex; flex-direction: column; gap: .25rem; height: 100%; min-height: 4rem; padding: .75rem 1rem; border: 1px solid var(--line); border-radius: 10px; color: var(--fg); text-decoration: none; }
.auth-choice span { color: var(--muted); font-size: .9375rem; }
.auth-choice:hover { border-color: var(--accent); background: var(--accent-soft); color: var(--fg); }
.auth-guide { margin: 0 0 1.5rem; padding: 1rem; border: 1px solid var(--line); border-radius: 8px; background: #f7f8fa; }
.auth-guide > :last-child { margin-bottom: 0; }
.auth-field { margin: 0 0 .25rem; }
.auth-help { margin: -.125rem 0 .375rem; color: var(--muted); font-size: .9375rem; }
.auth-error { margin: 0 0 .375rem; color: var(--danger); font-weight: 600; font-size: .9375rem; }
.auth-invalid input:not([type="checkbox"]), .auth-invalid textarea { border-color: var(--danger); border-width: 2px; }
.auth-optional { color: var(--muted); font-weight: 400; }
.auth-check { display: flex; align-items: flex-start; gap: .75rem; margin: 0 0 1rem; }
.auth-check input[type="checkbox"] { flex: none; width: 1.5rem; height: 1.5rem; margin: 0; accent-color: var(--accent); }
.auth-check label { margin: 0 0 .125rem; }
.auth-check .auth-help { margin: 0; }
.auth-form button[type="submit"] { width: auto; min-width: 8rem; }
.auth-warnings { margin: 0; padding-left: 1.25rem; }
/* Access › Policies and Groups: the rule builder (include / require / exclude rows). */
.pol-sr-only, .log-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.pol-toolbar .button { width: auto; display: inline-flex; }
.pol-inline { margin: 0; }
.pol-inline button { width: auto; }
.pol-summary { list-style: none; margin: 0; padding: 0; }
.pol-tag { display: inline-block; min-width: 4.5rem; color: var(--muted); font-weight: 600; font-size: .875rem; }
.pol-section { margin: 1.5rem 0 0; padding: 1rem; border: 1px solid var(--line); border-radius: 10px; }
.pol-section legend { padding: 0 .375rem; font-size: 1.05rem; }
.pol-rules { list-style: none; margin: 0 0 1rem; padding: 0; display: grid; gap: .75rem; }
.pol-rule { padding: .75rem; border: 1px solid var(--line); border-radius: 8px; background: #f7f8fa; }
.pol-rule.pol-invalid { border-color: var(--danger); border-width: 2px; background: #fdf3f2; }
.pol-rule-fields { display: grid; gap: 0 .75rem; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); }
.pol-value input:not([type="hidden"]), .pol-value select { margin-bottom: .5rem; }
.pol-hint { margin: -.125rem 0 .375rem; font-size: .875rem; }
.pol-novalue { align-self: end; margin: 0 0 .75rem; }
.pol-remove, .pol-add button { width: auto; }
.pol-add { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0 .75rem; }
.pol-add .pol-value { flex: 1 1 12rem; }
.pol-add button { margin-bottom: .5rem; }
.pol-empty { color: var(--muted); }
.pol-errors, .log-errors { margin: 0 0 .5rem; padding-left: 1.25rem; color: var(--danger); font-weight: 600; font-size: .9375rem; }
.pol-form .actions .button { width: auto; }

/* Logs: the filter form and the detail view. */
.log-filters { display: grid; gap: 0 .75rem; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); align-items: end; margin-bottom: 1.5rem; }
.log-buttons { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: 1rem; }
.log-buttons .button { width: auto; }
.log-reasons { margin: 0; padding-left: 1.25rem; }
`;

/** Submits the SAML POST form without an inline script; a visible button covers browsers without JavaScript. */
export const AUTO_SUBMIT_JS = `document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('saml-post');if(f){f.submit();}});`;
