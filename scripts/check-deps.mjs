#!/usr/bin/env node
// Dependency rule (docs/architecture.md, Modules): the pure libraries import no Nest, no Node I/O, no adapter,
// and no adapter imports the service (src/). Fails with the offending import when broken.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PURE = ['merkle', 'cose', 'receipt', 'ledger'];
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
if (problems.length) {
  console.error('dependency rule broken:\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log('dependency rule: ok (pure libs: ' + PURE.join(', ') + ')');
