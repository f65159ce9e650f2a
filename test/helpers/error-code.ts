import { GatehouseError } from '../../src/errors/gatehouse-error.js';

/** The GatehouseError code fn throws: tests assert on codes, not on message text. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof GatehouseError ? e.code : `non-Gatehouse error: ${String(e)}`;
  }
  return 'no error';
}

/** The GatehouseError code a promise rejects with. */
export async function asyncCodeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof GatehouseError ? e.code : `non-Gatehouse error: ${String(e)}`;
  }
  return 'no error';
}
