export * from './content.model.js';
export * from './content.errors.js';
export { parseClaimContent, isKnownContentType, opaqueContent, CONTENT_PARSERS } from './parse-claim-content.js';
export { parsePurl, normaliseHashAlg, mediaTypeEssence } from './normalise.js';
export type { NormalPurl } from './normalise.js';
export { INTOTO_STATEMENT_V1, SLSA_PROVENANCE_V1 } from './intoto.parser.js';
export { OPENVEX_CONTEXT } from './openvex.parser.js';
export * from './content.summary.js';
