import { complexityFromQuery } from '@pothos/plugin-complexity';
import {
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { hasScope } from '../access/viewer.js';
import type { Scope } from '../access/scopes.js';
import type { GraphQLContext } from './context.js';
import { fragmentsOf, rootFields } from './root-fields.js';

/** What a root field declares: `extensions: requiresScope('articles:read')` (test/schema.test.ts checks every one does). */
export const requiresScope = (scope: Scope) => ({ scope });

interface Operation {
  /** The operation alone with its fragments, for the complexity count. */
  document: DocumentNode;
  rootFields: string[];
  kind: OperationDefinitionNode['operation'];
  /** Its cost, when no field's cost depends on arguments (then it is the document's alone). */
  complexity?: number;
}

/**
 * Checks, once per operation and before any resolver runs (on every transport, at subscribe time for
 * subscriptions): that the viewer's scopes allow each root field it asks for (FORBIDDEN), and that its
 * cost, counted by Pothos' complexity plugin with lists by their size, is within `maxComplexity`
 * (QUERY_TOO_COMPLEX). A refused operation runs nothing.
 */
export function operationGuardPlugin(maxComplexity: number): Plugin {
  const operations = new WeakMap<DocumentNode, Map<string, Operation | null>>();
  const argumentsCount = new WeakMap<GraphQLSchema, boolean>();

  function operationOf(document: DocumentNode, name: string | null | undefined): Operation | null {
    let byName = operations.get(document);
    if (!byName) operations.set(document, (byName = new Map()));
    const key = name ?? '';
    if (byName.has(key)) return byName.get(key)!;
    const fragments = fragmentsOf(document.definitions);
    const definitions = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation = (
      name ? definitions.find((d) => d.name?.value === name) : definitions.length === 1 ? definitions[0] : undefined
    ) as OperationDefinitionNode | undefined;
    const found = operation
      ? {
          document: { kind: Kind.DOCUMENT, definitions: [operation, ...fragments.values()] } as DocumentNode,
          rootFields: [...new Set(rootFields(operation.selectionSet, fragments).map((f) => f.name.value))],
          kind: operation.operation,
        }
      : null;
    byName.set(key, found);
    return found;
  }

  function refusal(args: ExecutionArgs): GraphQLError | undefined {
    // An unknown operation name: the executor reports it as it always does.
    const operation = operationOf(args.document, args.operationName);
    if (!operation) return undefined;
    const { viewer } = args.contextValue as GraphQLContext;
    const root = args.schema.getRootType(operation.kind)!;
    const fields = root.getFields();
    for (const name of operation.rootFields) {
      const scope = (fields[name]?.extensions as { scope?: Scope } | undefined)?.scope;
      if (!scope || !hasScope(viewer, scope))
        return new GraphQLError(`This API key may not use ${root.name}.${name}: its scopes do not allow it`, {
          extensions: { code: 'FORBIDDEN' },
        });
    }
    const complexity = complexityOf(operation, args);
    if (complexity === undefined) return undefined;
    if (complexity > maxComplexity)
      return new GraphQLError(`Query is too complex: it costs ${complexity}, the limit is ${maxComplexity}`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', cost: complexity, limit: maxComplexity },
      });
    return undefined;
  }

  /**
   * Pothos counts a field by its arguments only when its `complexity` is a function. While no field's
   * is, an operation costs the same whatever its variables: counted once per document, without
   * coercing variables on every request.
   */
  function complexityOf(operation: Operation, args: ExecutionArgs): number | undefined {
    let byArguments = argumentsCount.get(args.schema);
    if (byArguments === undefined) argumentsCount.set(args.schema, (byArguments = hasArgumentComplexity(args.schema)));
    if (!byArguments && operation.complexity !== undefined) return operation.complexity;
    try {
      const { complexity } = complexityFromQuery(operation.document, {
        schema: args.schema,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        ctx: args.contextValue as object,
      });
      if (!byArguments) operation.complexity = complexity;
      return complexity;
    } catch (err) {
      // Variables that do not fit their types: the executor reports them as it always does.
      if (err instanceof GraphQLError) return undefined;
      throw err;
    }
  }

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

function hasArgumentComplexity(schema: GraphQLSchema): boolean {
  return Object.values(schema.getTypeMap()).some(
    (type) =>
      (isObjectType(type) || isInterfaceType(type)) &&
      Object.values(type.getFields()).some((field) => typeof field.extensions.complexity === 'function'),
  );
}
