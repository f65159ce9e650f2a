import { BlockList, isIP } from 'node:net';

/** What Gatehouse knows about the client's connection: the request-level inputs of Access policies. */
export interface ClientFacts {
  ip: string;
  /** ISO 3166-1 alpha-2, upper case; only from a trusted proxy. */
  country?: string;
  /** Client certificate facts; only from a trusted proxy that terminated mutual TLS. */
  certificate?: { valid: boolean; commonName?: string };
}

export interface TrustedProxies {
  /** Whether the socket peer is one of the configured proxies. */
  trusts(address: string): boolean;
}

/** Header names a trusted proxy sets (nginx: `proxy_set_header X-Client-Cert-Verify $ssl_client_verify;` …). */
export const PROXY_HEADERS = {
  forwardedFor: 'x-forwarded-for',
  country: 'cf-ipcountry',
  certVerify: 'x-client-cert-verify',
  certCommonName: 'x-client-cert-cn',
} as const;

/** Parses GATEHOUSE_TRUSTED_PROXIES: comma-separated IPv4/IPv6 addresses or CIDR ranges. */
export function trustedProxies(list: readonly string[]): TrustedProxies {
  const blocks = new BlockList();
  for (const entry of list) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) blocks.addAddress(address, family);
    else blocks.addSubnet(address, Number(prefix), family);
  }
  return {
    trusts: (address) => {
      const plain = unmapped(address);
      return list.length > 0 && isIP(plain) !== 0 && blocks.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/**
 * The client's facts. Headers count only when the socket peer is a configured trusted proxy: a header from anyone
 * else is ignored, so a client cannot claim another IP, country or certificate (issue 4). X-Forwarded-For is read
 * from the right, skipping trusted proxies, so the first address no trusted hop vouches for is the client.
 */
export function clientFacts(socketAddress: string | undefined, headers: Record<string, string | string[] | undefined>, proxies: TrustedProxies): ClientFacts {
  const peer = unmapped(socketAddress ?? '');
  if (!proxies.trusts(peer)) return { ip: peer };
  let ip = peer;
  const chain = (one(headers[PROXY_HEADERS.forwardedFor]) ?? '').split(',').map((s) => unmapped(s.trim())).filter((s) => s.length > 0);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (isIP(hop) === 0) break; // garbage ends what can be believed; keep the last good address
    ip = hop;
    if (!proxies.trusts(hop)) break;
  }
  const facts: ClientFacts = { ip };
  const country = one(headers[PROXY_HEADERS.country])?.trim().toUpperCase();
  if (country && /^[A-Z]{2}$/.test(country)) facts.country = country;
  const verify = one(headers[PROXY_HEADERS.certVerify]);
  if (verify !== undefined) {
    const commonName = one(headers[PROXY_HEADERS.certCommonName]);
    facts.certificate = { valid: verify === 'SUCCESS', ...(commonName ? { commonName } : {}) };
  }
  return facts;
}

function one(value: string | string[] | undefined): string | undefined {
  // A repeated header is ambiguous; it counts as absent rather than picking one.
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** `::ffff:192.0.2.1` → `192.0.2.1`, so IPv4 policies and proxy lists match IPv4 clients on dual-stack sockets. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
