import { sql, type Kysely } from 'kysely';

/**
 * Tenants and API keys: every article belongs to a tenant (jobs, steps, events and ledger rows
 * through their article); keys are stored hashed; shared rate buckets; the audit log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table articles rename column owner_id to tenant_id`.execute(db);
  await sql`update articles set tenant_id = 'default' where tenant_id is null`.execute(db);
  await sql`alter table articles alter column tenant_id set default 'default', alter column tenant_id set not null`.execute(db);
  // Jobs in flight per tenant are the tenant's PENDING and PROCESSING articles.
  await sql`create index articles_tenant_open_idx on articles (tenant_id) where status in ('PENDING', 'PROCESSING')`.execute(db);

  await sql`
    create table api_keys (
      id uuid primary key,
      prefix text not null unique,
      secret_hash text not null,
      tenant_id text not null,
      scopes text[] not null,
      name text,
      rate_per_second double precision,
      rate_burst integer,
      daily_articles integer,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      created_by uuid
    )`.execute(db);

  await sql`
    create table rate_buckets (
      id text primary key,
      tokens double precision not null,
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table audit_log (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      key_id uuid,
      tenant_id text,
      action text not null,
      target text,
      details jsonb
    )`.execute(db);
  await sql`create index audit_log_at_idx on audit_log (at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_log', 'rate_buckets', 'api_keys']) await sql`drop table if exists ${sql.table(table)}`.execute(db);
  await sql`drop index if exists articles_tenant_open_idx`.execute(db);
  await sql`alter table articles alter column tenant_id drop not null, alter column tenant_id drop default`.execute(db);
  await sql`alter table articles rename column tenant_id to owner_id`.execute(db);
}
