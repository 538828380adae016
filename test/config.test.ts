import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';

describe('configFromEnv', () => {
  it('has defaults for everything: loopback, port 8000, embedded database', () => {
    expect(configFromEnv({})).toEqual({
      port: 8000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      logLevel: 'info',
      cronDatabase: undefined,
    });
  });

  it('treats empty variables as unset', () => {
    expect(configFromEnv({ PORT: '', DATABASE_URL: '', HOST: '', LOG_LEVEL: '', CRON_DATABASE: '' })).toEqual(configFromEnv({}));
  });

  it('reads every variable', () => {
    expect(
      configFromEnv({
        PORT: '9000',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db:5432/aria',
        LOG_LEVEL: 'debug',
        CRON_DATABASE: 'postgres',
      }),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/aria',
      logLevel: 'debug',
      cronDatabase: 'postgres',
    });
  });

  it('names every bad variable at once', () => {
    expect(() =>
      configFromEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', CRON_DATABASE: 'postgres://h/db' }),
    ).toThrow(/PORT.*DATABASE_URL: must start with postgres:\/\/.*LOG_LEVEL.*CRON_DATABASE: must be a database name/);
  });
});
