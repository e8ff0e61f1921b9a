import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, maskError, type YogaInitialContext } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../access/authenticator.js';
import type { KeyLimits } from '../access/key-limits.js';
import type { Viewer } from '../access/viewer.js';
import type { Config } from '../config/config.js';
import { NotFoundError } from '../lib/errors.js';
import type { ErrorReporter } from '../lib/error-reporter.js';
import type { Logger } from '../lib/logger.js';
import { isPromise } from '../lib/maybe-promise.js';
import { createClientConnections, originAllowed } from './client-connections.js';
import { loadDashboardAssets } from './dashboard-assets.js';
import { createContext, type ContextDeps, type DirectFrames, type GraphQLContext } from './context.js';
import { operationGuardPlugin } from './operation-guard.js';
import { operationLimitPlugins } from './operation-limits.js';
import { PLAYGROUND_TABS, renderPlayground } from './playground.js';
import { loadPersistedOperations, persistedOperationPlugins, type PersistedOperations } from './persisted-operations.js';
import { schema } from './schema/index.js';
import { sharedSubscriptionsPlugin } from './shared-subscriptions.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  graphiql: boolean;
  maxBodyBytes: number;
  http: Config['http'];
  graphql: Config['graphql'];
  /** Readiness: resolves when the process can serve (database and queue reachable). */
  ready: () => Promise<boolean>;
  /** The process's Prometheus metrics, served at /metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** The built dashboard's directory, served at /dashboard (static files: no key needed to load them). */
  dashboardDir?: string;
}

export interface ApiServerDeps extends ContextDeps {
  log: Logger;
  /** Unexpected errors go here besides the log (Sentry). */
  reporter?: ErrorReporter;
  auth: Authenticator;
  keyLimits: KeyLimits;
}

export interface ApiServer {
  /** http://host:port of the listening server. */
  url: string;
  /** Long-lived connections open now: graphql-ws sockets and SSE responses (leak checks; gauges). */
  openConnections(): { websockets: number; eventStreams: number };
  stop(): Promise<void>;
}

// Bodies a browser form can send without a CORS preflight: never GraphQL here (CSRF).
const JSON_TYPES = ['application/json', 'application/graphql-response+json'];

/** A viewer with no scopes: what serves the GraphiQL page itself when AUTH=required. */
const NOBODY: Viewer = { keyId: null, tenantId: '', scopes: new Set(), limits: null };

/**
 * GraphQL over HTTP (POST/GET, SSE subscriptions) and graphql-ws on one port, plus /healthz,
 * /readyz, /metrics (Prometheus) and the dashboard's files at /dashboard/. WebSocket operations run through Yoga's envelop, so they get the same masking, parsing,
 * limits and plugins as HTTP ones. Every request is authenticated (AUTH), rate-limited per key,
 * and refused when it comes from a foreign browser origin or as a form.
 */
export async function startApiServer(deps: ApiServerDeps, options: ApiServerOptions): Promise<ApiServer> {
  const { log, auth, keyLimits } = deps;
  const contextDeps: ContextDeps = deps;
  const persisted: PersistedOperations | undefined = options.graphql.persistedOperationsFile
    ? await loadPersistedOperations(options.graphql.persistedOperationsFile)
    : undefined;
  const connections = createClientConnections(options.http.maxConnectionsPerClient, options.http.trustedProxies);
  const corsOrigins = options.http.corsOrigins;
  const eventStreams = new Set<ServerResponse>();
  const dashboard = options.dashboardDir ? await loadDashboardAssets(options.dashboardDir) : undefined;
  if (dashboard && !dashboard.built)
    log.warn({ dir: options.dashboardDir }, 'the dashboard is not built: run npm run build:dashboard');

  const yoga = createYoga<{ viewer: Viewer }, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ? { subscriptionsProtocol: 'WS', title: 'Distill', defaultTabs: PLAYGROUND_TABS } : false,
    renderGraphiQL: renderPlayground,
    landingPage: false,
    // route() below already requires a Content-Length within the limit, and Node reads no more than
    // that; Yoga's own check pipes every body through a TransformStream (measurable API CPU).
    maxRequestBodySize: false,
    // Only listed origins get CORS headers; bearer keys, not cookies, so never credentials.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !corsOrigins.includes(origin)) return false;
      return {
        origin: [origin],
        credentials: false,
        methods: ['GET', 'POST'],
        allowedHeaders: ['authorization', 'content-type', 'accept'],
        maxAge: 600,
      };
    },
    plugins: [
      ...operationLimitPlugins(options.graphql),
      operationGuardPlugin(options.graphql.maxComplexity),
      sharedSubscriptionsPlugin(),
      ...(persisted ? persistedOperationPlugins(persisted) : []),
    ],
    // Never send stack traces or internal messages to clients; log them here instead.
    maskedErrors: {
      isDev: false,
      maskError: (error, message) => {
        // Where no error union exists (subscriptions), a missing article is still said so.
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof NotFoundError)
          return new GraphQLError(original.message, {
            ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
            extensions: { code: 'NOT_FOUND' },
          });
        const masked = maskError(error, message, false);
        if (masked.message === message) {
          log.error({ err: error }, 'unexpected error in a GraphQL operation');
          deps.reporter?.capture(original ?? error, {
            graphqlPath: error instanceof GraphQLError ? error.path?.join('.') : undefined,
          });
        }
        return masked;
      },
    },
    // Yoga logs a few debug lines per request; below debug level they must cost nothing.
    logging: {
      debug: log.isLevelEnabled('debug') ? (...args) => log.debug({ args }, 'yoga') : () => {},
      info: (...args) => log.info({ args }, 'yoga'),
      warn: (...args) => log.warn({ args }, 'yoga'),
      error: (...args) => log.error({ args }, 'yoga'),
    },
    context: ({ viewer }) => createContext(contextDeps, viewer),
  });

  // A client that sends its headers or body slowly does not hold a socket for Node's 300 s default.
  const server = createServer(
    {
      // Node requires headersTimeout <= requestTimeout.
      headersTimeout: Math.min(options.http.headersTimeoutMs, options.http.requestTimeoutMs),
      requestTimeout: options.http.requestTimeoutMs,
      // How often Node looks for requests over those timeouts (its default is every 30 s).
      connectionsCheckingInterval: Math.min(1_000, options.http.headersTimeoutMs / 2, options.http.requestTimeoutMs / 2),
    },
    (req, res) => {
      void route(req, res).catch((err: unknown) => {
        log.error({ err }, 'request failed');
        deps.reporter?.capture(err, { url: (req.url ?? '').split('?')[0] });
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    },
  );

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (dashboard?.serve(path!, req, res)) return;
    if (path === '/metrics' && options.metrics && req.method === 'GET') {
      const { contentType, body } = await options.metrics();
      return void res.writeHead(200, { 'content-type': contentType }).end(body);
    }
    if (path === '/readyz') {
      const ready = await options.ready().catch(() => false);
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    // Preflights: Yoga answers them, with CORS headers only for listed origins.
    if (req.method === 'OPTIONS') return void (await yoga(req, res, { viewer: NOBODY }));
    if (!originAllowed(req, corsOrigins))
      return refuse(res, 403, 'FORBIDDEN_ORIGIN', `Origin ${req.headers.origin} may not call this API (CORS_ORIGINS)`);
    if (req.method === 'POST') {
      const length = Number(req.headers['content-length']);
      if (!req.headers['content-length'] || !Number.isFinite(length))
        return refuse(res, 411, 'LENGTH_REQUIRED', 'A Content-Length header is required');
      if (length > options.maxBodyBytes)
        return refuse(res, 413, 'BODY_TOO_LARGE', `Request body is ${length} bytes; the limit is ${options.maxBodyBytes}`);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!JSON_TYPES.includes(type))
        return refuse(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'POST a JSON body (Content-Type: application/json)');
    }

    let viewer: Viewer;
    let authentication = auth.authenticate(req.headers.authorization);
    if (isPromise(authentication)) authentication = await authentication;
    if (authentication.ok) viewer = authentication.viewer;
    else if (isGraphiqlPage(req)) viewer = NOBODY;
    else {
      res.setHeader('www-authenticate', 'Bearer');
      return refuse(res, 401, 'UNAUTHENTICATED', authentication.reason);
    }
    let admitted = keyLimits.admitRequest(viewer);
    if (isPromise(admitted)) admitted = await admitted;
    if (!admitted.ok) {
      res.setHeader('retry-after', String(admitted.retryAfterSeconds));
      return refuse(res, 429, 'RATE_LIMITED', `Too many requests for this API key; retry in ${admitted.retryAfterSeconds} s`, {
        retryAfterSeconds: admitted.retryAfterSeconds,
      });
    }

    const stream = (req.headers.accept ?? '').includes('text/event-stream');
    if (stream) {
      if (!connections.acquire(req))
        return refuse(res, 429, 'TOO_MANY_CONNECTIONS', 'This client has too many open subscriptions streams');
      eventStreams.add(res);
      res.once('close', () => {
        eventStreams.delete(res);
        connections.release(req);
      });
    }
    await yoga(req, res, { viewer });
  }

  function isGraphiqlPage(req: IncomingMessage): boolean {
    return (
      options.graphiql && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html') && !req.url?.includes('query=')
    );
  }

  const wss = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: options.maxBodyBytes,
    verifyClient: ({ req }, done) => {
      if (!originAllowed(req, corsOrigins)) return done(false, 403, 'Origin not allowed');
      if (!connections.acquire(req)) return done(false, 429, 'Too many connections from this client');
      done(true);
    },
  });
  wss.on('connection', (socket, req) => {
    socket.once('close', () => connections.release(req));
  });

  type Extra = { viewer?: Viewer };
  const wsServer = useServer<Record<string, unknown> | undefined, Extra>(
    {
      onConnect: async (ctx) => {
        const authentication = await auth.authenticate(ctx.connectionParams?.authorization);
        if (!authentication.ok) {
          ctx.extra.socket.close(4401, 'Unauthorized');
          return false;
        }
        ctx.extra.viewer = authentication.viewer;
        return true;
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, id, payload) => {
        const viewer = ctx.extra.viewer!;
        // graphql-ws registers the subscription (as pending) before onSubscribe: it counts itself.
        if (Object.keys(ctx.subscriptions).length > options.http.maxSubscriptionsPerConnection)
          return [
            new GraphQLError(`A connection may hold at most ${options.http.maxSubscriptionsPerConnection} subscriptions`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        const admitted = await keyLimits.admitRequest(viewer);
        if (!admitted.ok)
          return [
            new GraphQLError(`Too many requests for this API key; retry in ${admitted.retryAfterSeconds} s`, {
              extensions: { code: 'RATE_LIMITED', retryAfterSeconds: admitted.retryAfterSeconds },
            }),
          ];
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          viewer,
        } as unknown as YogaInitialContext);
        let query = payload.query;
        if (persisted) {
          const resolved = persisted.resolve(payload);
          if (resolved instanceof GraphQLError) return [resolved];
          query = resolved;
        }
        let document;
        try {
          document = enveloped.parse(query);
        } catch (err) {
          return [err as never];
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: Object.assign(await enveloped.contextFactory(), { frames: directFrames(ctx.extra.socket, id) }),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        let errors;
        try {
          errors = enveloped.validate(args.schema, args.document);
        } catch (err) {
          // graphql-armor throws its rejections out of validation.
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        if (errors.length > 0) return errors;
        return args;
      },
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    openConnections: () => ({ websockets: wss.clients.size, eventStreams: eventStreams.size }),
    async stop() {
      await wsServer.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeIdleConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // SSE subscriptions never end by themselves: cut them (their clients reconnect elsewhere),
      // which ends their iterators; requests still running get two seconds.
      for (const res of eventStreams) res.destroy();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
      await closed;
    },
  };
}

/** A client this far behind (bytes queued on its socket) is dropped rather than buffered without bound. */
const MAX_SOCKET_BACKLOG = 8 * 1024 * 1024;

/**
 * Sockets written to in this turn of the event loop, corked until it ends: the frames a socket gets
 * in one turn (a burst of events) leave in one write, not one system call each (the system call is
 * most of a frame's cost).
 */
const corked = new Set<Socket>();
function cork(socket: Socket): void {
  if (corked.has(socket)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.add(socket);
  socket.cork();
}
function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/** Writes `next` frames of one graphql-ws subscription straight to its socket. */
function directFrames(socket: WebSocket, id: string): DirectFrames {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  // ws keeps the connection's TCP socket here (not in its typings).
  const raw = (socket as unknown as { _socket: Socket })._socket;
  return {
    send(resultJson) {
      if (socket.readyState !== socket.OPEN) return false;
      if (socket.bufferedAmount > MAX_SOCKET_BACKLOG) {
        socket.close(4429, 'Too far behind');
        return false;
      }
      cork(raw);
      socket.send(`${head}${resultJson}}`);
      return true;
    },
  };
}

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;
type EnvelopedRoot = { execute: (args: ExecutionArgs) => OperationResult; subscribe: (args: ExecutionArgs) => OperationResult };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Refuses a request before GraphQL sees it, as a GraphQL error response. */
function refuse(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  // The request body is not read; close the connection so the client stops sending it.
  res.setHeader('connection', 'close');
  json(res, status, { errors: [{ message, extensions: { code, ...extensions } }] });
}
