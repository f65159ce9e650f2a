import { describe, expect, it } from 'vitest';
import { clientFacts, trustedProxies } from './client-facts.js';

const proxies = trustedProxies(['10.0.0.0/8', '2001:db8::1']);

describe('clientFacts', () => {
  it('ignores every forwarding header from a peer that is not a trusted proxy', () => {
    const facts = clientFacts('198.51.100.7', { 'x-forwarded-for': '203.0.113.9', 'cf-ipcountry': 'US', 'x-client-cert-verify': 'SUCCESS', 'x-client-cert-cn': 'admin' }, proxies);
    expect(facts).toEqual({ ip: '198.51.100.7' });
  });

  it('takes the client address, country and certificate from a trusted proxy', () => {
    const facts = clientFacts('10.1.2.3', { 'x-forwarded-for': '203.0.113.9', 'cf-ipcountry': 'de', 'x-client-cert-verify': 'SUCCESS', 'x-client-cert-cn': 'laptop-42' }, proxies);
    expect(facts).toEqual({ ip: '203.0.113.9', country: 'DE', certificate: { valid: true, commonName: 'laptop-42' } });
  });

  it('reads X-Forwarded-For from the right, so a client cannot prepend a fake address', () => {
    expect(clientFacts('10.1.2.3', { 'x-forwarded-for': '192.0.2.66, 203.0.113.9, 10.9.9.9' }, proxies).ip).toBe('203.0.113.9');
  });

  it('treats a failed client certificate as invalid, and garbage or repeated headers as absent', () => {
    expect(clientFacts('10.1.2.3', { 'x-client-cert-verify': 'FAILED:unable to verify' }, proxies).certificate).toEqual({ valid: false });
    expect(clientFacts('10.1.2.3', { 'cf-ipcountry': 'USA' }, proxies).country).toBeUndefined();
    expect(clientFacts('10.1.2.3', { 'cf-ipcountry': ['US', 'FR'] }, proxies).country).toBeUndefined();
    expect(clientFacts('10.1.2.3', { 'x-forwarded-for': 'not-an-ip' }, proxies).ip).toBe('10.1.2.3');
  });

  it('matches IPv4-mapped IPv6 peers and IPv6 proxies; trusts nobody when the list is empty', () => {
    expect(clientFacts('::ffff:10.1.2.3', { 'x-forwarded-for': '203.0.113.9' }, proxies).ip).toBe('203.0.113.9');
    expect(clientFacts('2001:db8::1', { 'x-forwarded-for': '2001:db8::99' }, proxies).ip).toBe('2001:db8::99');
    expect(clientFacts('10.1.2.3', { 'x-forwarded-for': '203.0.113.9' }, trustedProxies([])).ip).toBe('10.1.2.3');
  });
});
