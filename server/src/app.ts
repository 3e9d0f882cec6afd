import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { altairExpress } from 'altair-express-middleware';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { pinoHttp } from 'pino-http';
import type { Env } from './config/env.js';
import type { Orm } from './db/orm.js';
import type { GraphQLContext, RequestContext } from './graphql/context.js';
import { formatGraphQLError } from './graphql/errors.js';
import { graphqlMultipart } from './graphql/multipart.js';
import { buildGraphQLSchema } from './graphql/schema.js';
import type { ImageLimits } from './imaging/process.js';
import { clientCsp, PERMISSIONS_POLICY, securityHeaders } from './http/security.js';
import type { Logger } from './logger.js';
import { AuditService } from './modules/audit/audit.service.js';
import { MailService } from './modules/mail/mail.service.js';
import { buildRules, RateLimitService } from './modules/ratelimit/rate-limit.service.js';
import { ApiTokenService } from './modules/token/api-token.service.js';
import { AccountResolver } from './modules/user/account.resolver.js';
import { ConfigResolver, ServerConfigType } from './modules/config/config.resolver.js';
import { AccountService } from './modules/user/account.service.js';
import { ImageResolver } from './modules/image/image.resolver.js';
import { imageRoutes } from './modules/image/image.routes.js';
import { ImageService } from './modules/image/image.service.js';
import { AuthService } from './modules/session/auth.service.js';
import { SessionService } from './modules/session/session.service.js';
import { UserResolver } from './modules/user/user.resolver.js';
import { UserService } from './modules/user/user.service.js';
import type { BlobStore } from './storage/blob-store.js';
import { SealedStore } from './storage/sealed-store.js';
import type { KeyProvider } from './crypto/key-provider.js';
import { WorkQueue } from './imaging/queue.js';

export interface AppDeps {
  env: Env;
  orm: Orm;
  log: Logger;
  blobs: BlobStore;
  keys: KeyProvider;
}

export interface App {
  app: express.Express;
  services: {
    auth: AuthService;
    sessions: SessionService;
    images: ImageService;
    users: UserService;
    accounts: AccountService;
    limits: RateLimitService;
    mail: MailService;
  };
  stop(): Promise<void>;
}

const MAX_FILES_PER_REQUEST = 10;
const MAX_QUERY_TOKENS = 2000;

declare module 'express-serve-static-core' {
  interface Request {
    lockframe?: RequestContext;
  }
}

/** Express + Apollo + media routes + the web client; no listen, so tests can mount it. */
export async function createApp({ env, orm, log, blobs, keys }: AppDeps): Promise<App> {
  const publicUrl = env.publicUrl ?? `http://localhost:${env.port}`;
  const users = new UserService(env.passwordPolicy);
  const sessions = new SessionService({ idleMs: env.sessionIdleMs, maxMs: env.sessionMaxMs });
  const apiTokens = new ApiTokenService();
  const audit = new AuditService();
  const limits = new RateLimitService(buildRules(env.registrationsPerIpPerHour));
  const mail = new MailService({ smtpUrl: env.smtpUrl, from: env.mailFrom, outboxDir: path.join(env.dataDir, 'outbox') }, log);
  const accounts = new AccountService({ publicUrl, policy: env.passwordPolicy }, sessions, apiTokens, mail, limits, audit);
  const auth = new AuthService(users, sessions, apiTokens, accounts, limits, audit, {
    secure: env.secureCookies,
    maxAgeMs: env.sessionMaxMs,
  });
  const imageLimits: ImageLimits = {
    maxPixels: env.maxImagePixels,
    maxFrames: env.maxImageFrames,
    displayMaxEdge: 2560,
    thumbnailMaxEdge: 512,
  };
  const queue = new WorkQueue();
  const images = new ImageService(new SealedStore(blobs, keys), queue, audit, {
    maxUploadBytes: env.maxUploadBytes,
    limits: imageLimits,
    requireVerifiedEmail: env.requireEmailVerification,
  });

  const schema = await buildGraphQLSchema(
    new Map<never, object>([
      [UserResolver as never, new UserResolver(auth)],
      [AccountResolver as never, new AccountResolver(accounts)],
      [
        ConfigResolver as never,
        new ConfigResolver(
          Object.assign(new ServerConfigType(), {
            maxUploadBytes: env.maxUploadBytes,
            maxImagePixels: env.maxImagePixels,
            passwordPolicy: env.passwordPolicy,
            emailVerificationRequired: env.requireEmailVerification,
          }),
        ),
      ],
      [ImageResolver as never, new ImageResolver(images)],
    ]),
  );
  // Depth, cost, aliases, directives and tokens bounded; field suggestions off unless introspection is on.
  // The token limit is graphql-js's own parse option: armor's version throws from a plugin hook,
  // which Apollo answers with a 500 — for every syntax error, not just long documents.
  const armor = new ApolloArmor({
    maxDepth: { n: 8 },
    costLimit: { maxCost: 5000 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 10 },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !env.introspection },
  }).protect();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: env.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown; Apollo's own signal handler would race it.
    stopOnTerminationSignals: false,
    formatError: formatGraphQLError(log),
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    // graphql-armor ships CJS typings of Apollo's plugin type; the runtime objects are the same.
    plugins: [...(armor.plugins as unknown as ApolloServerPlugin<GraphQLContext>[]), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', env.trustProxy);
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    }),
  );
  app.use(securityHeaders(env.secureCookies));
  app.use((_req, res, next) => {
    res.set('Permissions-Policy', PERMISSIONS_POLICY);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  // One EntityManager fork and one viewer lookup per request, shared by GraphQL and media routes.
  const withContext = async (req: Request, _res: Response, next: NextFunction) => {
    const em = orm.em.fork();
    const requestId = String(req.id);
    const origin = { ip: req.ip, userAgent: req.get('user-agent'), requestId, log: req.log };
    req.lockframe = { em, viewer: await auth.authenticate(em, req, origin), requestId, log: req.log, origin };
    next();
  };
  const contextOf = (req: Request): RequestContext => {
    if (!req.lockframe) throw new Error('request context missing');
    return req.lockframe;
  };

  app.use('/media', withContext);
  app.use(imageRoutes(images, contextOf));

  app.use(
    '/graphql',
    (_req: Request, res: Response, next: NextFunction) => {
      res.set({ 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", 'Cache-Control': 'no-store' });
      next();
    },
    graphqlMultipart(
      {
        maxFileBytes: env.maxUploadBytes,
        maxFiles: MAX_FILES_PER_REQUEST,
        maxFieldBytes: 100_000,
        maxActive: queue.concurrency + queue.maxQueued,
      },
      log,
    ),
    express.json({ limit: '100kb' }),
    withContext,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({ ...contextOf(req), req, res }),
    }),
  );

  if (env.playground) {
    app.use(
      '/playground',
      (_req: Request, res: Response, next: NextFunction) => {
        res.locals.cspNonce = randomBytes(16).toString('base64');
        res.set(
          'Content-Security-Policy',
          [
            "default-src 'self'",
            `script-src 'self' 'nonce-${res.locals.cspNonce}'`,
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
        );
        next();
      },
      altairExpress({
        cspNonceGenerator: (_req, res) => String(res.locals.cspNonce),
        baseURL: '/playground/',
        endpointURL: '/graphql',
        initialHeaders: { 'Apollo-Require-Preflight': 'true' },
        initialQuery: '{ me { id username } }',
        disableAccount: true,
      }),
    );
  }

  mountClient(app, env);

  // Last resort: malformed JSON and anything unexpected, answered without internals.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number; statusCode?: number }).status ?? 500;
    if (status >= 500) req.log.error({ err: error }, 'unhandled request error');
    if (res.headersSent) return void res.end();
    const message = status >= 500 ? 'Something went wrong on the server.' : 'The request could not be read.';
    res.status(status).json({ errors: [{ message, extensions: { code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  return {
    app,
    services: { auth, sessions, images, users, accounts, limits, mail },
    stop: () => apollo.stop(),
  };
}

/** Serves the built SvelteKit app, with its index.html for client-side routes. */
function mountClient(app: express.Express, env: Env): void {
  const dir = env.clientDir ?? path.resolve(import.meta.dirname, '../../client/build');
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Lockframe API is running. The web client is not built: run `npm run build`.');
    });
    return;
  }
  const csp = clientCsp(index);
  app.use(express.static(dir, { index: false, maxAge: '1h', immutable: false }));
  app.get(/^\/(?!graphql|media\/|playground).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    res.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': csp }).sendFile(index);
  });
}
