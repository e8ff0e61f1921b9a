import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.js';

/**
 * Every limit on what one GraphQL operation may ask, for every transport (HTTP, SSE and
 * graphql-ws all run through Yoga's envelop): tokens in the parser, depth, aliases and directives
 * (graphql-armor), mutations per operation (below), and the cost budget that counts list fields
 * by their size (Pothos' complexity plugin, budget `maxComplexity` in the context). With
 * introspection off, "Did you mean …" suggestions are masked too.
 */
export function operationLimitPlugins(limits: Config['graphql']): Plugin[] {
  return [
    EnvelopArmorPlugin({
      maxTokens: { n: limits.maxTokens },
      maxDepth: { n: limits.maxDepth },
      maxAliases: { n: limits.maxAliases },
      maxDirectives: { n: 20 },
      // Cost is Pothos' complexity (it knows list sizes); armor's depth-weighted cost would count twice.
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: !limits.introspection },
    }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(maxMutationsRule(limits.maxMutations));
      },
    },
    ...(limits.introspection ? [] : [useDisableIntrospection() as Plugin]),
  ];
}

/** At most `max` root fields in a mutation (counting those spread in from fragments). */
function maxMutationsRule(max: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const def of context.getDocument().definitions)
        if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      const count = countFields(node.selectionSet, fragments, new Set());
      if (count > max)
        context.reportError(
          new GraphQLError(`An operation may run at most ${max} mutations; this one has ${count}`, {
            nodes: [node],
            extensions: { code: 'TOO_MANY_MUTATIONS' },
          }),
        );
    },
  });
}

function countFields(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) count += selection.name.value.startsWith('__') ? 0 : 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countFields(selection.selectionSet, fragments, seen);
    else if (!seen.has(selection.name.value)) {
      // A fragment counts once however often it is spread: spreading it twice merges, not repeats.
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) count += countFields(fragment.selectionSet, fragments, seen);
    }
  }
  return count;
}
