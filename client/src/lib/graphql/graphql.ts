import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/** What the JSON scalar carries (image metadata, audit details). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * `graphql()` documents are typed from the schema (/schema.graphql, through the generated
 * graphql-env.d.ts): a selection the schema does not have, or a result used as something it is
 * not, fails `npm run check`. Fragments are plain shared selections here, not masked.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: JsonValue; Upload: File; SafeInt: number };
  disableMasking: true;
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
