import type { ConnectorState } from '../connectors/connector.js';

/** Login transactions stay this long; an unfinished sign-in must be started again after it. */
export const TRANSACTION_TTL_MS = 10 * 60_000;

/** An SSO request from a SaaS app waiting for the user to sign in. */
export interface SsoTransaction {
  appId: string;
  /** AuthnRequest ID; absent for IdP-initiated. */
  requestId?: string;
  relayState?: string;
  binding: string;
}

/** An upstream login in progress; its id is the OIDC state / SAML RelayState. */
export interface UpstreamTransaction {
  idpId: string;
  connectorState: ConnectorState;
  /** The SSO transaction this login serves, if any; taken (single-use) when the login completes. */
  ssoTxId?: string;
  binding: string;
}

export const SSO_TX = 'sso';
export const UPSTREAM_TX = 'upstream';
