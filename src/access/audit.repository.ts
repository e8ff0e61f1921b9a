import type { Db } from '../db/database.js';
import type { Viewer } from './viewer.js';

export type AuditAction = 'article.cancel' | 'article.retry' | 'articles.retry' | 'key.create' | 'key.revoke';

export interface AuditEntry {
  id: number;
  at: Date;
  keyId: string | null;
  tenantId: string | null;
  action: AuditAction;
  target: string | null;
  details: Record<string, unknown> | null;
}

/** Who did what: the key behind each cancel, retry, key creation and revocation. */
export function createAuditLog(db: Db) {
  return {
    async record(
      actor: Pick<Viewer, 'keyId' | 'tenantId'> | null,
      action: AuditAction,
      target: string,
      details?: Record<string, unknown>,
    ) {
      await db
        .insertInto('audit_log')
        .values({
          key_id: actor?.keyId ?? null,
          tenant_id: actor?.tenantId ?? null,
          action,
          target,
          details: details ? JSON.stringify(details) : null,
        })
        .execute();
    },

    async recent(limit = 100): Promise<AuditEntry[]> {
      const rows = await db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        keyId: r.key_id,
        tenantId: r.tenant_id,
        action: r.action as AuditAction,
        target: r.target,
        details: r.details as Record<string, unknown> | null,
      }));
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
