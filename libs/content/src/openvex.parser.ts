/**
 * OpenVEX 0.2.0 (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md) — a typed reader.
 * Each statement × product becomes one {@link VexEntry}. Also reads an OpenVEX document that is
 * the predicate of an in-toto statement (predicate type `https://openvex.dev/ns/v0.2.0`).
 */
import { ContentLimits, OpenVexContent, VexEntry, VexProduct, VexStatus } from './content.model.js';
import { escapePointer, FieldReader, JsonObject, readJsonObject } from './json.reader.js';
import { NormalPurl, readHash, readPurl } from './normalise.js';

export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';
const STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
const JUSTIFICATIONS = [
  'component_not_present', 'vulnerable_code_not_present', 'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary', 'inline_mitigations_already_exist',
] as const;

function readProduct(r: FieldReader, value: unknown, pointer: string): VexProduct {
  const o = r.object(value, pointer);
  const id = r.optString(o, '@id', pointer);
  let purl: NormalPurl | null = id?.startsWith('pkg:') ? readPurl(r, id, `${pointer}/@id`) : null;
  if (o.identifiers !== undefined) {
    const ids = r.object(o.identifiers, `${pointer}/identifiers`);
    if (ids.purl !== undefined) {
      const p = readPurl(r, ids.purl, `${pointer}/identifiers/purl`);
      if (purl !== null && purl.purl !== p.purl) r.fail(`${pointer}/identifiers/purl`, 'names another package than @id');
      purl = p;
    }
  }
  let digest = purl?.digest ?? null;
  if (o.hashes !== undefined) {
    const hashes = r.object(o.hashes, `${pointer}/hashes`);
    const keys = Object.keys(hashes);
    if (keys.length > r.limits.maxPerItem) r.fail(`${pointer}/hashes`, `more than ${r.limits.maxPerItem} hashes`);
    for (const alg of keys) {
      const h = readHash(r, alg, hashes[alg], `${pointer}/hashes/${escapePointer(alg)}`);
      if (h.alg === 'sha256') {
        const d = `sha256:${h.value}`;
        if (digest !== null && digest !== d) r.fail(`${pointer}/hashes/${escapePointer(alg)}`, 'names another digest than the purl');
        digest = d;
      }
    }
  }
  const shown = id ?? purl?.purl ?? digest;
  if (shown === null) r.fail(pointer, 'needs an @id, identifiers.purl or hashes');
  return { id: shown, purl: purl?.purl ?? null, purlBase: purl?.purlBase ?? null, digest };
}

/** The VEX entries of an OpenVEX document object; `base` prefixes every pointer (`/predicate` inside in-toto). */
export function readOpenVexStatements(r: FieldReader, doc: JsonObject, base: string): VexEntry[] {
  const vex: VexEntry[] = [];
  r.array(doc.statements, `${base}/statements`, 'maxVexEntries', { required: true, nonEmpty: true }).forEach((item, i) => {
    const p = `${base}/statements/${i}`;
    const s = r.object(item, p);
    const v = r.object(s.vulnerability, `${p}/vulnerability`);
    const vulnerability = r.reqString(v, 'name', `${p}/vulnerability`);
    const aliases = r.array(v.aliases, `${p}/vulnerability/aliases`, 'maxPerItem').map((a, k) => r.string(a, `${p}/vulnerability/aliases/${k}`));
    const status: VexStatus = r.oneOf(s.status, `${p}/status`, STATUSES);
    const justification = s.justification === undefined ? null : r.oneOf(s.justification, `${p}/justification`, JUSTIFICATIONS);
    if (status === 'not_affected' && justification === null && s.impact_statement === undefined) {
      r.fail(`${p}/justification`, 'a not_affected statement needs a justification or an impact_statement');
    }
    if (s.impact_statement !== undefined) r.string(s.impact_statement, `${p}/impact_statement`);
    if (status === 'affected') r.reqString(s, 'action_statement', p);
    const products = r.array(s.products, `${p}/products`, 'maxVexEntries', { required: true, nonEmpty: true });
    products.forEach((prod, k) => {
      const pp = `${p}/products/${k}`;
      const product = readProduct(r, prod, pp);
      const subcomponents = r.array(r.object(prod, pp).subcomponents, `${pp}/subcomponents`, 'maxPerItem')
        .map((sc, j) => readProduct(r, sc, `${pp}/subcomponents/${j}`))
        .map((sc) => sc.purl ?? sc.digest ?? sc.id);
      vex.push({ vulnerability, aliases, product, subcomponents, status, justification, sourceStatus: status, pointer: pp });
      r.count(vex.length, `${base}/statements`, 'maxVexEntries');
    });
  });
  return vex;
}

/**
 * Parse an OpenVEX 0.2.0 JSON document.
 * @throws ContentFormatError | ContentLimitError
 */
export function parseOpenVex(payload: Uint8Array, contentType: string, limits: ContentLimits): OpenVexContent {
  const r = new FieldReader('OpenVEX', limits);
  const doc = readJsonObject('OpenVEX', payload, limits);
  if (doc['@context'] !== OPENVEX_CONTEXT) r.fail('/@context', `must be "${OPENVEX_CONTEXT}"`);
  const id = r.reqString(doc, '@id', '');
  const author = r.reqString(doc, 'author', '');
  const timestamp = r.reqString(doc, 'timestamp', '');
  if (Number.isNaN(Date.parse(timestamp))) r.fail('/timestamp', 'must be an RFC 3339 date-time');
  if (!(Number.isSafeInteger(doc.version) && (doc.version as number) >= 1)) r.fail('/version', 'must be an integer ≥ 1');
  const vex = readOpenVexStatements(r, doc, '');
  return {
    kind: 'openvex', contentType, id, author, timestamp, version: doc.version as number,
    components: [], vex, subjects: [], predicateType: null, builder: null, buildType: null, document: doc,
  };
}
