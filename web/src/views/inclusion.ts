/**
 * The inclusion path drawn as the tree path from the leaf to the root: at each level the node
 * on the path and the proof's sibling, left or right, hashed into the parent (RFC 9162 §2.1.3.2,
 * the same walk libs/merkle verifies; the drawing recomputes it with the browser hasher).
 */
import { nobleMerkleHasher } from '../../../libs/merkle/src/index.js';
import { toHex } from '../../../libs/cose/src/index.js';
import { h, s } from '../dom.js';

export interface PathStep {
  /** the sibling from the proof, and whether it sits left of the path node */
  readonly sibling: Uint8Array;
  readonly siblingLeft: boolean;
  /** the parent both hash into */
  readonly parent: Uint8Array;
}

/** Replays the RFC 9162 inclusion walk, recording each step (the proof is already verified). */
export function inclusionSteps(leafHash: Uint8Array, leafIndex: number, treeSize: number, proof: readonly Uint8Array[]): PathStep[] {
  const steps: PathStep[] = [];
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    const left = fn % 2 === 1 || fn === sn;
    r = left ? nobleMerkleHasher.hashChildren(p, r) : nobleMerkleHasher.hashChildren(r, p);
    steps.push({ sibling: p, siblingLeft: left, parent: r });
    if (left) {
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return steps;
}

const short = (b: Uint8Array): string => {
  const x = toHex(b);
  return `${x.slice(0, 6)}…${x.slice(-4)}`;
};

/** An SVG of the path: root on top, the leaf at the bottom, siblings beside the path. */
export function inclusionDrawing(leafHash: Uint8Array, leafIndex: number, treeSize: number, proof: readonly Uint8Array[], signedRoot: Uint8Array): HTMLElement {
  const steps = inclusionSteps(leafHash, leafIndex, treeSize, proof);
  const W = 600;
  const rowH = 64;
  const H = rowH * (steps.length + 1) + 16;
  const cx = W / 2;
  const off = 190;
  const bw = 156;
  const bh = 28;
  const y = (level: number): number => H - 16 - rowH * level - bh; // level 0 = leaf
  const box = (x: number, yy: number, label: string, full: Uint8Array, cls: string, title: string) =>
    s('g', { class: `node ${cls}` }, s('title', {}, `${title}: ${toHex(full)}`),
      s('rect', { x: x - bw / 2, y: yy, width: bw, height: bh, rx: 6 }),
      s('text', { x, y: yy + 18, 'text-anchor': 'middle' }, label));
  const parts: SVGElement[] = [];
  let node = leafHash;
  steps.forEach((st, i) => {
    const yy = y(i);
    const sx = cx + (st.siblingLeft ? -off : off);
    const py = y(i + 1) + bh;
    parts.push(s('line', { x1: cx, y1: yy, x2: cx, y2: py, class: 'edge path' }));
    parts.push(s('line', { x1: sx, y1: yy, x2: cx, y2: py, class: 'edge' }));
    parts.push(box(cx, yy, i === 0 ? `leaf ${leafIndex}: ${short(node)}` : short(node), node, i === 0 ? 'leaf' : 'path', i === 0 ? 'leaf hash' : `level ${i}`));
    parts.push(box(sx, yy, short(st.sibling), st.sibling, 'sibling', `proof[${i}] (${st.siblingLeft ? 'left' : 'right'} sibling)`));
    node = st.parent;
  });
  const matches = toHex(node) === toHex(signedRoot);
  parts.push(box(cx, y(steps.length), `root: ${short(node)}`, node, matches ? 'root ok' : 'root fail', matches ? 'root (matches the signed checkpoint)' : 'root (does NOT match the signed root)'));
  return h('figure', { class: 'tree-figure' },
    s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'tree', role: 'img', 'aria-label': `Inclusion path of leaf ${leafIndex} in a tree of ${treeSize}: ${steps.length} sibling hashes up to the root` }, parts),
    h('figcaption', null, `Leaf ${leafIndex} of ${treeSize}: ${steps.length} proof hashes lead to the root the service signed. Hover a node for its full hash.`));
}
