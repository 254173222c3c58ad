/**
 * OCI distribution-spec 1.1 client on global `fetch`: manifests, blobs (monolithic upload,
 * cross-repository mount), the referrers API, and Basic/Bearer authentication.
 * Plain http for loopback hosts, https otherwise (override with `plainHttp`).
 */
import { Authenticator, isLoopbackHost } from './auth.challenge.js';
import { indexManifests, parseJsonObject, type Descriptor } from './descriptor.js';
import type { Credentials, CredentialSource } from './docker-config.credentials.js';
import { digestLike, isDigest, sha256Digest, verifyDigest } from './digest.js';
import { MANIFEST_ACCEPT, MEDIA_TYPE_OCI_INDEX } from './media-types.js';
import { OciError, RegistryError, codeForStatus, parseErrorBody } from './oci.errors.js';
import { isRepositoryName } from './reference.parser.js';

export interface RegistryClientOptions {
  /** `host[:port]` as in references. */
  registry: string;
  /** Use http instead of https. Default: true for loopback hosts (localhost, 127.x, ::1), else false. */
  plainHttp?: boolean;
  /** Credentials for this registry, or a source keyed by host (e.g. {@link dockerConfigCredentials}). */
  credentials?: Credentials | CredentialSource;
  /** Per-request timeout in ms (default 60 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Clock for token expiry (default `Date.now`). */
  now?: () => number;
  userAgent?: string;
}

/** Result of the referrers API probe for one subject. */
export type ReferrersApiResult =
  | { status: 'supported'; manifests: Descriptor[] }
  | { status: 'unsupported'; httpStatus: number }
  /** 404 NAME_UNKNOWN / MANIFEST_UNKNOWN: says nothing about support (repository may not exist). */
  | { status: 'unknown'; httpStatus: number };

interface RequestInit2 {
  scopes: string[];
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses returned to the caller instead of thrown. */
  ok: number[];
  what: string;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * A plain distribution-spec client for one registry: manifests, blobs and the referrers API
 * endpoint. It caches auth tokens and nothing else; the referrers workflow (mode, detection cache,
 * tag-schema fallback) is {@link RegistryReferrerTarget}'s (referrers.registry.ts).
 * @example
 *   const client = new RegistryClient({ registry: '127.0.0.1:5000', credentials: dockerConfigCredentials() });
 *   const subject = await client.headManifest('team/app', 'sha256:…');
 */
export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly auth: Authenticator;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    const hostname = new URL(`http://${options.registry}`).hostname;
    const plain = options.plainHttp ?? isLoopbackHost(hostname);
    this.baseUrl = `${plain ? 'http' : 'https'}://${options.registry}`;
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.userAgent = options.userAgent ?? 'scitt-ledger-oci/0.1';
    const creds = typeof options.credentials === 'function' ? options.credentials(options.registry) : options.credentials;
    this.auth = new Authenticator({
      registry: options.registry,
      ...(creds ? { credentials: creds } : {}),
      fetch: this.fetchFn,
      now: options.now ?? Date.now,
      userAgent: this.userAgent,
    });
  }

  /** `GET /v2/`: resolves when the registry answers 200 (after authenticating if asked to). */
  async ping(): Promise<void> {
    const res = await this.request('GET', '/v2/', { scopes: [], ok: [200], what: `ping ${this.registry}` });
    await res.arrayBuffer();
  }

  /**
   * `HEAD` a manifest by tag or digest: its descriptor (media type, digest, size), or undefined
   * when the registry has no such manifest. Sends `Accept` for OCI and Docker manifests and indexes.
   */
  async headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    const res = await this.request('HEAD', this.path(repository, 'manifests', reference), {
      scopes: [pull(repository)],
      headers: { accept: MANIFEST_ACCEPT },
      ok: [200, 404],
      what: `find manifest ${repository}:${reference}`,
    });
    await res.arrayBuffer();
    if (res.status === 404) return undefined;
    const digest = res.headers.get('docker-content-digest');
    const size = Number(res.headers.get('content-length'));
    const mediaType = contentType(res);
    if (!digest || !isDigest(digest) || !Number.isSafeInteger(size) || !mediaType) {
      // Not every registry sends these on HEAD: fall back to a GET.
      return (await this.getManifest(repository, reference)).descriptor;
    }
    if (isDigest(reference) && digest !== reference) {
      throw new RegistryError('ERR_OCI_DIGEST_MISMATCH', `couldn't find manifest ${repository}@${reference}: the registry answered for ${digest}`, { status: res.status });
    }
    return { mediaType, digest, size };
  }

  /** `GET` a manifest; verifies its digest (against the reference or `Docker-Content-Digest`). Throws `ERR_OCI_NOT_FOUND`. */
  async getManifest(repository: string, reference: string): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
    const what = `fetch manifest ${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const res = await this.request('GET', this.path(repository, 'manifests', reference), {
      scopes: [pull(repository)],
      headers: { accept: MANIFEST_ACCEPT },
      ok: [200],
      what,
    });
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES, what);
    const header = res.headers.get('docker-content-digest');
    let digest: string;
    if (isDigest(reference)) {
      verifyDigest(bytes, reference, `manifest ${repository}@${reference}`);
      digest = reference;
    } else if (header && isDigest(header)) {
      verifyDigest(bytes, header, `manifest ${repository}:${reference}`);
      digest = header;
    } else {
      digest = sha256Digest(bytes);
    }
    let mediaType = contentType(res);
    if (!mediaType || mediaType === 'application/json') {
      const m = parseJsonObject(bytes, `manifest ${repository}@${digest}`).mediaType;
      mediaType = typeof m === 'string' ? m : mediaType;
    }
    return { descriptor: { mediaType: mediaType ?? 'application/octet-stream', digest, size: bytes.length }, bytes };
  }

  /**
   * `PUT` a manifest by tag or digest. Returns its digest and the `OCI-Subject` header, which a
   * registry with the referrers API sends for a manifest that has a subject.
   */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<{ digest: string; ociSubject?: string }> {
    const digest = isDigest(reference) ? digestLike(reference, bytes) : sha256Digest(bytes);
    if (isDigest(reference) && digest !== reference) {
      throw new OciError('ERR_OCI_DIGEST_MISMATCH', `couldn't push manifest ${repository}@${reference}: the bytes hash to ${digest}`);
    }
    const res = await this.request('PUT', this.path(repository, 'manifests', reference), {
      scopes: [pushPull(repository)],
      headers: { 'content-type': mediaType },
      body: bytes,
      ok: [200, 201, 202],
      what: `push manifest ${repository}${isDigest(reference) ? '@' : ':'}${reference}`,
    });
    await res.arrayBuffer();
    const returned = res.headers.get('docker-content-digest');
    if (returned && isDigest(returned) && returned.startsWith('sha256:') && digest.startsWith('sha256:') && returned !== digest) {
      throw new RegistryError('ERR_OCI_DIGEST_MISMATCH', `couldn't push manifest ${repository}: the registry stored ${returned}, we sent ${digest}`, { status: res.status });
    }
    const ociSubject = res.headers.get('oci-subject') ?? undefined;
    return { digest, ...(ociSubject ? { ociSubject } : {}) };
  }

  /** `DELETE` a manifest by digest (the registry must allow deletes). */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await this.request('DELETE', this.path(repository, 'manifests', digest), {
      scopes: [`repository:${repository}:delete`],
      ok: [202, 200],
      what: `delete manifest ${repository}@${digest}`,
    });
    await res.arrayBuffer();
  }

  /** `HEAD` a blob: true when the repository has it. */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', this.path(repository, 'blobs', digest), {
      scopes: [pull(repository)],
      ok: [200, 404],
      what: `find blob ${repository}@${digest}`,
    });
    await res.arrayBuffer();
    return res.status === 200;
  }

  /** `GET` a blob and verify its digest. Throws `ERR_OCI_NOT_FOUND`, `ERR_OCI_DIGEST_MISMATCH`. */
  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    const what = `fetch blob ${repository}@${digest}`;
    const res = await this.request('GET', this.path(repository, 'blobs', digest), { scopes: [pull(repository)], ok: [200], what });
    const bytes = new Uint8Array(await res.arrayBuffer());
    verifyDigest(bytes, digest, `blob ${repository}@${digest}`);
    return bytes;
  }

  /**
   * Uploads a blob unless the repository has it: tries a cross-repository mount first when
   * `mountFrom` names a repository of this registry (a 202 answer starts an ordinary upload),
   * else `POST` then a monolithic `PUT ?digest=`. Returns the digest.
   * `content` may be a loader, called only when bytes must be sent (then `digest` is required).
   */
  async pushBlob(
    repository: string,
    content: Uint8Array | (() => Promise<Uint8Array>),
    options: { digest?: string; mountFrom?: string; likelyNew?: boolean } = {},
  ): Promise<string> {
    if (typeof content === 'function' && !options.digest) throw new OciError('ERR_OCI_DIGEST_INVALID', `couldn't push blob to ${repository}: a loader needs the digest`);
    const digest = options.digest ?? sha256Digest(content as Uint8Array);
    if (typeof content !== 'function') verifyDigest(content, digest, `blob for ${repository}`);
    // likelyNew: content unique to this push (a receipt): skip the HEAD that would only say 404 —
    // uploading a blob the registry already has is harmless (content-addressed)
    if (!options.likelyNew && (await this.blobExists(repository, digest))) return digest;
    const what = `push blob ${repository}@${digest}`;
    let path = this.path(repository, 'blobs', 'uploads') + '/';
    const scopes = [pushPull(repository)];
    if (options.mountFrom && options.mountFrom !== repository) {
      if (!isRepositoryName(options.mountFrom)) throw new OciError('ERR_OCI_REFERENCE_INVALID', `couldn't mount blob: bad repository ${options.mountFrom}`);
      path += `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(options.mountFrom)}`;
      scopes.push(pull(options.mountFrom));
    }
    const started = await this.request('POST', path, { scopes, headers: { 'content-length': '0' }, ok: [201, 202], what });
    await started.arrayBuffer();
    if (started.status === 201) return digest; // mounted
    const location = started.headers.get('location');
    if (!location) throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't ${what}: upload started without a Location`, { status: started.status });
    const bytes = typeof content === 'function' ? await content() : content;
    if (typeof content === 'function') verifyDigest(bytes, digest, `blob for ${repository}`);
    const url = new URL(location, this.baseUrl + path); // relative, absolute, or with a query already
    // Append by hand: re-serialising the registry's own query (`_state=…`) could alter it.
    url.search = (url.search ? url.search + '&' : '?') + 'digest=' + encodeURIComponent(digest);
    const put = await this.request('PUT', url.toString(), {
      scopes,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      ok: [201, 204],
      what,
    });
    await put.arrayBuffer();
    return digest;
  }

  /**
   * The referrers API for `subject` (`GET /v2/<name>/referrers/<digest>`), following `Link`
   * pages, filtering by `artifactType` client-side when the registry did not.
   */
  async referrersApi(repository: string, subject: string, artifactType?: string): Promise<ReferrersApiResult> {
    let url = this.baseUrl + this.path(repository, 'referrers', subject) + (artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '');
    const manifests: Descriptor[] = [];
    let filtered = true;
    for (let page = 0; page < 1000; page++) {
      const what = `list referrers of ${repository}@${subject}`;
      const res = await this.request('GET', url, { scopes: [pull(repository)], headers: { accept: MEDIA_TYPE_OCI_INDEX }, ok: [200, 404, 400, 405], what });
      const body = await readLimited(res, MAX_MANIFEST_BYTES, what);
      if (res.status === 404) {
        const code = parseErrorBody(new TextDecoder().decode(body))[0]?.code;
        if (page === 0 && (code === 'NAME_UNKNOWN' || code === 'MANIFEST_UNKNOWN')) return { status: 'unknown', httpStatus: 404 };
        return { status: 'unsupported', httpStatus: res.status };
      }
      if (res.status !== 200 || contentType(res) !== MEDIA_TYPE_OCI_INDEX) return { status: 'unsupported', httpStatus: res.status };
      manifests.push(...indexManifests(parseJsonObject(body, `referrers of ${subject}`), `referrers of ${subject}`));
      if (artifactType && !(res.headers.get('oci-filters-applied') ?? '').split(',').map((s) => s.trim()).includes('artifactType')) filtered = false;
      const next = nextLink(res.headers.get('link'));
      if (!next) break;
      const nextUrl = new URL(next, url);
      if (nextUrl.origin !== new URL(this.baseUrl).origin) {
        throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't ${what}: the next page is on another origin (${nextUrl.origin})`, { status: res.status });
      }
      url = nextUrl.toString();
    }
    return { status: 'supported', manifests: artifactType && !filtered ? manifests.filter((d) => d.artifactType === artifactType) : manifests };
  }

  /**
   * One authenticated request; a status outside `ok` becomes a {@link RegistryError}.
   * Idempotent requests (GET, HEAD, PUT by digest or tag) are retried twice after a transient
   * failure — no answer, 429, 500, 502, 503, 504 — with a short backoff: docker-registry 2.8
   * answers 500 to a blob HEAD racing a concurrent upload of the same blob (seen in tests).
   */
  private async request(method: string, pathOrUrl: string, init: RequestInit2): Promise<Response> {
    const idempotent = method === 'GET' || method === 'HEAD' || method === 'PUT';
    for (let retry = 0; ; retry++) {
      try {
        return await this.requestOnce(method, pathOrUrl, init);
      } catch (err) {
        const transient = err instanceof RegistryError && (err.status === 0 || TRANSIENT.has(err.status));
        if (!idempotent || !transient || retry >= 2) throw err;
        await new Promise((r) => setTimeout(r, 100 * 4 ** retry + Math.floor(Math.random() * 50)));
      }
    }
  }

  private async requestOnce(method: string, pathOrUrl: string, init: RequestInit2): Promise<Response> {
    const url = pathOrUrl.startsWith('/') ? this.baseUrl + pathOrUrl : pathOrUrl;
    for (let attempt = 0; ; attempt++) {
      const authHeaders = await this.auth.headersFor(init.scopes);
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method,
          headers: { 'user-agent': this.userAgent, ...init.headers, ...authHeaders },
          ...(init.body ? { body: init.body } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (cause) {
        throw new RegistryError('ERR_OCI_NETWORK', `couldn't ${init.what}: no answer from ${this.registry}: ${(cause as Error).message}`, { status: 0, cause });
      }
      if (res.status === 401 && attempt === 0) {
        await res.arrayBuffer();
        if (await this.auth.challenged(res, init.scopes, 'authorization' in authHeaders)) continue;
        return this.fail(res, init.what, '');
      }
      if (init.ok.includes(res.status)) return res;
      return this.fail(res, init.what, await res.text().catch(() => ''));
    }
  }

  private fail(res: Response, what: string, body: string): never {
    const errors = parseErrorBody(body);
    const first = errors[0];
    const why = first ? `${first.code}${first.message ? ' ' + first.message : ''}` : body.slice(0, 120).trim() || res.statusText;
    throw new RegistryError(codeForStatus(res.status), `couldn't ${what}: HTTP ${res.status} ${why}`, { status: res.status, errors });
  }

  private path(repository: string, kind: 'manifests' | 'blobs' | 'referrers', reference: string): string {
    if (!isRepositoryName(repository)) throw new OciError('ERR_OCI_REFERENCE_INVALID', `couldn't address repository ${JSON.stringify(repository)}: not a valid name`);
    if (kind !== 'blobs' || reference !== 'uploads') {
      if ((kind !== 'manifests' || !/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/.test(reference)) && !isDigest(reference)) {
        throw new OciError('ERR_OCI_REFERENCE_INVALID', `couldn't address ${kind} ${JSON.stringify(reference)}: not a tag or digest`);
      }
    }
    return `/v2/${repository}/${kind}/${reference}`;
  }
}

const TRANSIENT = new Set([429, 500, 502, 503, 504]);
const pull = (repo: string): string => `repository:${repo}:pull`;
const pushPull = (repo: string): string => `repository:${repo}:pull,push`;

function contentType(res: Response): string | undefined {
  const ct = res.headers.get('content-type');
  return ct ? ct.split(';')[0]!.trim() : undefined;
}

/** `Link: <url>; rel="next"` → url. */
function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

async function readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isSafeInteger(declared) && declared > limit) {
    await res.body?.cancel();
    throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't ${what}: ${declared} bytes is over the ${limit}-byte manifest limit`, { status: res.status });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > limit) throw new RegistryError('ERR_OCI_PROTOCOL', `couldn't ${what}: over the ${limit}-byte manifest limit`, { status: res.status });
  return bytes;
}
