/**
 * A real bearer-token front for a test registry: a node:http server that issues tokens at
 * `/token` (distribution "token authentication": Basic credentials in, scoped token out) and
 * forwards `/v2/…` to the upstream registry only with a token covering the request's scope,
 * answering `401` + `WWW-Authenticate: Bearer realm=…,service=…,scope=…` otherwise.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface TokenProxy {
  url: string;
  host: string;
  /** Token requests served (successful or not). */
  tokenRequests: number;
  /** Scopes asked for in each token request. */
  requestedScopes: string[][];
  stop(): Promise<void>;
}

const SERVICE = 'scitt-test-registry';

/** Scope needed for a registry request, or '' for `/v2/` (any valid token). */
function neededScopes(method: string, url: URL): string[] {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(url.pathname);
  if (!m) return [];
  const action = method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'push';
  const scopes = [`repository:${m[1]}:${action}`];
  const from = url.searchParams.get('from');
  if (from) scopes.push(`repository:${from}:pull`);
  return scopes;
}

function covers(granted: Set<string>, needed: string): boolean {
  const [type, name, action] = needed.split(':');
  return granted.has(`${type}:${name}:${action}`);
}

export async function startTokenProxy(upstream: string, users: Record<string, string>, options: { expiresIn?: number } = {}): Promise<TokenProxy> {
  const tokens = new Map<string, Set<string>>();
  const up = new URL(upstream);
  const state = { tokenRequests: 0, requestedScopes: [] as string[][] };
  let self = '';

  const serveToken = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    state.tokenRequests++;
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    state.requestedScopes.push(scopes);
    const auth = req.headers.authorization ?? '';
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
    if (!auth.startsWith('Basic ') || user === undefined || users[user] !== pass || url.searchParams.get('service') !== SERVICE) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
      return;
    }
    const granted = new Set<string>();
    for (const s of scopes) {
      const [type, name, actions] = s.split(':');
      for (const a of (actions ?? '').split(',')) granted.add(`${type}:${name}:${a}`);
    }
    const token = randomBytes(16).toString('hex');
    tokens.set(token, granted);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: options.expiresIn ?? 300 }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', self);
    if (url.pathname === '/token') return serveToken(req, res, url);
    const needed = neededScopes(req.method ?? 'GET', url);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const granted = token ? tokens.get(token) : undefined;
    if (!granted || !needed.every((s) => covers(granted, s))) {
      req.resume();
      const scope = needed.length ? `,scope="${needed.join(' ')}"` : '';
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="${self}/token",service="${SERVICE}"${scope}`,
      }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    fwd.on('error', () => res.writeHead(502).end());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  self = `http://127.0.0.1:${port}`;
  return {
    url: self,
    host: `127.0.0.1:${port}`,
    get tokenRequests() {
      return state.tokenRequests;
    },
    get requestedScopes() {
      return state.requestedScopes;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  } as TokenProxy;
}
