import type { Store } from '../store/store.js';
import type { AccessLogEntry } from './access-log.js';

const MAX_BATCH = 500;

/**
 * Group commit for log entries that are an outcome of their own (a sign-on answered from a live session): entries
 * arriving while a write is in flight are written together in the next single statement, and each caller's
 * promise settles only when its entry is stored. So nothing is answered before its entry is durable, and under
 * load one insert serves many sign-ons instead of one each.
 */
export class AccessLogWriter {
  #pending: Array<{ entry: AccessLogEntry; resolve: () => void; reject: (e: unknown) => void }> = [];
  #flushing = false;

  constructor(private readonly store: Store) {}

  record(entry: AccessLogEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
      // setImmediate, not now: the requests of one event-loop turn (each arrives in its own I/O callback) then
      // share a single insert, even on SQLite where a write completes without yielding.
      if (!this.#flushing && this.#pending.length === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          await this.store.accessLogs.insertMany(batch.map((b) => b.entry));
          for (const b of batch) b.resolve();
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}
