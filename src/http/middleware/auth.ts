import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../errors.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` with one of `tokens` (several allow rotation), else 401 JSON.
 * Tokens are compared as SHA-256 digests with timingSafeEqual: equal lengths, constant time, so neither the
 * content nor the length of a token leaks through response timing. Every token is checked, match or not.
 */
export function requireBearerToken(tokens: string[]): MiddlewareHandler {
  const expected = tokens.map(digest);
  return async (c, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (presented !== undefined) {
      const given = digest(presented);
      let accepted = false;
      for (const token of expected) accepted = timingSafeEqual(given, token) || accepted;
      if (accepted) return next();
    }
    c.header('WWW-Authenticate', 'Bearer');
    return errorResponse(c, 401, presented === undefined ? 'missing bearer token' : 'invalid bearer token');
  };
}
