import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.js';
import { fragmentsOf, rootFields } from './root-fields.js';

/**
 * Every limit on what one GraphQL operation may ask, for every transport (HTTP, SSE and
 * graphql-ws all run through Yoga's envelop): tokens in the parser, depth, aliases and directives
 * (graphql-armor) and mutations per operation (below); the cost budget that counts list fields by
 * their size is checked with the scopes (operation-guard.ts). With introspection off, "Did you
 * mean …" suggestions are masked too.
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
      const count = rootFields(node.selectionSet, fragmentsOf(context.getDocument().definitions)).length;
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
