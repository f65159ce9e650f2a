/**
 * A small cookie-keeping HTTP client that plays the user's browser in tests: it follows redirects by hand, keeps
 * cookies per host the way browsers do (by host name, not port; with Path and Max-Age), and fills in HTML forms.
 */
interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number | undefined;
}

export interface FormData {
  action: string;
  method: string;
  fields: Record<string, string>;
}

export class TestBrowser {
  readonly #jar = new Map<string, StoredCookie[]>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.#send(url, { method: 'GET', headers });
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.#send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  }

  async getJson(url: string): Promise<{ status: number; body: any }> {
    const res = await this.get(url, { accept: 'application/json' });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Follows redirects (GET, as browsers do after 302/303) until a response that is not a redirect. */
  async follow(res: Response, maxHops = 20): Promise<Response> {
    for (let i = 0; i < maxHops && isRedirect(res); i++) res = await this.get(new URL(res.headers.get('location')!, res.url).toString());
    if (isRedirect(res)) throw new Error(`more than ${maxHops} redirects`);
    return res;
  }

  /** follow(), then insist the page that was reached is on `host` (host:port). */
  async followToHost(res: Response, host: string, _opts: { stopAtHtml?: boolean } = {}): Promise<Response> {
    const end = await this.follow(res);
    const at = new URL(end.url).host;
    if (at !== host) throw new Error(`expected to land on ${host}, landed on ${end.url} (${end.status})`);
    return end;
  }

  /** Fills a page's first form (or the one given) with `fields` and submits it. */
  async submitForm(pageUrl: string, html: string, fields: Record<string, string> = {}, formIndex = 0): Promise<Response> {
    const form = this.formFields(html, formIndex);
    const action = new URL(form.action || pageUrl, pageUrl).toString();
    const data = { ...form.fields, ...fields };
    return form.method === 'post' ? this.post(action, data) : this.get(`${action.split('?')[0]}?${new URLSearchParams(data).toString()}`);
  }

  /** The action, method and named inputs of a form in a page (enough for our own pages and the peers'). */
  formFields(html: string, formIndex = 0): FormData {
    const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    const form = forms[formIndex];
    if (!form) throw new Error(`no form #${formIndex} in page: ${html.slice(0, 300)}`);
    const attrs = form[1]!;
    const fields: Record<string, string> = {};
    for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const name = attr(input[1]!, 'name');
      if (name !== undefined) fields[name] = attr(input[1]!, 'value') ?? '';
    }
    return { action: attr(attrs, 'action') ?? '', method: (attr(attrs, 'method') ?? 'get').toLowerCase(), fields };
  }

  cookie(url: string, name: string): string | undefined {
    return this.#cookiesFor(new URL(url)).find((c) => c.name === name)?.value;
  }

  copyCookiesFrom(other: TestBrowser, url: string, names: string[]): void {
    const host = new URL(url).hostname;
    const theirs = other.#jar.get(host) ?? [];
    const mine = (this.#jar.get(host) ?? []).filter((c) => !names.includes(c.name));
    this.#jar.set(host, [...mine, ...theirs.filter((c) => names.includes(c.name)).map((c) => ({ ...c }))]);
  }

  async #send(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
    const u = new URL(url);
    const cookies = this.#cookiesFor(u);
    const headers: Record<string, string> = { ...init.headers };
    if (cookies.length > 0) headers.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(u, { method: init.method, headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
    this.#store(u, res.headers.getSetCookie());
    return res;
  }

  #cookiesFor(u: URL): StoredCookie[] {
    const now = Date.now();
    return (this.#jar.get(u.hostname) ?? []).filter((c) => (c.expiresAt === undefined || c.expiresAt > now) && (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)));
  }

  #store(u: URL, setCookies: string[]): void {
    const list = this.#jar.get(u.hostname) ?? [];
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = u.pathname.replace(/\/[^/]*$/, '') || '/';
      let expiresAt: number | undefined;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        if (k!.toLowerCase() === 'path') path = v || '/';
        if (k!.toLowerCase() === 'max-age') expiresAt = Date.now() + Number(v) * 1000;
        if (k!.toLowerCase() === 'expires' && expiresAt === undefined) expiresAt = Date.parse(v);
      }
      const kept = list.filter((c) => !(c.name === name && c.path === path));
      if (expiresAt === undefined || expiresAt > Date.now()) kept.push({ name, value, path, expiresAt });
      list.splice(0, list.length, ...kept);
    }
    this.#jar.set(u.hostname, list);
  }
}

function isRedirect(res: Response): boolean {
  return res.status >= 300 && res.status < 400 && res.headers.has('location');
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  if (!m) return undefined;
  return decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x([0-9a-f]+)|#(\d+));/gi, (_m, name: string, hex?: string, dec?: string) => {
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    if (dec) return String.fromCodePoint(Number(dec));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" } as Record<string, string>)[name.toLowerCase()] ?? _m;
  });
}
