import {
  getArgumentValues,
  getNamedType,
  GraphQLError,
  isCompositeType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { AppError } from '../errors.js';

/** What one field (`Type.field`) costs instead of 1, for fields that open sealed data or read many rows. */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  // Each unwraps the image key and decrypts and parses a JSON document (once per image for both).
  'Image.metadata': 20,
  'Image.details': 20,
};

/**
 * Lists without a `first` argument, and how many items to count them as: each album can select
 * its own page of images, so `albums { images(first: 100) … }` must not cost one album's worth.
 */
export const LIST_SIZES: Readonly<Record<string, number>> = {
  'Query.albums': 50,
};

export interface CostInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/**
 * The cost of an operation as it will run: every field costs 1 (or its FIELD_COSTS entry), and
 * a field with a `first` argument multiplies the cost of what it selects by that many items,
 * with the argument's default when it is left out. Aliases and repeated fields each count, as
 * each runs. graphql-armor's cost limit does not know list sizes; this does.
 */
export function operationCost({ schema, operation, fragments, variables }: CostInput): number {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return 0;
  const visiting = new Set<string>();

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) {
          total += 1;
          continue;
        }
        const field = 'getFields' in parent ? (parent.getFields()[name] as GraphQLField<unknown, unknown> | undefined) : undefined;
        if (!field) continue; // validation reports unknown fields
        const own = FIELD_COSTS[`${parent.name}.${name}`] ?? 1;
        const type = getNamedType(field.type);
        if (!selection.selectionSet || !isCompositeType(type)) {
          total += own;
          continue;
        }
        const args = field.args.some((a) => a.name === 'first') ? getArgumentValues(field, selection, variables) : {};
        const items = typeof args.first === 'number' && args.first > 0 ? args.first : (LIST_SIZES[`${parent.name}.${name}`] ?? 1);
        total += own + items * costOf(selection.selectionSet, type);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += costOf(selection.selectionSet, condition && isCompositeType(condition) ? condition : parent);
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        // A fragment spread inside itself is a validation error; never loop on one.
        if (!fragment || visiting.has(name)) continue;
        visiting.add(name);
        const condition = schema.getType(fragment.typeCondition.name.value);
        total += costOf(fragment.selectionSet, condition && isCompositeType(condition) ? condition : parent);
        visiting.delete(name);
      }
    }
    return total;
  };

  return costOf(operation.selectionSet, root);
}

/**
 * Refuses an operation whose cost is over `limit` once its variables are known, before any
 * resolver runs (400 QUERY_TOO_COMPLEX).
 */
export function costLimitPlugin<T extends object>(limit: number): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, operation, document, request }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          const cost = operationCost({ schema, operation, fragments, variables: request.variables ?? {} });
          if (cost > limit) {
            const error = queryTooCostly(cost, limit);
            throw new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, ...error.details, http: { status: 400 } } });
          }
        },
      };
    },
  };
}

export function queryTooCostly(cost: number, limit: number): AppError {
  return new AppError(
    'QUERY_TOO_COMPLEX',
    `This query asks for too much at once (cost ${cost}, the limit is ${limit}). Ask for fewer items per page, fewer aliases or fewer fields such as metadata.`,
    { cost, limit },
  );
}
