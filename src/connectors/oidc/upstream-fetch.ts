/**
 * The fetch openid-client uses for an upstream's token and UserInfo endpoints (its customFetch).
 *
 * - Never follows redirects (OIDC-NET-04): a redirect is returned as the response it is, and refused by the caller.
 * - One deadline for the whole exchange, body included (OIDC-NET-02): a stalled upstream costs a sign-in at most
 *   timeoutMs, not a connection forever. A plain AbortController with one timer, cleared when the body is in:
 *   AbortSignal.timeout() costs about as much CPU as the whole rest of the request on Node 20 (measured), and this
 *   runs on every sign-in. openid-client's own per-request signal is switched off for the same reason
 *   (Configuration.timeout = 0), since this one covers it.
 * - The body is read here, capped at maxBytes: a hostile upstream cannot make Gatehouse buffer an endless answer.
 */
export async function upstreamFetch(url: string | URL, init: RequestInit, limits: { timeoutMs: number; maxBytes: number }): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no complete answer from ${new URL(url).origin} within ${limits.timeoutMs} ms`, 'TimeoutError')), limits.timeoutMs);
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
    const body = await readCapped(res, limits.maxBytes);
    // Statuses that must not carry a body cannot be constructed with one.
    return new Response([101, 204, 205, 304].includes(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new TypeError(`fetch failed: the upstream's answer is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => {});
      throw new TypeError(`fetch failed: the upstream's answer is over the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
