#!/usr/bin/env python3
"""Compare two probe.py capture directories (e.g. real 1.23.2 and the mock).

    diffcaps.py A_DIR B_DIR [--probe NAME]

Per probe: every API call (paired in order) whose status, JSON key set or
JSON types differ; every webhook (paired by path and action, in order)
whose headers or body keys/types differ; webhooks only one side sent.
Values are not compared (ids and times differ by nature), except
statuses, header values and a few fixed strings.
"""

import argparse
import json
import os
import re
import sys

VOLATILE_HEADERS = {'host', 'content-length'}


def typ(v):
    if v is None:
        return 'null'
    return {bool: 'bool', int: 'number', float: 'number', str: 'string', list: 'array', dict: 'object'}[type(v)]


def walk(a, b, path, out):
    ta, tb = typ(a), typ(b)
    if ta != tb:
        out.append('%s: %s vs %s' % (path or '.', ta, tb))
        return
    if ta == 'object':
        for k in sorted(set(a) - set(b)):
            out.append('%s.%s: only in A (%s)' % (path, k, json.dumps(a[k])[:60]))
        for k in sorted(set(b) - set(a)):
            out.append('%s.%s: only in B (%s)' % (path, k, json.dumps(b[k])[:60]))
        for k in sorted(set(a) & set(b)):
            walk(a[k], b[k], '%s.%s' % (path, k), out)
    elif ta == 'array':
        if len(a) != len(b):
            out.append('%s: %d items vs %d' % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            walk(x, y, '%s[%d]' % (path, i), out)


def read_http(p):
    raw = open(p, 'rb').read()
    head, _, body = raw.partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    headers = [tuple(line.split(': ', 1)) for line in lines[1:]]
    return lines[0], headers, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('a')
    ap.add_argument('b')
    ap.add_argument('--probe', default='')
    args = ap.parse_args()
    for name in sorted(os.listdir(args.a)):
        if args.probe and name != args.probe:
            continue
        pa, pb = os.path.join(args.a, name, 'api.json'), os.path.join(args.b, name, 'api.json')
        if not os.path.exists(pb):
            continue
        A, B = json.load(open(pa)), json.load(open(pb))
        print('== %s' % name)
        for i, (ca, cb) in enumerate(zip(A['calls'], B['calls'], strict=False)):
            if 'method' not in ca or 'method' not in cb:
                continue
            label = '%s %s' % (ca['method'], re.sub(r'/\d+', '/N', ca['path']))
            out = []
            if ca['status'] != cb['status']:
                out.append('status %s vs %s' % (ca['status'], cb['status']))
                if isinstance(ca['answer'], dict) or isinstance(cb['answer'], dict):
                    out.append('answer A %s' % json.dumps(ca['answer'])[:300])
                    out.append('answer B %s' % json.dumps(cb['answer'])[:300])
            walk(ca['answer'], cb['answer'], '', out)
            if out:
                print('  call %d %s' % (i + 1, label))
                for o in out:
                    print('    ' + o)
        ka = [(w['path'], w['action'], w['file']) for w in A['webhooks']]
        kb = [(w['path'], w['action'], w['file']) for w in B['webhooks']]
        seen = {}
        pairs = []
        for p, act, f in ka:
            n = seen.get((p, act), 0)
            seen[(p, act)] = n + 1
            m = [x for x in kb if x[0] == p and x[1] == act]
            pairs.append((f, m[n][2] if n < len(m) else None, p, act))
        cnt_a, cnt_b = {}, {}
        for p, act, _ in ka:
            cnt_a[(p, act)] = cnt_a.get((p, act), 0) + 1
        for p, act, _ in kb:
            cnt_b[(p, act)] = cnt_b.get((p, act), 0) + 1
        for k in sorted(set(cnt_a) | set(cnt_b)):
            if cnt_a.get(k, 0) != cnt_b.get(k, 0):
                print('  webhooks %s %s: %d in A, %d in B' % (k[0], k[1], cnt_a.get(k, 0), cnt_b.get(k, 0)))
        for fa, fb, p, act in pairs:
            if not fb:
                continue
            la, ha, ba = read_http(os.path.join(args.a, name, fa))
            lb, hb, bb = read_http(os.path.join(args.b, name, fb))
            out = []
            if la.split(' ')[0] != lb.split(' ')[0]:
                out.append('method %s vs %s' % (la, lb))
            names_a = [k for k, _ in ha]
            names_b = [k for k, _ in hb]
            if names_a != names_b:
                out.append('header names/order %s vs %s' % (names_a, names_b))
            da, db = dict((k.lower(), v) for k, v in ha), dict((k.lower(), v) for k, v in hb)
            for k in sorted(set(da) & set(db) - VOLATILE_HEADERS):
                if da[k] != db[k]:
                    out.append('header %s: %r vs %r' % (k, da[k], db[k]))
            try:
                ja, jb = json.loads(ba), json.loads(bb)
                walk(ja, jb, '', out)
            except ValueError:
                if ba != bb:
                    out.append('body %r vs %r' % (ba[:80], bb[:80]))
            if out:
                print('  webhook %s %s (%s / %s)' % (p, act, fa, fb))
                for o in out:
                    print('    ' + o)


if __name__ == '__main__':
    sys.exit(main())
