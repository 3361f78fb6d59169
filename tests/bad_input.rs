//! The bad-input catalogue: malformed scenarios and traces, one case per file in
//! tests/bad_input/ (a scenario `NAME.toml` and the trace files `NAME.*` it names). Each must
//! make `vsesim validate` and `vsesim run -o DIR` exit 2 with a message naming the file, the
//! line (where there is one) and the field, saying what was expected, never panic, and write
//! no output.
//!
//! A few cases carry bytes that do not belong in a text file (non-UTF-8) or binary Parquet;
//! the test writes those at run time (`generate`).

mod common;
use common::*;
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

/// Files that are not committed as text: non-UTF-8 bytes and binary Parquet.
fn generate(name: &str, dir: &Path) {
    let write = |file: &str, bytes: &[u8]| std::fs::write(dir.join(file), bytes).unwrap();
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
    for (what, args) in [
        ("validate", vec!["validate", scenario.as_str()]),
        (
            "run",
            vec!["run", scenario.as_str(), "-o", "out", "--quiet"],
        ),
    ] {
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
    let generated = ["non_utf8"];
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            NAMES.contains(&stem),
            "{} belongs to no case of tests/bad_input.rs",
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
