import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hand-made content fixtures (test/fixtures/content/README.md names their shapes' sources). */
export const CONTENT_FIXTURES_DIR = join(new URL('../../..', import.meta.url).pathname, 'test', 'fixtures', 'content');

/** The digest of the fictional image the fixtures describe. */
export const FIXTURE_IMAGE_DIGEST = 'sha256:8a340b5fe4cfbc9885f6550ad08d26ed331f570c1afabe59efc3a5f0b2085623';

export type ContentFixture = 'cyclonedx-1.6-sbom.json' | 'cyclonedx-1.6-vex.json' | 'spdx-2.3-sbom.json' | 'slsa-v1-provenance.intoto.json' | 'openvex-0.2.0.json';

/** A fixture as a fresh JSON value (mutate freely). */
export const fixtureJson = (name: ContentFixture): any => JSON.parse(readFileSync(join(CONTENT_FIXTURES_DIR, name), 'utf8'));

/** A fixture's bytes, optionally with the image digest replaced by `digest` (`sha256:<hex>`) everywhere. */
export function fixtureBytes(name: ContentFixture, digest?: string): Uint8Array {
  let text = readFileSync(join(CONTENT_FIXTURES_DIR, name), 'utf8');
  if (digest) {
    const [from, to] = [FIXTURE_IMAGE_DIGEST.slice(7), digest.slice(7)];
    text = text.split(from).join(to);
  }
  return new TextEncoder().encode(text);
}

export const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** The content type each fixture is registered with. */
export const FIXTURE_CONTENT_TYPE: Record<ContentFixture, string> = {
  'cyclonedx-1.6-sbom.json': 'application/vnd.cyclonedx+json',
  'cyclonedx-1.6-vex.json': 'application/vnd.cyclonedx+json',
  'spdx-2.3-sbom.json': 'application/spdx+json',
  'slsa-v1-provenance.intoto.json': 'application/vnd.in-toto+json',
  'openvex-0.2.0.json': 'application/openvex+json',
};

/**
 * A small valid SPDX 2.3 JSON document (the ledger refuses malformed SPDX since #15): `name` makes
 * it unique; `packages` are `name@version` (npm purls).
 * @example spdxJson('app', ['lodash@4.17.20'])
 */
export function spdxJson(name: string, packages: readonly string[] = []): string {
  return JSON.stringify({
    spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name,
    documentNamespace: `https://sbom.example/spdxdocs/${encodeURIComponent(name)}`,
    creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: scitt-ledger-tests'] },
    packages: packages.map((p, i) => {
      const at = p.lastIndexOf('@');
      const [n, v] = at > 0 ? [p.slice(0, at), p.slice(at + 1)] : [p, undefined];
      return {
        SPDXID: `SPDXRef-Package-${i}`, name: n, ...(v ? { versionInfo: v } : {}), downloadLocation: 'NOASSERTION',
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:npm/${n.replace('@', '%40')}${v ? `@${v}` : ''}` }],
      };
    }),
  });
}
