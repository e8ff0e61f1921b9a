import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind } from 'graphql';
import { hasScope } from '../../access/viewer.js';
import { DistillError } from '../../lib/errors.js';
import type { GraphQLContext } from '../context.js';

/** The one Pothos builder. Schema files per domain add their types to it. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
  // Every root field names the scope it needs (`authScopes`); test/schema.test.ts checks that none forgets.
  AuthScopes: { read: boolean; write: boolean; admin: boolean };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  errors: {
    // Only our own errors become data; anything else stays an (unexpected, masked) error.
    defaultTypes: [],
    directResult: true,
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      read: hasScope(ctx.viewer, 'articles:read'),
      write: hasScope(ctx.viewer, 'articles:write'),
      admin: hasScope(ctx.viewer, 'admin'),
    }),
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, _ctx, info) =>
      new GraphQLError(`This API key may not use ${info.parentType.name}.${info.fieldName}: its scopes do not allow it`, {
        extensions: { code: 'FORBIDDEN' },
      }),
  },
  // Lists count by their size (a field's `complexity` multiplier, 10 by default); the budget itself
  // comes per request from the context (GRAPHQL_MAX_COMPLEXITY).
  complexity: {
    limit: (ctx) => ({ complexity: ctx.maxComplexity }),
    complexityError: (_kind, { complexity, maxComplexity }) =>
      new GraphQLError(`Query is too complex: it costs ${complexity}, the limit is ${maxComplexity}`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', cost: complexity, limit: maxComplexity },
      }),
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC, e.g. 2026-11-25T08:00:00.000Z',
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value))
    throw new GraphQLError('DateTime must be an ISO-8601 string, e.g. 2026-11-25T08:00:00Z');
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime "${value}" is not a valid date`);
  return date;
}

/** The shared `Error` interface every error union member implements. */
export const ErrorInterface = builder.interfaceRef<DistillError>('Error').implement({
  description: 'Something the client can fix or handle; returned as data, never thrown.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
