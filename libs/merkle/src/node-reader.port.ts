/**
 * The port through which proof generation reads stored tree nodes.
 */
import type { NodeId } from './tree.math.js';

/**
 * Reads hashes of perfect subtree nodes (see {@link NodeId}): exactly the nodes that
 * {@link CompactRange.append} reports through its `onNode` callback. A reader may be backed by
 * SQLite rows, tlog tiles, or memory.
 *
 * Contract:
 * - Resolves to one 32-byte hash per id, in the order of `ids` (duplicates allowed).
 * - Only ever asked for nodes that are complete at the tree size being proven, so a reader
 *   that persists every `onNode` call before publishing that size can always answer.
 * - Rejects (any error) when a node is missing or storage fails; proof generation wraps the
 *   failure as `ERR_MERKLE_NODE_READ` with the original as `cause`. It never returns a
 *   placeholder hash.
 * - Nodes are immutable once written, so readers may cache freely and be read concurrently.
 */
export interface NodeReader {
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
}
