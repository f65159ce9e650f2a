import { isIPv4, isIPv6 } from 'node:net';

/**
 * Exact, bitwise IP address and CIDR matching for `ip` and `ip_list` rules. An address is a family and its bits as
 * 32-bit words (one for IPv4, four for IPv6); a range is the same plus a prefix length, its host bits cleared.
 *
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`, what a dual-stack socket reports for an IPv4 client) is folded into IPv4, both
 * for client addresses and for ranges inside `::ffff:0:0/96`: the same client must match the same rules whichever
 * way the socket spelled it, or a rule meant to block an IPv4 range could be sidestepped. Other IPv6 ranges, even
 * `::/0`, never match an IPv4 client: the families stay apart.
 */
export interface IpAddress {
  readonly v4: boolean;
  readonly words: readonly number[];
}

export interface IpRange extends IpAddress {
  /** 0-32 for IPv4, 0-128 for IPv6. */
  readonly prefix: number;
}

/** Parses one address (IPv4 dotted quad or any IPv6 text form; an IPv6 zone id is ignored). */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { v4: true, words: [ipv4Word(text)] };
  const zone = text.indexOf('%');
  const bare = zone === -1 ? text : text.slice(0, zone);
  if (!isIPv6(bare)) return undefined;
  const words = ipv6Words(bare);
  return isV4Mapped(words) ? { v4: true, words: [words[3]!] } : { v4: false, words };
}

/**
 * Parses `address` or `address/prefix` (prefix: decimal digits, 0-32 for IPv4, 0-128 for IPv6). Zone ids are refused
 * in ranges. Host bits beyond the prefix are cleared: `10.1.2.3/8` is `10.0.0.0/8`.
 */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  if (addressText.includes('%')) return undefined;
  const v4 = isIPv4(addressText);
  if (!v4 && !isIPv6(addressText)) return undefined;
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const digits = text.slice(slash + 1);
    if (!/^(?:0|[1-9]\d{0,2})$/.test(digits)) return undefined;
    prefix = Number(digits);
    if (prefix > max) return undefined;
  }
  if (v4) return { v4: true, words: masked([ipv4Word(addressText)], prefix), prefix };
  const words = ipv6Words(addressText);
  if (prefix >= 96 && isV4Mapped(words)) return { v4: true, words: masked([words[3]!], prefix - 96), prefix: prefix - 96 };
  return { v4: false, words: masked(words, prefix), prefix };
}

export function ipRangeContains(range: IpRange, address: IpAddress): boolean {
  if (range.v4 !== address.v4) return false;
  const net = range.words;
  const bits = address.words;
  let left = range.prefix;
  for (let i = 0; left > 0; i++, left -= 32) {
    if (((bits[i]! ^ net[i]!) & maskOf(left)) !== 0) return false;
  }
  return true;
}

/** The high `bits` bits of a word set (bits >= 32: all of them). */
function maskOf(bits: number): number {
  return bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function masked(words: number[], prefix: number): number[] {
  let left = prefix;
  for (let i = 0; i < words.length; i++, left -= 32) words[i] = left <= 0 ? 0 : (words[i]! & maskOf(left)) >>> 0;
  return words;
}

function isV4Mapped(words: readonly number[]): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/** Text already validated by isIPv4. */
function ipv4Word(text: string): number {
  let word = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      word = word * 256 + octet;
      octet = 0;
    } else octet = octet * 10 + (c - 48);
  }
  return word * 256 + octet;
}

/** Text already validated by isIPv6 (no zone id): eight 16-bit groups, `::` expanded, a trailing dotted quad allowed. */
function ipv6Words(text: string): number[] {
  const groups: number[] = [];
  const split = text.indexOf('::');
  const head = split === -1 ? text : text.slice(0, split);
  const tail = split === -1 ? '' : text.slice(split + 2);
  const headGroups = hexGroups(head);
  const tailGroups = hexGroups(tail);
  groups.push(...headGroups);
  for (let i = headGroups.length + tailGroups.length; i < 8; i++) groups.push(0);
  groups.push(...tailGroups);
  return [0, 1, 2, 3].map((i) => (groups[2 * i]! * 0x10000 + groups[2 * i + 1]!) >>> 0);
}

function hexGroups(part: string): number[] {
  if (part === '') return [];
  const out: number[] = [];
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      const word = ipv4Word(piece);
      out.push(Math.floor(word / 0x10000), word & 0xffff);
    } else out.push(parseInt(piece, 16));
  }
  return out;
}
