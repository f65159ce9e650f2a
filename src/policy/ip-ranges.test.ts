import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipRangeContains, parseIpAddress, parseIpRange } from './ip-ranges.js';

function contains(range: string, address: string): boolean {
  const r = parseIpRange(range);
  const a = parseIpAddress(address);
  if (!r || !a) throw new Error(`bad test input ${range} / ${address}`);
  return ipRangeContains(r, a);
}

describe('parseIpRange', () => {
  it.each([
    ['192.0.2.0/24', { v4: true, words: [0xc0000200], prefix: 24 }],
    ['192.0.2.7', { v4: true, words: [0xc0000207], prefix: 32 }],
    ['10.1.2.3/8', { v4: true, words: [0x0a000000], prefix: 8 }],
    ['0.0.0.0/0', { v4: true, words: [0], prefix: 0 }],
    ['255.255.255.255/32', { v4: true, words: [0xffffffff], prefix: 32 }],
    ['2001:db8::/32', { v4: false, words: [0x20010db8, 0, 0, 0], prefix: 32 }],
    ['2001:db8::1', { v4: false, words: [0x20010db8, 0, 0, 1], prefix: 128 }],
    ['::/0', { v4: false, words: [0, 0, 0, 0], prefix: 0 }],
    ['::1', { v4: false, words: [0, 0, 0, 1], prefix: 128 }],
    ['1:2:3:4:5:6:7:8', { v4: false, words: [0x10002, 0x30004, 0x50006, 0x70008], prefix: 128 }],
    ['FFFF::/16', { v4: false, words: [0xffff0000, 0, 0, 0], prefix: 16 }],
    ['2001:db8:0:0:1::/80', { v4: false, words: [0x20010db8, 0, 0x10000, 0], prefix: 80 }],
    ['::1.2.3.4', { v4: false, words: [0, 0, 0, 0x01020304], prefix: 128 }],
    // IPv4-mapped ranges fold into IPv4.
    ['::ffff:192.0.2.0/120', { v4: true, words: [0xc0000200], prefix: 24 }],
    ['::ffff:c000:0201', { v4: true, words: [0xc0000201], prefix: 32 }],
    ['::ffff:0:0/96', { v4: true, words: [0], prefix: 0 }],
  ])('parses %s', (text, expected) => {
    expect(parseIpRange(text)).toEqual(expected);
  });

  it.each([
    '',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0.0/',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/8/8',
    '10.0.0.0 /8',
    ' 10.0.0.0/8',
    '10.0.0/8',
    '010.0.0.0/8',
    '256.0.0.0',
    '1::2::3',
    'fe80::1%eth0',
    'fe80::1%eth0/64',
    'example.com',
    '10.0.0.0/8a',
  ])('refuses %j', (text) => {
    expect(parseIpRange(text)).toBeUndefined();
  });
});

describe('parseIpAddress', () => {
  it('folds IPv4-mapped IPv6 into IPv4, in any spelling', () => {
    expect(parseIpAddress('::ffff:192.0.2.1')).toEqual({ v4: true, words: [0xc0000201] });
    expect(parseIpAddress('::FFFF:c000:201')).toEqual({ v4: true, words: [0xc0000201] });
    expect(parseIpAddress('0:0:0:0:0:ffff:192.0.2.1')).toEqual({ v4: true, words: [0xc0000201] });
  });

  it('ignores an IPv6 zone id and refuses non-addresses', () => {
    expect(parseIpAddress('fe80::1%eth0')).toEqual({ v4: false, words: [0xfe800000, 0, 0, 1] });
    expect(parseIpAddress('10.0.0.0/8')).toBeUndefined();
    expect(parseIpAddress('')).toBeUndefined();
    expect(parseIpAddress('unknown')).toBeUndefined();
  });
});

describe('ipRangeContains', () => {
  it.each([
    ['192.0.2.0/24', '192.0.2.0', true],
    ['192.0.2.0/24', '192.0.2.255', true],
    ['192.0.2.0/24', '192.0.3.0', false],
    ['192.0.2.0/24', '192.0.1.255', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['128.0.0.0/1', '127.255.255.255', false],
    ['128.0.0.0/1', '128.0.0.0', true],
    ['255.255.255.254/31', '255.255.255.255', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::/33', '2001:db8:7fff::1', true],
    ['2001:db8::/33', '2001:db8:8000::1', false],
    ['2001:db8::1', '2001:db8::1', true],
    ['2001:db8::1', '2001:db8::2', false],
    ['::/0', '2001:db8::1', true],
    // Families stay apart: all of IPv6 is not all of IPv4 ...
    ['::/0', '192.0.2.1', false],
    ['0.0.0.0/0', '2001:db8::1', false],
    // ... except IPv4-mapped addresses, which are IPv4 whichever way the socket spelled them.
    ['192.0.2.0/24', '::ffff:192.0.2.9', true],
    ['192.0.2.0/24', '::ffff:c000:0209', true],
    ['192.0.2.0/24', '::ffff:192.0.3.9', false],
    ['::ffff:192.0.2.0/120', '192.0.2.9', true],
    ['::ffff:0:0/96', '198.51.100.1', true],
    // IPv4-compatible (::a.b.c.d) is not IPv4-mapped.
    ['192.0.2.0/24', '::192.0.2.9', false],
  ])('%s contains %s: %s', (range, address, expected) => {
    expect(contains(range, address)).toBe(expected);
  });

  it('agrees with node:net BlockList on random IPv4 ranges and addresses', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (net, prefix, address) => {
        const list = new BlockList();
        list.addSubnet(net, prefix, 'ipv4');
        expect(contains(`${net}/${prefix}`, address)).toBe(list.check(address, 'ipv4'));
      }),
    );
  });

  it('agrees with node:net BlockList on random IPv6 ranges and addresses', () => {
    const groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
    const text = (g: number[]) => g.map((x) => x.toString(16)).join(':');
    fc.assert(
      fc.property(groups, fc.integer({ min: 0, max: 128 }), groups, fc.integer({ min: 0, max: 8 }), (net, prefix, other, kept) => {
        // An address that shares its first `kept` groups with the range's network, so that boundaries get hit.
        const address = text([...net.slice(0, kept), ...other.slice(kept)]);
        const list = new BlockList();
        list.addSubnet(text(net), prefix, 'ipv6');
        const r = parseIpRange(`${text(net)}/${prefix}`)!;
        const a = parseIpAddress(address)!;
        // IPv4-mapped ranges and addresses fold into IPv4 (tested above); compare the pure IPv6 cases.
        if (!r.v4 && !a.v4) expect(ipRangeContains(r, a)).toBe(list.check(address, 'ipv6'));
      }),
    );
  });
});
