import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectDir = fileURLToPath(new URL('../../', import.meta.url));
export const migrationsDir = path.join(projectDir, 'migrations');
/** Every file in migrations/ is one migration. */
export const MIGRATION_COUNT = readdirSync(migrationsDir).length;
