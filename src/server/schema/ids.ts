/** An article id from the API, or undefined when it cannot be one (so lookups answer null, not an error). */
export function parseArticleId(id: string | number): number | undefined {
  const text = String(id);
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job id (uuid), or undefined when malformed (PostgreSQL would reject it with an error). */
export function parseJobId(id: string | number): string | undefined {
  const text = String(id);
  return UUID.test(text) ? text.toLowerCase() : undefined;
}
