import type { Identity } from '../identity/identity.js';

/** JSON-serialisable state a connector needs back at the callback; the flow stores it in the login transaction. */
export type ConnectorState = Record<string, string | undefined>;

export interface LoginStartInput {
  /**
   * Random, single-use key of the login transaction (>= 256 bits). It travels through the upstream as OIDC `state`
   * (or SAML RelayState) so the callback can find the transaction.
   */
  transactionKey: string;
  /** Gatehouse's callback URL: GATEHOUSE_URL/cdn-cgi/access/callback. */
  callbackUrl: string;
  forceAuthn?: boolean;
  loginHint?: string;
}

export interface LoginStart {
  /** Where to send the browser to authenticate upstream. */
  redirectUrl: URL;
  /** Stored with the transaction and handed back to finishLogin. */
  state: ConnectorState;
}

export interface LoginFinishInput {
  callbackUrl: string;
  /** The callback's parameters: the query string for GET, the form body for POST. */
  params: URLSearchParams;
  /** The transaction key the flow found the transaction by. */
  transactionKey: string;
  state: ConnectorState;
  now: Date;
}

/**
 * An upstream identity provider as configured ("login method"). A connector never sees the downstream app.
 * finishLogin verifies everything (state, nonce, signature, issuer, audience, time) or throws a GatehouseError.
 */
export interface Connector {
  readonly id: string;
  readonly type: string;
  startLogin(input: LoginStartInput): Promise<LoginStart>;
  finishLogin(input: LoginFinishInput): Promise<Identity>;
}
