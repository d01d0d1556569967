"""Running the reference's own Python 2 code from a checkout (shared by the vectors'
check_reference.py and merged/make_golden.py scripts), and the share hashes of their chains.

The reference imports Twisted, which only its network code needs: small stand-ins are put on
the path. Its data.py has UTF-8 comments without a coding line, which Python 2 refuses, so
the checkout is copied to a temporary directory and a coding line added to such files.
Nothing else is changed.
"""
import hashlib
import os
import shutil
import struct
import sys
import tempfile

STUBS = {
    'twisted/__init__.py': '',
    'twisted/internet/__init__.py': '',
    'twisted/internet/defer.py':
        'class Deferred(object): pass\n'
        'def inlineCallbacks(f): return f\n'
        'def returnValue(v): raise StopIteration(v)\n'
        'def succeed(v): return v\n',
    'twisted/internet/reactor.py': 'def callLater(*a, **k): pass\n',
    'twisted/python/__init__.py': '',
    'twisted/python/log.py': 'def err(*a, **k): pass\ndef msg(*a, **k): pass\n',
    'twisted/python/failure.py': 'class Failure(Exception): pass\n',
}


def prepare(reference):
    tmp = tempfile.mkdtemp(prefix='p2pool-ref-')
    for path, text in STUBS.items():
        full = os.path.join(tmp, 'stubs', path)
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        open(full, 'w').write(text)
    shutil.copytree(os.path.join(reference, 'p2pool'), os.path.join(tmp, 'p2pool'))
    for root, _, files in os.walk(os.path.join(tmp, 'p2pool')):
        for name in files:
            if not name.endswith('.py'):
                continue
            full = os.path.join(root, name)
            text = open(full).read()
            if any(ord(c) > 127 for c in text) and 'coding' not in text.split('\n', 2)[0]:
                open(full, 'w').write('# -*- coding: utf-8 -*-\n' + text)
    sys.path[:0] = [os.path.join(tmp, 'stubs'), tmp]
    return tmp


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def le_int(b):  # a little-endian byte string as an integer
    return int(b[::-1].encode('hex'), 16)


def share_hash(net_name, i):
    """Share i of the vectors' chain for network net_name: sha256d(name || '/' || le32(i)),
    read as a little-endian integer (the tests derive the same)."""
    return le_int(sha256d(str(net_name) + '/' + struct.pack('<I', i)))
