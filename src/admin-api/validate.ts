import type { z } from 'zod';
import { type FieldProblem, GatehouseError } from '../errors/gatehouse-error.js';

/** Parses a request body; every problem becomes one field error with a JSON pointer, and nothing is stored. */
export function validateBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields: FieldProblem[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields.push({ pointer: pointer([...issue.path, key]), message: 'unknown field' });
    } else {
      fields.push({ pointer: pointer(issue.path), message: issue.message });
    }
  }
  throw new GatehouseError('API_VALIDATION', { fields, detail: fields.map((f) => `${f.pointer}: ${f.message}`).join('; ') });
}

export function pointer(path: ReadonlyArray<PropertyKey>): string {
  return `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

/** Throws one combined validation error for problems found after schema parsing (cross-field and store checks). */
export function rejectFields(fields: FieldProblem[]): void {
  if (fields.length > 0) throw new GatehouseError('API_VALIDATION', { fields, detail: fields.map((f) => `${f.pointer}: ${f.message}`).join('; ') });
}
