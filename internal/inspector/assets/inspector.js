// Entry point: the page's mode (receiver or server) is set on <html> by
// the Go side; shared chrome (theme, help, keys) is wired here.
import { initTheme, initHelp, typing } from './dom.js';
import { startReceiver } from './receiver.js';
import { startServer } from './server.js';

const mode = document.documentElement.dataset.mode;
const ui = {
  status: document.getElementById('status'),
  counts: document.getElementById('counts'),
  onKey: null,
};
const nextTheme = initTheme(document.getElementById('theme'));
const help = document.getElementById('help');
const toggleHelp = initHelp(document.getElementById('help-button'), help);
document.getElementById('mode-name').textContent = mode === 'server' ? 'mock Label Studio' : 'receiver';
document.title = (mode === 'server' ? 'labelhook serve' : 'labelhook receive') + ' · inspector';

document.addEventListener('keydown', (ev) => {
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (ev.key === 'Escape' && !help.hidden) { toggleHelp(false); return; }
  if (typing(ev) && ev.key !== 'Escape') return;
  if (ev.key === '?') { toggleHelp(); return; }
  if (ev.key === 't') { nextTheme(); return; }
  if (ui.onKey && ui.onKey(ev)) return;
});

const app = document.getElementById('app');
if (mode === 'server') startServer(app, ui);
else startReceiver(app, ui);
