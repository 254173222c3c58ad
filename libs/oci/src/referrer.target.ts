/**
 * Where the publisher writes receipt artifacts: a registry or an OCI image layout, behind one
 * small interface so the service can be configured for either.
 *
 * Contract for implementations:
 * - `pushReferrer` is idempotent (same artifact ⇒ same digest ⇒ no change the second time) and
 *   returns only once the artifact and its listing (tag-schema index or registry API) are durable
 *   at the target; on error nothing is half-listed that a retry would not complete.
 * - Concurrent `pushReferrer` calls for one subject in one process are serialised per
 *   (target, repository, subject); all of them end up listed.
 */
import type { ReferrerArtifact } from './artifact.builder.js';
import type { Descriptor } from './descriptor.js';
import type { CredentialSource } from './docker-config.credentials.js';
import { RegistryClient, type RegistryClientOptions } from './registry.client.js';
import type { ListReferrersOptions, PushedReferrer } from './referrers.registry.js';

/** A repository on a registry (`registry` is `host[:port]`). */
export interface RepositoryRef {
  registry: string;
  repository: string;
}

export interface ReferrerTarget {
  /** Pushes the artifact as a referrer of `artifact.subject` in `repo`. */
  pushReferrer(repo: RepositoryRef, artifact: ReferrerArtifact): Promise<PushedReferrer>;
  /** Referrers of `subject` in `repo`, optionally of one artifact type. */
  listReferrers(repo: RepositoryRef, subject: string, options?: ListReferrersOptions): Promise<Descriptor[]>;
}

/**
 * {@link ReferrerTarget} over registries: one {@link RegistryClient} per host, created on first
 * use with the shared options (credentials source, referrers mode …).
 * @example
 *   const target = new RegistryReferrerTarget({ credentials: dockerConfigCredentials() });
 *   await target.pushReferrer({ registry: 'ghcr.io', repository: 'org/app' }, artifact);
 */
export class RegistryReferrerTarget implements ReferrerTarget {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(
    private readonly options: Omit<RegistryClientOptions, 'registry' | 'credentials'> & {
      credentials?: CredentialSource;
      /** Per-host overrides (e.g. `plainHttp` for a test registry). */
      perRegistry?: Record<string, Partial<RegistryClientOptions>>;
    } = {},
  ) {}

  /** The client for a host (cached). */
  client(registry: string): RegistryClient {
    let c = this.clients.get(registry);
    if (!c) {
      const { perRegistry, ...shared } = this.options;
      c = new RegistryClient({ ...shared, ...perRegistry?.[registry], registry });
      this.clients.set(registry, c);
    }
    return c;
  }

  pushReferrer(repo: RepositoryRef, artifact: ReferrerArtifact): Promise<PushedReferrer> {
    return this.client(repo.registry).pushReferrer(repo.repository, artifact);
  }

  listReferrers(repo: RepositoryRef, subject: string, options?: ListReferrersOptions): Promise<Descriptor[]> {
    return this.client(repo.registry).listReferrers(repo.repository, subject, options);
  }
}
