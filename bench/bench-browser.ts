import { Pool } from 'undici';

/**
 * The load generator's browser: follows redirects by hand, keeps cookies per host name and path as browsers do
 * (one jar per sign-in), and fills in forms. It speaks HTTP/1.1 with keep-alive through undici pools, which costs
 * the shared CPU about half of what fetch() does: every CPU millisecond the generator saves is one Gatehouse and
 * the upstream can use on this 2-core machine.
 *
 * `Backends` plays the load balancer in front of several Gatehouse instances: every instance has the same public
 * URL (GATEHOUSE_URL), and each request to that origin goes to the next instance in turn, with the public Host
 * header, so consecutive steps of one sign-in land on different instances (no stickiness).
 */
export class Backends {
  readonly #routes = new Map<string, { pools: Pool[]; counts: number[]; next: number; host: string }>();

  /** Requests to `publicOrigin` go round-robin to `targets` (origins where instances listen). */
  add(publicOrigin: string, targets: string[], connectionsPerTarget: number): void {
    const pools = targets.map((t) => new Pool(t, { connections: connectionsPerTarget, pipelining: 1, keepAliveTimeout: 30_000 }));
    this.#routes.set(new URL(publicOrigin).origin, { pools, counts: pools.map(() => 0), next: 0, host: new URL(publicOrigin).host });
  }

  route(url: URL): { pool: Pool; host: string } {
    const r = this.#routes.get(url.origin);
    if (!r) throw new Error(`no backend for ${url.origin}`);
    const pool = r.pools[r.next]!;
    r.counts[r.next]!++;
    r.next = (r.next + 1) % r.pools.length;
    return { pool, host: r.host };
  }

  /** Requests sent so far to each target of a public origin. */
  requestCounts(publicOrigin: string): number[] {
    return [...(this.#routes.get(new URL(publicOrigin).origin)?.counts ?? [])];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#routes.values()].flatMap((r) => r.pools.map((p) => p.close())));
  }
}

export interface BenchResponse {
  url: URL;
  status: number;
  location: string | undefined;
  body: string;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class BenchBrowser {
  readonly #jar = new Map<string, Cookie[]>();

  constructor(private readonly backends: Backends) {}

  get(url: URL): Promise<BenchResponse> {
    return this.#send(url, 'GET');
  }

  post(url: URL, form: Record<string, string>): Promise<BenchResponse> {
    return this.#send(url, 'POST', new URLSearchParams(form).toString());
  }

  /** Where a redirect points, resolved against the URL that answered it. */
  static next(res: BenchResponse): URL | undefined {
    return res.status >= 300 && res.status < 400 && res.location ? new URL(res.location, res.url) : undefined;
  }

  async #send(url: URL, method: 'GET' | 'POST', body?: string): Promise<BenchResponse> {
    const { pool, host } = this.backends.route(url);
    const headers: Record<string, string> = { host, 'user-agent': 'gatehouse-bench' };
    const cookies = this.#cookiesFor(url);
    if (cookies) headers.cookie = cookies;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await pool.request({ path: url.pathname + url.search, method, headers, ...(body !== undefined ? { body } : {}) });
    const setCookie = res.headers['set-cookie'];
    if (setCookie) this.#store(url, Array.isArray(setCookie) ? setCookie : [setCookie]);
    const location = res.headers.location;
    // Redirect bodies are read too (and dropped), so the connection is free for the next request at once.
    const text = await res.body.text();
    return { url, status: res.statusCode, location: Array.isArray(location) ? location[0] : location, body: text };
  }

  #cookiesFor(u: URL): string | undefined {
    const list = this.#jar.get(u.hostname);
    if (!list) return undefined;
    const sent = list.filter((c) => u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`));
    return sent.length > 0 ? sent.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  #store(u: URL, lines: string[]): void {
    const list = this.#jar.get(u.hostname) ?? [];
    for (const line of lines) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = u.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const a of attrs) {
        const [k = '', v = ''] = a.trim().split('=');
        const key = k.toLowerCase();
        if (key === 'path') path = v || '/';
        else if (key === 'max-age') expired = Number(v) <= 0;
        else if (key === 'expires' && !attrs.some((x) => /^\s*max-age/i.test(x))) expired = Date.parse(v) <= Date.now();
      }
      const at = list.findIndex((c) => c.name === name && c.path === path);
      if (at >= 0) list.splice(at, 1);
      if (!expired) list.push({ name, value, path });
    }
    this.#jar.set(u.hostname, list);
  }
}

/** The action, method and named inputs of the first form in a page. */
export function firstForm(html: string): { action: string; method: string; fields: Record<string, string> } | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attr(input[1]!, 'name');
    if (name !== undefined) fields[name] = attr(input[1]!, 'value') ?? '';
  }
  return { action: attr(form[1]!, 'action') ?? '', method: (attr(form[1]!, 'method') ?? 'get').toLowerCase(), fields };
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  if (!m) return undefined;
  return (m[2] ?? m[3] ?? m[4] ?? '').replace(/&(amp|lt|gt|quot|#39|#x([0-9a-f]+)|#(\d+));/gi, (whole, n: string, hex?: string, dec?: string) => {
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    if (dec) return String.fromCodePoint(Number(dec));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" } as Record<string, string>)[n.toLowerCase()] ?? whole;
  });
}
