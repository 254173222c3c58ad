/** The CEL rule examples of docs/policy.md#cel-rules, parameterised, for the registration and consumer e2e tests. */

export const EXAMPLE_RULES = (o: { denied: string[]; builder: string; cves: string[] }) => [
  {
    name: 'no-denied-licences',
    when: 'claim.format in ["cyclonedx", "spdx"]',
    require: `!claim.components.exists(c, c.licenses.exists(l, l in ${JSON.stringify(o.denied)}))`,
    message: 'an SBOM must not list a component under a denied licence',
  },
  {
    name: 'slsa-from-our-builder',
    when: 'claim.predicateType.startsWith("https://slsa.dev/provenance/v1")',
    require: `claim.builder.id == ${JSON.stringify(o.builder)}`,
  },
  {
    name: 'no-affected-cves',
    when: 'claim.vex.size() > 0',
    require: `!claim.vex.exists(v, v.status == "affected" && v.vulnerability in ${JSON.stringify(o.cves)})`,
  },
];

