import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/helpers/test-databases.js';
import { type AccessLogEntry, accessLogId } from './access-log.js';
import { AccessLogWriter } from './access-log-writer.js';

const entry = (i: number): AccessLogEntry => ({
  id: accessLogId(new Date(1_800_000_000_000)),
  rayId: `ray${i}`,
  createdAt: new Date(1_800_000_000_000),
  userEmail: `user${i}@example.com`,
  ipAddress: '192.0.2.1',
  action: 'sso',
  allowed: true,
  reasons: ['email-ok'],
});

for (const dialect of await dialectCases()) {
  describe.skipIf(!dialect.available)(`AccessLogWriter on ${dialect.name}`, () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await dialect.create();
    });
    afterAll(async () => {
      await tdb.close();
    });

    it('stores every entry of a burst before settling each caller, in fewer statements than entries', async () => {
      const writer = new AccessLogWriter(tdb.store);
      let statements = 0;
      const insertMany = tdb.store.accessLogs.insertMany.bind(tdb.store.accessLogs);
      tdb.store.accessLogs.insertMany = async (entries) => {
        statements++;
        return insertMany(entries);
      };
      await Promise.all(Array.from({ length: 60 }, (_, i) => writer.record(entry(i))));
      const stored = await tdb.store.accessLogs.query({ limit: 1000, offset: 0, direction: 'asc' });
      expect(stored.map((e) => e.rayId)).toEqual(Array.from({ length: 60 }, (_, i) => `ray${i}`));
      expect(statements).toBeGreaterThan(0);
      expect(statements).toBeLessThan(60);
    });

    it('rejects the callers of a batch that could not be stored', async () => {
      const failing = new AccessLogWriter({ accessLogs: { insertMany: async () => Promise.reject(new Error('disk full')) } } as never);
      await expect(failing.record(entry(1))).rejects.toThrow('disk full');
    });
  });
}
