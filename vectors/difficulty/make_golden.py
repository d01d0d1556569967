#!/usr/bin/env python3
"""Golden values for the share difficulty rule (src/chain/target_rules.hpp).

Generates, for each network below, a sharechain from its first share (timestamps and
targets of a simulated pool whose pace changes: steady, fast, slow, and stalls long
enough for the V36 emergency decay), and records for every share what the reference's
share check demands of it: pre_target3 (and which branch of the formula decided it), max_bits,
and whether each of several candidate bits values would pass. Writes targets.json beside this file.

This is our own Python 3 code, written from the formulas of frstrtr/p2pool-merged-v36 at
44a10f30 (p2pool/data.py: BaseShare.generate_transaction lines 806-837 and
get_pool_attempts_per_second lines 3139-3150; p2pool/util/math.py: clip;
p2pool/bitcoin/data.py: FloatingInteger, target_to_average_attempts). The reference's own
functions were run on the same chains by check_reference.py (Python 2.7) and gave the same
values for every case; see README.md.

usage: vectors/difficulty/make_golden.py [OUT]
"""
import json
import os
import random
import sys

# ---- the reference's formulas ------------------------------------------------------------


def clip(x, low, high):  # math.clip
    return low if x < low else high if x > high else x


def natural_to_string(n):  # big-endian, minimal, '' for 0
    return n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""


def bits_from_target_upper_bound(target):  # FloatingInteger.from_target_upper_bound(t).bits
    n = natural_to_string(target)
    if n and n[0] >= 128:
        n = b"\x00" + n
    bits2 = (bytes([len(n)]) + (n + b"\x00" * 3)[:3])[::-1]
    return int.from_bytes(bits2, "little")


def target_from_bits(bits):  # FloatingInteger(bits).target
    shift = 8 * ((bits >> 24) - 3)
    m = bits & 0x00FFFFFF
    return m << shift if shift >= 0 else m >> -shift


def average_attempts(target):  # target_to_average_attempts
    return 2**256 // (target + 1)


def pre_target3(net, chain, i):
    """generate_transaction's pre_target3 for a share built on chain[i - 1] at chain[i]'s
    timestamp (chain[0] is the first share: no previous share, height 0), and which of its
    branches decided it."""
    height = i  # tracker.get_height(previous_share_hash): every share from the first is known
    if height < net["target_lookbehind"]:
        return net["max_target"], "short_chain"
    dist = net["target_lookbehind"]
    near = i - 1
    far = near - (dist - 1)  # get_nth_parent_hash(previous_share_hash, dist - 1)
    # get_delta(near, far).min_work: the shares from near back to far, far excluded
    attempts = sum(average_attempts(target_from_bits(chain[j]["max_bits"]))
                   for j in range(far + 1, near + 1))
    time = chain[near]["timestamp"] - chain[far]["timestamp"]
    if time <= 0:
        time = 1
    aps = attempts // time  # get_pool_attempts_per_second(..., min_work=True, integer=True)
    period = net["share_period"]
    pre_target = 2**256 // (period * aps) - 1 if aps else 2**256 - 1
    prev = chain[near]
    prev_max_target = target_from_bits(prev["max_bits"])
    clamp_ref_target = prev_max_target
    # V36 emergency decay (v36_active and a previous share)
    time_since_share = max(0, chain[i]["timestamp"] - prev["timestamp"])
    threshold = period * 20
    if time_since_share > threshold:
        half_life = period * 10
        excess = time_since_share - threshold
        halvings, remainder = excess // half_life, excess % half_life
        eased = prev_max_target << halvings
        eased = (eased * (half_life + remainder)) // half_life
        clamp_ref_target = min(eased, net["max_target"])
    low, high = clamp_ref_target * 9 // 10, clamp_ref_target * 11 // 10
    pre_target2 = clip(pre_target, low, high)
    pre3 = clip(pre_target2, net["min_target"], net["max_target"])
    case = ("max_target" if pre3 == net["max_target"] and pre_target2 != pre3 else
            "min_target" if pre3 == net["min_target"] and pre_target2 != pre3 else
            "nine_tenths" if pre_target < low else "eleven_tenths" if pre_target > high else
            "pool_rate")
    if aps == 0:
        case += "+no_attempts"
    if clamp_ref_target != prev_max_target:
        case += "+decay"
    return pre3, case


def bits_pass(pre3, bits):
    """Share.check regenerates bits from the share's own target: they must come back equal."""
    return bits_from_target_upper_bound(clip(target_from_bits(bits), pre3 // 30, pre3)) == bits


# ---- the networks ------------------------------------------------------------------------

NETWORKS = [
    # src/p2p/params.hpp DEVNET (ours): MAX_TARGET 2^252 - 1, MIN_TARGET 2^244 - 1.
    dict(name="sharemsg_devnet", share_period=10, chain_length=400, real_chain_length=400,
         target_lookbehind=20, min_target=2**244 - 1, max_target=2**252 - 1,
         # (count, mean seconds between shares): steady, fast enough to reach MIN_TARGET,
         # a stall for the decay (threshold 200 s, half-life 100 s), slow, long stalls.
         pace=[(30, 10), (90, 1), (40, 3), (1, 250), (20, 20), (1, 1000), (20, 10),
               (1, 10**6), (30, 2), (1, 201), (10, 5)]),
    # p2pool/networks/litecoin.py
    dict(name="litecoin", share_period=15, chain_length=8640, real_chain_length=8640,
         target_lookbehind=200, min_target=0, max_target=2**256 // 2**20 - 1,
         pace=[(210, 15), (60, 3), (1, 400), (60, 60), (1, 3000), (40, 15), (1, 301)]),
    # p2pool/networks/litecoin_testnet.py
    dict(name="litecoin_testnet", share_period=4, chain_length=400, real_chain_length=400,
         target_lookbehind=200, min_target=0, max_target=2**256 // 20 - 1,
         pace=[(205, 4), (50, 1), (1, 100), (40, 12), (1, 10**5), (20, 4)]),
]


def generate(net, rng):
    chain = []
    ts = 1_700_000_000
    for count, mean in net["pace"]:
        for _ in range(count):
            if chain:
                step = mean if count == 1 else max(0, round(rng.uniform(0.5, 1.5) * mean))
                ts = max(ts + step, chain[-1]["timestamp"] + 1)
            share = {"timestamp": ts}
            chain.append(share)
            i = len(chain) - 1
            pre3, case = pre_target3(net, chain, i)
            share["case"] = case
            share["max_bits"] = bits_from_target_upper_bound(pre3)
            # The miner's desired target: mostly the easiest allowed, sometimes harder than
            # allowed (raised to pre3 // 30) or easier (lowered to pre3), sometimes within.
            r = rng.random()
            desired = (pre3 if r < 0.6 else pre3 * 3 if r < 0.7 else pre3 // 100 if r < 0.8
                       else rng.randint(pre3 // 30, pre3))
            share["bits"] = bits_from_target_upper_bound(clip(desired, pre3 // 30, pre3))
            assert bits_pass(pre3, share["bits"])
            probes = {share["bits"], bits_from_target_upper_bound(pre3),
                      bits_from_target_upper_bound(pre3 // 30),
                      bits_from_target_upper_bound(pre3 * 2),
                      bits_from_target_upper_bound(pre3 // 31),
                      bits_from_target_upper_bound(pre3 + pre3 // 100),
                      share["bits"] + 1, share["bits"] - 1,
                      bits_from_target_upper_bound(pre3) + 0x01000000}  # same target, longer
            probes.add(bits_from_target_upper_bound(rng.randint(pre3 // 60, pre3 * 2)))
            if case == "short_chain":  # every one of these demands the same: fewer probes
                probes = {share["bits"], bits_from_target_upper_bound(pre3 * 2),
                          bits_from_target_upper_bound(pre3 // 31)}
            share["pre_target3"] = "%x" % pre3
            share["probes"] = [[b, bits_pass(pre3, b)] for b in sorted(probes)
                               if 0 <= b < 2**32]
    return chain


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "targets.json")
    rng = random.Random(36)
    doc = {
        "about": "Share difficulty golden values: for each share of a generated chain (first "
                 "share first), pre_target3 and max_bits as p2pool-merged-v36's Share.check "
                 "computes them, and candidate bits with whether they pass. Made by "
                 "make_golden.py; checked against the reference's own code by "
                 "check_reference.py. Integers are decimal, targets hex.",
        "networks": [],
    }
    for net in NETWORKS:
        chain = generate(net, rng)
        doc["networks"].append({
            "name": net["name"],
            "share_period": net["share_period"],
            "chain_length": net["chain_length"],
            "real_chain_length": net["real_chain_length"],
            "target_lookbehind": net["target_lookbehind"],
            "min_target": "%x" % net["min_target"],
            "max_target": "%x" % net["max_target"],
            "shares": [{k: s[k] for k in ("timestamp", "bits", "max_bits", "pre_target3", "case",
                                          "probes")} for s in chain],
        })
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    cases = {}
    for n in doc["networks"]:
        for s in n["shares"]:
            cases[s["case"]] = cases.get(s["case"], 0) + 1
    print(" ".join("%s=%d" % kv for kv in sorted(cases.items())))
    total = sum(len(n["shares"]) for n in doc["networks"])
    probes = sum(len(s["probes"]) for n in doc["networks"] for s in n["shares"])
    print("wrote %s: %d shares, %d probes" % (out, total, probes))


if __name__ == "__main__":
    main()
