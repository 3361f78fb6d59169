//! Bitbrains GWA-T-12 (Grid Workloads Archive; `fastStorage` and `Rnd` sets): one CSV file
//! per VM, named after it, with a header line and `;`-separated columns padded with a TAB.
//!
//! Quirks of the published files and what is done with them:
//! - The header says `Timestamp [ms]`, but the values are Unix **seconds**. A value past the
//!   year 2100 is an error rather than a guess.
//! - The interval drifts (299/300/301 s) and sometimes jumps: rows are averaged into
//!   wall-clock steps (`merged` counts a second row in a step), and empty steps carry the
//!   last value (`gaps_filled`; Rnd July 2013 has a ~31-hour hole, 16–17 July, in 18 of
//!   its 20 VMs).
//! - Duplicate timestamps (`Rnd/2013-7/20.csv`): averaged, counted in `duplicates`.
//! - Rows with 0 cores and 0 capacity (a VM switched off): demand is percent × cores = 0,
//!   computed without dividing by the capacity.
//! - A time earlier than the previous row's is an error: the files are sorted, and an
//!   unsorted one is not a Bitbrains file as published.
//!
//! Each file streams with O(1) state. A first pass reads only each file's first and last
//! line, so that every VM can be padded to the common grid as it is read.

use super::{
    Basis, Capacity, Filler, ImportError, LATEST_S, Options, Out, Row, Source, Spec, Values,
    check_selection, csv_files, csv_reader, next_row, relative_name,
};
use crate::workload::TraceError;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The columns, as the files' header names them (errors quote these names).
const COLUMNS: [&str; 11] = [
    "Timestamp [ms]",
    "CPU cores",
    "CPU capacity provisioned [MHZ]",
    "CPU usage [MHZ]",
    "CPU usage [%]",
    "Memory capacity provisioned [KB]",
    "Memory usage [KB]",
    "Disk read throughput [KB/s]",
    "Disk write throughput [KB/s]",
    "Network received throughput [KB/s]",
    "Network transmitted throughput [KB/s]",
];
const TIME: usize = 0;
const CORES: usize = 1;
const CAPACITY_MHZ: usize = 2;
const USAGE_MHZ: usize = 3;
const USAGE_PERCENT: usize = 4;
const MEMORY_CAPACITY_KB: usize = 5;
const MEMORY_KB: usize = 6;
const DISK_READ: usize = 7;
const DISK_WRITE: usize = 8;
const NET_IN: usize = 9;
const NET_OUT: usize = 10;

const FORMAT: &str = "a Bitbrains GWA-T-12 file";
const SEPARATOR: u8 = b';';
const EXPECT_TIME: &str = "Unix seconds (the header says ms, but GWA-T-12 gives seconds)";
const EXPECT_NUMBER: &str = "a number ≥ 0";
/// Memory columns are in KB = KiB (4194304.0 KB is a 4 GiB VM).
const KIB_PER_GIB: f64 = 1024.0 * 1024.0;
/// Bytes read from a file's end to find its last line.
const TAIL_BYTES: u64 = 4096;

/// One VM file to import.
struct Vm {
    name: String,
    path: PathBuf,
}

pub(super) fn import(
    src: &Path,
    options: &Options,
    out: &mut Out<'_, '_>,
) -> Result<(), ImportError> {
    let step = out.report.step_s;
    let vms: Vec<Vm> = csv_files(src)?
        .into_iter()
        .map(|path| Vm {
            name: relative_name(src, &path),
            path,
        })
        .filter(|vm| options.selects(&vm.name))
        .collect();
    check_selection(src, options, |w| vms.iter().any(|vm| vm.name == w))?;
    let Some(spec) = grid(src, &vms, step)? else {
        return Ok(()); // unreachable: a folder without files is an error, a selection checked
    };
    spec.describe(out.report);
    for vm in &vms {
        let source = stream(vm, spec, out)?;
        out.report.files += 1;
        out.report.sources.push(source);
    }
    Ok(())
}

/// The common grid: from the step of the earliest first row to that of the latest last row,
/// with `time_s = 0` at the first.
fn grid(src: &Path, vms: &[Vm], step: u32) -> Result<Option<Spec>, TraceError> {
    let mut range: Option<(i64, i64)> = None;
    for vm in vms {
        let (first, last) = span(&vm.path)?;
        let (a, b) = (Spec::step_of(step, first), Spec::step_of(step, last));
        range = Some(range.map_or((a, b), |(lo, hi)| (lo.min(a), hi.max(b))));
    }
    range
        .map(|(lo, hi)| Spec::covering(src, step, lo, lo, hi))
        .transpose()
}

/// The times of a file's first and last row. The last comes from the file's tail, so this
/// pass costs two small reads per file; if the tail cannot be read as a row, the whole file
/// is scanned, which reports the exact line of whatever is wrong.
fn span(path: &Path) -> Result<(f64, f64), TraceError> {
    let mut reader = csv_reader(path, SEPARATOR)?;
    let mut record = csv::ByteRecord::new();
    let mut first = None;
    let mut last = None;
    let mut at_start = true;
    while let Some(line) = next_row(&mut reader, &mut record, path)? {
        let row = Row::new(path, line, &record, &COLUMNS);
        if std::mem::take(&mut at_start) && is_header(&row)? {
            continue;
        }
        row.expect_fields(FORMAT, false)?;
        let t = time(&row)?;
        if first.is_none() {
            first = Some(t);
            if let Some(tail) = last_time(path) {
                return Ok((t, tail.max(t)));
            }
        }
        last = Some(t);
    }
    match (first, last) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(TraceError::new(
            path,
            "the file has no rows; expected a header and rows of samples",
        )),
    }
}

/// The time on a file's last non-blank line, if it reads as one.
fn last_time(path: &Path) -> Option<f64> {
    let mut file = crate::input::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.read_to_end(&mut tail).ok()?;
    let tail = tail.trim_ascii_end();
    let line = match tail.iter().rposition(|&b| b == b'\n') {
        Some(i) => &tail[i + 1..],
        None if start == 0 => tail,
        None => return None, // a line longer than the tail: let the scan handle it
    };
    let cell = line.split(|&b| b == SEPARATOR).next()?;
    let t: f64 = std::str::from_utf8(cell).ok()?.trim().parse().ok()?;
    (t.is_finite() && (0.0..=LATEST_S).contains(&t)).then_some(t)
}

/// A first line whose first cell is not a number is the header; it must have the columns.
fn is_header(row: &Row<'_>) -> Result<bool, TraceError> {
    if row.text(TIME)?.parse::<f64>().is_ok() {
        return Ok(false);
    }
    if row.record.len() != COLUMNS.len() {
        return Err(row.error(format!(
            "the header has {} columns; expected the {} of {FORMAT}: {}",
            row.record.len(),
            COLUMNS.len(),
            COLUMNS.join(", ")
        )));
    }
    Ok(true)
}

fn time(row: &Row<'_>) -> Result<f64, TraceError> {
    let t = row.number(TIME, EXPECT_TIME)?;
    if t > LATEST_S {
        return Err(row.field_error(
            TIME,
            format!("{t} is after the year 2100; expected {EXPECT_TIME}"),
        ));
    }
    Ok(t)
}

/// One row's figures, in output units.
#[derive(Debug, Clone, Copy)]
struct Reading {
    t: f64,
    cores: f64,
    capacity_mhz: f64,
    memory_capacity_kb: f64,
    values: Values,
}

fn reading(row: &Row<'_>) -> Result<Reading, TraceError> {
    row.expect_fields(FORMAT, false)?;
    let t = time(row)?;
    let cores = row.number(CORES, "a core count ≥ 0")?;
    let capacity_mhz = row.number(CAPACITY_MHZ, "MHz ≥ 0")?;
    row.number(USAGE_MHZ, "MHz ≥ 0")?; // checked, not used: percent × cores needs no division
    let percent = row.number(USAGE_PERCENT, "a percent ≥ 0")?;
    let memory_capacity_kb = row.number(MEMORY_CAPACITY_KB, "KB ≥ 0")?;
    let memory_kb = row.number(MEMORY_KB, "KB ≥ 0")?;
    let disk = row.number(DISK_READ, EXPECT_NUMBER)? + row.number(DISK_WRITE, EXPECT_NUMBER)?;
    let net = row.number(NET_IN, EXPECT_NUMBER)? + row.number(NET_OUT, EXPECT_NUMBER)?;
    Ok(Reading {
        t,
        cores,
        capacity_mhz,
        memory_capacity_kb,
        values: Values {
            cpu: percent * cores / 100.0,
            memory: Some(memory_kb / KIB_PER_GIB),
            disk: Some(disk),
            net: Some(net),
        },
    })
}

/// The rows of the current step, summed.
#[derive(Debug, Clone, Copy)]
struct Step {
    k: i64,
    n: u32,
    cpu: f64,
    memory: f64,
    disk: f64,
    net: f64,
}

impl Step {
    fn new(k: i64) -> Self {
        Step {
            k,
            n: 0,
            cpu: 0.0,
            memory: 0.0,
            disk: 0.0,
            net: 0.0,
        }
    }

    fn add(&mut self, v: &Values) {
        self.n += 1;
        self.cpu += v.cpu;
        self.memory += v.memory.unwrap_or(0.0);
        self.disk += v.disk.unwrap_or(0.0);
        self.net += v.net.unwrap_or(0.0);
    }

    fn mean(&self) -> Values {
        let n = f64::from(self.n.max(1));
        Values {
            cpu: self.cpu / n,
            memory: Some(self.memory / n),
            disk: Some(self.disk / n),
            net: Some(self.net / n),
        }
    }
}

/// What is learnt about the VM's machine while reading it.
#[derive(Debug, Default)]
struct Machine {
    rows: u64,
    max_cores: f64,
    mhz_per_core_sum: f64,
    rows_with_cores: u64,
    max_memory_kb: f64,
    first_k: Option<i64>,
    last_k: i64,
}

impl Machine {
    fn observe(&mut self, r: &Reading, k: i64) {
        self.rows += 1;
        self.max_cores = self.max_cores.max(r.cores);
        if r.cores > 0.0 {
            self.mhz_per_core_sum += r.capacity_mhz / r.cores;
            self.rows_with_cores += 1;
        }
        self.max_memory_kb = self.max_memory_kb.max(r.memory_capacity_kb);
        self.first_k.get_or_insert(k);
        self.last_k = k;
    }

    fn source(&self, name: &str, spec: Spec) -> Source {
        Source {
            workload: name.to_owned(),
            cores: Capacity {
                value: self.max_cores,
                from: Basis::Trace,
            },
            mhz_per_core: (self.rows_with_cores > 0)
                .then(|| self.mhz_per_core_sum / self.rows_with_cores as f64),
            memory_gb: Some(Capacity {
                value: self.max_memory_kb / KIB_PER_GIB,
                from: Basis::Trace,
            }),
            rows: self.rows,
            first_s: spec.time_s(self.first_k.unwrap_or(spec.first)),
            last_s: spec.time_s(self.last_k),
        }
    }
}

/// Reads one VM's file and emits its samples on the grid.
fn stream(vm: &Vm, spec: Spec, out: &mut Out<'_, '_>) -> Result<Source, ImportError> {
    let path = vm.path.as_path();
    let mut reader = csv_reader(path, SEPARATOR)?;
    let mut record = csv::ByteRecord::new();
    let zero = Values {
        cpu: 0.0,
        memory: Some(0.0),
        disk: Some(0.0),
        net: Some(0.0),
    };
    let mut filler = Filler::new(&vm.name, spec, zero);
    let mut machine = Machine::default();
    let mut step: Option<Step> = None;
    let mut previous: Option<(f64, u64)> = None;
    let mut at_start = true;
    while let Some(line) = next_row(&mut reader, &mut record, path)? {
        let row = Row::new(path, line, &record, &COLUMNS);
        if std::mem::take(&mut at_start) && is_header(&row)? {
            continue;
        }
        out.report.rows_read += 1;
        let r = reading(&row)?;
        check_order(&row, r.t, previous, out)?;
        previous = Some((r.t, line));
        let k = Spec::step_of(spec.step_s, r.t);
        if k > spec.last {
            // Only if the tail read in the first pass was not the file's last row.
            return Err(row
                .field_error(
                    TIME,
                    format!(
                        "{} is after the file's last line; expected rows in time order",
                        r.t
                    ),
                )
                .into());
        }
        machine.observe(&r, k);
        out.report.rows_used += 1;
        match &mut step {
            Some(s) if s.k == k => {
                out.report.merged += 1;
                s.add(&r.values);
            }
            current => {
                if let Some(done) = current.take() {
                    filler.push(done.k, done.mean(), out)?;
                }
                let mut s = Step::new(k);
                s.add(&r.values);
                *current = Some(s);
            }
        }
    }
    match step {
        Some(s) => filler.push(s.k, s.mean(), out)?,
        None => {
            return Err(TraceError::new(
                path,
                "the file has a header but no rows; expected rows of samples",
            )
            .into());
        }
    }
    filler.finish(out)?;
    Ok(machine.source(&vm.name, spec))
}

/// Equal times are tolerated duplicates; a time going backwards is an error.
fn check_order(
    row: &Row<'_>,
    t: f64,
    previous: Option<(f64, u64)>,
    out: &mut Out<'_, '_>,
) -> Result<(), TraceError> {
    let Some((before, line)) = previous else {
        return Ok(());
    };
    if t == before {
        out.report.duplicates += 1;
    } else if t < before {
        return Err(row.field_error(
            TIME,
            format!("time goes backwards: {t} after {before} on line {line}; expected rows in time order"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Format, ImportReport, Options, Skip};
    use super::*;
    use std::collections::BTreeSet;
    use std::time::Instant;

    const HEADER: &str = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

    /// A row in the exact layout of the real files: `;` then TAB between fields.
    fn row(t: u64, cores: u32, mhz: f64, percent: f64, mem_kb: f64) -> String {
        let cap = mhz * f64::from(cores);
        format!(
            "{t};\t{cores};\t{cap:?};\t{:?};\t{percent:?};\t4194304.0;\t{mem_kb:?};\t1.5;\t2.5;\t0.25;\t0.75\n",
            cap * percent / 100.0
        )
    }

    fn bitbrains(src: &Path) -> Result<(ImportReport, Vec<Owned>), ImportError> {
        run(Format::Bitbrains, src, &Options::default())
    }

    /// 1372629804 is 204 s into a 5-minute step; 1372629600 is that step's start.
    const T0: u64 = 1_372_629_804;

    #[test]
    fn reads_cores_memory_and_aligns_to_wall_clock_steps() {
        let dir = Scratch::new();
        let mut one = HEADER.to_owned();
        one += &row(T0, 2, 2925.99945, 1.5, 1_048_576.0);
        one += &row(T0 + 300, 2, 2925.99945, 0.5, 2_097_152.0);
        one += &row(T0 + 601, 2, 2925.99945, 50.0, 1_048_576.0);
        dir.file("1.csv", &one);
        // VM 2 starts a step later and has a duplicate time (averaged).
        let mut two = HEADER.to_owned();
        two += &row(T0 + 300, 1, 2600.0, 10.0, 0.0);
        two += &row(T0 + 300, 1, 2600.0, 30.0, 0.0);
        dir.file("2.csv", &two);
        let (report, samples) = bitbrains(&dir.0).unwrap();
        assert_native(&report, &samples);
        assert_eq!(report.origin_s, 1_372_629_600.0);
        assert_eq!((report.start_s, report.samples_per_workload), (0.0, 3));
        let vm1 = of(&samples, "1");
        let cpu: Vec<f64> = vm1.iter().map(|s| s.cpu).collect();
        assert_eq!(cpu, [0.03, 0.01, 1.0]); // percent × 2 cores
        assert_eq!(vm1[1].memory_gb, Some(2.0));
        assert_eq!((vm1[0].disk, vm1[0].net), (Some(4.0), Some(1.0)));
        let vm2 = of(&samples, "2");
        assert_eq!(
            vm2.iter().map(|s| s.cpu).collect::<Vec<_>>(),
            [0.0, 0.2, 0.0]
        );
        assert_eq!((report.duplicates, report.merged, report.padded), (1, 1, 2));
        let s = &report.sources[0];
        assert_eq!((s.cores.value, s.cores.from), (2.0, Basis::Trace));
        assert!((s.mhz_per_core.unwrap() - 2925.99945).abs() < 1e-9);
        assert_eq!(s.memory_gb.unwrap().value, 4.0);
        assert_eq!(
            (report.rows_read, report.rows_used, report.files),
            (5, 5, 2)
        );
    }

    #[test]
    fn gaps_carry_the_last_value_and_zero_core_rows_mean_no_demand() {
        let dir = Scratch::new();
        let mut vm = HEADER.to_owned();
        vm += &row(T0, 1, 2600.0, 20.0, 10.0);
        vm += &row(T0 + 900, 1, 2600.0, 40.0, 10.0); // two steps missing
        vm += "1372631004;\t0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0\n";
        dir.file("20.csv", &vm);
        let (report, samples) = bitbrains(&dir.0).unwrap();
        assert_native(&report, &samples);
        let cpu: Vec<f64> = samples.iter().map(|s| s.cpu).collect();
        assert_eq!(cpu, [0.2, 0.2, 0.2, 0.4, 0.0]);
        assert_eq!(report.gaps_filled, 2);
        assert_eq!(
            report.longest_gap.as_ref().map(|g| (g.from_s, g.steps)),
            Some((300.0, 2))
        );
        assert_eq!(report.sources[0].cores.value, 1.0); // the largest, not the last
    }

    #[test]
    fn malformed_rows_name_file_line_and_field() {
        let good = row(T0, 1, 2600.0, 1.0, 5.0);
        let cases: [(String, u64, Option<&str>, &str); 8] = [
            (
                good.clone() + &good.replace(";\t1.0;", ";\tabc;"),
                3,
                Some("CPU usage [%]"),
                "`abc` is not a number; expected a percent ≥ 0",
            ),
            (
                good.clone() + &good.replace(";\t1.0;", ";\t-1;"),
                3,
                Some("CPU usage [%]"),
                "-1 is negative",
            ),
            (
                good.clone() + &good.replace(";\t1;", ";\t;"),
                3,
                Some("CPU cores"),
                "empty cell; expected a core count",
            ),
            (
                good.clone() + "1372630104;\t1;\t2600\n",
                3,
                None,
                "this row has 3 fields but a Bitbrains GWA-T-12 file has 11",
            ),
            (
                row(T0 + 300, 1, 2600.0, 1.0, 5.0) + &good,
                3,
                Some("Timestamp [ms]"),
                "time goes backwards: 1372629804 after 1372630104 on line 2",
            ),
            (
                good.replace("1372629804", "1372629804000"),
                2,
                Some("Timestamp [ms]"),
                "after the year 2100; expected Unix seconds",
            ),
            (
                good.clone() + &good.replace(";\t5.0;", ";\tNaN;"),
                3,
                Some("Memory usage [KB]"),
                "NaN",
            ),
            (
                good.clone() + &good.replace(";\t0.75", ";\t0x1"),
                3,
                Some("Network transmitted throughput [KB/s]"),
                "`0x1` is not a number",
            ),
        ];
        for (body, line, field, says) in cases {
            let dir = Scratch::new();
            let path = dir.file("rnd/2013-7/12.csv", &(HEADER.to_owned() + &body));
            let err = bitbrains(&dir.0).unwrap_err();
            assert_error(&err, &path, Some(line), field, says);
        }
    }

    #[test]
    fn the_error_text_reads_as_documented() {
        let dir = Scratch::new();
        let mut body = HEADER.to_owned();
        for i in 0..46 {
            body += &row(T0 + 300 * i, 1, 2600.0, 1.0, 5.0);
        }
        body += &row(T0 + 300 * 46, 1, 2600.0, 1.0, 5.0).replace(";\t1.0;", ";\tabc;");
        dir.file("rnd/2013-7/12.csv", &body);
        let err = bitbrains(&dir.0.join("rnd/2013-7/12.csv")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.ends_with(
                "rnd/2013-7/12.csv:48: field `CPU usage [%]`: `abc` is not a number; expected a percent ≥ 0"
            ),
            "{text}"
        );
    }

    #[test]
    fn bad_headers_and_empty_files_are_errors() {
        let dir = Scratch::new();
        let path = dir.file("1.csv", "Timestamp [ms];\tCPU cores\n1;\t2\n");
        let err = bitbrains(&dir.0).unwrap_err();
        assert_error(
            &err,
            &path,
            Some(1),
            None,
            "the header has 2 columns; expected the 11",
        );
        std::fs::write(&path, HEADER).unwrap();
        let err = bitbrains(&dir.0).unwrap_err();
        assert_error(&err, &path, None, None, "the file has no rows");
    }

    #[test]
    fn a_headerless_file_with_crlf_reads_the_same() {
        let dir = Scratch::new();
        let body = row(T0, 1, 2600.0, 10.0, 5.0) + &row(T0 + 300, 1, 2600.0, 20.0, 5.0);
        dir.file("a/7.csv", &body.replace('\n', "\r\n"));
        let (report, samples) = bitbrains(&dir.0).unwrap();
        assert_native(&report, &samples);
        assert_eq!(report.sources[0].workload, "a/7");
        assert_eq!(
            samples.iter().map(|s| s.cpu).collect::<Vec<_>>(),
            [0.1, 0.2]
        );
    }

    #[test]
    fn selection_reads_only_the_named_vms() {
        let dir = Scratch::new();
        for n in 1..=3 {
            dir.file(
                &format!("{n}.csv"),
                &(HEADER.to_owned() + &row(T0, 1, 2600.0, 1.0, 5.0)),
            );
        }
        dir.file("9.csv", "garbage that is never opened");
        let options = Options {
            select: Some(BTreeSet::from(["2".to_owned()])),
            ..Options::default()
        };
        let (report, _) = run(Format::Bitbrains, &dir.0, &options).unwrap();
        assert_eq!(report.workloads(), 1);
        assert_eq!(report.skipped.get(&Skip::NotSelected), None);
        let options = Options {
            select: Some(BTreeSet::from(["4".to_owned()])),
            ..Options::default()
        };
        let err = run(Format::Bitbrains, &dir.0, &options).unwrap_err();
        assert_error(
            &err,
            &dir.0,
            None,
            None,
            "selected workload not in the trace: 4",
        );
    }

    #[test]
    fn a_last_line_longer_than_the_tail_is_scanned() {
        let dir = Scratch::new();
        let long = format!(
            "{}{}",
            row(T0 + 300, 1, 2600.0, 1.0, 5.0).trim_end(),
            "0".repeat(5000)
        );
        let path = dir.file(
            "1.csv",
            &format!("{HEADER}{}{long}\n", row(T0, 1, 2600.0, 1.0, 5.0)),
        );
        assert_eq!(last_time(&path), None);
        assert_eq!(span(&path).unwrap(), (T0 as f64, (T0 + 300) as f64));
    }

    /// The 20 VMs of Rnd July 2013, against figures computed independently in Python from
    /// the raw files (`rows = [l.split(';') for l in open(f)][1:]`), following the rules in
    /// the module docs: step k = t // 300; a step's value = mean of `CPU usage [%]` / 100 ×
    /// `CPU cores` over its rows; empty steps between a VM's first and last row carry the
    /// last value, steps outside are 0.
    /// - 165,590 data rows; 4,158 rows repeat their predecessor's timestamp (all in 20.csv);
    /// - first row 1372629804, last 1375221457: steps 4575432 … 4584071, 8,640 samples from
    ///   1372629600;
    /// - 7,923 rows merged into an occupied step (all in 20.csv), 6,921 steps filled, 8,212
    ///   padded (VM 14 starts at step 8,212); longest gap: VM 3, 377 steps from 1,347,300 s;
    /// - mean demand over the 8,640 samples: VM 1 0.233272148309 cores (2 cores), VM 9
    ///   0.235063998681 (1 core at 2926 MHz), all 20 VMs 0.036322733935.
    #[test]
    fn real_rnd_2013_7_matches_independent_figures() {
        let Some(dir) = traces("bitbrains/rnd/2013-7") else {
            return;
        };
        let started = Instant::now();
        let (report, samples) = bitbrains(&dir).unwrap();
        eprintln!("bitbrains rnd/2013-7: {:?}", started.elapsed());
        assert_native(&report, &samples);
        assert_eq!(report.workloads(), 20);
        assert_eq!((report.rows_read, report.rows_used), (165_590, 165_590));
        assert_eq!(report.duplicates, 4_158);
        assert_eq!((report.origin_s, report.start_s), (1_372_629_600.0, 0.0));
        assert_eq!(report.samples_per_workload, 8_640);
        assert_eq!(
            (report.merged, report.gaps_filled, report.padded),
            (7_923, 6_921, 8_212)
        );
        let gap = report.longest_gap.clone().unwrap();
        assert_eq!(
            (gap.workload.as_str(), gap.from_s, gap.steps),
            ("3", 1_347_300.0, 377)
        );
        let names: Vec<&str> = report.sources.iter().map(|s| s.workload.as_str()).collect();
        assert_eq!(names[..3], ["1", "2", "3"]);
        assert_eq!(names[19], "20");

        let mean = |w: &str| {
            let s = of(&samples, w);
            s.iter().map(|s| s.cpu).sum::<f64>() / s.len() as f64
        };
        assert!((mean("1") - 0.233272148309).abs() < 1e-9, "{}", mean("1"));
        assert!((mean("9") - 0.235063998681).abs() < 1e-9, "{}", mean("9"));
        let all = samples.iter().map(|s| s.cpu).sum::<f64>() / samples.len() as f64;
        assert!((all - 0.036322733935).abs() < 1e-9, "{all}");

        let source = |w: &str| report.sources.iter().find(|s| s.workload == w).unwrap();
        assert_eq!((source("9").rows, source("9").cores.value), (8_260, 1.0));
        assert!((source("9").mhz_per_core.unwrap() - 2926.0).abs() < 1.0);
        assert_eq!(source("1").cores.value, 2.0);
        assert_eq!(source("14").first_s, 8_212.0 * 300.0);
    }
}
