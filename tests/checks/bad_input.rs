//! The bad-input catalogue: malformed scenarios and traces, one case per file in
//! tests/bad_input/ (a scenario `NAME.toml` and the trace files `NAME.*` it names). Each must
//! make `vsesim validate` and `vsesim run -o DIR` exit 2 with a message naming the file, the
//! line (where there is one) and the field, saying what was expected, never panic, and write
//! no output.
//!
//! A few cases carry bytes that do not belong in a text file (non-UTF-8) or binary Parquet;
//! the test writes those at run time (`generate`).

use crate::common::*;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// One bad input and what its message must say.
struct Case {
    /// The case: its scenario is `NAME.toml`, its companion files `NAME.*`.
    name: &'static str,
    /// The file the message must name: the scenario, or the trace at fault.
    file: &'static str,
    /// The 1-based line (row in Parquet) of `file`, as `FILE:LINE:`; `None` when the error
    /// concerns the whole file.
    line: Option<usize>,
    /// The field, as the message names it (`workloads[0] (w).source`, `` field `time_s` ``);
    /// empty when there is none (a syntax error, an empty file).
    field: &'static str,
    /// Words the message must contain: what was found, what was expected.
    words: &'static [&'static str],
    /// Words it must not contain (misleading explanations).
    avoid: &'static [&'static str],
}

/// `cases! { name: "file", line, "field", ["words", …] (avoid […])?; … }` makes one test per
/// case, named after it, and `NAMES`, the list the catalogue check compares with the folder.
macro_rules! cases {
    ($($name:ident: $file:literal, $line:expr, $field:literal, [$($word:literal),* $(,)?]
        $(avoid [$($bad:literal),* $(,)?])?;)*) => {
        $(
            #[test]
            fn $name() {
                check(&Case {
                    name: stringify!($name),
                    file: $file,
                    line: $line,
                    field: $field,
                    words: &[$($word),*],
                    avoid: &[$($($bad),*)?],
                });
            }
        )*
        const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

cases! {
    // --- The TOML itself ---
    empty: "empty.toml", None, "", ["empty", "[scenario]"];
    syntax_error: "syntax_error.toml", Some(2), "", ["string", "expected"];
    non_utf8: "non_utf8.toml", Some(2), "", ["not valid UTF-8"];
    unknown_field: "unknown_field.toml", Some(19), "report.util_limt",
        ["unknown field `util_limt`", "util_limit"];
    unknown_field_inline: "unknown_field_inline.toml", Some(16), "synth.paek",
        ["unknown field `paek`", "peak"];
    unknown_table: "unknown_table.toml", Some(18), "server",
        ["unknown field `server`", "servers"];
    missing_seed: "missing_seed.toml", Some(1), "scenario", ["missing field `seed`"];
    // The message must say which key is duplicated, not only show it in the excerpt.
    duplicate_key: "duplicate_key.toml", Some(9), "cells", ["duplicate key"];
    // Users are not told Rust types: a count of cells is a whole number, 1 to 64.
    wrong_type: "wrong_type.toml", Some(8), "cells", ["\"two\"", "number"] avoid ["u32"];
    huge_cells: "huge_cells.toml", Some(8), "cells", ["9223372036854775807", "64"]
        avoid ["u32"];
    huge_integer: "huge_integer.toml", Some(9), "cores_per_cell", ["256"]
        avoid ["i128", "u32"];
    memory_with_unit: "memory_with_unit.toml", Some(10), "memory_gb_per_cell",
        ["\"16GB\"", "GiB"] avoid ["f64"];

    // --- Durations ---
    bad_duration: "bad_duration.toml", Some(3), "scenario.horizon",
        ["fortnight", "expected a duration"];
    duration_no_unit: "duration_no_unit.toml", Some(3), "scenario.horizon",
        ["3600", "expected a duration"];
    duration_string_no_unit: "duration_string_no_unit.toml", Some(3), "scenario.horizon",
        ["`3600` has no unit", "expected a duration"];
    zero_horizon: "zero_horizon.toml", Some(3), "scenario.horizon", ["positive"];
    huge_horizon: "huge_horizon.toml", Some(3), "scenario.horizon", ["too long"];
    // `-15s` is a negative duration, not an unknown unit.
    negative_interval: "negative_interval.toml", Some(26), "interval", ["negative"]
        avoid ["unknown unit"];

    // --- Workloads and units ---
    wrong_units: "wrong_units.toml", Some(15), "units", ["MHz", "cores", "percent"];
    percent_no_source: "percent_no_source.toml", Some(13), "(w).source",
        ["percent", "source = { cores"];
    source_zero_cores: "source_zero_cores.toml", Some(16), "(w).source", ["cores", "0 < N"];
    negative_mean: "negative_mean.toml", Some(16), "(w).synth", ["mean", "-1", "≥ 0"];
    nan_mean: "nan_mean.toml", Some(16), "(w).synth", ["mean", "NaN"];
    negative_memory: "negative_memory.toml", Some(17), "(w).memory_gb", ["GiB ≥ 0"];
    negative_disk: "negative_disk.toml", Some(17), "(w).disk_mbps", ["MB/s ≥ 0"];
    nan_network_capacity: "nan_network_capacity.toml", Some(11), "(sd).network_mbps",
        ["MB/s ≥ 0"];
    unknown_target_server: "unknown_target_server.toml", Some(19), "report.target_server",
        ["`sd9`", "[[servers]]"];
    trace_and_synth: "trace_and_synth.toml", Some(16), "(w).synth", ["not both"];
    neither_trace_nor_synth: "neither_trace_nor_synth.toml", Some(13), "(w).trace",
        ["trace", "synth"];
    duplicate_workload: "duplicate_workload.toml", Some(25), "workloads[1] (w).name",
        ["already", "unique"];
    unknown_workload_partition: "unknown_workload_partition.toml", Some(14),
        "(w).partition", ["`vp9`"];

    // --- The partition tree ---
    partition_cycle: "partition_cycle.toml", Some(15), "partitions[0] (a).parent",
        ["cycle", "a → b → a"];
    partition_self_parent: "partition_self_parent.toml", Some(15), "(a).parent",
        ["cycle", "a → a"];
    unknown_parent: "unknown_parent.toml", Some(15), "(vp1).parent", ["unknown parent `np9`"];
    duplicate_partition: "duplicate_partition.toml", Some(19), ".name",
        ["`vp1`", "line 13", "unique"];
    partition_named_like_server: "partition_named_like_server.toml", Some(13), ".name",
        ["`sd`", "line 7", "unique"];
    wrong_kind: "wrong_kind.toml", Some(14), "kind", ["lpar", "npar", "vpar", "vm", "srp"];
    reversed_tree: "reversed_tree.toml", Some(21), "(np).parent", ["npar", "vm", "server"];
    vm_entitlement_too_low: "vm_entitlement_too_low.toml", Some(17), "(g).entitlement",
        ["5 to 100"];
    // IV6/IV7 by hand: the 4-vCPU guest at 25 % holds a quarter of each of the 4 cores, so a
    // 1-vCPU guest finds 75 % on any core, not the 80 % it is entitled to.
    vm_distinct_pcpu: "vm_distinct_pcpu.toml", Some(24), "(small).entitlement",
        ["`small`", "80 %", "`wide`", "25 %", "leaving 75 %", "distinct core"];

    // --- gWLM policies and WLM ---
    // No conditional policy in these: the message must not blame one, and must name the
    // compartments rather than number them.
    policy_minimums_exceed_domain: "policy_minimums_exceed_domain.toml", Some(25),
        "policies[0] (sd)", ["minimums", "9", "8", "vp2"] avoid ["conditional"];
    policy_min_above_max: "policy_min_above_max.toml", Some(29), "compartments[0] (vp1)",
        ["min 6", "max 3"] avoid ["conditional"];
    fixed_policies_overcommitted: "fixed_policies_overcommitted.toml", Some(25),
        "policies[0] (sd)", ["fixed", "9", "8", "vp2"] avoid ["conditional"];
    own_borrow_owned_exceed: "own_borrow_owned_exceed.toml", Some(25), "policies[0] (sd)",
        ["owned", "10", "8", "vp2"] avoid ["conditional"];
    policy_unknown_type: "policy_unknown_type.toml", Some(29), "policy.type",
        ["greedy", "own_borrow"];
    policy_target_over_100: "policy_target_over_100.toml", Some(29), "(vp1).policy.target",
        ["150", "at most 100"];
    policy_not_a_child: "policy_not_a_child.toml", Some(32),
        "compartments[1] (vp9).partition", ["`vp9`"];
    policy_max_beyond_partition: "policy_max_beyond_partition.toml", Some(30),
        "(vp1).policy.max", ["6", "1 to 4"];
    wlm_on_gwlm_domain: "wlm_on_gwlm_domain.toml", Some(48), "wlm[0] (vp1).host",
        ["gWLM domain"];

    // --- Instant Capacity, TiCAP, Pay per use ---
    ticap_without_balance: "ticap_without_balance.toml", Some(29), "policies[0] (sd).ticap",
        ["no TiCAP balance", "balance_core_minutes"];
    ticap_on_vpar_domain: "ticap_on_vpar_domain.toml", Some(29), "(sd).ticap", ["nPars"];
    active_beyond_rights: "active_beyond_rights.toml", Some(7), "(sd).active_cores",
        ["8 active cores", "4 usage rights"];
    ppu_with_icap: "ppu_with_icap.toml", Some(12), "servers[0] (sd)",
        ["rights", "Pay per use", "mutually exclusive"];
    ppu_with_ticap: "ppu_with_ticap.toml", Some(13), "servers[0] (sd)",
        ["ticap", "Pay per use", "mutually exclusive"];
    ticap_expires_without_blocks: "ticap_expires_without_blocks.toml", Some(12),
        "(sd).ticap.expires", ["without blocks", "never"];
    ticap_price_without_blocks: "ticap_price_without_blocks.toml", Some(12),
        "(sd).ticap.price_per_block", ["without `blocks`"];

    // --- Serviceguard ---
    sg_unknown_cluster: "sg_unknown_cluster.toml", Some(36), "packages[0] (pkg).cluster",
        ["`nope`"];
    sg_unknown_node: "sg_unknown_node.toml", Some(38), "(pkg).nodes", ["`node-c`"];
    sg_unknown_workload: "sg_unknown_workload.toml", Some(37), "(pkg).workloads", ["`dbx`"];
    sg_cluster_unknown_node: "sg_cluster_unknown_node.toml", Some(32),
        "clusters[0] (sgc).nodes", ["`node-z`"];
    sg_node_outside_cluster: "sg_node_outside_cluster.toml", Some(44), "(pkg).nodes",
        ["`node-c`", "not a member", "`sgc`"];
    sg_one_node_cluster: "sg_one_node_cluster.toml", Some(32), "(sgc).nodes",
        ["at least two"];
    sg_member_timeout: "sg_member_timeout.toml", Some(32), "(sgc).member_timeout",
        ["3s to 300s"];

    // --- Failures ---
    failure_at_and_random: "failure_at_and_random.toml", Some(21), "failures[0] (sd)",
        ["`at`", "time_to_failure", "not both"];
    failure_only_ttf: "failure_only_ttf.toml", Some(18), "(sd).time_to_repair", ["both"];
    weibull_shape_zero: "weibull_shape_zero.toml", Some(20), "time_to_failure.shape",
        ["`0`", "above 0"];
    weibull_shape_negative: "weibull_shape_negative.toml", Some(21), "time_to_repair.shape",
        ["-1.5", "above 0"];
    failure_unknown_target: "failure_unknown_target.toml", Some(19), "(sd9).target",
        ["`sd9`"];
    failure_unknown_dist: "failure_unknown_dist.toml", Some(20), "time_to_failure.dist",
        ["lognormal", "weibull"];
    failure_core_on_partition: "failure_core_on_partition.toml", Some(25), "(vp1).target",
        ["server"];

    // --- Native CSV traces: values ---
    trace_negative: "trace_negative.csv", Some(3), "field `w`", ["-2", "negative"];
    trace_nan: "trace_nan.csv", Some(4), "field `w`", ["NaN"];
    trace_infinite: "trace_infinite.csv", Some(3), "field `w`", ["infinite"];
    trace_text: "trace_text.csv", Some(4), "field `w`", ["`abc` is not a number"];
    trace_huge: "trace_huge.csv", Some(3), "field `w`", ["too large"];
    trace_empty_cell: "trace_empty_cell.csv", Some(3), "field `w`", ["empty cell"];
    trace_non_utf8: "trace_non_utf8.csv", Some(4), "field `w`", ["not valid UTF-8"];

    // --- Native CSV traces: time ---
    trace_out_of_order: "trace_out_of_order.csv", Some(4), "field `time_s`",
        ["backwards", "line 3"];
    trace_duplicate_time: "trace_duplicate_time.csv", Some(4), "field `time_s`",
        ["duplicate time 300 s", "line 3"];
    trace_gap: "trace_gap.csv", Some(4), "field `time_s`", ["gap", "600 s", "900 s"];
    trace_uneven_step: "trace_uneven_step.csv", Some(4), "field `time_s`",
        ["uneven step", "450 s"];
    trace_negative_time: "trace_negative_time.csv", Some(2), "field `time_s`",
        ["-300", "negative"];
    trace_huge_time: "trace_huge_time.csv", Some(4), "field `time_s`", ["too large"];
    trace_no_step: "trace_no_step.csv", Some(1), "`time_s`", ["set `step`"];
    trace_step_disagrees: "trace_step_disagrees.csv", Some(3), "field `time_s`",
        ["300 s", "600 s"];
    trace_too_short: "trace_too_short.toml", Some(16), "(w).trace",
        ["covers 10m", "horizon is 20m", "repeat"];

    // --- Native CSV traces: shape ---
    trace_empty: "trace_empty.csv", None, "", ["empty file", "header"];
    trace_header_only: "trace_header_only.csv", None, "", ["header but no rows"];
    trace_blank_line: "trace_blank_line.csv", Some(3), "", ["blank line"];
    trace_ragged_row: "trace_ragged_row.csv", Some(3), "", ["3 fields", "header has 2"];
    trace_missing_column: "trace_missing_column.toml", Some(16), "(w).column",
        ["trace_missing_column.csv", "no workload `w`", "web"];
    trace_duplicate_column: "trace_duplicate_column.csv", Some(1), "field `w`",
        ["duplicate column", "columns 2 and 3"];
    trace_long_no_cpu: "trace_long_no_cpu.csv", Some(1), "`cpu`", ["long layout"];
    trace_long_lengths: "trace_long_lengths.csv", Some(5), "field `workload`",
        ["`v` has 2 samples", "`w` has 4"];
    trace_wide_memory: "trace_wide_memory.csv", Some(1), "field `memory_gb`",
        ["long layout"];
    // The scenario line that names the missing file, as every other scenario error.
    trace_missing_file: "trace_missing_file.toml", Some(16), "(w).trace",
        ["nope.csv", "no such file"];

    // --- PlanetLab ---
    planetlab_text: "planetlab_text.txt", Some(3), "field `cpu_percent`",
        ["`idle`", "0 to 100"];
    planetlab_over_100: "planetlab_over_100.txt", Some(3), "field `cpu_percent`",
        ["150", "0 to 100"];
    planetlab_negative: "planetlab_negative.txt", Some(2), "field `cpu_percent`",
        ["-5", "0 to 100"];
    planetlab_two_columns: "planetlab_two_columns.txt", Some(2), "field `cpu_percent`",
        ["`20 30`"];
    planetlab_empty: "planetlab_empty.txt", None, "field `cpu_percent`", ["empty file"];
    planetlab_non_utf8: "planetlab_non_utf8.txt", Some(3), "field `cpu_percent`",
        ["not valid UTF-8"];

    // --- Parquet ---
    parquet_not_parquet: "parquet_not_parquet.parquet", None, "",
        ["not a readable Parquet file"];
    parquet_truncated: "parquet_truncated.parquet", None, "", ["not a readable Parquet file"];
    parquet_missing_column: "parquet_missing_column.toml", Some(16), "(w).column",
        ["parquet_missing_column.parquet", "no workload `w`", "web"];
    parquet_negative: "parquet_negative.parquet", Some(3), "field `w`", ["-2", "negative"];

    // --- Issue 18, from its text: what validate accepted and run refused, what aborted or
    // hung, what was accepted silently, and the messages that named the wrong cause. ---
    cond_otherwise_fixed_overcommitted: "cond_otherwise_fixed_overcommitted.toml", Some(41), "policies[0] (sd).compartments",
        ["otherwise", "10", "8", "vp2"];
    cond_otherwise_min_above_max: "cond_otherwise_min_above_max.toml", Some(46), "policies[0] (sd).compartments[0] (vp1).policy.otherwise",
        ["min 5", "max 2", "otherwise"];
    cond_otherwise_minimums_exceed_domain: "cond_otherwise_minimums_exceed_domain.toml", Some(41), "policies[0] (sd).compartments",
        ["otherwise", "minimums", "9", "8"];
    cond_otherwise_owned_exceed: "cond_otherwise_owned_exceed.toml", Some(41), "policies[0] (sd).compartments",
        ["otherwise", "owned", "10", "8"];
    custom_policy_missing_trace: "custom_policy_missing_trace.toml", Some(46), "policies[0] (sd).compartments[0] (vp1).policy.trace",
        ["nope.csv", "no such file"] avoid ["column"];
    custom_policy_trace_fifo: "custom_policy_trace_fifo.csv", None, "",
        ["FIFO", "not a regular file"];
    custom_policy_trace_huge: "custom_policy_trace_huge.csv", Some(3), "field `vp1`",
        ["1000000000000", "too large", "1,000,000"];
    custom_policy_trace_long_line: "custom_policy_trace_long_line.csv", Some(3), "",
        ["line 3", "longer than 1 MiB"];
    custom_policy_trace_many_digits: "custom_policy_trace_many_digits.csv", Some(3), "field `vp1`",
        ["320 characters", "too large"] avoid ["infinite"];
    custom_policy_trace_tabs: "custom_policy_trace_tabs.csv", Some(1), "",
        ["tabs", "commas"] avoid ["no `time_s` column"];
    failure_after_horizon: "failure_after_horizon.toml", Some(20), "failures[0] (sd).at",
        ["2h", "horizon is 1h", "before the horizon"];
    failure_at_horizon: "failure_at_horizon.toml", Some(20), "failures[0] (sd).at",
        ["1h", "before the horizon"];
    failure_core_after_horizon: "failure_core_after_horizon.toml", Some(21), "failures[0] (sd).at",
        ["30d", "before the horizon"];
    many_compile_errors: "many_compile_errors.toml", Some(16), "workloads[0] (w0).synth",
        ["workloads[1] (w1).partition", "`nowhere`", "workloads[2] (w0).name", "3 errors"];
    many_parse_errors: "many_parse_errors.toml", Some(8), "servers[0].cels",
        ["did you mean `cells`", "partitions[0].coers", "did you mean `cores`", "workloads[0].unit", "did you mean `units`", "3 errors"];
    many_trace_errors: "many_trace_errors.csv", Some(3), "field `w`",
        ["-3 is negative", "many_trace_errors.txt:2:", "200 is out of range", "2 errors"];
    memory_max_flag: "memory_max_flag.toml", None, "",
        ["would need about", "100 workloads", "--max-memory is 37.0 MiB"];
    memory_per_cell_1e308: "memory_per_cell_1e308.toml", Some(10), "servers[0] (sd).memory_gb_per_cell",
        ["1e308", "1 PiB"];
    memory_per_cell_2pib: "memory_per_cell_2pib.toml", Some(10), "servers[0] (sd).memory_gb_per_cell",
        ["2097152", "1 PiB"];
    memory_per_cell_inf: "memory_per_cell_inf.toml", Some(10), "servers[0] (sd).memory_gb_per_cell",
        ["inf", "1 PiB"];
    memory_scenario_file: "memory_scenario_file.toml", None, "",
        ["reading this", "--max-memory is 40.0 MiB"];
    memory_timeseries_rows: "memory_timeseries_rows.toml", None, "",
        ["would need about", "time-series rows", "--max-memory is 200.0 MiB"];
    metric_goal_missing_trace: "metric_goal_missing_trace.toml", Some(38), "wlm[0] (sd).slo[0] (s1).goal.trace",
        ["nope.csv", "no such file"] avoid ["column"];
    metric_goal_trace_dev_zero: "/dev/zero", None, "",
        ["character device", "not a regular file"];
    metric_goal_trace_huge: "metric_goal_trace_huge.csv", Some(3), "field `s1`",
        ["5000000000", "too large"];
    metric_goal_trace_tabs: "metric_goal_trace_tabs.csv", Some(1), "",
        ["tabs", "commas"] avoid ["no `time_s` column"];
    name_long: "name_long.toml", Some(2), "scenario.name",
        ["5000 bytes", "at most 200"];
    name_newline: "name_newline.toml", Some(2), "scenario.name",
        ["control character U+000A"];
    name_nul: "name_nul.toml", Some(2), "scenario.name",
        ["control character U+0000"];
    parquet_decimal: "parquet_decimal.parquet", None, "field `w`",
        ["decimal", "cast it to double"] avoid ["panicked", "backtrace", "corrupt"];
    parquet_f64_huge: "parquet_f64_huge.parquet", Some(3), "field `w`",
        ["1e15", "too large", "1,000,000"];
    parquet_fifo: "parquet_fifo.parquet", None, "",
        ["FIFO", "not a regular file"];
    parquet_i64_huge: "parquet_i64_huge.parquet", Some(3), "field `w`",
        ["1000000000000", "too large"];
    parquet_u64_huge: "parquet_u64_huge.parquet", Some(3), "field `w`",
        ["too large", "1,000,000"];
    parquet_zero: "parquet_zero.parquet", None, "",
        ["character device", "not a regular file"];
    partition_disk_huge: "partition_disk_huge.toml", Some(17), "partitions[0] (vp).disk_mbps",
        ["1e200", "10 TB/s"];
    partition_memory_huge: "partition_memory_huge.toml", Some(17), "partitions[0] (vp).memory_gb",
        ["1e200", "1 PiB"];
    partition_name_long: "partition_name_long.toml", Some(13), "partitions.name",
        ["300 bytes", "at most 200"];
    partition_network_huge: "partition_network_huge.toml", Some(17), "partitions[0] (vp).network_mbps",
        ["30000000", "10 TB/s"];
    percent_long_overflow: "percent_long_overflow.toml", Some(15), "workloads[0] (w).trace",
        ["5000000 reference cores", "at most 1,000,000"];
    percent_source_overflow: "percent_source_overflow.toml", Some(15), "workloads[0] (w).trace",
        ["900000000 reference cores", "at most 1,000,000"];
    planetlab_bom_inside: "planetlab_bom_inside.txt", Some(3), "field `cpu_percent`",
        ["U+FEFF", "byte-order mark"];
    planetlab_bom_line2: "planetlab_bom_line2.txt", Some(2), "field `cpu_percent`",
        ["U+FEFF", "byte-order mark"];
    planetlab_control_char: "planetlab_control_char.txt", Some(2), "field `cpu_percent`",
        ["<U+0007>", "not a number"];
    planetlab_dev_zero: "/dev/zero", None, "",
        ["character device", "not a regular file"];
    planetlab_fifo: "planetlab_fifo.txt", None, "",
        ["FIFO", "not a regular file"];
    planetlab_long_line: "planetlab_long_line.txt", Some(3), "",
        ["line 3", "longer than 1 MiB"];
    planetlab_many_digits: "planetlab_many_digits.txt", Some(2), "field `cpu_percent`",
        ["out of range", "0 to 100"];
    planetlab_nbsp: "planetlab_nbsp.txt", Some(3), "field `cpu_percent`",
        ["<U+00A0>", "not a number"];
    planetlab_sparse: "planetlab_sparse.txt", Some(1), "",
        ["line 1", "longer than 1 MiB"];
    planetlab_tab_pair: "planetlab_tab_pair.txt", Some(2), "field `cpu_percent`",
        ["<U+0009>", "not a number"];
    scenario_long_line: "scenario_long_line.toml", Some(5), "",
        ["line 5", "longer than 1 MiB"];
    server_disk_huge: "server_disk_huge.toml", Some(11), "servers[0] (sd).disk_mbps",
        ["1e20", "10 TB/s"];
    server_name_control: "server_name_control.toml", Some(7), "servers.name",
        ["control character U+0009"];
    server_network_huge: "server_network_huge.toml", Some(11), "servers[0] (sd).network_mbps",
        ["20000000", "10 TB/s"];
    slo_mincpu_above_maxcpu: "slo_mincpu_above_maxcpu.toml", Some(38), "wlm[0] (sd).slo[0] (s1).mincpu",
        ["mincpu 4", "maxcpu 1"];
    synth_burst_huge: "synth_burst_huge.toml", Some(16), "workloads[0] (w).synth.bursts.size",
        ["3000000", "at most 1,000,000 reference cores"];
    synth_growth_huge: "synth_growth_huge.toml", Some(16), "workloads[0] (w).synth.growth",
        ["1000000", "at most 100"];
    synth_mean_huge: "synth_mean_huge.toml", Some(16), "workloads[0] (w).synth.mean",
        ["2000000", "at most 1,000,000 reference cores"];
    synth_noise_huge: "synth_noise_huge.toml", Some(16), "workloads[0] (w).synth.noise",
        ["1000000", "at most 100"];
    synth_peak_huge: "synth_peak_huge.toml", Some(16), "workloads[0] (w).synth.peak",
        ["2000000", "at most 1,000,000 reference cores"];
    synth_percent_huge: "synth_percent_huge.toml", Some(16), "workloads[0] (w).synth.mean",
        ["50000000 reference cores", "at most 1,000,000"];
    trace_1e12: "trace_1e12.csv", Some(3), "field `w`",
        ["1000000000000", "too large", "1,000,000"];
    trace_5m_digits: "trace_5m_digits.csv", Some(3), "",
        ["line 3", "longer than 1 MiB"] avoid ["infinite"];
    trace_control_char: "trace_control_char.csv", Some(3), "field `w`",
        ["<U+0001>", "not a number"];
    trace_dev_null_char: "/dev/null", None, "",
        ["character device", "not a regular file"];
    trace_dev_zero: "/dev/zero", None, "",
        ["character device", "not a regular file"];
    trace_fifo: "trace_fifo.csv", None, "",
        ["FIFO", "not a regular file"];
    trace_folder: ".", None, "",
        ["a folder", "not a regular file"];
    trace_just_above_bound: "trace_just_above_bound.csv", Some(3), "field `w`",
        ["1000000.5", "too large"];
    trace_long_1e12: "trace_long_1e12.csv", Some(3), "field `cpu`",
        ["1000000000000", "too large"];
    trace_long_disk_huge: "trace_long_disk_huge.csv", Some(3), "field `disk_mbps`",
        ["2000000000", "too large"];
    trace_long_line: "trace_long_line.csv", Some(3), "",
        ["line 3", "longer than 1 MiB"];
    trace_long_memory_1e12: "trace_long_memory_1e12.csv", Some(3), "field `memory_gb`",
        ["1000000000000", "too large"];
    trace_long_memory_many_digits: "trace_long_memory_many_digits.csv", Some(3), "field `memory_gb`",
        ["500 characters", "too large"] avoid ["infinite"];
    trace_long_network_huge: "trace_long_network_huge.csv", Some(3), "field `network_mbps`",
        ["50000000", "too large"];
    trace_long_tab_separated: "trace_long_tab_separated.csv", Some(1), "",
        ["tabs", "commas"] avoid ["no `time_s` column"];
    trace_many_digits: "trace_many_digits.csv", Some(3), "field `w`",
        ["400 characters", "too large"] avoid ["infinite"];
    trace_nbsp: "trace_nbsp.csv", Some(3), "field `w`",
        ["<U+00A0>", "not a number"];
    trace_pipe_separated: "trace_pipe_separated.csv", Some(1), "",
        ["bars", "commas"] avoid ["no `time_s` column"];
    trace_semicolon_separated: "trace_semicolon_separated.csv", Some(1), "",
        ["semicolons", "commas"] avoid ["no `time_s` column"];
    trace_sparse: "trace_sparse.csv", Some(1), "",
        ["line 1", "longer than 1 MiB"];
    trace_tab_separated: "trace_tab_separated.csv", Some(1), "",
        ["tabs", "commas"] avoid ["no `time_s` column"];
    trace_time_many_digits: "trace_time_many_digits.csv", Some(3), "field `time_s`",
        ["400 characters", "too large"] avoid ["infinite"];
    trace_zero_width_space: "trace_zero_width_space.csv", Some(3), "field `w`",
        ["<U+200B>", "not a number"];
    twenty_five_errors: "twenty_five_errors.toml", Some(16), "workloads[0] (w0).synth",
        ["workloads[19] (w19).synth", "20 errors", "the first ones"] avoid ["workloads[20]"];
    two_bad_servers: "two_bad_servers.toml", Some(8), "servers[0] (sd).cells",
        ["0 cells", "servers[1] (sd2).cores_per_cell", "2 errors"];
    typo_cores: "typo_cores.toml", Some(16), "partitions[0].coers",
        ["unknown field `coers`", "did you mean `cores`?"];
    typo_kind_variant: "typo_kind_variant.toml", Some(14), "partitions[0].kind",
        ["`vpra`", "did you mean `vpar`?"];
    typo_on_shortfall: "typo_on_shortfall.toml", Some(17), "workloads[0].on_shortfall",
        ["`dorp`", "did you mean `drop`?"];
    typo_policy_type: "typo_policy_type.toml", Some(46), "policies[0].compartments[0].policy.type",
        ["`own_borow`", "did you mean `own_borrow`?"];
    typo_top_level: "typo_top_level.toml", Some(12), "workload",
        ["unknown field `workload`", "did you mean `workloads`?"];
    typo_units: "typo_units.toml", Some(15), "workloads[0].unit",
        ["unknown field `unit`", "did you mean `units`?"];
    weibull_repair_shape_tiny: "weibull_repair_shape_tiny.toml", Some(21), "failures[0] (sd).time_to_repair.shape",
        ["1e-10", "0.1 to 100"];
    weibull_shape_large: "weibull_shape_large.toml", Some(20), "failures[0] (sd).time_to_failure.shape",
        ["1000", "0.1 to 100"];
    weibull_shape_small: "weibull_shape_small.toml", Some(20), "failures[0] (sd).time_to_failure.shape",
        ["0.01", "0.1 to 100"];
    weibull_shape_tiny: "weibull_shape_tiny.toml", Some(20), "failures[0] (sd).time_to_failure.shape",
        ["1e-300", "0.1 to 100"];
    wlm_gmincpu_above_gmaxcpu: "wlm_gmincpu_above_gmaxcpu.toml", Some(38), "wlm[0] (sd).groups[0].gmincpu",
        ["gmincpu 5", "gmaxcpu 2"] avoid ["slo"];
    workload_disk_huge: "workload_disk_huge.toml", Some(17), "workloads[0] (w).disk_mbps",
        ["1e300", "10 TB/s"];
    workload_memory_huge: "workload_memory_huge.toml", Some(17), "workloads[0] (w).memory_gb",
        ["1e300", "1 PiB"];
    workload_name_long: "workload_name_long.toml", Some(13), "workloads[0].name",
        ["1000 bytes", "at most 200"];
    workload_name_nul: "workload_name_nul.toml", Some(13), "workloads[0].name",
        ["control character U+0000"];
    workload_network_huge: "workload_network_huge.toml", Some(17), "workloads[0] (w).network_mbps",
        ["1e300", "10 TB/s"];
}

fn cases_dir() -> PathBuf {
    project_root().join("tests/bad_input")
}

/// The scenario header, one 8-core server and one workload: a scenario whose only fault is
/// what a generated case adds.
const GOOD_SCENARIO: &str = "[scenario]\nname = \"generated\"\nhorizon = \"1h\"\nseed = 1\n\n\
    [[servers]]\nname = \"sd\"\ncells = 2\ncores_per_cell = 4\nmemory_gb_per_cell = 16\n\n\
    [[workloads]]\nname = \"w\"\npartition = \"sd\"\nunits = \"cores\"\n\
    synth = { pattern = \"flat\", mean = 1 }\n";

/// Arguments a case adds to `validate` and `run`: the memory limit of the memory cases, so
/// they do not depend on the machine.
fn extra_args(name: &str) -> &'static [&'static str] {
    match name {
        "memory_max_flag" => &["--max-memory", "37M"],
        "memory_timeseries_rows" => &["--max-memory", "200M"],
        "memory_scenario_file" => &["--max-memory", "40M"],
        _ => &[],
    }
}

/// A named pipe: opening it for reading would block until a writer comes.
fn fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// A CSV whose line 3 is `bytes` long: more than the readers' 1 MiB cap.
fn long_line(header: &str, bytes: usize, fill: u8) -> Vec<u8> {
    let mut v = format!("{header}\n0,1\n300,").into_bytes();
    v.extend(std::iter::repeat_n(fill, bytes));
    v.push(b'\n');
    v
}

/// Files that are not committed as text: non-UTF-8 bytes, binary Parquet, FIFOs, devices,
/// sparse files and lines of megabytes.
fn generate(name: &str, dir: &Path) {
    let write = |file: &str, bytes: &[u8]| std::fs::write(dir.join(file), bytes).unwrap();
    let typed = |file: &str, column: Column| {
        let mut df = DataFrame::new(
            4,
            vec![Column::new("time_s".into(), [0i64, 300, 600, 900]), column],
        )
        .unwrap();
        let out = std::fs::File::create(dir.join(file)).unwrap();
        ParquetWriter::new(out).finish(&mut df).unwrap();
    };
    let sparse = |file: &str| {
        // 2 GiB of zeros without a line break, on no disk space.
        let f = std::fs::File::create(dir.join(file)).unwrap();
        f.set_len(2 << 30).unwrap();
    };
    let parquet = |file: &str, column: &str, values: [f64; 4]| {
        let mut df = DataFrame::new(
            4,
            vec![
                Column::new("time_s".into(), [0i64, 300, 600, 900]),
                Column::new(column.into(), values),
            ],
        )
        .unwrap();
        let out = std::fs::File::create(dir.join(file)).unwrap();
        ParquetWriter::new(out).finish(&mut df).unwrap();
    };
    match name {
        // 0xFF in the scenario's name, on line 2.
        "non_utf8" => {
            let text = GOOD_SCENARIO.replacen("\"generated\"", "\"x@\"", 1);
            let bytes: Vec<u8> = text
                .bytes()
                .map(|b| if b == b'@' { 0xFF } else { b })
                .collect();
            write("non_utf8.toml", &bytes)
        }
        // A Latin-1 cell on line 4.
        "trace_non_utf8" => write(
            "trace_non_utf8.csv",
            b"time_s,w\n0,1\n300,1\n600,\xff\xfe1\n900,1\n",
        ),
        // `3é0` in Latin-1 on line 3.
        "planetlab_non_utf8" => write("planetlab_non_utf8.txt", b"10\n20\n3\xe90\n30\n"),
        // Valid Parquet, but the workload's column is called `web`.
        "parquet_missing_column" => parquet(
            "parquet_missing_column.parquet",
            "web",
            [1.0, 1.0, 1.0, 1.0],
        ),
        // -2 cores on row 3.
        "parquet_negative" => parquet("parquet_negative.parquet", "w", [1.0, 1.0, -2.0, 1.0]),
        // 10^12 cores on row 3, in each numeric type the issue lists.
        "parquet_i64_huge" => typed(
            "parquet_i64_huge.parquet",
            Column::new("w".into(), [1i64, 1, 1_000_000_000_000, 1]),
        ),
        "parquet_u64_huge" => typed(
            "parquet_u64_huge.parquet",
            Column::new("w".into(), [1u64, 1, 1 << 63, 1]),
        ),
        "parquet_f64_huge" => parquet("parquet_f64_huge.parquet", "w", [1.0, 1.0, 1e15, 1.0]),
        "trace_fifo" => fifo(&dir.join("trace_fifo.csv")),
        "planetlab_fifo" => fifo(&dir.join("planetlab_fifo.txt")),
        "parquet_fifo" => fifo(&dir.join("parquet_fifo.parquet")),
        "custom_policy_trace_fifo" => fifo(&dir.join("custom_policy_trace_fifo.csv")),
        "parquet_zero" => {
            std::os::unix::fs::symlink("/dev/zero", dir.join("parquet_zero.parquet")).unwrap()
        }
        "trace_sparse" => sparse("trace_sparse.csv"),
        "planetlab_sparse" => sparse("planetlab_sparse.txt"),
        "trace_long_line" => write("trace_long_line.csv", &long_line("time_s,w", 2 << 20, b'x')),
        "custom_policy_trace_long_line" => write(
            "custom_policy_trace_long_line.csv",
            &long_line("time_s,vp1", 2 << 20, b'x'),
        ),
        // The five-million-digit number: the line cap answers before any parsing.
        "trace_5m_digits" => write(
            "trace_5m_digits.csv",
            &long_line("time_s,w", 5_000_000, b'9'),
        ),
        "planetlab_long_line" => {
            let mut v = b"10\n20\n".to_vec();
            v.extend(std::iter::repeat_n(b'3', 2 << 20));
            write("planetlab_long_line.txt", &v)
        }
        // A comment of 2 MiB on line 5 of the scenario itself.
        "scenario_long_line" => {
            let path = dir.join("scenario_long_line.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            let long = format!("#{}", "L".repeat(2 << 20));
            write(
                "scenario_long_line.toml",
                text.replace("# LONG", &long).as_bytes(),
            )
        }
        _ => {}
    }
}

/// The committed files of a case: `NAME.*` in tests/bad_input.
fn committed(name: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/bad_input exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_stem().and_then(|s| s.to_str()) == Some(name))
        .collect();
    files.sort();
    files
}

/// The message without the excerpt of the source under it (`12 | text`, `   |  ^^^`), so that
/// the words are looked for in what the program says, not in the echo of the input.
fn headline(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| {
            let t = l
                .trim_start()
                .trim_start_matches(|c: char| c.is_ascii_digit());
            !t.starts_with(" |") && !t.starts_with('|')
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(case: &Case) {
    let dir = scratch(case.name);
    for file in committed(case.name) {
        std::fs::copy(&file, dir.join(file.file_name().unwrap())).unwrap();
    }
    generate(case.name, &dir);
    let scenario = format!("{}.toml", case.name);
    assert!(
        dir.join(&scenario).is_file(),
        "case `{}` has no {scenario}",
        case.name
    );
    let mut problems = Vec::new();
    for (what, mut args) in [
        ("validate", vec!["validate", scenario.as_str()]),
        (
            "run",
            vec!["run", scenario.as_str(), "-o", "out", "--quiet"],
        ),
    ] {
        args.extend(extra_args(case.name));
        let out = vsesim(&args, &dir);
        let err = stderr(&out);
        let head = headline(&err);
        let before = problems.len();
        let mut fail = |p: String| problems.push(format!("vsesim {what}: {p}"));
        if out.status.code() != Some(2) {
            fail(format!("exit code {:?}, expected 2", out.status.code()));
        }
        if err.contains("panicked") {
            fail("panicked".into());
        }
        if !head.contains(case.file) {
            fail(format!("does not name the file `{}`", case.file));
        }
        if let Some(line) = case.line {
            let at = format!("{}:{line}:", case.file);
            if !head.contains(&at) {
                fail(format!("does not give the line as `{at}`"));
            }
        }
        if !head.contains(case.field) {
            fail(format!("does not name the field `{}`", case.field));
        }
        for word in case.words {
            if !head.contains(word) {
                fail(format!("does not say `{word}`"));
            }
        }
        for word in case.avoid {
            if head.contains(word) {
                fail(format!("says `{word}`, which is misleading here"));
            }
        }
        if dir.join("out").exists() || dir.join("output").exists() {
            fail("wrote an output folder for bad input".into());
        }
        if problems.len() > before {
            problems.push(format!("vsesim {what} said:\n{err}"));
        }
    }
    assert!(
        problems.is_empty(),
        "case `{}`:\n{}",
        case.name,
        problems.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every file in tests/bad_input belongs to a case of the table, every case has its
/// scenario (committed or generated), and the catalogue keeps its size.
#[test]
fn the_catalogue_matches_the_folder() {
    assert!(NAMES.len() >= 40, "only {} cases", NAMES.len());
    // Issue 18 doubled the catalogue: 134 files before it.
    let files = std::fs::read_dir(cases_dir()).unwrap().count();
    assert!(files >= 268, "only {files} files in tests/bad_input");
    let generated = ["non_utf8"];
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            NAMES.contains(&stem),
            "{} belongs to no case of tests/checks/bad_input.rs",
            path.display()
        );
    }
    for name in NAMES {
        let toml = cases_dir().join(format!("{name}.toml"));
        assert!(
            toml.is_file() || generated.contains(name),
            "case `{name}` has no {}",
            toml.display()
        );
    }
}
