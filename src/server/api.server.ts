import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs } from 'graphql';
import { createYoga, maskError, type YogaInitialContext } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../lib/logger.js';
import { createContext, type ContextDeps, type GraphQLContext } from './context.js';
import { schema } from './schema/index.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  graphiql: boolean;
  maxBodyBytes: number;
  /** Readiness: resolves when the process can serve (database and queue reachable). */
  ready: () => Promise<boolean>;
}

export interface ApiServer {
  /** http://host:port of the listening server. */
  url: string;
  stop(): Promise<void>;
}

/**
 * GraphQL over HTTP (POST/GET, SSE subscriptions) and graphql-ws on one port, plus /healthz and
 * /readyz. WebSocket operations run through Yoga's envelop, so they get the same masking, parsing
 * and plugins as HTTP ones.
 */
export async function startApiServer(deps: ContextDeps & { log: Logger }, options: ApiServerOptions): Promise<ApiServer> {
  const { log } = deps;
  const yoga = createYoga<Record<string, never>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ? { subscriptionsProtocol: 'WS', title: 'Distill' } : false,
    landingPage: false,
    // route() below already requires a Content-Length within the limit, and Node reads no more than
    // that; Yoga's own check pipes every body through a TransformStream (measurable API CPU).
    maxRequestBodySize: false,
    // Never send stack traces or internal messages to clients; log them here instead.
    maskedErrors: {
      isDev: false,
      maskError: (error, message) => {
        const masked = maskError(error, message, false);
        if (masked.message === message) log.error({ err: error }, 'unexpected error in a GraphQL operation');
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
    context: () => createContext(deps),
  });

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = await options.ready().catch(() => false);
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    if (req.method === 'POST') {
      const length = Number(req.headers['content-length']);
      if (!req.headers['content-length'] || !Number.isFinite(length))
        return graphqlError(res, 411, 'A Content-Length header is required');
      if (length > options.maxBodyBytes)
        return graphqlError(res, 413, `Request body is ${length} bytes; the limit is ${options.maxBodyBytes}`);
    }
    await yoga.requestListener(req, res);
  }

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: options.maxBodyBytes });
  const wsServer = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        } as unknown as YogaInitialContext);
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (err) {
          return [err as never];
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        const errors = enveloped.validate(args.schema, args.document);
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
    async stop() {
      await wsServer.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeIdleConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Long-lived SSE responses would hold close() open forever.
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
      await closed;
    },
  };
}

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;
type EnvelopedRoot = { execute: (args: ExecutionArgs) => OperationResult; subscribe: (args: ExecutionArgs) => OperationResult };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function graphqlError(res: ServerResponse, status: number, message: string): void {
  // The request body is not read; close the connection so the client stops sending it.
  res.setHeader('connection', 'close');
  json(res, status, { errors: [{ message, extensions: { code: status === 413 ? 'BODY_TOO_LARGE' : 'LENGTH_REQUIRED' } }] });
}
