/**
 * Summarises a `.heapprofile` (V8's sampling heap profiler, as heap-sampler.ts writes them): the
 * functions that allocated most, by their own allocations and with their callees, in MB and as a
 * share of the whole; with `--per N` (e.g. the registrations in the sampled window) also in bytes
 * per unit.
 * Run: `node dist/test/bench/heap-summary.js <file.heapprofile> [--per N] [--top 25]`.
 */
import { readFileSync } from 'node:fs';

interface HeapNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children?: readonly HeapNode[];
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !['--per', '--top'].includes(args[i - 1] ?? ''));
const option = (name: string): number | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
if (!file || args.includes('--help')) {
  console.log('usage: node dist/test/bench/heap-summary.js <file.heapprofile> [--per N] [--top 25]');
  process.exit(file ? 0 : 2);
}
const per = option('--per');
const top = option('--top') ?? 25;

const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };
const name = (n: HeapNode): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
const walk = (n: HeapNode, above: readonly string[]): void => {
  const k = name(n);
  total += n.selfSize;
  self.set(k, (self.get(k) ?? 0) + n.selfSize);
  const stack = above.includes(k) ? above : [...above, k]; // recursion counts once
  for (const s of stack) inclusive.set(s, (inclusive.get(s) ?? 0) + n.selfSize);
  for (const c of n.children ?? []) walk(c, stack);
};
walk(head, []);

const show = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [k, bytes] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const unit = per ? `  ${(bytes / per).toFixed(0).padStart(6)} B/unit` : '';
    console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${(bytes / 1e6).toFixed(1).padStart(7)} MB${unit}  ${k}`);
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} MB sampled${per ? `, ${(total / per / 1024).toFixed(1)} KB per unit (--per ${per})` : ''}`);
show('allocated by the function itself', self);
show('allocated by the function and its callees', inclusive);
