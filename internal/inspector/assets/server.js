// The mock's page: webhooks and their health, per-project counts and the
// delivery log, read from the mock's own API with the user's token
// (GET /api/webhooks, /api/projects, /_labelhook/deliveries?since=N), once
// a second. The token stays in this tab's sessionStorage.
import { h, clear, fmtBytes, fmtTime, fmtMS, fetchJSON } from './dom.js';
import { VirtualList } from './vlist.js';

const ROW = 30;
const POLL_MS = 1000;
const KEEP = 100000; // attempts kept in the page, as the mock's log

export function startServer(app, ui) {
  const metrics = (window.__inspector = { mode: 'server', ready: false, polls: 0 });
  let token = sessionStorage.getItem('labelhook-token') || '';
  let access = null; // an access JWT, when the token is a personal access token

  // Token form.
  const tokenInput = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, size: '44', spellcheck: 'false' });
  const tokenMsg = h('p', { class: 'token-msg', role: 'alert' });
  const tokenForm = h('form', { id: 'token-form', class: 'token-form', hidden: true },
    h('p', {}, 'This page reads the mock\u2019s API with your API token (or personal access token), the one ',
      h('code', {}, 'labelhook serve'), ' printed. It is kept for this tab only.'),
    h('label', {}, 'Token ', tokenInput), ' ', h('button', { type: 'submit' }, 'Connect'), tokenMsg);
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    token = tokenInput.value.trim();
    access = null;
    sessionStorage.setItem('labelhook-token', token);
    tokenForm.hidden = true;
    restart();
  });

  // Webhooks and projects.
  const hooksBody = h('tbody', { id: 'webhooks-body' });
  const hooksTable = h('table', { class: 'grid', id: 'webhooks' },
    h('caption', {}, 'Webhooks'),
    h('thead', {}, h('tr', {}, ...['#', 'scope', 'URL', 'state', 'consecutive failures', 'last error', 'delivered', 'failed', 'last delivery']
      .map((t) => h('th', { scope: 'col' }, t)))), hooksBody);
  const projBody = h('tbody', { id: 'projects-body' });
  const projTable = h('table', { class: 'grid', id: 'projects' },
    h('caption', {}, 'Projects'),
    h('thead', {}, h('tr', {}, ...['#', 'title', 'tasks', 'annotations', 'predictions', 'webhooks', 'delivered', 'failed']
      .map((t) => h('th', { scope: 'col' }, t)))), projBody);

  // Delivery log.
  const fHook = h('select', { id: 'f-webhook' }, h('option', { value: '' }, 'all'));
  const fOutcome = h('select', { id: 'f-outcome' }, h('option', { value: '' }, 'all'),
    ...['delivered', 'failed', 'dropped', 'skipped', 'undelivered'].map((o) => h('option', { value: o }, o)));
  const fAction = h('select', { id: 'f-action' }, h('option', { value: '' }, 'all'));
  for (const el of [fHook, fOutcome, fAction]) el.addEventListener('change', () => refilter());
  const logBox = h('div', { id: 'deliveries' });
  const logHead = h('div', { class: 'vhead', 'aria-hidden': 'true' },
    ...[['c-seq', '#'], ['c-time', 'time'], ['c-hook', 'webhook'], ['c-action', 'action'], ['c-attempt', 'attempt'],
      ['c-outcome', 'outcome'], ['c-status', 'status / error'], ['c-dur', 'duration'], ['c-size', 'body'], ['c-fault', 'fault']]
      .map(([c, t]) => h('span', { class: c }, t)));
  const list = new VirtualList(logBox, {
    rowHeight: ROW, label: 'Delivery attempts, newest first', empty: 'No delivery yet.',
    keyOf: (a) => a.seq, renderRow,
  });

  app.append(tokenForm,
    h('div', { class: 'server-grid' },
      h('section', { class: 'tables' }, hooksTable, projTable),
      h('section', { class: 'log-pane', 'aria-label': 'Delivery log' },
        h('h2', {}, 'Delivery log'),
        h('div', { class: 'filters', role: 'search', 'aria-label': 'Delivery filters' },
          h('label', {}, 'Webhook ', fHook), h('label', {}, 'Outcome ', fOutcome), h('label', {}, 'Action ', fAction)),
        logHead, logBox)));

  function renderRow(el, a) {
    clear(el);
    el.classList.toggle('invalid', a.outcome !== 'delivered');
    el.append(
      h('span', { class: 'c-seq' }, '#' + a.seq),
      h('span', { class: 'c-time' }, fmtTime(a.at)),
      h('span', { class: 'c-hook' }, 'webhook ' + a.webhook_id),
      h('span', { class: 'c-action' }, a.action),
      h('span', { class: 'c-attempt' }, a.attempt + (a.final ? '' : ' (retried)')),
      h('span', { class: 'c-outcome' }, h('span', { class: 'badge ' + (a.outcome === 'delivered' ? 'ok' : 'bad') }, a.outcome)),
      h('span', { class: 'c-status', title: a.error || '' }, a.error || (a.status ? String(a.status) : '')),
      h('span', { class: 'c-dur' }, fmtMS(a.duration_ms)),
      h('span', { class: 'c-size' }, fmtBytes(a.body_bytes || 0)),
      h('span', { class: 'c-fault' }, a.fault || ''));
  }

  // State.
  let attempts = [];
  let lastSeq = 0;
  let stats = new Map(); // webhook id -> {delivered, failed, lastAt, lastError}
  let hooks = [];
  let projects = [];
  const actions = new Set();
  const hookIDs = new Set();

  function stat(id) {
    let s = stats.get(id);
    if (!s) { s = { delivered: 0, failed: 0, lastAt: '', lastError: '' }; stats.set(id, s); }
    return s;
  }

  function resetLog() {
    attempts = []; lastSeq = 0; stats = new Map();
  }

  async function authHeader() {
    if (token.split('.').length === 3) { // a personal access token: trade it for an access token
      if (!access) {
        const ans = await fetchJSON('/api/token/refresh', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh: token }),
        });
        access = ans.access;
      }
      return 'Bearer ' + access;
    }
    return 'Token ' + token;
  }

  async function api(path, retried) {
    try {
      return await fetchJSON(path, { headers: { Authorization: await authHeader() } });
    } catch (err) {
      if (err.status === 401 && access && !retried) { access = null; return api(path, true); } // the access token expired
      throw err;
    }
  }

  async function pollDeliveries() {
    // Ask from the last seq seen, inclusive: if it is gone, the log was
    // reset (or the mock restarted) and the page starts over.
    const got = await api('/_labelhook/deliveries?since=' + Math.max(0, lastSeq - 1));
    if (lastSeq > 0 && (got.length === 0 || got[0].seq !== lastSeq)) {
      resetLog();
      return pollDeliveries();
    }
    let added = false;
    for (const a of got) {
      if (a.seq <= lastSeq) continue;
      lastSeq = a.seq;
      attempts.push(a);
      added = true;
      const s = stat(a.webhook_id);
      if (a.outcome === 'delivered') s.delivered++;
      else if (a.outcome === 'failed') { s.failed++; s.lastError = a.error || 'status ' + a.status; s.lastErrorAt = a.at; }
      s.lastAt = a.at;
      if (!actions.has(a.action)) { actions.add(a.action); options(fAction, actions); }
      if (!hookIDs.has(a.webhook_id)) { hookIDs.add(a.webhook_id); options(fHook, hookIDs); }
    }
    if (attempts.length > KEEP) attempts = attempts.slice(attempts.length - KEEP);
    return added;
  }

  function options(select, set) {
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) select.append(h('option', { value: String(v) }, String(v)));
    select.value = keep;
  }

  async function pollState() {
    const [hs, ps] = await Promise.all([
      api('/api/webhooks'),
      api('/api/projects?page_size=100000&include=id,title,task_number,total_annotations_number,total_predictions_number'),
    ]);
    hooks = hs;
    projects = ps.results || [];
  }

  function renderTables() {
    clear(hooksBody);
    if (hooks.length === 0) hooksBody.append(h('tr', {}, h('td', { colspan: '9', class: 'hint' }, 'No webhook.')));
    for (const w of hooks) {
      const s = stats.get(w.id) || { delivered: 0, failed: 0, lastAt: '', lastError: '' };
      const failures = w.consecutive_failures === undefined ? '–' : String(w.consecutive_failures);
      hooksBody.append(h('tr', { id: 'webhook-' + w.id, class: w.is_active ? '' : 'disabled', dataset: { active: String(w.is_active) } },
        h('td', {}, String(w.id)),
        h('td', {}, w.project === null ? 'organization' : 'project ' + w.project),
        h('td', { class: 'mono url' }, w.url),
        h('td', {}, w.is_active ? h('span', { class: 'badge ok' }, 'active') : h('span', { class: 'badge bad state-disabled' }, 'disabled')),
        h('td', { class: 'num', title: w.consecutive_failures === undefined ? 'auto-disable is off (--max-consecutive-failures 0)' : '' }, failures),
        h('td', { class: 'err' }, s.lastError ? `${s.lastError} (${fmtTime(s.lastErrorAt)})` : ''),
        h('td', { class: 'num' }, String(s.delivered)),
        h('td', { class: 'num' }, String(s.failed)),
        h('td', {}, s.lastAt ? fmtTime(s.lastAt) : '')));
    }
    clear(projBody);
    if (projects.length === 0) projBody.append(h('tr', {}, h('td', { colspan: '8', class: 'hint' }, 'No project.')));
    for (const p of projects) {
      const own = hooks.filter((w) => w.project === p.id);
      let delivered = 0, failed = 0;
      for (const w of own) { const s = stats.get(w.id); if (s) { delivered += s.delivered; failed += s.failed; } }
      const active = own.filter((w) => w.is_active).length;
      projBody.append(h('tr', { id: 'project-' + p.id },
        h('td', {}, String(p.id)), h('td', {}, p.title || ''),
        h('td', { class: 'num' }, String(p.task_number ?? '')),
        h('td', { class: 'num' }, String(p.total_annotations_number ?? '')),
        h('td', { class: 'num' }, String(p.total_predictions_number ?? '')),
        h('td', { class: 'num' }, own.length === active ? String(own.length) : `${own.length} (${own.length - active} disabled)`),
        h('td', { class: 'num' }, String(delivered)), h('td', { class: 'num' }, String(failed))));
    }
  }

  function refilter() {
    const view = [];
    for (let i = attempts.length - 1; i >= 0; i--) {
      const a = attempts[i];
      if (fHook.value && String(a.webhook_id) !== fHook.value) continue;
      if (fOutcome.value && a.outcome !== fOutcome.value) continue;
      if (fAction.value && a.action !== fAction.value) continue;
      view.push(a);
    }
    list.setItems(view);
    const disabled = hooks.filter((w) => !w.is_active).length;
    ui.counts.textContent = `${hooks.length} webhooks${disabled ? ` (${disabled} disabled)` : ''} · ${projects.length} projects · ${attempts.length} attempts · showing ${view.length}`;
  }

  let timer = 0;
  let generation = 0;
  async function poll(gen, n) {
    try {
      const added = await pollDeliveries();
      if (n % 2 === 0 || added) await pollState();
      if (gen !== generation) return;
      renderTables();
      refilter();
      metrics.polls++;
      metrics.ready = true;
      setStatus('live', 'ok');
    } catch (err) {
      if (gen !== generation) return;
      if (err.status === 401) {
        askToken(token ? 'The mock refused this token: ' + err.detail : '');
        return;
      }
      setStatus('cannot reach the mock: ' + err.message, 'bad');
    }
    timer = setTimeout(() => poll(gen, n + 1), POLL_MS);
  }

  function restart() {
    clearTimeout(timer);
    generation++;
    resetLog();
    setStatus('connecting…', 'warn');
    poll(generation, 0);
  }

  function askToken(msg) {
    clearTimeout(timer);
    generation++;
    setStatus('token needed', 'warn');
    tokenMsg.textContent = msg;
    tokenForm.hidden = false;
    tokenInput.focus();
  }

  function setStatus(text, kind) {
    ui.status.textContent = text;
    ui.status.className = 'status ' + kind;
  }

  ui.onKey = (ev) => {
    switch (ev.key) {
      case '/': ev.preventDefault(); fHook.focus(); return true;
      case 'Escape': logBox.focus(); return true;
    }
    return false;
  };

  if (token) restart();
  else askToken('');
}
