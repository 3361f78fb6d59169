#!/usr/bin/env python3
"""The scale scenario of issue #9: 10,000 workloads on 1,250 vPars in 125 nPars of 25
complexes, a year of 5-minute synthetic demand, gWLM utilization and OwnBorrow policies at a
60-second interval, Temporary Instant Capacity on half the complexes and Pay per use on the
other half.

    python3 benches/scale/generate.py [--complexes 25] [--days 365] > scale.toml

Each complex: 4 cells of 16 cores (64 installed); 5 nPars of 12 cores (10 vPars each, one
per compartment of a gWLM domain); each vPar runs 8 workloads whose daily peaks are spread
over the day, so the domains have cores to move.
"""
import argparse

p = argparse.ArgumentParser()
p.add_argument("--complexes", type=int, default=25)
p.add_argument("--npars", type=int, default=5)
p.add_argument("--vpars", type=int, default=10)
p.add_argument("--workloads", type=int, default=8)
p.add_argument("--days", type=int, default=365)
p.add_argument("--timeseries", action="store_true", help="keep the time series (off by default)")
a = p.parse_args()

out = []
w = out.append
w(f'[scenario]\nname = "scale"\ndescription = "{a.complexes} complexes, {a.complexes*a.npars} nPars, '
  f'{a.complexes*a.npars*a.vpars} vPars, {a.complexes*a.npars*a.vpars*a.workloads} workloads, {a.days} days"\n'
  f'horizon = "{a.days}d"\nseed = 9\n')
w(f'[report]\ntimeseries = {"true" if a.timeseries else "false"}\n')
cores_per_npar = 12
for c in range(a.complexes):
    sd = f"sd{c:02d}"
    active = a.npars * cores_per_npar
    w(f'[[servers]]\nname = "{sd}"\ncells = {a.npars}\ncores_per_cell = 16\nmemory_gb_per_cell = 128\n'
      f'active_cores = {active}')
    if c % 2 == 0:
        w('ticap = { balance_core_minutes = 432000, price_per_core_day = 40 }\n')
    else:
        w(f'ppu = {{ metric = "percent", price_per_core_month = 300, fixed_per_month = 1000, cap_cores = {active} }}\n')
    for n in range(a.npars):
        np_ = f"{sd}-np{n}"
        w(f'[[partitions]]\nname = "{np_}"\nkind = "npar"\nparent = "{sd}"\ncells = 1\ncores = {cores_per_npar}\n')
        for v in range(a.vpars):
            w(f'[[partitions]]\nname = "{np_}-vp{v}"\nkind = "vpar"\nparent = "{np_}"\ncores = 1\nmin_cores = 1\nmax_cores = 3\n')
        w(f'[[policies]]\ndomain = "{np_}"\ninterval = "60s"\n')
        for v in range(a.vpars):
            if v % 2 == 0:
                pol = 'policy = { type = "utilization", target = 75, min = 1, max = 3 }'
            else:
                pol = 'policy = { type = "own_borrow", owned = 1, min = 1, max = 3, target = 75 }'
            w(f'[[policies.compartments]]\npartition = "{np_}-vp{v}"\n{pol}\n')
        for v in range(a.vpars):
            for k in range(a.workloads):
                hour = (v * 3 + k * 5) % 24
                w(f'[[workloads]]\nname = "{np_}-vp{v}-w{k}"\npartition = "{np_}-vp{v}"\nunits = "cores"\n'
                  f'synth = {{ pattern = "diurnal", mean = 0.12, peak = 0.3, peak_hour = {hour}, noise = 0.1 }}\n')
print("\n".join(out))
