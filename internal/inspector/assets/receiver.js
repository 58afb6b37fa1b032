// The receiver's page: every recorded webhook, live. The list comes from
// GET api/events (summaries: no body, a preview), then each record once
// final from the server-sent events of api/stream; a record's whole body
// from api/events/{seq} when it is opened.
import { h, clear, fmtBytes, fmtTime, fmtMS, fetchJSON, copyText } from './dom.js';
import { VirtualList } from './vlist.js';
import { renderRich, markProblems, prettyText } from './jsonview.js';
import { toCurl } from './curl.js';

const ROW = 30; // px, as .vrow in inspector.css
const DETAIL_MAX = 1 << 20; // body bytes fetched with a record; the rest on demand
const RICH_MAX = 4 << 20; // bodies up to this size are rendered value by value

export function startReceiver(app, ui) {
  const events = new Map(); // seq -> summary
  const final = new Set(); // seqs whose summary came from the stream (after relay and delay)
  let ordered = []; // summaries by seq, ascending
  let unsorted = false;
  let dirty = false;
  const actions = new Set();
  const paths = new Set();
  const metrics = (window.__inspector = { mode: 'receiver', ready: false });

  // Filters.
  const fAction = h('select', { id: 'f-action' }, h('option', { value: '' }, 'all'));
  const fValid = h('select', { id: 'f-valid' },
    h('option', { value: '' }, 'all'), h('option', { value: 'true' }, 'valid'), h('option', { value: 'false' }, 'invalid'));
  const pathList = h('datalist', { id: 'f-paths' });
  const fPath = h('input', { id: 'f-path', type: 'search', list: 'f-paths', placeholder: 'any path', autocomplete: 'off', spellcheck: 'false' });
  const fClear = h('button', { type: 'button', id: 'f-clear' }, 'Clear filters');
  const filters = h('div', { class: 'filters', role: 'search', 'aria-label': 'Filters' },
    h('label', {}, 'Action ', fAction), h('label', {}, 'Validity ', fValid),
    h('label', {}, 'Path contains ', fPath), pathList, fClear);
  for (const el of [fAction, fValid]) el.addEventListener('change', () => refilter());
  fPath.addEventListener('input', () => refilter());
  fClear.addEventListener('click', () => { fAction.value = ''; fValid.value = ''; fPath.value = ''; refilter(); });

  const rowsBox = h('div', { id: 'rows' });
  const listHead = h('div', { class: 'vhead', 'aria-hidden': 'true' },
    h('span', { class: 'c-seq' }, '#'), h('span', { class: 'c-time' }, 'time'), h('span', { class: 'c-action' }, 'action'),
    h('span', { class: 'c-path' }, 'path'), h('span', { class: 'c-valid' }, 'validity'), h('span', { class: 'c-status' }, 'answer'),
    h('span', { class: 'c-size' }, 'size'), h('span', { class: 'c-preview' }, 'body'));
  const detail = h('section', { id: 'detail', class: 'detail', tabindex: '-1', 'aria-label': 'Event details' },
    h('p', { class: 'hint' }, 'Select an event to see its body, problems, headers and answers.'));
  app.append(filters, h('div', { class: 'split' },
    h('section', { class: 'list-pane', 'aria-label': 'Events' }, listHead, rowsBox), detail));

  let openTimer = 0;
  const list = new VirtualList(rowsBox, {
    rowHeight: ROW,
    label: 'Events, newest first',
    empty: 'No webhook yet. POST one to this receiver: it appears here at once.',
    keyOf: (ev) => ev.seq,
    renderRow,
    onSelect: (ev) => { clearTimeout(openTimer); openTimer = setTimeout(() => showDetail(ev.seq), 60); },
    onOpen: () => detail.focus(),
  });

  function renderRow(el, ev) {
    clear(el);
    const problems = ev.errors ? ev.errors.length : 0;
    let answer = String(ev.response_status);
    if (ev.abandoned) answer += ' abandoned';
    if (ev.forward_status) answer += ' · pipeline ' + ev.forward_status;
    else if (ev.forward_error) answer += ' · pipeline failed';
    const preview = ev.preview + (ev.body_bytes > ev.preview.length ? '…' : '');
    el.classList.toggle('invalid', !ev.valid);
    el.append(
      h('span', { class: 'c-seq' }, '#' + ev.seq),
      h('span', { class: 'c-time' }, fmtTime(ev.received_at)),
      h('span', { class: 'c-action' }, ev.action || '–'),
      h('span', { class: 'c-path', title: ev.path }, ev.path),
      h('span', { class: 'c-valid' }, ev.valid
        ? h('span', { class: 'badge ok' }, 'valid')
        : h('span', { class: 'badge bad' }, problems === 1 ? '1 problem' : problems + ' problems')),
      h('span', { class: 'c-status' + (ev.response_status >= 400 || ev.forward_error || ev.forward_status >= 400 ? ' warn' : '') }, answer),
      h('span', { class: 'c-size' }, fmtBytes(ev.body_bytes)),
      h('span', { class: 'c-preview' }, preview));
  }

  function matches(ev) {
    if (fAction.value && ev.action !== fAction.value) return false;
    if (fValid.value && String(ev.valid) !== fValid.value) return false;
    if (fPath.value && !ev.path.includes(fPath.value)) return false;
    return true;
  }

  function put(ev, isFinal) {
    if (!isFinal && final.has(ev.seq)) return; // the stream's copy is newer
    if (isFinal) final.add(ev.seq);
    const had = events.has(ev.seq);
    events.set(ev.seq, ev);
    if (had) {
      const i = findIndex(ev.seq);
      if (i >= 0) ordered[i] = ev;
    } else {
      if (ordered.length && ordered[ordered.length - 1].seq > ev.seq) unsorted = true;
      ordered.push(ev);
    }
    const a = ev.action || '';
    if (a && !actions.has(a)) { actions.add(a); refreshOptions(fAction, actions); }
    if (!paths.has(ev.path) && paths.size < 200) { paths.add(ev.path); pathList.append(h('option', { value: ev.path })); }
    dirty = true;
  }

  function findIndex(seq) {
    if (unsorted) return ordered.findIndex((e) => e.seq === seq);
    let lo = 0, hi = ordered.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ordered[mid].seq === seq) return mid;
      if (ordered[mid].seq < seq) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  function refreshOptions(select, set) {
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of [...set].sort()) select.append(h('option', { value: v }, v));
    select.value = keep;
  }

  let frame = 0;
  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; if (dirty) refilter(); });
  }

  function refilter() {
    dirty = false;
    if (unsorted) { ordered.sort((a, b) => a.seq - b.seq); unsorted = false; }
    const view = [];
    let invalid = 0;
    for (let i = ordered.length - 1; i >= 0; i--) {
      const ev = ordered[i];
      if (!ev.valid) invalid++;
      if (matches(ev)) view.push(ev);
    }
    list.setItems(view);
    ui.counts.textContent = `${ordered.length} events · ${invalid} invalid · showing ${view.length}`;
    metrics.total = ordered.length;
    metrics.shown = view.length;
  }

  // Live feed.
  let source = null;
  let loads = 0;
  function connect() {
    if (source) source.close();
    source = new EventSource('api/stream');
    source.addEventListener('ready', () => load());
    source.addEventListener('record', (m) => {
      const ev = JSON.parse(m.data);
      put(ev, true);
      schedule();
      if (shownSeq === ev.seq) showDetail(ev.seq, true);
    });
    source.addEventListener('cleared', () => { reset(); refilter(); showHint('Every record was cleared (DELETE /events).'); });
    source.addEventListener('resync', () => connect());
    source.addEventListener('error', () => setStatus('reconnecting…', 'warn'));
  }

  function reset() {
    events.clear(); final.clear(); ordered = []; unsorted = false;
  }

  // load reads the whole list; the stream is open already, so nothing
  // that arrives meanwhile is missed, and its copies win over the list's.
  async function load() {
    const n = ++loads;
    setStatus('loading…', 'warn');
    const t0 = performance.now();
    try {
      const list = await fetchJSON('api/events');
      if (n !== loads) return;
      if (n > 1) reset(); // a reconnect: the receiver may have restarted
      const t1 = performance.now();
      for (const ev of list) put(ev, false);
      refilter();
      requestAnimationFrame(() => {
        metrics.fetchMS = t1 - t0;
        metrics.renderMS = performance.now() - t1;
        metrics.loadMS = performance.now() - t0;
        metrics.ready = true;
        metrics.loads = n;
      });
      setStatus('live', 'ok');
    } catch (err) {
      setStatus('cannot load events: ' + err.message, 'bad');
    }
  }

  function setStatus(text, kind) {
    ui.status.textContent = text;
    ui.status.className = 'status ' + kind;
  }

  // Details.
  let shownSeq = null;
  let detailToken = 0;
  function showHint(text) {
    shownSeq = null;
    clear(detail);
    detail.append(h('p', { class: 'hint' }, text));
  }

  async function showDetail(seq, refresh) {
    const token = ++detailToken;
    let rec;
    try {
      rec = await fetchJSON(`api/events/${seq}?max_body=${DETAIL_MAX}`);
    } catch (err) {
      if (token === detailToken) showHint(`Record #${seq}: ${err.message}`);
      return;
    }
    if (token !== detailToken) return;
    const again = shownSeq === seq;
    const keepScroll = refresh && again ? detail.scrollTop : 0;
    const kept = again ? keepActions() : null;
    shownSeq = seq;
    renderDetail(rec);
    if (kept) restoreActions(kept);
    if (refresh) detail.scrollTop = keepScroll;
  }

  // When the open record is drawn again (its row chosen again, or an
  // update of it), its action row and outputs are carried over: a replay
  // URL being typed, and a copy or a replay under way, whose answer is
  // written into the nodes it was given.
  const actionParts = ['.d-actions', '#action-msg', '#curl-out', '#replay-out'];
  function keepActions() {
    const nodes = actionParts.map((sel) => detail.querySelector(sel));
    return nodes.includes(null) ? null : nodes;
  }
  function restoreActions(kept) {
    actionParts.forEach((sel, i) => {
      const fresh = detail.querySelector(sel);
      if (fresh) fresh.replaceWith(kept[i]);
    });
  }

  function fullRecord(rec) {
    return rec.body_truncated ? fetchJSON(`api/events/${rec.seq}`) : Promise.resolve(rec);
  }

  function renderDetail(rec) {
    clear(detail);
    const problems = rec.errors || [];
    const request = rec.method + ' ' + rec.path + (rec.query ? '?' + rec.query : '');
    let pipeline = 'not relayed';
    if (rec.forward_status) pipeline = `${rec.forward_status} in ${fmtMS(rec.forward_ms)}`;
    else if (rec.forward_error) pipeline = `${rec.forward_error} (after ${fmtMS(rec.forward_ms)})`;
    const meta = h('dl', { class: 'meta' },
      h('dt', {}, 'Received'), h('dd', {}, new Date(rec.received_at).toLocaleString() + ' (' + rec.received_at + ')'),
      h('dt', {}, 'Request'), h('dd', { class: 'mono' }, request),
      h('dt', {}, 'Answer given'), h('dd', {}, String(rec.response_status) + (rec.abandoned ? ' (the sender gave up before it)' : '')),
      h('dt', {}, 'Pipeline'), h('dd', {}, pipeline),
      h('dt', {}, 'Body'), h('dd', {}, fmtBytes(rec.body_bytes)));

    const curlOut = h('pre', { id: 'curl-out', class: 'curl', hidden: true, tabindex: '0' });
    const actionMsg = h('p', { id: 'action-msg', class: 'action-msg', role: 'status' });
    const copyBtn = h('button', { type: 'button', id: 'copy-curl', title: 'Copy as curl (c)' }, 'Copy as curl');
    copyBtn.addEventListener('click', () => copyCurl(rec, curlOut, actionMsg));
    const replayURL = h('input', { id: 'replay-url', type: 'url', required: true, spellcheck: 'false', size: '36',
      value: localStorage.getItem('labelhook-replay-url') || location.origin + rec.path });
    const replayOut = h('div', { id: 'replay-out', class: 'replay-out', role: 'status' });
    const replayForm = h('form', { class: 'replay', id: 'replay-form' },
      h('label', {}, 'Replay to ', replayURL), h('button', { type: 'submit' }, 'Replay'));
    replayForm.addEventListener('submit', (e) => { e.preventDefault(); replay(rec, replayURL.value, replayOut); });

    detail.append(
      h('div', { class: 'd-head' },
        h('h2', {}, `#${rec.seq} `, h('span', { class: 'mono' }, rec.action || '(no action)')),
        rec.valid ? h('span', { class: 'badge ok' }, 'valid') : h('span', { class: 'badge bad' }, 'invalid')),
      meta,
      h('div', { class: 'd-actions' }, copyBtn, replayForm),
      actionMsg, curlOut, replayOut);

    const problemList = h('ol', { class: 'problems' });
    if (problems.length) {
      detail.append(h('section', { class: 'problems-box', 'aria-label': 'Problems' },
        h('h3', {}, problems.length === 1 ? '1 problem' : problems.length + ' problems'), problemList));
    }
    const bodyBox = h('section', { class: 'body-box', 'aria-label': 'Body' }, h('h3', {}, 'Body'));
    detail.append(bodyBox);
    renderBody(rec, bodyBox, problems, problemList);

    const names = Object.keys(rec.headers || {}).sort();
    detail.append(h('section', { class: 'headers-box', 'aria-label': 'Headers' },
      h('h3', {}, `Headers (${names.length})`),
      h('table', { class: 'headers' }, h('tbody', {}, names.flatMap((n) =>
        rec.headers[n].map((v) => h('tr', {}, h('th', { scope: 'row' }, n), h('td', {}, v))))))));
  }

  function renderBody(rec, box, problems, problemList) {
    const body = h('div', { class: 'body' });
    box.append(body);
    let marks = problems.map(() => null);
    if (rec.body_truncated) {
      const more = h('button', { type: 'button', id: 'load-body' }, `Load the complete body (${fmtBytes(rec.body_bytes)})`);
      more.addEventListener('click', async () => {
        more.disabled = true;
        more.textContent = 'Loading…';
        try {
          const full = await fetchJSON(`api/events/${rec.seq}`);
          clear(box);
          box.append(h('h3', {}, 'Body'));
          clear(problemList);
          renderBody(full, box, problems, problemList);
        } catch (err) {
          more.textContent = 'Could not load: ' + err.message;
        }
      });
      body.append(h('p', { class: 'notice', id: 'truncated-notice' },
        `Showing the first ${fmtBytes(DETAIL_MAX)} of ${fmtBytes(rec.body_bytes)}, as recorded (compact). `, more),
      h('pre', { class: 'json plain', tabindex: '0' }, rec.body_text + '…'));
    } else if (rec.body_bytes <= RICH_MAX) {
      try {
        const { pre, index } = renderRich(rec.body_text);
        marks = markProblems(index, problems);
        body.append(pre);
      } catch {
        body.append(h('pre', { class: 'json plain', tabindex: '0' }, rec.body_text));
      }
    } else {
      body.append(h('p', { class: 'notice' }, `Shown as text: at ${fmtBytes(rec.body_bytes)} the body is too big to mark problems in.`),
        h('pre', { class: 'json plain', tabindex: '0' }, prettyText(rec.body_text)));
    }
    problems.forEach((p, i) => {
      const mark = marks[i];
      const link = h('button', { type: 'button', class: 'path-link mono', disabled: !mark,
        title: mark ? 'Show it in the body' : 'Not a place in the body' }, p.path);
      if (mark) link.addEventListener('click', () => { mark.scrollIntoView({ block: 'center' }); flash(mark); });
      problemList.append(h('li', {}, link, ' ', h('span', {}, p.message)));
    });
    const first = marks.find((m) => m);
    if (first) requestAnimationFrame(() => first.scrollIntoView({ block: 'nearest' }));
  }

  function flash(el) {
    el.classList.remove('flash');
    void el.offsetWidth;
    el.classList.add('flash');
  }

  async function copyCurl(rec, out, msg) {
    try {
      const full = await fullRecord(rec);
      const cmd = toCurl(full, location.origin + full.path + (full.query ? '?' + full.query : ''));
      out.textContent = cmd;
      out.hidden = false;
      msg.textContent = (await copyText(cmd)) ? 'Copied to the clipboard.' : 'The browser refused the clipboard: copy it from below.';
    } catch (err) {
      msg.textContent = 'Could not build the command: ' + err.message;
    }
  }

  async function replay(rec, url, out) {
    localStorage.setItem('labelhook-replay-url', url);
    clear(out);
    out.append(h('p', {}, `Replaying #${rec.seq} to ${url}…`));
    try {
      const ans = await fetchJSON('api/replay', {
        method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seq: rec.seq, url }),
      });
      clear(out);
      const line = ans.error
        ? h('p', { class: 'replay-line bad' }, `${url}: ${ans.error} (after ${fmtMS(ans.duration_ms)})`)
        : h('p', { class: 'replay-line' + (ans.status >= 400 ? ' bad' : ' ok') }, `${url} answered ${ans.status} in ${fmtMS(ans.duration_ms)}`);
      out.append(line);
      if (ans.body) out.append(h('pre', { class: 'answer', tabindex: '0' }, ans.body + (ans.body_truncated ? '…' : '')));
    } catch (err) {
      clear(out);
      out.append(h('p', { class: 'replay-line bad' }, 'Replay refused: ' + err.message));
    }
  }

  // Keys beyond the list's own.
  ui.onKey = (ev) => {
    switch (ev.key) {
      case '/': ev.preventDefault(); fAction.focus(); return true;
      case 'Escape': rowsBox.focus(); return true;
      case 'c': {
        const btn = detail.querySelector('#copy-curl');
        if (btn) { btn.click(); return true; }
        return false;
      }
    }
    return false;
  };

  connect();
  rowsBox.focus();
}
