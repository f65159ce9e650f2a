import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamFetch } from './upstream-fetch.js';

/** A real HTTP server on loopback playing an upstream that answers, redirects, stalls or floods. */
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/token') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-upstream', 'yes');
      res.end(JSON.stringify({ access_token: 'at', token_type: 'Bearer' }));
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: '/token' }).end();
    } else if (req.url === '/stall-headers') {
      // never answers
    } else if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":');
    } else if (req.url === '/big-declared') {
      res.writeHead(200, { 'content-length': String(10_000) });
      res.end('x'.repeat(10_000));
    } else if (req.url === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 20; i++) res.write('y'.repeat(1000));
      res.end();
    } else if (req.url === '/echo') {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => res.setHeader('content-type', 'application/json').end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'], authorization: req.headers.authorization, body })));
    } else if (req.url === '/empty') {
      res.writeHead(204).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const limits = { timeoutMs: 300, maxBytes: 4096 };

describe('upstreamFetch', () => {
  it('returns the answer with its status, headers and body', async () => {
    const res = await upstreamFetch(`${base}/token`, { method: 'POST', body: 'grant_type=x' }, limits);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(await res.json()).toEqual({ access_token: 'at', token_type: 'Bearer' });
  });

  it('sends the form openid-client gives it, as a form, with its headers', async () => {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: 'a b&c' });
    const res = await upstreamFetch(`${base}/echo`, { method: 'POST', body: form, headers: { authorization: 'Basic eA==' } }, limits);
    expect(await res.json()).toEqual({ method: 'POST', contentType: 'application/x-www-form-urlencoded;charset=UTF-8', authorization: 'Basic eA==', body: 'grant_type=authorization_code&code=a+b%26c' });
  });

  it("stops when the caller's own signal aborts", async () => {
    const caller = new AbortController();
    setTimeout(() => caller.abort(new DOMException('caller gave up', 'AbortError')), 50);
    await expect(upstreamFetch(`${base}/stall-headers`, { signal: caller.signal }, { ...limits, timeoutMs: 5_000 })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('does not follow a redirect', async () => {
    const res = await upstreamFetch(`${base}/redirect`, {}, limits);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/token');
  });

  it('gives up on an upstream that does not answer, or stops half-way through the body, at the deadline', async () => {
    for (const path of ['/stall-headers', '/stall-body']) {
      const started = Date.now();
      await expect(upstreamFetch(`${base}${path}`, {}, limits)).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('refuses an answer over the size limit, declared or streamed', async () => {
    await expect(upstreamFetch(`${base}/big-declared`, {}, limits)).rejects.toThrow(/over the 4096-byte limit/);
    await expect(upstreamFetch(`${base}/big-chunked`, {}, limits)).rejects.toThrow(/over the 4096-byte limit/);
  });

  it('answers a 204 without a body', async () => {
    const res = await upstreamFetch(`${base}/empty`, {}, limits);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });
});
