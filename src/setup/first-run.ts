import { timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../app-context.js';
import type { IdpRecord } from '../connectors/idp-record.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { EMAIL } from '../identity/email.js';
import { randomToken, uuid } from '../lib/random.js';
import type { AccessPolicy } from '../policy/policy-types.js';
import { SETUP_TOKEN_SETTING } from '../secrets/secret-contexts.js';
import type { Store } from '../store/store.js';

/** settings key: the reusable policy that admits administrators to the dashboard (editable like any other). */
export const ADMIN_POLICY_KEY = 'admin_policy_id';
const SETUP_TOKEN_KEY = SETUP_TOKEN_SETTING;
const SETUP_TTL_MS = 24 * 3600_000;

/**
 * On a database that has no administrators yet, a one-time setup link is printed at start. Its token is stored only
 * as a hash, expires in 24 h, is replaced by the next start's, and is deleted when used.
 */
export async function issueSetupToken(store: Store, now: Date): Promise<string | undefined> {
  if (await store.settings.get(ADMIN_POLICY_KEY)) return undefined;
  const token = randomToken(24);
  await store.settings.set(SETUP_TOKEN_KEY, JSON.stringify({ hash: store.secrets.tokenHash(token), expiresAt: now.getTime() + SETUP_TTL_MS }));
  return token;
}

export class FirstRun {
  constructor(private readonly ctx: AppContext) {}

  /** Throws unless `token` is the current, unexpired setup token and setup is not done. */
  async check(token: string | undefined): Promise<void> {
    const stored = await this.ctx.store.settings.get(SETUP_TOKEN_KEY);
    const parsed = stored ? (JSON.parse(stored) as { hash: string; expiresAt: number }) : undefined;
    const given = Buffer.from(this.ctx.store.secrets.tokenHash(token ?? ''));
    const ok = parsed !== undefined && parsed.expiresAt > this.ctx.clock.now().getTime() && timingSafeEqual(given, Buffer.from(parsed.hash)) && !(await this.ctx.store.settings.get(ADMIN_POLICY_KEY));
    if (!ok) {
      throw new GatehouseError('FLOW_NOT_FOUND', { detail: 'setup link unknown, used or expired (setup may already be done)', hint: 'restart Gatehouse for a new link if no administrator exists yet' });
    }
  }

  /**
   * Names the first administrators: a reusable "Gatehouse administrators" policy (allow, those emails) guards the
   * dashboard, and a One-time PIN login method is created when there is none, so the first sign-in works before any
   * identity provider exists. All in one configuration transaction; the token is used up by it.
   */
  async complete(token: string | undefined, rawEmails: string): Promise<{ emails: string[] }> {
    await this.check(token);
    const emails = [...new Set(rawEmails.split(/[\s,;]+/).map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))];
    const bad = emails.filter((e) => e.length > 254 || !EMAIL.test(e));
    if (emails.length === 0 || bad.length > 0 || emails.length > 50) {
      throw new GatehouseError('API_VALIDATION', { detail: emails.length === 0 ? 'no administrator email given' : `not email addresses: ${bad.join(', ').slice(0, 200)}`, fields: [{ pointer: '/emails', message: 'enter one to 50 email addresses' }] });
    }
    const now = this.ctx.clock.now();
    await this.ctx.store.changeConfig(async (tx) => {
      const policy: AccessPolicy = {
        id: uuid(),
        appId: null,
        name: 'Gatehouse administrators',
        decision: 'allow',
        precedence: 0,
        include: emails.map((email) => ({ email: { email } })),
        exclude: [],
        require: [],
        createdAt: now,
        updatedAt: now,
      };
      await tx.policies.insert(policy);
      // setIfAbsent: two browsers finishing setup at once cannot both become the admin policy.
      if ((await tx.settings.setIfAbsent(ADMIN_POLICY_KEY, policy.id)) !== policy.id) {
        throw new GatehouseError('FLOW_NOT_FOUND', { detail: 'setup was completed concurrently' });
      }
      const idps = (await tx.idps.list(0, 10_000)).items;
      if (!idps.some((i) => i.type === 'onetimepin')) {
        const otp: IdpRecord = { id: uuid(), name: 'One-time PIN', type: 'onetimepin', config: {}, createdAt: now, updatedAt: now };
        await tx.idps.insert(otp);
      }
      await tx.settings.set(SETUP_TOKEN_KEY, '');
    });
    this.ctx.logger.warn({ event: 'setup.completed', admins: emails }, 'first administrators named');
    return { emails };
  }
}
