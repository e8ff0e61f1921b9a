import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './errors.schema.js';
import './enums.schema.js';
import './article.schema.js';
import './listing.schema.js';
import './batch.schema.js';
import './cost.schema.js';
import './budget.schema.js';
import './operations.schema.js';
import './timeseries.schema.js';
import './subscription.schema.js';

/** The executable schema: every domain file above has added its types to the builder. */
export const schema: GraphQLSchema = builder.toSchema();

/** SDL as committed in schema.graphql (sorted, so the diff of a change shows only the change). */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
