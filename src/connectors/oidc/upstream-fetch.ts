import { EventEmitter } from 'node:events';
import { Agent, type Dispatcher, request } from 'undici';

/**
 * The fetch openid-client uses for an upstream's token and UserInfo endpoints (its customFetch).
 *
 * - Never follows redirects (OIDC-NET-04): a redirect is returned as the response it is, and refused by the caller.
 * - One deadline for the whole exchange, body included (OIDC-NET-02): a stalled upstream costs a sign-in at most
 *   timeoutMs, not a connection forever. One timer, cleared when the body is in, fires an abort signal:
 *   AbortSignal.timeout() costs about as much CPU as the whole rest of the request on Node 20 (measured), and this
 *   runs on every sign-in. openid-client's own per-request signal is switched off for the same reason
 *   (Configuration.timeout = 0), since this one covers it; a signal the caller passes anyway is honoured.
 * - The body is read here, capped at maxBytes: a hostile upstream cannot make Gatehouse buffer an endless answer.
 *
 * The exchange goes through undici's request() rather than fetch(): the token call is on every sign-in, and fetch's
 * WHATWG streams and Request/Response machinery cost twice the CPU of the whole exchange through request()
 * (measured on loopback: about 250 µs more per call on Node 20). Only the finished answer becomes a Response.
 */
export async function upstreamFetch(url: string | URL, init: RequestInit, limits: { timeoutMs: number; maxBytes: number }): Promise<Response> {
  // undici takes an EventEmitter as the abort signal: an AbortController would be one more transferable object per
  // sign-in (Node 20 builds every AbortSignal as one), for a signal only this function ever fires.
  const abort = new EventEmitter();
  let reason: unknown;
  const stop = (why: unknown) => {
    reason ??= why;
    abort.emit('abort');
  };
  const timer = setTimeout(() => stop(new DOMException(`no complete answer from ${new URL(url).origin} within ${limits.timeoutMs} ms`, 'TimeoutError')), limits.timeoutMs);
  const outer = init.signal;
  const forward = () => stop(outer!.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  try {
    if (reason !== undefined) throw reason;
    const res = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: requestHeaders(init),
      ...(init.body != null ? { body: requestBody(init.body) } : {}),
      signal: abort,
      dispatcher: upstreamAgent,
      // request() never follows redirects: a 3xx comes back as it is (there is no redirect interceptor here).
    });
    const body = await readCapped(res, limits.maxBytes);
    // Statuses that must not carry a body cannot be constructed with one.
    return new Response([101, 204, 205, 304].includes(res.statusCode) ? null : body, { status: res.statusCode, headers: responseHeaders(res.headers) });
  } catch (e) {
    // The deadline's reason (a TimeoutError) or the caller's, rather than undici's generic abort error.
    throw reason ?? e;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}

/** One keep-alive pool for all upstream calls: the token endpoint is called once per sign-in. */
const upstreamAgent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

function requestHeaders(init: RequestInit): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (init.body instanceof URLSearchParams && headers['content-type'] === undefined) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  return headers;
}

function requestBody(body: NonNullable<RequestInit['body']>): string | Uint8Array {
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  // openid-client sends only form bodies; anything else is a programming error here, not an upstream's doing.
  throw new TypeError(`upstreamFetch: unsupported request body type ${Object.prototype.toString.call(body)}`);
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

type UpstreamBody = Dispatcher.ResponseData['body'];

async function readCapped({ headers, body }: Dispatcher.ResponseData, maxBytes: number): Promise<Uint8Array> {
  const contentLength = headers['content-length'];
  const declared = Number(typeof contentLength === 'string' ? contentLength : NaN);
  if (declared > maxBytes) {
    discard(body);
    throw new TypeError(`fetch failed: the upstream's answer is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      discard(body);
      throw new TypeError(`fetch failed: the upstream's answer is over the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Drops the rest of an answer; the abort this causes is expected, so it is not left as an unhandled 'error' event. */
function discard(body: UpstreamBody): void {
  body.on('error', () => {});
  body.destroy();
}
