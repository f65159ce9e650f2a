import { isIP } from 'node:net';

/** Why an address is not a public internet address, or `public`. */
export type AddressClass = { public: true } | { public: false; reason: string };

const PUBLIC: AddressClass = { public: true };

function refuse(reason: string): AddressClass {
  return { public: false, reason };
}

// IPv4 special-purpose ranges (IANA IPv4 Special-Purpose Address Registry, RFC 6890 and successors) that must never
// be the target of a server-side fetch an admin can steer with redirects (IDP-META-04, ADM-IN-01). The cloud
// metadata address is listed before link-local so the message names it.
const IPV4_RANGES: ReadonlyArray<readonly [string, number, string]> = [
  ['169.254.169.254', 32, 'the cloud metadata address'],
  ['0.0.0.0', 8, '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'a private address (RFC 1918)'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'a private address (RFC 1918)'],
  ['192.0.0.0', 24, 'an IETF protocol address (192.0.0.0/24)'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.88.99.0', 24, 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'a private address (RFC 1918)'],
  ['198.18.0.0', 15, 'a benchmarking address (198.18.0.0/15)'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address (240.0.0.0/4)'],
];

/**
 * Classifies one IP address (v4 or v6, as a string; brackets and zone ids are refused, not stripped). IPv4 is a
 * deny-list of the special-purpose ranges; IPv6 is an allow-list: only global unicast (2000::/3) minus its special
 * ranges is public, and the forms that carry an IPv4 address inside (IPv4-mapped, IPv4-compatible, NAT64, 6to4)
 * are judged by that IPv4 address.
 */
export function classifyAddress(address: string): AddressClass {
  const kind = isIP(address);
  if (kind === 4) return classifyIpv4(ipv4ToNumber(address));
  if (kind === 6) {
    const words = parseIpv6(address);
    return words ? classifyIpv6(words) : refuse('not an IP address');
  }
  return refuse('not an IP address');
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address).public;
}

function classifyIpv4(n: number): AddressClass {
  for (const [base, bits, reason] of IPV4_RANGES) {
    if (inIpv4Range(n, ipv4ToNumber(base), bits)) return refuse(reason);
  }
  return PUBLIC;
}

function inIpv4Range(n: number, base: number, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n & mask) >>> 0) === ((base & mask) >>> 0);
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function classifyIpv6(w: number[]): AddressClass {
  const embedded = (hi: number, lo: number) => ((w[hi]! << 16) | w[lo]!) >>> 0;
  const zeroUpTo = (n: number) => w.slice(0, n).every((x) => x === 0);

  if (zeroUpTo(8)) return refuse('the unspecified address (::)');
  if (zeroUpTo(7) && w[7] === 1) return refuse('a loopback address');
  // ::ffff:a.b.c.d (IPv4-mapped): a socket to it reaches the IPv4 address, so the IPv4 rules apply.
  if (zeroUpTo(5) && w[5] === 0xffff) return inner('an IPv4-mapped', classifyIpv4(embedded(6, 7)));
  // ::a.b.c.d (deprecated IPv4-compatible) and ::ffff:0:a.b.c.d (SIIT): same reasoning.
  if (zeroUpTo(6)) return inner('an IPv4-compatible', classifyIpv4(embedded(6, 7)));
  if (zeroUpTo(4) && w[4] === 0xffff && w[5] === 0) return inner('an IPv4-translated', classifyIpv4(embedded(6, 7)));
  // 64:ff9b::/96 (NAT64 well-known prefix) reaches the embedded IPv4 address through the NAT64 gateway.
  if (w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0)) return inner('a NAT64', classifyIpv4(embedded(6, 7)));
  if (w[0] === 0x64 && w[1] === 0xff9b && w[2] === 1) return refuse('a local-use NAT64 address (64:ff9b:1::/48)');
  if ((w[0]! & 0xfe00) === 0xfc00) return refuse('a unique local address (fc00::/7)');
  if ((w[0]! & 0xffc0) === 0xfe80) return refuse('a link-local address (fe80::/10)');
  if ((w[0]! & 0xffc0) === 0xfec0) return refuse('a site-local address (fec0::/10)');
  if ((w[0]! & 0xff00) === 0xff00) return refuse('a multicast address');
  if ((w[0]! & 0xe000) !== 0x2000) return refuse('a reserved IPv6 address (outside 2000::/3)');
  if (w[0] === 0x2001 && w[1] === 0x0db8) return refuse('a documentation address (2001:db8::/32)');
  // Teredo tunnels to an obfuscated IPv4 endpoint; nothing legitimate serves metadata from one.
  if (w[0] === 0x2001 && w[1] === 0) return refuse('a Teredo address (2001::/32)');
  if (w[0] === 0x2001 && w[1]! < 0x0200) return refuse('an IETF protocol address (2001::/23)');
  // 2002::/16 (6to4) routes to the IPv4 address in bits 16..47.
  if (w[0] === 0x2002) return inner('a 6to4', classifyIpv4(embedded(1, 2)));
  return PUBLIC;
}

function inner(form: string, v4: AddressClass): AddressClass {
  return v4.public ? PUBLIC : refuse(`${form} form of ${v4.reason}`);
}

/** Eight 16-bit words, or undefined for anything `isIP` accepts that this does not (zone ids). */
function parseIpv6(address: string): number[] | undefined {
  if (address.includes('%')) return undefined; // a zone id only makes sense for link-local addresses anyway
  let text = address.toLowerCase();
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToNumber(v4[1]!);
    tail.push(n >>> 16, n & 0xffff);
    text = `${text.slice(0, -v4[1]!.length)}0:0`; // placeholder words, replaced below
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((x) => parseInt(x, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...new Array<number>(fill).fill(0), ...right];
  if (words.length !== 8 || words.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffff)) return undefined;
  if (tail.length === 2) words.splice(6, 2, tail[0]!, tail[1]!);
  return words;
}
