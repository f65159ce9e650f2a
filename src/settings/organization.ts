import type { Store } from '../store/store.js';

/** Cloudflare's Zero Trust organization settings, as far as Gatehouse uses them. */
export interface Organization {
  name: string;
  /** Global session length (Go duration), used when neither policy nor app sets one. */
  sessionDuration: string;
  autoRedirectToIdentity: boolean;
  loginDesign: LoginDesign;
  updatedAt?: Date;
}

export interface LoginDesign {
  /** #rgb or #rrggbb. */
  backgroundColor?: string;
  textColor?: string;
  /** https URL of a logo image. */
  logoPath?: string;
  headerText?: string;
  footerText?: string;
}

const KEY = 'organization';

export const DEFAULT_ORGANIZATION: Organization = { name: 'Gatehouse', sessionDuration: '24h', autoRedirectToIdentity: false, loginDesign: {} };

export async function readOrganization(store: Store): Promise<Organization> {
  const raw = await store.settings.get(KEY);
  if (!raw) return DEFAULT_ORGANIZATION;
  const parsed = JSON.parse(raw) as Organization & { updatedAt?: string };
  return { ...DEFAULT_ORGANIZATION, ...parsed, ...(parsed.updatedAt ? { updatedAt: new Date(parsed.updatedAt) } : {}) };
}

/** Writes through changeConfig so every instance's caches (AppDirectory) pick it up. */
export async function writeOrganization(store: Store, org: Organization): Promise<void> {
  await store.changeConfig((tx) => tx.settings.set(KEY, JSON.stringify(org)));
}
