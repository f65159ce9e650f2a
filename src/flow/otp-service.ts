import { randomInt, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../app-context.js';
import { OTP_VERIFIED_TX, otpProofId } from '../connectors/otp/otp-connector.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { EMAIL } from '../identity/email.js';
import { sha256Hex } from '../lib/sha256.js';
import type { Mailer } from '../mail/mailer.js';
import { otpCodePage, otpEmailPage } from '../web/otp-pages.js';
import { existingBinding } from './browser-binding.js';
import { htmlReply, redirect, type Reply } from './reply.js';
import { UPSTREAM_TX, type UpstreamTransaction } from './transactions.js';

/** The code record of a One-time PIN login, keyed `<upstream transaction key>.otp`. */
interface OtpCode {
  email: string;
  /** SHA-256 of `<transaction key>:<code>`: the code itself is never stored, and is bound to this login. */
  codeHash: string;
  attempts: number;
}

export const OTP_TX = 'otp';
const CODE_TTL_MS = 10 * 60_000;
const VERIFIED_TTL_MS = 2 * 60_000;
const MAX_ATTEMPTS = 5;
/** Codes per email and per client address within RATE_WINDOW_MS, shared by every instance through the store. */
const MAX_CODES_PER_EMAIL = 5;
const MAX_CODES_PER_IP = 20;
const RATE_WINDOW_MS = 15 * 60_000;

/**
 * Cloudflare's One-time PIN login method: Gatehouse mails a 6-digit code and is itself the upstream. Each code is
 * single-use (taken from the store atomically), expires after 10 minutes, allows 5 guesses, and is bound to the
 * login transaction and its browser; sending is rate-limited per email and per client address.
 */
export class OtpService {
  constructor(
    private readonly ctx: AppContext,
    private readonly mailer: Mailer,
  ) {}

  async emailForm(state: string, cookieHeader: string | undefined): Promise<Reply> {
    await this.#pending(state, cookieHeader);
    return htmlReply(otpEmailPage({ action: this.#url(''), state }));
  }

  async issue(state: string, rawEmail: string, cookieHeader: string | undefined, ip: string): Promise<Reply> {
    await this.#pending(state, cookieHeader);
    const email = rawEmail.trim().toLowerCase();
    if (email.length > 254 || !EMAIL.test(email)) {
      return htmlReply(otpEmailPage({ action: this.#url(''), state, notice: 'Enter a valid email address.' }), { status: 400 });
    }
    const now = this.ctx.clock.now();
    const { usedValues } = this.ctx.store;
    if ((await usedValues.countLive('otp_sent_email', `${email}|`, now)) >= MAX_CODES_PER_EMAIL || (await usedValues.countLive('otp_sent_ip', `${ip}|`, now)) >= MAX_CODES_PER_IP) {
      throw new GatehouseError('RATE_LIMITED', { detail: `One-time PIN: too many codes requested for ${email} or from ${ip} in 15 minutes`, hint: 'wait, or check for a script requesting codes' });
    }
    const until = new Date(now.getTime() + RATE_WINDOW_MS);
    const nonce = randomInt(0, 2 ** 47).toString(36);
    await usedValues.markUsed('otp_sent_email', `${email}|${nonce}`, until);
    await usedValues.markUsed('otp_sent_ip', `${ip}|${nonce}`, until);

    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    const id = `${state}.otp`;
    await this.ctx.store.transactions.take(id, OTP_TX, now); // a new code replaces the previous one
    await this.ctx.store.transactions.put<OtpCode>({ id, kind: OTP_TX, payload: { email, codeHash: hashCode(state, code), attempts: 0 }, createdAt: now, expiresAt: new Date(now.getTime() + CODE_TTL_MS) });
    try {
      await this.mailer.send({
        to: email,
        subject: `Your sign-in code: ${code}`,
        text: `Your code to sign in at ${this.ctx.urls.authDomain} is ${code}.\n\nIt works once and expires in 10 minutes. If you did not ask for it, ignore this email.\n`,
      });
    } catch (e) {
      await this.ctx.store.transactions.take(id, OTP_TX, now);
      throw e;
    }
    this.ctx.logger.info({ event: 'otp.sent', email, ip, delivered: this.mailer.delivers }, 'one-time PIN sent');
    return htmlReply(otpCodePage({ action: this.#url('/verify'), state, email, restart: `${this.#url('')}?state=${encodeURIComponent(state)}` }));
  }

  async verify(state: string, rawCode: string, cookieHeader: string | undefined): Promise<Reply> {
    await this.#pending(state, cookieHeader);
    const now = this.ctx.clock.now();
    const id = `${state}.otp`;
    // Taken, not read: two guesses racing each other cannot both be checked against the same record.
    const taken = await this.ctx.store.transactions.take<OtpCode>(id, OTP_TX, now);
    if (taken.status !== 'ok') {
      throw new GatehouseError('OTP_CODE_INVALID', { detail: taken.status === 'expired' ? 'the code expired (10 minutes)' : 'no code is pending for this sign-in (used, replaced or never sent)', hint: 'the user should ask for a new code' });
    }
    const record = taken.tx.payload;
    const code = rawCode.trim();
    if (!/^\d{6}$/.test(code) || !sameHash(record.codeHash, hashCode(state, code))) {
      const attempts = record.attempts + 1;
      const restart = `${this.#url('')}?state=${encodeURIComponent(state)}`;
      if (attempts >= MAX_ATTEMPTS) {
        this.ctx.logger.warn({ event: 'otp.exhausted', email: record.email }, 'one-time PIN discarded after too many wrong codes');
        return htmlReply(otpCodePage({ action: this.#url('/verify'), state, email: record.email, restart, notice: 'Too many wrong codes. Ask for a new code.' }), { status: 400 });
      }
      await this.ctx.store.transactions.put<OtpCode>({ ...taken.tx, payload: { ...record, attempts } });
      return htmlReply(otpCodePage({ action: this.#url('/verify'), state, email: record.email, restart, notice: 'That code is not right. Try again.' }), { status: 400 });
    }
    await this.ctx.store.transactions.put({ id: otpProofId(state), kind: OTP_VERIFIED_TX, payload: { email: record.email }, createdAt: now, expiresAt: new Date(now.getTime() + VERIFIED_TTL_MS) });
    // The sign-in then finishes like any other: the callback takes the login transaction and applies the policies.
    return redirect(`${this.ctx.urls.callback}?state=${encodeURIComponent(state)}`);
  }

  /** The pending login this page belongs to: unexpired, of a One-time PIN login method, in this browser. */
  async #pending(state: string, cookieHeader: string | undefined): Promise<UpstreamTransaction> {
    const found = await this.ctx.store.transactions.peek<UpstreamTransaction>(state, UPSTREAM_TX);
    if (!found || found.expiresAt <= this.ctx.clock.now()) throw new GatehouseError('FLOW_NOT_FOUND', { detail: 'One-time PIN page for a sign-in that is not pending (used, expired or never started)' });
    if (existingBinding(cookieHeader) !== found.payload.binding) throw new GatehouseError('FLOW_BROWSER_MISMATCH', { detail: 'One-time PIN page opened in another browser than the one that started the sign-in' });
    const idp = await this.ctx.store.idps.get(found.payload.idpId);
    if (!idp || idp.type !== 'onetimepin') throw new GatehouseError('FLOW_NOT_FOUND', { detail: 'the pending sign-in is not a One-time PIN login' });
    return found.payload;
  }

  #url(suffix: string): string {
    return `${this.ctx.urls.base}/cdn-cgi/access/otp${suffix}`;
  }
}

function hashCode(state: string, code: string): string {
  return sha256Hex(`${state}:${code}`);
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
