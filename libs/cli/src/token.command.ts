/**
 * `scitt token create`: a new static API token for a ledger that requires submitter
 * authentication (AUTH_TOKENS_FILE, docs/operations.md#static-api-tokens). Prints the token once
 * and the file entry (its SHA-256); with `--tokens-file` adds the entry to that file atomically
 * (write + rename), which the ledger picks up at its next request — no restart.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { parseDuration, type CliContext } from './cli.context.js';
import { badInput, usage } from './cli.errors.js';

type Ctx = (cmd: Command) => CliContext;

const NAME = /^[A-Za-z0-9._@/-]{1,128}$/;

/** Adds `entry` to the tokens file (created with `version: 1` when missing), keeping comments. */
function appendEntry(file: string, entry: Record<string, string>): void {
  let doc = parseDocument('version: 1\ntokens: []\n');
  if (existsSync(file)) {
    doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length > 0) throw badInput(`couldn't read the tokens file ${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
    if (doc.get('version') !== 1) throw badInput(`couldn't add to ${file}: it is not a tokens file (version: 1 expected)`);
  }
  if (!doc.has('tokens')) doc.set('tokens', doc.createNode([]));
  const tokens = doc.get('tokens') as { items?: unknown[]; add?: (v: unknown) => void } | null;
  if (!tokens || typeof tokens.add !== 'function') throw badInput(`couldn't add to ${file}: its tokens is not a list`);
  tokens.add(doc.createNode(entry));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, doc.toString(), { mode: 0o600 });
  renameSync(tmp, file);
}

export function registerTokenCommands(program: Command, ctx: Ctx): void {
  const token = program.command('token').description('static API tokens for a ledger that requires submitter authentication');
  token
    .command('create')
    .description('create an API token: prints the token (once) and its entry for the ledger\'s tokens file')
    .requiredOption('--name <name>', 'the submitter\'s name: the ledger authenticates it as identity token:<name>')
    .option('--expires <duration|date>', 'refuse the token after this (e.g. 90d, 12h, 2027-06-01T00:00:00Z)')
    .option('--tokens-file <file>', 'also add the entry to this tokens file (atomically; the ledger re-reads it)')
    .action((o: { name: string; expires?: string; tokensFile?: string }, cmd: Command) => {
      const c = ctx(cmd);
      if (!NAME.test(o.name)) throw usage(`couldn't use --name ${JSON.stringify(o.name)}: 1–128 characters of A–Z a–z 0–9 . _ @ / -`);
      let expires: string | undefined;
      if (o.expires) {
        const days = /^([0-9]+)d$/.exec(o.expires);
        const at = /^\d{4}-\d\d-\d\dT/.test(o.expires) ? new Date(o.expires) : new Date(c.now().getTime() + (days ? Number(days[1]) * 86_400_000 : parseDuration(o.expires, '--expires')));
        if (Number.isNaN(at.getTime())) throw usage(`couldn't read --expires ${JSON.stringify(o.expires)}: give a duration (90d, 12h) or an RFC 3339 date-time`);
        expires = at.toISOString().replace(/\.000Z$/, 'Z');
      }
      const secret = `scitt_${randomBytes(32).toString('base64url')}`;
      const sha256 = createHash('sha256').update(secret, 'utf8').digest('hex');
      const entry = { name: o.name, sha256, ...(expires ? { expires } : {}) };
      if (o.tokensFile) appendEntry(o.tokensFile, entry);
      c.out.result({ identity: `token:${o.name}`, token: secret, ...entry, ...(o.tokensFile ? { tokensFile: o.tokensFile } : {}) }, () => [
        secret,
        '',
        `# identity token:${o.name}; the token above is shown only once — give it to the submitter (SCITT_TOKEN).`,
        o.tokensFile ? `# added to ${o.tokensFile}:` : '# add this entry to the ledger\'s tokens file (AUTH_TOKENS_FILE), under tokens:',
        `  - name: ${o.name}`,
        `    sha256: ${sha256}`,
        ...(expires ? [`    expires: ${expires}`] : []),
      ]);
    });
}
