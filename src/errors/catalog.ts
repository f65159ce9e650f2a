/**
 * The one catalog of error codes. Each code has an HTTP status, a Cloudflare-style numeric API code and a
 * public message that is safe to show anyone. The precise reason and the admin hint travel separately on
 * GatehouseError and go only to the log (and, for admin-only surfaces such as Test, to the admin).
 */
export interface ErrorSpec {
  readonly status: number;
  readonly apiCode: number;
  readonly message: string;
}

export const ERRORS = {
  // --- admin API ---
  API_AUTH_REQUIRED: { status: 401, apiCode: 10000, message: 'Authentication error' },
  API_NOT_FOUND: { status: 404, apiCode: 7003, message: 'Could not route to this resource; the object identifier may be invalid' },
  API_ACCOUNT_NOT_FOUND: { status: 404, apiCode: 7003, message: 'Could not route to this account; the account identifier is invalid' },
  API_VALIDATION: { status: 400, apiCode: 12000, message: 'Invalid request body' },
  API_UNSUPPORTED_MEDIA_TYPE: { status: 415, apiCode: 10415, message: 'Content-Type must be application/json' },
  API_CONFLICT: { status: 409, apiCode: 12009, message: 'The object conflicts with an existing one' },
  API_BODY_TOO_LARGE: { status: 413, apiCode: 10413, message: 'Request body too large' },
  API_METHOD_NOT_ALLOWED: { status: 405, apiCode: 10405, message: 'Method not allowed' },

  // --- downstream SAML app (Gatehouse as IdP) ---
  APP_NOT_FOUND: { status: 404, apiCode: 13001, message: 'This application is not known to Gatehouse.' },
  APP_REQUEST_INVALID: { status: 400, apiCode: 13002, message: 'The application sent a sign-in request that Gatehouse cannot accept.' },
  APP_ISSUER_MISMATCH: { status: 400, apiCode: 13003, message: 'The application sent a sign-in request that Gatehouse cannot accept.' },
  APP_ACS_MISMATCH: { status: 400, apiCode: 13004, message: 'The application asked Gatehouse to send the sign-in to an address that is not registered.' },
  APP_REQUEST_TOO_LARGE: { status: 413, apiCode: 13005, message: 'The sign-in request is too large.' },
  APP_IDENTITY_UNUSABLE: { status: 400, apiCode: 13006, message: 'Your identity cannot be sent to this application.' },
  ACCESS_DENIED: { status: 403, apiCode: 13010, message: 'You do not have access to this application.' },

  // --- XML layer ---
  XML_MALFORMED: { status: 400, apiCode: 14001, message: 'The message is not well-formed XML.' },
  XML_FORBIDDEN_CONSTRUCT: { status: 400, apiCode: 14002, message: 'The message contains XML constructs that are not allowed.' },
  XML_DOCTYPE: { status: 400, apiCode: 14005, message: 'The message contains XML constructs that are not allowed.' },
  XML_PI: { status: 400, apiCode: 14006, message: 'The message contains XML constructs that are not allowed.' },
  XML_TOO_LARGE: { status: 413, apiCode: 14003, message: 'The message is too large.' },
  SAML_ENCODING: { status: 400, apiCode: 14004, message: 'The message is not correctly encoded.' },

  // --- upstream SAML login method (Gatehouse as SP). Names mirror the security catalogue's reason codes
  // (SAML_SIG_INVALID = saml.sig_invalid). The public message is deliberately the same for all of them: the
  // precise reason goes to the log and to the admin's Test page only. ---
  SAML_UNSIGNED: { status: 400, apiCode: 17001, message: 'The answer from your identity provider could not be verified.' },
  SAML_ASSERTION_UNSIGNED: { status: 400, apiCode: 17002, message: 'The answer from your identity provider could not be verified.' },
  SAML_SIG_INVALID: { status: 400, apiCode: 17003, message: 'The answer from your identity provider could not be verified.' },
  SAML_SIG_SCOPE: { status: 400, apiCode: 17004, message: 'The answer from your identity provider could not be verified.' },
  SAML_WRAPPING: { status: 400, apiCode: 17005, message: 'The answer from your identity provider could not be verified.' },
  SAML_MULTIPLE_ASSERTIONS: { status: 400, apiCode: 17006, message: 'The answer from your identity provider could not be verified.' },
  SAML_DUPLICATE_ID: { status: 400, apiCode: 17007, message: 'The answer from your identity provider could not be verified.' },
  SAML_STRUCTURE: { status: 400, apiCode: 17008, message: 'The answer from your identity provider could not be verified.' },
  SAML_ALG_NOT_ALLOWED: { status: 400, apiCode: 17009, message: 'The answer from your identity provider could not be verified.' },
  SAML_TRANSFORM_NOT_ALLOWED: { status: 400, apiCode: 17010, message: 'The answer from your identity provider could not be verified.' },
  SAML_C14N_NOT_ALLOWED: { status: 400, apiCode: 17011, message: 'The answer from your identity provider could not be verified.' },
  SAML_NO_TRUST: { status: 400, apiCode: 17012, message: 'The answer from your identity provider could not be verified.' },
  SAML_STATUS: { status: 400, apiCode: 17013, message: 'Your identity provider reported that the sign-in did not succeed.' },
  SAML_ISSUER: { status: 400, apiCode: 17014, message: 'The answer from your identity provider could not be verified.' },
  SAML_AUDIENCE: { status: 400, apiCode: 17015, message: 'The answer from your identity provider could not be verified.' },
  SAML_DESTINATION: { status: 400, apiCode: 17016, message: 'The answer from your identity provider could not be verified.' },
  SAML_RECIPIENT: { status: 400, apiCode: 17017, message: 'The answer from your identity provider could not be verified.' },
  SAML_IN_RESPONSE_TO: { status: 400, apiCode: 17018, message: 'The answer from your identity provider could not be verified.' },
  SAML_UNSOLICITED: { status: 400, apiCode: 17019, message: 'The answer from your identity provider could not be verified.' },
  SAML_EXPIRED: { status: 400, apiCode: 17020, message: 'The answer from your identity provider could not be verified.' },
  SAML_NOT_YET_VALID: { status: 400, apiCode: 17021, message: 'The answer from your identity provider could not be verified.' },
  SAML_BAD_TIME: { status: 400, apiCode: 17022, message: 'The answer from your identity provider could not be verified.' },
  SAML_REPLAY: { status: 400, apiCode: 17023, message: 'The answer from your identity provider could not be verified.' },
  SAML_SUBJECT_CONFIRMATION: { status: 400, apiCode: 17024, message: 'The answer from your identity provider could not be verified.' },
  SAML_NAMEID_FORMAT: { status: 400, apiCode: 17025, message: 'The answer from your identity provider could not be verified.' },
  SAML_ENCRYPTION_NOT_ENABLED: { status: 400, apiCode: 17026, message: 'The answer from your identity provider could not be verified.' },
  SAML_BINDING: { status: 400, apiCode: 17027, message: 'The answer from your identity provider was not delivered the way Gatehouse expects.' },
  SAML_TOO_LARGE: { status: 413, apiCode: 17028, message: 'The message is too large.' },

  // --- login flow and upstream login methods ---
  FLOW_NOT_FOUND: { status: 400, apiCode: 15001, message: 'This sign-in link is no longer valid. Please start again from your application.' },
  FLOW_EXPIRED: { status: 400, apiCode: 15002, message: 'This sign-in took too long and has expired. Please start again from your application.' },
  FLOW_BROWSER_MISMATCH: { status: 400, apiCode: 15003, message: 'This sign-in was started in another browser. Please start again from your application.' },
  CONNECTOR_NOT_ALLOWED: { status: 400, apiCode: 15004, message: 'This login method cannot be used for this application.' },
  CONNECTOR_NOT_FOUND: { status: 404, apiCode: 15005, message: 'This login method does not exist.' },
  CONNECTOR_CONFIG_INVALID: { status: 500, apiCode: 15006, message: 'This login method is not configured correctly. Your administrator has been told why.' },
  CONNECTOR_UPSTREAM_ERROR: { status: 502, apiCode: 15007, message: 'Your identity provider reported an error.' },
  CONNECTOR_UNREACHABLE: { status: 502, apiCode: 15008, message: 'Your identity provider could not be reached.' },
  CONNECTOR_STATE_INVALID: { status: 400, apiCode: 15009, message: 'The answer from your identity provider does not belong to a sign-in started here.' },
  CONNECTOR_TOKEN_INVALID: { status: 400, apiCode: 15010, message: 'The answer from your identity provider could not be verified.' },
  CONNECTOR_SIGNATURE_INVALID: { status: 400, apiCode: 15011, message: 'The answer from your identity provider could not be verified.' },
  IDENTITY_EMAIL_MISSING: { status: 400, apiCode: 15012, message: 'Your identity provider did not tell Gatehouse your email address.' },
  IDENTITY_EMAIL_UNVERIFIED: { status: 400, apiCode: 15013, message: 'Your identity provider has not verified your email address.' },

  // --- One-time PIN ---
  OTP_CODE_INVALID: { status: 400, apiCode: 15020, message: 'That code is not valid. Check the latest email, or ask for a new code.' },
  OTP_DELIVERY_FAILED: { status: 502, apiCode: 15021, message: 'Gatehouse could not send the code. Please try again later.' },

  // --- dashboard ---
  DASHBOARD_FORM_REFUSED: { status: 403, apiCode: 16010, message: 'This form could not be accepted. Reload the page and try again.' },

  // --- session ---
  SESSION_INVALID: { status: 401, apiCode: 16001, message: 'You are not signed in.' },

  // --- generic ---
  RATE_LIMITED: { status: 429, apiCode: 10429, message: 'Too many requests. Please wait and try again.' },
  NOT_FOUND: { status: 404, apiCode: 7003, message: 'Not found.' },
  INTERNAL: { status: 500, apiCode: 10500, message: 'Something went wrong inside Gatehouse. Your administrator has been told.' },
  STORE_UNAVAILABLE: { status: 503, apiCode: 10503, message: 'Gatehouse cannot reach its database right now. Please try again shortly.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;
