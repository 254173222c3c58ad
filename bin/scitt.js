#!/usr/bin/env node
// The `scitt` CLI launcher: the code is compiled TypeScript in dist/ (run `npm run build` first).
let cli;
try {
  cli = await import('../dist/libs/cli/src/main.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/libs/cli')) {
    process.stderr.write('scitt: not built yet: run `npm run build` in the scitt-ledger checkout\n');
    process.exit(4);
  }
  throw e;
}
process.exitCode = await cli.runCli(process.argv.slice(2));
