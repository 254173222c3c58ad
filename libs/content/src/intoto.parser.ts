/**
 * in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md) with
 * SLSA Provenance v1 (https://slsa.dev/spec/v1.0/provenance) — a typed reader. Subjects are
 * resource descriptors whose digest sets are normalised (`sha256:<lowercase hex>`), so the
 * registration check can compare them with the signed statement's subject digest.
 * An OpenVEX predicate is read as OpenVEX (its entries fill `vex`); other predicates stay in `document`.
 */
import { ContentHash, ContentLimits, ContentSubject, InTotoContent, SlsaDetail } from './content.model.js';
import { ContentFormatError } from './content.errors.js';
import { escapePointer, FieldReader, JsonObject, readJsonObject } from './json.reader.js';
import { digestStrings, readHash } from './normalise.js';
import { OPENVEX_CONTEXT, readOpenVexStatements } from './openvex.parser.js';

export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/** A resource descriptor's digest set, normalised; `required` when the descriptor must have one. */
function readDigestSet(r: FieldReader, value: unknown, pointer: string, required: boolean): ContentHash[] {
  if (value === undefined && !required) return [];
  const o = r.object(value, pointer);
  const algs = Object.keys(o);
  if (algs.length === 0) r.fail(pointer, 'must name at least one digest');
  if (algs.length > r.limits.maxPerItem) r.fail(pointer, `more than ${r.limits.maxPerItem} digests`);
  return algs.map((alg) => readHash(r, alg, o[alg], `${pointer}/${escapePointer(alg)}`));
}

function readDescriptor(r: FieldReader, value: unknown, pointer: string, digestRequired: boolean): ContentSubject & { uri: string | null } {
  const o = r.object(value, pointer);
  const name = r.optString(o, 'name', pointer);
  const uri = r.optString(o, 'uri', pointer);
  const digests = digestStrings(readDigestSet(r, o.digest, `${pointer}/digest`, digestRequired));
  if (!digestRequired && digests.length === 0 && uri === null && o.content === undefined) r.fail(pointer, 'needs a uri, a digest or content');
  return { name, uri, digests };
}

function readSlsa(r: FieldReader, predicate: unknown): SlsaDetail {
  const s = new FieldReader('SLSA provenance', r.limits);
  const pred = s.object(predicate, '/predicate');
  const def = s.object(pred.buildDefinition, '/predicate/buildDefinition');
  const buildType = s.reqString(def, 'buildType', '/predicate/buildDefinition');
  s.object(def.externalParameters, '/predicate/buildDefinition/externalParameters');
  if (def.internalParameters !== undefined) s.object(def.internalParameters, '/predicate/buildDefinition/internalParameters');
  const resolvedDependencies = s.array(def.resolvedDependencies, '/predicate/buildDefinition/resolvedDependencies', 'maxSubjects')
    .map((d, i) => readDescriptor(s, d, `/predicate/buildDefinition/resolvedDependencies/${i}`, false));
  const run = s.object(pred.runDetails, '/predicate/runDetails');
  const builder = s.object(run.builder, '/predicate/runDetails/builder');
  const builderId = s.reqString(builder, 'id', '/predicate/runDetails/builder');
  const builderVersion: Record<string, string> = {};
  if (builder.version !== undefined) {
    const v = s.object(builder.version, '/predicate/runDetails/builder/version');
    for (const k of Object.keys(v)) builderVersion[k] = s.string(v[k], `/predicate/runDetails/builder/version/${escapePointer(k)}`);
  }
  let invocationId: string | null = null;
  if (run.metadata !== undefined) invocationId = s.optString(s.object(run.metadata, '/predicate/runDetails/metadata'), 'invocationId', '/predicate/runDetails/metadata');
  return { builderId, builderVersion, buildType, invocationId, resolvedDependencies: resolvedDependencies.map(({ uri, name, digests }) => ({ uri, name, digests })) };
}

/**
 * Parse an in-toto Statement v1 (JSON, not its DSSE envelope: the COSE statement is the envelope).
 * @throws ContentFormatError | ContentLimitError
 */
export function parseInToto(payload: Uint8Array, contentType: string, limits: ContentLimits): InTotoContent {
  const r = new FieldReader('in-toto', limits);
  const doc: JsonObject = readJsonObject('in-toto', payload, limits);
  if (doc._type !== INTOTO_STATEMENT_V1) r.fail('/_type', `must be "${INTOTO_STATEMENT_V1}"`);
  const subjects = r.array(doc.subject, '/subject', 'maxSubjects', { required: true, nonEmpty: true })
    .map((s, i) => readDescriptor(r, s, `/subject/${i}`, true))
    .map(({ name, digests }) => ({ name, digests }));
  const predicateType = r.reqString(doc, 'predicateType', '');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(predicateType)) r.fail('/predicateType', 'must be a URI');
  if (doc.predicate !== undefined) r.object(doc.predicate, '/predicate');
  const slsa = predicateType === SLSA_PROVENANCE_V1 ? readSlsa(r, doc.predicate) : null;
  let vex: InTotoContent['vex'] = [];
  if (predicateType === OPENVEX_CONTEXT) {
    const pred = r.object(doc.predicate, '/predicate');
    const v = new FieldReader('OpenVEX', limits);
    if (pred['@context'] !== OPENVEX_CONTEXT) throw new ContentFormatError('OpenVEX', '/predicate/@context', `must be "${OPENVEX_CONTEXT}"`);
    vex = readOpenVexStatements(v, pred, '/predicate');
  }
  return {
    kind: 'intoto', contentType, predicateType, slsa, subjects, vex, components: [],
    builder: slsa ? { id: slsa.builderId } : null, buildType: slsa?.buildType ?? null, document: doc,
  };
}
