import { describe, expect, it } from 'vitest';
import { parseCookies, serializeCookie, singleCookie } from './cookies.js';

describe('cookies', () => {
  it('is Secure only on https deployments, always HttpOnly and host-only', () => {
    const https = serializeCookie('CF_Authorization', 'v', { maxAgeSeconds: 86400, secure: true, sameSite: 'Lax' });
    expect(https).toBe('CF_Authorization=v; Path=/; Max-Age=86400; SameSite=Lax; HttpOnly; Secure');
    expect(serializeCookie('CF_Authorization', 'v', { maxAgeSeconds: 60, secure: false, sameSite: 'Lax' })).not.toContain('Secure');
    expect(https).not.toContain('Domain=');
  });

  it('treats a cookie present twice as absent (SESS-CK-02 cookie tossing)', () => {
    expect(singleCookie('a=1; CF_Authorization=x', 'CF_Authorization')).toBe('x');
    expect(singleCookie('CF_Authorization=x; CF_Authorization=y', 'CF_Authorization')).toBeUndefined();
    expect(parseCookies('a=1; a=2; b=3').get('a')).toEqual(['1', '2']);
  });
});
