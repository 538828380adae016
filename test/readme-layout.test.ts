// Keeps the README's Layout section true: every path it names exists, every folder of src/ and every file it
// lists in a src/ folder is there, and nothing in src/ or at the top of the repository is left out.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const block = readme.split('## Layout')[1]?.split('```')[1] ?? '';
/** Each entry: the paths in its first column, and its description (continuation lines included). */
const entries = block
  .split('\n')
  .filter((line) => line.trim())
  .reduce<{ paths: string[]; text: string }[]>((all, line) => {
    if (line.startsWith(' ')) all[all.length - 1].text += ` ${line.trim()}`;
    else {
      const [first, ...rest] = line.split(/ {2,}/);
      all.push({ paths: first.split(' '), text: rest.join(' ') });
    }
    return all;
  }, []);
const listed = entries.flatMap((entry) => entry.paths);
/** Tooling files every Node project has at its top: not worth a line. */
const OBVIOUS = [
  'README.md',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'biome.json',
  '.gitignore',
  '.dockerignore',
];

describe("README's Layout section", () => {
  it('names only paths that exist', () => {
    expect(entries.length).toBeGreaterThan(10);
    for (const p of listed) expect(existsSync(path.join(root, p)), p).toBe(true);
  });

  it('lists every top-level entry of the repository and every entry of src/', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    const top = [...new Set(tracked.map((file) => file.split('/')[0]))].filter((name) => !OBVIOUS.includes(name));
    const isListed = (name: string) =>
      listed.includes(name) || listed.includes(`${name}/`) || listed.some((p) => p.startsWith(`${name}/`));
    expect(top.filter((name) => !isListed(name) && !name.startsWith('vitest'))).toEqual([]);
    const src = readdirSync(path.join(root, 'src')).map(
      (name) => `src/${name}${statSync(path.join(root, 'src', name)).isDirectory() ? '/' : ''}`,
    );
    expect(src.filter((name) => !listed.includes(name))).toEqual([]);
  });

  it("names each src/ folder's own modules, and no module it does not have", () => {
    for (const { paths, text } of entries.filter((e) => e.paths[0].startsWith('src/') && e.paths[0].endsWith('/'))) {
      const folder = path.join(root, paths[0]);
      const modules = readdirSync(folder).filter((name) => name.endsWith('.ts'));
      const named = [...text.matchAll(/\b[\w-]+\.ts\b/g)].map((match) => match[0]);
      expect(
        named.filter((name) => !modules.includes(name)),
        paths[0],
      ).toEqual([]);
      expect(
        modules.filter((name) => !named.includes(name)),
        paths[0],
      ).toEqual([]);
    }
  });

  it('names only npm scripts that exist, in the README and in docs/', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const pages = [
      'README.md',
      ...readdirSync(path.join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const named = pages.flatMap((page) =>
      [...readFileSync(path.join(root, page), 'utf8').matchAll(/npm run ([a-z0-9:-]*[a-z0-9])/g)].map(
        (m) => `${page}: ${m[1]}`,
      ),
    );
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((entry) => !(entry.split(': ')[1] in scripts))).toEqual([]);
  });
});
