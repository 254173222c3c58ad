/**
 * @module libs/merkle — RFC 9162 §2.1 Merkle trees (SHA-256): hashing, incremental append
 * (compact range), proof generation from stored nodes, and proof verification.
 */
export { MerkleError, MerkleErrorCode, type MerkleErrorCodeValue } from './merkle.errors.js';
export { HASH_SIZE, EMPTY_ROOT, emptyRoot, hashLeaf, hashChildren } from './merkle.hash.js';
export { type MerkleHasher, type Sha256, createMerkleHasher } from './merkle.hasher.js';
export { nodeMerkleHasher, nodeSha256 } from './node.hasher.js';
export { nobleMerkleHasher } from './noble.hasher.js';
export { type NodeId, pow2, rangeNodes } from './tree.math.js';
export { CompactRange, type CompactRangeState, type OnNode } from './compact-range.js';
export type { NodeReader } from './node-reader.port.js';
export { MemoryNodeStore } from './node-store.memory.js';
export { type ProofPlan, EphemeralHashes, inclusionNodes, consistencyNodes, rootNodes, rehashProof } from './proof.plan.js';
export { inclusionProof, consistencyProof, rootAt } from './proof.generate.js';
export { rootFromInclusionProof, rootFromConsistencyProof, verifyInclusion, verifyConsistency } from './proof.verify.js';
