import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchMetadataResult, fetchMetadataUrl } from './fetch-metadata-url.js';

const XML = '<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x"/>\n';

function problemOf(r: FetchMetadataResult): string {
  if (r.ok) throw new Error('expected a problem');
  return r.problem;
}

describe('fetchMetadataUrl', () => {
  let server: Server;
  let base: string;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(XML),
    '/missing': (_req, res) => res.writeHead(404).end('nope'),
    '/big': (_req, res) => res.writeHead(200, { 'content-type': 'application/xml', 'content-length': '5007' }).end(`<a>${'x'.repeat(5000)}</a>`),
    '/endless': (_req, res) => {
      // Chunked, no Content-Length: only counting while streaming can stop it.
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<a>');
      const timer = setInterval(() => res.write('x'.repeat(1024)), 1);
      res.on('close', () => clearInterval(timer));
    },
    '/slow-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<a>');
      const timer = setTimeout(() => res.end('</a>'), 5000);
      res.on('close', () => clearTimeout(timer));
    },
    '/no-answer': () => {},
    '/html': (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>Sign in</body></html>'),
    '/json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}'),
    '/latin1': (_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(Buffer.from([0x3c, 0x61, 0xe9, 0x3e])),
    '/to-http-loopback': (_req, res) => res.writeHead(302, { location: `${base}/ok` }).end(),
    '/to-https-loopback': (_req, res) => res.writeHead(302, { location: 'https://127.0.0.1:1/metadata' }).end(),
    '/to-private': (_req, res) => res.writeHead(301, { location: 'https://10.0.0.1/metadata' }).end(),
    '/to-metadata-service': (_req, res) => res.writeHead(307, { location: 'https://169.254.169.254/latest/meta-data/' }).end(),
    '/to-mapped': (_req, res) => res.writeHead(308, { location: 'https://[::ffff:7f00:1]/x' }).end(),
    '/to-localhost-name': (_req, res) => res.writeHead(302, { location: 'https://localhost/x' }).end(),
    '/no-location': (_req, res) => res.writeHead(302).end(),
  };

  beforeAll(async () => {
    server = createServer((req, res) => (routes[req.url ?? ''] ?? routes['/missing']!)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches XML from a loopback http URL', async () => {
    expect(await fetchMetadataUrl(`${base}/ok`)).toEqual({ ok: true, text: XML, url: `${base}/ok` });
  });

  it('refuses a first URL that is plain http to a non-loopback host, or carries credentials', async () => {
    expect(problemOf(await fetchMetadataUrl('http://idp.example/metadata'))).toBe('must be an https:// URL (http:// is allowed only for localhost)');
    expect(problemOf(await fetchMetadataUrl('https://u:p@idp.example/metadata'))).toBe('must not contain credentials');
    expect(problemOf(await fetchMetadataUrl('file:///etc/passwd'))).toBe('must be an https:// URL (http:// is allowed only for localhost)');
  });

  it('refuses a non-200 answer, naming the status', async () => {
    expect(problemOf(await fetchMetadataUrl(`${base}/missing`))).toMatch(/^answered HTTP 404 Not Found from 127\.0\.0\.1:\d+; expected 200 with the metadata XML$/);
  });

  it('stops at the size limit, by Content-Length and while streaming', async () => {
    expect(problemOf(await fetchMetadataUrl(`${base}/big`, { maxBytes: 1024 }))).toBe('is larger than the 1 KiB limit (Content-Length 5007)');
    expect(problemOf(await fetchMetadataUrl(`${base}/endless`, { maxBytes: 64 * 1024 }))).toBe('is larger than the 64 KiB limit');
    expect(problemOf(await fetchMetadataUrl(`${base}/endless`))).toBe('is larger than the 1 MiB limit');
  });

  it('gives up at the deadline, whether headers or body are late', async () => {
    const started = Date.now();
    expect(problemOf(await fetchMetadataUrl(`${base}/slow-body`, { timeoutMs: 200 }))).toBe('no complete answer within 0.2 s');
    expect(problemOf(await fetchMetadataUrl(`${base}/no-answer`, { timeoutMs: 200 }))).toBe('no complete answer within 0.2 s');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses HTML, non-XML and non-UTF-8 answers', async () => {
    expect(problemOf(await fetchMetadataUrl(`${base}/html`))).toBe('answered with an HTML page (Content-Type text/html), not SAML metadata XML; is the URL behind a login?');
    expect(problemOf(await fetchMetadataUrl(`${base}/json`))).toBe('answered with something that is not XML (Content-Type application/json)');
    expect(problemOf(await fetchMetadataUrl(`${base}/latin1`))).toBe('answered with a body that is not UTF-8 text');
  });

  it('reports a connection failure by its system code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(problemOf(await fetchMetadataUrl(`http://127.0.0.1:${port}/x`))).toBe(`could not be fetched from 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('never follows a redirect to http, to loopback, private, link-local or cloud metadata addresses (IDP-META-04)', async () => {
    expect(problemOf(await fetchMetadataUrl(`${base}/to-http-loopback`))).toMatch(/^redirected to a http:\/\/ URL \(127\.0\.0\.1:\d+\); only https:\/\/ redirects are followed$/);
    expect(problemOf(await fetchMetadataUrl(`${base}/to-https-loopback`))).toBe('redirected to 127.0.0.1, which is a loopback address; redirects are followed only to public addresses');
    expect(problemOf(await fetchMetadataUrl(`${base}/to-private`))).toBe('redirected to 10.0.0.1, which is a private address (RFC 1918); redirects are followed only to public addresses');
    expect(problemOf(await fetchMetadataUrl(`${base}/to-metadata-service`))).toBe('redirected to 169.254.169.254, which is the cloud metadata address; redirects are followed only to public addresses');
    expect(problemOf(await fetchMetadataUrl(`${base}/to-mapped`))).toBe('redirected to ::ffff:7f00:1, which is an IPv4-mapped form of a loopback address; redirects are followed only to public addresses');
    expect(problemOf(await fetchMetadataUrl(`${base}/to-localhost-name`))).toMatch(/^redirected to localhost \((127\.0\.0\.1|::1)\), which is a loopback address/);
    expect(problemOf(await fetchMetadataUrl(`${base}/no-location`))).toBe('answered HTTP 302 without a Location header');
  });

  describe('with an injected resolver and transport', () => {
    // Public names that resolve as the test says; the transport answers without any network.
    const dns: Record<string, string[]> = {
      'idp.example': ['93.184.216.34'],
      'cdn.example': ['2606:4700:4700::1111', '93.184.216.35'],
      'rebind.example': ['93.184.216.36', '10.1.2.3'],
    };
    const lookup = async (host: string) => {
      const found = dns[host];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found;
    };
    const requested: string[] = [];
    const pinnedFor: Array<readonly string[] | undefined> = [];
    pinnedFor.length = 0;
    const transport = (async (input: string | URL | Request, _init?: RequestInit, pinned?: readonly string[]) => {
      const url = new URL(String(input));
      requested.push(url.href);
      pinnedFor.push(pinned);
      const hop = /^\/hop(\d+)$/.exec(url.pathname);
      if (hop && hop[1] !== '0') return new Response(null, { status: 302, headers: { location: `https://cdn.example/hop${Number(hop[1]) - 1}` } });
      if (url.pathname === '/hop') return new Response(null, { status: 302, headers: { location: '/final' } });
      if (url.pathname === '/to-rebind') return new Response(null, { status: 302, headers: { location: 'https://rebind.example/x' } });
      if (url.pathname === '/to-unknown') return new Response(null, { status: 302, headers: { location: 'https://nowhere.example/x' } });
      return new Response(XML, { status: 200, headers: { 'content-type': 'text/xml' } });
    }) as typeof fetch;

    it('follows up to three redirects to public https hosts, resolving relative locations', async () => {
      requested.length = 0;
      const r = await fetchMetadataUrl('https://idp.example/hop3', { lookup, fetch: transport });
      expect(r).toEqual({ ok: true, text: XML, url: 'https://cdn.example/hop0' });
      expect(requested).toEqual(['https://idp.example/hop3', 'https://cdn.example/hop2', 'https://cdn.example/hop1', 'https://cdn.example/hop0']);
      // DNS rebinding: each redirect target is connected to at exactly the addresses that were checked, never
      // resolved again; the admin's own URL is fetched as it is.
      expect(pinnedFor.slice(-4)).toEqual([undefined, dns['cdn.example'], dns['cdn.example'], dns['cdn.example']]);
      expect(await fetchMetadataUrl('https://idp.example/hop', { lookup, fetch: transport })).toMatchObject({ ok: true, url: 'https://idp.example/final' });
    });

    it('refuses a fourth redirect', async () => {
      expect(problemOf(await fetchMetadataUrl('https://idp.example/hop4', { lookup, fetch: transport }))).toBe('redirected more than 3 times');
      expect(problemOf(await fetchMetadataUrl('https://idp.example/hop2', { lookup, fetch: transport, maxRedirects: 1 }))).toBe('redirected more than 1 times');
    });

    it('refuses a host with any non-public address, and one that does not resolve, before connecting', async () => {
      requested.length = 0;
      expect(problemOf(await fetchMetadataUrl('https://idp.example/to-rebind', { lookup, fetch: transport }))).toBe(
        'redirected to rebind.example (10.1.2.3), which is a private address (RFC 1918); redirects are followed only to public addresses',
      );
      expect(problemOf(await fetchMetadataUrl('https://idp.example/to-unknown', { lookup, fetch: transport }))).toBe('redirected to nowhere.example, which does not resolve (ENOTFOUND)');
      expect(requested).toEqual(['https://idp.example/to-rebind', 'https://idp.example/to-unknown']);
    });
  });
});
