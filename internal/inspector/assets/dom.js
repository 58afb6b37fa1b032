// DOM helpers. Every text the page shows goes through textContent (h's
// string children become text nodes): nothing from a webhook, header or
// API answer is ever parsed as markup.

// h builds an element: h('td', {class: 'x', title: 't'}, 'text', child).
// Attributes starting with "on" take a function; everything else is set
// with setAttribute, so it is never script.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) {
      if (typeof v === 'function') el.addEventListener(k.slice(2), v);
      continue; // never an inline handler
    }
    if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// setText replaces el's content with text.
export function setText(el, text) {
  el.textContent = text;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function fmtBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtTime shows a timestamp as local HH:MM:SS.mmm.
export function fmtTime(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtMS(ms) {
  if (ms === undefined || ms === null) return '';
  return ms < 10 ? ms.toFixed(2) + ' ms' : ms < 1000 ? ms.toFixed(0) + ' ms' : (ms / 1000).toFixed(2) + ' s';
}

// HTTPError is a non-2xx answer; detail is the API's own words.
export class HTTPError extends Error {
  constructor(status, detail) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

// fetchJSON GETs (or sends) url and returns the decoded answer.
export async function fetchJSON(url, init) {
  const resp = await fetch(url, init);
  const text = await resp.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!resp.ok) {
    const detail = body && typeof body === 'object' && body.detail ? body.detail : String(text).slice(0, 300);
    throw new HTTPError(resp.status, detail);
  }
  return body;
}

// copyText puts text on the clipboard; false when the browser refuses.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// Theme: auto (the system's), light or dark, kept in localStorage.
const themes = ['auto', 'light', 'dark'];

export function initTheme(button) {
  const apply = (t) => {
    if (t === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = t;
    button.textContent = 'Theme: ' + t;
  };
  let current = localStorage.getItem('labelhook-theme') || 'auto';
  if (!themes.includes(current)) current = 'auto';
  apply(current);
  const next = () => {
    current = themes[(themes.indexOf(current) + 1) % themes.length];
    localStorage.setItem('labelhook-theme', current);
    apply(current);
  };
  button.addEventListener('click', next);
  return next;
}

// initHelp wires the ? button and returns a toggle.
export function initHelp(button, panel) {
  const toggle = (show) => {
    panel.hidden = show === undefined ? !panel.hidden : !show;
    button.setAttribute('aria-expanded', String(!panel.hidden));
  };
  button.addEventListener('click', () => toggle());
  return toggle;
}

// typing reports whether a key event belongs to a form field.
export function typing(ev) {
  const t = ev.target;
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t && t.isContentEditable);
}
