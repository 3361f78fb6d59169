#!/usr/bin/env python3
"""simpy_peer.py — a SimPy model of what vsesim simulates, for a restricted class of scenarios.

It reads the same scenario TOML files as vsesim (the subset below, with tomllib) and the same
native wide CSV traces, simulates with SimPy, and prints per workload the demand, served,
dropped and backlog work [core-hours] and per vPar the mean allocation [reference cores].
It is an independent model written the way a SimPy user would write it, not a port of vsesim:

* A **demand process** per workload (or, with ``--grouped``, one per trace file) steps its
  workload's demand rate at each sample of its trace.
* A **manager process** per gWLM domain wakes every interval, reads what each compartment
  consumed and held since its last tick, arbitrates by gWLM's rules, and starts a
  **reallocation process** that changes the vPars' cores after the vPar latency.
* The work itself is a **fluid**: between two events every rate is constant, so each vPar
  integrates its workloads lazily, on demand (``VPar.advance``), as exact processor sharing:
  at every instant the vPar's capacity is shared in equal max-min shares among its workloads,
  a workload with a queue taking whatever share it is offered; a queue that empties between
  two events changes the shares from that instant on, which the integration follows piece
  by piece. Unserved work of a ``drop`` workload is lost at once; of a ``delay`` workload it
  queues (FIFO, served later).

The run stops at the horizon: nothing due at the horizon itself happens (``env.run(until=…)``),
so a decision of the last tick that would take effect exactly then is not counted as a move.
In the whole-core rounding, fractional parts within 1e-9 of each other are a tie, won by the
first compartment (gWLM's rule as vsesim documents it), so float noise never decides one.

Scenario subset: ``[scenario]``; ``[[servers]]`` (all cores active); ``[[partitions]]`` of kind
``npar`` and ``vpar`` only, workloads on vPars (or on nPars/servers without children);
``[[policies]]`` in managed mode whose compartments are vPars, with ``fixed``, ``utilization``
and ``own_borrow`` policies; ``[managers] latency.vpar``; ``[[workloads]]`` with a native
wide CSV trace (``units = "cores"`` or ``"percent"`` with ``source``, ``column``, ``step``,
``repeat``, ``on_shortfall``); ``[report] step``. Anything else is refused with exit code 2.

    python3 simpy_peer.py SCENARIO.toml [--json OUT.json] [--rows] [--grouped] [--quiet]
"""

import argparse
import bisect
import csv
import json
import math
import struct
import sys
import time
import tomllib
from pathlib import Path

import simpy

MS_PER_HOUR = 3_600_000.0


class Unsupported(Exception):
    """The scenario uses something this peer does not model (exit code 2)."""


# --------------------------------------------------------------------------------------------
# Reading the scenario and the traces


def duration_ms(text):
    """'15s', '5m', '1.5h', '9d 9h 30m' → milliseconds (rounded), as docs/SCENARIO.md says."""
    units = {"ms": 1, "s": 1e3, "m": 60e3, "min": 60e3, "h": 3600e3, "d": 86400e3, "w": 604800e3}
    total = 0
    for part in str(text).split():
        i = 0
        while i < len(part) and (part[i].isdigit() or part[i] == "."):
            i += 1
        number, unit = part[:i], part[i:]
        if unit not in units or not number:
            raise Unsupported(f"bad duration {text!r}")
        total += round(float(number) * units[unit])
    return total


def as_f32(x):
    """vsesim keeps trace values as 32-bit floats; so does the peer, to replay the same demand."""
    return struct.unpack("f", struct.pack("f", x))[0]


_trace_cache = {}


def read_wide_trace(path, step_hint_ms):
    """A native wide CSV trace → (step_ms, {column: [values]})."""
    key = (str(path), step_hint_ms)
    if key in _trace_cache:
        return _trace_cache[key]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader)]
        if "workload" in header:
            raise Unsupported(f"{path}: the long layout is not supported by the peer")
        rows = [[c.strip() for c in r] for r in reader if any(c.strip() for c in r)]
    has_time = header[0] == "time_s"
    cols = header[1:] if has_time else header
    if has_time:
        times = [round(float(r[0]) * 1000) for r in rows]
        step = times[1] - times[0] if len(times) > 1 else step_hint_ms
        if step_hint_ms is not None and step != step_hint_ms:
            raise Unsupported(f"{path}: time_s steps by {step} ms, the scenario says {step_hint_ms}")
        rows = [r[1:] for r in rows]
    else:
        step = step_hint_ms
    if not step:
        raise Unsupported(f"{path}: no time_s and no step")
    data = {c: [as_f32(float(r[j])) for r in rows] for j, c in enumerate(cols)}
    _trace_cache[key] = (step, data)
    return step, data


class Workload:
    def __init__(self, name, vpar, drop, series, step_ms, scale, repeat):
        self.name, self.vpar, self.drop = name, vpar, drop
        self.series, self.step_ms, self.scale, self.repeat = series, step_ms, scale, repeat
        self.rate = 0.0  # demand now [reference cores]
        self.backlog = 0.0  # queued work [reference core-ms]
        self.demand = self.served = self.dropped = 0.0  # totals [reference core-ms]

    def sample(self, k):
        n = len(self.series)
        if self.repeat:
            k %= n
        return self.series[k] * self.scale if k < n else 0.0


class VPar:
    """A partition with a whole number of cores, its workloads sharing it in equal max-min
    shares. Integrated lazily: ``advance(now)`` brings it from its last update to ``now``."""

    def __init__(self, name, cores, speed):
        self.name, self.cores, self.speed = name, cores, speed
        self.workloads = []
        self.last = 0  # ms
        self.held_ms = 0.0  # ∫ capacity dt [reference core-ms]
        self.obs_served = 0.0  # since the manager's last look [reference core-ms]
        self.obs_held = 0.0
        self.changes = [(0, cores)]  # (time ms, cores): for the per-row allocations
        self.reallocations = 0

    @property
    def capacity(self):
        return self.cores * self.speed

    def advance(self, now):
        if now <= self.last:
            return
        cap = self.capacity
        span = now - self.last
        self.held_ms += cap * span
        self.obs_held += cap * span
        ws = self.workloads
        t = float(self.last)
        served = 0.0
        while t < now:
            # Max-min shares at this instant: a workload with a queue takes any rate offered.
            rates = processor_sharing(cap, [math.inf if w.backlog > 0 else w.rate for w in ws])
            # Constant until the next instant a queue empties (its share above its arrivals).
            h = now - t
            for w, r in zip(ws, rates):
                if w.backlog > 0 and r > w.rate:
                    h = min(h, w.backlog / (r - w.rate))
            for w, r in zip(ws, rates):
                arrived = w.rate * h
                w.demand += arrived
                if w.backlog > 0:
                    done = r * h
                    before = w.backlog
                    w.backlog += arrived - done
                    if w.backlog <= 1e-9 * before:
                        w.backlog = 0.0  # emptied at the end of this piece (float residue)
                else:
                    done = min(r, w.rate) * h
                    if w.drop:
                        w.dropped += arrived - done
                    else:
                        w.backlog += arrived - done
                w.served += done
                served += done
            t += h
        self.obs_served += served
        self.last = now

    def look(self):
        """What the manager reads: served and held since its last look, then reset."""
        out = (self.obs_served, self.obs_held)
        self.obs_served = self.obs_held = 0.0
        return out


def processor_sharing(capacity, wants):
    """Equal max-min shares of ``capacity`` among claimants wanting ``wants`` (inf = any)."""
    n = len(wants)
    rates = [0.0] * n
    left, open_ = capacity, n
    order = sorted(range(n), key=wants.__getitem__)
    for k, i in enumerate(order):
        fair = left / open_
        if wants[i] <= fair:
            rates[i] = wants[i]
            left -= wants[i]
            open_ -= 1
        else:
            for j in order[k:]:
                rates[j] = fair
            break
    return rates


# --------------------------------------------------------------------------------------------
# gWLM: requests and arbitration of one shared resource domain (whole cores, for vPars)

# Requests come from demand kept in 32-bit floats: a request within 1/10,000 of a core above a
# whole number is that number (vsesim's documented tolerance), plus float slack.
REQUEST_NOISE = 1e-4

# --float-ties: a diagnostic, not the model. Break ties in the whole-core rounding as vsesim
# does today (fractional parts compared exactly, from a level interpolated between two
# breakpoints), so that float noise decides them; README.md, finding 2.
FLOAT_TIES = False


def slack(x):
    return 1e-9 + 1e-12 * abs(x)


class Compartment:
    def __init__(self, vpar, kind, lo, hi, owned, target, priority, weight):
        self.vpar, self.kind = vpar, kind
        self.lo, self.hi, self.owned, self.target = lo, hi, owned, target
        self.priority, self.weight = priority, weight

    def request(self, consumed, held):
        """Whole cores it asks for, from what it consumed and held over the last interval."""
        if self.kind == "fixed":
            return self.lo
        wanted = consumed / self.target
        # OwnBorrow: above its target it needs its cores, and gets what it owns back at once.
        if self.kind == "own_borrow" and wanted > held + slack(held):
            wanted = max(wanted, self.owned)
        whole = max(0, math.ceil(wanted - REQUEST_NOISE - slack(wanted)))
        return min(max(whole, self.lo), self.hi)


def water_fill(extra, alloc, cap, weight):
    """Raise ``alloc`` towards ``cap`` with at most ``extra`` cores so that those still rising
    end level with each other in proportion to weight (a weighted rising tide); nobody loses
    what it has. Modifies ``alloc`` in place."""
    if extra <= 0:
        return
    idx = [i for i in range(len(alloc)) if cap[i] > alloc[i]]
    if not idx:
        return
    if sum(cap[i] - alloc[i] for i in idx) <= extra + 1e-12 * (1 + extra):
        for i in idx:
            alloc[i] = cap[i]
        return
    goal = sum(alloc[i] for i in idx) + extra
    if FLOAT_TIES:  # vsesim's breakpoints: nobody can take more than the extra
        cap = [min(c, a + extra) for a, c in zip(alloc, cap)]

    def filled(level):
        return sum(min(max(level * weight[i], alloc[i]), cap[i]) for i in idx)

    # filled(level) is piecewise linear: between two breakpoints (where someone starts or
    # stops rising) it is C + level · W, C the amounts held still and W the weight rising.
    points = sorted({alloc[i] / weight[i] for i in idx} | {cap[i] / weight[i] for i in idx})
    lo = points[0]
    for hi in points[1:]:
        if filled(hi) >= goal:
            break
        lo = hi
    mid = (lo + hi) / 2
    held = rising = 0.0
    for i in idx:
        if mid * weight[i] <= alloc[i]:
            held += alloc[i]
        elif mid * weight[i] >= cap[i]:
            held += cap[i]
        else:
            rising += weight[i]
    level = (goal - held) / rising if rising > 0 else hi
    if FLOAT_TIES:
        # vsesim's arithmetic: the level interpolated between the two breakpoints.
        f_lo, f_hi = filled(lo), filled(hi)
        level = lo + (goal - f_lo) / (f_hi - f_lo) * (hi - lo) if f_hi > f_lo else lo
    for i in idx:
        alloc[i] = min(max(level * weight[i], alloc[i]), cap[i])


def arbitrate(capacity, comps, requests):
    """New whole-core allocations of a domain's compartments (gWLM's order, docs/SCENARIO.md):
    minimums and fixed cores; OwnBorrow compartments' owned cores as far as they need them;
    then the requests priority by priority (1 first; a priority that does not fit shares by
    weight); the surplus by weight up to each max; finally whole cores by largest remainder."""
    n = len(comps)
    alloc = [float(c.lo) for c in comps]
    weight = [c.weight for c in comps]

    def rise(cap):
        water_fill(capacity - sum(alloc), alloc, cap, weight)

    rise([max(a, min(r, c.owned)) if c.kind == "own_borrow" else a
          for a, r, c in zip(alloc, requests, comps)])
    for p in sorted({c.priority for c in comps if c.kind != "fixed"}):
        rise([max(a, r) if c.kind != "fixed" and c.priority == p else a
              for a, r, c in zip(alloc, requests, comps)])
    rise([a if c.kind == "fixed" else max(a, c.hi) for a, c in zip(alloc, comps)])
    # Whole cores: round every allocation down, then hand the cores left one each to the
    # largest fractional parts (ties: the first compartment), never past a max.
    whole = [min(math.floor(a + slack(a)), c.hi) for a, c in zip(alloc, comps)]
    frac = [0.0 if c.kind == "fixed" else min(max(a - w, 0.0), 1.0)
            for a, w, c in zip(alloc, whole, comps)]
    total = sum(alloc)
    left = min(math.floor(capacity + slack(capacity)), math.floor(total + slack(total))) - sum(whole)
    order = sorted(range(n), key=lambda i: (-frac[i], i)) if FLOAT_TIES else by_fraction(frac)
    for i in order:
        if left < 1:
            break
        if frac[i] > 0 and whole[i] < comps[i].hi:
            whole[i] += 1
            left -= 1
    return whole


def by_fraction(frac, tie=1e-9):
    """Indexes by fractional part, largest first; parts within ``tie`` of each other count as
    equal (float noise must not decide a tie), and equal parts go in index order."""
    order = sorted(range(len(frac)), key=lambda i: -frac[i])
    out, group = [], [order[0]] if order else []
    for i in order[1:]:
        if frac[group[-1]] - frac[i] <= tie:
            group.append(i)
        else:
            out += sorted(group)
            group = [i]
    return out + sorted(group)


class Domain:
    def __init__(self, name, capacity, comps, interval_ms, latency_ms):
        self.name, self.capacity, self.comps = name, capacity, comps
        self.interval_ms, self.latency_ms = interval_ms, latency_ms
        self.ticks = 0


# --------------------------------------------------------------------------------------------
# The SimPy processes


def demand_process(env, members, step_ms, counter):
    """One stream of samples: every ``step_ms`` the members' demand rates change."""
    k = 0
    while True:
        for w in members:
            w.vpar.advance(env.now)  # the rates so far hold up to now
            w.rate = w.sample(k)
        counter[0] += 1
        k += 1
        yield env.timeout(step_ms)


def manager_process(env, dom, counter):
    """gWLM: every interval observe, arbitrate, and have the new cores applied after the
    reallocation latency."""
    last = env.now
    while True:
        yield env.timeout(dom.interval_ms)
        now, span = env.now, env.now - last
        last = now
        requests = []
        for c in dom.comps:
            c.vpar.advance(now)
            served, held = c.vpar.look()
            speed = c.vpar.speed
            requests.append(c.request(served / span / speed, held / span / speed))
        decided = arbitrate(dom.capacity, dom.comps, requests)
        dom.ticks += 1
        counter[0] += 1
        if any(d != c.vpar.cores for d, c in zip(decided, dom.comps)):
            env.process(reallocate(env, dom, decided, counter))


def reallocate(env, dom, decided, counter):
    yield env.timeout(dom.latency_ms)
    counter[0] += 1
    for c, cores in zip(dom.comps, decided):
        vp = c.vpar
        if cores != vp.cores:
            vp.advance(env.now)
            vp.cores = cores
            vp.reallocations += 1
            vp.changes.append((env.now, cores))


# --------------------------------------------------------------------------------------------
# Building the model from a scenario file


def build(path):
    path = Path(path)
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    known = {"scenario", "servers", "partitions", "workloads", "policies", "managers", "report", "costs"}
    extra = set(raw) - known
    if extra:
        raise Unsupported(f"tables not modelled by the peer: {sorted(extra)}")
    sc = raw["scenario"]
    horizon = duration_ms(sc["horizon"])

    nodes = {}  # name → dict(kind, parent, cores, speed)
    for s in raw["servers"]:
        total = s["cells"] * s["cores_per_cell"]
        if s.get("active_cores", total) != total:
            raise Unsupported(f"server {s['name']}: inactive cores are not modelled by the peer")
        nodes[s["name"]] = dict(kind="server", parent=None, cores=total,
                                speed=float(s.get("core_speed", 1.0)),
                                cells=s["cells"], cpc=s["cores_per_cell"])
    for p in raw.get("partitions", []):
        kind, parent = p["kind"], nodes[p["parent"]]
        if kind == "npar":
            cells = p["cells"] if isinstance(p["cells"], int) else len(p["cells"])
            cores = p.get("cores", cells * parent["cpc"])
        elif kind == "vpar":
            cores = p["cores"]
        else:
            raise Unsupported(f"partition {p['name']}: kind {kind!r} is not modelled by the peer")
        nodes[p["name"]] = dict(kind=kind, parent=p["parent"], cores=cores, speed=parent["speed"],
                                cpc=parent.get("cpc"))
    has_children = {n["parent"] for n in nodes.values() if n["parent"]}
    vpars = {name: VPar(name, n["cores"], n["speed"])
             for name, n in nodes.items() if name not in has_children}

    latency = duration_ms(raw.get("managers", {}).get("latency", {}).get("vpar", "2s"))
    domains = []
    for d in raw.get("policies", []):
        if d.get("mode", "managed") != "managed" or "ticap" in d:
            raise Unsupported(f"domain {d['domain']}: only managed domains without TiCAP")
        comps = []
        for c in d["compartments"]:
            name = c["partition"]
            if nodes[name]["kind"] != "vpar" or nodes[name]["parent"] != d["domain"]:
                raise Unsupported(f"compartment {name}: only vPars of the domain node")
            pol = c["policy"]
            kind = pol["type"]
            if kind == "fixed":
                lo = hi = pol["cores"]
                owned, target = 0, 1.0
            elif kind in ("utilization", "own_borrow"):
                lo, hi = pol["min"], pol["max"]
                owned = pol.get("owned", 0)
                target = pol.get("target", 75 if kind == "own_borrow" else None) / 100
            else:
                raise Unsupported(f"compartment {name}: policy {kind!r} is not modelled by the peer")
            weight = c.get("weight", owned if kind == "own_borrow" else 1)
            comps.append(Compartment(vpars[name], kind, lo, hi, owned, target,
                                     c.get("priority", 1), float(weight)))
        members = {c["partition"] for c in d["compartments"]}
        reserved = sum(n["cores"] for name, n in nodes.items()
                       if n["parent"] == d["domain"] and name not in members)
        domains.append(Domain(d["domain"], nodes[d["domain"]]["cores"] - reserved, comps,
                              duration_ms(d.get("interval", "15s")), latency))

    workloads = []
    for w in raw["workloads"]:
        if "trace" not in w or w.get("format", "native") != "native":
            raise Unsupported(f"workload {w['name']}: only native traces are modelled by the peer")
        if str(w["trace"]).endswith(".parquet"):
            raise Unsupported(f"workload {w['name']}: Parquet traces are not read by the peer")
        vp = vpars[w["partition"]]
        if w["units"] == "cores":
            scale = 1.0
        elif w["units"] == "percent":
            scale = w["source"]["cores"] * w["source"].get("speed", 1.0) / 100.0
        else:
            raise Unsupported(f"workload {w['name']}: units {w['units']!r}")
        hint = duration_ms(w["step"]) if "step" in w else None
        step, data = read_wide_trace(path.parent / w["trace"], hint)
        series = data[w.get("column", w["name"])]
        if not w.get("repeat", False) and len(series) * step < horizon:
            raise Unsupported(f"workload {w['name']}: trace shorter than the horizon")
        wl = Workload(w["name"], vp, w.get("on_shortfall", "delay") == "drop",
                      series, step, scale, w.get("repeat", False))
        wl.trace_key = (w["trace"], step)
        vp.workloads.append(wl)
        workloads.append(wl)
    report_step = raw.get("report", {}).get("step")
    report_step = duration_ms(report_step) if report_step else min(w.step_ms for w in workloads)
    return dict(name=sc["name"], horizon=horizon, vpars=vpars, domains=domains,
                workloads=workloads, report_step=report_step)


def simulate(model, grouped=False):
    env = simpy.Environment()
    counter = [0]
    if grouped:
        streams = {}
        for w in model["workloads"]:
            streams.setdefault(w.trace_key, []).append(w)
        for members in streams.values():
            env.process(demand_process(env, members, members[0].step_ms, counter))
    else:
        for w in model["workloads"]:
            env.process(demand_process(env, [w], w.step_ms, counter))
    for dom in model["domains"]:
        env.process(manager_process(env, dom, counter))
    env.run(until=model["horizon"])
    for vp in model["vpars"].values():
        vp.advance(model["horizon"])
    return counter[0]


def allocation_rows(vp, horizon, step):
    """Mean allocation [reference cores] per report row, from the vPar's core changes."""
    rows = []
    times = [t for t, _ in vp.changes]
    for start in range(0, horizon, step):
        end = min(start + step, horizon)
        i = bisect.bisect_right(times, start) - 1
        area, t = 0.0, start
        while t < end:
            nxt = times[i + 1] if i + 1 < len(times) else horizon
            seg_end = min(nxt, end)
            area += vp.changes[i][1] * (seg_end - t)
            t = seg_end
            i += 1
        rows.append(area / (end - start) * vp.speed)
    return rows


def run(scenario, rows=False, grouped=False):
    """Build, simulate and report one scenario: the dict that --json writes."""
    t0 = time.perf_counter()
    model = build(scenario)
    t1, c1 = time.perf_counter(), time.process_time()
    wakeups = simulate(model, grouped)
    t2, c2 = time.perf_counter(), time.process_time()
    horizon = model["horizon"]
    out = dict(
        scenario=model["name"],
        horizon_ms=horizon,
        workloads={w.name: dict(
            vpar=w.vpar.name,
            on_shortfall="drop" if w.drop else "delay",
            demand_core_hours=w.demand / MS_PER_HOUR,
            served_core_hours=w.served / MS_PER_HOUR,
            dropped_core_hours=w.dropped / MS_PER_HOUR,
            backlog_core_hours=w.backlog / MS_PER_HOUR,
            unmet_core_hours=(w.dropped + w.backlog) / MS_PER_HOUR,
        ) for w in model["workloads"]},
        vpars={vp.name: dict(
            mean_allocation_cores=vp.held_ms / horizon,
            reallocations=vp.reallocations,
        ) for vp in model["vpars"].values()},
        domains={d.name: dict(arbitrations=d.ticks) for d in model["domains"]},
        timing=dict(load_seconds=t1 - t0, simulate_seconds=t2 - t1, simulate_cpu_seconds=c2 - c1,
                    process_wakeups=wakeups, grouped=grouped),
    )
    if rows:
        out["report_step_ms"] = model["report_step"]
        out["rows"] = {vp.name: allocation_rows(vp, horizon, model["report_step"])
                       for vp in model["vpars"].values()}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--json", help="write the results here (default: stdout)")
    ap.add_argument("--rows", action="store_true", help="add each vPar's allocation per report row")
    ap.add_argument("--grouped", action="store_true",
                    help="one demand process per trace file instead of one per workload")
    ap.add_argument("--float-ties", action="store_true",
                    help="diagnostic: let float noise break rounding ties as vsesim does today")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    global FLOAT_TIES
    FLOAT_TIES = args.float_ties
    try:
        out = run(args.scenario, args.rows, args.grouped)
    except (Unsupported, KeyError, OSError) as e:
        print(f"simpy_peer: {args.scenario}: {e}", file=sys.stderr)
        return 2
    text = json.dumps(out, indent=1)
    if args.json:
        Path(args.json).write_text(text)
    else:
        print(text)
    if not args.quiet:
        t = out["timing"]
        print(f"simpy_peer: {out['scenario']}: {len(out['workloads'])} workloads, "
              f"{len(out['vpars'])} vPars, {len(out['domains'])} domains; "
              f"load {t['load_seconds']:.3f} s, simulate {t['simulate_seconds']:.3f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
