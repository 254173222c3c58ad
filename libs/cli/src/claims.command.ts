/**
 * `scitt claims`: the auditor's front for the claim and component queries (docs/cli.md#claims).
 *   scitt claims list --ledger URL [--subject S] [--issuer I] [--predicate-type T] [--builder B] [--vulnerability CVE] …
 *   scitt claims components <purl> --ledger URL      (pkg:npm/lodash@4.17.20, or pkg:npm/lodash for all versions)
 * A table for people; `--json` (or `-o json`) prints the ledger's answer as one JSON document.
 * `--all` follows the cursors (up to `--max` items); otherwise one page and a hint to the next.
 */
import type { Command } from 'commander';
import { ledgerToken, ledgerUrl, type CliContext } from './cli.context.js';
import { usage } from './cli.errors.js';
import { Output } from './cli.output.js';
import { LedgerClient } from './ledger.client.js';

type Ctx = (cmd: Command) => CliContext;

interface PageOptions {
  ledger?: string;
  token?: string;
  limit: string;
  cursor?: string;
  all?: boolean;
  max: string;
  json?: boolean;
}

interface Page<T> {
  items: T[];
  next: string | null;
  treeSize?: number;
}

const short = (s: string, n = 12): string => (s.startsWith('sha256:') ? `sha256:${s.slice(7, 7 + n)}…` : s.length > n + 40 ? `${s.slice(0, n + 40)}…` : s);
const int = (v: string, name: string, max: number): number => {
  const n = /^[1-9][0-9]{0,6}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= max)) throw usage(`couldn't use --${name} ${JSON.stringify(v)}: give an integer from 1 to ${max}`);
  return n;
};

/** Column-aligned text rows (the last column is not padded). */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

/** Reads one page, or every page with `--all` (bounded by `--max`). */
async function pages<T>(client: LedgerClient, path: string, params: URLSearchParams, o: PageOptions, what: string): Promise<Page<T> & { truncated: boolean }> {
  const limit = int(o.limit, 'limit', 1000);
  const max = int(o.max, 'max', 1_000_000);
  params.set('limit', String(limit));
  if (o.cursor) params.set('cursor', o.cursor);
  const items: T[] = [];
  let page: Page<T>;
  let first: Page<T> | undefined;
  for (;;) {
    page = await client.json<Page<T>>(`${path}?${params}`, what);
    first ??= page;
    items.push(...page.items);
    if (!o.all || page.next === null || items.length >= max) break;
    params.set('cursor', page.next);
  }
  return { ...first, items: items.slice(0, max), next: page.next, truncated: items.length >= max && page.next !== null };
}

function outputOf(c: CliContext, o: PageOptions): Output {
  return o.json ? new Output(c.out.streams, { ...c.out.options, format: 'json' }) : c.out;
}

const common = (cmd: Command): Command =>
  cmd
    .option('--ledger <url>', 'ledger base URL (default: $SCITT_LEDGER)')
    .option('--token <token>', 'bearer token for a ledger whose reads need one (prefer $SCITT_TOKEN)')
    .option('--limit <n>', 'items per page (1–1000)', '100')
    .option('--cursor <cursor>', 'start at this page (the `next` of an earlier answer)')
    .option('--all', 'follow the pages to the end (up to --max items)')
    .option('--max <n>', 'with --all: stop after this many items', '10000')
    .option('--json', 'print the answer as JSON (same as -o json)');

export function registerClaimsCommands(program: Command, ctx: Ctx): void {
  const claims = program.command('claims').description('query a ledger\'s claims: by subject, issuer, content (in-toto predicate, SLSA builder, VEX vulnerability) or SBOM component');

  common(
    claims
      .command('list')
      .description('claims newest first, filtered (all given filters must hold)')
      .option('--subject <ref>', 'a collection in any reference form (registry/repo@sha256:…, oci://…, sha256:…)')
      .option('--issuer <iss>', 'statement issuer (CWT iss)')
      .option('--content-type <type>', 'content type, e.g. application/spdx+json')
      .option('--predicate-type <uri>', 'in-toto predicate type, e.g. https://slsa.dev/provenance/v1')
      .option('--builder <id>', 'SLSA builder id (runDetails.builder.id)')
      .option('--vulnerability <id>', 'claims with a VEX statement about this id (CVE-…, GHSA-…), with its status per product')
      .option('--revoked <bool>', 'true: only revoked claims; false: only claims not revoked')
      .addHelpText('after', '\nExamples:\n  scitt claims list --ledger https://ledger.example --subject registry.example/app@sha256:… --vulnerability CVE-2025-1234\n  scitt claims list --predicate-type https://slsa.dev/provenance/v1 --builder https://github.com/actions/runner --json\n'),
  ).action(async (o: PageOptions & Record<string, string | undefined>, cmd: Command) => {
    const c = ctx(cmd);
    const base = ledgerUrl(o.ledger, c.env);
    const client = new LedgerClient(base, { token: ledgerToken(o.token, c.env, base) });
    const params = new URLSearchParams();
    const map: [string, string][] = [['subject', 'subject'], ['issuer', 'issuer'], ['contentType', 'contentType'], ['predicateType', 'predicateType'], ['builder', 'builder'], ['vulnerability', 'vulnerability'], ['revoked', 'revoked']];
    for (const [opt, param] of map) if (o[opt] !== undefined) params.set(param, o[opt]!);
    const r = await pages<any>(client, 'claims', params, o, 'list the claims');
    outputOf(c, o).result(r, () => {
      const rows = r.items.map((x) => {
        const state = x.revoked ? 'revoked' : x.supersededBy ? 'superseded' : 'current';
        const vex = (x.vex ?? []).map((v: any) => `${v.status}${v.justification ? ` (${v.justification})` : ''} for ${short(v.product.digest ?? v.product.purl ?? v.product.id, 12)}`).join('; ');
        const what = x.content?.predicateType ?? x.contentType;
        return [String(x.index), x.entryId.slice(0, 12), state, x.iss, short(x.subjectDigest ?? x.sub), what + (x.content?.builderId ? ` by ${x.content.builderId}` : '') + (vex ? ` — ${vex}` : '')];
      });
      return [
        ...(rows.length ? table(['INDEX', 'ENTRY', 'STATE', 'ISSUER', 'SUBJECT', 'WHAT'], rows) : ['no claims match']),
        ...(r.treeSize !== undefined ? [`(as of tree size ${r.treeSize})`] : []),
        ...(r.next ? [`more: --cursor ${r.next}${r.truncated ? ' (stopped at --max)' : ' (or --all)'}`] : []),
      ];
    });
  });

  common(
    claims
      .command('components')
      .description('collections whose current SBOM claims list a package')
      .argument('<purl>', 'a package URL: pkg:npm/lodash@4.17.20 (that version), pkg:npm/lodash (all versions), or with qualifiers (that purl exactly)')
      .addHelpText('after', '\nExamples:\n  scitt claims components pkg:npm/lodash@4.17.20 --ledger https://ledger.example\n  scitt claims components pkg:npm/lodash --all --json | jq -r \'.items[].subjectDigest\'\n'),
  ).action(async (purl: string, o: PageOptions, cmd: Command) => {
    const c = ctx(cmd);
    const base = ledgerUrl(o.ledger, c.env);
    const client = new LedgerClient(base, { token: ledgerToken(o.token, c.env, base) });
    const r = await pages<any>(client, 'components', new URLSearchParams({ purl }), o, `find the collections listing ${purl}`);
    outputOf(c, o).result(r, () => {
      const rows = r.items.map((x) => [short(x.subjectDigest ?? x.subject), x.entryId.slice(0, 12), String(x.index), x.issuer, x.purls.join(' '), x.references.join(' ')]);
      return [
        ...(rows.length ? table(['COLLECTION', 'SBOM ENTRY', 'INDEX', 'ISSUER', 'PURLS', 'REFERENCES'], rows) : [`no current SBOM lists ${(r as any).query?.purl ?? purl}`]),
        `(as of tree size ${r.treeSize}; match: ${(r as any).query?.match})`,
        ...(r.next ? [`more: --cursor ${r.next}${r.truncated ? ' (stopped at --max)' : ' (or --all)'}`] : []),
      ];
    });
  });
}
