import { createRequire } from 'node:module';
import type nodemailerModule from 'nodemailer';
import type { Logger } from 'pino';
import type { SmtpConfig } from '../config/config.js';
import { GatehouseError } from '../errors/gatehouse-error.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Whether mail really leaves this machine (false: the development log mailer). */
  readonly delivers: boolean;
  send(mail: Mail): Promise<void>;
}

/**
 * SMTP through nodemailer when GATEHOUSE_SMTP_HOST is set. Without it, in development only, the mail is written
 * to the server log with a loud warning, so the very first sign-in works on a laptop; in production that is refused
 * (a One-time PIN would otherwise be readable by anyone who can read the logs).
 */
export function createMailer(smtp: SmtpConfig | undefined, production: boolean, logger: Logger): Mailer {
  if (!smtp) {
    return {
      delivers: false,
      async send(mail) {
        if (production) {
          throw new GatehouseError('CONNECTOR_CONFIG_INVALID', { detail: 'One-time PIN needs SMTP in production; GATEHOUSE_SMTP_HOST is not set', hint: 'configure GATEHOUSE_SMTP_HOST, GATEHOUSE_SMTP_FROM and credentials' });
        }
        logger.warn({ event: 'mail.development_log', to: mail.to, subject: mail.subject, text: mail.text }, 'DEVELOPMENT ONLY: no SMTP configured, so this mail was written to the log instead of being sent. Never run like this in production.');
      },
    };
  }
  // Loaded only when SMTP is configured (keeps it out of memory otherwise).
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof nodemailerModule;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'tls',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    delivers: true,
    async send(mail) {
      try {
        await transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text });
      } catch (e) {
        throw new GatehouseError('OTP_DELIVERY_FAILED', { detail: `SMTP ${smtp.host}:${smtp.port} refused or failed: ${(e as Error).message?.slice(0, 200)}`, hint: 'check the GATEHOUSE_SMTP_ settings and that the relay accepts mail from Gatehouse', cause: e });
      }
    },
  };
}
