import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedFetch } from './pinned-fetch.js';

/** A real server on 127.0.0.1 only; the names in the URLs below either do not resolve or resolve elsewhere. */
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => res.end(`host=${req.headers.host}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server.close());

describe('pinnedFetch', () => {
  it('connects to the pinned address without asking DNS, and keeps the name in the request', async () => {
    // .invalid never resolves (RFC 6761): reaching the server proves the pinned address was used.
    // With the options the metadata fetcher passes (its deadline is a global AbortSignal, this fetch is undici's).
    const { res, close } = await pinnedFetch(`http://metadata.invalid:${port}/x`, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(5_000) }, ['127.0.0.1']);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`host=metadata.invalid:${port}`);
    await close();
  });

  it('does not fall back to DNS when the pinned address does not answer', async () => {
    // localhost resolves to 127.0.0.1, where the server listens; pinned to 127.0.0.3 the connection must fail.
    await expect(pinnedFetch(`http://localhost:${port}/x`, {}, ['127.0.0.3'])).rejects.toThrow();
  });

  it('refuses to run without IP addresses', async () => {
    await expect(pinnedFetch(`http://localhost:${port}/`, {}, [])).rejects.toThrow(/IP addresses/);
    await expect(pinnedFetch(`http://localhost:${port}/`, {}, ['localhost'])).rejects.toThrow(/IP addresses/);
  });
});
