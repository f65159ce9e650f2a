import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Configuration comes from the environment, is validated once at start, and every problem is reported together.
 * The schema's defaults are the defaults; nothing else in the code invents one.
 */
const ACCOUNT_ID = /^[0-9a-f]{32}$/;

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    GATEHOUSE_URL: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL')
      .refine((u) => !new URL(u).search && !new URL(u).hash, 'must not have a query or fragment')
      .optional(),
    DATABASE_URL: z
      .string()
      .min(1)
      .refine((u) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(u) || !u.includes('://'), 'must be postgres://…, sqlite:<path> or a file path')
      .default('sqlite:./data/gatehouse.db'),
    GATEHOUSE_ACCOUNT_ID: z.string().regex(ACCOUNT_ID, 'must be 32 lower-case hex characters').optional(),
    GATEHOUSE_API_TOKEN: z.string().min(32, 'must be at least 32 characters').max(512).optional(),
    GATEHOUSE_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
    GATEHOUSE_TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0))
      .refine((list) => list.every(isAddressOrCidr), 'must be a comma-separated list of IP addresses or CIDR ranges'),
    GATEHOUSE_SMTP_HOST: z.string().min(1).optional(),
    GATEHOUSE_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    GATEHOUSE_SMTP_USER: z.string().min(1).optional(),
    GATEHOUSE_SMTP_PASSWORD: z.string().min(1).optional(),
    GATEHOUSE_SMTP_FROM: z.string().min(3).optional(),
    GATEHOUSE_SMTP_TLS: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    GATEHOUSE_SECRET_KEY: z.string().min(1).optional(),
    GATEHOUSE_SECRET_KEY_FILE: z.string().min(1).optional(),
    GATEHOUSE_SMTP_PASSWORD_FILE: z.string().min(1).optional(),
    GATEHOUSE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strip();

export interface Config {
  port: number;
  host: string;
  /** Public base URL without a trailing slash; plays Cloudflare's team domain. */
  publicUrl: string;
  databaseUrl: string;
  accountId: string | undefined;
  apiToken: string | undefined;
  clockSkewMs: number;
  /** Peers whose X-Forwarded-For, CF-IPCountry and client-certificate headers are believed. */
  trustedProxies: string[];
  /** Outgoing mail for One-time PIN codes; absent: codes go to the log (development only). */
  smtp: SmtpConfig | undefined;
  /**
   * Where the master key that wraps the database's data key comes from (src/secrets): GATEHOUSE_SECRET_KEY, else the
   * file. `fileIsDefault`: no file was named, so a brand-new development database may create ./data/secret.key.
   */
  secretKey: { value: string | undefined; file: string; fileIsDefault: boolean };
  /** Bearer token for /metrics; without it only loopback peers may read the metrics. */
  metricsToken: string | undefined;
  production: boolean;
  logLevel: string;
}

export interface SmtpConfig {
  host: string;
  port: number;
  user?: string;
  password?: string;
  from: string;
  /** starttls (upgrade required), tls (implicit TLS, port 465), none (only for a relay on this machine). */
  tls: 'starttls' | 'tls' | 'none';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty variables count as unset, as in most shells' habits.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const e = parsed.data;
  const smtpProblems: string[] = [];
  if (e.GATEHOUSE_SMTP_HOST && !e.GATEHOUSE_SMTP_FROM) smtpProblems.push('GATEHOUSE_SMTP_FROM: is required when GATEHOUSE_SMTP_HOST is set');
  if (!e.GATEHOUSE_SMTP_HOST && (e.GATEHOUSE_SMTP_FROM || e.GATEHOUSE_SMTP_USER)) smtpProblems.push('GATEHOUSE_SMTP_HOST: is required when other GATEHOUSE_SMTP_ variables are set');
  if (e.GATEHOUSE_SECRET_KEY && e.GATEHOUSE_SECRET_KEY_FILE) smtpProblems.push('GATEHOUSE_SECRET_KEY and GATEHOUSE_SECRET_KEY_FILE: set one, not both');
  if (e.GATEHOUSE_SMTP_PASSWORD && e.GATEHOUSE_SMTP_PASSWORD_FILE) smtpProblems.push('GATEHOUSE_SMTP_PASSWORD and GATEHOUSE_SMTP_PASSWORD_FILE: set one, not both');
  let smtpPassword = e.GATEHOUSE_SMTP_PASSWORD;
  if (e.GATEHOUSE_SMTP_PASSWORD_FILE) {
    // A file (a container secret, say) keeps the password out of the environment, which other processes may read.
    try {
      smtpPassword = readFileSync(e.GATEHOUSE_SMTP_PASSWORD_FILE, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      smtpProblems.push(`GATEHOUSE_SMTP_PASSWORD_FILE: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if ((e.GATEHOUSE_SMTP_USER === undefined) !== (smtpPassword === undefined)) smtpProblems.push('GATEHOUSE_SMTP_USER and GATEHOUSE_SMTP_PASSWORD (or _FILE): set both or neither');
  if (smtpProblems.length > 0) throw new ConfigError(smtpProblems);
  const defaultHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST;
  const publicUrl = (e.GATEHOUSE_URL ?? `http://${defaultHost}:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    accountId: e.GATEHOUSE_ACCOUNT_ID,
    apiToken: e.GATEHOUSE_API_TOKEN,
    clockSkewMs: e.GATEHOUSE_CLOCK_SKEW_SECONDS * 1000,
    trustedProxies: e.GATEHOUSE_TRUSTED_PROXIES,
    smtp: e.GATEHOUSE_SMTP_HOST
      ? {
          host: e.GATEHOUSE_SMTP_HOST,
          port: e.GATEHOUSE_SMTP_PORT ?? (e.GATEHOUSE_SMTP_TLS === 'tls' ? 465 : 587),
          from: e.GATEHOUSE_SMTP_FROM!,
          tls: e.GATEHOUSE_SMTP_TLS,
          ...(e.GATEHOUSE_SMTP_USER ? { user: e.GATEHOUSE_SMTP_USER, password: smtpPassword! } : {}),
        }
      : undefined,
    secretKey: { value: e.GATEHOUSE_SECRET_KEY, file: e.GATEHOUSE_SECRET_KEY_FILE ?? './data/secret.key', fileIsDefault: e.GATEHOUSE_SECRET_KEY_FILE === undefined },
    metricsToken: e.GATEHOUSE_METRICS_TOKEN,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
  };
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}
