#!/usr/bin/env python3
"""Is the small case sharp enough? Each mutant changes one rule of the peer (as a plausible
misreading of vsesim's semantics would) and must then DISAGREE with vsesim on
cases/small.toml; the unchanged peer must agree. Exits 1 if a mutant goes unnoticed.

    python3 mutants.py [--vsesim PATH]
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import compare
import simpy_peer as peer

SMALL = compare.HERE / "cases" / "small.toml"


def mutant(name):
    def register(f):
        MUTANTS.append((name, f))
        return f
    return register


MUTANTS = []


@mutant("decisions take effect at once (no reallocation latency)")
def _no_latency():
    orig = peer.build

    def build(path):
        m = orig(path)
        for d in m["domains"]:
            d.latency_ms = 0
        return m
    peer.build = build


@mutant("requests rounded to the nearest core instead of up")
def _round():
    def request(self, consumed, held):
        if self.kind == "fixed":
            return self.lo
        wanted = consumed / self.target
        if self.kind == "own_borrow" and wanted > held + peer.slack(held):
            wanted = max(wanted, self.owned)
        return min(max(round(wanted), self.lo), self.hi)
    peer.Compartment.request = request


@mutant("no request noise tolerance (a request 1e-5 core above a whole number rounds up)")
def _no_noise():
    peer.REQUEST_NOISE = 0.0


@mutant("OwnBorrow grows step by step (owned cores not given back at once)")
def _no_reclaim():
    orig = peer.Compartment.request

    def request(self, consumed, held):
        owned, self.owned = self.owned, 0
        try:
            return orig(self, consumed, held)
        finally:
            self.owned = owned
    peer.Compartment.request = request


@mutant("priorities ignored (everyone at priority 1)")
def _no_priority():
    orig = peer.build

    def build(path):
        m = orig(path)
        for d in m["domains"]:
            for c in d.comps:
                c.priority = 1
        return m
    peer.build = build


@mutant("surplus and contention split equally, not by weight (OwnBorrow weight = owned)")
def _no_weight():
    orig = peer.build

    def build(path):
        m = orig(path)
        for d in m["domains"]:
            for c in d.comps:
                c.weight = 1.0
        return m
    peer.build = build


@mutant("manager sees the demand, not what was consumed")
def _sees_demand():
    orig_look = peer.VPar.look

    def look(self):
        served, held = orig_look(self)
        backlog = sum(w.backlog for w in self.workloads)
        return served + backlog, held
    peer.VPar.look = look


@mutant("OwnBorrow judges need against the cores held at the tick, not the interval's mean")
def _held_now():
    orig = peer.Compartment.request

    def request(self, consumed, held):
        return orig(self, consumed, float(self.vpar.cores))
    peer.Compartment.request = request


@mutant("delayed work is dropped (queues forgotten)")
def _no_queue():
    orig = peer.build

    def build(path):
        m = orig(path)
        for w in m["workloads"]:
            w.drop = True
        return m
    peer.build = build


@mutant("a vPar serves its workloads in scenario order, not in equal max-min shares")
def _strict_order():
    def sharing(capacity, wants):
        rates, left = [], capacity
        for w in wants:
            rates.append(min(w, left))
            left -= rates[-1]
        return rates
    peer.processor_sharing = sharing


def main():
    vsesim = os.environ.get("VSESIM", compare.ROOT / "target/release/vsesim")
    if len(sys.argv) == 3 and sys.argv[1] == "--vsesim":
        vsesim = sys.argv[2]
    work = Path(tempfile.mkdtemp(prefix="vsesim-mutants-"))
    vsesim = compare.pin_binary(vsesim, work)
    summary, _ = compare.run_vsesim(vsesim, SMALL, work / "v", csv_rows=True)
    ts = work / "v" / "timeseries.csv"
    saved = {k: getattr(peer, k) for k in ("build", "REQUEST_NOISE", "processor_sharing")}
    saved_methods = (peer.Compartment.request, peer.VPar.look)

    def restore():
        for k, v in saved.items():
            setattr(peer, k, v)
        peer.Compartment.request, peer.VPar.look = saved_methods
        peer._trace_cache.clear()

    problems, _ = compare.check_agreement(summary, peer.run(SMALL, rows=True), ts)
    print(f"{'AGREES' if not problems else 'DISAGREES':<10} unchanged peer")
    ok = not problems
    for name, apply in MUTANTS:
        restore()
        apply()
        problems, _ = compare.check_agreement(summary, peer.run(SMALL, rows=True), ts)
        restore()
        caught = bool(problems)
        ok &= caught
        first = problems[0] if problems else "nothing differs: the small case misses this rule"
        print(f"{'caught' if caught else 'MISSED':<10} {name}: {len(problems)} differences; "
              f"e.g. {first}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
