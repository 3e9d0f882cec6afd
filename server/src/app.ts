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
import type { KeyProvider } from './crypto/key-provider.js';
import type { Orm } from './db/orm.js';
import type { GraphQLContext } from './graphql/context.js';
import { costLimitPlugin } from './graphql/cost.js';
import { formatGraphQLError } from './graphql/errors.js';
import { graphqlMultipart } from './graphql/multipart.js';
import { buildGraphQLSchema } from './graphql/schema.js';
import { ByteBudget } from './graphql/upload-budget.js';
import { AuthEdge, scopeOf } from './http/auth-edge.js';
import { clientCsp, GRAPHQL_CSP, PERMISSIONS_POLICY, playgroundCsp, securityHeaders } from './http/security.js';
import { loggedUrl, type Logger } from './logger.js';
import type { MaintenanceTask } from './maintenance/scheduler.js';
import { modules } from './modules/index.js';
import { infrastructureError } from './db/failures.js';
import { createServices, type Services } from './services.js';
import type { BlobStore } from './storage/blob-store.js';

export interface AppDeps {
  env: Env;
  orm: Orm;
  log: Logger;
  blobs: BlobStore;
  keys: KeyProvider;
}

export interface App {
  app: express.Express;
  services: Services;
  /** Upload memory in use and its limits. */
  uploads: ByteBudget;
  /** The modules' periodic work, for the process to schedule (main.ts). */
  tasks: MaintenanceTask[];
  stop(): Promise<void>;
}

const MAX_FILES_PER_REQUEST = 10;
const MAX_QUERY_TOKENS = 2000;
/** List sizes counted (graphql/cost.ts): one gallery page with metadata fits, six of them at once do not. */
const MAX_OPERATION_COST = 5000;
const MAX_FIELD_BYTES = 100_000;

/**
 * The composition root: services, then the HTTP edge, then what each module contributes.
 * Every request passes the edge (credential → scope) before a resolver or route sees it.
 * No listen, so tests can mount it.
 */
export async function createApp({ env, orm, log, blobs, keys }: AppDeps): Promise<App> {
  const services = createServices({ env, log, blobs, keys });
  const edge = new AuthEdge(services.auth, orm, { secure: env.secureCookies, maxAgeMs: env.sessionMaxMs });
  const schema = await buildGraphQLSchema(services);
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
    plugins: [
      ...(armor.plugins as unknown as ApolloServerPlugin<GraphQLContext>[]),
      costLimitPlugin<GraphQLContext>(MAX_OPERATION_COST),
      httpFromErrors,
      ApolloServerPluginLandingPageDisabled(),
    ],
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
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      // Paths only: a token pasted into a query string is never read, and never logged either.
      // Response lines keep the status only: headers (Set-Cookie among them) are not the log's business.
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: loggedUrl(req.url), remoteAddress: req.remoteAddress }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        // pino-http makes up an Error for every 5xx answer: its stack says nothing about the request.
        err: (err: Error) => ({ message: err.message }),
      },
      // A 5xx answer we chose (busy, unavailable, full) is a warning; failures are logged where they happen.
      // Throttled attempts come by the thousand from one client: their lines are debug.
      customLogLevel: (_req, res, error) => (error ? 'error' : res.statusCode >= 500 ? 'warn' : res.locals?.quietLog ? 'debug' : 'info'),
    }),
  );
  app.use(securityHeaders(env.secureCookies));
  app.use((_req, res, next) => {
    res.set('Permissions-Policy', PERMISSIONS_POLICY);
    next();
  });

  // Liveness: the process answers. Readiness: it can also reach its database and write its storage.
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await readiness(orm, blobs);
    const ok = Object.values(checks).every((c) => c === 'ok');
    res.status(ok ? 200 : 503).set('Cache-Control', 'no-store').json({ ok, checks });
  });

  for (const module of modules) {
    if (module.http) app.use(module.http.path, edge.scopeMiddleware, module.http.router(services, edge));
  }

  const uploadBudget = new ByteBudget(env.uploadMemoryBytes, Math.floor(env.uploadMemoryBytes / 2));
  app.use(
    '/graphql',
    (_req: Request, res: Response, next: NextFunction) => {
      res.set({ 'Content-Security-Policy': GRAPHQL_CSP, 'Cache-Control': 'no-store' });
      next();
    },
    // Authenticated from the headers before any body is read: the multipart parser refuses
    // anonymous uploads without reading them.
    edge.scopeMiddleware,
    graphqlMultipart(
      { maxFileBytes: env.maxUploadBytes, maxFiles: MAX_FILES_PER_REQUEST, maxFieldBytes: MAX_FIELD_BYTES, stallMs: env.uploadStallMs },
      uploadBudget,
      (scope, files) => services.images.admitUploads(scope, files),
      log,
    ),
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GraphQLContext> => ({
        scope: scopeOf(req),
        session: { start: (token) => edge.startSession(res, token), end: () => edge.endSession(res) },
        device: { token: edge.deviceOf(req), remember: (token) => edge.rememberDevice(res, token) },
        quietLog: () => {
          res.locals.quietLog = true;
        },
      }),
    }),
  );

  // Altair is an Express app of its own: it would announce Express, and keep pasted bearer tokens between visits.
  const playground = () => {
    const altair = altairExpress({
      cspNonceGenerator: (_req, res) => String(res.locals.cspNonce),
      baseURL: '/playground/',
      endpointURL: '/graphql',
      initialHeaders: { 'Apollo-Require-Preflight': 'true' },
      initialQuery: '{ me { id username } }',
      disableAccount: true,
      preserveState: false,
    });
    altair.disable('x-powered-by');
    return altair;
  };
  if (env.playground) {
    app.use(
      '/playground',
      (_req: Request, res: Response, next: NextFunction) => {
        res.locals.cspNonce = randomBytes(16).toString('base64');
        res.set('Content-Security-Policy', playgroundCsp(String(res.locals.cspNonce)));
        next();
      },
      playground(),
    );
  }

  mountClient(app, env);

  // Last resort: malformed JSON and anything unexpected, answered without internals.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const infrastructure = infrastructureError(error);
    if (infrastructure) {
      req.log.error({ err: error }, `infrastructure failure: ${infrastructure.code}`);
      if (res.headersSent) return void res.end();
      res.set('Retry-After', String(infrastructure.details?.retryAfterSeconds ?? 5));
      return void res.status(infrastructure.httpStatus).json({ errors: [{ message: infrastructure.message, extensions: { code: infrastructure.code, ...infrastructure.details } }] });
    }
    const status = (error as { status?: number; statusCode?: number }).status ?? 500;
    if (status >= 500) req.log.error({ err: error }, 'unhandled request error');
    if (res.headersSent) return void res.end();
    const message = status >= 500 ? 'Something went wrong on the server.' : 'The request could not be read.';
    res.status(status).json({ errors: [{ message, extensions: { code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  return {
    app,
    services,
    uploads: uploadBudget,
    tasks: modules.flatMap((m) => m.tasks?.(services, env) ?? []),
    stop: async () => {
      await apollo.stop();
      // Mails of requests already answered still go out.
      await services.jobs.idle();
    },
  };
}

/**
 * What a response's errors mean for HTTP: one that only says "slow down" is logged at debug
 * level; one that only says the database or the disk failed gets that status (503 or 507) and a
 * Retry-After, so proxies and scripts see it without reading the body.
 */
const httpFromErrors: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (!errors?.length) return;
        const codes = new Set(errors.map((e) => e.extensions?.code));
        if (codes.size !== 1) return;
        const [code] = codes;
        if (code === 'RATE_LIMITED') contextValue.quietLog();
        if (code === 'SERVICE_UNAVAILABLE' || code === 'STORAGE_FULL') {
          response.http.status = code === 'STORAGE_FULL' ? 507 : 503;
          response.http.headers.set('Retry-After', String(errors[0]!.extensions?.retryAfterSeconds ?? 5));
        }
      },
    };
  },
};

const READY_TIMEOUT_MS = 2000;

/** Each dependency's state for /readyz: 'ok' or the code a request would get now. */
async function readiness(orm: Orm, blobs: BlobStore): Promise<Record<'database' | 'storage', string>> {
  const check = async (work: () => Promise<unknown>): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('readiness check timed out'), { code: 'ETIMEDOUT' })), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([work(), timeout]);
      return 'ok';
    } catch (error) {
      return infrastructureError(error)?.code ?? 'INTERNAL_SERVER_ERROR';
    } finally {
      clearTimeout(timer);
    }
  };
  const [database, storage] = await Promise.all([check(() => orm.em.fork().getConnection().execute('select 1')), check(() => blobs.probe())]);
  return { database, storage };
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
