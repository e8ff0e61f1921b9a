import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl } from '../src/server/schema/index.js';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema:print` after changing it)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printSchemaSdl()).toBe(committed);
  });

  it('keeps the contract names clients rely on', () => {
    const sdl = printSchemaSdl();
    for (const name of [
      'union SubmitArticleResult = SubmitArticlePayload | ValidationError',
      'submitArticle(input: SubmitArticleInput!): SubmitArticleResult!',
      'articleEvents(afterSeq: Int, id: ID!): ArticleEvent!',
      'article(id: ID!): Article',
      'job(id: ID!): Job',
      'enum ArticleEventType',
      'type FieldError',
    ]) {
      expect(sdl).toContain(name);
    }
  });
});
