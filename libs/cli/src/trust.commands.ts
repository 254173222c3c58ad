/** `scitt trust fetch <ledger-url>` and `scitt trust show`: the ledger keys used offline by `scitt verify`. */
import type { Command } from 'commander';
import { coseKeyThumbprint, decodeCoseKeySet, toHex } from '../../cose/src/index.js';
import { ledgerUrl, type CliContext } from './cli.context.js';
import { serviceError, usage } from './cli.errors.js';
import { LedgerClient } from './ledger.client.js';
import { defaultTrustFile, loadTrust, loadTrustFileForUpdate, saveTrust } from './trust.store.js';

type Ctx = (cmd: Command) => CliContext;

export function registerTrustCommands(program: Command, ctx: Ctx): void {
  const trust = program.command('trust').description('ledger keys trusted for offline verification');
  trust
    .command('fetch')
    .description("fetch a ledger's keys (/.well-known/scitt-keys) into the trust file")
    .argument('<ledger-url>', 'ledger base URL')
    .option('--trust-file <file>', 'trust file to update (default $SCITT_TRUST_FILE or ~/.config/scitt/trust.json)')
    .option('--out <file>', 'same as --trust-file')
    .option('--name <name>', "name for this ledger in the trust file (default: the URL's host)")
    .action(async (url: string, o: { trustFile?: string; out?: string; name?: string }, cmd: Command) => {
      const c = ctx(cmd);
      if (o.out && o.trustFile && o.out !== o.trustFile) throw usage("couldn't fetch: give --trust-file or --out, not both");
      o.trustFile ??= o.out;
      const base = ledgerUrl(url, {});
      const name = o.name ?? new URL(base).host;
      if (!/^[A-Za-z0-9._:@-]{1,200}$/.test(name)) throw usage(`couldn't use --name ${JSON.stringify(name)}: letters, digits, . _ : @ - only`);
      const file = o.trustFile ?? defaultTrustFile(c.env);
      const bytes = await new LedgerClient(base).keySet();
      let keys;
      try {
        keys = decodeCoseKeySet(bytes);
      } catch (e) {
        throw serviceError(`couldn't fetch the keys of ${base}: /.well-known/scitt-keys is not a COSE Key Set: ${(e as Error).message}`, e);
      }
      if (keys.length === 0) throw serviceError(`couldn't fetch the keys of ${base}: the key set is empty`);
      const store = loadTrustFileForUpdate(file);
      store.upsert({ name, url: base, keys, fetchedAt: c.now().toISOString() });
      saveTrust(file, store);
      const kids = keys.map((k) => toHex(coseKeyThumbprint(k)));
      c.out.result({ name, url: base, kids, trustFile: file }, () => [`trusting ${kids.length} key(s) of ${base} as "${name}" in ${file}`, ...kids.map((k) => `  kid ${k}`)]);
    });
  trust
    .command('show')
    .description('list the trusted ledgers and keys')
    .option('--trust-file <file>', 'trust file (default $SCITT_TRUST_FILE or ~/.config/scitt/trust.json)')
    .action(async (o: { trustFile?: string }, cmd: Command) => {
      const c = ctx(cmd);
      const store = loadTrust([o.trustFile ?? defaultTrustFile(c.env)]);
      c.out.result(store.toJson(), () => store.ledgers.flatMap((l) => [`${l.name}${l.url ? ` (${l.url})` : ''}${l.fetchedAt ? `, fetched ${l.fetchedAt}` : ''}`, ...l.keys.map((k) => `  kid ${toHex(coseKeyThumbprint(k))}`)]));
    });
}
