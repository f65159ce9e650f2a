import type { IdpRecord } from '../connectors/idp-record.js';
import type { Clock } from '../lib/clock.js';
import type { AccessPolicy, PolicyLookups } from '../policy/policy-types.js';
import { type Organization, readOrganization } from '../settings/organization.js';
import { CONFIG_VERSION_KEY, type Store } from '../store/store.js';
import type { AppRecord, AppSigningKey } from './app-record.js';

/**
 * Apps, their policies and signing keys as the SSO hot path reads them, cached per configuration version.
 * Every configuration write stores a new random config_version in the same transaction (Store.changeConfig); this
 * cache re-reads that one value at most every VERSION_CHECK_MS and drops everything when it changed. A change made
 * through this process clears the cache at once; one made through another instance is seen within VERSION_CHECK_MS.
 */
export const VERSION_CHECK_MS = 500;

export interface SsoTarget {
  app: AppRecord;
  policies: AccessPolicy[];
  /** The Access groups and lists the policies may reference (one shared snapshot per configuration version). */
  lookups: PolicyLookups;
  /** The only key responses are signed with: the app's active key (never a pending or retired one). */
  signingKey: AppSigningKey | undefined;
  /** Every published certificate (PEM), active first: what the metadata lists, so SPs can trust a pending one early. */
  certificatePems: string[];
}

export class AppDirectory {
  #version: string | undefined;
  #checkedAt = -Infinity;
  readonly #byAud = new Map<string, SsoTarget | null>();
  readonly #byId = new Map<string, SsoTarget | null>();
  #lookups: Promise<PolicyLookups> | undefined;
  #organization: Promise<Organization> | undefined;
  #idps: Promise<IdpRecord[]> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    store.onConfigChange(() => this.#clear());
  }

  async byAud(aud: string): Promise<SsoTarget | undefined> {
    await this.#fresh();
    let hit = this.#byAud.get(aud);
    if (hit === undefined) {
      const app = await this.store.apps.getByAud(aud);
      hit = app ? await this.#load(app) : null;
      if (this.#byAud.size > 10_000) this.#byAud.clear();
      this.#byAud.set(aud, hit);
    }
    return hit ?? undefined;
  }

  async byId(id: string): Promise<SsoTarget | undefined> {
    await this.#fresh();
    let hit = this.#byId.get(id);
    if (hit === undefined) {
      const app = await this.store.apps.get(id);
      hit = app ? await this.#load(app) : null;
      if (this.#byId.size > 10_000) this.#byId.clear();
      this.#byId.set(id, hit);
    }
    return hit ?? undefined;
  }

  /** Every app's policies draw on the same groups and lists; they are loaded once per configuration version. */
  lookups(): Promise<PolicyLookups> {
    this.#lookups ??= Promise.all([this.store.accessGroups.all(), this.store.accessLists.all()]).then(
      ([groups, lists]) => ({ groups, lists }),
      (e: unknown) => {
        this.#lookups = undefined;
        throw e;
      },
    );
    return this.#lookups;
  }

  /** The organization settings (session duration, login design), per configuration version like everything here. */
  async organization(): Promise<Organization> {
    await this.#fresh();
    this.#organization ??= readOrganization(this.store).catch((e: unknown) => {
      this.#organization = undefined;
      throw e;
    });
    return this.#organization;
  }

  /**
   * The login methods (with their secrets, as the connectors need them), per configuration version: every step of
   * a sign-in reads them, and they change only through Store.changeConfig.
   */
  async idps(): Promise<IdpRecord[]> {
    await this.#fresh();
    this.#idps ??= this.store.idps.list(0, 10_000).then(
      (page) => page.items,
      (e: unknown) => {
        this.#idps = undefined;
        throw e;
      },
    );
    return this.#idps;
  }

  async idp(id: string): Promise<IdpRecord | undefined> {
    return (await this.idps()).find((idp) => idp.id === id);
  }

  async #load(app: AppRecord): Promise<SsoTarget> {
    const [policies, signingKey, certificates, lookups] = await Promise.all([
      this.store.policies.listForApp(app.id),
      this.store.apps.currentSigningKey(app.id),
      this.store.apps.certificates(app.id),
      this.lookups(),
    ]);
    return { app, policies, lookups, signingKey, certificatePems: certificates.map((c) => c.certificatePem) };
  }

  async #fresh(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.#checkedAt < VERSION_CHECK_MS && now >= this.#checkedAt) return;
    const version = await this.store.settings.get(CONFIG_VERSION_KEY);
    this.#checkedAt = now;
    if (version !== this.#version) {
      this.#byAud.clear();
      this.#byId.clear();
      this.#lookups = undefined;
      this.#organization = undefined;
      this.#idps = undefined;
      this.#version = version;
    }
  }

  #clear(): void {
    this.#byAud.clear();
    this.#byId.clear();
    this.#lookups = undefined;
    this.#organization = undefined;
    this.#idps = undefined;
    this.#checkedAt = -Infinity;
  }
}
