/** Every value of every cookie in a Cookie header. Duplicates are kept so callers can refuse them (cookie tossing). */
export function parseCookies(header: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

/** The cookie's value when it is present exactly once; two values (one possibly planted) count as none. */
export function singleCookie(header: string | undefined, name: string): string | undefined {
  const values = parseCookies(header).get(name);
  return values?.length === 1 ? values[0] : undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  secure: boolean;
  sameSite: 'Lax' | 'Strict' | 'None';
  path?: string;
  httpOnly?: boolean;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  // Host-only (no Domain attribute): a sibling subdomain can neither read nor overwrite it.
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`, `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`, `SameSite=${o.sameSite}`];
  if (o.httpOnly !== false) parts.push('HttpOnly');
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
