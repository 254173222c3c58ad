/** `scitt audit <ledger-url>`: replay and check a ledger; remember the verified checkpoint. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { coseKeyThumbprint, decodeCoseKeySet, toHex, type CoseKey } from '../../cose/src/index.js';
import { httpAuditSource } from './audit.source.js';
import { defaultStateFile, loadAuditState, saveAuditState } from './audit.state.js';
import { auditLog, type ProofMode } from './audit.verifier.js';
import { ledgerToken, collect, ledgerUrl, type CliContext } from './cli.context.js';
import { CliError, serviceError } from './cli.errors.js';
import { LedgerClient } from './ledger.client.js';
import { loadTrust } from './trust.store.js';

type Ctx = (cmd: Command) => CliContext;

export function registerAuditCommand(program: Command, ctx: Ctx): void {
  program
    .command('audit')
    .description('audit a ledger: replay the log, recompute the tree, check every checkpoint signature and consistency, detect forks against the last run')
    .argument('<ledger-url>', 'ledger base URL')
    .option('--state <file>', 'state file remembering the last verified checkpoint (default ~/.config/scitt/audit/<host>.json)')
    .option('--trust <file>', 'service keys to check checkpoints with (trust file or COSE Key Set; repeatable); default: fetch /.well-known/scitt-keys', collect)
    .option('--full', 'replay from entry 0 even when the state allows resuming')
    .addOption(new Option('--proofs <which>', 'consistency proofs to check: between all successive checkpoints, only to the latest, or none').choices(['all', 'latest', 'none']).default('all'))
    .option('--no-save', 'do not update the state file')
    .action(async (url: string, o: { state?: string; trust?: string[]; full?: boolean; proofs: ProofMode; save: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const base = ledgerUrl(url, {});
      const client = new LedgerClient(base, { token: ledgerToken(undefined, c.env, base) }); // SCITT_TOKEN: a ledger whose reads need a credential
      const stateFile = o.state ?? defaultStateFile(base, c.env);
      const previous = loadAuditState(stateFile);
      let keys: CoseKey[];
      if (o.trust?.length) keys = loadTrust(o.trust).ledgers.flatMap((l) => l.keys);
      else {
        try {
          keys = decodeCoseKeySet(await client.keySet());
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw serviceError(`couldn't audit ${base}: its key set is not a COSE Key Set: ${(e as Error).message}`, e);
        }
      }
      const byKid = new Map<string, CoseKey>();
      for (const k of keys) {
        byKid.set(toHex(coseKeyThumbprint(k)), k);
        if (k.kid) byKid.set(toHex(k.kid), k);
      }
      c.out.progress(`auditing ${base}${previous ? ` from the checkpoint of size ${previous.treeSize} verified ${previous.verifiedAt}` : ''}`);
      const r = await auditLog(httpAuditSource(client), { keyFor: (kid) => byKid.get(kid), ...(previous ? { previous } : {}), full: Boolean(o.full), proofs: o.proofs, progress: (s) => c.out.progress(s) });
      if (r.ok && r.next && o.save) saveAuditState(stateFile, { ...r.next, ledger: base, verifiedAt: c.now().toISOString() });
      const doc = {
        ok: r.ok,
        ledger: base,
        ...(r.logId ? { logId: r.logId } : {}),
        ...(r.issuer ? { issuer: r.issuer } : {}),
        from: r.from,
        treeSize: r.treeSize,
        root: r.root,
        entriesChecked: r.entriesChecked,
        checkpointsChecked: r.checkpointsChecked,
        proofsChecked: r.proofsChecked,
        ...(previous ? { previous: { treeSize: previous.treeSize, root: previous.root, verifiedAt: previous.verifiedAt } } : {}),
        problems: r.problems,
        duplicates: r.duplicates,
        stateFile: r.ok && o.save ? stateFile : null,
      };
      c.out.result(doc, () => [
        `${r.ok ? 'ok  ' : 'FAIL'} ledger ${base}${r.logId ? ` log ${r.logId}` : ''}: tree size ${r.treeSize}, root ${r.root}`,
        `     ${r.entriesChecked} entries replayed from index ${r.from}, ${r.checkpointsChecked} checkpoint signature(s), ${r.proofsChecked} consistency proof(s)${previous ? `; consistent with size ${previous.treeSize} verified ${previous.verifiedAt}` : ''}`,
        ...r.problems.map((p) => `     problem: ${p}`),
        ...r.duplicates.map((d) => `     note: entry ${d.index} registers the same statement as entry ${d.firstIndex} (a re-encoded signature; one statement for revocation and supersession)`),
        ...(r.ok && o.save ? [`     remembered in ${stateFile}`] : []),
      ]);
      if (!r.ok) throw new CliError('ERR_CLI_AUDIT', `audit of ${base} FAILED: ${r.problems[0]}${r.problems.length > 1 ? ` (and ${r.problems.length - 1} more)` : ''}`);
    });
}
