import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { buildGraphQLSchema } from './schema.js';

/** The committed contract lives at the repository root. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../../schema.graphql', import.meta.url));

export async function renderSchema(): Promise<string> {
  return `# Generated from the resolvers by \`npm run schema\`. Do not edit by hand.\n\n${printSchema(await buildGraphQLSchema())}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await renderSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
