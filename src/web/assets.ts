/** Static assets served under /cdn-cgi/access/assets/. No inline script or style anywhere: the CSP forbids them. */
export const STYLESHEET = `
:root { color-scheme: light; --fg:#1d2433; --muted:#5b6475; --line:#d9dee7; --accent:#1f5fbf; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 28rem; margin: 8vh auto; padding: 2rem; background:#fff; border:1px solid var(--line); border-radius:8px; }
h1 { font-size: 1.35rem; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: .9rem; }
.methods { list-style:none; padding:0; margin:0; display:grid; gap:.5rem; }
.button { display:block; width:100%; padding:.7rem 1rem; border:1px solid var(--accent); border-radius:6px; background:var(--accent); color:#fff; text-align:center; text-decoration:none; font-size:1rem; cursor:pointer; }
.button.secondary { background:#fff; color:var(--accent); }
.button:focus-visible { outline: 3px solid #9cc0f5; outline-offset: 2px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
@media (max-width: 30rem) { main { margin: 0; border: 0; border-radius: 0; min-height: 100vh; } }
`;

/** Submits the SAML POST form without an inline script; a visible button covers browsers without JavaScript. */
export const AUTO_SUBMIT_JS = `document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('saml-post');if(f){f.submit();}});`;
