import { GatehouseError } from '../../errors/gatehouse-error.js';
import type { Identity } from '../../identity/identity.js';
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/store.js';
import type { Connector, LoginFinishInput, LoginStart, LoginStartInput } from '../connector.js';
import type { OtpIdpRecord } from '../idp-record.js';

/** The proof flow/otp-service.ts stores after a correct code: a transaction of this kind, keyed by otpProofId. */
export const OTP_VERIFIED_TX = 'otp_verified';

export function otpProofId(transactionKey: string): string {
  return `${transactionKey}.verified`;
}

/**
 * One-time PIN as a Connector: the "upstream" is Gatehouse's own code pages. startLogin sends the browser there;
 * finishLogin takes (single-use) the proof the code page stored for this very login transaction.
 */
export function createOtpConnector(record: OtpIdpRecord, deps: { store: Store; clock: Clock; baseUrl: string }): Connector {
  return {
    id: record.id,
    type: 'onetimepin',

    async startLogin(input: LoginStartInput): Promise<LoginStart> {
      return { redirectUrl: new URL(`${deps.baseUrl}/cdn-cgi/access/otp?state=${encodeURIComponent(input.transactionKey)}`), state: {} };
    },

    async finishLogin(input: LoginFinishInput): Promise<Identity> {
      const proof = await deps.store.transactions.take<{ email: string }>(otpProofId(input.transactionKey), OTP_VERIFIED_TX, input.now);
      if (proof.status !== 'ok') {
        throw new GatehouseError('OTP_CODE_INVALID', { detail: `no verified One-time PIN for this sign-in (${proof.status})`, hint: 'the user should request and enter a new code' });
      }
      const { email } = proof.tx.payload;
      return {
        subject: email,
        idpId: record.id,
        idpType: 'onetimepin',
        email,
        groups: [],
        claims: {},
        authn: { issuer: deps.baseUrl, at: input.now, amr: ['otp'] },
      };
    },
  };
}
