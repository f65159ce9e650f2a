import { createServer } from 'node:http';
import { freePort } from '../helpers/free-port.js';

export interface AcsPost {
  samlResponse: string;
  relayState: string | null;
}

/**
 * A stand-in for AWS's Assertion Consumer Service on loopback: it records every HTTP-POST the browser delivers to
 * `/aws/acs` and answers with a small "Signed in to AWS" page.
 */
export async function startRecordingAcs(): Promise<{ url: string; posts: AcsPost[]; close(): Promise<void> }> {
  const posts: AcsPost[] = [];
  const port = await freePort();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/aws/acs') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      posts.push({ samlResponse: form.get('SAMLResponse') ?? '', relayState: form.get('RelayState') });
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><html lang="en"><head><title>AWS</title></head><body><main><h1>Signed in to AWS</h1></main></body></html>');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/aws/acs`, posts, close: () => new Promise<void>((r) => server.close(() => r())) };
}
