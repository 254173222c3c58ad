/**
 * nest-cli.json must describe the build that `npm run build` really runs, so that `npx nest build`
 * (dev dependency @nestjs/cli) and `npm run build` stay one build: the same tsc, the same tsconfig,
 * the same dist/ layout and entry point. (Checked once by hand: `nest build` and `tsc -p
 * tsconfig.build.json` emit byte-identical dist/ files; only tsc's incremental cache differs.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const json = (name: string) => JSON.parse(readFileSync(join(root, name), 'utf8')) as Record<string, unknown>;

describe('nest-cli.json tells the truth', () => {
  const nest = json('nest-cli.json') as { sourceRoot: string; entryFile: string; compilerOptions: { tsConfigPath: string; builder: string; deleteOutDir: boolean } };
  const pkg = json('package.json') as { scripts: Record<string, string>; devDependencies: Record<string, string> };

  it('uses the tsc builder with the tsconfig that `npm run build` uses', () => {
    assert.equal(nest.compilerOptions.builder, 'tsc');
    // `npm run build` = the service (what `nest build` builds) && the explorer's bundle (web/, esbuild)
    const [service, ...rest] = pkg.scripts.build!.split(' && ');
    assert.equal(service, `tsc -p ${nest.compilerOptions.tsConfigPath}`);
    assert.deepEqual(rest, ['tsc -p web/tsconfig.json', 'node web/build.mjs']);
    assert.ok(existsSync(join(root, nest.compilerOptions.tsConfigPath)));
  });

  it('names the entry point `npm start` runs (dist/<entryFile>.js) and a source root that exists', () => {
    assert.equal(pkg.scripts.start, `node dist/${nest.entryFile}.js`);
    assert.ok(existsSync(join(root, `${nest.entryFile}.ts`)), `${nest.entryFile}.ts`);
    assert.ok(existsSync(join(root, nest.sourceRoot)));
  });

  it('keeps dist/ like tsc does (no delete: tsc builds incrementally into it)', () => {
    assert.equal(nest.compilerOptions.deleteOutDir, false);
  });

  it('has the Nest CLI it configures as a dev dependency', () => {
    assert.ok(pkg.devDependencies['@nestjs/cli'], '@nestjs/cli in devDependencies');
  });
});
