import { describe, expect, it } from 'vitest';
import { classifyAddress, isPublicAddress } from './classify-address.js';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', '"this network"'],
    ['0.255.1.2', '"this network"'],
    ['10.0.0.1', 'private address (RFC 1918)'],
    ['172.16.0.1', 'private address (RFC 1918)'],
    ['172.31.255.255', 'private address (RFC 1918)'],
    ['192.168.1.1', 'private address (RFC 1918)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
  ])('refuses IPv4 %s (%s)', (ip, reason) => {
    const c = classifyAddress(ip);
    expect(c.public).toBe(false);
    expect(!c.public && c.reason).toContain(reason);
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'site-local'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['100::1', 'reserved IPv6'],
    ['::ffff:127.0.0.1', 'IPv4-mapped form of a loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped form of a loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped form of a private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped form of the cloud metadata'],
    ['::FFFF:A9FE:A9FE', 'IPv4-mapped form of the cloud metadata'],
    ['::10.0.0.1', 'IPv4-compatible form of a private'],
    ['64:ff9b::10.0.0.1', 'NAT64 form of a private'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:a00:1::1', '6to4 form of a private'],
    ['2002:7f00:1::', '6to4 form of a loopback'],
  ])('refuses IPv6 %s (%s)', (ip, reason) => {
    const c = classifyAddress(ip);
    expect(c.public).toBe(false);
    expect(!c.public && c.reason).toContain(reason);
  });

  it.each(['93.184.216.34', '1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    'accepts the public address %s',
    (ip) => {
      expect(classifyAddress(ip)).toEqual({ public: true });
      expect(isPublicAddress(ip)).toBe(true);
    },
  );

  it('refuses what is not a bare IP address: host names, brackets, zone ids, garbage', () => {
    for (const s of ['localhost', 'example.com', '[::1]', 'fe80::1%eth0', '', '1.2.3', '01.02.03.04', '::ffff:1.2.3.4.5']) {
      expect(classifyAddress(s)).toMatchObject({ public: false });
    }
  });
});
