import type { MaybePromise } from '../lib/maybe-promise.js';
import { bearerToken, hashMatches, keyPrefix } from './api-key.js';
import type { ApiKeyRepository } from './api-key.repository.js';
import { OPEN_VIEWER, type Viewer } from './viewer.js';

export type AuthMode = 'required' | 'off';

export type Authentication = { ok: true; viewer: Viewer } | { ok: false; reason: string };

/** Most distinct keys remembered; beyond that the cache starts over (random keys cannot grow it). */
const CACHE_ENTRIES = 10_000;

/**
 * Turns an `Authorization` value into a Viewer. With AUTH=off a request without a key gets the open
 * viewer; a key, when sent, is always checked. Answers are cached for `cacheMs`, so a revoked or
 * expired key stops working within that time.
 */
export function createAuthenticator(deps: { keys: ApiKeyRepository; mode: AuthMode; cacheMs: number }) {
  const cache = new Map<string, { answer: Authentication; until: number }>();

  async function lookUp(key: string): Promise<Authentication> {
    const prefix = keyPrefix(key);
    if (!prefix) return { ok: false, reason: 'The API key is malformed' };
    const found = await deps.keys.findByPrefix(prefix);
    if (!found || !hashMatches(key, found.secretHash)) return { ok: false, reason: 'The API key is not valid' };
    if (found.revokedAt) return { ok: false, reason: `API key ${found.prefix} was revoked` };
    if (found.expiresAt && found.expiresAt.getTime() <= Date.now())
      return { ok: false, reason: `API key ${found.prefix} has expired` };
    return {
      ok: true,
      viewer: { keyId: found.id, tenantId: found.tenantId, scopes: new Set(found.scopes), limits: found.limits },
    };
  }

  return {
    mode: deps.mode,

    /** From memory when the key was seen within `cacheMs`; otherwise after a lookup. */
    authenticate(authorization: unknown): MaybePromise<Authentication> {
      if (authorization === undefined || authorization === null || authorization === '') {
        return deps.mode === 'off'
          ? { ok: true, viewer: OPEN_VIEWER }
          : { ok: false, reason: 'An API key is required (Authorization: Bearer <key>)' };
      }
      const key = bearerToken(authorization);
      if (!key) return { ok: false, reason: 'Send the API key as "Authorization: Bearer <key>"' };
      const now = Date.now();
      const cached = cache.get(key);
      if (cached && cached.until > now) return cached.answer;
      return lookUp(key).then((answer) => {
        if (deps.cacheMs > 0) {
          if (cache.size >= CACHE_ENTRIES) cache.clear();
          cache.set(key, { answer, until: now + deps.cacheMs });
        }
        return answer;
      });
    },

    /** Drops every cached answer (a key was revoked in this process). */
    forgetAll(): void {
      cache.clear();
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
