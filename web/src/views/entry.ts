/**
 * One entry: the in-browser verification result, its status, the decoded protected header
 * (x5chain certificates included), a size-capped payload preview, the receipt, the inclusion
 * path drawn to the root, and downloads of exactly the bytes that were verified.
 */
import { getJson, type EntryStatus } from '../api.js';
import { enc, fmtBytes, fmtTime, h, link, replace, shortHex } from '../dom.js';
import { BROWSER, fetchAndVerifyEntry, verifyLatestInclusion, type Check } from '../trust.js';
import { readCertificateView } from '../x509.view.js';
import { nobleMerkleHasher } from '../../../libs/merkle/src/index.js';
import { toHex, verifySign1, type CoseSign1, type HeaderMap } from '../../../libs/cose/src/index.js';
import { algName } from '../../../libs/cose/src/cose.algorithms.js';
import { inclusionDrawing } from './inclusion.js';
import { badge, checksList, claimState, errorBox, loading, messageOf, publicationCell, section } from './common.js';

const PREVIEW_CAP = 64 * 1024;
const LABELS: Readonly<Record<number, string>> = { 1: 'alg', 2: 'crit', 3: 'content type', 4: 'kid', 15: 'CWT claims', 16: 'typ', 33: 'x5chain', 34: 'x5t', 258: 'payload hash alg', 259: 'preimage content type', 260: 'payload location', 395: 'vds' };
const CWT: Readonly<Record<number, string>> = { 1: 'iss', 2: 'sub', 3: 'aud', 4: 'exp', 5: 'nbf', 6: 'iat', 7: 'cti' };
const HASH_ALGS: Readonly<Record<number, string>> = { [-16]: 'SHA-256', [-43]: 'SHA-384', [-44]: 'SHA-512' };

function value(v: unknown): Node | string {
  if (v instanceof Uint8Array) return shortHex(toHex(v), 16);
  if (v instanceof Map) return h('dl', { class: 'kv nested' }, [...v].map(([k, x]) => [h('dt', null, CWT[k as number] ?? String(k)), h('dd', null, value(x))]));
  if (Array.isArray(v)) return h('ol', null, v.map((x) => h('li', null, value(x))));
  return typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
}

function certificates(chain: unknown): HTMLElement | null {
  const ders = chain instanceof Uint8Array ? [chain] : Array.isArray(chain) ? chain.filter((c): c is Uint8Array => c instanceof Uint8Array) : [];
  if (ders.length === 0) return null;
  return h('ol', { class: 'certs' }, ders.map((der, i) => {
    try {
      const c = readCertificateView(der);
      return h('li', null, h('dl', { class: 'kv' },
        h('dt', null, i === 0 ? 'Leaf subject' : 'Subject'), h('dd', null, c.subject),
        h('dt', null, 'Issuer'), h('dd', null, c.issuer),
        h('dt', null, 'Valid'), h('dd', null, `${c.notBefore} → ${c.notAfter}`)));
    } catch (e) {
      return h('li', null, `unreadable certificate: ${messageOf(e)}`);
    }
  }));
}

function headerTable(ph: HeaderMap): HTMLElement {
  return h('dl', { class: 'kv' }, [...ph].map(([k, v]) => [
    h('dt', null, typeof k === 'number' && LABELS[k] ? `${LABELS[k]} (${k})` : String(k)),
    h('dd', null, k === 1 && typeof v === 'number' ? `${algName(v)} (${v})` : k === 258 && typeof v === 'number' ? `${HASH_ALGS[v] ?? v} (${v})` : k === 33 ? certificates(v) ?? value(v) : value(v)),
  ]));
}

function payloadPreview(st: CoseSign1): HTMLElement {
  const ph = st.protectedHeader;
  const p = st.payload;
  if (p === null) return h('p', null, 'Detached payload (nil): the statement signs content that is not in the log.');
  if (ph.has(258)) {
    return h('div', null, h('p', null, 'Hash envelope: the payload is the ', h('strong', null, HASH_ALGS[ph.get(258) as number] ?? `alg ${String(ph.get(258))}`), ' hash of ',
      ph.has(259) ? h('code', null, String(ph.get(259))) : 'the content', ph.has(260) ? [' at ', h('code', null, String(ph.get(260)))] : '', ':'), h('pre', { class: 'payload' }, toHex(p)));
  }
  const ct = String(ph.get(3) ?? '');
  const capped = p.subarray(0, PREVIEW_CAP);
  const note = p.length > PREVIEW_CAP ? h('p', { class: 'muted' }, `First ${fmtBytes(PREVIEW_CAP)} of ${fmtBytes(p.length)} shown; download the statement for all of it.`) : null;
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(capped);
  } catch {
    text = undefined;
  }
  if (text !== undefined && /json/.test(ct) && p.length <= PREVIEW_CAP) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not valid JSON: show as text
    }
  }
  const body = text !== undefined ? text : Array.from(capped.subarray(0, 1024), (b) => b.toString(16).padStart(2, '0')).join(' ') + (p.length > 1024 ? ' …' : '');
  return h('div', null, h('p', { class: 'muted' }, `${fmtBytes(p.length)}${ct ? `, ${ct}` : ''}${text === undefined ? ' (binary: hex of the first KiB)' : ''}`), h('pre', { class: 'payload', tabindex: 0 }, body), note);
}

function download(name: string, bytes: Uint8Array | undefined, type: string): HTMLElement | null {
  if (!bytes) return null;
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  return h('a', { class: 'button', href: url, download: name }, `${name} (${fmtBytes(bytes.length)})`);
}

async function issuerCheck(st: CoseSign1): Promise<Check> {
  if (st.payload === null) return { label: 'Issuer signature', ok: true, skipped: true, detail: 'not checked here: the payload is detached' };
  const chain = st.protectedHeader.get(33) ?? st.unprotectedHeader.get(33);
  const leaf = chain instanceof Uint8Array ? chain : Array.isArray(chain) ? chain[0] : undefined;
  if (!(leaf instanceof Uint8Array)) {
    return { label: 'Issuer signature', ok: true, skipped: true, detail: 'not checked here: the issuer key (kid) is in the registration policy, not published; the ledger checked it at admission' };
  }
  try {
    const key = readCertificateView(leaf).key;
    if (!key) return { label: 'Issuer signature', ok: true, skipped: true, detail: "not checked here: the x5chain leaf's key type is not supported in the explorer" };
    await verifySign1(st, key, { backend: BROWSER.backend, crit: [258, 259, 260] });
    return { label: 'Issuer signature', ok: true, detail: 'verified with the x5chain leaf key (chain trust is the registration policy’s)' };
  } catch (e) {
    return { label: 'Issuer signature', ok: false, detail: messageOf(e) };
  }
}

export async function entryView(main: HTMLElement, id: string): Promise<void> {
  const title = h('h1', null, 'Entry ', shortHex(id, 10));
  replace(main, title, loading('Fetching and verifying in the browser'));
  if (!/^[0-9a-f]{64}$/.test(id)) {
    replace(main, title, errorBox(`${id} is not an entry id (64 lowercase hex digits)`));
    return;
  }
  const [status, v] = await Promise.all([getJson<EntryStatus>(`/entries/${id}/status`).catch((e: unknown) => e), fetchAndVerifyEntry(id)]);
  const checks = [...v.checks];
  const latest = v.entry && v.ok ? await verifyLatestInclusion(id, v.entry) : undefined;
  if (latest) checks.push(latest.check);
  if (v.statement && v.ok) checks.push(await issuerCheck(v.statement));
  const ok = v.ok && checks.every((c) => c.ok);
  const st = status instanceof Error ? null : (status as EntryStatus);
  const r = v.receipt;
  const inc = r?.inclusion?.[0];
  // draw the path to the newest root the entry is proven under
  const drawn = latest?.verified && latest.receipt?.inclusion?.[0] ? { inc: latest.receipt.inclusion[0], root: latest.verified.root } : inc && v.verified ? { inc, root: v.verified.root } : undefined;
  replace(main,
    h('h1', null, st ? `Entry ${st.index}` : 'Entry', ' ', shortHex(id, 10)),
    h('section', { class: `card verdict ${ok ? 'ok' : 'fail'}`, 'data-testid': 'entry-verification' },
      h('h2', null, 'Verification in this browser'),
      h('p', { class: 'verdict-line' }, badge(ok ? 'ok' : 'fail', ok ? 'verified' : 'verification failed')),
      checksList(checks)),
    st ? section('Status', h('dl', { class: 'kv' },
      h('dt', null, 'Claim'), h('dd', null, claimState(st)),
      h('dt', null, 'Subject'), h('dd', null, link(`/collection/${enc(st.sub)}`, st.sub)),
      h('dt', null, 'Issuer'), h('dd', null, link(`/issuer/${enc(st.iss)}`, st.iss)),
      h('dt', null, 'Registered'), h('dd', null, fmtTime(st.registeredAt)),
      h('dt', null, 'OCI referrer'), h('dd', null, publicationCell(id)))) : errorBox(status),
    v.statement ? section('Protected header', headerTable(v.statement.protectedHeader)) : null,
    v.statement ? section('Payload', payloadPreview(v.statement)) : null,
    r ? section('Receipt (as issued at registration)', h('dl', { class: 'kv' },
      h('dt', null, 'Signer kid'), h('dd', null, shortHex(toHex(r.kid), 12)),
      h('dt', null, 'Service (iss)'), h('dd', null, r.iss ?? '—'),
      h('dt', null, 'Log id (sub)'), h('dd', null, r.sub ?? '—'),
      h('dt', null, 'Checkpoint time (iat)'), h('dd', null, r.iat !== undefined ? fmtTime(r.iat * 1000) : '—'),
      h('dt', null, 'Tree size'), h('dd', null, inc ? String(inc.treeSize) : '—'),
      h('dt', null, 'Leaf index'), h('dd', null, inc ? String(inc.leafIndex) : '—'))) : null,
    drawn && v.entry ? section(`Inclusion path (tree size ${drawn.inc.treeSize})`, inclusionDrawing(nobleMerkleHasher.hashLeaf(v.entry), drawn.inc.leafIndex, drawn.inc.treeSize, drawn.inc.path, drawn.root)) : null,
    section('Downloads', h('div', { class: 'downloads' },
      download(`${id.slice(0, 12)}.statement.cose`, v.entry, 'application/cose'),
      download(`${id.slice(0, 12)}.receipt.cose`, v.receiptBytes, 'application/cose'),
      download(`${id.slice(0, 12)}.transparent.cose`, v.statementBytes, 'application/scitt-statement+cose'))));
}
