#!/usr/bin/env python2
"""Runs the reference's own code over gentx.json and reports any case it disagrees with.

For every case it builds the reference's OkayTracker holding the part of the chain the case
knows (from its first known share up to its tip; a share's previous_share_hash is the hash
of the share before it, None for the chain's first), and calls
MergedMiningShare.generate_transaction as Share.check does (known_txs None, no other
transactions, v36_active=True, the case's segwit_data, last_txout_nonce and coinbase). It
compares absheight, abswork, far_share_hash and merged_payout_hash of the share_info it
returns, and the gentx's tx_id_type bytes and txid, with the file; for a "deferred" case it
expects the reference's 'share chain not long enough'. The payout scripts of the chain's
shares are made with the reference's pubkey_type_to_version_witver and
pubkey_hash_to_script2 (Litecoin's address versions, padding_bugfix on as load_share sets it
for V35 and later shares).

Two things are put in place of the reference's, and only these: get_ref_hash returns the
case's ref_hash (a real share's ref_hash commits to its whole share_info and message_data,
which the file does not carry; the rule only places it in the gentx), and the network's
TARGET_LOOKBEHIND is above every chain's height so that bits come back as given (the
difficulty rule has its own golden values, vectors/difficulty/). Twisted is replaced by
small stand-ins and a coding line is added to the reference's files that lack one, as
vectors/difficulty/check_reference.py does.

usage: check_reference.py REFERENCE_CHECKOUT [gentx.json]
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from reference_env import prepare, share_hash  # noqa: E402


def main():
    reference = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'gentx.json')
    tmp = prepare(reference)
    devnull = open(os.devnull, 'w')
    try:
        from p2pool import data
        from p2pool.bitcoin import data as bitcoin_data

        class Parent(object):  # p2pool/bitcoin/networks/litecoin.py
            ADDRESS_VERSION = 48
            ADDRESS_P2SH_VERSION = 50
            SYMBOL = 'LTC'
            padding_bugfix = True

        class Net(object):
            pass

        class FakeShare(object):
            VERSION = 0  # keeps OkayTracker.add away from the V36 merged-address bookkeeping

            def __init__(self, h, prev, payee, row, timestamp):
                pubkey_type, pubkey_hash = payee[0], int(payee[1], 16)
                bits, donation, version = row[1], row[2], row[3]
                self.hash, self.previous_hash = h, prev
                self.timestamp = timestamp
                self.target = self.max_target = bitcoin_data.FloatingInteger(bits).target
                ver, witver = data.pubkey_type_to_version_witver(pubkey_type, Parent)
                self.new_script = bitcoin_data.pubkey_hash_to_script2(
                    pubkey_hash, ver, witver, Parent)
                self.desired_version = version
                self.share_data = dict(donation=donation, previous_share_hash=prev)
                self.absheight = self.abswork = 0
                self.naughty = 0

        doc = json.load(open(path))
        cases = failures = 0
        for n in doc['networks']:
            net = Net()
            net.NAME = n['name']
            net.PARENT = Parent
            net.SHARE_PERIOD = 15
            net.CHAIN_LENGTH = n['chain_length']
            net.REAL_CHAIN_LENGTH = n['real_chain_length']
            net.TARGET_LOOKBEHIND = 10**9  # bits come back as given (see above)
            net.SPREAD = n['spread']
            net.MIN_TARGET = 0
            net.MAX_TARGET = int(n['max_target'], 16)
            net.SEGWIT_ACTIVATION_VERSION = 17 if n['segwit'] else 0
            net.BLOCK_MAX_SIZE = 1000000
            net.BLOCK_MAX_WEIGHT = 4000000
            rows, payees = n['chain'], n['payees']
            for case in n['cases']:
                cases += 1
                tip, first = case['tip'], case['first_known']
                tracker = data.OkayTracker(net)
                last = None
                if tip is not None:
                    for i in range(first, tip + 1):
                        prev = share_hash(n['name'], i - 1) if i > 0 else None
                        s = FakeShare(share_hash(n['name'], i), prev, payees[rows[i][0]],
                                      rows[i], 1600000000 + i)
                        if i == tip:
                            s.absheight = case['parent_absheight']
                            s.abswork = case['parent_abswork']
                        tracker.add(s)
                    last = tracker.items[share_hash(n['name'], tip)]
                ref = case['ref_hash'].decode('hex')
                data.MergedMiningShare.get_ref_hash = classmethod(
                    lambda cls, net, share_info, ref_merkle_link, message_data=None: ref)
                segwit_data = None
                if case['wtxid_merkle_root'] is not None:
                    segwit_data = dict(txid_merkle_link=dict(branch=[], index=0),
                                       wtxid_merkle_root=int(case['wtxid_merkle_root'], 16))
                share_data = dict(
                    previous_share_hash=last.hash if last else None,
                    coinbase=case['coinbase'].decode('hex'), nonce=0, pubkey_hash=1,
                    pubkey_type=0, subsidy=case['subsidy'], donation=0, stale_info=None,
                    desired_version=36)
                exp = case['expected']
                bad = []
                stdout, stderr = sys.stdout, sys.stderr
                sys.stdout = sys.stderr = devnull  # the reference's diagnostics
                try:
                    share_info, gentx, _, _ = data.MergedMiningShare.generate_transaction(
                        tracker, share_data, 2**200,
                        (last.timestamp + 1) if last else 1600000000,
                        bitcoin_data.FloatingInteger(case['bits']).target, None, [], net,
                        known_txs=None, last_txout_nonce=case['last_txout_nonce'],
                        segwit_data=segwit_data, v36_active=True)
                    got = None
                except ValueError as e:
                    got = str(e)
                finally:
                    sys.stdout, sys.stderr = stdout, stderr
                if exp['deferred']:
                    if got is None or 'not long enough' not in got:
                        bad.append('expected deferred, the reference gives %r' % (got,))
                elif got is not None:
                    bad.append('the reference fails: %s' % got)
                else:
                    hx = lambda v: None if v is None else '%064x' % v
                    packed = bitcoin_data.tx_id_type.pack(gentx)
                    pairs = [
                        ('absheight', share_info['absheight'], exp['absheight']),
                        ('abswork', str(share_info['abswork']), exp['abswork']),
                        ('far_share_hash', hx(share_info['far_share_hash']),
                         exp['far_share_hash']),
                        ('merged_payout_hash', hx(share_info['merged_payout_hash']),
                         exp['merged_payout_hash']),
                        ('outputs', len(gentx['tx_outs']) - 1 -
                         (1 if 'segwit_data' in share_info else 0), exp['outputs']),
                        ('gentx_size', len(packed), exp['gentx_size']),
                        ('txid', '%064x' % bitcoin_data.get_txid(gentx), exp['txid']),
                    ]
                    if exp['gentx'] is not None:
                        pairs.append(('gentx', packed.encode('hex'), exp['gentx']))
                    for name, a, b in pairs:
                        if a != b:
                            bad.append('%s: reference %s, file %s' % (name, str(a)[:80],
                                                                     str(b)[:80]))
                if bad:
                    failures += 1
                    print '%s case %r: %s' % (n['name'], case['desc'], '; '.join(bad))
        print '%d cases, %d disagree with the reference' % (cases, failures)
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    sys.exit(main())
