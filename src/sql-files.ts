import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const sqlDir = fileURLToPath(new URL('../sql/', import.meta.url));

/** Reads a file under sql/, e.g. readSqlFile('functions/delete_ghost_sessions.sql'). */
export function readSqlFile(relativePath: string): Promise<string> {
  return readFile(path.join(sqlDir, relativePath), 'utf8');
}

const installedRoutine = 'select from pg_proc where proname = $1 and pronamespace = current_schema()::regnamespace';
/**
 * Folders whose files are re-applied after every `up`, in this order (views may use functions), and how to
 * tell whether a file's object (named after the file) is installed.
 */
const REPEATABLE = [
  { folder: 'functions', installed: installedRoutine },
  { folder: 'procedures', installed: installedRoutine },
  {
    folder: 'views',
    installed: "select from pg_class where relname = $1 and relkind = 'v' and relnamespace = current_schema()::regnamespace",
  },
];

/**
 * Re-applies every sql/{functions,procedures,views}/<name>.sql whose object is already installed.
 *
 * A migration installs an object from its file; the file may change later while the migration stays.
 * Running this after every `up` (Flyway's "repeatable migrations") makes an upgraded database end with
 * the same bodies as a fresh one. Objects not installed (their migration not run, or undone) are skipped.
 */
export async function refreshSqlObjects(client: pg.ClientBase, lockId: number): Promise<string[]> {
  const refreshed: string[] = [];
  await client.query('begin');
  try {
    // Same lock as the migration runner: concurrent `migrate up`s must not replace an object at once.
    await client.query('select pg_advisory_xact_lock($1)', [lockId]);
    for (const { folder, installed } of REPEATABLE) {
      const files = (await readdir(path.join(sqlDir, folder))).filter((f) => f.endsWith('.sql')).sort();
      for (const file of files) {
        const name = path.basename(file, '.sql');
        const { rowCount } = await client.query(installed, [name]);
        if (!rowCount) continue;
        await client.query(await readSqlFile(`${folder}/${file}`));
        refreshed.push(name);
      }
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
  return refreshed;
}
