import type { ObjectRef } from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { PageRequest, PageResult } from '../../articles/listing.repository.js';
import { builder } from './builder.js';

type SchemaTypesOf = typeof builder extends { $inferSchemaTypes: infer S } ? S : never;

/** The largest page a listing returns; a page's cost counts it at this size. */
export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A bad argument: a GraphQL error naming it (BAD_USER_INPUT), before anything is read. */
export const argumentError = (argument: string, message: string) =>
  new GraphQLError(`${argument}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', argument } });

/** Opaque cursors: base64url of a listing's name and the row's key. */
export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`).toString('base64url');
}

function decodeCursor(kind: string, cursor: string, argument: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(`${kind}:`)) throw argumentError(argument, `not a cursor of this listing`);
  return text.slice(kind.length + 1);
}

/** Relay arguments to a keyset page request; `parseKey` returns undefined for a malformed key. */
export function pageRequest<K>(args: PageArgs, kind: string, parseKey: (text: string) => K | undefined): PageRequest<K> {
  if (args.first != null && args.last != null) throw argumentError('last', 'give first or last, not both');
  if (args.first != null && args.before != null) throw argumentError('before', 'pages forwards with first go with after');
  if (args.last != null && args.after != null) throw argumentError('after', 'pages backwards with last go with before');
  for (const name of ['first', 'last'] as const) {
    const n = args[name];
    if (n != null && (n < 0 || n > MAX_PAGE_SIZE)) throw argumentError(name, `must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  const key = (name: 'after' | 'before') => {
    const cursor = args[name];
    if (cursor == null) return undefined;
    const parsed = parseKey(decodeCursor(kind, cursor, name));
    if (parsed === undefined) throw argumentError(name, 'not a cursor of this listing');
    return parsed;
  };
  if (args.last != null || args.before != null) return { last: args.last ?? DEFAULT_PAGE_SIZE, before: key('before') };
  return { first: args.first ?? DEFAULT_PAGE_SIZE, after: key('after') };
}

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const PageInfo = builder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Relay paging: `first`/`after` page towards older rows, `last`/`before` towards newer ones.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

/** A page as the connection types resolve it; `count` runs only when totalCount is asked for. */
export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfoShape;
  count: () => Promise<number>;
}

export function toConnection<T>(
  page: PageResult<T>,
  cursorOf: (row: T) => string,
  count: () => Promise<number>,
): ConnectionShape<T> {
  const edges = page.rows.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    count,
  };
}

/** `<Name>Connection` and `<Name>Edge` types over a node type. */
export function connectionType<T extends object>(name: string, node: ObjectRef<SchemaTypesOf, T>) {
  const Edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: node, resolve: (e) => e.node as never }),
    }),
  });
  return builder.objectRef<ConnectionShape<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [Edge], complexity: { field: 1, multiplier: MAX_PAGE_SIZE }, resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
      totalCount: t.int({ description: 'Rows matching the filter (counted when asked for).', resolve: (c) => c.count() }),
    }),
  });
}
