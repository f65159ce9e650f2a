import { uuidField } from '../admin-api/url-field.js';
import type { FieldProblem } from '../errors/gatehouse-error.js';
import { uuid } from '../lib/random.js';

export interface IdCandidate {
  /** The id the file gives, if any. */
  id: unknown;
  name: string;
  /** The object's JSON pointer in the bundle. */
  base: string;
}

/**
 * The id each object of one kind ends up with: the id the file gives; else the id of the one existing object of that
 * name (not claimed by another entry of the file); else a new one. Two entries with one id, an id that is not a
 * UUID, or a name that several existing objects share are problems.
 */
export function resolveIds(kind: string, entries: readonly IdCandidate[], existing: ReadonlyArray<{ id: string; name: string }>, problems: FieldProblem[]): string[] {
  const given = new Map<string, number>();
  const ids: Array<string | undefined> = entries.map((e, i) => {
    if (e.id === undefined || e.id === null) return undefined;
    const parsed = uuidField.safeParse(e.id);
    if (!parsed.success) {
      problems.push({ pointer: `${e.base}/id`, message: 'must be a UUID (or left out: then the object is matched by name)' });
      return uuid();
    }
    const first = given.get(parsed.data);
    if (first !== undefined) problems.push({ pointer: `${e.base}/id`, message: `${kind} id ${parsed.data} is already used by ${entries[first]!.base}` });
    given.set(parsed.data, i);
    return parsed.data;
  });
  const claimed = new Set(given.keys());
  return entries.map((e, i) => {
    const known = ids[i];
    if (known !== undefined) return known;
    const matches = existing.filter((x) => x.name === e.name && !claimed.has(x.id));
    if (matches.length > 1) {
      problems.push({ pointer: `${e.base}/name`, message: `${matches.length} existing ${kind}s are named "${e.name}": give the id of the one meant` });
      return uuid();
    }
    const id = matches[0]?.id ?? uuid();
    claimed.add(id);
    return id;
  });
}
