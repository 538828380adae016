// Item: large bodies are refused before they are read, and slow clients cannot hold a connection for ever.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, pooledDatabaseUrl } from '../helpers/db.ts';
import { type Service, startService } from '../helpers/service.ts';

const UPLOAD_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 'x');

let service: Service;
beforeAll(async () => {
  service = await startService({ DATABASE_URL: pooledDatabaseUrl(), MIGRATION_DATABASE_URL: databaseUrl() });
}, 30_000);
afterAll(async () => {
  service.kill('SIGTERM');
  expect(await service.exited).toBe(0);
});

/** Resident memory of the service in MB: now (VmRSS) and its peak so far (VmHWM). */
const memoryMb = () => {
  const status = readFileSync(`/proc/${service.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
};

/**
 * POSTs a 50 MB JSON-ish body to create a session, with a Content-Length or chunked, as fast as the server takes
 * it, and stops sending once the answer arrives. Resolves with the answer and how much was sent by then.
 */
function upload(withLength: boolean) {
  return new Promise<{ status: number; body: string; sentMb: number }>((resolve, reject) => {
    const url = new URL('/api/engine/sessions', service.baseUrl);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (withLength) headers['content-length'] = UPLOAD_BYTES;
    const request = http.request(url, { method: 'POST', headers });
    let sent = 0;
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const sentMb = sent / 2 ** 20;
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode!, body, sentMb });
      });
    });
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const send = () => {
      while (!answered && sent < UPLOAD_BYTES) {
        sent += CHUNK.length;
        if (!request.write(CHUNK)) return void request.once('drain', send);
      }
      if (!answered) request.end();
    };
    send();
  });
}

describe('request limits of the real service', () => {
  it('eight concurrent 50 MB POSTs, with a Content-Length or chunked, each get 413 JSON long before they are sent', async () => {
    const before = memoryMb();
    for (const withLength of [true, false]) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => upload(withLength)));
      for (const answer of answers) {
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.body)).toEqual({ status: 'error', error: 'request body larger than 1048576 bytes' });
        // Answered without reading the body: most of it was never even sent.
        expect(answer.sentMb).toBeLessThan(25);
      }
    }
    const after = memoryMb();
    console.log(
      `[request limits] 2 x 8 concurrent 50 MB POSTs: service RSS ${before.rss} MB before, peak ${after.peak} MB`,
    );
    // The bound (reading such bodies whole took the service from 137 MB to 559 MB, to answer 400).
    expect(after.peak).toBeLessThan(200);
    const created = await fetch(`${service.baseUrl}/api/engine/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'after-uploads' }),
    });
    expect(created.status).toBe(201);
  }, 60_000);

  it('closes a connection whose headers never finish (headersTimeout 10 s)', async () => {
    const socket = net.connect(Number(new URL(service.baseUrl).port), '127.0.0.1');
    socket.write('POST /api/engine/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk) => (received += chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const gaveUp = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 15_000).unref());
    expect(await Promise.race([closed, gaveUp])).toBeUndefined();
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    socket.destroy();
  }, 20_000);
});
