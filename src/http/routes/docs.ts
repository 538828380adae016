// The API description (/openapi.json, generated from the routes' zod schemas) and a page to read it (/docs).
// Swagger UI's files come from the swagger-ui-dist package and are served from here: no CDN, so the page
// works on hosts without internet.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';

const require = createRequire(import.meta.url);
const { version } = require('../../../package.json') as { version: string };
// The package's folder, found without importing the package: its entry point runs Swagger UI's browser bundles in
// Node (400 ms and some 40 MB at every start) only to export this path.
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

// Relative URLs, so the page also works behind a proxy that mounts the service under a prefix.
// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>session-sweeper API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script>SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', validatorUrl: null });</script>
</body>
</html>
`;

export function addApiDocs<E extends Env>(app: OpenAPIHono<E>) {
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'session-sweeper',
      version,
      description:
        'Chat sessions of the Aria engine, and the purge of ghost sessions (sessions that never got a message).',
    },
  });
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    const body = await readFile(path.join(SWAGGER_UI_DIR, file));
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
