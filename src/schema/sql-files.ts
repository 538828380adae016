import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const sqlDir = fileURLToPath(new URL('../../sql/', import.meta.url));

/** Reads a file under sql/, e.g. readSqlFile('checks/require_pg_cron.sql'). */
export function readSqlFile(relativePath: string): Promise<string> {
  return readFile(path.join(sqlDir, relativePath), 'utf8');
}

/**
 * The repeatable files, one object each (named after the file), applied in this folder order: constants are read
 * by other routines' argument defaults, views use routines, the trigger uses its function. Within a folder the
 * order does not matter: routines are installed with check_function_bodies off, as their bodies refer to each
 * other. cron/ reads cron.job: only where pg_cron runs.
 */
const REPEATABLE_FOLDERS = ['constants', 'functions', 'procedures', 'views', 'triggers', 'cron'] as const;

/** Every repeatable file, e.g. 'functions/delete_ghost_sessions.sql', in install order. */
export async function repeatableFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const folder of REPEATABLE_FOLDERS) {
    const names = (await readdir(path.join(sqlDir, folder))).filter((f) => f.endsWith('.sql')).sort();
    files.push(...names.map((name) => `${folder}/${name}`));
  }
  return files;
}

/** The sha256 by which session_sweeper.sql_file_checksums knows what was last applied. */
export const checksumOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** Whether `entry` was last applied with this checksum. */
export async function isApplied(client: pg.ClientBase, entry: string, checksum: string): Promise<boolean> {
  const { rowCount } = await client.query(
    'select from session_sweeper.sql_file_checksums where file = $1 and checksum = $2',
    [entry, checksum],
  );
  return Boolean(rowCount);
}

/** Records that `entry` was applied with this checksum. */
export async function recordApplied(client: pg.ClientBase, entry: string, checksum: string): Promise<void> {
  await client.query(
    `insert into session_sweeper.sql_file_checksums (file, checksum) values ($1, $2)
     on conflict (file) do update set checksum = excluded.checksum, applied_at = now()`,
    [entry, checksum],
  );
}

/**
 * Applies every repeatable file whose text changed since it was last applied here (Flyway's repeatable
 * migrations): the migrations stay frozen, the bodies of routines and views evolve in their files, and an
 * upgraded database ends with the same objects as a fresh one. Runs inside the caller's transaction.
 */
export async function applyRepeatableFiles(
  client: pg.ClientBase,
  { cronHere }: { cronHere: boolean },
): Promise<string[]> {
  const { rows } = await client.query<{ file: string; checksum: string }>(
    'select file, checksum from session_sweeper.sql_file_checksums',
  );
  const applied = new Map(rows.map((row) => [row.file, row.checksum]));
  const changed: string[] = [];
  await client.query('set local check_function_bodies = off');
  for (const file of await repeatableFiles()) {
    if (file.startsWith('cron/') && !cronHere) continue;
    const text = await readSqlFile(file);
    const checksum = checksumOf(text);
    if (applied.get(file) === checksum) continue;
    await client.query(text);
    await recordApplied(client, file, checksum);
    changed.push(file);
  }
  await client.query('set local check_function_bodies = on');
  return changed;
}
