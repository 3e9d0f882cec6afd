import { Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Services } from '../../services.js';

/** What a client needs to pre-check input the way the server will: limits and policies, nothing secret. */
@ObjectType('ServerConfig')
export class ServerConfigType {
  @Field(() => Int, { description: 'Largest accepted upload in bytes (inclusive).' }) maxUploadBytes!: number;
  @Field(() => Int, { description: 'Largest accepted image in pixels, every animation frame counted.' }) maxImagePixels!: number;
  @Field(() => String, { description: 'classic or nist.' }) passwordPolicy!: string;
  @Field(() => Boolean, { description: 'Whether an account must confirm its e-mail address before uploading.' })
  emailVerificationRequired!: boolean;
}

@Resolver()
export class ConfigResolver {
  private readonly config: ServerConfigType;

  constructor(services: Services) {
    this.config = Object.assign(new ServerConfigType(), services.config);
  }

  @Query(() => ServerConfigType, { description: 'Public limits and policies of this server.' })
  serverConfig(): ServerConfigType {
    return this.config;
  }
}
