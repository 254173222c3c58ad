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
  type ContentErrorData,
  type ContentLimits,
  type ContentSummary,
} from '../../libs/content/src/index.js';
import type { ParseRequest } from './content-parse.worker.js';

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

type Reply = { id: number; summary?: ContentSummary; error?: ContentErrorData; crash?: string };

export class ContentParsePool {
  readonly inlineBytes: number;
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (s: ContentSummary) => void; reject: (e: Error) => void }>();
  /** payloads parsed inline / in the worker, for tests and metrics */
  readonly counts = { inline: 0, worker: 0 };

  constructor(private readonly o: ContentParsePoolOptions = {}) {
    this.inlineBytes = o.inlineBytes ?? 64 * 1024;
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
    const worker = this.ensureWorker();
    const id = this.next++;
    return new Promise<ContentSummary>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ParseRequest = { id, contentType, payload, limits: this.o.limits ?? {} };
      worker.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new ContentParseError("couldn't parse the content: the service is stopping"));
    await w?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.o.script ?? new URL('./content-parse.worker.js', import.meta.url));
    w.unref();
    w.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.summary) p.resolve(r.summary);
      else if (r.error) p.reject(contentErrorOf(r.error));
      else p.reject(new ContentParseError(`couldn't parse the content: the parser failed (${r.crash})`));
    });
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.failAll(new ContentParseError(`couldn't parse the content: the parsing thread ${why}`));
    };
    w.on('error', (e) => gone(`failed: ${e.message}`));
    w.on('exit', (code) => gone(`exited with code ${code}`));
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
