import { inflateRawSync } from 'node:zlib';
import { GatehouseError } from '../../errors/gatehouse-error.js';

/** Default cap on an inflated HTTP-Redirect SAMLRequest (XML-15): AuthnRequests are well under 4 KiB. */
export const SAML_MAX_INFLATED = 64 * 1024;

// Line breaks only (MIME-style encoders wrap lines); a space is what a `+` becomes when a form is decoded twice,
// so spaces and tabs are refused rather than guessed at (XML-14).
const LINE_BREAKS = /[\r\n]+/g;
// Standard alphabet, padded to a multiple of four. URL-safe `-_`, `%xx`, stray `=` and missing padding fail here.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * HTTP-Redirect binding: base64 → raw DEFLATE → UTF-8. The output cap is enforced by zlib while inflating, so a
 * DEFLATE bomb stops at `maxInflated` bytes instead of after allocating its full size (XML-15, CVE-2025-25293).
 */
export function decodeRedirectMessage(param: string, maxInflated = SAML_MAX_INFLATED): string {
  // DEFLATE never grows data by more than a few bytes per 16 KiB block, so a parameter over twice the inflated
  // cap cannot be legitimate; refusing it first bounds the base64 work as well.
  const rawCap = 2 * maxInflated + 1024;
  if (param.length > rawCap) {
    throw new GatehouseError('APP_REQUEST_TOO_LARGE', { detail: `SAMLRequest parameter is ${param.length} characters; at most ${rawCap} are accepted` });
  }
  const compressed = strictBase64(param);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(compressed, { maxOutputLength: maxInflated });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GatehouseError('APP_REQUEST_TOO_LARGE', { detail: `SAMLRequest inflates to more than ${maxInflated} bytes`, cause: e });
    }
    throw new GatehouseError('SAML_ENCODING', {
      detail: `SAMLRequest is not raw DEFLATE data: ${(e as Error).message}`,
      hint: 'the HTTP-Redirect binding requires DEFLATE without zlib header, then base64, then URL encoding',
      cause: e,
    });
  }
  return decodeUtf8(inflated);
}

/** HTTP-POST binding: base64 → UTF-8, never inflated. `maxBytes` caps the decoded message. */
export function decodePostMessage(param: string, maxBytes: number, tooLarge: 'APP_REQUEST_TOO_LARGE' | 'SAML_TOO_LARGE' = 'APP_REQUEST_TOO_LARGE'): string {
  // Base64 is 4 characters per 3 bytes; allow line breaks every 64 characters on top (MIME-style encoders).
  const rawCap = Math.ceil(maxBytes / 3) * 4 + Math.ceil(maxBytes / 24) + 4;
  if (param.length > rawCap) {
    throw new GatehouseError(tooLarge, { detail: `SAML message parameter is ${param.length} characters; at most ${rawCap} are accepted` });
  }
  const bytes = strictBase64(param);
  if (bytes.length > maxBytes) {
    throw new GatehouseError(tooLarge, { detail: `SAML message is ${bytes.length} bytes; at most ${maxBytes} are accepted` });
  }
  return decodeUtf8(bytes);
}

/**
 * Canonical base64 only (XML-14): Buffer.from(…, 'base64') silently skips junk, accepts URL-safe characters and
 * ignores non-zero padding bits, so its leniency is checked away here — re-encoding must give the input back.
 */
function strictBase64(param: string): Buffer {
  const compact = param.replace(LINE_BREAKS, '');
  if (compact.length === 0 || !BASE64.test(compact)) {
    throw new GatehouseError('SAML_ENCODING', {
      detail: 'SAML message parameter is not standard base64',
      hint: 'the application must send standard base64 (alphabet A-Z a-z 0-9 + /, with = padding), URL-encoded once',
    });
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.toString('base64') !== compact) {
    throw new GatehouseError('SAML_ENCODING', { detail: 'SAML message parameter has non-canonical base64 padding bits' });
  }
  return bytes;
}

function decodeUtf8(bytes: Buffer): string {
  try {
    // fatal: overlong forms, lone surrogates and truncated sequences throw instead of becoming U+FFFD (XML-09).
    return utf8.decode(bytes);
  } catch (e) {
    throw new GatehouseError('XML_MALFORMED', { detail: 'SAML message is not valid UTF-8', cause: e });
  }
}
