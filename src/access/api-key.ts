import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys look like `dk_1a2b3c4d_<43 base64url characters>`: `dk_` and the prefix are the visible,
 * unique part (listed, logged); the rest is 256 random bits. Only a SHA-256 of the whole key is
 * stored — the key is random enough that a slow hash adds nothing.
 */
const KEY = /^(dk_[0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

export interface NewKey {
  key: string;
  prefix: string;
  secretHash: string;
}

export function generateKey(): NewKey {
  const prefix = `dk_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, secretHash: hashKey(key) };
}

/** The visible prefix of a well-formed key; undefined for anything else. */
export function keyPrefix(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function hashMatches(key: string, secretHash: string): boolean {
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key from an `Authorization: Bearer <key>` value; undefined when absent or another scheme. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
