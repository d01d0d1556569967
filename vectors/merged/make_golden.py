#!/usr/bin/env python2
"""Golden values for the merged-coinbase rule (src/chain/merged_coinbase.hpp), made by running
the reference's own code.

For Litecoin testnet and Litecoin parameters it generates a sharechain (payees paying to
P2PKH, P2WPKH and P2SH scripts; some with an explicit Dogecoin merged address in their
shares, some with one in only part of their shares, one with an empty merged script; one in
seven shares voting desired_version 35; donations from 0 to 65535) and cases: a share S on a
tip of that chain with merged_coinbase_info. For each case the reference's OkayTracker is
filled with the window below S, newest share first, then S (the order in which our rule
reads the miners' merged addresses, see merged_coinbase.hpp), and:

  - get_v36_merged_weights and build_canonical_merged_coinbase (the reference's functions)
    give the canonical coinbase; a merged block header committing to it (through a merkle
    branch) and mm_data in S's coinbase committing to that header are made, then altered
    for the failing cases (another coinbase value, another aux root, aux tree size 2, no
    marker, a short mm_data, ...);
  - verify_merged_coinbase_commitment (the reference's) gives the verdict: "ok" or the kind
    of ValueError it raises.

The file records the chain rows, and per case S's fields, the verdict, and the canonical
coinbase (tx_id_type bytes) the reference built for S's first entry (when it builds one).

usage: make_golden.py REFERENCE_CHECKOUT [OUT]   (Python 2.7; REFERENCE_CHECKOUT is
frstrtr/p2pool-merged-v36 at 44a10f30)
"""
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from reference_env import prepare, share_hash  # noqa: E402

DOGE = 98
NETWORKS = [
    # name, CHAIN_LENGTH, REAL_CHAIN_LENGTH, MAX_TARGET, chain rows
    ('litecoin_testnet', 400, 400, 2**256 // 20 - 1, 460),
    ('litecoin', 8640, 8640, 2**256 // 2**20 - 1, 8700),
]
KINDS = [
    ('no mm_data', 'no_mm_data'),
    ('mm_data too short', 'short_mm_data'),
    ('canonical merkle_root', 'merkle_root'),
    ('block_hash', 'block_hash'),
    ('aux tree size', 'aux_tree_size'),
]


def main():
    reference = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'merged_coinbase.json')
    tmp = prepare(reference)
    devnull = open(os.devnull, 'w')
    try:
        from p2pool import data
        from p2pool.bitcoin import data as bitcoin_data
        from p2pool.util import pack
        return generate(data, bitcoin_data, pack, out, devnull)
    finally:
        shutil.rmtree(tmp)


def stand_in_network_modules():
    # _get_merged_chain_net imports p2pool.networks.litecoin(_testnet), which imports the
    # reference's network code (Twisted); the rule reads nothing of those modules (it falls
    # back to its own Dogecoin stand-in), so empty modules stand in for them.
    import types
    networks = types.ModuleType('p2pool.networks')
    for name in ('litecoin', 'litecoin_testnet'):
        module = types.ModuleType('p2pool.networks.' + name)
        setattr(networks, name, module)
        sys.modules['p2pool.networks.' + name] = module
    sys.modules['p2pool.networks'] = networks


def generate(data, bitcoin_data, pack, out, devnull):
    rng = random.Random(3600)
    stand_in_network_modules()
    probe = type('Net', (object,), dict(PARENT=type('Parent', (object,), dict(SYMBOL='tLTC'))))
    assert data._get_merged_chain_net(DOGE, probe()) is not None

    class Parent(object):  # p2pool/bitcoin/networks/litecoin_testnet.py
        ADDRESS_VERSION = 111
        ADDRESS_P2SH_VERSION = 58
        SYMBOL = 'tLTC'
        padding_bugfix = True

    class Net(object):
        pass

    def script_of(payee):
        ver, witver = data.pubkey_type_to_version_witver(payee[0], Parent)
        return bitcoin_data.pubkey_hash_to_script2(int(payee[1], 16), ver, witver, Parent)

    class FakeShare(object):
        VERSION = 36

        def __init__(self, h, prev, payee, row, addrs):
            self.hash, self.previous_hash = h, prev
            self.target = self.max_target = bitcoin_data.FloatingInteger(row[1]).target
            self.new_script = script_of(payee)
            self.desired_version = row[3]
            self.share_data = dict(donation=row[2], previous_share_hash=prev)
            self.merged_addresses = addrs
            self.share_info = dict(merged_addresses=addrs)
            self.naughty = 0
            self.timestamp = 0

    # Payees: 9 plain (P2PKH, P2WPKH, P2SH in turn); payees 0-2 always name a merged address,
    # 3-5 in every other share only ("tier 1.5"), 6 names an empty script, 7-8 never.
    payees = [[i % 3, '%040x' % rng.getrandbits(160)] for i in range(9)]
    merged_of = ['76a914%040x88ac' % rng.getrandbits(160) for _ in range(6)] + [''] + [None] * 2
    merged_of[4] = 'a914%040x87' % rng.getrandbits(160)  # a P2SH merged address
    merged_of[5] = '0020%064x' % rng.getrandbits(256)    # P2WSH: used as written

    def addrs_of(p, i):
        m = merged_of[p]
        if m is None or (3 <= p <= 5 and i % 2):
            return None
        return [dict(chain_id=DOGE, script=m.decode('hex'))]

    doc = dict(
        source='frstrtr/p2pool-merged-v36 at 44a10f30, p2pool/data.py '
               'verify_merged_coinbase_commitment (run by vectors/merged/make_golden.py)',
        payees=payees, merged_of=merged_of, networks=[])
    cases_total = 0
    for name, chain_length, real, max_target, nrows in NETWORKS:
        net = Net()
        net.NAME = name
        net.PARENT = Parent
        net.CHAIN_LENGTH, net.REAL_CHAIN_LENGTH = chain_length, real
        net.MAX_TARGET = max_target
        rows = []
        for i in range(nrows):
            p = rng.randrange(len(payees))
            t = max_target >> rng.randrange(0, 24)
            bits = bitcoin_data.FloatingInteger.from_target_upper_bound(t).bits
            donation = rng.choice([0, 0, 50, 655, 32767, 65535])
            dv = 35 if rng.randrange(7) == 0 else 36
            rows.append([p, bits, donation, dv])
        cases = []

        def case(desc, tip, mutate=None, coinbase_value=10000 * 10**8, block_height=5000000,
                 coinbase_script='', payee=0, own_addrs='default', chain_id=DOGE,
                 aux_size=1, rows_override=None):
            rws = rows_override or rows
            first = max(0, tip - real + 1)
            tracker = data.OkayTracker(net)
            for i in range(tip, first - 1, -1):  # newest first
                prev = share_hash(name, i - 1) if i > 0 else None
                tracker.add(FakeShare(share_hash(name, i), prev, payees[rws[i][0]], rws[i],
                                      addrs_of(rws[i][0], i)))
            if own_addrs == 'default':
                own_addrs = addrs_of(payee, 0)
            s_hash = share_hash(name, 10**6 + len(cases))
            s = FakeShare(s_hash, share_hash(name, tip), payees[payee],
                          [payee, rws[tip][1], 0, 36], own_addrs)
            tracker.add(s)
            info = dict(chain_id=chain_id, coinbase_value=coinbase_value,
                        block_height=block_height, coinbase_script=coinbase_script.decode('hex'),
                        coinbase_merkle_link=dict(
                            branch=[rng.getrandbits(256) for _ in range(rng.randrange(4))],
                            index=0))
            # What verify_merged_coinbase_commitment rebuilds (same calls, same order).
            canonical = None
            height = tracker.get_height(share_hash(name, tip))
            stdout = sys.stdout
            sys.stdout = devnull
            try:
                weights, total, donation = data.get_v36_merged_weights(
                    tracker, share_hash(name, tip), min(height, real), 2**288 - 1,
                    chain_id=chain_id)
            finally:
                sys.stdout = stdout
            known = data._get_merged_chain_net(chain_id, net) is not None

            def canonical_of(info):  # what the rule rebuilds for `info`, or None
                if not (weights and total and known):
                    return None
                pt = payees[payee][0]
                finder = data.get_canonical_merged_finder_script(
                    None if pt == 2 else int(payees[payee][1], 16), own_addrs, chain_id, None)
                cb = data.build_canonical_merged_coinbase(weights, total, donation,
                                                          info['coinbase_value'],
                                                          info['block_height'], finder, None,
                                                          Parent)
                if info['coinbase_script']:
                    cb['tx_ins'][0]['script'] = info['coinbase_script']
                return bitcoin_data.tx_id_type.pack(cb)

            canonical = canonical_of(info)
            txid = bitcoin_data.hash256(canonical) if canonical else rng.getrandbits(256)
            header = dict(version=0x620104, previous_block=rng.getrandbits(256),
                          merkle_root=bitcoin_data.check_merkle_link(
                              txid, info['coinbase_merkle_link']),
                          timestamp=1700000000, bits=bitcoin_data.FloatingInteger(0x1e0fffff),
                          nonce=0)
            header_bytes = bitcoin_data.block_header_type.pack(header)
            mm = ('\xfa\xbe\x6d\x6d' +
                  pack.IntType(256, 'big').pack(bitcoin_data.hash256(header_bytes)) +
                  pack.IntType(32).pack(aux_size) + pack.IntType(32).pack(0))
            coinbase = '\x03\x40\x42\x0f' + mm + '/p2pool/'
            info['block_header_bytes'] = header_bytes
            share_data = dict(coinbase=coinbase, previous_share_hash=share_hash(name, tip),
                              pubkey_hash=int(payees[payee][1], 16), pubkey_type=payees[payee][0])
            if mutate:
                mutate(info, share_data)
                canonical = canonical_of(info)  # the coinbase the altered share demands
            s.share_info = dict(share_data=share_data, merged_addresses=own_addrs,
                                merged_coinbase_info=[info])
            s.share_data = share_data
            s.header = dict(bits=bitcoin_data.FloatingInteger(0x1e0fffff))
            try:
                sys.stdout = devnull
                data.verify_merged_coinbase_commitment(s, tracker, net, Parent)
                verdict = 'ok'
            except ValueError as e:
                verdict = [k for text, k in KINDS if text in str(e)]
                assert len(verdict) == 1, str(e)
                verdict = verdict[0]
            except ZeroDivisionError:  # chain_id % aux_size with a size of 0: the check fails
                verdict = 'aux_tree_size'
            finally:
                sys.stdout = stdout
            cases.append(dict(
                desc=desc, tip=tip,
                share=dict(payee=payee,
                           merged_addresses=[[a['chain_id'], a['script'].encode('hex')]
                                             for a in (own_addrs or [])],
                           coinbase=share_data['coinbase'].encode('hex'),
                           merged_coinbase_info=[dict(
                               chain_id=info['chain_id'], coinbase_value=info['coinbase_value'],
                               block_height=info['block_height'],
                               block_header=info['block_header_bytes'].encode('hex'),
                               branch=['%064x' % h for h in
                                       info['coinbase_merkle_link']['branch']],
                               coinbase_script=info['coinbase_script'].encode('hex'))]),
                expected=verdict,
                canonical_coinbase=canonical.encode('hex') if canonical else None))
            return verdict

        top = nrows - 1
        assert case('a full window, every kind of payee', top) == 'ok'
        for i, h in enumerate([0, 1, 16, 17, 127, 128, 255, 256, 32767, 32768, 2**31, 2**40]):
            assert case('block height %d in the canonical script_sig' % h, top - 1 - i,
                        block_height=h) == 'ok'
        assert case('the share carries its own coinbase_script', top - 20,
                    coinbase_script='03a0bb0d2f6332706f6f6c2f') == 'ok'
        assert case('coinbase value 0', top - 21, coinbase_value=0) == 'ok'
        assert case('coinbase value 1', top - 22, coinbase_value=1) == 'ok'
        assert case('a P2SH finder with no merged address', top - 23, payee=2,
                    own_addrs=None) == 'ok'
        assert case('a P2WPKH finder of a tier-1.5 miner, own address only here', top - 24,
                    payee=4) == 'ok'
        assert case('a P2WPKH finder of a tier-1.5 miner without its own address', top - 25,
                    payee=4, own_addrs=None) == 'ok'
        assert case('a finder naming another merged address than its other shares', top - 26,
                    payee=3, own_addrs=[dict(chain_id=DOGE, script='\x51')]) == 'ok'
        assert case('a miner named only by S\'s own merged address', top - 36, payee=7,
                    own_addrs=[dict(chain_id=DOGE, script='\x76\xa9\x14' + '\x07' * 20 +
                                    '\x88\xac')]) == 'ok'
        one = [[7, rows[i][1], 0, 36] for i in range(nrows)]
        assert case('one miner, no donation: the donation output takes 1 satoshi', top,
                    payee=7, own_addrs=None, rows_override=one) == 'ok'
        two = [[7 + i % 2, rows[0][1], 0, 36] for i in range(nrows)]
        assert case('two miners of equal weight, no donation', top, payee=7, own_addrs=None,
                    rows_override=two) == 'ok'
        old = [[r[0], r[1], r[2], 35] for r in rows]
        assert case('no share votes 36: nothing to check', top, rows_override=old,
                    mutate=lambda i, sd: i.update(coinbase_value=1)) == 'ok'
        assert case('a chain shorter than the window: nothing to check', real - 2,
                    mutate=lambda i, sd: i.update(coinbase_value=1)) == 'ok'
        assert case('an unknown merged chain: nothing to check', top - 27, chain_id=99,
                    mutate=lambda i, sd: i.update(coinbase_value=1)) == 'ok'
        assert case('the merged block pays other amounts', top - 28,
                    mutate=lambda i, sd: i.update(coinbase_value=i['coinbase_value'] + 1)) \
            == 'merkle_root'
        assert case('another merged block height (script_sig)', top - 29,
                    mutate=lambda i, sd: i.update(block_height=i['block_height'] + 1)) \
            == 'merkle_root'
        assert case('another merkle branch', top - 30,
                    mutate=lambda i, sd: i['coinbase_merkle_link'].update(
                        branch=i['coinbase_merkle_link']['branch'] + [1])) == 'merkle_root'
        assert case('mm_data commits to another block', top - 31,
                    mutate=lambda i, sd: sd.update(coinbase=sd['coinbase'][:4] + '\xfa\xbe\x6d\x6d'
                                                   + '\x00' * 32 + sd['coinbase'][40:])) \
            == 'block_hash'
        assert case('an aux tree of 2', top - 32, aux_size=2) == 'aux_tree_size'
        assert case('an aux tree of 0', top - 33, aux_size=0) == 'aux_tree_size'
        assert case('no mm_data marker', top - 34,
                    mutate=lambda i, sd: sd.update(coinbase='\x03\x40\x42\x0f/p2pool/')) \
            == 'no_mm_data'
        assert case('mm_data 39 bytes long', top - 35,
                    mutate=lambda i, sd: sd.update(coinbase=sd['coinbase'][:4 + 4 + 39])) \
            == 'short_mm_data'
        assert case('mm_data checked on a short chain too', real - 3,
                    mutate=lambda i, sd: sd.update(coinbase='\x01\x02')) == 'no_mm_data'
        doc['networks'].append(dict(name=name, chain_length=chain_length,
                                    real_chain_length=real, max_target='%064x' % max_target,
                                    chain=rows, cases=cases))
        cases_total += len(cases)
    with open(out, 'w') as f:
        json.dump(doc, f, indent=None, separators=(',', ':'), sort_keys=True)
        f.write('\n')
    print '%d cases written to %s' % (cases_total, out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
