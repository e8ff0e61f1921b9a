import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { splitByTokens } from '../src/llm/chunking.js';

const paragraph = (i: number) =>
  `District ${i} approved ${i * 3} new homes on Tuesday. The council said the plan costs ${i * 7} million. ` +
  `Residents of district ${i} asked for a new school as well, and the mayor agreed to study it.`;

describe('splitByTokens', () => {
  it('leaves text within the limit whole', async () => {
    expect(await splitByTokens('A short article.', 100)).toBeUndefined();
    const text = Array.from({ length: 20 }, (_, i) => paragraph(i)).join('\n\n');
    expect(await splitByTokens(text, countTokens(text))).toBeUndefined();
  });

  it('cuts on paragraph boundaries into chunks within the limit, losing no text', async () => {
    const paragraphs = Array.from({ length: 200 }, (_, i) => paragraph(i));
    const text = paragraphs.join('\n\n');
    const chunks = (await splitByTokens(text, 1_000))!;
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) expect(countTokens(chunk)).toBeLessThanOrEqual(1_000);
    // Every chunk is whole paragraphs, in order.
    expect(chunks.join('\n\n')).toBe(text);
    for (const chunk of chunks) expect(paragraphs).toContain(chunk.split('\n\n')[0]);
  });

  it('cuts a paragraph longer than the limit between sentences, and a sentence longer than it between tokens', async () => {
    const long = Array.from({ length: 100 }, (_, i) => paragraph(i)).join(' ');
    const chunks = (await splitByTokens(long, 300))!;
    for (const chunk of chunks) {
      expect(countTokens(chunk)).toBeLessThanOrEqual(300);
      expect(chunk).toMatch(/[.]$/);
    }
    expect(chunks.join(' ')).toBe(long);

    const run = 'x'.repeat(20) + 'word'.repeat(3_000);
    const pieces = (await splitByTokens(run, 500))!;
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(countTokens(piece)).toBeLessThanOrEqual(500);
    expect(pieces.join('')).toBe(run);
  });

  it('counts tokens, not characters: Hangul takes more tokens per character than English', async () => {
    const korean = '서울시는 화요일 새 다리 건설 예산을 승인했다. '.repeat(400);
    const english = 'Seoul approved the budget for a new bridge on Tuesday. '.repeat(400);
    const [ko, en] = [(await splitByTokens(korean.trim(), 2_000))!, (await splitByTokens(english.trim(), 2_000))!];
    expect(ko.join('').length / ko.length).toBeLessThan(en.join('').length / en.length);
  });
});
