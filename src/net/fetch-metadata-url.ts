import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLoopbackHost } from '../admin-api/url-field.js';
import { classifyAddress } from './classify-address.js';
import { pinnedFetch } from './pinned-fetch.js';

export interface FetchMetadataOptions {
  /** Deadline for the whole exchange, redirects and body included. */
  timeoutMs?: number;
  /** Largest body accepted, counted while it streams in (after content decoding). */
  maxBytes?: number;
  maxRedirects?: number;
  /** Every address a host name resolves to. Injected by tests; defaults to the system resolver. */
  lookup?: (hostname: string) => Promise<string[]>;
  /**
   * Defaults to the global fetch for the admin's own URL, and to pinnedFetch for a redirect target, which then
   * connects only to the addresses that were checked (no second DNS answer can send it elsewhere). An injected
   * transport (tests) receives those addresses as its third argument.
   */
  fetch?: (url: string, init: RequestInit, pinnedAddresses?: readonly string[]) => Promise<Response>;
}

export const METADATA_FETCH_DEFAULTS = { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 3 } as const;

export type FetchMetadataResult = { ok: true; text: string; url: string } | { ok: false; problem: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ACCEPT = 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1';

/**
 * Fetches an IdP metadata document for the admin API (IDP-META-04 / ADM-IN-01: SSRF through metadata import).
 * The first URL is the admin's own choice and was already held to the URL-field rule (https, or http to loopback);
 * every redirect is the remote server's choice, so it is followed only to https and only when its host resolves
 * exclusively to public addresses. Time and size are bounded while the answer arrives, not afterwards.
 * Never throws for a network or content problem: the result says precisely what went wrong.
 */
export async function fetchMetadataUrl(url: string, options: FetchMetadataOptions = {}): Promise<FetchMetadataResult> {
  const timeoutMs = options.timeoutMs ?? METADATA_FETCH_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? METADATA_FETCH_DEFAULTS.maxBytes;
  const maxRedirects = options.maxRedirects ?? METADATA_FETCH_DEFAULTS.maxRedirects;
  const lookup = options.lookup ?? lookupAll;
  const closers: Array<() => Promise<void>> = [];
  const doFetch =
    options.fetch ??
    (async (target: string, init: RequestInit, pinned?: readonly string[]) => {
      if (!pinned) return fetch(target, init);
      const { res, close } = await pinnedFetch(target, init, pinned);
      closers.push(close);
      return res;
    });
  try {
    return await fetchWith(url, doFetch, lookup, { timeoutMs, maxBytes, maxRedirects });
  } finally {
    for (const close of closers) await close().catch(() => {});
  }
}

async function fetchWith(
  url: string,
  doFetch: NonNullable<FetchMetadataOptions['fetch']>,
  lookup: (hostname: string) => Promise<string[]>,
  { timeoutMs, maxBytes, maxRedirects }: { timeoutMs: number; maxBytes: number; maxRedirects: number },
): Promise<FetchMetadataResult> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const timedOut = () => fail(`no complete answer within ${timeoutMs / 1000} s`);

  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return fail('is not a valid absolute URL');
  }
  if (current.username || current.password) return fail('must not contain credentials');
  if (current.protocol !== 'https:' && !(current.protocol === 'http:' && isLoopbackHost(current.hostname))) {
    return fail('must be an https:// URL (http:// is allowed only for localhost)');
  }

  // The addresses a redirect target was checked against; the connection to it goes to those and nowhere else.
  let pinned: string[] | undefined;
  for (let redirects = 0; ; redirects++) {
    let res: Response;
    try {
      res = await doFetch(current.href, { method: 'GET', redirect: 'manual', signal: deadline, headers: { accept: ACCEPT } }, pinned);
    } catch (e) {
      return deadline.aborted ? timedOut() : fail(`could not be fetched from ${current.host}: ${networkReason(e)}`);
    }
    if (REDIRECTS.has(res.status)) {
      await discard(res);
      if (redirects >= maxRedirects) return fail(`redirected more than ${maxRedirects} times`);
      const location = res.headers.get('location');
      if (!location) return fail(`answered HTTP ${res.status} without a Location header`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        return fail(`answered HTTP ${res.status} with an invalid Location header`);
      }
      const checked = await checkRedirect(next, lookup);
      if ('refusal' in checked) return fail(checked.refusal);
      current = next;
      pinned = checked.addresses;
      continue;
    }
    if (res.status !== 200) {
      await discard(res);
      return fail(`answered HTTP ${res.status}${res.statusText ? ` ${res.statusText.slice(0, 60)}` : ''} from ${current.host}; expected 200 with the metadata XML`);
    }
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType === 'text/html' || contentType === 'application/xhtml+xml') {
      await discard(res);
      return fail(`answered with an HTML page (Content-Type ${contentType}), not SAML metadata XML; is the URL behind a login?`);
    }
    const declared = Number(res.headers.get('content-length') ?? '');
    if (Number.isFinite(declared) && declared > maxBytes) {
      await discard(res);
      return fail(`is larger than the ${formatBytes(maxBytes)} limit (Content-Length ${declared})`);
    }

    let bytes: Uint8Array;
    try {
      const body = await readLimited(res, maxBytes);
      if (body === 'too-large') return fail(`is larger than the ${formatBytes(maxBytes)} limit`);
      bytes = body;
    } catch (e) {
      return deadline.aborted ? timedOut() : fail(`could not be read from ${current.host}: ${networkReason(e)}`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail('answered with a body that is not UTF-8 text');
    }
    if (text.trim() === '') return fail('answered with an empty body');
    if (!/^\uFEFF?\s*</.test(text)) return fail(`answered with something that is not XML${contentType ? ` (Content-Type ${contentType.slice(0, 60)})` : ''}`);
    return { ok: true, text, url: current.href };
  }
}

function fail(problem: string): FetchMetadataResult {
  return { ok: false, problem };
}

async function lookupAll(hostname: string): Promise<string[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
}

/** Why a redirect must not be followed, or the (all public) addresses the connection to it may use. */
async function checkRedirect(target: URL, lookup: (hostname: string) => Promise<string[]>): Promise<{ refusal: string } | { addresses: string[] }> {
  // Plain http could be rewritten by anyone on the path, and is how redirects reach internal plain-text services.
  if (target.protocol !== 'https:') return { refusal: `redirected to a ${target.protocol}// URL (${target.host}); only https:// redirects are followed` };
  if (target.username || target.password) return { refusal: 'redirected to a URL with credentials; refused' };
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await lookup(host);
    } catch (e) {
      return { refusal: `redirected to ${host}, which does not resolve (${networkReason(e)})` };
    }
    if (addresses.length === 0) return { refusal: `redirected to ${host}, which does not resolve` };
  }
  // Every address must be public: the connection may go to any of them (and a name resolving to one public and
  // one internal address is a known SSRF trick).
  for (const address of addresses) {
    const c = classifyAddress(address);
    if (!c.public) return { refusal: `redirected to ${host}${address === host ? '' : ` (${address})`}, which is ${c.reason}; redirects are followed only to public addresses` };
  }
  return { addresses };
}

/** The body, stopping as soon as it passes `maxBytes` so an endless or huge answer costs at most that much memory. */
async function readLimited(res: Response, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return 'too-large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

/** A short, non-sensitive reason from a fetch/DNS failure: the system error code when there is one. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: unknown })?.cause ?? e;
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === 'string' && code !== '') return code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.slice(0, 120);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
