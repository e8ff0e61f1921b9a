import type pg from 'pg';

/**
 * Runs a pg client's parameterised queries as named prepared statements with generic plans. Why:
 * our writes are single statements of many CTEs, and parsing and planning them at every execution
 * was a large share of PostgreSQL's CPU per article (bench/RESULTS.md). Off behind a pooler that
 * does not keep sessions (PgBouncer in transaction mode before 1.21).
 */
export function createPreparedStatements(): (client: pg.PoolClient) => void {
  const nameFor = statementNames();
  return (client) => {
    // Our plans do not depend on parameter values (jsonb batches, ids, enum values); with the
    // default `auto`, PostgreSQL re-plans them at every bind. Sent first: a client runs its queries in order.
    client.query('set plan_cache_mode = force_generic_plan').catch(() => {});
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const [text, values, callback] = args;
      if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
        const name = nameFor(text);
        if (name) return query({ name, text, values });
      }
      return query(...args);
    };
  };
}

// Enough for every statement the code writes (with a few variants each); IN-lists of every length
// beyond that run unnamed.
const MAX_PREPARED = 500;

/** Gives each distinct parameterised SQL text a stable statement name, up to MAX_PREPARED. */
function statementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (!name && names.size < MAX_PREPARED) names.set(text, (name = `distill_${names.size}`));
    return name;
  };
}
