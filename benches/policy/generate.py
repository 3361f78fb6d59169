#!/usr/bin/env python3
"""The policy-heavy case of issue #16, the very case ../shared/limit runs: the 1,052 PlanetLab
VMs of ../shared/traces (one day, replayed), each on its own 1-core vPar (min 1, max 8), in
gWLM domains of 8 vPars on 16-core servers, a utilization policy at 75 % every 60 s, no
reallocation latency, 7 days. Percent of a 4-core source machine, as limit reads them.

    python3 benches/policy/generate.py [--days 7] [--traces DIR] > policy.toml
"""
import argparse
import os

here = os.path.dirname(os.path.abspath(__file__))
p = argparse.ArgumentParser()
p.add_argument("--days", type=int, default=7)
p.add_argument("--traces", default=os.path.join(here, "../../../shared/traces/planetlab/20110303"))
p.add_argument("--per-domain", type=int, default=8)
a = p.parse_args()

files = sorted(os.listdir(a.traces))
out = [
    '[scenario]\nname = "policy-heavy"\n'
    f'description = "{len(files)} PlanetLab VMs on 1-core vPars, gWLM domains of {a.per_domain} on 16-core servers, utilization 75 % every 60 s"\n'
    f'horizon = "{a.days}d"\nseed = 1\n',
    '[report]\ntimeseries = false\n',
    '[managers]\nlatency = { vpar = "0s" }\n',
]
w = out.append
for s in range(0, len(files), a.per_domain):
    group = files[s:s + a.per_domain]
    sd = f"sd{s // a.per_domain:03d}"
    w(f'[[servers]]\nname = "{sd}"\ncells = 4\ncores_per_cell = 4\nmemory_gb_per_cell = 64\n')
    for k, f in enumerate(group):
        w(f'[[partitions]]\nname = "{sd}-vp{k}"\nkind = "vpar"\nparent = "{sd}"\ncores = 1\nmin_cores = 1\nmax_cores = 8\n')
        w(f'[[workloads]]\nname = "{sd}-vm{k}"\npartition = "{sd}-vp{k}"\nformat = "planetlab"\n'
          f'trace = "{os.path.join(os.path.abspath(a.traces), f)}"\nsource = {{ cores = 4, speed = 1.0 }}\nrepeat = true\n')
    w(f'[[policies]]\ndomain = "{sd}"\ninterval = "60s"\n')
    for k in range(len(group)):
        w(f'[[policies.compartments]]\npartition = "{sd}-vp{k}"\n'
          'policy = { type = "utilization", target = 75, min = 1, max = 8 }\n')
print("\n".join(out))
