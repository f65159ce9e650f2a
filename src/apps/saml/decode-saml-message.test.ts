import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GatehouseError } from '../../errors/gatehouse-error.js';
import { decodePostMessage, decodeRedirectMessage, SAML_MAX_INFLATED } from './decode-saml-message.js';
import { codeOf } from '../../../test/helpers/error-code.js';


const XML = '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a">é – 😀</samlp:AuthnRequest>';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const redirectParam = (text: string | Buffer) => deflateRawSync(typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');

/** A padded Redirect parameter, and a copy whose last data character has an unused low bit set. */
function paddingBitsSet(): { canonical: string; lenient: string } {
  for (let i = 0; ; i++) {
    const canonical = redirectParam(XML + ' '.repeat(i));
    const m = /(.)(=+)$/.exec(canonical);
    if (!m) continue;
    const lenient = `${canonical.slice(0, m.index)}${ALPHABET[ALPHABET.indexOf(m[1]!) | 1]}${m[2]}`;
    return { canonical, lenient };
  }
}

describe('decodeRedirectMessage', () => {
  it('round-trips base64(raw DEFLATE(UTF-8))', () => {
    expect(decodeRedirectMessage(redirectParam(XML))).toBe(XML);
  });

  it('accepts base64 broken into lines with CRLF or LF, and refuses spaces and tabs (a `+` decoded twice) (XML-14)', () => {
    const b64 = redirectParam(XML);
    const lines = b64.match(/.{1,16}/g)!;
    expect(decodeRedirectMessage(lines.join('\r\n'))).toBe(XML);
    expect(decodeRedirectMessage(`${lines.join('\n')}\n`)).toBe(XML);
    expect(codeOf(() => decodeRedirectMessage(lines.join(' ')))).toBe('SAML_ENCODING');
    expect(codeOf(() => decodeRedirectMessage(lines.join('\t')))).toBe('SAML_ENCODING');
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(decodeRedirectMessage(redirectParam(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(XML)])))).toBe(XML);
  });

  describe('refuses non-canonical base64 as SAML_ENCODING (XML-14)', () => {
    const good = redirectParam(XML);
    const padded = paddingBitsSet();
    it('(the padding-bit variant decodes to the same bytes with a lenient decoder, so only the canonical check sees it)', () => {
      expect(padded.lenient).not.toBe(padded.canonical);
      expect(Buffer.from(padded.lenient, 'base64').equals(Buffer.from(padded.canonical, 'base64'))).toBe(true);
    });
    const urlSafe = redirectParam(`${XML}${'?>'.repeat(40)}`).replace(/\+/g, '-').replace(/\//g, '_');
    const cases: Record<string, string> = {
      'URL-safe alphabet': urlSafe,
      'missing padding': good.replace(/=+$/, ''),
      'trailing garbage after =': `${good.replace(/=+$/, '')}==AB`,
      'junk characters': `${good.slice(0, 8)}!*${good.slice(8)}`,
      'percent-encoded twice': encodeURIComponent(encodeURIComponent(good)),
      'non-zero padding bits': padded.lenient,
      empty: '',
      'only whitespace': ' \r\n',
    };
    expect(urlSafe).toMatch(/[-_]/);
    for (const [name, param] of Object.entries(cases)) {
      it(name, () => {
        expect(codeOf(() => decodeRedirectMessage(param))).toBe('SAML_ENCODING');
      });
    }
  });

  it('refuses base64 that is not raw DEFLATE (zlib-wrapped, plain text, double base64)', () => {
    expect(codeOf(() => decodeRedirectMessage(deflateSync(Buffer.from(XML)).toString('base64')))).toBe('SAML_ENCODING');
    expect(codeOf(() => decodeRedirectMessage(Buffer.from(XML).toString('base64')))).toBe('SAML_ENCODING');
    expect(codeOf(() => decodeRedirectMessage(Buffer.from(redirectParam(XML)).toString('base64')))).toBe('SAML_ENCODING');
  });

  it('refuses truncated DEFLATE data', () => {
    const full = deflateRawSync(Buffer.from(XML.repeat(20)));
    expect(codeOf(() => decodeRedirectMessage(full.subarray(0, full.length - 6).toString('base64')))).toBe('SAML_ENCODING');
  });

  it('refuses invalid UTF-8 (overlong encoding of "<") as XML_MALFORMED', () => {
    expect(codeOf(() => decodeRedirectMessage(redirectParam(Buffer.from([0xc0, 0xbc, 0x61, 0x3e]))))).toBe('XML_MALFORMED');
  });

  it('stops a DEFLATE bomb at the output cap (XML-15): 50 MB of spaces', () => {
    const bomb = deflateRawSync(Buffer.alloc(50e6, 32)).toString('base64');
    expect(bomb.length).toBeLessThan(2 * SAML_MAX_INFLATED); // small enough to pass the raw cap: the inflate cap stops it
    expect(codeOf(() => decodeRedirectMessage(bomb))).toBe('APP_REQUEST_TOO_LARGE');
  });

  it('accepts exactly maxInflated bytes and refuses one more', () => {
    const exact = `<r>${'x'.repeat(1000 - 7)}</r>`;
    expect(decodeRedirectMessage(redirectParam(exact), 1000)).toBe(exact);
    expect(codeOf(() => decodeRedirectMessage(redirectParam(`${exact} `), 1000))).toBe('APP_REQUEST_TOO_LARGE');
  });

  it('refuses an oversized parameter before decoding it (1 MB of base64)', () => {
    // Not even valid base64: the size check must come first, so the answer is TOO_LARGE, not ENCODING.
    expect(codeOf(() => decodeRedirectMessage('%'.repeat(1_000_000)))).toBe('APP_REQUEST_TOO_LARGE');
  });
});

describe('decodePostMessage', () => {
  const b64 = Buffer.from(XML, 'utf8').toString('base64');

  it('decodes base64 without inflating, with or without line breaks', () => {
    expect(decodePostMessage(b64, 1024)).toBe(XML);
    expect(decodePostMessage(b64.match(/.{1,64}/g)!.join('\r\n'), 1024)).toBe(XML);
  });

  it('never inflates: a DEFLATE payload is decoded as plain base64 → UTF-8, bomb included', () => {
    for (const deflated of [deflateRawSync(Buffer.from(XML)), deflateRawSync(Buffer.alloc(1e6, 32))]) {
      const param = deflated.toString('base64');
      let expected: string;
      try {
        expected = new TextDecoder('utf-8', { fatal: true }).decode(deflated);
      } catch {
        expected = 'XML_MALFORMED';
      }
      let actual: string;
      try {
        actual = decodePostMessage(param, 4096);
      } catch (e) {
        actual = (e as GatehouseError).code;
      }
      expect(actual).toBe(expected);
      expect(actual).not.toBe(XML);
    }
  });

  it('refuses URL-safe base64, junk and bad padding as SAML_ENCODING', () => {
    expect(codeOf(() => decodePostMessage(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 1024))).toBe('SAML_ENCODING');
    expect(codeOf(() => decodePostMessage(`${b64}#`, 1024))).toBe('SAML_ENCODING');
    expect(codeOf(() => decodePostMessage('QQ=', 1024))).toBe('SAML_ENCODING');
    expect(codeOf(() => decodePostMessage('QR==', 1024))).toBe('SAML_ENCODING');
  });

  it('caps the decoded size and the raw parameter length', () => {
    const body = Buffer.alloc(3000, 'a').toString('base64');
    expect(decodePostMessage(body, 3000)).toBe('a'.repeat(3000));
    expect(codeOf(() => decodePostMessage(body, 2999))).toBe('APP_REQUEST_TOO_LARGE');
    expect(codeOf(() => decodePostMessage('#'.repeat(100_000), 3000))).toBe('APP_REQUEST_TOO_LARGE');
  });
});
