import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { operationCost } from '../../src/graphql/cost.js';
import { buildGraphQLSchema } from '../../src/graphql/schema.js';

let schema: Awaited<ReturnType<typeof buildGraphQLSchema>>;
beforeAll(async () => {
  schema = await buildGraphQLSchema();
});

function cost(source: string, variables: Record<string, unknown> = {}): number {
  const document = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    if (d.kind === Kind.OPERATION_DEFINITION) operation = d;
  }
  return operationCost({ schema, operation: operation!, fragments, variables });
}

describe('operationCost', () => {
  it('multiplies what a list selects by its `first`, from the literal, a variable or the default', () => {
    // images: 1 + first × (nodes: 1 + metadata 20)
    expect(cost('{ images(first: 100) { nodes { metadata } } }')).toBe(1 + 100 * 21);
    expect(cost('query($n: Int) { images(first: $n) { nodes { metadata } } }', { n: 10 })).toBe(1 + 10 * 21);
    expect(cost('{ images { nodes { id } } }')).toBe(1 + 24 * 2);
  });

  it('counts the albums list as LIST_SIZES items, so a page of images per album is paid per album', () => {
    // albums: 1 + 50 × (name 1 + images: 1 + 10 × (nodes: 1 + id 1))
    expect(cost('{ albums { name images(first: 10) { nodes { id } } } }')).toBe(1 + 50 * (1 + 1 + 10 * 2));
    expect(cost('{ albums { images(first: 100) { nodes { metadata } } } }')).toBeGreaterThan(5000);
  });

  it('counts every alias and every fragment spread, and stops on a spread of itself', () => {
    const one = cost('{ images(first: 50) { nodes { id } } }');
    expect(cost('{ a: images(first: 50) { nodes { id } } b: images(first: 50) { nodes { id } } }')).toBe(2 * one);
    expect(cost('fragment F on Image { id metadata } { images(first: 10) { nodes { ...F ...F } } }')).toBe(1 + 10 * (1 + 2 * 21));
    expect(cost('fragment F on Image { id ...F } { images(first: 10) { nodes { ...F } } }')).toBe(1 + 10 * 2);
    expect(cost('{ images(first: 10) { nodes { ... on Image { metadata } } } }')).toBe(1 + 10 * 21);
  });

  it('costs scalars and unknown fields plainly', () => {
    expect(cost('{ me { id username } serverConfig { maxUploadBytes } }')).toBe(1 + 2 + 1 + 1);
    expect(cost('{ nope { id } __typename }')).toBe(1);
  });
});
