/**
 * The CBOR codec the strictness suite (libs/cose/src/cbor.*.unit.spec.ts) holds to its rules: the
 * project's own (default), or with `CBOR_CODEC=cbor-x` the cbor-x contender of the bake-off
 * (libs/cose/bench/cbor-x.strict.ts, run by test/bench/cbor.bakeoff.bench.ts; docs/cose.md).
 */
import { decodeCbor as ownDecode, encodeCbor as ownEncode } from '../../libs/cose/src/index.js';

export interface CborCodec {
  readonly name: string;
  readonly decodeCbor: typeof ownDecode;
  readonly encodeCbor: typeof ownEncode;
}

const which = process.env.CBOR_CODEC ?? 'own';
if (which !== 'own' && which !== 'cbor-x') throw new Error(`CBOR_CODEC must be own or cbor-x, not ${which}`);

export const cborCodec: CborCodec =
  which === 'cbor-x' ? { name: 'cbor-x + strict check', ...(await import('../../libs/cose/bench/cbor-x.strict.js')) } : { name: 'own', decodeCbor: ownDecode, encodeCbor: ownEncode };
