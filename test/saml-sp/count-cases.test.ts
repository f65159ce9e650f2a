import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_IDS, coveredIds, totalsLine } from './harness.js';

/**
 * Coverage of catalogue sections 1 (XML-*) and 2 (SP-*) by this directory: every id must be named first in at
 * least one it() title. The per-file rejected counts are printed by each attack file; the last one to finish
 * prints the run's total (also printed here when every attack file has already reported).
 */
const CATALOGUE = '/work/shared/spec/security-catalog.md';

describe('SAML SP catalogue coverage', () => {
  it('names every catalogue id of sections 1 and 2 in an it() title', () => {
    const covered = coveredIds();
    const missing = CATALOGUE_IDS.filter((id) => !covered.has(id));
    const unknown = [...covered].filter((id) => !CATALOGUE_IDS.includes(id));
    console.log(`SAML SP catalogue ids covered: ${CATALOGUE_IDS.length - missing.length} of ${CATALOGUE_IDS.length} in sections 1-2${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
    const total = totalsLine();
    if (total) console.log(total);
    expect(missing).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it.skipIf(!existsSync(CATALOGUE))('the id list matches the catalogue file when it is present', () => {
    const text = readFileSync(CATALOGUE, 'utf8');
    const sections = text.slice(text.indexOf('## 1. XML parser layer'), text.indexOf('## 3. SAML IdP side'));
    const ids = [...new Set([...sections.matchAll(/^((?:XML|SP)-[A-Z0-9]+(?:-\d+)?) — /gm)].map((m) => m[1]!))];
    expect(ids.sort()).toEqual([...CATALOGUE_IDS].sort());
  });
});
