//! HP Capacity Advisor profiles end to end (issue #11, item 1): `vsesim import capprofile`
//! on hand-written profiles (values derived by hand below), a catalogue of malformed ones
//! (exit 2, file:line and field named), `vsesim export capprofile` from native traces and from
//! a run's folder, and the round trip export → import on a written trace and on the real
//! Bitbrains one.

use crate::common::*;
use std::path::{Path, PathBuf};
use vsesim::workload::{Series, native::NativeTrace};

/// Relative error a value may pick up going through a profile: printed to 6 significant
/// digits (at most 5 parts in 10⁶), and stored as f32 by the native format (6 in 10⁸).
const ROUNDING: f64 = 5.1e-6;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= ROUNDING * a.abs().max(b.abs()) + 1e-12
}

/// The rows of OUT.sources.csv, as (workload, cores, mhz_per_core, memory_gb).
fn sources(path: &Path) -> Vec<(String, f64, Option<f64>, Option<f64>)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let num = |r: &csv::StringRecord, n: &str| r.get(col(n)).unwrap().parse::<f64>().ok();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r.get(col("workload")).unwrap().to_owned(),
                num(&r, "cores").unwrap(),
                num(&r, "mhz_per_core"),
                num(&r, "memory_gb"),
            )
        })
        .collect()
}

/// Every column of two traces agrees within [`ROUNDING`], workload by workload.
fn assert_same_series(a: &NativeTrace, b: &NativeTrace) {
    assert_eq!(a.series.len(), b.series.len());
    for (name, x) in &a.series {
        let y = series(b, name);
        assert_eq!((x.start_ms, x.step_ms), (y.start_ms, y.step_ms), "{name}");
        let columns = |s: &Series| {
            [
                Some(s.cpu.clone()),
                s.memory_gb.clone(),
                s.disk_mbps.clone(),
                s.network_mbps.clone(),
            ]
        };
        for (c, (u, v)) in columns(x).iter().zip(columns(y)).enumerate() {
            assert_eq!(u.is_some(), v.is_some(), "{name}: column {c}");
            let (Some(u), Some(v)) = (u, v) else { continue };
            assert_eq!(u.len(), v.len(), "{name}: column {c}");
            for (k, (p, q)) in u.iter().zip(&v).enumerate() {
                assert!(
                    close(f64::from(*p), f64::from(*q)),
                    "{name}: column {c}, sample {k}: {p} became {q}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Import: values derived by hand

/// A profile with every header line, an unknown one, a duplicate time and a missing sample.
const DB01: &str = "\
#Profile: db01
#Host: db01.example.com
#CPU: 8@1.6GHz
#Memory: 16 GB
#OS: HP-UX
#Model: ia64 hp server rx8640
#ProcessorString: Intel Itanium 2 9100 series
#ProcessorFamily: ia64
#Version: 7.2
#Exported by: capprofile -x (a comment line, skipped)
YYYYMMDDhhmm, UTIS, CPU_UTIL, MEM_UTIL, DISK_UTIL, NET_UTIL, CPU_ALLOC
202401010005, 1704067500, 50, 25, 10, 1.5, 8
202401010010, 1704067800, 25, 50, 20, 2, 8
202401010010, 1704067800, 75, 50, 30, 3, 8
202401010020, 1704068400, 12.5, NA, 0, 0, 8
";

#[test]
fn a_hand_written_profile_gives_the_values_derived_by_hand() {
    let dir = scratch("cap-hand");
    std::fs::write(dir.join("db01.txt"), DB01).unwrap();
    let stdout = vsesim_ok(
        &["import", "capprofile", "db01.txt", "-o", "db.parquet"],
        &dir,
    );
    let trace = read_native(&dir.join("db.parquet"));
    let s = series(&trace, "db01");
    // Steps of 5 minutes from 00:05 to 00:20 (stamped at their end): time_s 0 … 900.
    assert_eq!((s.start_ms, s.step_ms, s.cpu.len()), (0, 300_000, 4));
    // CPU_UTIL 50 % of 8 cores = 4.0; at 00:10 the duplicate keeps its last line, 75 % =
    // 6.0; 00:15 has no line (no data): the last value, 6.0, carried; 12.5 % = 1.0.
    assert_eq!(s.cpu, [4.0, 6.0, 6.0, 1.0]);
    // MEM_UTIL 25 % of 16 GiB = 4, then 50 % = 8; NA at 00:20 carries the 8.
    assert_eq!(s.memory_gb.as_deref(), Some(&[4.0, 8.0, 8.0, 8.0][..]));
    assert_eq!(s.disk_mbps.as_deref(), Some(&[10.0, 30.0, 30.0, 0.0][..]));
    assert_eq!(s.network_mbps.as_deref(), Some(&[1.5, 3.0, 3.0, 0.0][..]));
    assert!(stdout.contains("1 duplicate"), "{stdout}");
    assert!(stdout.contains("1 no-data sample"), "{stdout}");
    assert!(stdout.contains("MEM_UTIL 1"), "{stdout}");
    assert!(
        stdout.contains("time_s 0 = 2024-01-01 00:00 UTC"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CPU_ALLOC checked but not kept"),
        "{stdout}"
    );
    let rows = sources(&dir.join("db.sources.csv"));
    assert_eq!(
        rows,
        [("db01".to_owned(), 8.0, Some(1600.0), Some(16.0))],
        "8 cores at 1.6 GHz, 16 GiB"
    );
}

/// Two profiles of different spans are aligned on one grid: zero outside each one's span.
/// A folder is read file by file; a profile without `#Profile` is named after its file.
#[test]
fn profiles_of_different_spans_share_one_grid() {
    let dir = scratch("cap-align");
    std::fs::create_dir(dir.join("in")).unwrap();
    std::fs::write(
        dir.join("in/early.txt"),
        "#CPU: 2@2\nYYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010005,0,100\n202401010010,0,50\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("in/late.txt"),
        "#Profile: late one\n#CPU: 4@2\n#Metrics: CPU_UTIL\n202401010015,0,25\n202401010020,0,25\n",
    )
    .unwrap();
    let stdout = vsesim_ok(&["import", "capprofile", "in", "-o", "x.parquet"], &dir);
    let trace = read_native(&dir.join("x.parquet"));
    assert_eq!(series(&trace, "early").cpu, [2.0, 1.0, 0.0, 0.0]);
    assert_eq!(series(&trace, "late one").cpu, [0.0, 0.0, 1.0, 1.0]);
    assert!(stdout.contains("4 steps padded"), "{stdout}");
}

// ---------------------------------------------------------------------------------------
// Import: the bad-input catalogue

/// One malformed profile and what the message must say.
struct Bad {
    name: &'static str,
    text: &'static [u8],
    /// `Some(n)`: the message names `bad.txt:n:`.
    line: Option<u64>,
    /// The field as the message names it: `` field `X` ``; empty for none.
    field: &'static str,
    words: &'static [&'static str],
}

macro_rules! bad {
    ($($name:ident: $text:expr, $line:expr, $field:literal, [$($w:literal),*];)*) => {
        const CATALOGUE: &[Bad] = &[$(Bad {
            name: stringify!($name),
            text: $text,
            line: $line,
            field: $field,
            words: &[$($w),*],
        }),*];
    };
}

bad! {
    month_13: b"#Profile: p\n#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202313010000, 0, 5\n",
        Some(4), "YYYYMMDDhhmm", ["month 13", "YYYYMMDDhhmm"];
    february_30: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010000, 0, 5\n202302300000, 0, 5\n",
        Some(4), "YYYYMMDDhhmm", ["2023-02 has no day 30"];
    hour_24: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401012400, 0, 5\n",
        Some(3), "YYYYMMDDhhmm", ["hour 24"];
    short_time: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n2024010100, 0, 5\n",
        Some(3), "YYYYMMDDhhmm", ["`2024010100` is not a time", "12 digits"];
    not_a_number: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, five\n",
        Some(3), "CPU_UTIL", ["`five` is not a number", "percent"];
    negative: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL, DISK_UTIL\n202401010005, 0, 5, -2\n",
        Some(3), "DISK_UTIL", ["-2 is negative", "MB/s"];
    nan: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, NaN\n",
        Some(3), "CPU_UTIL", ["NaN", "NA for no data"];
    infinite: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, inf\n",
        Some(3), "CPU_UTIL", ["infinite"];
    fewer_fields: b"#CPU: 4@2\n#Memory: 8\nYYYYMMDDhhmm, UTIS, CPU_UTIL, MEM_UTIL\n202401010005, 0, 5\n",
        Some(4), "MEM_UTIL", ["3 fields", "column header (line 3) has 4", "missing"];
    more_fields: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5, 6\n",
        Some(3), "column 4", ["4 fields", "has 3", "names no column 4"];
    backwards: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010010, 0, 5\n202401010005, 0, 5\n",
        Some(4), "YYYYMMDDhhmm", ["time goes backwards", "on line 3", "time order"];
    off_grid: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010000,0,1\n202401010005,0,1\n202401010010,0,1\n202401010013,0,1\n",
        Some(6), "YYYYMMDDhhmm", ["off the profile's grid", "every 300 s"];
    non_utf8_cell: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\xff\n",
        Some(3), "CPU_UTIL", ["not valid UTF-8"];
    non_utf8_header: b"#Profile: p\n#Host: caf\xe9\n#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\n",
        Some(2), "#Host", ["not valid UTF-8"];
    bad_cpu: b"#Profile: p\n#Host: h\n#CPU: eight@1.6GHz\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\n",
        Some(3), "#CPU", ["`eight` is not a core count", "8@1.6GHz"];
    fractional_cores: b"#CPU: 2.5@1.6GHz\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\n",
        Some(1), "#CPU", ["whole number of cores"];
    bad_memory: b"#CPU: 4@2\n#Memory: 16 parsecs\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\n",
        Some(2), "#Memory", ["unknown unit `parsecs`", "16384MB"];
    twice_cpu: b"#CPU: 4@2\n#CPU: 8@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\n",
        Some(2), "#CPU", ["second `#CPU`", "line 1"];
    unknown_column: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL, SWAP_UTIL\n202401010005, 0, 5, 1\n",
        Some(2), "SWAP_UTIL", ["unknown column `SWAP_UTIL`", "MEM_UTIL"];
    no_utis: b"#CPU: 4@2\nYYYYMMDDhhmm, CPU_UTIL\n202401010005, 5\n",
        Some(2), "UTIS", ["no UTIS"];
    empty_utis: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, , 5\n",
        Some(3), "UTIS", ["empty cell", "Unix time"];
    bad_utis_as_time: b"#CPU: 4@2\nUTIS, CPU_UTIL\nnoon, 5\n",
        Some(3), "UTIS", ["`noon` is not a time", "Unix time", "no YYYYMMDDhhmm column"];
    no_cpu_util: b"#CPU: 4@2\n#Memory: 8\nYYYYMMDDhhmm, UTIS, MEM_UTIL\n202401010005, 0, 5\n",
        Some(3), "CPU_UTIL", ["no CPU_UTIL"];
    no_cpu_header: b"#Profile: p\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n202401010005, 0, 5\n",
        Some(2), "#CPU", ["no `#CPU: count@GHz` line", "--cores"];
    no_memory_header: b"#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL, MEM_UTIL\n202401010005, 0, 5, 5\n",
        Some(2), "#Memory", ["no `#Memory` line", "--memory-gb"];
    sample_before_header: b"#Profile: p\n#CPU: 4@2\n202401010005, 0, 5\n",
        Some(3), "", ["before the column header", "YYYYMMDDhhmm, UTIS"];
    no_samples: b"#Profile: p\n#CPU: 4@2\nYYYYMMDDhhmm, UTIS, CPU_UTIL\n\n",
        Some(3), "", ["no samples"];
    empty_file: b"",
        None, "", ["empty file", "#Profile"];
    only_headers: b"#Profile: p\n#CPU: 4@2\n",
        None, "", ["no column header"];
}

#[test]
fn malformed_profiles_are_bad_input_naming_file_line_and_field() {
    assert!(CATALOGUE.len() >= 10);
    let dir = scratch("cap-bad");
    let mut problems = Vec::new();
    for case in CATALOGUE {
        let case_dir = dir.join(case.name);
        std::fs::create_dir(&case_dir).unwrap();
        std::fs::write(case_dir.join("bad.txt"), case.text).unwrap();
        let out = vsesim(
            &["import", "capprofile", "bad.txt", "-o", "out.parquet"],
            &case_dir,
        );
        let err = stderr(&out);
        let mut fail = |p: String| problems.push(format!("{}: {p}\n  stderr: {err}", case.name));
        if out.status.code() != Some(2) {
            fail(format!("exit code {:?}, expected 2", out.status.code()));
        }
        if err.contains("panicked") {
            fail("panicked".into());
        }
        let at = match case.line {
            Some(line) => format!("bad.txt:{line}:"),
            None => "bad.txt: ".to_owned(),
        };
        if !err.contains(&at) {
            fail(format!("does not say `{at}`"));
        }
        if !case.field.is_empty() && !err.contains(&format!("field `{}`", case.field)) {
            fail(format!("does not name field `{}`", case.field));
        }
        if case.field.is_empty() && err.contains("field `") {
            fail("names a field where there is none".into());
        }
        for w in case.words {
            if !err.contains(w) {
                fail(format!("does not say `{w}`"));
            }
        }
        if case_dir.join("out.parquet").exists() || case_dir.join("out.sources.csv").exists() {
            fail("wrote output for bad input".into());
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn two_profiles_of_one_name_name_both_files() {
    let dir = scratch("cap-dup");
    let text = "#Profile: same\n#CPU: 1@1\nYYYYMMDDhhmm,UTIS,CPU_UTIL\n202401010005,0,1\n";
    std::fs::write(dir.join("a.txt"), text).unwrap();
    std::fs::write(dir.join("b.txt"), text).unwrap();
    let out = vsesim(
        &["import", "capprofile", "a.txt", "b.txt", "-o", "x.parquet"],
        &dir,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("b.txt:1: field `#Profile`"), "{err}");
    assert!(err.contains("`same` is also in a.txt"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Export, and the round trip

/// A long trace with every column, values of many magnitudes, and names that are not file
/// names.
fn long_trace() -> String {
    let mut csv = String::from("time_s,workload,cpu,memory_gb,disk_mbps,network_mbps\n");
    for k in 0..12u32 {
        let x = f64::from(k);
        let t = k * 300;
        csv.push_str(&format!(
            "{t},web/a b,{},{},{},{}\n",
            1.2345678 + x / 7.0,
            3.3333333 * (x + 1.0),
            0.000123456 * x,
            123456.78 / (x + 1.0)
        ));
        csv.push_str(&format!("{t},db,{},{},0,{}\n", 0.1 * x, 31.9, x * x * 1e-3));
    }
    csv
}

#[test]
fn a_native_trace_survives_export_and_import() {
    let dir = scratch("cap-native");
    std::fs::write(dir.join("t.csv"), long_trace()).unwrap();
    let out = vsesim(&["export", "capprofile", "t.csv", "-o", "prof"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--cores"), "{}", stderr(&out));
    let stdout = vsesim_ok(
        &[
            "export",
            "capprofile",
            "t.csv",
            "-o",
            "prof",
            "--cores",
            "4",
            "--ghz",
            "2.5",
            "--memory-gb",
            "32",
            "--start",
            "2024-03-01",
        ],
        &dir,
    );
    assert!(stdout.contains("under a file-safe name"), "{stdout}");
    let web = std::fs::read_to_string(dir.join("prof/web_a_b.txt")).unwrap();
    let lines: Vec<&str> = web.lines().collect();
    assert_eq!(lines[0], "#Profile: web/a b");
    assert_eq!(lines[2], "#CPU: 4@2.5GHz");
    assert_eq!(lines[3], "#Memory: 32768MB");
    assert_eq!(
        lines[9],
        "YYYYMMDDhhmm,UTIS,CPU_UTIL,MEM_UTIL,DISK_UTIL,NET_UTIL"
    );
    // The first 5 minutes from 2024-03-01 00:00 UTC, stamped at their end: 1.2345678 cores
    // of 4 = 30.8642 %, 3.3333333 GiB of 32 = 10.4167 %.
    assert_eq!(
        lines[10],
        "202403010005,1709251500,30.8642,10.4167,0,123457"
    );
    vsesim_ok(
        &["import", "capprofile", "prof", "-o", "back.parquet"],
        &dir,
    );
    let original = vsesim::workload::native::read_csv(&dir.join("t.csv"), None).unwrap();
    assert_same_series(&original, &read_native(&dir.join("back.parquet")));
    let rows = sources(&dir.join("back.sources.csv"));
    assert!(rows.contains(&("web/a b".to_owned(), 4.0, Some(2500.0), Some(32.0))));
}

#[test]
fn a_wide_trace_without_time_takes_the_step() {
    let dir = scratch("cap-wide");
    std::fs::write(dir.join("w.csv"), "a,b\n1,0.5\n2,0.25\n3,0\n").unwrap();
    vsesim_ok(
        &[
            "export",
            "capprofile",
            "w.csv",
            "-o",
            "p",
            "--cores",
            "2",
            "--ghz",
            "1",
            "--step",
            "600",
        ],
        &dir,
    );
    let a = std::fs::read_to_string(dir.join("p/a.txt")).unwrap();
    // 2000-01-01 00:00 by default; 10-minute steps stamped at their end; 1 of 2 cores = 50 %.
    assert!(
        a.contains("\n200001010010,946685400,50\n200001010020,946686000,100\n"),
        "{a}"
    );
    vsesim_ok(&["import", "capprofile", "p", "-o", "back.parquet"], &dir);
    let back = read_native(&dir.join("back.parquet"));
    assert_eq!(series(&back, "a").cpu, [1.0, 2.0, 3.0]);
    assert_eq!(series(&back, "b").cpu, [0.5, 0.25, 0.0]);
    assert_eq!(series(&back, "a").step_ms, 600_000);
}

/// The real Bitbrains trace: import, export (hosts from its sources.csv), import back; all
/// 20 VMs' CPU, memory, disk and network agree within the printed precision.
#[test]
fn bitbrains_survives_export_and_import() {
    let Some(src) = shared_traces("bitbrains") else {
        return;
    };
    let dir = scratch("cap-bitbrains");
    let src = src.to_string_lossy().into_owned();
    vsesim_ok(&["import", "bitbrains", &src, "-o", "bb.parquet"], &dir);
    vsesim_ok(&["export", "capprofile", "bb.parquet", "-o", "prof"], &dir);
    let files = std::fs::read_dir(dir.join("prof")).unwrap().count();
    assert_eq!(files, 20);
    vsesim_ok(
        &["import", "capprofile", "prof", "-o", "back.parquet"],
        &dir,
    );
    let original = read_native(&dir.join("bb.parquet"));
    let back = read_native(&dir.join("back.parquet"));
    assert_eq!(original.series.len(), 20);
    assert_same_series(&original, &back);
    let mut a = sources(&dir.join("bb.sources.csv"));
    let mut b = sources(&dir.join("back.sources.csv"));
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, x.1), (&y.0, y.1));
        let (mx, my) = (x.2.unwrap(), y.2.unwrap());
        assert!((mx - my).abs() < 1e-5, "{x:?} {y:?}");
        assert!((x.3.unwrap() - y.3.unwrap()).abs() < 1e-8, "{x:?} {y:?}");
    }
}

/// A run's folder: one profile per workload and server; CPU_UTIL is demand over the host's
/// capacity, and importing it back gives the demand in host cores (× the speed: reference
/// cores again).
#[test]
fn a_run_folder_exports_every_entity() {
    let dir = scratch("cap-run");
    std::fs::write(
        dir.join("t.csv"),
        "time_s,a,b\n0,1,0.5\n300,2,0.5\n600,3,0.5\n900,6,0.5\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("s.toml"),
        r#"
[scenario]
name = "cap"
horizon = "20m"
seed = 1

[[servers]]
name = "sd"
cells = 1
cores_per_cell = 4
memory_gb_per_cell = 8
core_speed = 1.5

[[workloads]]
name = "a"
partition = "sd"
trace = "t.csv"
units = "cores"

[[workloads]]
name = "b"
partition = "sd"
trace = "t.csv"
units = "cores"
"#,
    )
    .unwrap();
    vsesim_ok(&["run", "s.toml", "-o", "out", "--quiet"], &dir);
    vsesim_ok(
        &["export", "capprofile", "out", "-o", "prof", "--ghz", "2"],
        &dir,
    );
    let sd = std::fs::read_to_string(dir.join("prof/sd.txt")).unwrap();
    // 4 cores of speed 1.5 (6 reference cores); a reference core at 2 GHz → 3 GHz cores.
    assert!(sd.contains("#CPU: 4@3GHz\n#Memory: 8192MB\n"), "{sd}");
    // First step: a + b = 1.5 of 6 reference cores = 25 %; allocation 6 = 4 of its cores.
    assert!(
        sd.contains("YYYYMMDDhhmm,UTIS,CPU_UTIL,CPU_ALLOC\n200001010005,946685100,25,4\n"),
        "{sd}"
    );
    let a = std::fs::read_to_string(dir.join("prof/a.txt")).unwrap();
    assert!(a.contains("#Host: sd\n"), "{a}");
    vsesim_ok(
        &["import", "capprofile", "prof", "-o", "back.parquet"],
        &dir,
    );
    let back = read_native(&dir.join("back.parquet"));
    // a's demand 1, 2, 3, 6 reference cores = ÷ 1.5 cores of sd.
    let cpu: Vec<f64> = series(&back, "a")
        .cpu
        .iter()
        .map(|&c| f64::from(c) * 1.5)
        .collect();
    for (got, want) in cpu.iter().zip([1.0, 2.0, 3.0, 6.0]) {
        assert!(close(*got, want), "{cpu:?}");
    }
    let rows = sources(&dir.join("back.sources.csv"));
    assert!(
        rows.contains(&("a".to_owned(), 4.0, Some(3000.0), Some(8.0))),
        "{rows:?}"
    );
    assert_eq!(rows.len(), 3);
}

#[test]
fn export_refuses_what_it_cannot_write() {
    let dir = scratch("cap-refuse");
    std::fs::write(
        dir.join("t.csv"),
        "time_s,workload,cpu,memory_gb\n0,a,1,2\n300,a,1,2\n",
    )
    .unwrap();
    for (args, says) in [
        (
            vec![
                "export",
                "capprofile",
                "t.csv",
                "-o",
                "p",
                "--cores",
                "2",
                "--ghz",
                "1",
            ],
            "--memory-gb",
        ),
        (
            vec![
                "export",
                "capprofile",
                "t.csv",
                "-o",
                "p",
                "--cores",
                "1.5",
                "--ghz",
                "1",
            ],
            "whole number",
        ),
        (
            vec![
                "export",
                "capprofile",
                "t.csv",
                "-o",
                "p",
                "--cores",
                "1",
                "--ghz",
                "1",
                "--memory-gb",
                "4",
                "--start",
                "2024-02-30",
            ],
            "2024-02 has no day 30",
        ),
        (
            vec!["export", "sar", "t.csv", "-o", "p"],
            "expected capprofile",
        ),
    ] {
        let out = vsesim(&args, &dir);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!dir.join("p").exists(), "{args:?}");
    }
    let path: PathBuf = dir.join("t.csv");
    assert!(path.exists());
}
