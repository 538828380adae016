import { readdir, readFile } from 'node:fs/promises';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.ts';
import type { Store } from '../src/db/store.ts';

// The description is generated from the routes alone: no store call is needed to serve it.
const app = createApp({ store: {} as Store, logger: pino({ level: 'silent' }) });

async function documentedOperations(): Promise<Set<string>> {
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  const doc = await response.json();
  expect(doc.openapi).toBe('3.1.0');
  return new Set(
    Object.entries(doc.paths as Record<string, object>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
}

/** `/api/engine/sessions/3f2a…/messages` → `/api/engine/sessions/{id}/messages`, as OpenAPI writes it. */
const asTemplate = (path: string, documented: Set<string>, method: string) => {
  const candidate = [...documented].find((operation) => {
    const [opMethod, template] = operation.split(' ');
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return opMethod === method && pattern.test(path);
  });
  return candidate ?? `${method} ${path}`;
};

describe('API description', () => {
  it('describes every route, including the operator ones', async () => {
    expect(await documentedOperations()).toEqual(
      new Set([
        'GET /healthz',
        'GET /readyz',
        'GET /api/engine/jobs',
        'POST /api/engine/jobs/{job}/pause',
        'POST /api/engine/jobs/{job}/resume',
        'GET /api/engine/stats',
        'GET /api/engine/purges',
        'GET /api/engine/sessions/ghosts',
        'GET /metrics',
        'POST /api/engine/sessions',
        'DELETE /api/engine/sessions/ghosts',
        'GET /api/engine/sessions/{id}',
        'POST /api/engine/sessions/{id}/messages',
      ]),
    );
  });

  it("matches the README and docs/: every curl example and every route in the README's table is a documented operation", async () => {
    const documented = await documentedOperations();
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const docsDir = new URL('../docs/', import.meta.url);
    const pages = await Promise.all(
      (await readdir(docsDir)).filter((name) => name.endsWith('.md')).map((name) => readFile(new URL(name, docsDir), 'utf8')),
    );
    const used = new Set<string>();
    for (const [line] of [readme, ...pages].join('\n').matchAll(/^curl .*$/gm)) {
      const method = line.match(/-X (\w+)/)?.[1] ?? (line.includes(' -d ') ? 'POST' : 'GET');
      const path = new URL(line.match(/"?(http:\/\/localhost:\d+[^\s"]*)/)![1]).pathname;
      used.add(asTemplate(path, documented, method));
    }
    for (const [, method, path] of readme.matchAll(/^\| `(GET|POST|DELETE|PUT|PATCH) ([^ `?]+)/gm)) {
      used.add(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
    expect(used.size).toBeGreaterThanOrEqual(documented.size);
    expect([...used].filter((operation) => !documented.has(operation))).toEqual([]);
    expect([...documented].filter((operation) => !used.has(operation))).toEqual([]);
  });

  it('serves /docs with its scripts and styles from this server, none from a CDN', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(['docs/assets/swagger-ui.css', 'docs/assets/swagger-ui-bundle.js']);
    expect(html).toContain("url: 'openapi.json'");
    for (const asset of assets) {
      const response = await app.request(`/${asset}`);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    expect((await app.request('/docs/assets/package.json')).status).toBe(404);
  });
});
