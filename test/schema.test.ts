import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { PLAYGROUND_TABS } from '../src/server/playground.js';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl, schema } from '../src/server/schema/index.js';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema:print` after changing it)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printSchemaSdl()).toBe(committed);
  });

  it('keeps the contract names clients rely on', () => {
    const sdl = printSchemaSdl();
    for (const name of [
      'union SubmitArticleResult = RateLimitedError | SubmitArticlePayload | ValidationError',
      'retryAfterSeconds: Int!',
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

  it('names the scope every root field needs (a field without one would be open to every key)', () => {
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    const open = roots.flatMap((type) =>
      Object.values(type!.getFields())
        .filter((field) => !(field.extensions as { scope?: unknown }).scope)
        .map((field) => `${type!.name}.${field.name}`),
    );
    expect(open).toEqual([]);
    expect(Object.keys(schema.getQueryType()!.getFields()).length).toBeGreaterThan(0);
  });

  it('has playground examples that are valid operations of this schema', () => {
    for (const tab of PLAYGROUND_TABS) expect(validate(schema, parse(tab.query))).toEqual([]);
  });
});
