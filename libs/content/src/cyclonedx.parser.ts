/**
 * CycloneDX JSON 1.4–1.6 (https://cyclonedx.org/docs/1.6/json/), SBOMs and VEX. The vocabulary
 * checks (component types, hash algorithms per spec version, analysis states and justifications)
 * come from `@cyclonedx/cyclonedx-library`'s Spec and Enums, so they follow the spec's own
 * maintained tables; the library has no JSON reader (it serialises, and its schema validator loads
 * files from disk asynchronously), so the walk is ours, strict and bounded.
 */
import { SpecVersionDict } from '@cyclonedx/cyclonedx-library/Spec';
import { Vulnerability } from '@cyclonedx/cyclonedx-library/Enums';
import { ContentComponent, ContentHash, ContentLimits, CycloneDxContent, VexEntry, VexStatus } from './content.model.js';
import { FieldReader, JsonObject, readJsonObject } from './json.reader.js';
import { parsePurl, readHash, readPurl } from './normalise.js';

const VERSIONS = ['1.4', '1.5', '1.6'] as const;
const STATES = Object.values(Vulnerability.AnalysisState) as string[];
const JUSTIFICATIONS = Object.values(Vulnerability.AnalysisJustification) as string[];

/** CycloneDX analysis states in OpenVEX's vocabulary (docs/content.md#vex). */
const STATUS_OF_STATE: Record<string, VexStatus> = {
  not_affected: 'not_affected', false_positive: 'not_affected', exploitable: 'affected',
  resolved: 'fixed', resolved_with_pedigree: 'fixed', in_triage: 'under_investigation',
};

type Spec = (typeof SpecVersionDict)[keyof typeof SpecVersionDict] & object;

function readLicenses(r: FieldReader, value: unknown, pointer: string): string[] {
  const out: string[] = [];
  r.array(value, pointer, 'maxPerItem').forEach((item, i) => {
    const p = `${pointer}/${i}`;
    const o = r.object(item, p);
    if (o.expression !== undefined) out.push(r.string(o.expression, `${p}/expression`));
    else {
      const lic = r.object(o.license, `${p}/license`);
      const id = r.optString(lic, 'id', `${p}/license`);
      const name = r.optString(lic, 'name', `${p}/license`);
      if (id === null && name === null) r.fail(`${p}/license`, 'needs an id or a name');
      out.push((id ?? name)!);
    }
  });
  return out;
}

function readComponent(r: FieldReader, spec: Spec, o: JsonObject, pointer: string): ContentComponent {
  const type = r.reqString(o, 'type', pointer);
  if (!spec.supportsComponentType(type)) r.fail(`${pointer}/type`, `not a component type of CycloneDX ${spec.version} (${JSON.stringify(type)})`);
  const name = r.reqString(o, 'name', pointer);
  const version = r.optString(o, 'version', pointer);
  const purl = o.purl === undefined ? null : readPurl(r, o.purl, `${pointer}/purl`);
  const hashes: ContentHash[] = r.array(o.hashes, `${pointer}/hashes`, 'maxPerItem').map((h, i) => {
    const p = `${pointer}/hashes/${i}`;
    const ho = r.object(h, p);
    const alg = r.reqString(ho, 'alg', p);
    if (!spec.supportsHashAlgorithm(alg)) r.fail(`${p}/alg`, `not a hash algorithm of CycloneDX ${spec.version} (${JSON.stringify(alg)})`);
    return readHash(r, alg, ho.content, `${p}/content`);
  });
  const licenses = readLicenses(r, o.licenses, `${pointer}/licenses`);
  return { purl: purl?.purl ?? null, purlBase: purl?.purlBase ?? null, purlVersion: purl?.version ?? null, name, version, hashes, licenses, pointer };
}

/**
 * Parse a CycloneDX JSON BOM. Kind `cyclonedx-vex` when it carries at least one vulnerability with
 * an analysis state (a VEX), `cyclonedx` otherwise; both list their components.
 * @throws ContentFormatError | ContentLimitError
 */
export function parseCycloneDx(payload: Uint8Array, contentType: string, limits: ContentLimits): CycloneDxContent {
  const r = new FieldReader('CycloneDX', limits);
  const doc = readJsonObject('CycloneDX', payload, limits);
  if (doc.bomFormat !== 'CycloneDX') r.fail('/bomFormat', 'must be "CycloneDX"');
  const specVersion = r.oneOf(doc.specVersion, '/specVersion', VERSIONS);
  const spec = SpecVersionDict[specVersion] as Spec;
  const serialNumber = r.optString(doc, 'serialNumber', '');
  if (serialNumber !== null && !/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(serialNumber)) {
    r.fail('/serialNumber', 'must be a urn:uuid (RFC 4122)');
  }
  if (doc.version !== undefined && !(Number.isSafeInteger(doc.version) && (doc.version as number) >= 1)) r.fail('/version', 'must be an integer ≥ 1');

  const byRef = new Map<string, ContentComponent>();
  const noteRef = (o: JsonObject, c: ContentComponent, pointer: string): void => {
    const ref = r.optString(o, 'bom-ref', pointer);
    if (ref === null) return;
    if (byRef.has(ref)) r.fail(`${pointer}/bom-ref`, `the bom-ref ${JSON.stringify(ref)} is not unique`);
    byRef.set(ref, c);
  };

  let metadataComponent: ContentComponent | null = null;
  if (doc.metadata !== undefined) {
    const metadata = r.object(doc.metadata, '/metadata');
    if (metadata.component !== undefined) {
      const mo = r.object(metadata.component, '/metadata/component');
      metadataComponent = readComponent(r, spec, mo, '/metadata/component');
      noteRef(mo, metadataComponent, '/metadata/component');
    }
  }

  // Components nest (`components[].components`); walk them with an explicit stack, counting all.
  const components: ContentComponent[] = [];
  const stack: { list: unknown; pointer: string }[] = [{ list: doc.components, pointer: '/components' }];
  while (stack.length > 0) {
    const { list, pointer } = stack.pop()!;
    const items = r.array(list, pointer, 'maxComponents');
    r.count(components.length + items.length, pointer, 'maxComponents');
    items.forEach((item, i) => {
      const p = `${pointer}/${i}`;
      const o = r.object(item, p);
      const c = readComponent(r, spec, o, p);
      components.push(c);
      noteRef(o, c, p);
      if (o.components !== undefined) stack.push({ list: o.components, pointer: `${p}/components` });
    });
  }

  const vex = readVulnerabilities(r, doc.vulnerabilities, byRef);
  return {
    kind: vex.length > 0 ? 'cyclonedx-vex' : 'cyclonedx',
    contentType, specVersion, serialNumber, metadataComponent,
    components, vex, subjects: [], predicateType: null, builder: null, buildType: null, document: doc,
  };
}

function readVulnerabilities(r: FieldReader, value: unknown, byRef: ReadonlyMap<string, ContentComponent>): VexEntry[] {
  const vex: VexEntry[] = [];
  r.array(value, '/vulnerabilities', 'maxVexEntries').forEach((item, i) => {
    const p = `/vulnerabilities/${i}`;
    const v = r.object(item, p);
    if (v.analysis === undefined) return; // a finding without analysis is not a VEX statement
    const vulnerability = r.reqString(v, 'id', p);
    const analysis = r.object(v.analysis, `${p}/analysis`);
    if (analysis.state === undefined) return;
    const state = r.oneOf(analysis.state, `${p}/analysis/state`, STATES);
    const justification = analysis.justification === undefined ? null : r.oneOf(analysis.justification, `${p}/analysis/justification`, JUSTIFICATIONS);
    const aliases = r.array(v.references, `${p}/references`, 'maxPerItem').map((ref, k) => r.reqString(r.object(ref, `${p}/references/${k}`), 'id', `${p}/references/${k}`));
    const affects = r.array(v.affects, `${p}/affects`, 'maxVexEntries', { required: true, nonEmpty: true });
    affects.forEach((a, k) => {
      const ap = `${p}/affects/${k}`;
      const ref = r.reqString(r.object(a, ap), 'ref', ap);
      const target = byRef.get(ref);
      // A BOM-Link (urn:cdx:…) names a component of another BOM; any other ref must resolve here.
      if (!target && !ref.startsWith('urn:cdx:')) r.fail(`${ap}/ref`, `names no bom-ref of this BOM (${JSON.stringify(ref)})`);
      const purl = target?.purl ?? null;
      const digest = purl === null ? null : parsePurl(purl).digest;
      vex.push({
        vulnerability, aliases,
        product: { id: ref, purl, purlBase: target?.purlBase ?? null, digest },
        subcomponents: [], status: STATUS_OF_STATE[state]!, justification, sourceStatus: state, pointer: ap,
      });
      r.count(vex.length, '/vulnerabilities', 'maxVexEntries');
    });
  });
  return vex;
}
