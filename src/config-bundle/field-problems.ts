import { type FieldProblem, GatehouseError } from '../errors/gatehouse-error.js';

/**
 * Runs one of the admin API's validators (validateBody, parseIdp, buildSamlIdpConfig, …) on an object of the bundle
 * and moves its field problems under `base`, the object's JSON pointer in the bundle, so every problem of every object
 * is reported with its full path. Returns undefined when the object was refused.
 */
export function collect<T>(base: string, problems: FieldProblem[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    problems.push(...asProblems(base, e));
    return undefined;
  }
}

export async function collectAsync<T>(base: string, problems: FieldProblem[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    problems.push(...asProblems(base, e));
    return undefined;
  }
}

/** Problems reported relative to an object, moved under its pointer in the bundle. */
export function under(base: string, problems: readonly FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({ pointer: `${base}${p.pointer === '/' ? '' : p.pointer}`, message: p.message }));
}

function asProblems(base: string, e: unknown): FieldProblem[] {
  if (e instanceof GatehouseError && e.fields.length > 0) return under(base, e.fields);
  if (e instanceof GatehouseError && e.code === 'API_VALIDATION') return [{ pointer: base, message: e.detail ?? e.publicMessage }];
  throw e;
}

/** A timestamp of an exported object (ISO 8601), or undefined when absent or not a time. */
export function parseTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
