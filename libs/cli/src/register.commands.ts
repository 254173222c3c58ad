/**
 * `scitt register` (POST a signed statement, follow 303/302, write the receipt and the
 * transparent statement), `scitt receipt get` and `scitt statement get` (by entry id).
 */
import type { Command } from 'commander';
import { decodeReceipt, entryIdOf, toEntry, toTransparentStatement } from '../../receipt/src/index.js';
import { ledgerToken, ledgerUrl, parseDuration, type CliContext } from './cli.context.js';
import { badInput, CliError, serviceError } from './cli.errors.js';
import { readCoseFile } from './input.sniff.js';
import { checkEntryId, LedgerClient } from './ledger.client.js';

type Ctx = (cmd: Command) => CliContext;

function ledgerClient(o: { ledger?: string; token?: string }, c: CliContext): LedgerClient {
  const base = ledgerUrl(o.ledger, c.env);
  const token = ledgerToken(o.token, c.env, base);
  return new LedgerClient(base, token ? { token } : {});
}

/** Index, tree size and checkpoint time a receipt states (undefined fields when it can't be decoded). */
export function receiptFacts(receipt: Uint8Array): { index?: number; treeSize?: number; ledger?: string; logId?: string; registeredAt?: string } {
  try {
    const r = decodeReceipt(receipt);
    const p = r.inclusion?.[0];
    return {
      ...(p ? { index: p.leafIndex, treeSize: p.treeSize } : {}),
      ...(r.iss ? { ledger: r.iss } : {}),
      ...(r.sub ? { logId: r.sub } : {}),
      ...(r.iat !== undefined ? { registeredAt: new Date(r.iat * 1000).toISOString() } : {}),
    };
  } catch {
    return {};
  }
}

export function registerRegisterCommands(program: Command, ctx: Ctx): void {
  program
    .command('register')
    .description('register a signed statement with a ledger and write its receipt / transparent statement')
    .argument('<statement>', 'signed statement file (COSE_Sign1, from `scitt sign` or `scitt revoke`)')
    .option('--ledger <url>', 'ledger base URL (or SCITT_LEDGER)')
    .option('--token <token>', 'bearer credential for a ledger that requires one: an API token or an OIDC JWT (or SCITT_TOKEN)')
    .option('--receipt <file>', 'write the receipt (RFC 9942 COSE) here')
    .option('--out <file>', 'write the transparent statement (statement + receipt) here')
    .option('--wait', 'when the ledger answers "pending" (303), poll until the receipt is ready')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3)', '60s')
    .option('--async', 'ask the ledger to answer at once (Prefer: respond-async)')
    .action(async (file: string, o: { ledger?: string; token?: string; receipt?: string; out?: string; wait?: boolean; timeout: string; async?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const timeoutMs = parseDuration(o.timeout, '--timeout');
      const client = ledgerClient(o, c);
      const statement = readCoseFile(file, 'statement');
      let entryId: string;
      try {
        entryId = entryIdOf(toEntry(statement).entry);
      } catch (e) {
        throw badInput(`couldn't register ${file}: not a COSE_Sign1 signed statement (${(e as Error).message})`, e);
      }
      c.out.progress(`registering ${file} (entry ${entryId}) with ${client.base}`);
      let answer = await client.register(statement, { async: Boolean(o.async) });
      if (answer.entryId !== entryId) c.out.warn(`the ledger named entry ${answer.entryId}, expected ${entryId}`);
      if (answer.status === 'pending' && o.wait) {
        // A 404 while pending means the ledger lost the accepted statement (a crash before it was durable): send it again.
        const resubmit = {
          register: () => client.register(statement, { async: Boolean(o.async) }),
          onResubmit: (n: number) => c.out.warn(`the ledger no longer knows entry ${answer.entryId} (lost before it was durable?): registering it again (${n})`),
        };
        const receipt = await client.waitForReceipt(answer.entryId, timeoutMs, (ms) => c.out.progress(`pending; asking again in ${ms} ms`), resubmit);
        answer = { status: 'registered', entryId: answer.entryId, location: answer.location, receipt };
      }
      if (answer.status === 'pending') {
        c.out.result({ status: 'pending', entryId: answer.entryId, ledgerUrl: client.base, location: answer.location }, () => [
          `pending: entry ${answer.entryId} is being registered; fetch its receipt with \`scitt receipt get ${answer.entryId} --ledger ${client.base}\` (or register with --wait)`,
        ]);
        return;
      }
      const written: Record<string, string> = {};
      if (o.receipt) written.receipt = c.out.writeBinary(answer.receipt, o.receipt, 'the receipt');
      if (o.out) written.statement = c.out.writeBinary(toTransparentStatement(statement, [answer.receipt]), o.out, 'the transparent statement');
      const f = receiptFacts(answer.receipt);
      c.out.result({ status: 'registered', entryId: answer.entryId, ledgerUrl: client.base, location: answer.location, ...f, ...written }, () => [
        `registered entry ${answer.entryId} at index ${f.index ?? '?'} (tree size ${f.treeSize ?? '?'}) in ${f.ledger ?? client.base}`,
        ...(written.receipt ? [`receipt written to ${written.receipt}`] : []),
        ...(written.statement ? [`transparent statement written to ${written.statement}`] : []),
      ]);
    });

  const receipt = program.command('receipt').description('receipts: fetch from a ledger');
  receipt
    .command('get')
    .description('fetch the receipt of an entry')
    .argument('<entry-id>', 'entry id (64 hex)')
    .option('--ledger <url>', 'ledger base URL (or SCITT_LEDGER)')
    .option('--token <token>', 'bearer credential for a ledger that requires one: an API token or an OIDC JWT (or SCITT_TOKEN)')
    .option('--out <file>', 'where to write the receipt (default stdout when not a terminal)')
    .option('--wait', 'poll while the entry is pending')
    .option('--timeout <duration>', 'with --wait: give up after this long', '60s')
    .action(async (id: string, o: { ledger?: string; token?: string; out?: string; wait?: boolean; timeout: string }, cmd: Command) => {
      const c = ctx(cmd);
      const entryId = checkEntryId(id);
      const client = ledgerClient(o, c);
      const timeoutMs = parseDuration(o.timeout, '--timeout');
      let bytes: Uint8Array;
      if (o.wait) bytes = await client.waitForReceipt(entryId, timeoutMs, (ms) => c.out.progress(`pending; asking again in ${ms} ms`));
      else {
        const a = await client.receipt(entryId);
        if (a.status === 'pending') throw new CliError('ERR_CLI_TIMEOUT', `couldn't fetch the receipt of entry ${entryId}: it is still pending (use --wait)`);
        bytes = a.receipt;
      }
      const file = c.out.writeBinary(bytes, o.out, 'the receipt');
      c.out.result({ entryId, ...receiptFacts(bytes), file, size: bytes.length }, () => (file === '-' ? [] : [`receipt of entry ${entryId} written to ${file}`]));
    });

  const statement = program.command('statement').description('transparent statements: fetch from a ledger');
  statement
    .command('get')
    .description('fetch the transparent statement (statement + receipt) of an entry')
    .argument('<entry-id>', 'entry id (64 hex)')
    .option('--ledger <url>', 'ledger base URL (or SCITT_LEDGER)')
    .option('--token <token>', 'bearer credential for a ledger that requires one: an API token or an OIDC JWT (or SCITT_TOKEN)')
    .option('--out <file>', 'where to write it (default stdout when not a terminal)')
    .option('--wait', 'poll while the entry is pending')
    .option('--timeout <duration>', 'with --wait: give up after this long', '60s')
    .action(async (id: string, o: { ledger?: string; token?: string; out?: string; wait?: boolean; timeout: string }, cmd: Command) => {
      const c = ctx(cmd);
      const entryId = checkEntryId(id);
      const client = ledgerClient(o, c);
      const bytes = await client.transparentStatement(entryId, o.wait ? parseDuration(o.timeout, '--timeout') : 0);
      let actual: string;
      try {
        actual = entryIdOf(toEntry(bytes).entry);
      } catch (e) {
        throw serviceError(`couldn't read the statement of entry ${entryId}: the ledger sent something that is not a COSE_Sign1`, e);
      }
      if (actual !== entryId) throw new CliError('ERR_CLI_VERIFY', `couldn't accept the statement of entry ${entryId}: the ledger sent entry ${actual}`);
      const file = c.out.writeBinary(bytes, o.out, 'the transparent statement');
      c.out.result({ entryId, file, size: bytes.length }, () => (file === '-' ? [] : [`transparent statement of entry ${entryId} written to ${file}`]));
    });
}
