#!/usr/bin/env python3
"""Soak benchmark of delivery: three real sharemsgd devnet nodes in a line (A - B - C), each
mining with a delegated signing key, under a sustained load of sends at and above the message
budget, then a quiet period. Not a test: it measures and reports, it never fails on figures.

    cmake --build build --target sharemsgd sharemsg
    python3 bench/soak.py --minutes 10 --quiet-minutes 3

It reports, per kind of message (chat, private, long):
  - acknowledged (200 queued), refused (429, by reason), other errors;
  - delivered to all three nodes (seen on each node's /msg/stream), the delay from the send's
    answer to the last of the three;
  - still queued and failed in the senders' outboxes at the end;
and for the run: "in the best chain but missing on a node" (snapshots taken while the three
nodes agree on the best share, compared message by message: must be 0), RSS and open files of
each daemon over time, disk use of each datadir, warning and error lines in the logs, and the
ledger's ignored-item counters. --json FILE also writes the figures as JSON.

Python standard library only; the daemons and their datadirs live in a temporary directory
that is removed at the end (--keep keeps it)."""

import argparse
import ctypes
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58_payload(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(s) - len(s.lstrip("1"))) + raw
    return raw[:-4]  # version byte + payload (the checksum was checked by the tool)


def port_below_ephemeral(used):
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    while True:
        p = random.randrange(10000, max(low, 12001))
        if p in used:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                continue
        used.add(p)
        return p


def die_with_parent():
    """In the child before exec: SIGKILL when this script dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class Node:
    def __init__(self, name, build, root, used_ports):
        self.name = name
        self.build = build
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, mode=0o700)
        self.p2p = port_below_ephemeral(used_ports)
        self.web = port_below_ephemeral(used_ports)
        self.proc = None
        # Messages are matched across nodes by ident() (a private message's message_hash differs
        # between its parties and the other nodes); hash_ident maps this node's hashes to it.
        self.seen = {}  # ident -> first time seen on this node's stream
        self.hash_ident = {}
        self.seen_lock = threading.Lock()
        self.stream_errors = 0
        master = os.urandom(32).hex()
        out = subprocess.run(
            [os.path.join(build, "sharemsg"), "derive-key", "-", "0", "--json", "--network",
             "ltc-test", "--delegation-network", "devnet"],
            input=master + "\n", capture_output=True, text=True, check=True).stdout
        k = json.loads(out)
        self.signing_id = k["signing_id"]
        self.address = b58_payload(k["master_address"])[1:].hex()
        key_file = os.path.join(self.dir, "signing.key")
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (k["signing_key_wif"] + "\n").encode())
        os.close(fd)
        self.flags = ["--address", self.address, "--signing-key-file", key_file,
                      "--signing-key-index", str(k["key_index"]),
                      "--signing-key-delegation", k["delegation"]]

    def start(self, share_period, peers):
        args = [os.path.join(self.build, "sharemsgd"), "--devnet", "--datadir", self.dir,
                "--p2p-port", str(self.p2p), "--web-port", str(self.web), "--gossip-port", "0",
                "--share-period",
                str(share_period), "--status-interval", "0",
                "--discover", "false"] + self.flags  # the line stays a line
        for p in peers:
            args += ["--peer", "127.0.0.1:%d" % p]
        self.log = open(os.path.join(self.dir, "sharemsgd.out"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_parent)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with status %d; see %s" %
                                   (self.name, self.proc.returncode, self.dir))
            try:
                if self.get("/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("%s did not answer /health; see %s" % (self.name, self.dir))
        with open(os.path.join(self.dir, ".cookie")) as f:
            self.token = f.read().split()[0]
        threading.Thread(target=self.follow_stream, daemon=True).start()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def request(self, method, path, body=None, token=False):
        c = http.client.HTTPConnection("127.0.0.1", self.web, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + self.token
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data.decode(errors="replace")

    def get(self, path, token=False):
        return self.request("GET", path, token=token)

    def follow_stream(self):
        # /msg/stream: every stored message once, as "event: message" + "data: {...}".
        while self.proc and self.proc.poll() is None:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.web, timeout=60)
                c.request("GET", "/msg/stream", headers={"Authorization": "Bearer " + self.token})
                r = c.getresponse()
                event = None
                while True:
                    line = r.readline()
                    if not line:
                        break
                    line = line.decode(errors="replace").rstrip("\r\n")
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "message":
                        m = json.loads(line[5:])
                        with self.seen_lock:
                            self.seen.setdefault(ident(m), time.time())
                            self.hash_ident[m.get("message_hash")] = ident(m)
            except (OSError, ValueError, http.client.HTTPException):
                self.stream_errors += 1
                time.sleep(0.5)

    def rss_kib(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.proc.pid))
        except OSError:
            return 0

    def disk_kib(self):
        total = 0
        for dirpath, _, files in os.walk(self.dir):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(dirpath, f))
                except OSError:
                    pass
        return total // 1024

    def metric(self, text, prefix):
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(prefix))


def ident(m):
    """What names a message on every node: signer, time, type, flags and recipient."""
    return (m.get("signing_id"), m.get("timestamp"), m.get("msg_type"), m.get("flags"),
            m.get("to"))


def percentile(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--quiet-minutes", type=float, default=3)
    ap.add_argument("--share-period", type=float, default=1.0)
    ap.add_argument("--chat-every", type=float, default=2.0, help="seconds between chats")
    ap.add_argument("--private-every", type=float, default=30.0)
    ap.add_argument("--long-every", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the datadirs")
    a = ap.parse_args()
    # SIGTERM ends the run as ^C does: the daemons are stopped and the datadirs removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    build = os.path.abspath(a.build)
    print("soak: seed %d, %.1f min of load + %.1f min quiet, share period %.2f s" %
          (seed, a.minutes, a.quiet_minutes, a.share_period), flush=True)

    root = tempfile.mkdtemp(prefix="sharemsg-soak-")
    used = set()
    nodes = [Node(n, build, root, used) for n in "ABC"]
    sends = []  # dicts: kind, node, t, status, hash, error, retry_after
    samples = []  # (t, [rss], [fds])
    snapshots = {"taken": 0, "agreeing": 0, "missing": set(), "truncated": 0}
    try:
        nodes[0].start(a.share_period, [])
        nodes[1].start(a.share_period, [nodes[0].p2p])
        nodes[2].start(a.share_period, [nodes[1].p2p])
        # Joined: each node knows the three keys.
        deadline = time.time() + 120
        while time.time() < deadline:
            if all(sum(1 for k in n.get("/msg/keys")[1].get("keys", []) if k.get("bound"))
                   >= 3 for n in nodes):
                break
            time.sleep(1)
        else:
            raise RuntimeError("the three nodes did not learn each other's keys in 120 s")
        start = time.time()
        end_load = start + a.minutes * 60
        next_at = {"chat": start, "private": start + 5, "long": start + 10}
        every = {"chat": a.chat_every, "private": a.private_every, "long": a.long_every}
        next_sample = start
        next_snapshot = start + 20
        counter = 0
        while time.time() < end_load:
            now = time.time()
            for kind in ("chat", "private", "long"):
                if now < next_at[kind]:
                    continue
                next_at[kind] += every[kind]
                counter += 1
                i = rng.randrange(3)
                body = {"type": "chat"}
                if kind == "chat":
                    body["text"] = "soak chat %d from %s" % (counter, nodes[i].name)
                elif kind == "private":
                    j = rng.choice([x for x in range(3) if x != i])
                    body["text"] = "soak private %d from %s to %s" % (counter, nodes[i].name,
                                                                       nodes[j].name)
                    body["to"] = nodes[j].signing_id
                else:
                    head = "soak long %d from %s " % (counter, nodes[i].name)
                    body["text"] = head + "x" * (1000 - len(head))
                    body["fragment"] = True
                st, ans = nodes[i].request("POST", "/msg/send", body, token=True)
                ans = ans if isinstance(ans, dict) else {}
                sends.append({"kind": kind, "node": i, "t": time.time(), "status": st,
                              "hash": ans.get("message_hash"), "error": ans.get("error"),
                              "retry_after": ans.get("retry_after")})
            if now >= next_sample:
                next_sample += 10
                samples.append((now - start, [n.rss_kib() for n in nodes],
                                [n.fds() for n in nodes]))
            if now >= next_snapshot:
                next_snapshot += 20
                take_snapshot(nodes, snapshots)
            time.sleep(0.05)
        print("soak: load done, %d sends; quiet for %.1f min" % (len(sends), a.quiet_minutes),
              flush=True)
        end = time.time() + a.quiet_minutes * 60
        while time.time() < end:
            if time.time() >= next_sample:
                next_sample += 10
                samples.append((time.time() - start, [n.rss_kib() for n in nodes],
                                [n.fds() for n in nodes]))
            if time.time() >= next_snapshot:
                next_snapshot += 20
                take_snapshot(nodes, snapshots)
            time.sleep(0.5)
        outboxes = [n.get("/msg/outbox?limit=10000", token=True)[1] for n in nodes]
        metrics = [n.get("/metrics")[1] for n in nodes]
        report = build_report(a, seed, nodes, sends, samples, snapshots, outboxes, metrics)
    finally:
        for n in nodes:
            n.stop()
        logs = []
        for n in nodes:
            path = os.path.join(n.dir, "sharemsgd.log")
            text = open(path, errors="replace").read() if os.path.exists(path) else ""
            logs.append({"warning": sum(1 for line in text.splitlines() if " warning " in line),
                         "error": sum(1 for line in text.splitlines() if " error " in line)})
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("soak: datadirs kept in", root)
    report["log_lines"] = logs
    print_report(report)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)


def take_snapshot(nodes, snapshots):
    """Stored messages of the three nodes, kept only when the three named the same best share
    before and after reading: then each must hold the same messages (those of the window)."""
    snapshots["taken"] += 1
    best = [n.get("/health")[1].get("best_share") for n in nodes]
    stored = []
    for n in nodes:
        st, j = n.get("/msg/recent?limit=200", token=True)
        msgs = j.get("messages", []) if st == 200 else []
        if len(msgs) >= 200:
            snapshots["truncated"] += 1
            return
        stored.append({ident(m) for m in msgs if m.get("share_hash")})
    after = [n.get("/health")[1].get("best_share") for n in nodes]
    if best != after or len(set(best)) != 1 or best[0] is None:
        return
    snapshots["agreeing"] += 1
    union = set().union(*stored)
    for h in union:
        if not all(h in s for s in stored):
            snapshots["missing"].add(h)


def build_report(a, seed, nodes, sends, samples, snapshots, outboxes, metrics):
    states = {}
    for ob in outboxes:
        for e in (ob.get("entries", []) if isinstance(ob, dict) else []):
            states[e.get("message_hash")] = e.get("state")
    kinds = {}
    for kind in ("chat", "private", "long"):
        mine = [s for s in sends if s["kind"] == kind]
        acked = [s for s in mine if s["status"] == 200 and s["hash"]]
        refused = {}
        for s in mine:
            if s["status"] == 429:
                refused[s["error"] or "?"] = refused.get(s["error"] or "?", 0) + 1
        delays, on_all, on_some = [], 0, 0
        for s in acked:
            key = nodes[s["node"]].hash_ident.get(s["hash"])  # the sender saw its own
            times = [n.seen.get(key) if key else None for n in nodes]
            if all(times):
                on_all += 1
                delays.append(max(times) - s["t"])
            elif any(times):
                on_some += 1
        retry = [s["retry_after"] for s in mine if s["retry_after"] is not None]
        kinds[kind] = {
            "sent": len(mine),
            "acknowledged": len(acked),
            "refused": refused,
            "other_errors": sum(1 for s in mine if s["status"] not in (200, 429)),
            "delivered_to_all": on_all,
            "on_some_nodes_only": on_some,
            "still_queued": sum(1 for s in acked if states.get(s["hash"]) == "queued"),
            "failed": sum(1 for s in acked if states.get(s["hash"]) == "failed"),
            "delay_s": {"p50": percentile(delays, 0.5), "p90": percentile(delays, 0.9),
                        "max": max(delays) if delays else None},
            "retry_after_s": {"p50": percentile(retry, 0.5), "max": max(retry) if retry else None},
        }
    rss = [[s[1][i] for s in samples] for i in range(3)]
    fds = [[s[2][i] for s in samples] for i in range(3)]
    ignored = [nodes[0].metric(m, "sharemsg_open_ignored_total") if isinstance(m, str) else None
               for m in metrics]
    requeued = [nodes[0].metric(m, "sharemsg_outbox_requeued_total") if isinstance(m, str)
                else None for m in metrics]
    return {
        "seed": seed, "minutes": a.minutes, "quiet_minutes": a.quiet_minutes,
        "share_period": a.share_period,
        "every_s": {"chat": a.chat_every, "private": a.private_every, "long": a.long_every},
        "kinds": kinds,
        "in_best_chain_missing_on_a_node": len(snapshots["missing"]),
        "snapshots": {"taken": snapshots["taken"], "agreeing": snapshots["agreeing"],
                      "truncated": snapshots["truncated"]},
        "rss_MiB": [{"first": r[0] / 1024 if r else None, "max": max(r) / 1024 if r else None,
                     "last": r[-1] / 1024 if r else None} for r in rss],
        "fds": [{"first": f[0] if f else None, "max": max(f) if f else None} for f in fds],
        "disk_KiB": [n.disk_kib() for n in nodes],
        "ignored_items": ignored, "requeued": requeued,
        "stream_reconnects": [n.stream_errors for n in nodes],
    }


def print_report(r):
    def fmt(x):
        return "-" if x is None else ("%.1f" % x if isinstance(x, float) else str(x))
    e = r["every_s"]
    print("\nsoak: %.0f min load (a chat every %g s, a private message every %g s, a 1,000-byte "
          "message every %g s, from a random node) + %.0f min quiet, share period %g s, seed %d" %
          (r["minutes"], e["chat"], e["private"], e["long"], r["quiet_minutes"],
           r["share_period"], r["seed"]))
    print("%-8s %5s %6s %-28s %6s %6s %6s %6s  %s" % ("kind", "sent", "acked", "refused (429)",
          "on all", "some", "queued", "failed", "delay to all 3: p50 / p90 / max s"))
    for kind, k in r["kinds"].items():
        refused = ", ".join("%s %d" % kv for kv in sorted(k["refused"].items())) or "0"
        d = k["delay_s"]
        print("%-8s %5d %6d %-28s %6d %6d %6d %6d  %s / %s / %s" % (
            kind, k["sent"], k["acknowledged"], refused, k["delivered_to_all"],
            k["on_some_nodes_only"], k["still_queued"], k["failed"], fmt(d["p50"]),
            fmt(d["p90"]), fmt(d["max"])))
    print("in the best chain but missing on a node: %d (%d snapshots with one best share of %d)"
          % (r["in_best_chain_missing_on_a_node"], r["snapshots"]["agreeing"],
             r["snapshots"]["taken"]))
    for name, rss, fd, disk, lines, ign, req in zip("ABC", r["rss_MiB"], r["fds"], r["disk_KiB"],
                                                     r["log_lines"], r["ignored_items"],
                                                     r["requeued"]):
        print("node %s: RSS %s -> max %s -> %s MiB, fds %s (max %s), datadir %d KiB, log %d "
              "warning / %d error lines, ignored items %s, requeued %s" % (
                  name, fmt(rss["first"]), fmt(rss["max"]), fmt(rss["last"]), fd["first"],
                  fd["max"], disk, lines["warning"], lines["error"], fmt(ign), fmt(req)))


if __name__ == "__main__":
    sys.exit(main())
