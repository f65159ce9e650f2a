import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * `column LIKE %text%` with the text's own `%`, `_` and `!` escaped, the same on SQLite and PostgreSQL (neither
 * has a default escape character both agree on, so one is named). Case-insensitive on request, via lower() on both
 * sides: SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
 */
export function containsText(column: string, text: string, options: { caseInsensitive?: boolean } = {}): Expression<SqlBool> {
  const escaped = text.replace(/[!%_]/g, (c) => `!${c}`);
  if (options.caseInsensitive) return sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escaped.toLowerCase()}%`} escape '!'`;
  return sql<SqlBool>`${sql.ref(column)} like ${`%${escaped}%`} escape '!'`;
}
