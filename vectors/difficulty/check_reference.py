#!/usr/bin/env python2
"""Runs the reference's own code over targets.json and reports any case it disagrees with.

For every share of every chain in the file, it builds the reference's OkayTracker holding
the shares before it, calls MergedMiningShare.generate_transaction exactly as Share.check
does (desired_timestamp = the share's timestamp, desired_target = a candidate's target,
v36_active=True), and stops that call where the transactions start (after max_bits and bits
are computed) to read them. A candidate passes when the bits it gives back are the
candidate's own, as Share.check's share_info comparison demands.

Needs Python 2.7 and a checkout of frstrtr/p2pool-merged-v36 (44a10f30 was used). The
reference imports Twisted, which only its network code needs: small stand-ins are put on
the path. Its data.py has UTF-8 comments without a coding line, which Python 2 refuses, so
the checkout is copied to a temporary directory and a coding line added to such files.
Nothing else is changed.

usage: check_reference.py REFERENCE_CHECKOUT [targets.json]
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from reference_env import prepare  # noqa: E402



class Captured(Exception):
    pass


class Capture(object):
    """Passed as desired_other_transaction_hashes_and_fees: generate_transaction iterates it
    right after computing max_bits and bits; we read them from its frame and stop there."""

    def __iter__(self):
        frame = sys._getframe(1)
        raise Captured(frame.f_locals['pre_target3'], frame.f_locals['max_bits'].bits,
                       frame.f_locals['bits'].bits)


def main():
    reference = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'targets.json')
    tmp = prepare(reference)
    try:
        from p2pool import data
        from p2pool.bitcoin import data as bitcoin_data

        class FakeShare(object):
            VERSION = 0  # keeps OkayTracker.add away from the V36 merged-address bookkeeping

            def __init__(self, h, prev, s):
                self.hash, self.previous_hash = h, prev
                self.timestamp = s['timestamp']
                self.target = bitcoin_data.FloatingInteger(s['bits']).target
                self.max_target = bitcoin_data.FloatingInteger(s['max_bits']).target

        class Net(object):
            pass

        doc = json.load(open(path))
        cases = failures = 0
        for n in doc['networks']:
            net = Net()
            net.SHARE_PERIOD = n['share_period']
            net.CHAIN_LENGTH = n['chain_length']
            net.REAL_CHAIN_LENGTH = n['real_chain_length']
            net.TARGET_LOOKBEHIND = n['target_lookbehind']
            net.MIN_TARGET = int(n['min_target'], 16)
            net.MAX_TARGET = int(n['max_target'], 16)
            tracker = data.OkayTracker(net)
            prev = None
            for i, s in enumerate(n['shares']):
                for bits, ok in [[s['bits'], True]] + s['probes']:
                    try:
                        data.MergedMiningShare.generate_transaction(
                            tracker, dict(previous_share_hash=prev), None, s['timestamp'],
                            bitcoin_data.FloatingInteger(bits).target, None, Capture(), net,
                            v36_active=True)
                        raise AssertionError('generate_transaction was not stopped')
                    except Captured as c:
                        pre3, max_bits, got_bits = c.args
                    cases += 1
                    bad = []
                    if '%x' % pre3 != s['pre_target3']:
                        bad.append('pre_target3 %x != %s' % (pre3, s['pre_target3']))
                    if max_bits != s['max_bits']:
                        bad.append('max_bits %08x != %08x' % (max_bits, s['max_bits']))
                    if (got_bits == bits) != ok:
                        bad.append('bits %08x: reference gives %08x, file says %s' %
                                   (bits, got_bits, ok))
                    if bad:
                        failures += 1
                        print '%s share %d: %s' % (n['name'], i, '; '.join(bad))
                h = i + 1
                tracker.add(FakeShare(h, prev, s))
                prev = h
        print '%d cases, %d disagree with the reference' % (cases, failures)
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    sys.exit(main())
