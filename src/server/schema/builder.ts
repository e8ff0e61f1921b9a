import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import { GraphQLError, Kind } from 'graphql';
import { DistillError } from '../../lib/errors.js';
import type { GraphQLContext } from '../context.js';

/** The one Pothos builder. Schema files per domain add their types to it. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  plugins: [ErrorsPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  errors: {
    // Only our own errors become data; anything else stays an (unexpected, masked) error.
    defaultTypes: [],
    directResult: true,
  },
  // The plugin gives each field its cost (lists count by their size: a `complexity` multiplier, 10
  // by default); the budget is checked once per operation, before it runs (operation-guard.ts).
  complexity: { disabled: true },
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
