/**
 * HTTP client of a scitt-ledger (SCRAPI + the auditor JSON API) on global fetch. Every failure
 * becomes a one-line {@link CliError}: unreachable → service error; an RFC 9290 problem body is
 * decoded into its title, detail and code.
 */
import { decodeCbor } from '../../cose/src/index.js';
import { CliError, serviceError } from './cli.errors.js';

const ENTRY_ID = /^[0-9a-f]{64}$/;
/** Resubmissions of a statement whose pending Location answered 404 (a ledger lost a 303 in a crash). */
export const MAX_RESUBMITS = 3;

/** How {@link LedgerClient.waitForReceipt} sends the statement again. */
export interface Resubmit {
  register(): Promise<ReceiptAnswer>;
  onResubmit?(n: number): void;
}

/** Retries of a read answered 429/503 (each after the answer's Retry-After, at most 60 s). */
export const READ_RETRIES = 5;

/** The answer to a registration or a receipt request. */
export type ReceiptAnswer =
  | { status: 'registered'; entryId: string; location: string; receipt: Uint8Array }
  | { status: 'pending'; entryId: string; location: string; retryAfterMs: number };

export interface LedgerClientOptions {
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Sleep between polls (replaceable in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic-ish clock for deadlines (default Date.now). */
  now?: () => number;
  /** A bearer credential (static API token or OIDC JWT) sent as `Authorization: Bearer …`. */
  token?: string;
}

/** Checks an entry id (64 lowercase hex). */
export function checkEntryId(id: string): string {
  const v = id.trim().toLowerCase();
  if (!ENTRY_ID.test(v)) throw new CliError('ERR_CLI_USAGE', `couldn't use entry id ${JSON.stringify(id)}: want 64 hex digits (SHA-256 of the entry)`);
  return v;
}

function retryAfterMs(res: Response, fallback = 1000): number {
  const v = res.headers.get('retry-after');
  if (v && /^[0-9]+$/.test(v)) return Math.min(Number(v) * 1000, 60_000);
  return fallback;
}

/** Reads an RFC 9290 problem body (CBOR `{-1: title, -2: detail, code}`), or the text. */
async function problemText(res: Response): Promise<string> {
  const bytes = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  const ct = res.headers.get('content-type') ?? '';
  if (ct.includes('concise-problem-details+cbor') && bytes.length > 0) {
    try {
      const m = decodeCbor(bytes, { mapsAsMaps: true }) as Map<number | string, unknown>;
      const title = m.get(-1);
      const detail = m.get(-2);
      const code = m.get('code');
      return [title, detail].filter((x) => typeof x === 'string' && x).join(': ') + (typeof code === 'string' ? ` (${code})` : '');
    } catch {
      // fall through to text
    }
  }
  const text = new TextDecoder().decode(bytes.subarray(0, 300)).replace(/\s+/g, ' ').trim();
  return text || res.statusText;
}

/** A client for one ledger base URL. */
export class LedgerClient {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly token: string | undefined;

  constructor(
    readonly base: string,
    o: LedgerClientOptions = {},
  ) {
    this.fetchFn = o.fetch ?? fetch;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = o.now ?? Date.now;
    this.token = o.token;
  }

  /** One request; network failures and timeouts become service errors naming the ledger. */
  async request(path: string, what: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(path, this.base + '/').toString();
    try {
      const headers = new Headers(init.headers);
      if (this.token) headers.set('authorization', `Bearer ${this.token}`);
      return await this.fetchFn(url, { redirect: 'manual', ...init, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = (e as Error).name === 'TimeoutError' ? `no answer in ${this.timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (e as Error).message);
      throw serviceError(`couldn't ${what}: ledger ${this.base} is unreachable (${why})`, e);
    }
  }

  /** Throws a service error for an unexpected answer, with the problem details. */
  async fail(res: Response, what: string): Promise<never> {
    if (res.status === 401) {
      const hint = this.token ? 'the ledger refused the credential' : 'the ledger needs a credential: give --token or set SCITT_TOKEN';
      throw serviceError(`couldn't ${what}: ${hint}: HTTP 401: ${await problemText(res)}`);
    }
    throw serviceError(`couldn't ${what}: the ledger answered HTTP ${res.status}: ${await problemText(res)}`);
  }

  /** `POST /entries` with a signed statement (`application/cose`): 201 receipt, or 303 pending. */
  async register(statement: Uint8Array, o: { async?: boolean } = {}): Promise<ReceiptAnswer> {
    const what = 'register the statement';
    const res = await this.request('entries', what, {
      method: 'POST',
      body: statement,
      headers: { 'content-type': 'application/cose', accept: 'application/cose', ...(o.async ? { prefer: 'respond-async' } : {}) },
    });
    const location = res.headers.get('location') ?? '';
    const entryId = /\/entries\/([0-9a-f]{64})$/.exec(location)?.[1];
    if ((res.status === 201 || res.status === 303) && !entryId) throw serviceError(`couldn't ${what}: the ledger answered ${res.status} without an /entries/<id> Location`);
    if (res.status === 201) return { status: 'registered', entryId: entryId!, location, receipt: new Uint8Array(await res.arrayBuffer()) };
    if (res.status === 303) {
      await res.arrayBuffer();
      return { status: 'pending', entryId: entryId!, location, retryAfterMs: retryAfterMs(res) };
    }
    return this.fail(res, what);
  }

  /** `GET /entries/{id}`: 200 receipt, 302 pending, 404 → service error. */
  async receipt(entryId: string): Promise<ReceiptAnswer> {
    const res = await this.request(`entries/${entryId}`, `fetch the receipt of entry ${entryId}`, { headers: { accept: 'application/cose' } });
    return this.receiptAnswer(res, entryId);
  }

  private async receiptAnswer(res: Response, entryId: string): Promise<ReceiptAnswer> {
    const what = `fetch the receipt of entry ${entryId}`;
    const location = `/entries/${entryId}`;
    if (res.status === 200) return { status: 'registered', entryId, location, receipt: new Uint8Array(await res.arrayBuffer()) };
    if (res.status === 302 || res.status === 303 || res.status === 202) {
      await res.arrayBuffer();
      return { status: 'pending', entryId, location, retryAfterMs: retryAfterMs(res) };
    }
    return this.fail(res, what);
  }

  /**
   * Polls {@link receipt} until registered or `timeoutMs` passes (then ERR_CLI_TIMEOUT, exit 3).
   *
   * A `303` is not durable (docs/api.md): a ledger that crashes before sequencing an accepted
   * statement answers `404` for its Location afterwards. With `resubmit` (the original POST), such
   * a 404 sends the statement again — registration is idempotent, so this can never make a second
   * entry — up to {@link MAX_RESUBMITS} times; without it, the 404 is an error.
   */
  async waitForReceipt(entryId: string, timeoutMs: number, onWait?: (ms: number) => void, resubmit?: Resubmit): Promise<Uint8Array> {
    const deadline = this.now() + timeoutMs;
    let resubmits = 0;
    for (;;) {
      let a: ReceiptAnswer;
      const res = await this.request(`entries/${entryId}`, `fetch the receipt of entry ${entryId}`, { headers: { accept: 'application/cose' } });
      if (res.status === 404 && resubmit && resubmits < MAX_RESUBMITS) {
        await res.arrayBuffer();
        resubmits++;
        resubmit.onResubmit?.(resubmits);
        a = await resubmit.register();
      } else {
        a = await this.receiptAnswer(res, entryId);
      }
      if (a.status === 'registered') return a.receipt;
      const left = deadline - this.now();
      if (left <= 0) {
        throw new CliError('ERR_CLI_TIMEOUT', `couldn't get the receipt of entry ${entryId}: still pending after ${Math.round(timeoutMs / 1000)} s; fetch it later with \`scitt receipt get ${entryId}\``);
      }
      const wait = Math.min(a.retryAfterMs, left);
      onWait?.(wait);
      await this.sleep(wait);
    }
  }

  /** `GET /entries/{id}/statement`: the transparent statement (waits while pending, up to `timeoutMs`). */
  async transparentStatement(entryId: string, timeoutMs = 0): Promise<Uint8Array> {
    const what = `fetch the statement of entry ${entryId}`;
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const res = await this.request(`entries/${entryId}/statement`, what);
      if (res.status === 200) return new Uint8Array(await res.arrayBuffer());
      if (res.status !== 302 && res.status !== 303) return this.fail(res, what);
      await res.arrayBuffer();
      const left = deadline - this.now();
      if (left <= 0) throw new CliError('ERR_CLI_TIMEOUT', `couldn't ${what}: it is still pending (use --wait)`);
      await this.sleep(Math.min(retryAfterMs(res), left));
    }
  }

  /** `GET /.well-known/scitt-keys`: the COSE Key Set (CBOR bytes). */
  async keySet(): Promise<Uint8Array> {
    const what = 'fetch the ledger keys';
    const res = await this.request('.well-known/scitt-keys', what, { headers: { accept: 'application/cbor' } });
    if (res.status !== 200) return this.fail(res, what);
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * GET a JSON document of the auditor API. A `429` (the read rate limit) or `503` (busy) is
   * retried after its `Retry-After`, up to {@link READ_RETRIES} times, so a long audit slows down
   * instead of failing half-way.
   */
  async json<T>(path: string, what: string): Promise<T> {
    let res = await this.request(path, what, { headers: { accept: 'application/json' } });
    for (let retry = 0; (res.status === 429 || res.status === 503) && retry < READ_RETRIES; retry++) {
      await res.arrayBuffer().catch(() => undefined);
      await this.sleep(retryAfterMs(res));
      res = await this.request(path, what, { headers: { accept: 'application/json' } });
    }
    if (res.status !== 200) return this.fail(res, what);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw serviceError(`couldn't ${what}: the ledger's answer is not JSON`, e);
    }
  }
}
