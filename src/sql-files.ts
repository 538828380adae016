import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const sqlDir = fileURLToPath(new URL('../sql/', import.meta.url));

/** Reads a file under sql/, e.g. readSqlFile('functions/delete_ghost_sessions.sql'). */
export function readSqlFile(relativePath: string): Promise<string> {
  return readFile(path.join(sqlDir, relativePath), 'utf8');
}

/** Folders of routines (pg_proc holds both kinds), one `create or replace` per file named after it. */
const ROUTINE_DIRS = ['functions', 'procedures'];

/**
 * Re-applies every sql/functions/<name>.sql and sql/procedures/<name>.sql whose routine is already installed.
 *
 * A migration installs a routine from its file; the file may change later while the migration stays.
 * Running this after every `up` (Flyway's "repeatable migrations") makes an upgraded database end with
 * the same bodies as a fresh one. Routines not installed (their migration not run, or undone) are skipped.
 */
export async function refreshSqlFunctions(client: pg.ClientBase, lockId: number): Promise<string[]> {
  const files: string[] = [];
  for (const dir of ROUTINE_DIRS) {
    const names = (await readdir(path.join(sqlDir, dir))).filter((f) => f.endsWith('.sql')).sort();
    files.push(...names.map((name) => `${dir}/${name}`));
  }
  const refreshed: string[] = [];
  await client.query('begin');
  try {
    // Same lock as the migration runner: concurrent `migrate up`s must not replace a function at once.
    await client.query('select pg_advisory_xact_lock($1)', [lockId]);
    for (const file of files) {
      const name = path.basename(file, '.sql');
      const { rowCount } = await client.query(
        'select from pg_proc where proname = $1 and pronamespace = current_schema()::regnamespace',
        [name],
      );
      if (!rowCount) continue;
      await client.query(await readSqlFile(file));
      refreshed.push(name);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
  return refreshed;
}
