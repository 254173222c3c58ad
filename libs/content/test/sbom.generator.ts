/** Synthetic CycloneDX 1.6 SBOMs of any size (benchmarks and bulk tests); the hand-made fixtures are in test/fixtures/content. */
export function cyclonedxSbom(components: number, opts: { subjectDigest?: string; seed?: string } = {}): Record<string, unknown> {
  const seed = opts.seed ?? 'pkg';
  const hex = (i: number, len: number) => (i.toString(16).padStart(8, '0') + seed.length.toString(16)).repeat(Math.ceil(len / 9)).slice(0, len);
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 1,
    metadata: {
      timestamp: '2026-11-30T12:00:00Z',
      component: { type: 'container', 'bom-ref': 'image', name: 'registry.example/team/app', ...(opts.subjectDigest ? { purl: `pkg:oci/app@${opts.subjectDigest}` } : {}) },
    },
    components: Array.from({ length: components }, (_, i) => ({
      type: 'library',
      'bom-ref': `c${i}`,
      name: `${seed}-${i}`,
      version: `1.${i % 100}.${i % 7}`,
      purl: `pkg:npm/${seed}-${i}@1.${i % 100}.${i % 7}`,
      hashes: [{ alg: 'SHA-256', content: hex(i, 64) }],
      licenses: [{ license: { id: i % 10 === 0 ? 'Apache-2.0' : 'MIT' } }],
    })),
  };
}
