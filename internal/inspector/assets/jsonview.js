// JSON views of a webhook body. The body arrives as JSON text (compact, as
// the receiver recorded it); it is parsed here by a small parser that keeps
// every number and string exactly as sent (JSON.parse would round 64-bit
// ids) and knows each value's JSON path, written as labelhook's problems
// write it: $.tasks[0].id, $.data["a key"].
import { h } from './dom.js';

const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;

// pathStep is the path step into an object member (schemas.pathKey).
export function pathStep(key) {
  return ident.test(key) ? '.' + key : '[' + JSON.stringify(key) + ']';
}

class Parser {
  constructor(text) { this.s = text; this.i = 0; }
  fail(msg) { throw new SyntaxError(`${msg} at offset ${this.i}`); }
  ws() {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.i++;
      else break;
    }
  }
  value() {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { kind: 'str', raw: this.string() };
    const start = this.i;
    while (this.i < this.s.length && !',]}: \n\r\t'.includes(this.s[this.i])) this.i++;
    const raw = this.s.slice(start, this.i);
    if (raw === 'true' || raw === 'false' || raw === 'null') return { kind: 'lit', raw };
    if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return { kind: 'num', raw };
    this.fail(`unexpected ${JSON.stringify(raw.slice(0, 20) || 'end')}`);
  }
  string() {
    const s = this.s, start = this.i;
    this.i++;
    for (;;) {
      const j = s.indexOf('"', this.i);
      if (j < 0) this.fail('unterminated string');
      let k = j - 1, n = 0;
      while (s[k] === '\\') { k--; n++; }
      this.i = j + 1;
      if (n % 2 === 0) return s.slice(start, j + 1);
    }
  }
  object() {
    this.i++;
    const members = [];
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return { kind: 'obj', members }; }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const keyRaw = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected :');
      this.i++;
      members.push({ keyRaw, key: JSON.parse(keyRaw), value: this.value() });
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { kind: 'obj', members };
      if (c !== ',') this.fail('expected , or }');
    }
  }
  array() {
    this.i++;
    const items = [];
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return { kind: 'arr', items }; }
    for (;;) {
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { kind: 'arr', items };
      if (c !== ',') this.fail('expected , or ]');
    }
  }
}

export function parse(text) {
  const p = new Parser(text);
  const v = p.value();
  p.ws();
  if (p.i !== text.length) p.fail('trailing text');
  return v;
}

// renderRich returns a <pre> with the body pretty-printed, two spaces a
// level, and an index from each value's path to its elements, so problems
// can be marked where they are. It throws on text that is not JSON.
export function renderRich(text) {
  const root = parse(text);
  const index = new Map();
  const pre = h('pre', { class: 'json', tabindex: '0' });
  const emit = (node, path, indent, parent, keyEl) => {
    let el;
    if (node.kind === 'obj' || node.kind === 'arr') {
      const [o, c] = node.kind === 'obj' ? ['{', '}'] : ['[', ']'];
      el = h('span', { class: 'j-' + node.kind, 'data-path': path });
      const open = h('span', { class: 'j-p' }, o);
      el.append(open);
      const kids = node.kind === 'obj' ? node.members : node.items;
      if (kids.length === 0) {
        el.append(c);
      } else {
        const inner = indent + '  ';
        el.append('\n');
        kids.forEach((kid, i) => {
          el.append(inner);
          if (node.kind === 'obj') {
            const childPath = path + pathStep(kid.key);
            const k = h('span', { class: 'j-key' }, kid.keyRaw);
            el.append(k, ': ');
            emit(kid.value, childPath, inner, el, k);
            if (/^\d+$/.test(kid.key)) index.set(path + '[' + kid.key + ']', index.get(childPath));
          } else {
            emit(kid, path + '[' + i + ']', inner, el, null);
          }
          el.append(i < kids.length - 1 ? ',\n' : '\n');
        });
        el.append(indent, c);
      }
      index.set(path, { el, mark: open, key: keyEl });
    } else {
      el = h('span', { class: 'j-' + node.kind, 'data-path': path }, node.raw);
      index.set(path, { el, mark: el, key: keyEl });
    }
    parent.append(el);
  };
  emit(root, '$', '', pre, null);
  return { pre, index };
}

// markProblems marks each problem's value (or, for a missing or unexpected
// field, its object or member key) and writes the message beside it. It
// returns, per problem, the element marked, or null when the path is not
// in the body (a header problem, say).
export function markProblems(index, problems) {
  return problems.map((p) => {
    let entry = index.get(p.path);
    const m = /^unexpected field "(.*)"$/.exec(p.message);
    if (m && entry) {
      const member = index.get(p.path + pathStep(m[1]));
      if (member && member.key) entry = { ...member, mark: member.key };
    }
    if (!entry) return null;
    entry.mark.classList.add('hl');
    if (entry.key) entry.key.classList.add('bad-key');
    const note = h('span', { class: 'note', role: 'note' }, ' ◀ ' + p.message);
    entry.mark.after(note);
    return entry.mark;
  });
}

// prettyText indents JSON text without parsing it into objects: for
// bodies too big to render value by value. Tokens are copied as sent.
export function prettyText(text) {
  const out = [];
  let ind = '';
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) { j = n - 1; break; }
        let k = j - 1, b = 0;
        while (text[k] === '\\') { k--; b++; }
        if (b % 2 === 0) break;
        j++;
      }
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) { out.push(c + close); i += 2; continue; }
      ind += '  ';
      out.push(c, '\n', ind);
      i++;
    } else if (c === '}' || c === ']') {
      ind = ind.slice(2);
      out.push('\n', ind, c);
      i++;
    } else if (c === ',') {
      out.push(',\n', ind);
      i++;
    } else if (c === ':') {
      out.push(': ');
      i++;
    } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i++;
    } else {
      let j = i;
      while (j < n && !',]}:'.includes(text[j])) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out.join('');
}
