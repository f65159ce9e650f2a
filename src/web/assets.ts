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
`;

/** Submits the SAML POST form without an inline script; a visible button covers browsers without JavaScript. */
export const AUTO_SUBMIT_JS = `document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('saml-post');if(f){f.submit();}});`;
