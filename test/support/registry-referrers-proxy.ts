/**
 * A registry *with* the OCI 1.1 referrers API, for tests: a node:http front for docker-registry
 * 2.8 that remembers every manifest PUT with a `subject`, answers `OCI-Subject` on such PUTs, and
 * serves `GET /v2/<name>/referrers/<digest>` (OCI index, `artifactType` filter with
 * `OCI-Filters-Applied`, pages of `pageSize` with `Link: <…>; rel="next"`). Unknown repositories
 * get a JSON 404 NAME_UNKNOWN, as registries with the API do.
 */
import { createServer, request } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ReferrersProxy {
  url: string;
  host: string;
  /** Referrers API requests served. */
  apiRequests: number;
  stop(): Promise<void>;
}

interface Entry {
  repo: string;
  subject: string;
  descriptor: Record<string, unknown>;
}

export async function startReferrersProxy(upstream: string, options: { pageSize?: number } = {}): Promise<ReferrersProxy> {
  const up = new URL(upstream);
  const entries: Entry[] = [];
  const repos = new Set<string>();
  const pageSize = options.pageSize ?? 2;
  const state = { apiRequests: 0 };
  let self = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', self);
    const ref = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
    if (ref && req.method === 'GET') {
      state.apiRequests++;
      req.resume();
      const [, repo, subject] = ref as unknown as [string, string, string];
      if (!repos.has(repo)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
        return;
      }
      const type = url.searchParams.get('artifactType');
      const all = entries.filter((e) => e.repo === repo && e.subject === subject && (!type || e.descriptor.artifactType === type));
      const start = Number(url.searchParams.get('page') ?? '0');
      const page = all.slice(start * pageSize, (start + 1) * pageSize);
      const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
      if (type) headers['oci-filters-applied'] = 'artifactType';
      if ((start + 1) * pageSize < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(start + 1));
        headers.link = `<${next.pathname}${next.search}>; rel="next"`;
      }
      res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: page.map((e) => e.descriptor) }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname);
      let subject: string | undefined;
      if (m && m[2] === 'manifests' && req.method === 'PUT') {
        try {
          const parsed = JSON.parse(body.toString()) as Record<string, any>;
          subject = parsed.subject?.digest;
          if (subject) {
            const digest = 'sha256:' + createHash('sha256').update(body).digest('hex');
            const descriptor: Record<string, unknown> = { mediaType: parsed.mediaType, digest, size: body.length };
            descriptor.artifactType = parsed.artifactType ?? parsed.config?.mediaType;
            if (parsed.annotations) descriptor.annotations = parsed.annotations;
            if (!entries.some((e) => e.repo === m[1] && e.descriptor.digest === digest)) entries.push({ repo: m[1]!, subject, descriptor });
          }
        } catch {
          // not JSON: the registry will say so
        }
      }
      const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const headers = { ...ur.headers };
        if (m && (ur.statusCode ?? 0) < 300) repos.add(m[1]!);
        if (subject && ur.statusCode === 201) headers['oci-subject'] = subject;
        res.writeHead(ur.statusCode ?? 502, headers);
        ur.pipe(res);
      });
      fwd.on('error', () => res.writeHead(502).end());
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  self = `http://127.0.0.1:${port}`;
  return {
    url: self,
    host: `127.0.0.1:${port}`,
    get apiRequests() {
      return state.apiRequests;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  } as ReferrersProxy;
}
