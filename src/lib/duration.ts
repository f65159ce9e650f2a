/** Go-style durations as Cloudflare uses them ("300ms", "2h45m", "24h"). Returns milliseconds. */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0 || text.length > 64) return undefined;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? NaN);
    pos = PART.lastIndex;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}
