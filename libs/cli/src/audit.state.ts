/**
 * What `scitt audit` remembers between runs (like rekor-cli's state): the last verified
 * checkpoint and the right edge of the tree at that size, so the next run resumes there and
 * proves the new checkpoint extends it. One JSON file per ledger, written atomically, only after
 * a clean audit. Default `~/.config/scitt/audit/<host_port>.json`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { badInput } from './cli.errors.js';

export interface AuditState {
  version: 1;
  ledger?: string;
  logId?: string;
  issuer?: string;
  treeSize: number;
  /** hex */
  root: string;
  signedAt: string;
  /** The compact range (right edge) at `treeSize`: `hashes` hex, popcount(size) of them. */
  range: { size: number; hashes: string[] };
  /** When this state was verified (ISO 8601). */
  verifiedAt: string;
}

/** The default state file of a ledger URL. */
export function defaultStateFile(ledger: string, env: Readonly<Record<string, string | undefined>>): string {
  const host = new URL(ledger).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'scitt', 'audit', `${host}.json`);
}

/** Reads a state file (absent ⇒ undefined). */
export function loadAuditState(path: string): AuditState | undefined {
  if (!existsSync(path)) return undefined;
  let s: AuditState;
  try {
    s = JSON.parse(readFileSync(path, 'utf8')) as AuditState;
  } catch (e) {
    throw badInput(`couldn't read audit state ${path}: ${(e as Error).message}`, e);
  }
  const hex64 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (s?.version !== 1 || !Number.isSafeInteger(s.treeSize) || !hex64(s.root) || !s.range || s.range.size !== s.treeSize || !Array.isArray(s.range.hashes) || !s.range.hashes.every(hex64)) {
    throw badInput(`couldn't read audit state ${path}: not a scitt audit state (delete it to start over, or use --state)`);
  }
  return s;
}

/** Writes a state file atomically. */
export function saveAuditState(path: string, s: AuditState): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    throw badInput(`couldn't write audit state ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
}
