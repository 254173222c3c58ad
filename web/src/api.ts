/**
 * Talking to the service (same origin only: the page's CSP allows nothing else). JSON for the
 * auditor API, bytes for COSE objects; errors decode the RFC 9290 problem details.
 */
import { decodeCbor } from '../../libs/cose/src/index.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function failure(res: Response, path: string): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let detail = res.statusText;
  try {
    const p = decodeCbor(new Uint8Array(await res.arrayBuffer())) as Map<number | string, unknown>;
    code = String(p.get('code') ?? code);
    detail = String(p.get(-2) ?? p.get(-1) ?? detail);
  } catch {
    // not problem details: keep the status line
  }
  return new ApiError(res.status, code, `${path}: ${res.status} ${detail} (${code})`);
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw await failure(res, path);
  return (await res.json()) as T;
}

export async function getBytes(path: string, accept = 'application/cose'): Promise<Uint8Array> {
  const res = await fetch(path, { headers: { accept }, cache: 'no-store', redirect: 'manual' });
  if (res.status !== 200) throw await failure(res, path);
  return new Uint8Array(await res.arrayBuffer());
}

// The auditor API's shapes (docs/api.md).
export interface Claim {
  index: number;
  entryId: string;
  iss: string;
  sub: string;
  kid: string;
  contentType: string;
  registeredAt: string;
  revoked: boolean;
  revocation?: { byEntryId: string; atIndex: number; reason: string };
  supersededBy?: string;
}
export interface ClaimsPage {
  items: Claim[];
  next: string | null;
}
export interface Publication {
  state: string;
  target?: string;
  referrerDigest?: string;
  attempts?: number;
  lastError?: string;
  [k: string]: unknown;
}
export interface EntryStatus extends Omit<Claim, 'kid'> {
  kid?: string;
  publication: Publication | null;
}
export interface LogStats {
  treeSize: number;
  checkpoint: { treeSize: number; signedAt: string } | null;
  issuers: Record<string, number>;
  contentTypes: Record<string, number>;
  revoked: number;
}
export interface CheckpointJson {
  treeSize: number;
  root: string;
  signedAt: string;
  kid: string;
  protectedHeader: string;
  signature: string;
}
export interface Registrations {
  bucket: 'hour' | 'day';
  treeSize: number;
  from: string;
  counts: { start: string; count: number }[];
}

export const claimsQuery = (params: Record<string, string | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  return `/claims?${q}`;
};
