import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';

describe('configFromEnv', () => {
  it('has defaults for everything: loopback, port 8000, embedded database', () => {
    expect(configFromEnv({})).toEqual({ port: 8000, host: '127.0.0.1', databaseUrl: undefined, logLevel: 'info' });
  });

  it('treats empty variables as unset', () => {
    expect(configFromEnv({ PORT: '', DATABASE_URL: '', HOST: '', LOG_LEVEL: '' })).toEqual(configFromEnv({}));
  });

  it('reads every variable', () => {
    expect(
      configFromEnv({ PORT: '9000', HOST: '0.0.0.0', DATABASE_URL: 'postgres://u:p@db:5432/aria', LOG_LEVEL: 'debug' }),
    ).toEqual({ port: 9000, host: '0.0.0.0', databaseUrl: 'postgres://u:p@db:5432/aria', logLevel: 'debug' });
  });

  it('names every bad variable at once', () => {
    expect(() => configFromEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrow(
      /PORT.*DATABASE_URL: must start with postgres:\/\/.*LOG_LEVEL/,
    );
  });
});
