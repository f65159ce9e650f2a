import { z } from 'zod';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True for hosts that never leave the machine; plain http is tolerated only for them (development and tests). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/**
 * A URL field an admin configures (ADM-IN-02): an absolute https URL (http only on loopback), no credentials, no
 * fragment. Placeholders such as https://<your user pool domain>/... are not URLs and are refused here.
 */
export function urlField(options: { allowQuery?: boolean } = {}) {
  return z
    .string()
    .max(2048)
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 100)}" is not a valid absolute URL` });
        return;
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
        ctx.addIssue({ code: 'custom', message: 'must be an https:// URL (http:// is allowed only for localhost)' });
      }
      if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
      if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
      if (!options.allowQuery && url.search) ctx.addIssue({ code: 'custom', message: 'must not contain a query string' });
    });
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const uuidField = z.string().regex(UUID_PATTERN, 'must be a UUID');
