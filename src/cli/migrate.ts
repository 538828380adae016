// `npm run migrate -- up [N]` / `npm run migrate -- down [N]` against MIGRATION_DATABASE_URL or DATABASE_URL.
import { migrateConfigFromEnv } from '../config.ts';
import { messageWithHint } from '../db/pool.ts';
import { migrate } from '../schema/migrate.ts';

const usage = 'usage: npm run migrate -- up [count] | down [count]   (DATABASE_URL=postgres://user:pass@host:port/db)';

async function main(args: string[]) {
  const [direction, countArg, ...rest] = args;
  if ((direction !== 'up' && direction !== 'down') || rest.length || (countArg && !/^[1-9]\d*$/.test(countArg))) {
    throw new Error(usage);
  }
  const { databaseUrl, cronDatabase, tables } = migrateConfigFromEnv(process.env);
  if (!databaseUrl) throw new Error(`DATABASE_URL is not set.\n${usage}`);
  await migrate({
    databaseUrl,
    direction,
    count: countArg ? Number(countArg) : undefined,
    cronDatabase,
    tables,
    log: (message) => console.log(message),
  });
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`migrate failed: ${messageWithHint(error)}`);
  process.exitCode = 1;
});
