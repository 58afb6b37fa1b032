// Copy as curl: the webhook as a shell command that sends it again.

// quote makes s one POSIX shell word.
export function quote(s) {
  return "'" + String(s).replace(/'/g, "'\\''") + "'";
}

// Headers that describe the connection the webhook came on, not the
// webhook; curl sets its own.
const skipped = new Set(['content-length', 'host', 'connection', 'accept-encoding', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'upgrade']);

// bodyText is the text the webhook was sent with: its JSON, or the text of
// a body that was not JSON (the receiver records that as a JSON string).
export function bodyText(rec) {
  const errs = rec.errors || [];
  if (typeof rec.body_text === 'string' && rec.body_text.startsWith('"') && errs.length && errs[0].path === '$' && errs[0].message.startsWith('not JSON')) {
    return JSON.parse(rec.body_text);
  }
  return rec.body_text;
}

// toCurl returns the command for rec (a record whose body is whole, in
// rec.body_text) sent to url.
export function toCurl(rec, url) {
  const lines = ['curl -sS -X ' + (rec.method || 'POST') + ' ' + quote(url)];
  const names = Object.keys(rec.headers || {}).sort();
  for (const name of names) {
    if (skipped.has(name.toLowerCase())) continue;
    for (const v of rec.headers[name]) lines.push('-H ' + quote(name + ': ' + v));
  }
  lines.push('--data-binary ' + quote(bodyText(rec)));
  return lines.join(' \\\n  ');
}
