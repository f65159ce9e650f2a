import { describe, it } from 'vitest';
import { ALICE, newId } from '../helpers/saml-test-idp.js';
import { dialectCases } from '../helpers/test-databases.js';
import { useSamlSp } from './harness.js';

/** SP-PROTO-08 on PostgreSQL: the replay cache is the shared store, not process memory. */
const pg = (await dialectCases()).find((d) => d.name === 'postgres')!;

describe.skipIf(!pg.available)('catalogue SP-PROTO-08 replay cache on PostgreSQL', () => {
  const sp = useSamlSp(import.meta.url, { dialect: 'postgres' });

  it('SP-PROTO-08 (PostgreSQL) same Assertion ID re-issued for a fresh REQ id is a replay', async () => {
    const assertionId = newId('_a_replay_pg');
    const first = await sp.attempt((c) => c.G0({ assertionId }));
    await sp.expectAccepted(first, ALICE);
    const o = await sp.attempt((c) => c.G0({ assertionId }));
    await sp.expectRejected(o, ['SAML_REPLAY']);
  });
});
