/**
 * Browser stand-in for libs/merkle's node:crypto hasher (web/build.mjs swaps it in). The explorer
 * always passes `nobleMerkleHasher`; reaching this is a bug, and it says so.
 */
import type { MerkleHasher } from '../../../libs/merkle/src/merkle.hasher.js';

function unavailable(): never {
  throw new Error("couldn't hash with Node's crypto in a browser: pass nobleMerkleHasher");
}

export const nodeMerkleHasher: MerkleHasher = { name: 'node (unavailable)', hashLeaf: unavailable, hashChildren: unavailable, emptyRoot: unavailable };
