/**
 * Per-entry publication state, for the API (`GET /entries/{id}/publication`) and for other
 * features through DI (inject {@link PublicationStatus}).
 */
import type { PublicationRecord, PublicationBook, PublicationKey, PublicationStateName, PublicationTargetKind } from './publication.store.js';
import type { RegistryPause } from './publication.worker.js';

/** The publication of one entry's receipt as an OCI referrer. Times are RFC 3339. */
export interface PublicationState {
  readonly entryId: string;
  readonly state: PublicationStateName;
  /** `host/repository` for a registry, `oci-layout` for the embedded layout (its directory is the operator's business: never shown) */
  readonly target: string;
  readonly targetKind: PublicationTargetKind;
  /** why the layout: the subject's registry is not configured */
  readonly note?: string;
  /** the claim's CWT `sub` and its parts */
  readonly subject: string;
  readonly registry: string;
  readonly repository: string;
  readonly subjectDigest: string;
  readonly logIndex: number;
  readonly artifactType: string;
  /** the referrer manifest digest (known once the artifact could be built) */
  readonly digest?: string;
  /** how the referrer is listed: `api`, `tag` (tag-schema index) or `layout` */
  readonly via?: string;
  /** attempts made (failed ones, plus the successful one) */
  readonly attempts: number;
  readonly nextAttemptAt?: string;
  readonly lastError?: string;
  readonly lastErrorCode?: string;
  /** set while the subject's registry is paused after an outage */
  readonly waitingFor?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly publishedAt?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Reads publication states; `of` answers undefined when no publication is recorded for the entry. */
export class PublicationStatus {
  constructor(
    private readonly source?: {
      readonly store: Pick<PublicationBook, 'get'>;
      readonly layoutDir: string;
      /** DATA_DIR: like the layout's, its absolute path is redacted from error texts */
      readonly dataDir?: string;
      readonly pauseOf: (registry: string) => RegistryPause | undefined;
    },
  ) {}

  /** False when the publisher is disabled (OCI_PUBLISHER=off). */
  get enabled(): boolean {
    return this.source !== undefined;
  }

  /**
   * The publication of the entry `key` (its id and log index), or undefined when there is none:
   * the entry's subject is not a collection (an OCI reference with a digest), the publisher has not
   * reached it yet, or it is disabled.
   * @example (await status.of({ entryId, logIndex }))?.state // 'published'
   */
  async of(key: PublicationKey): Promise<PublicationState | undefined> {
    const r = await this.source?.store.get(key);
    return r && this.view(r);
  }

  /** Error texts may quote file paths (`EACCES: … open '/srv/ledger/data/oci-layout/…'`): name the setting instead. */
  private redact(text: string): string {
    const { layoutDir, dataDir } = this.source!;
    let out = text.split(layoutDir).join('$OCI_LAYOUT_DIR');
    if (dataDir) out = out.split(dataDir).join('$DATA_DIR');
    return out;
  }

  private view(r: PublicationRecord): PublicationState {
    const layout = r.targetKind === 'oci-layout';
    const pause = r.state === 'published' ? undefined : this.source!.pauseOf(r.registry);
    return {
      entryId: r.entryId,
      state: r.state,
      target: layout ? 'oci-layout' : `${r.registry}/${r.repository}`,
      targetKind: r.targetKind,
      ...(layout ? { note: `registry ${r.registry} is not configured (OCI_REGISTRIES): the referrer goes to the embedded OCI layout` } : {}),
      subject: r.subject,
      registry: r.registry,
      repository: r.repository,
      subjectDigest: r.subjectDigest,
      logIndex: r.logIndex,
      artifactType: r.artifactType,
      ...(r.digest !== undefined ? { digest: r.digest } : {}),
      ...(r.via !== undefined ? { via: r.via } : {}),
      attempts: r.attempts,
      ...(r.state !== 'published' ? { nextAttemptAt: iso(Math.max(r.nextAttemptAt, pause?.until ?? 0)) } : {}),
      ...(r.lastError !== undefined ? { lastError: this.redact(r.lastError) } : {}),
      ...(r.lastErrorCode !== undefined ? { lastErrorCode: r.lastErrorCode } : {}),
      ...(pause
        ? { waitingFor: `registry ${r.registry} is paused until ${iso(pause.until)} after ${pause.error}` }
        : r.state !== 'published' && r.lastErrorCode !== undefined && SUBJECT_WAITS[r.lastErrorCode]
          ? { waitingFor: SUBJECT_WAITS[r.lastErrorCode]!(r) }
          : {}),
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
      ...(r.publishedAt !== undefined ? { publishedAt: iso(r.publishedAt) } : {}),
    };
  }
}

/** What a publication held with its subject waits for (publication.worker.ts, docs/oci.md "Missing subjects are held"). */
const SUBJECT_WAITS: Record<string, ((r: PublicationRecord) => string) | undefined> = {
  ERR_PUBLISH_SUBJECT_UNKNOWN: (r) => `its subject ${r.subjectDigest} to be copied into the OCI layout (published within about a second of it), or registry ${r.registry} to be configured`,
  ERR_PUBLISH_SUBJECT_NOT_FOUND: (r) => `its subject ${r.subjectDigest} to appear in ${r.registry}/${r.repository} (probed with backoff)`,
};
