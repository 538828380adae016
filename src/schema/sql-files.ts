import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const sqlDir = fileURLToPath(new URL('../../sql/', import.meta.url));

/** Reads a file under sql/, e.g. readSqlFile('functions/delete_ghost_sessions.sql'). */
export function readSqlFile(relativePath: string): Promise<string> {
  return readFile(path.join(sqlDir, relativePath), 'utf8');
}

/** Folders of repeatable files, one object each (named after the file), in install order: views use routines. */
const REPEATABLE_FOLDERS = ['functions', 'procedures', 'views'];

/** Every file of sql/{functions,procedures,views}, e.g. 'functions/delete_ghost_sessions.sql', in install order. */
export async function sqlObjectFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const folder of REPEATABLE_FOLDERS) {
    const names = (await readdir(path.join(sqlDir, folder))).filter((f) => f.endsWith('.sql')).sort();
    files.push(...names.map((name) => `${folder}/${name}`));
  }
  return files;
}

const installed = `
  select from pg_proc where proname = $1 and pronamespace = 'session_sweeper'::regnamespace
  union all
  select from pg_class where relname = $1 and relkind = 'v' and relnamespace = 'session_sweeper'::regnamespace`;

/**
 * Re-applies every sql/{functions,procedures,views}/<name>.sql whose object is already installed in schema
 * session_sweeper.
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
    await client.query('set local check_function_bodies = off');
    const { rows } = await client.query(`select to_regnamespace('session_sweeper') is not null as present`);
    for (const file of rows[0].present ? await sqlObjectFiles() : []) {
      const name = path.basename(file, '.sql');
      const { rowCount } = await client.query(installed, [name]);
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
