/**
 * Where claim contents are parsed at registration (docs/content.md#cost). A payload below
 * `inlineBytes` is parsed on the calling (HTTP) thread: measured under a millisecond. A larger one
 * goes to a worker thread, because a 5,000-component SBOM costs tens of milliseconds of CPU that
 * would otherwise stall every other request (docs/benchmarks.md#content-parsing). One worker by
 * default (the machine the service targets has few cores; the signature checks already use
 * libuv's pool); jobs queue in order. A worker that dies fails its job with a 503-able error and
 * is replaced on the next job.
 */
import { Worker } from 'node:worker_threads';
import {
  contentErrorOf,
  isKnownContentType,
  opaqueContent,
  parseClaimContent,
  summariseContent,
  type ContentLimits,
  type ContentSummary,
} from '../../libs/content/src/index.js';
import { OnDemandWorker } from '../common/on-demand-worker.js';
import type { ContentParseApi } from './content-parse.worker.js';

export interface ContentParsePoolOptions {
  /** payloads up to this many bytes are parsed inline (default 64 KiB) */
  readonly inlineBytes?: number;
  readonly limits?: Partial<ContentLimits>;
  readonly script?: URL;
}

export class ContentParseError extends Error {
  readonly code = 'ERR_CONTENT_PARSER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContentParseError';
  }
}

export class ContentParsePool {
  readonly inlineBytes: number;
  private readonly worker: OnDemandWorker<ContentParseApi>;
  /** payloads parsed inline / in the worker, for tests and metrics */
  readonly counts = { inline: 0, worker: 0 };

  constructor(private readonly o: ContentParsePoolOptions = {}) {
    this.inlineBytes = o.inlineBytes ?? 64 * 1024;
    this.worker = new OnDemandWorker(
      () => new Worker(o.script ?? new URL('./content-parse.worker.js', import.meta.url)),
      (reason) => new ContentParseError(`couldn't parse the content: the parsing thread ${reason instanceof Error ? `failed: ${reason.message}` : 'is gone'}`, { cause: reason }),
    );
  }

  /**
   * The summary of a payload's content; an unknown content type is `opaque` without reading the payload.
   * @throws ContentFormatError | ContentLimitError (malformed content), ContentParseError (the worker failed)
   */
  async parse(contentType: string, payload: Uint8Array): Promise<ContentSummary> {
    if (!isKnownContentType(contentType)) return summariseContent(opaqueContent(contentType));
    if (payload.byteLength <= this.inlineBytes) {
      this.counts.inline++;
      return summariseContent(parseClaimContent(contentType, payload, this.o.limits));
    }
    this.counts.worker++;
    let r: Awaited<ReturnType<ContentParseApi['parse']>>;
    try {
      r = await this.worker.call('parse', [contentType, payload, this.o.limits ?? {}]);
    } catch (err) {
      if (err instanceof ContentParseError) throw err;
      throw new ContentParseError(`couldn't parse the content: the parser failed (${(err as Error).message})`, { cause: err });
    }
    if (r.error) throw contentErrorOf(r.error);
    return r.summary;
  }

  close(): Promise<void> {
    return this.worker.close(new ContentParseError("couldn't parse the content: the service is stopping"));
  }
}
