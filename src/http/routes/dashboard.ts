// The operator's page at / and /dashboard: one HTML file, one script, one stylesheet, all served from here (no CDN,
// no build step). The page calls the /api routes itself, so it loads without a token and asks for one if needed.
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../dashboard/', import.meta.url));

const ASSETS: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

// Only this server's own files: no inline script or style, no other origin, no framing.
const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

export function createDashboardRouter() {
  const page = async () => readFile(path.join(dir, 'index.html'), 'utf8');
  return new Hono()
    .get('/', headers, async (c) => c.html(await page()))
    .get('/dashboard', headers, async (c) => c.html(await page()))
    .get('/dashboard/assets/:file', headers, async (c) => {
      const file = c.req.param('file');
      const type = ASSETS[file];
      if (!type) return c.notFound();
      return c.body(await readFile(path.join(dir, file)), 200, { 'content-type': type, 'cache-control': 'no-cache' });
    });
}
