#!/usr/bin/env node
// Dependency rule (docs/architecture.md, Modules): the pure libraries import no Nest, no Node I/O, no adapter,
// no adapter imports the service (src/), and no module imports itself through others (no import cycles
// among src/, libs/ and test/, type-only imports included). Fails with the offending imports when broken.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PURE = ['merkle', 'cose', 'receipt', 'ledger', 'content'];
const FORBIDDEN_IN_PURE = [
  /^@nestjs\//, /^node:(fs|net|http|https|http2|child_process|worker_threads|dgram|cluster|tls|os|dns)(\/|$)/,
  /^(fs|net|http|https|child_process|worker_threads|os)$/, /^kafkajs$/, /^better-sqlite3$/, /^@kurrent\//, /^undici$/,
];
const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
const problems = [];
/** Relative imports by file (repository-relative `.ts` paths), for the cycle check. */
const graph = new Map();
for (const file of ['src', 'libs', 'test'].flatMap((d) => walk(join(root, d)))) {
  const deps = [];
  for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) deps.push(relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  graph.set(relative(root, file), deps);
}
for (const cycle of importCycles(graph)) problems.push(`import cycle: ${cycle.join(' → ')} → ${cycle[0]}`);

for (const file of walk(join(root, 'libs'))) {
  const rel = relative(root, file);
  const lib = rel.split('/')[1];
  const isSpec = /\.spec\.ts$/.test(file) || rel.includes('/bench/') || rel.includes('/test/');
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec));
      if (target.startsWith('src/')) problems.push(`${rel}: a library imports the service: ${spec}`);
      if (PURE.includes(lib) && !isSpec) {
        const tlib = target.startsWith('libs/') ? target.split('/')[1] : null;
        if (tlib && !PURE.includes(tlib)) problems.push(`${rel}: pure lib ${lib} imports adapter lib ${tlib}`);
      }
      continue;
    }
    if (PURE.includes(lib) && !isSpec && FORBIDDEN_IN_PURE.some((re) => re.test(spec))) {
      problems.push(`${rel}: pure lib ${lib} imports ${spec}`);
    }
  }
}
/**
 * The import cycles of `graph` (file → imported files): Tarjan's strongly connected components with
 * more than one file (or a file importing itself), each reported as one path around the cycle.
 */
function importCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(pathAround(graph, new Set(component), v));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One cycle through `start` inside `component` (breadth-first, so the shortest). */
function pathAround(graph, component, start) {
  const from = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let p = from.get(v); p !== null && p !== undefined; p = from.get(p)) path.unshift(p);
        return path;
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component];
}

if (problems.length) {
  console.error('dependency rule broken:\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log(`dependency rule: ok (pure libs: ${PURE.join(', ')}; no import cycles in ${graph.size} files)`);
