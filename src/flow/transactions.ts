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
  /**
   * Or the SSO request itself, when the app's only login method was started straight from the SSO endpoint: it is
   * used up together with this transaction, so it needs no transaction of its own.
   */
  sso?: SsoTransaction;
  binding: string;
  /** An admin's Test of this login method: the callback shows the result and signs no one in. */
  test?: boolean;
  /** For a sign-in without an app: which Gatehouse page to land on (default the App Launcher). */
  next?: ReturnTarget;
}

/** The pages a sign-in without an app may return to. A fixed set: nothing from the request becomes a redirect. */
export type ReturnTarget = 'dashboard';

/** A single-use link to Test a login method, minted through the admin API (the admin's token is the gate). */
export interface IdpTestTicket {
  idpId: string;
}

/** Test links are short-lived: they stand in for an admin's token for one login. */
export const TEST_TICKET_TTL_MS = 5 * 60_000;
export const IDP_TEST_TX = 'idp_test';
export const SSO_TX = 'sso';
export const UPSTREAM_TX = 'upstream';
