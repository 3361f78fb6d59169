//! The closing section of each command's `--help`: real command lines a new user can paste in
//! the project folder of a fresh clone (they use only `scenarios/` and `traces/`). Kept apart
//! from the argument definitions so that help text and flags change independently.
//!
//! `tests/tour.rs` runs every `vsesim …` line below in a scratch copy of the project (`run`
//! before `plot` and `export`, which read its folder; `sweep` before `merge`) and expects exit
//! status 0, or the one a line's comment names (`exits 3`): an example that stops working
//! fails the tests.

pub const VSESIM: &str = "\
Examples:
  vsesim                                   # the bundled demo, scenarios/demo.toml, into output/demo/
  vsesim run scenarios/consolidation-ownborrow.toml
  vsesim run --help                        # every file a run writes; each command has examples
";

pub const RUN: &str = "\
Files written to DIR (default output/<scenario name>/; field by field in docs/OUTPUT.md):
  summary.json          every figure of the table and more, per workload, partition and server
  timeseries.parquet    demand, allocation, served work, backlog and utilization per entity and
                        sample
  timeseries.csv        the same as CSV, with --csv or `timeseries_csv = true` under [report]
  stats.parquet         the statistics of summary.json as one table, a row per entity and resource
  stats.csv             the same as CSV
  charts/*.png, *.svg   demand against capacity per server, partition and workload, stacked
                        demand and a utilization heat map per server, the cost breakdown
  report.html           one page readable offline: the verdict and its culprit, the datacenter
                        tree, the planning answers and advice, the tables and the charts
  replicas.json         with --replicas: mean availability and unmet work over the replicas,
                        with 95 % confidence intervals
  run.json              written last, so its presence marks a complete run: vsesim's version
                        and the timings

Examples:
  vsesim run                                          # the demo, scenarios/demo.toml
  vsesim run scenarios/ha-cluster.toml --replicas 200
  vsesim run scenarios/consolidation-fixed.toml -o output/fixed --csv --fail-on exceeds   # exits 3: it exceeds
";

pub const COMPARE: &str = "\
Examples:
  vsesim compare scenarios/consolidation-fixed.toml scenarios/consolidation-ownborrow.toml
  vsesim compare scenarios/demo.toml scenarios/consolidation-ownborrow.toml -o output/demo-vs-ownborrow -q
";

pub const PLOT: &str = "\
Examples:
  vsesim plot output/demo    # after `vsesim run`
  vsesim plot output/compare-consolidation-fixed-vs-consolidation-ownborrow/consolidation-fixed    # one scenario of `vsesim compare`
";

pub const IMPORT: &str = "\
Examples (traces/ holds a small sample of every format; traces/README.md):
  vsesim import planetlab traces/planetlab -o output/planetlab.parquet
  vsesim import alibaba-machine traces/alibaba -o output/alibaba.parquet --memory-gb 256
  vsesim import capprofile traces/capprofile -o output/profiles.parquet
";

pub const EXPORT: &str = "\
Examples:
  vsesim export capprofile output/demo -o output/demo-profiles --ghz 1.6      # after `vsesim run`
  vsesim export capprofile traces/estate.csv -o output/estate-profiles --cores 8 --ghz 1.6 --memory-gb 64
";

pub const PLAN: &str = "\
Examples:
  vsesim plan scenarios/plan-planetlab.toml           # writes output/plan-planetlab/
  vsesim run output/plan-planetlab/planetlab-plan.toml
  vsesim compare output/plan-planetlab/planetlab-plan.toml output/plan-planetlab/planetlab-sum-of-peaks.toml
";

pub const SYNTH: &str = "\
Examples:
  vsesim synth traces/estate.toml -o output/estate.parquet
  vsesim synth traces/estate.toml -o output/estate.csv
";

pub const VALIDATE: &str = "\
Examples:
  vsesim validate scenarios/demo.toml
  vsesim validate scenarios/ha-cluster.toml --max-memory 512M
";

pub const SWEEP: &str = "\
Examples:
  vsesim sweep scenarios/sweep-ownborrow.toml         # writes output/sweep-ownborrow/; rerun to resume
  vsesim sweep scenarios/sweep-ownborrow.toml -o output/sharded --shard 1/2
  vsesim sweep scenarios/sweep-ownborrow.toml -o output/sharded --shard 2/2
";

pub const MERGE: &str = "\
Examples:
  vsesim sweep scenarios/sweep-ownborrow.toml -o output/sharded --shard 1/2   # on one machine
  vsesim sweep scenarios/sweep-ownborrow.toml -o output/sharded --shard 2/2   # on another
  vsesim merge output/sharded                         # both shard folders copied under one
";

pub const SAMPLES: &str = "\
Examples:
  vsesim samples traces --seed 2026                   # the samples shipped in traces/
  vsesim samples output/samples --seed 7              # the same formats with other values
";
