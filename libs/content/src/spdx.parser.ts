/**
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/, schema spdx-schema.json) — a small typed
 * reader: no maintained JavaScript SPDX 2.3 parser fits (docs/content.md#spdx). Reads the document
 * creation fields the schema requires, and the packages: name, versionInfo, checksums, the purl
 * from `externalRefs` (referenceType `purl`), licences; plus what the document DESCRIBES.
 */
import { ContentComponent, ContentHash, ContentLimits, SpdxContent } from './content.model.js';
import { FieldReader, JsonObject, readJsonObject } from './json.reader.js';
import { NormalPurl, readHash, readPurl } from './normalise.js';

const CHECKSUM_ALGORITHMS = [
  'SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'SHA3-256', 'SHA3-384', 'SHA3-512',
  'BLAKE2b-256', 'BLAKE2b-384', 'BLAKE2b-512', 'BLAKE3', 'MD2', 'MD4', 'MD5', 'MD6', 'ADLER32',
] as const;
const REF_CATEGORIES = ['OTHER', 'PERSISTENT-ID', 'PERSISTENT_ID', 'SECURITY', 'PACKAGE-MANAGER', 'PACKAGE_MANAGER'] as const;
const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;
const NO_LICENSE = new Set(['NOASSERTION', 'NONE']);

function readPackage(r: FieldReader, o: JsonObject, pointer: string): ContentComponent {
  const name = r.reqString(o, 'name', pointer);
  r.reqString(o, 'downloadLocation', pointer);
  const version = r.optString(o, 'versionInfo', pointer);
  const hashes: ContentHash[] = r.array(o.checksums, `${pointer}/checksums`, 'maxPerItem').map((c, i) => {
    const p = `${pointer}/checksums/${i}`;
    const co = r.object(c, p);
    const alg = r.oneOf(co.algorithm, `${p}/algorithm`, CHECKSUM_ALGORITHMS);
    return readHash(r, alg, co.checksumValue, `${p}/checksumValue`);
  });
  let purl: NormalPurl | null = null;
  r.array(o.externalRefs, `${pointer}/externalRefs`, 'maxPerItem').forEach((e, i) => {
    const p = `${pointer}/externalRefs/${i}`;
    const eo = r.object(e, p);
    r.oneOf(eo.referenceCategory, `${p}/referenceCategory`, REF_CATEGORIES);
    const type = r.reqString(eo, 'referenceType', p);
    const locator = r.reqString(eo, 'referenceLocator', p);
    // The first purl names the package; further purls (aliases in other ecosystems) are kept in the document only.
    if (type === 'purl' && purl === null) purl = readPurl(r, locator, `${p}/referenceLocator`);
  });
  const licenses = (['licenseConcluded', 'licenseDeclared'] as const)
    .map((k) => r.optString(o, k, pointer))
    .filter((l): l is string => l !== null && !NO_LICENSE.has(l));
  const p = purl as NormalPurl | null;
  return { purl: p?.purl ?? null, purlBase: p?.purlBase ?? null, purlVersion: p?.version ?? null, name, version, hashes, licenses: [...new Set(licenses)], pointer };
}

/**
 * Parse an SPDX 2.3 JSON document.
 * @throws ContentFormatError | ContentLimitError
 */
export function parseSpdx(payload: Uint8Array, contentType: string, limits: ContentLimits): SpdxContent {
  const r = new FieldReader('SPDX', limits);
  const doc = readJsonObject('SPDX', payload, limits);
  const spdxVersion = r.oneOf(doc.spdxVersion, '/spdxVersion', ['SPDX-2.3'] as const);
  if (doc.dataLicense !== 'CC0-1.0') r.fail('/dataLicense', 'must be "CC0-1.0"');
  if (doc.SPDXID !== 'SPDXRef-DOCUMENT') r.fail('/SPDXID', 'must be "SPDXRef-DOCUMENT"');
  const name = r.reqString(doc, 'name', '');
  const documentNamespace = r.reqString(doc, 'documentNamespace', '');
  if (!/^[a-z][a-z0-9+.-]*:[^#]*$/i.test(documentNamespace)) r.fail('/documentNamespace', 'must be an absolute URI without a fragment');
  const creation = r.object(doc.creationInfo, '/creationInfo');
  r.reqString(creation, 'created', '/creationInfo');
  r.array(creation.creators, '/creationInfo/creators', 'maxPerItem', { required: true, nonEmpty: true })
    .forEach((c, i) => r.string(c, `/creationInfo/creators/${i}`));

  const ids = new Map<string, ContentComponent>();
  const components = r.array(doc.packages, '/packages', 'maxComponents').map((item, i) => {
    const p = `/packages/${i}`;
    const o = r.object(item, p);
    const id = r.reqString(o, 'SPDXID', p);
    if (!SPDX_ID.test(id)) r.fail(`${p}/SPDXID`, 'must be SPDXRef-<idstring>');
    if (ids.has(id) || id === 'SPDXRef-DOCUMENT') r.fail(`${p}/SPDXID`, `the SPDXID ${JSON.stringify(id)} is not unique`);
    const c = readPackage(r, o, p);
    ids.set(id, c);
    return c;
  });

  const describedIds = new Set<string>();
  r.array(doc.documentDescribes, '/documentDescribes', 'maxComponents').forEach((d, i) => describedIds.add(r.string(d, `/documentDescribes/${i}`)));
  r.array(doc.relationships, '/relationships', 'maxVexEntries').forEach((rel, i) => {
    const p = `/relationships/${i}`;
    const ro = r.object(rel, p);
    const type = r.reqString(ro, 'relationshipType', p);
    const from = r.reqString(ro, 'spdxElementId', p);
    const to = r.reqString(ro, 'relatedSpdxElement', p);
    if (type === 'DESCRIBES' && from === 'SPDXRef-DOCUMENT') describedIds.add(to);
    if (type === 'DESCRIBED_BY' && to === 'SPDXRef-DOCUMENT') describedIds.add(from);
  });
  const described = [...describedIds].map((id) => ids.get(id)).filter((c): c is ContentComponent => c !== undefined);

  return {
    kind: 'spdx', contentType, spdxVersion, documentNamespace, name, described,
    components, vex: [], subjects: [], predicateType: null, builder: null, buildType: null, document: doc,
  };
}
