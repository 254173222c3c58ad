/**
 * OCI references `[oci://]host[:port]/repo/path[:tag][@alg:encoded]`, validated against the
 * distribution-spec grammar (lowercase repository components, tag and digest formats).
 */
import { parseDigest } from './digest.js';
import { OciError } from './oci.errors.js';

/** A parsed reference. `digest` and `tag` are both optional here. */
export interface OciReference {
  /** `host[:port]` (IPv6 in brackets), as written. */
  registry: string;
  /** `repo/path`, lowercase components. */
  repository: string;
  digest?: string;
  tag?: string;
}

/** A reference that names a collection by digest (the subject of a SCITT claim). */
export interface CollectionReference extends OciReference {
  digest: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;

function invalid(input: string, why: string): OciError {
  return new OciError('ERR_OCI_REFERENCE_INVALID', `couldn't parse OCI reference ${JSON.stringify(input.slice(0, 300))}: ${why}`);
}

/** True for `host`, `host:port`, `[v6]`, `[v6]:port` with a valid port. */
export function isRegistryHost(registry: string): boolean {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(registry);
  if (!m) return false;
  const host = m[1]!;
  const port = m[2];
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return false;
  if (IPV6.test(host)) return true;
  return host.length > 0 && host.length <= 253 && host.split('.').every((l) => HOST_LABEL.test(l));
}

/** True when every `/`-separated component matches the distribution-spec name grammar. */
export function isRepositoryName(repository: string): boolean {
  return repository.length > 0 && repository.length <= 255 && repository.split('/').every((c) => COMPONENT.test(c));
}

/**
 * Parses an OCI reference. The first path component is always the registry host.
 * Throws `ERR_OCI_REFERENCE_INVALID`.
 * @example
 *   parseReference('oci://registry.example:5000/team/app@sha256:<64 hex>')
 *   // { registry: 'registry.example:5000', repository: 'team/app', digest: 'sha256:…' }
 */
export function parseReference(input: string): OciReference {
  if (typeof input !== 'string') throw invalid(String(input), 'not a string');
  let rest = input.startsWith('oci://') ? input.slice('oci://'.length) : input;
  if (/\s/.test(rest)) throw invalid(input, 'contains whitespace');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (cause) {
      throw Object.assign(invalid(input, 'bad digest (want sha256:<64 lowercase hex>)'), { cause });
    }
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) throw invalid(input, 'want host[:port]/repository');
  const registry = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  if (!isRegistryHost(registry)) throw invalid(input, `bad registry host ${JSON.stringify(registry)}`);
  let tag: string | undefined;
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `bad tag ${JSON.stringify(tag)}`);
  }
  if (!isRepositoryName(path)) {
    throw invalid(input, `bad repository ${JSON.stringify(path)} (lowercase [a-z0-9] components separated by . _ __ - and /)`);
  }
  if (registry.length + 1 + path.length > 255) throw invalid(input, 'name longer than 255 characters');
  return { registry, repository: path, ...(digest !== undefined ? { digest } : {}), ...(tag !== undefined ? { tag } : {}) };
}

/**
 * Parses a reference that must carry a digest (the subject of a claim about a collection).
 * Throws `ERR_OCI_REFERENCE_INVALID` when it has none.
 */
export function parseCollectionReference(input: string): CollectionReference {
  const ref = parseReference(input);
  if (ref.digest === undefined) throw invalid(input, 'no @digest: a collection is named by digest');
  return ref as CollectionReference;
}

/**
 * Whether a CWT `sub` names a collection: an OCI reference with a digest. Anything else (a URL, a
 * package URL, a tag-only reference) is an ordinary subject with no referrer to publish.
 * @example isCollectionSubject('oci://r.example/app@sha256:<64 hex>') // true
 */
export function isCollectionSubject(sub: unknown): boolean {
  if (typeof sub !== 'string') return false;
  try {
    return parseReference(sub).digest !== undefined;
  } catch {
    return false;
  }
}

/** Formats a reference back: `host/repo[:tag][@digest]` (no `oci://`). */
export function formatReference(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? ':' + ref.tag : ''}${ref.digest !== undefined ? '@' + ref.digest : ''}`;
}
