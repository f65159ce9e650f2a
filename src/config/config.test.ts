import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('comes up with no environment at all', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:8080',
      databaseUrl: 'sqlite:./data/gatehouse.db',
      accountId: undefined,
      apiToken: undefined,
      production: false,
    });
  });

  it('reports every problem together', () => {
    try {
      loadConfig({ PORT: 'abc', GATEHOUSE_URL: 'ftp://x', GATEHOUSE_ACCOUNT_ID: 'nope', GATEHOUSE_API_TOKEN: 'short', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'GATEHOUSE_URL', 'GATEHOUSE_ACCOUNT_ID', 'GATEHOUSE_API_TOKEN', 'DATABASE_URL']) {
        expect(problems).toContain(name);
      }
    }
  });

  it('normalises the public URL and treats empty variables as unset', () => {
    const c = loadConfig({ GATEHOUSE_URL: 'https://team.example.com/', PORT: '', HOST: '0.0.0.0' });
    expect(c.publicUrl).toBe('https://team.example.com');
    expect(c.port).toBe(8080);
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
  });
});
