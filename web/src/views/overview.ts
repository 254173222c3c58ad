/** Log overview: size, latest checkpoint (verified), registrations chart, revocations, issuers, and a consistency check between two checkpoints. */
import { getJson, type CheckpointJson, type LogStats, type Registrations } from '../api.js';
import { ago, enc, h, link, replace, shortHex } from '../dom.js';
import { checkConsistency, verifiedCheckpoint } from '../trust.js';
import { toHex } from '../../../libs/cose/src/index.js';
import { registrationsChart } from './chart.js';
import { asOf, badge, checksList, errorBox, loading, messageOf, section } from './common.js';

function stat(label: string, value: Node | string, id: string): HTMLElement {
  return h('div', { class: 'stat', 'data-stat': id }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label));
}

async function checkpointCard(): Promise<HTMLElement> {
  const json = await getJson<CheckpointJson>('/checkpoints/latest');
  const holder = h('span', null, badge('pending'));
  void verifiedCheckpoint(json.treeSize).then(
    (cp) => replace(holder, toHex(cp.root) === json.root ? badge('ok', 'signature verified') : badge('fail', 'root differs from the signed one')),
    (e) => replace(holder, badge('fail', messageOf(e))),
  );
  return section('Latest checkpoint',
    h('dl', { class: 'kv' },
      h('dt', null, 'Tree size'), h('dd', null, String(json.treeSize)),
      h('dt', null, 'Signed'), h('dd', null, h('time', { datetime: json.signedAt, title: json.signedAt }, ago(json.signedAt))),
      h('dt', null, 'Signer kid'), h('dd', null, shortHex(json.kid, 10)),
      h('dt', null, 'Root'), h('dd', null, shortHex(json.root, 10)),
      h('dt', null, 'Signature'), h('dd', null, holder)));
}

function chartCard(): HTMLElement {
  const body = h('div', null, loading());
  const show = async (bucket: 'hour' | 'day'): Promise<void> => {
    try {
      replace(body, registrationsChart(await getJson<Registrations>(`/log/stats/registrations?bucket=${bucket}`)));
    } catch (e) {
      replace(body, errorBox(e));
    }
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.bucket === bucket));
  };
  const buttons = (['hour', 'day'] as const).map((b) => h('button', { type: 'button', class: 'toggle', 'data-bucket': b, 'aria-pressed': String(b === 'hour'), onclick: () => void show(b) }, `by ${b}`));
  void show('hour');
  return section('Registrations over time', h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Bucket' }, buttons), body);
}

function consistencyCard(latest: number, first: number): HTMLElement {
  const from = h('input', { type: 'number', id: 'cons-from', min: 1, max: latest, value: first, required: true, inputmode: 'numeric' });
  const to = h('input', { type: 'number', id: 'cons-to', min: 1, max: latest, value: latest, required: true, inputmode: 'numeric' });
  const out = h('div', { 'aria-live': 'polite', 'data-testid': 'consistency-result' });
  const run = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const a = Number(from.value);
    const b = Number(to.value);
    if (!(a >= 1 && b >= a)) {
      replace(out, errorBox('the first size must be at least 1 and not above the second'));
      return;
    }
    replace(out, loading('Verifying in the browser'));
    const r = await checkConsistency(a, b);
    replace(out, h('p', null, r.ok ? badge('ok', `consistent: the log at ${b} extends the log at ${a}`) : badge('fail', 'verification failed')), checksList(r.checks));
  };
  return section('Check consistency',
    h('p', { class: 'muted' }, 'Proves in this browser that the log at the second size extends the log at the first: both checkpoint signatures and the RFC 9162 consistency proof between their roots.'),
    h('form', { class: 'inline-form', onsubmit: (e: Event) => void run(e) },
      h('label', { for: 'cons-from' }, 'From size'), from, h('label', { for: 'cons-to' }, 'to size'), to,
      h('button', { type: 'submit', id: 'cons-run' }, 'Check consistency')),
    out);
}

export async function overviewView(main: HTMLElement): Promise<void> {
  replace(main, h('h1', null, 'Log overview'), loading());
  try {
    const stats = await getJson<LogStats>('/log/stats');
    const first = await getJson<{ items: CheckpointJson[] }>('/checkpoints?after=0&limit=1');
    const issuers = Object.entries(stats.issuers).sort((a, b) => b[1] - a[1]);
    const types = Object.entries(stats.contentTypes).sort((a, b) => b[1] - a[1]);
    replace(main,
      h('h1', null, 'Log overview'),
      asOf(),
      h('div', { class: 'stats' },
        stat('entries', String(stats.treeSize), 'tree-size'),
        stat('latest checkpoint', stats.checkpoint ? ago(stats.checkpoint.signedAt) : 'none', 'checkpoint-age'),
        stat('revoked claims', String(stats.revoked), 'revoked'),
        stat('issuers', String(issuers.length), 'issuers')),
      h('div', { class: 'grid2' }, stats.checkpoint ? await checkpointCard() : section('Latest checkpoint', h('p', null, 'No checkpoint yet: the log is empty.')), chartCard()),
      stats.checkpoint && first.items[0] ? consistencyCard(stats.checkpoint.treeSize, first.items[0].treeSize) : null,
      h('div', { class: 'grid2' },
        section('Issuers', h('ul', { class: 'plain' }, issuers.map(([iss, n]) => h('li', null, link(`/issuer/${enc(iss)}`, iss), h('span', { class: 'count' }, String(n)))))),
        section('Content types', h('ul', { class: 'plain' }, types.map(([t, n]) => h('li', null, h('code', null, t), h('span', { class: 'count' }, String(n))))))));
  } catch (e) {
    replace(main, h('h1', null, 'Log overview'), errorBox(e));
  }
}
