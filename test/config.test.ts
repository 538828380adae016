import { describe, expect, it } from 'vitest';
import { configFromEnv, migrateConfigFromEnv } from '../src/config.ts';

describe('configFromEnv', () => {
  it('has defaults for everything: loopback, port 8000, embedded database', () => {
    expect(configFromEnv({})).toEqual({
      port: 8000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      migrationDatabaseUrl: undefined,
      logLevel: 'info',
      apiTokens: [],
      dataDir: undefined,
      cronDatabase: undefined,
      tables: { sessions: undefined, messages: undefined, archiveSessions: undefined, archiveMessages: undefined },
      maxBodyBytes: 1024 * 1024,
    });
  });

  it('treats empty variables as unset', () => {
    expect(
      configFromEnv({
        PORT: '',
        HOST: '',
        DATABASE_URL: '',
        MIGRATION_DATABASE_URL: '',
        LOG_LEVEL: '',
        API_TOKEN: '',
        DATA_DIR: '',
        CRON_DATABASE: '',
        SESSIONS_TABLE: '',
        MAX_BODY_BYTES: '',
      }),
    ).toEqual(configFromEnv({}));
  });

  it('reads every variable', () => {
    expect(
      configFromEnv({
        PORT: '9000',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db:5432/aria',
        MIGRATION_DATABASE_URL: 'postgres://owner:p@db:5432/aria',
        LOG_LEVEL: 'debug',
        API_TOKEN: 'new-token-0123456789, old-token-0123456789',
        DATA_DIR: '/var/lib/sweeper',
        CRON_DATABASE: 'postgres',
        SESSIONS_TABLE: 'aria_engine.chat_sessions',
        MESSAGES_TABLE: 'aria_engine.chat_messages',
        ARCHIVE_SESSIONS_TABLE: 'aria_engine.chat_sessions_archive',
        ARCHIVE_MESSAGES_TABLE: 'aria_engine.chat_messages_archive',
        MAX_BODY_BYTES: '65536',
      }),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/aria',
      migrationDatabaseUrl: 'postgres://owner:p@db:5432/aria',
      logLevel: 'debug',
      apiTokens: ['new-token-0123456789', 'old-token-0123456789'],
      dataDir: '/var/lib/sweeper',
      cronDatabase: 'postgres',
      tables: {
        sessions: 'aria_engine.chat_sessions',
        messages: 'aria_engine.chat_messages',
        archiveSessions: 'aria_engine.chat_sessions_archive',
        archiveMessages: 'aria_engine.chat_messages_archive',
      },
      maxBodyBytes: 65536,
    });
  });

  it('names every bad variable at once', () => {
    expect(() =>
      configFromEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', CRON_DATABASE: 'postgres://h/db' }),
    ).toThrow(/DATABASE_URL: must start with postgres:\/\/.*CRON_DATABASE: must be a database name.*PORT.*LOG_LEVEL/);
    expect(() => configFromEnv({ SESSIONS_TABLE: 'chat_sessions; drop table x' })).toThrow(
      /SESSIONS_TABLE: must be a table name/,
    );
  });

  it('takes MAX_BODY_BYTES as a whole number of bytes, at least 1', () => {
    for (const value of ['0', '-1', '1.5', '1MB']) {
      expect(() => configFromEnv({ MAX_BODY_BYTES: value })).toThrow(/MAX_BODY_BYTES/);
    }
  });

  it('refuses to serve beyond loopback without API_TOKEN, saying why', () => {
    expect(() => configFromEnv({ HOST: '0.0.0.0' })).toThrow(/API_TOKEN: must be set when HOST is not a loopback/);
    expect(() => configFromEnv({ HOST: '::', API_TOKEN: ' , ' })).toThrow(/API_TOKEN: must be set/);
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
      expect(configFromEnv({ HOST: host }).apiTokens).toEqual([]);
    }
  });

  it('serves beyond loopback without a token only when told so explicitly (a container published on 127.0.0.1)', () => {
    expect(() => configFromEnv({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_API: 'false' })).toThrow(
      /API_TOKEN: must be set/,
    );
    expect(() => configFromEnv({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_API: 'yes' })).toThrow(
      /ALLOW_UNAUTHENTICATED_API/,
    );
    expect(configFromEnv({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_API: 'true' })).toMatchObject({
      host: '0.0.0.0',
      apiTokens: [],
    });
  });

  it('reads only the database settings for `npm run migrate`, whatever the serving settings', () => {
    expect(
      migrateConfigFromEnv({ HOST: '0.0.0.0', PORT: 'not-a-port', DATABASE_URL: 'postgres://app@db/aria' }),
    ).toEqual({
      databaseUrl: 'postgres://app@db/aria',
      cronDatabase: undefined,
      tables: { sessions: undefined, messages: undefined, archiveSessions: undefined, archiveMessages: undefined },
    });
    expect(
      migrateConfigFromEnv({
        DATABASE_URL: 'postgres://app@db/aria',
        MIGRATION_DATABASE_URL: 'postgres://owner@db/aria',
        CRON_DATABASE: 'postgres',
        SESSIONS_TABLE: 'aria_engine.chat_sessions',
        MAX_BODY_BYTES: '65536',
      }),
    ).toMatchObject({
      databaseUrl: 'postgres://owner@db/aria',
      cronDatabase: 'postgres',
      tables: { sessions: 'aria_engine.chat_sessions' },
    });
    expect(() => migrateConfigFromEnv({ DATABASE_URL: 'mysql://db' })).toThrow(
      /DATABASE_URL: must start with postgres/,
    );
  });

  it('migrates with MIGRATION_DATABASE_URL only beside DATABASE_URL', () => {
    expect(() => configFromEnv({ MIGRATION_DATABASE_URL: 'postgres://owner@db/aria' })).toThrow(
      /MIGRATION_DATABASE_URL: needs DATABASE_URL/,
    );
  });

  it('refuses short tokens', () => {
    expect(() => configFromEnv({ API_TOKEN: 'long-enough-token-123,short' })).toThrow(
      /API_TOKEN.*at least 16 characters/,
    );
  });
});
