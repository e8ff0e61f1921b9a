/** CSV (RFC 4180: quoted fields may hold commas, quotes as "" and line breaks) both ways. */

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

export function toCsv(rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export interface BatchItem {
  title: string;
  content: string;
  sourceUrl: string;
  priority?: 'LOW' | 'NORMAL' | 'HIGH';
}

const PRIORITIES = ['LOW', 'NORMAL', 'HIGH'];

/**
 * A batch as typed into the Submit box: a JSON array, or CSV with a header row. Errors name the row
 * (0-based, as the API's field paths do). Missing fields are sent empty, so the API names them per row.
 */
export function parseBatch(text: string): { items: BatchItem[] } | { error: string; row?: number } {
  const trimmed = text.trim();
  if (!trimmed) return { error: 'The batch is empty' };
  let records: Record<string, unknown>[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      return { error: `Not valid JSON: ${(err as Error).message}` };
    }
    records = parsed as Record<string, unknown>[];
    const bad = records.findIndex((item) => typeof item !== 'object' || item === null || Array.isArray(item));
    if (bad >= 0) return { error: 'Each item must be an object with title, content and sourceUrl', row: bad };
  } else {
    const [header, ...rows] = parseCsv(trimmed);
    const columns = header!.map((h) => h.trim());
    for (const required of ['title', 'content', 'sourceUrl'])
      if (!columns.includes(required))
        return { error: `The CSV header needs a ${required} column (title,content,sourceUrl[,priority])` };
    records = [];
    for (const [index, row] of rows.entries()) {
      if (row.length !== columns.length)
        return { error: `Has ${row.length} fields; the header has ${columns.length}`, row: index };
      records.push(Object.fromEntries(columns.map((name, i) => [name, row[i]])));
    }
  }
  const items: BatchItem[] = [];
  for (const [index, r] of records.entries()) {
    const priority = typeof r.priority === 'string' && r.priority !== '' ? r.priority.toUpperCase() : undefined;
    if (priority !== undefined && !PRIORITIES.includes(priority))
      return { error: `priority must be LOW, NORMAL or HIGH`, row: index };
    items.push({
      title: String(r.title ?? ''),
      content: String(r.content ?? ''),
      sourceUrl: String(r.sourceUrl ?? ''),
      ...(priority && { priority: priority as BatchItem['priority'] }),
    });
  }
  return { items };
}
