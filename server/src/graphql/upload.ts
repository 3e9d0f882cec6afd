import { GraphQLError, GraphQLScalarType } from 'graphql';

/** One file of a multipart request, read whole (and within its limit) before the operation runs. */
export class UploadedFile {
  constructor(
    /** As the client named it: for display only, sanitized before it is kept. */
    readonly filename: string,
    /** As the client declared it: never trusted, the bytes decide. */
    readonly mimeType: string,
    readonly bytes: Buffer,
  ) {}
}

const notAFile = () =>
  new GraphQLError('An Upload must be sent as a file part of a multipart request (see the GraphQL multipart request spec).', {
    extensions: { code: 'BAD_USER_INPUT' },
  });

/**
 * The `Upload` scalar. Only the multipart parser (graphql/multipart.ts) makes its values: a
 * string, number or object in JSON variables or in the query text is refused.
 */
export const UploadScalar = new GraphQLScalarType<UploadedFile, never>({
  name: 'Upload',
  description: 'A file sent as a part of a multipart request (the GraphQL multipart request spec).',
  parseValue(value) {
    if (value instanceof UploadedFile) return value;
    throw notAFile();
  },
  parseLiteral() {
    throw notAFile();
  },
  serialize() {
    throw new GraphQLError('Upload is an input-only type.');
  },
});
