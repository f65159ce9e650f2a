import { Pool } from 'undici';

export interface LoadResult {
  ok: number;
  errors: number;
  seconds: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A closed-loop load generator over loopback HTTP: `concurrency` workers, each sending its next request as soon as
 * the previous answer has been read in full. Bounded in time; it stops by itself.
 */
export async function runLoad(input: {
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  concurrency: number;
  durationMs: number;
  check: (status: number, body: string) => boolean;
}): Promise<LoadResult> {
  const pool = new Pool(input.origin, { connections: input.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + input.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const path = input.paths[next++ % input.paths.length]!;
      const t = performance.now();
      try {
        const res = await pool.request({ path, method: 'GET', headers: input.headers });
        const body = await res.body.text();
        if (input.check(res.statusCode, body)) ok++;
        else errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { ok, errors, seconds, perSec: ok / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}
