#!/usr/bin/env python3
"""Golden values for the V36 generated-transaction rule (src/chain/gentx.hpp, pplns.hpp).

For Litecoin and Litecoin testnet parameters it generates a sharechain from its first share
(payees paying to P2PKH, P2WPKH and P2SH scripts, one of them the donation script itself;
donations from 0 to 100%; targets from MAX_TARGET down to one below 2^128; some shares
voting desired_version 35), then cases: a new share on a tip of that chain, with the part of
the chain its node knows (from a first known share up to the tip), a subsidy, a coinbase, a
segwit wtxid root or none, a ref_hash and a last_txout_nonce. For each case it records what
Share.check derives: absheight, abswork, far_share_hash, merged_payout_hash, the gentx
(tx_id_type bytes; only its size and txid when over 20,000 bytes) and its txid -- or that the share cannot be checked yet ("deferred").
Writes gentx.json beside this file.

Share hashes are not random: share i of network N has hash sha256d(N || '/' || le32(i)),
read as a little-endian integer (what the tests derive too). Each chain row is
[payee, bits, donation, desired_version]; a payee is [pubkey_type, pubkey_hash as '%040x'].

This is our own Python 3 code, written from frstrtr/p2pool-merged-v36 at 44a10f30
(p2pool/data.py: BaseShare.generate_transaction 798-1268 on its V36 path,
get_decayed_cumulative_weights 2538-2612, MergedWeightsSkipList 2425-2535,
compute_merged_payout_hash 3367-3430; p2pool/bitcoin/data.py: tx_id_type,
pubkey_hash_to_script2, get_witness_commitment_hash). check_reference.py (Python 2.7) runs
the reference's own functions over the file; see README.md.

usage: vectors/gentx/make_golden.py [OUT]
"""
import hashlib
import json
import os
import random
import sys

COMBINED_DONATION_SCRIPT = bytes.fromhex("a9148c6272621d89e8fa526dd86acff60c7136be8e8587")
DONATION_HASH160 = COMBINED_DONATION_SCRIPT[2:22]  # as a P2SH payee it pays the donation script

NETWORKS = [
    # name, CHAIN_LENGTH, REAL_CHAIN_LENGTH, MAX_TARGET, SPREAD
    ("litecoin_testnet", 400, 400, 2**256 // 20 - 1, 3),
    ("litecoin", 8640, 8640, 2**256 // 2**20 - 1, 3),
]


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def le_int(b):
    return int.from_bytes(b, "little")


def share_hash(net_name, i):
    return le_int(sha256d(net_name.encode() + b"/" + i.to_bytes(4, "little")))


def target_from_bits(bits):  # FloatingInteger(bits).target
    shift = 8 * ((bits >> 24) - 3)
    m = bits & 0x00FFFFFF
    return m << shift if shift >= 0 else m >> -shift


def bits_from_target_upper_bound(target):  # FloatingInteger.from_target_upper_bound(t).bits
    n = target.to_bytes((target.bit_length() + 7) // 8, "big") if target else b""
    if n and n[0] >= 128:
        n = b"\x00" + n
    return int.from_bytes((bytes([len(n)]) + (n + b"\x00" * 3)[:3])[::-1], "little")


def att(target):  # target_to_average_attempts
    return 2**256 // (target + 1)


def script_of(payee):  # new_script: pubkey_hash_to_script2 of a V36 share's pubkey_type
    pubkey_type, h = payee
    hb = int(h, 16).to_bytes(20, "little")
    if pubkey_type == 1:
        return b"\x00\x14" + hb
    if pubkey_type == 2:
        return b"\xa9\x14" + hb + b"\x87"
    return b"\x76\xa9\x14" + hb + b"\x88\xac"


def var_int(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def var_str(b):
    return var_int(len(b)) + b


# ---- the rule -----------------------------------------------------------------------------


def decayed_weights(window, chain_length):  # get_decayed_cumulative_weights, 2^288 - 1
    desired = 2**288 - 1
    half_life = max(chain_length // 4, 1)
    decay_per = (1 << 40) - ((1 << 40) * 693147) // (1000000 * half_life)
    decay_fp = 1 << 40
    weights, total, don = {}, 0, 0
    for s in window:
        decayed = (att(s["target"]) * decay_fp) >> 40
        addr_w = decayed * (65535 - s["donation"])
        don_w = decayed * s["donation"]
        this_total = addr_w + don_w
        if total + this_total > desired:
            remaining = desired - total
            if this_total > 0:
                addr_w = addr_w * remaining // this_total
                don_w = don_w * remaining // this_total
            this_total = remaining
        weights[s["script"]] = weights.get(s["script"], 0) + addr_w
        total += this_total
        don += don_w
        if total >= desired:
            break
        decay_fp = (decay_fp * decay_per) >> 40
    return weights, total, don


def merged_payout_hash(window):  # compute_merged_payout_hash (chain_id None)
    desired = 2**288 - 1
    weights, total, don = {}, 0, 0
    for s in window:
        if s["desired_version"] < 36:
            continue
        a = att(s["target"])
        if total + a * 65535 > desired:
            units = (desired - total) // 65535
            weights[s["script"]] = weights.get(s["script"], 0) + units * (a * (65535 - s["donation"])) // a
            don += units * (a * s["donation"]) // a
            total = desired
            break
        weights[s["script"]] = weights.get(s["script"], 0) + a * (65535 - s["donation"])
        total += a * 65535
        don += a * s["donation"]
        if total == desired:
            break
    weights = {k: v for k, v in weights.items() if v}
    if not weights or total == 0:
        return None
    parts = ["%s:%d" % (k.hex(), weights[k]) for k in sorted(weights)]
    parts += ["T:%d" % total, "D:%d" % don]
    return le_int(sha256d("|".join(parts).encode()))


def payouts(window, chain_length, subsidy):
    weights, total, _ = decayed_weights(window, chain_length)
    amounts = {k: subsidy * w // total for k, w in weights.items()}
    donation = subsidy - sum(amounts.values())
    if donation < 1 and subsidy > 0:
        largest = max(amounts, key=lambda k: (amounts[k], k))
        amounts[largest] -= 1
        donation = subsidy - sum(amounts.values())
    amounts[COMBINED_DONATION_SCRIPT] = amounts.get(COMBINED_DONATION_SCRIPT, 0) + donation
    dests = sorted((k for k in amounts if k != COMBINED_DONATION_SCRIPT),
                   key=lambda k: (amounts[k], k))[-4000:]
    outs = [(amounts[k], k) for k in dests if amounts[k]]
    return outs + [(amounts[COMBINED_DONATION_SCRIPT], COMBINED_DONATION_SCRIPT)]


def gentx_bytes(coinbase, witness_root, outs, ref_hash, nonce):  # tx_id_type.pack
    tx = (1).to_bytes(4, "little") + var_int(1)
    tx += b"\x00" * 32 + b"\xff" * 4 + var_str(coinbase) + b"\xff" * 4
    all_outs = []
    if witness_root is not None:
        commitment = sha256d(witness_root.to_bytes(32, "little") + b"[P2Pool]" * 4)
        all_outs.append((0, b"\x6a\x24\xaa\x21\xa9\xed" + commitment))
    all_outs += outs
    all_outs.append((0, b"\x6a\x28" + ref_hash + nonce.to_bytes(8, "little")))
    tx += var_int(len(all_outs))
    for value, script in all_outs:
        tx += value.to_bytes(8, "little") + var_str(script)
    return tx + b"\x00" * 4


def expected(net, rows, payees, case):
    name, chain_length, real_chain_length = net[0], net[1], net[2]
    tip, first = case["tip"], case["first_known"]
    height = 0 if tip is None else tip - first + 1
    last_is_none = tip is None or first == 0
    if not (height >= real_chain_length or last_is_none):
        return {"deferred": True}
    window = []
    for i in range(tip if tip is not None else -1, -1, -1):
        if len(window) == min(height, real_chain_length):
            break
        payee, bits, donation, version = rows[i]
        window.append(dict(script=script_of(payees[payee]), target=target_from_bits(bits),
                           donation=donation, desired_version=version))
    own_work = att(target_from_bits(case["bits"]))
    if tip is None:
        absheight, abswork, far, merged = 1, own_work % 2**128, None, None
    else:
        absheight = (case["parent_absheight"] + 1) % 2**32
        abswork = (case["parent_abswork"] + own_work) % 2**128
        far = None if last_is_none and height < 99 else (
            share_hash(name, tip - 99) if tip - 99 >= 0 else None)
        merged = merged_payout_hash(window)
    outs = payouts(window, chain_length, case["subsidy"])
    root = None if case["wtxid_merkle_root"] is None else int(case["wtxid_merkle_root"], 16)
    tx = gentx_bytes(bytes.fromhex(case["coinbase"]), root, outs,
                     bytes.fromhex(case["ref_hash"]), case["last_txout_nonce"])
    hx = lambda v: None if v is None else "%064x" % v
    return {"deferred": False, "absheight": absheight, "abswork": str(abswork),
            "far_share_hash": hx(far), "merged_payout_hash": hx(merged),
            "outputs": len(outs), "gentx_size": len(tx),
            "gentx": tx.hex() if len(tx) <= 20000 else None,  # the txid covers it
            "txid": "%064x" % le_int(sha256d(tx))}


# ---- the chains and cases -----------------------------------------------------------------


def make_payees(rng, n):
    payees = []
    for k in range(n):
        pubkey_type = k % 3
        payees.append([pubkey_type, "%040x" % rng.getrandbits(160)])
    return payees


def make_chain(rng, net, length, payees, small_pool, donation_payee, many):
    max_target = net[3]
    rows = []
    for i in range(length):
        if i < 4:  # one payee, no donation: the donation output takes its 1 satoshi
            rows.append([0, bits_from_target_upper_bound(max_target), 0, 35 if i < 2 else 36])
            continue
        if many and i < length * 2 // 3:
            payee = small_pool + i % many  # every one of `many` payees: more than 4000 dests
        else:
            payee = rng.randrange(small_pool)
        if length // 2 <= i < length // 2 + 30 and i % 3 == 0:
            payee = donation_payee
        r = rng.random()
        target = max_target >> rng.randrange(0, 24) if r < 0.97 else max_target
        if not many and i == length - 3:
            target = 2**100 + 12345  # harder than 2^128: attempts exceed 128 bits
        bits = bits_from_target_upper_bound(rng.randrange(target // 2, target + 1))
        donation = rng.choice([0, 0, 50, 655, 655, 1000, 20000, 65535 if rng.random() < 0.1 else 1])
        version = 35 if rng.random() < 0.15 else 36
        rows.append([payee, bits, donation, version])
    return rows


def make_case(rng, net, tip, first, subsidy=None, segwit=True, desc=""):
    max_target = net[3]
    case = {"desc": desc, "tip": tip, "first_known": first,
            "parent_absheight": rng.randrange(2**32), "parent_abswork": rng.randrange(2**60),
            "bits": bits_from_target_upper_bound(rng.randrange(max_target // 30, max_target)),
            "subsidy": subsidy if subsidy is not None else 625000000 + rng.randrange(10**7),
            "coinbase": bytes(rng.getrandbits(8) for _ in range(rng.randrange(2, 101))).hex(),
            "wtxid_merkle_root": "%064x" % rng.getrandbits(256) if segwit else None,
            "ref_hash": bytes(rng.getrandbits(8) for _ in range(32)).hex(),
            "last_txout_nonce": rng.getrandbits(64)}
    if tip is None:
        case["parent_absheight"] = case["parent_abswork"] = 0
    if tip is not None and rng.random() < 0.2:
        case["parent_absheight"] = 2**32 - 1  # absheight wraps
    return case


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "gentx.json")
    rng = random.Random(36)
    doc = {"networks": []}
    for net in NETWORKS:
        name, chain_length, real, max_target, spread = net
        big = name == "litecoin"
        small_pool = 12
        payees = make_payees(rng, small_pool + (4600 if big else 0))
        payees.append([2, "%040x" % le_int(DONATION_HASH160)])  # pays the donation script
        length = 9000 if big else 1000
        rows = make_chain(rng, net, length, payees, small_pool, len(payees) - 1,
                          4600 if big else 0)
        c = lambda *a, **k: make_case(rng, net, *a, **k)
        if big:
            cases = [c(8999, 0, desc="window of 8640 from 9000 known, > 4000 payees"),
                     c(8639, 0, desc="exactly REAL_CHAIN_LENGTH known"),
                     c(8839, 200, segwit=False, desc="chain not reaching the first share"),
                     c(8000, 200, desc="deferred: 7801 known"),
                     c(150, 0, desc="short chain from the first share")]
        else:
            cases = [c(None, 0, desc="first share: all to the donation script"),
                     c(0, 0, desc="one parent"),
                     c(1, 0, desc="parents voting 35 only: merged_payout_hash None"),
                     c(3, 0, desc="one payee without donation: it gives 1 satoshi"),
                     c(3, 0, subsidy=0, desc="subsidy 0"),
                     c(50, 0, subsidy=1, desc="subsidy 1"),
                     c(97, 0, desc="98 known"), c(98, 0, desc="99 known: far_share_hash None"),
                     c(99, 0, desc="100 known: far_share_hash the first share"),
                     c(150, 0, subsidy=100, desc="subsidy 100: payees paid 0 left out"),
                     c(333, 0, desc="a longer window from the first share"),
                     c(398, 0, desc="399 known"), c(399, 0, desc="400 known"),
                     c(400, 0, segwit=False, desc="no segwit_data: no commitment output"),
                     c(510, 0, desc="donation-script payee in the window"),
                     c(699, 300, desc="not reaching the first share, 400 known"),
                     c(990, 491, subsidy=2**64 - 1, desc="500 known, largest subsidy"),
                     c(997, 500, desc="a parent harder than 2^128: it takes nearly all"),
                     c(800, 600, desc="deferred: 201 known, not the first share")]
        for case in cases:
            case["expected"] = expected(net, rows, payees, case)
        doc["networks"].append({
            "name": name, "chain_length": chain_length, "real_chain_length": real,
            "max_target": "%064x" % max_target, "spread": spread, "segwit": True,
            "payees": payees, "chain": rows, "cases": cases})
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    n = sum(len(x["cases"]) for x in doc["networks"])
    print("wrote %s: %d cases" % (out, n))


if __name__ == "__main__":
    main()
