import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBatch, parseCsv, toCsv } from '../dashboard/src/csv.js';

describe("the dashboard's CSV", () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
  });

  it('reads back whatever it writes', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r', ' ', '한') });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (rows) => {
        expect(parseCsv(toCsv(rows))).toEqual(rows);
      }),
    );
  });

  it('turns a CSV or JSON batch into items, sending missing fields empty for the API to name', () => {
    expect(parseBatch('title,content,sourceUrl,priority\nT,"C, c",https://x.example/1,high\nU,D,,')).toEqual({
      items: [
        { title: 'T', content: 'C, c', sourceUrl: 'https://x.example/1', priority: 'HIGH' },
        { title: 'U', content: 'D', sourceUrl: '' },
      ],
    });
    expect(parseBatch('[{"title":"T","content":"C"}]')).toEqual({ items: [{ title: 'T', content: 'C', sourceUrl: '' }] });
  });

  it('names the row of what it cannot read', () => {
    expect(parseBatch('')).toEqual({ error: 'The batch is empty' });
    expect(parseBatch('[{"title":"T"}, 3]')).toMatchObject({ row: 1 });
    expect(parseBatch('[{"title":')).toMatchObject({ error: expect.stringMatching(/^Not valid JSON/) });
    expect(parseBatch('title,content\nT,C')).toMatchObject({ error: expect.stringMatching(/sourceUrl column/) });
    expect(parseBatch('title,content,sourceUrl\nT,C,u\nT,C')).toEqual({ error: 'Has 2 fields; the header has 3', row: 1 });
    expect(parseBatch('title,content,sourceUrl,priority\nT,C,u,URGENT')).toEqual({
      error: 'priority must be LOW, NORMAL or HIGH',
      row: 0,
    });
  });
});
