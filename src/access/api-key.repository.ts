import type { Db } from '../db/database.js';
import type { ApiKeyRow } from '../db/tables.js';
import { generateKey } from './api-key.js';
import type { Scope } from './scopes.js';
import type { KeyLimitSettings } from './viewer.js';
import { newId } from '../lib/ids.js';

export interface ApiKey {
  id: string;
  prefix: string;
  tenantId: string;
  scopes: Scope[];
  name: string | null;
  limits: KeyLimitSettings;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKey {
  tenantId: string;
  scopes: Scope[];
  name?: string | null;
  expiresAt?: Date | null;
  limits?: Partial<KeyLimitSettings>;
  /** The key that created this one (audit), if any. */
  createdBy?: string | null;
}

/** A key as listed: everything but its hash. */
function withoutHash({ secretHash: _hash, ...apiKey }: ApiKey & { secretHash: string }): ApiKey {
  return apiKey;
}

function fromRow(row: ApiKeyRow): ApiKey & { secretHash: string } {
  return {
    id: row.id,
    prefix: row.prefix,
    secretHash: row.secret_hash,
    tenantId: row.tenant_id,
    scopes: row.scopes as Scope[],
    name: row.name,
    limits: { ratePerSecond: row.rate_per_second, rateBurst: row.rate_burst, dailyArticles: row.daily_articles },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** API keys: created (the key is returned once, only its hash is kept), listed, revoked. */
export function createApiKeyRepository(db: Db) {
  return {
    async create(input: NewApiKey): Promise<{ apiKey: ApiKey; key: string }> {
      const { key, prefix, secretHash } = generateKey();
      const row = await db
        .insertInto('api_keys')
        .values({
          id: newId(),
          prefix,
          secret_hash: secretHash,
          tenant_id: input.tenantId,
          scopes: input.scopes,
          name: input.name ?? null,
          rate_per_second: input.limits?.ratePerSecond ?? null,
          rate_burst: input.limits?.rateBurst ?? null,
          daily_articles: input.limits?.dailyArticles ?? null,
          expires_at: input.expiresAt ?? null,
          revoked_at: null,
          created_by: input.createdBy ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { apiKey: withoutHash(fromRow(row)), key };
    },

    async list(): Promise<ApiKey[]> {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
      return rows.map((row) => withoutHash(fromRow(row)));
    },

    /** Marks the key revoked; undefined when there is no such key or it was already revoked. */
    async revoke(id: string): Promise<ApiKey | undefined> {
      const row = await db
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row && withoutHash(fromRow(row));
    },

    async findByPrefix(prefix: string): Promise<(ApiKey & { secretHash: string }) | undefined> {
      const row = await db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
      return row && fromRow(row);
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
