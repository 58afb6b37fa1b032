#!/usr/bin/env python3
"""Drive a running Label Studio and record what it really does.

    probe.py --url URL --token TOKEN --out DIR [--only NAME,...] [--list]

Standard library only. A recording receiver on 127.0.0.1 stores every
webhook byte for byte (request line, every header in arrival order, body)
as DIR/<probe>/NN-<ACTION>.http, and every API call of the probe (method,
path, body sent, status, answer) in DIR/<probe>/api.json. FINDINGS.md
quotes these files. Point it only at a Label Studio on loopback.
"""

import argparse
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request


class Receiver:
    """A webhook receiver on 127.0.0.1 that records raw requests.

    plan maps a path prefix to behaviour: status, delay (s), trickle
    (seconds between body bytes of the answer), redirect (status, to).
    """

    def __init__(self):
        self.records = []
        self.plan = {}
        self.lock = threading.Lock()
        rc = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def handle_any(self):
                n = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(n) if n else b''
                rec = {
                    'requestline': self.requestline,
                    'method': self.command,
                    'path': self.path,
                    'headers': list(self.headers.items()),
                    'body': body,
                    'at': time.time(),
                }
                with rc.lock:
                    rc.records.append(rec)
                    beh = {}
                    for prefix, b in rc.plan.items():
                        if self.path.startswith(prefix):
                            beh = b
                if beh.get('delay'):
                    time.sleep(beh['delay'])
                if beh.get('redirect'):
                    status, to = beh['redirect'](self.path)
                    self.send_response(status)
                    self.send_header('Location', to)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                status = beh.get('status', 200)
                answer = b'{"ok": true}'
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(answer)))
                self.end_headers()
                if beh.get('trickle'):
                    for ch in answer:  # one byte at a time
                        self.wfile.write(bytes([ch]))
                        self.wfile.flush()
                        time.sleep(beh['trickle'])
                else:
                    try:
                        self.wfile.write(answer)
                    except OSError:
                        pass  # the sender gave up (a timeout probe)

            do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = handle_any

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def since(self, n):
        with self.lock:
            return list(self.records[n:])

    def count(self):
        with self.lock:
            return len(self.records)


class Probe:
    def __init__(self, api, token, rc, out, name):
        self.api, self.token, self.rc, self.name = api, token, rc, name
        self.dir = os.path.join(out, name)
        os.makedirs(self.dir, exist_ok=True)
        self.calls = []
        self.start = rc.count()
        self.hook = '%s/%s' % (rc.url, name)

    def call(self, method, path, body=None, token=None, note=None, timeout=120):
        url = self.api + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header('Authorization', 'Token ' + (token or self.token))
        if data is not None:
            req.add_header('Content-Type', 'application/json')
        t0 = time.time()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw, headers = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, raw, headers = e.code, e.read(), dict(e.headers)
        elapsed = round(time.time() - t0, 3)
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw.decode('utf-8', 'replace')[:2000]
        entry = {'method': method, 'path': path, 'body': body, 'status': status, 'answer': answer, 'seconds': elapsed}
        if note:
            entry['note'] = note
        if status >= 300 or method == 'GET' and path.startswith('/api/version'):
            entry['content_type'] = headers.get('Content-Type')
        self.calls.append(entry)
        return status, answer

    def upload(self, project, files, query='return_task_ids=true', note=None):
        """POST files ({name: bytes}) as a multipart import, as the legacy SDK does."""
        boundary = 'labelhookprobe%d' % len(self.calls)
        body = b''
        for name, content in files.items():
            body += b'--' + boundary.encode() + b'\r\n'
            body += b'Content-Disposition: form-data; name="file"; filename="' + name.encode() + b'"\r\n\r\n'
            body += content + b'\r\n'
        body += b'--' + boundary.encode() + b'--\r\n'
        path = '/api/projects/%d/import?%s' % (project, query)
        req = urllib.request.Request(self.api + path, data=body, method='POST')
        req.add_header('Authorization', 'Token ' + self.token)
        req.add_header('Content-Type', 'multipart/form-data; boundary=' + boundary)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw.decode('utf-8', 'replace')[:2000]
        sent = {k: v.decode('utf-8', 'replace') for k, v in files.items()}
        entry = {'method': 'POST', 'path': path, 'body': {'multipart files': sent}, 'status': status, 'answer': answer}
        if note:
            entry['note'] = note
        self.calls.append(entry)
        return status, answer

    def raw(self, path, note=None):
        """GET a file answer: status, Content-Type, Content-Disposition and the text."""
        req = urllib.request.Request(self.api + path)
        req.add_header('Authorization', 'Token ' + self.token)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, raw, headers = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, raw, headers = e.code, e.read(), dict(e.headers)
        entry = {'method': 'GET', 'path': path, 'status': status, 'content_type': headers.get('Content-Type'),
                 'content_disposition': headers.get('Content-Disposition'), 'text': raw.decode('utf-8', 'replace')[:4000]}
        if note:
            entry['note'] = note
        self.calls.append(entry)
        return status, raw

    def webhook(self, project, suffix='', **kw):
        body = {'url': self.hook + suffix, 'project': project}
        body.update(kw)
        status, w = self.call('POST', '/api/webhooks/', body)
        assert status == 201, (status, w)
        return w['id']

    def project(self, title=None, **kw):
        body = {
            'title': title or self.name[:50],
            'label_config': '<View><Text name="text" value="$text"/>'
            '<Choices name="label" toName="text"><Choice value="positive"/>'
            '<Choice value="negative"/></Choices></View>',
        }
        body.update(kw)
        status, p = self.call('POST', '/api/projects/', body)
        assert status == 201, (status, p)
        return p['id']

    def import_tasks(self, project, tasks, query='return_task_ids=true'):
        status, a = self.call('POST', '/api/projects/%d/import?%s' % (project, query), tasks)
        assert status == 201, (status, a)
        return a.get('task_ids')

    def annotate(self, task, **kw):
        body = {
            'result': [{'from_name': 'label', 'to_name': 'text', 'type': 'choices', 'value': {'choices': ['positive']}}]
        }
        body.update(kw)
        status, a = self.call('POST', '/api/tasks/%d/annotations/' % task, body)
        assert status == 201, (status, a)
        return a['id']

    def settle(self, seconds=0.3):
        time.sleep(seconds)

    def save(self):
        recs = self.rc.since(self.start)
        recs = [r for r in recs if r['path'].startswith('/' + self.name)]
        index = []
        for i, r in enumerate(recs, 1):
            try:
                action = json.loads(r['body']).get('action', 'NOBODY')
            except ValueError:
                action = 'NOTJSON'
            fname = '%02d-%s.http' % (i, action)
            with open(os.path.join(self.dir, fname), 'wb') as f:
                f.write(r['requestline'].encode() + b'\r\n')
                for k, v in r['headers']:
                    f.write(('%s: %s\r\n' % (k, v)).encode())
                f.write(b'\r\n')
                f.write(r['body'])
            index.append(
                {'file': fname, 'method': r['method'], 'path': r['path'], 'action': action, 'bytes': len(r['body'])}
            )
        with open(os.path.join(self.dir, 'api.json'), 'w') as f:
            json.dump({'calls': self.calls, 'webhooks': index}, f, indent=1, ensure_ascii=False)
            f.write('\n')
        return index


PROBES = []


def probe(fn):
    PROBES.append(fn)
    return fn


@probe
def version(p):
    p.call('GET', '/api/version')
    p.call('GET', '/api/version/')


@probe
def errors(p):
    p.call('GET', '/api/projects/999999/')
    p.call('GET', '/api/webhooks/999999/')
    p.call('POST', '/api/projects/', {'title': 'x', 'label_config': '<View><broken'})
    p.call('POST', '/api/webhooks/', {'url': 'not a url', 'project': None})
    p.call('GET', '/api/projects/', token='0' * 40, note='wrong token')


@probe
def routes(p):
    pid = p.project()
    ids = p.import_tasks(pid, [{'text': 'a'}])
    p.call('POST', '/api/annotations/bulk', {'tasks': ids, 'result': []}, note='bulk annotations')
    p.call('POST', '/api/annotations/bulk/', {'tasks': ids, 'result': []})
    p.call('GET', '/api/current-user')
    p.call('GET', '/api/current-user/whoami')
    p.call(
        'POST', '/api/projects/%d/validate/' % pid, {'label_config': '<View><Text name="text" value="$text"/></View>'}
    )
    p.call('GET', '/api/projects/%d/exports' % pid)
    p.call('GET', '/api/projects/%d/exports/' % pid)
    p.call('GET', '/api/projects/%d/tasks/' % pid)
    p.call('GET', '/api/labels/')
    p.call('GET', '/api/label_links/')
    p.call('GET', '/api/dm/actions?project=%d' % pid)
    p.call('GET', '/api/projects/%d' % pid, note='project API object (state?)')
    p.call('GET', '/api/tasks/%d' % ids[0])
    p.call('GET', '/api/webhooks/info/')
    p.call('DELETE', '/api/projects/%d/' % pid)


@probe
def org_webhook(p):
    p.call('POST', '/api/webhooks/', {'url': p.hook + '/none'}, note='no project key')
    p.call('POST', '/api/webhooks/', {'url': p.hook + '/null', 'project': None}, note='project null')
    pid = p.project()
    p.settle()
    p.call('DELETE', '/api/projects/%d/' % pid)


@probe
def projects(p):
    pid = p.project()
    wid = p.webhook(pid)
    p.call('GET', '/api/webhooks/%d/' % wid, note='webhook object: consecutive_failures?')
    p.call('PATCH', '/api/projects/%d/' % pid, {'title': 'patched title'})
    p.call(
        'PUT',
        '/api/projects/%d/' % pid,
        {'title': 'put title', 'label_config': '<View><Text name="text" value="$text"/></View>'},
    )
    p.call('GET', '/api/projects/%d/' % pid)
    p.call('DELETE', '/api/projects/%d/' % pid)
    p.settle()
    p.call('GET', '/api/webhooks/%d/' % wid, note='after project delete')


@probe
def tasks(p):
    pid = p.project()
    p.webhook(pid)
    ids = p.import_tasks(pid, [{'text': 'a'}, {'text': 'b'}, {'text': 'c'}])
    p.import_tasks(pid, [{'text': 'dry'}], query='return_task_ids=true&commit_to_project=false')
    p.import_tasks(
        pid, [{'data': {'text': 'pre'}, 'annotations': [{'result': []}], 'predictions': [{'result': [], 'score': 0.5}]}]
    )
    p.call('POST', '/api/tasks/', {'project': pid, 'data': {'text': 'single'}})
    p.call('POST', '/api/tasks/', [{'project': pid, 'data': {'text': 'l1'}}, {'project': pid, 'data': {'text': 'l2'}}])
    p.call('POST', '/api/projects/%d/tasks/' % pid, {'data': {'text': 'project route'}})
    p.call('PATCH', '/api/tasks/%d/' % ids[0], {'meta': {'x': 1}})
    p.call('DELETE', '/api/tasks/%d/' % ids[0])
    p.settle()


@probe
def delete_all(p):
    pid = p.project()
    p.webhook(pid)
    p.import_tasks(pid, [{'text': 'a'}, {'text': 'b'}])
    p.call('DELETE', '/api/projects/%d/tasks/' % pid)
    p.settle()


@probe
def annotations(p):
    pid = p.project()
    p.webhook(pid)
    ids = p.import_tasks(pid, [{'text': 'a'}, {'text': 'b'}])
    aid = p.annotate(ids[0], lead_time=2.5)
    p.call('PATCH', '/api/annotations/%d/' % aid, {'lead_time': 4.5})
    p.call('PUT', '/api/annotations/%d/' % aid, {'result': [], 'lead_time': 1.0})
    p.call('PATCH', '/api/annotations/%d/' % aid, {'was_cancelled': True})
    p.call(
        'POST',
        '/api/tasks/%d/annotations/?was_cancelled=1' % ids[1],
        {'result': [], 'was_cancelled': True},
        note='skip',
    )
    p.call('DELETE', '/api/annotations/%d/' % aid)
    p.call('POST', '/api/tasks/%d/annotations/' % ids[1], {'result': 'not a list'}, note='bad annotation')
    p.settle()


@probe
def dm_actions(p):
    pid = p.project()
    p.webhook(pid)
    ids = p.import_tasks(pid, [{'text': t} for t in 'abcdef'])
    _, actions = p.call('GET', '/api/dm/actions?project=%d' % pid)
    p.annotate(ids[0])
    p.annotate(ids[1])
    for t in ids[2:5]:
        p.call(
            'POST',
            '/api/predictions/',
            {
                'task': t,
                'model_version': 'v1',
                'score': 0.5,
                'result': [
                    {'from_name': 'label', 'to_name': 'text', 'type': 'choices', 'value': {'choices': ['negative']}}
                ],
            },
        )

    def sel(tids):
        return {'selectedItems': {'all': False, 'included': tids}}

    def run(a, body):
        return p.call('POST', '/api/dm/actions?id=%s&project=%d' % (a, pid), body)

    run('predictions_to_annotations', dict(sel(ids[2:5]), model_version='v1'))
    run('delete_tasks_annotations', sel(ids[0:2]))
    run('delete_tasks_predictions', sel(ids[2:5]))
    run('remove_duplicates', sel(ids))
    run('cache_labels', dict(sel(ids), source='annotations', control_tag='label', with_counters='Yes'))
    run('delete_tasks', sel([ids[5]]))
    run('delete_tasks', sel([]))
    run('delete_tasks', {'selectedItems': {'all': True, 'excluded': []}})
    p.settle()
    p.actions = [a.get('id') for a in actions] if isinstance(actions, list) else actions


@probe
def webhooks(p):
    pid = p.project()
    wid = p.webhook(pid, '/filtered', send_for_all_actions=False, actions=['ANNOTATION_CREATED'])
    bare = p.webhook(pid, '/bare', send_payload=False)
    hid = p.webhook(
        pid,
        '/headers',
        headers={
            'Authorization': 'Token pipeline',
            'X-Team': 'ml',
            'User-Agent': 'custom-agent',
            'Content-Type': 'application/vnd.x+json',
        },
    )
    ids = p.import_tasks(pid, [{'text': 'a'}])
    p.annotate(ids[0])
    p.call('PATCH', '/api/webhooks/%d/' % wid, {'headers': {'X-A': 'b'}}, note='PATCH without actions')
    p.call('PUT', '/api/webhooks/%d/' % bare, {'url': p.hook + '/bare-put', 'send_payload': False, 'project': pid})
    p.call('PATCH', '/api/webhooks/%d/' % hid, {'is_active': False})
    p.call('GET', '/api/webhooks/?project=%d' % pid)
    p.call(
        'POST',
        '/api/webhooks/',
        {'url': p.hook, 'project': pid, 'send_for_all_actions': False, 'actions': ['PROJECT_CREATED']},
        note='org-only action on project webhook',
    )
    p.call('POST', '/api/webhooks/', {'url': p.hook, 'project': pid, 'headers': {'a b': 'x'}})
    p.import_tasks(pid, [{'text': 'b'}])
    p.call('DELETE', '/api/webhooks/%d/' % wid)
    p.settle()


@probe
def failures(p):
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    closed = s.getsockname()[1]
    s.close()
    pid = p.project()
    _, w = p.call('POST', '/api/webhooks/', {'url': 'http://127.0.0.1:%d/closed' % closed, 'project': pid})
    p.rc.plan['/%s/five-hundred' % p.name] = {'status': 500}
    p.webhook(pid, '/five-hundred')
    t0 = time.time()
    for i in range(55):
        p.call('POST', '/api/tasks/', {'project': pid, 'data': {'text': str(i)}})
    p.calls.append(
        {'note': '55 task creates against a closed port and a 500 receiver took %.1f s' % (time.time() - t0)}
    )
    p.call('GET', '/api/webhooks/%d/' % w['id'], note='after 55 failures: is_active, consecutive_failures?')
    p.settle()


@probe
def timeout(p):
    pid = p.project()
    p.rc.plan['/%s/slow' % p.name] = {'delay': 3}
    p.rc.plan['/%s/trickle' % p.name] = {'trickle': 0.25}
    w = p.webhook(pid, '/slow')
    p.call('POST', '/api/tasks/', {'project': pid, 'data': {'text': 'slow 3 s'}}, note='receiver answers after 3 s')
    p.call('DELETE', '/api/webhooks/%d/' % w)
    p.webhook(pid, '/trickle')
    p.call(
        'POST',
        '/api/tasks/',
        {'project': pid, 'data': {'text': 'trickle'}},
        note='receiver sends its 12-byte answer one byte every 0.25 s (3 s in all)',
    )
    p.settle()


@probe
def redirects(p):
    pid = p.project()
    base = '/%s/r307' % p.name
    p.rc.plan[base] = {
        'redirect': lambda path: (
            307,
            base + '/' + str(int(path.rsplit('/', 1)[-1]) + 1) if path.rsplit('/', 1)[-1].isdigit() else base + '/1',
        )
    }
    b302 = '/%s/r302' % p.name
    p.rc.plan[b302 + '/'] = {'redirect': lambda path: (302, '/%s/landed' % p.name)}
    p.webhook(pid, '/r307/0')
    p.webhook(pid, '/r302/x')
    p.call('POST', '/api/tasks/', {'project': pid, 'data': {'text': 'redirect'}})
    p.settle(1)


@probe
def chunking(p):
    """Run against a server started with WEBHOOK_BATCH_SIZE=2."""
    pid = p.project()
    p.webhook(pid)
    ids = p.import_tasks(pid, [{'text': t} for t in 'abcde'])
    for t in ids[:3]:
        p.annotate(t)
        p.call('POST', '/api/predictions/', {'task': t, 'model_version': 'v1', 'result': []})
    sel = {'selectedItems': {'all': False, 'included': ids[:3]}}
    p.call('POST', '/api/dm/actions?id=delete_tasks_annotations&project=%d' % pid, sel)
    p.call('POST', '/api/dm/actions?id=predictions_to_annotations&project=%d' % pid, dict(sel, model_version='v1'))
    p.call('POST', '/api/dm/actions?id=delete_tasks&project=%d' % pid, sel)
    p.call('POST', '/api/tasks/', [{'project': pid, 'data': {'text': str(i)}} for i in range(3)])
    p.call('DELETE', '/api/projects/%d/tasks/' % pid)
    p.settle()


CHOICES = (
    '<View><Text name="text" value="$text"/><Choices name="label" toName="text">'
    '<Choice value="positive"/><Choice value="negative"/></Choices></View>'
)


def region(value):
    return [{'from_name': 'label', 'to_name': 'text', 'type': 'choices', 'value': {'choices': [value]}}]


@probe
def label_links(p):
    """Labels and label links: which calls send LABEL_LINK_*; 1.23.2 fails
    POST /api/labels when a webhook wants LABEL_LINK_CREATED."""
    pid = p.project()
    p.webhook(pid, '/all')  # send_for_all_actions: wants LABEL_LINK_CREATED too
    labels = [{'project': pid, 'from_name': 'label', 'title': 'probe-neutral', 'value': {'choices': ['neutral']}}]
    p.call('POST', '/api/labels/', labels, note='a webhook wants LABEL_LINK_CREATED')
    p.call('GET', '/api/labels/', note='nothing was created (rolled back)')
    other = p.project()
    p.webhook(other, '/some', send_for_all_actions=False, actions=['LABEL_LINK_UPDATED', 'LABEL_LINK_DELETED'])
    labels = [dict(l, project=other) for l in labels]
    labels.append({'project': other, 'from_name': 'label', 'title': 'probe-mixed', 'value': {'choices': ['mixed']}})
    status, created = p.call('POST', '/api/labels/', labels, note='no webhook wants LABEL_LINK_CREATED')
    p.call('POST', '/api/labels/', labels[:1], note='the same title again: reused, no new link')
    status, links = p.call('GET', '/api/label_links/?project=%d' % other)
    lid = links['results'][0]['id']
    p.call('PATCH', '/api/label_links/%d/' % lid, {'from_name': 'mood'})
    p.call('PATCH', '/api/label_links/%d/' % lid, {}, note='no change: still an event')
    p.call('PUT', '/api/label_links/%d/' % lid, {'from_name': 'put'}, note='PUT without project and label')
    p.call('PATCH', '/api/label_links/%d/' % lid, {'from_name': ''})
    p.call('POST', '/api/label_links/', {'project': other, 'label': created[0]['id'], 'from_name': 'x'})
    p.call('DELETE', '/api/label_links/%d/' % lid)
    p.call('DELETE', '/api/label_links/%d/' % lid)
    p.call('POST', '/api/labels/', [], note='empty list')
    p.call('POST', '/api/labels/', labels[0], note='not a list')
    p.call('POST', '/api/labels/', [labels[0], dict(labels[1], project=pid)], note='two projects')
    for l in created:
        p.call('DELETE', '/api/labels/%d/' % l['id'], note='no event: links go with it')
    p.settle()


@probe
def uploads(p):
    """Multipart file imports: formats, answers, FileUpload objects, errors."""
    pid = p.project(label_config=CHOICES)
    p.webhook(pid)
    p.upload(pid, {'tasks.json': b'[{"text": "j1"}, {"data": {"text": "j2"}}]'})
    p.upload(pid, {'tasks.csv': b'text,n,f,e\nc1,1,1.5,\n"c2, x",2,2.0,z\n'})
    p.upload(pid, {'tasks.tsv': b'text\tn\nt1\t3\n'})
    p.upload(pid, {'tasks.txt': b'line one\nline two\n'})
    p.upload(pid, {'img.png': b'\x89PNG'})
    p.upload(pid, {'tasks.jsonl': b'{"text": "l1"}\n'})
    p.upload(pid, {'bad.json': b'[{"text": '})
    p.upload(pid, {'miss.csv': b'other\nx\n'})
    p.upload(pid, {'empty.json': b'[]'})
    p.upload(pid, {'list.json': b'[1, 2]'})
    p.call('GET', '/api/projects/%d/file-uploads' % pid)
    p.call('GET', '/api/projects/%d/file-uploads?all=true' % pid, note='failed uploads kept their FileUpload')
    p.call('GET', '/api/import/file-upload/999999')
    p.settle()


@probe
def storage(p):
    """Local files storage (needs --local-files-root: the server's
    LOCAL_FILES_DOCUMENT_ROOT, with LOCAL_FILES_SERVING_ENABLED=true)."""
    root = p.local_root
    if not root:
        raise RuntimeError('storage needs --local-files-root')
    base = os.path.join(root, 'probe-%d' % os.getpid())
    os.makedirs(os.path.join(base, 'ok'), exist_ok=True)
    os.makedirs(os.path.join(base, 'bad'), exist_ok=True)
    with open(os.path.join(base, 'ok', '01.json'), 'w') as f:
        f.write('[{"text": "a"}, {"text": "b"}, {"data": {"text": "c"}}]')
    with open(os.path.join(base, 'ok', '02.json'), 'w') as f:
        f.write('{"text": "d"}\n{"text": "e"}\n')
    with open(os.path.join(base, 'bad', '01.json'), 'w') as f:
        f.write('[{"text": "kept"}]')
    with open(os.path.join(base, 'bad', '02.json'), 'w') as f:
        f.write('[{"text": ')
    pid = p.project()
    p.webhook(pid)
    p.call('GET', '/api/storages/types')
    p.call('POST', '/api/storages/localfiles/validate', {'project': pid, 'path': '/etc'})
    p.call('POST', '/api/storages/localfiles/validate', {'project': pid, 'path': root})
    p.call('POST', '/api/storages/localfiles', {'project': pid, 'path': base + '/ok/../..'})
    status, st = p.call('POST', '/api/storages/localfiles', {'project': pid, 'path': base + '/ok', 'title': 'ok'})
    p.call('POST', '/api/storages/localfiles/%d/sync' % st['id'])
    p.call('POST', '/api/storages/localfiles/%d/sync' % st['id'], note='nothing new')
    with open(os.path.join(base, 'ok', '03.json'), 'w') as f:
        f.write('[{"text": "f"}]')
    p.call('POST', '/api/storages/localfiles/%d/sync' % st['id'], note='one new file')
    p.call('PATCH', '/api/storages/localfiles/%d' % st['id'], {'title': 'renamed'}, note='PATCH without path')
    status, bad = p.call('POST', '/api/storages/localfiles', {'project': pid, 'path': base + '/bad'})
    p.call('POST', '/api/storages/localfiles/%d/sync' % bad['id'], note='a broken file')
    p.call('GET', '/api/projects/%d/tasks/' % pid)
    p.settle()


@probe
def storage_chunks(p):
    """Run against a server started with WEBHOOK_BATCH_SIZE=2 (and a local
    files root): TASKS_CREATED per chunk during the sync."""
    root = p.local_root
    if not root:
        raise RuntimeError('storage_chunks needs --local-files-root')
    base = os.path.join(root, 'probe-chunks-%d' % os.getpid())
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, 'tasks.json'), 'w') as f:
        f.write(json.dumps([{'text': t} for t in 'abcde']))
    pid = p.project()
    p.webhook(pid)
    status, st = p.call('POST', '/api/storages/localfiles', {'project': pid, 'path': base})
    p.call('POST', '/api/storages/localfiles/%d/sync' % st['id'])
    p.settle()


@probe
def exports(p):
    """Export formats, JSON_MIN and CSV, snapshot exports, validate."""
    pid = p.project(label_config=CHOICES)
    ids = p.import_tasks(pid, [{'text': 'a'}, {'text': 'b, "q"', 'extra': 1}, {'text': 'c'}])
    p.annotate(ids[0], lead_time=2.5)
    p.annotate(ids[1], result=region('negative'))
    p.call('POST', '/api/predictions/', {'task': ids[0], 'model_version': 'v1', 'result': region('positive')})
    p.call('GET', '/api/projects/%d/export/formats' % pid)
    for typ in ('JSON', 'JSON_MIN', 'CSV', 'TSV', 'xyz'):
        p.raw('/api/projects/%d/export?exportType=%s' % (pid, typ))
    p.call('POST', '/api/projects/%d/validate/' % pid, {'label_config': '<View><Text name="text" value="$text"/></View>'})
    p.call('POST', '/api/projects/%d/validate' % pid, {'label_config': '<View><broken'})
    p.call('POST', '/api/projects/%d/validate' % pid, {})
    p.call('POST', '/api/projects/%d/validate' % pid, {'label_config': CHOICES.replace('text', 'txt')})
    status, snap = p.call('POST', '/api/projects/%d/exports/' % pid, {'title': 'snapshot'})
    p.call('GET', '/api/projects/%d/exports/' % pid)
    p.call('GET', '/api/projects/%d/exports/%d' % (pid, snap['id']))
    for typ in ('', '?exportType=JSON', '?exportType=JSON_MIN', '?exportType=CSV'):
        p.raw('/api/projects/%d/exports/%d/download%s' % (pid, snap['id'], typ))
    p.call('POST', '/api/projects/%d/exports/%d/convert' % (pid, snap['id']), {'export_type': 'CSV'})
    p.call('GET', '/api/projects/%d/exports/%d' % (pid + 1000, snap['id']))
    p.call('DELETE', '/api/projects/%d/exports/%d' % (pid, snap['id']))
    p.call('GET', '/api/current-user', note='SDK 2.x users.get_current_user')
    p.call('POST', '/api/annotations/bulk/', {'tasks': ids, 'project': pid, 'result': []}, note='SDK 2.x annotations.create_bulk')
    p.settle()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--url', required=True)
    ap.add_argument('--token', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--only', default='')
    ap.add_argument('--local-files-root', default='', help="the server's LOCAL_FILES_DOCUMENT_ROOT (storage probes)")
    args = ap.parse_args()
    rc = Receiver()
    only = set(filter(None, args.only.split(',')))
    for fn in PROBES:
        if only and fn.__name__ not in only:
            continue
        p = Probe(args.url.rstrip('/'), args.token, rc, args.out, fn.__name__)
        p.local_root = args.local_files_root
        err = None
        try:
            fn(p)
        except Exception as e:  # keep what was recorded, say what broke
            err = '%s: %s' % (type(e).__name__, e)
            p.calls.append({'error': err})
        idx = p.save()
        print('%-14s %3d calls %3d webhooks %s' % (fn.__name__, len(p.calls), len(idx), err or ''))
    rc.server.shutdown()


if __name__ == '__main__':
    sys.exit(main())
