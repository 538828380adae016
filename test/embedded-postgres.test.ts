import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { colonRows, ownerForServer } from '../src/dev/embedded-postgres.ts';

/** A group that lists postgres as a member (Debian's ssl-cert), if there is one. */
const supplementaryGroup = colonRows('/etc/group').find(([, , , members = '']) =>
  members.split(',').includes('postgres'),
);

// As root, the embedded cluster runs as the postgres user, which must be able to pass through every parent directory.
describe.skipIf(process.getuid?.() !== 0)('the embedded cluster as root', () => {
  const made: string[] = [];
  afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('names the closed parent directory and the fix, instead of initdb failing with "Permission denied"', async () => {
    const closed = await mkdtemp(path.join(os.tmpdir(), 'closed-')); // mkdtemp makes it 0700
    made.push(closed);
    const dir = path.join(closed, '.data');
    await expect(ownerForServer(dir, path.join(dir, 'postgres'))).rejects.toThrow(
      `${closed} is closed to it (mode 700). Run \`chmod o+x ${closed}\`, or set DATA_DIR`,
    );
  });

  it('accepts a data directory the postgres user can reach', async () => {
    const open = await mkdtemp(path.join(os.tmpdir(), 'open-'));
    made.push(open);
    await chmod(open, 0o755);
    const dir = path.join(open, '.data');
    await expect(ownerForServer(dir, path.join(dir, 'postgres'))).resolves.toMatchObject({ uid: expect.any(Number) });
  });

  it.skipIf(!supplementaryGroup)('accepts a parent open only to a group postgres is a member of', async () => {
    const groupOnly = await mkdtemp(path.join(os.tmpdir(), 'group-'));
    made.push(groupOnly);
    await chown(groupOnly, 0, Number(supplementaryGroup![2]));
    await chmod(groupOnly, 0o750);
    const dir = path.join(groupOnly, '.data');
    await expect(ownerForServer(dir, path.join(dir, 'postgres'))).resolves.toMatchObject({ uid: expect.any(Number) });
  });
});
