/** `npm run projections:rebuild`: see projections.rebuild.ts. Same environment variables as the service. */
import { loadConfig } from '../infrastructure/config.js';
import { rebuildProjections } from './projections.rebuild.js';

try {
  const report = await rebuildProjections(loadConfig(process.env));
  for (const p of report.projections) console.log(`rebuilt projection ${p.name} v${p.version}: ${p.events} events in ${p.ms} ms`);
  console.log(`projections: ${report.path}`);
} catch (err) {
  console.error(`scitt-ledger: couldn't rebuild the projections: ${(err as Error)?.message ?? err}`);
  process.exitCode = 1;
}
