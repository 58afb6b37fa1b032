// VirtualList shows a long list in a scrolling box by rendering only the
// rows in view (plus a few): 10 000 or 100 000 items cost the DOM the same
// few dozen rows. Rows have one fixed height. The box is a listbox: the
// arrow keys, j/k, Page Up/Down, Home and End move the selection, Enter
// opens it.
import { h } from './dom.js';

const overscan = 6;

export class VirtualList {
  // opts: rowHeight (px), keyOf(item), renderRow(el, item), onSelect(item),
  // onOpen(item), label (aria-label), empty (text when there are no items).
  constructor(box, opts) {
    this.box = box;
    this.o = opts;
    this.items = [];
    this.pos = new Map();
    this.selectedKey = null;
    this.rows = [];
    this.canvas = h('div', { class: 'vcanvas' });
    this.emptyEl = h('div', { class: 'vempty' }, opts.empty || 'Nothing yet.');
    box.classList.add('vlist');
    box.setAttribute('role', 'listbox');
    box.setAttribute('tabindex', '0');
    box.setAttribute('aria-label', opts.label || 'list');
    box.append(this.canvas, this.emptyEl);
    this.pending = false;
    box.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(box);
    box.addEventListener('keydown', (ev) => this.onKey(ev));
    box.addEventListener('click', (ev) => {
      const row = ev.target.closest('.vrow');
      if (row && row.dataset.index !== undefined) this.selectIndex(Number(row.dataset.index), false);
    });
    box.addEventListener('dblclick', (ev) => {
      const row = ev.target.closest('.vrow');
      if (row && this.o.onOpen) this.o.onOpen(this.items[Number(row.dataset.index)]);
    });
  }

  // setItems replaces the items (in display order). The selection and the
  // first row in view stay where they are, so rows arriving above do not
  // move what is being read.
  setItems(items) {
    const rh = this.o.rowHeight;
    const top = this.box.scrollTop;
    const firstIdx = Math.floor(top / rh);
    const anchor = top > 0 && this.items[firstIdx] !== undefined ? this.o.keyOf(this.items[firstIdx]) : null;
    const offset = top - firstIdx * rh;
    this.items = items;
    this.pos = new Map();
    for (let i = 0; i < items.length; i++) this.pos.set(this.o.keyOf(items[i]), i);
    this.canvas.style.height = items.length * rh + 'px';
    this.emptyEl.hidden = items.length > 0;
    if (anchor !== null && this.pos.has(anchor)) this.box.scrollTop = this.pos.get(anchor) * rh + offset;
    this.render();
  }

  selected() {
    return this.selectedKey === null ? undefined : this.items[this.pos.get(this.selectedKey)];
  }

  // select selects the item with key (if shown) and scrolls it into view.
  select(key) {
    const i = this.pos.get(key);
    if (i !== undefined) this.selectIndex(i, true);
  }

  selectIndex(i, scroll) {
    if (this.items.length === 0) return;
    i = Math.max(0, Math.min(this.items.length - 1, i));
    const item = this.items[i];
    this.selectedKey = this.o.keyOf(item);
    if (scroll) this.scrollTo(i);
    this.render();
    this.box.setAttribute('aria-activedescendant', 'row-' + this.selectedKey);
    if (this.o.onSelect) this.o.onSelect(item);
  }

  scrollTo(i) {
    const rh = this.o.rowHeight;
    const top = i * rh, bottom = top + rh;
    if (top < this.box.scrollTop) this.box.scrollTop = top;
    else if (bottom > this.box.scrollTop + this.box.clientHeight) this.box.scrollTop = bottom - this.box.clientHeight;
  }

  onKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const page = Math.max(1, Math.floor(this.box.clientHeight / this.o.rowHeight) - 1);
    const cur = this.selectedKey === null ? -1 : (this.pos.get(this.selectedKey) ?? -1);
    let next = null;
    switch (ev.key) {
      case 'ArrowDown': case 'j': next = cur + 1; break;
      case 'ArrowUp': case 'k': next = Math.max(0, cur - 1); break;
      case 'PageDown': next = cur + page; break;
      case 'PageUp': next = Math.max(0, cur - page); break;
      case 'Home': next = 0; break;
      case 'End': next = this.items.length - 1; break;
      case 'Enter': {
        const it = this.selected();
        if (it && this.o.onOpen) { ev.preventDefault(); this.o.onOpen(it); }
        return;
      }
      default: return;
    }
    ev.preventDefault();
    this.selectIndex(next, true);
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.render(); });
  }

  // render fills the rows in view.
  render() {
    const rh = this.o.rowHeight;
    const first = Math.max(0, Math.floor(this.box.scrollTop / rh) - overscan);
    const count = Math.min(this.items.length - first, Math.ceil(this.box.clientHeight / rh) + 2 * overscan);
    while (this.rows.length < count) {
      const el = h('div', { class: 'vrow', role: 'option' });
      this.rows.push(el);
      this.canvas.append(el);
    }
    for (let r = 0; r < this.rows.length; r++) {
      const el = this.rows[r];
      if (r >= count) { el.hidden = true; el.removeAttribute('id'); continue; }
      const i = first + r;
      const item = this.items[i];
      const key = this.o.keyOf(item);
      el.hidden = false;
      el.style.transform = `translateY(${i * rh}px)`;
      el.dataset.index = String(i);
      el.id = 'row-' + key;
      const sel = key === this.selectedKey;
      el.setAttribute('aria-selected', String(sel));
      el.classList.toggle('selected', sel);
      if (el._item !== item) {
        el._item = item;
        this.o.renderRow(el, item);
      }
    }
  }
}
