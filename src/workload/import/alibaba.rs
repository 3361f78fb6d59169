//! Alibaba cluster-trace-v2018 `machine_usage` and `container_usage` (column layout from
//! `cluster-trace-v2018/schema.txt`): no header, comma-separated, times in seconds from the
//! start of the trace, CPU and memory in percent.
//!
//! What is done with the documented quirks:
//! - **Unsorted, interleaved rows**: one dense grid per workload over its own span (see the
//!   module docs of `import`); `out_of_order` counts rows earlier than one already read.
//! - **Irregular sampling** (multiples of 10 s, gaps of seconds to hours): rows are averaged
//!   into steps of `step_s` (default 300 s, a documented choice: the 5-minute convention of
//!   the other traces); empty steps inside a workload's span carry its last value.
//! - **Empty or NULL cells**: a row without an id, a time or a CPU value is skipped and
//!   counted; an empty memory, network or disk cell counts in `missing_cells` and that column
//!   carries its last value. `disk_io_percent` outside 0–100 (-1 and 101 mark abnormal
//!   readings) is treated as missing too.
//! - **Container rows with no `container_id`**: skipped ([`Skip::NoWorkloadId`]); they are
//!   usage of unknown containers, and merging them would invent one.
//!
//! CPU becomes cores with the machine's `cpu_num` from `machine_meta.csv`, or the
//! container's `cpu_request` (100 = one core) from `container_meta.csv`, when that file sits
//! beside the usage file (the latest row per id wins); otherwise with
//! [`Options::default_cores`]. Memory sizes in the meta tables are normalized, not GiB, so
//! memory is in GiB only with [`Options::default_memory_gb`]. Disk is `disk_io_percent` and
//! network `net_in + net_out`, both in the trace's normalized 0–100 units.

use super::{
    AlibabaTable, Basis, Capacity, Grids, ImportError, Options, Out, Row, Skip, Source, Spec,
    Values, check_selection, csv_reader, emit_grid, next_row,
};
use crate::workload::TraceError;
use std::collections::HashMap;
use std::path::Path;

/// Where one table keeps what the importer reads.
struct Layout {
    /// The table's name, as Alibaba's file is called (without `.csv`).
    name: &'static str,
    columns: &'static [&'static str],
    id: usize,
    time: usize,
    cpu: usize,
    memory: usize,
    net_in: usize,
    net_out: usize,
    disk: usize,
}

const MACHINE_USAGE: Layout = Layout {
    name: "machine_usage",
    columns: &[
        "machine_id",
        "time_stamp",
        "cpu_util_percent",
        "mem_util_percent",
        "mem_gps",
        "mkpi",
        "net_in",
        "net_out",
        "disk_io_percent",
    ],
    id: 0,
    time: 1,
    cpu: 2,
    memory: 3,
    net_in: 6,
    net_out: 7,
    disk: 8,
};

const CONTAINER_USAGE: Layout = Layout {
    name: "container_usage",
    columns: &[
        "container_id",
        "machine_id",
        "time_stamp",
        "cpu_util_percent",
        "mem_util_percent",
        "cpi",
        "mem_gps",
        "mpki",
        "net_in",
        "net_out",
        "disk_io_percent",
    ],
    id: 0,
    time: 2,
    cpu: 3,
    memory: 4,
    net_in: 8,
    net_out: 9,
    disk: 10,
};

/// Where a meta table keeps the id, the time of the row and the core count.
struct MetaLayout {
    name: &'static str,
    columns: &'static [&'static str],
    time: usize,
    cores: usize,
    /// Trace units per core: `cpu_request` counts 100 per core, `cpu_num` counts cores.
    per_core: f64,
}

const MACHINE_META: MetaLayout = MetaLayout {
    name: "machine_meta",
    columns: &[
        "machine_id",
        "time_stamp",
        "failure_domain_1",
        "failure_domain_2",
        "cpu_num",
        "mem_size",
        "status",
    ],
    time: 1,
    cores: 4,
    per_core: 1.0,
};

const CONTAINER_META: MetaLayout = MetaLayout {
    name: "container_meta",
    columns: &[
        "container_id",
        "machine_id",
        "time_stamp",
        "app_du",
        "status",
        "cpu_request",
        "cpu_limit",
        "mem_size",
    ],
    time: 2,
    cores: 5,
    per_core: 100.0,
};

const EXPECT_TIME: &str = "seconds from the trace start, ≥ 0";
const EXPECT_PERCENT: &str = "a percent ≥ 0";
const EXPECT_NUMBER: &str = "a number ≥ 0";

/// Grid columns: CPU percent, memory percent, disk, network.
const CPU: usize = 0;
const MEMORY: usize = 1;
const DISK: usize = 2;
const NET: usize = 3;

fn layouts(table: AlibabaTable) -> (&'static Layout, &'static MetaLayout) {
    match table {
        AlibabaTable::Machine => (&MACHINE_USAGE, &MACHINE_META),
        AlibabaTable::Container => (&CONTAINER_USAGE, &CONTAINER_META),
    }
}

pub(super) fn import(
    src: &Path,
    table: AlibabaTable,
    options: &Options,
    out: &mut Out<'_, '_>,
) -> Result<(), ImportError> {
    let (layout, meta_layout) = layouts(table);
    // A folder holds the trace's tables under their own names; a file is the usage table.
    let usage = if src.is_dir() {
        src.join(format!("{}.csv", layout.name))
    } else {
        src.to_path_buf()
    };
    let grids = read_usage(&usage, layout, options, out)?;
    out.report.files += 1;
    check_selection(&usage, options, |w| grids.contains(w))?;
    let Some(spec) = grids.spec(&usage, out.report.step_s)? else {
        return Err(TraceError::new(
            &usage,
            format!(
                "no rows with an id, a time and a CPU value; expected rows of {} ({} skipped)",
                layout.name,
                out.report.rows_skipped()
            ),
        )
        .into());
    };
    let meta_path = usage
        .parent()
        .map(|dir| dir.join(format!("{}.csv", meta_layout.name)))
        .filter(|p| p.is_file());
    let cores = match &meta_path {
        Some(path) => {
            out.report.metadata.push(path.clone());
            read_meta(path, meta_layout, &grids)?
        }
        None => HashMap::new(),
    };
    spec.describe(out.report);
    for (name, grid) in grids.into_sorted() {
        let source = source(
            &name,
            cores.get(&name),
            options,
            grid.rows,
            spec,
            grid.first,
            grid.last(),
        );
        let cpu_cores = source.cores.value;
        let memory_gb = source.memory_gb.map(|m| m.value);
        let convert = |m: &[Option<f64>]| Values {
            cpu: m[CPU].unwrap_or(0.0) * cpu_cores / 100.0,
            memory: memory_gb.and_then(|size| m[MEMORY].map(|p| p * size / 100.0)),
            disk: m[DISK],
            net: m[NET],
        };
        emit_grid(&name, &grid, spec, &convert, out)?;
        out.report.sources.push(source);
    }
    Ok(())
}

fn source(
    name: &str,
    meta: Option<&Meta>,
    options: &Options,
    rows: u64,
    spec: Spec,
    first: i64,
    last: i64,
) -> Source {
    Source {
        workload: name.to_owned(),
        cores: match meta {
            Some(m) => Capacity {
                value: m.cores,
                from: Basis::Metadata,
            },
            None => Capacity {
                value: options.default_cores,
                from: Basis::Assumed,
            },
        },
        mhz_per_core: None,
        memory_gb: options.default_memory_gb.map(|value| Capacity {
            value,
            from: Basis::Assumed,
        }),
        rows,
        first_s: spec.time_s(first),
        last_s: spec.time_s(last),
    }
}

/// Reads the usage table into per-workload grids of step means.
fn read_usage(
    path: &Path,
    layout: &Layout,
    options: &Options,
    out: &mut Out<'_, '_>,
) -> Result<Grids, TraceError> {
    let step = out.report.step_s;
    let format = format!("Alibaba {}", layout.name);
    let mut reader = csv_reader(path, b',')?;
    let mut record = csv::ByteRecord::new();
    let mut grids = Grids::new(4);
    while let Some(line) = next_row(&mut reader, &mut record, path)? {
        out.report.rows_read += 1;
        let row = Row::new(path, line, &record, layout.columns);
        row.expect_fields(&format, false)?;
        let Some(u) = usage_row(&row, layout, options, out)? else {
            continue;
        };
        let k = Spec::step_of(step, u.t);
        grids
            .add(u.id, u.t, k, &u.values, out.report)
            .map_err(|m| row.field_error(layout.time, m))?;
        out.report.rows_used += 1;
    }
    Ok(grids)
}

/// What one usable row says: its workload, time and grid values.
struct Usage<'r> {
    id: &'r str,
    t: f64,
    /// CPU %, memory %, disk, network (indexes [`CPU`], [`MEMORY`], [`DISK`], [`NET`]).
    values: [Option<f64>; 4],
}

/// One row's usage, or `None` if it is skipped.
fn usage_row<'r>(
    row: &Row<'r>,
    layout: &Layout,
    options: &Options,
    out: &mut Out<'_, '_>,
) -> Result<Option<Usage<'r>>, TraceError> {
    let Some(id) = row.cell(layout.id)? else {
        out.report.skip(Skip::NoWorkloadId);
        return Ok(None);
    };
    if !options.selects(id) {
        out.report.skip(Skip::NotSelected);
        return Ok(None);
    }
    let Some(t) = row.time(layout.time, EXPECT_TIME)? else {
        out.report.skip(Skip::NoTime);
        return Ok(None);
    };
    let Some(cpu) = row.optional(layout.cpu, EXPECT_PERCENT)? else {
        out.report.skip(Skip::NoCpu);
        return Ok(None);
    };
    let memory = present(
        row,
        layout.memory,
        row.optional(layout.memory, EXPECT_PERCENT)?,
        out,
    );
    let net_in = present(
        row,
        layout.net_in,
        row.optional(layout.net_in, EXPECT_NUMBER)?,
        out,
    );
    let net_out = present(
        row,
        layout.net_out,
        row.optional(layout.net_out, EXPECT_NUMBER)?,
        out,
    );
    let net = net_in.zip(net_out).map(|(a, b)| a + b);
    let disk = row
        .signed(layout.disk, "a percent from 0 to 100 (-1 or 101: abnormal)")?
        .filter(|d| (0.0..=100.0).contains(d));
    let disk = present(row, layout.disk, disk, out);
    let mut values = [None; 4];
    values[CPU] = Some(cpu);
    values[MEMORY] = memory;
    values[DISK] = disk;
    values[NET] = net;
    Ok(Some(Usage { id, t, values }))
}

/// Counts a missing cell of a used row under its column's name.
fn present(row: &Row<'_>, col: usize, value: Option<f64>, out: &mut Out<'_, '_>) -> Option<f64> {
    if value.is_none() {
        out.report.missing(row.columns[col]);
    }
    value
}

/// A workload's size from a meta table, and the time of the row that gave it.
#[derive(Debug, Clone, Copy)]
struct Meta {
    t: f64,
    cores: f64,
}

/// Reads core counts for the workloads that have rows; the latest row of each id wins
/// (ties: the later line). Rows without a core count, or with 0, give none.
fn read_meta(
    path: &Path,
    layout: &MetaLayout,
    grids: &Grids,
) -> Result<HashMap<String, Meta>, TraceError> {
    let format = format!("Alibaba {}", layout.name);
    let mut reader = csv_reader(path, b',')?;
    let mut record = csv::ByteRecord::new();
    let mut sizes: HashMap<String, Meta> = HashMap::new();
    while let Some(line) = next_row(&mut reader, &mut record, path)? {
        let row = Row::new(path, line, &record, layout.columns);
        row.expect_fields(&format, false)?;
        let Some(id) = row.cell(0)? else { continue };
        if !grids.contains(id) {
            continue;
        }
        let t = row.optional(layout.time, EXPECT_TIME)?.unwrap_or(0.0);
        let Some(cores) = row.optional(layout.cores, "a core count ≥ 0")? else {
            continue;
        };
        if cores == 0.0 {
            continue;
        }
        let meta = Meta {
            t,
            cores: cores / layout.per_core,
        };
        match sizes.get_mut(id) {
            Some(m) if m.t > t => {}
            Some(m) => *m = meta,
            None => {
                sizes.insert(id.to_owned(), meta);
            }
        }
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Format, ImportReport, Options, import};
    use super::*;
    use std::collections::BTreeSet;
    use std::time::Instant;

    fn machines(src: &Path, options: &Options) -> Result<(ImportReport, Vec<Owned>), ImportError> {
        run(Format::Alibaba(AlibabaTable::Machine), src, options)
    }

    fn containers(
        src: &Path,
        options: &Options,
    ) -> Result<(ImportReport, Vec<Owned>), ImportError> {
        run(Format::Alibaba(AlibabaTable::Container), src, options)
    }

    /// Rows in the exact layout of machine_usage.csv, interleaved and out of order, with the
    /// empty `mem_gps`/`mkpi` cells of the real file.
    const MACHINE_USAGE_CSV: &str = "\
m_2,310,40,90,,,43.04,33.08,5
m_1,0,10,50,,,1,2,-1
m_1,20,30,60,1.5,0.2,3,4,101
m_2,900,60,92,,,43.05,33.08,3
m_1,620,50,,,,5,6,7
m_1,10,20,55,,,2,3,9
";

    const MACHINE_META_CSV: &str = "\
m_1,0,219,17,96,100,USING
m_1,500,219,17,64,100,USING
m_1,100,219,17,32,100,USING
m_2,0,220,18,,100,IMPORT_INSTALLING
";

    #[test]
    fn machines_are_averaged_into_steps_and_scaled_by_cpu_num() {
        let dir = Scratch::new();
        dir.file("machine_usage.csv", MACHINE_USAGE_CSV);
        let meta = dir.file("machine_meta.csv", MACHINE_META_CSV);
        let options = Options {
            default_memory_gb: Some(100.0),
            ..Options::default()
        };
        let (report, samples) = machines(&dir.0, &options).unwrap();
        assert_native(&report, &samples);
        assert_eq!((report.start_s, report.samples_per_workload), (0.0, 4));
        assert_eq!(report.metadata, [meta]);
        // m_1: step 0 = mean(10, 30, 20) % of 64 cores (the latest meta row); step 1 carries
        // it; step 2 = 50 %; step 3 is after its last row: 0.
        let m1 = of(&samples, "m_1");
        let cpu: Vec<f64> = m1.iter().map(|s| s.cpu).collect();
        assert_eq!(cpu, [12.8, 12.8, 32.0, 0.0]);
        // Memory: mean(50, 60, 55) % of 100 GiB; the empty cell at 620 carries it.
        let mem: Vec<Option<f64>> = m1.iter().map(|s| s.memory_gb).collect();
        assert_eq!(mem, [Some(55.0), Some(55.0), Some(55.0), Some(0.0)]);
        // Disk: -1 and 101 are abnormal, so step 0 is 9 alone.
        assert_eq!(m1[0].disk, Some(9.0));
        assert_eq!(m1[0].net, Some(5.0)); // mean of 1+2, 3+4, 2+3
        // m_2 has no usable meta row (empty cpu_num): 1 core assumed, values are fractions.
        let m2 = of(&samples, "m_2");
        assert_eq!(
            m2.iter().map(|s| s.cpu).collect::<Vec<_>>(),
            [0.0, 0.4, 0.4, 0.6]
        );
        assert_eq!(report.sources[1].cores.from, Basis::Assumed);
        assert_eq!(report.sources[0].cores.value, 64.0);
        assert_eq!(report.sources[0].cores.from, Basis::Metadata);
        assert_eq!(
            (report.merged, report.out_of_order, report.gaps_filled),
            (2, 1, 2)
        );
        assert_eq!(report.padded, 2);
        assert_eq!(report.missing_cells.get("disk_io_percent"), Some(&2));
        assert_eq!(report.missing_cells.get("mem_util_percent"), Some(&1));
    }

    /// As in the real container_usage.csv: rows with no container id come first.
    const CONTAINER_USAGE_CSV: &str = "\
,m_108,696330,20,56,,,,0,0,2
,m_998,775600,7,100,1.48,0.01,1,0.02,0.02,2
c_10,m_2556,86610,12,88,,,,1.22,1.15,7
c_10,m_2556,87230,NULL,88,,,,1.22,1.15,12
c_2,m_1522,86400,150,99,,,,0.14,0.13,
c_10,m_2556,87440,13,88,,,,1.22,1.15,8
";

    #[test]
    fn containers_skip_rows_without_id_or_cpu() {
        let dir = Scratch::new();
        let usage = dir.file("container_usage.csv", CONTAINER_USAGE_CSV);
        let (report, samples) = containers(&usage, &Options::default()).unwrap();
        assert_native(&report, &samples);
        assert_eq!(report.skipped.get(&Skip::NoWorkloadId), Some(&2));
        assert_eq!(report.skipped.get(&Skip::NoCpu), Some(&1));
        assert_eq!((report.rows_read, report.rows_used), (6, 3));
        let names: Vec<&str> = report.sources.iter().map(|s| s.workload.as_str()).collect();
        assert_eq!(names, ["c_2", "c_10"]);
        assert_eq!((report.start_s, report.samples_per_workload), (86_400.0, 4));
        // Without container_meta the values are fractions of the (unknown) request;
        // above 100 % is kept (containers may use more than they requested).
        assert_eq!(of(&samples, "c_2")[0].cpu, 1.5);
        assert_eq!(
            of(&samples, "c_10")
                .iter()
                .map(|s| s.cpu)
                .collect::<Vec<_>>(),
            [0.12, 0.12, 0.12, 0.13]
        );
        assert_eq!(of(&samples, "c_10")[0].memory_gb, None);
        assert!(report.metadata.is_empty());
    }

    #[test]
    fn container_meta_gives_cores_from_cpu_request() {
        let dir = Scratch::new();
        dir.file("container_usage.csv", CONTAINER_USAGE_CSV);
        dir.file(
            "container_meta.csv",
            "c_10,m_2556,0,app_1,started,400,400,1.56\n",
        );
        let (report, samples) = containers(&dir.0, &Options::default()).unwrap();
        assert_eq!(report.sources[1].cores.value, 4.0);
        assert!((of(&samples, "c_10")[0].cpu - 0.48).abs() < 1e-12);
    }

    #[test]
    fn malformed_rows_name_file_line_and_field() {
        let cases: [(&str, u64, Option<&str>, &str); 5] = [
            (
                "m_1,0,10,50,,,1,2,3\nm_1,300,abc,50,,,1,2,3\n",
                2,
                Some("cpu_util_percent"),
                "`abc` is not a number; expected a percent ≥ 0",
            ),
            (
                "m_1,0,10,50,,,1,2,3\nm_1,300,10,50,,,1,2\n",
                2,
                None,
                "this row has 8 fields but Alibaba machine_usage has 9",
            ),
            (
                "m_1,-10,10,50,,,1,2,3\n",
                1,
                Some("time_stamp"),
                "-10 is negative; expected seconds",
            ),
            (
                "m_1,0,10,50,,,1,2,x\n",
                1,
                Some("disk_io_percent"),
                "`x` is not a number",
            ),
            (
                "m_1,0,10,50,,,1,2,3\nm_1,1e15,10,50,,,1,2,3\n",
                2,
                Some("time_stamp"),
                "expected seconds from the trace start",
            ),
        ];
        for (body, line, field, says) in cases {
            let dir = Scratch::new();
            let path = dir.file("machine_usage.csv", body);
            let err = machines(&path, &Options::default()).unwrap_err();
            assert_error(&err, &path, Some(line), field, says);
        }
        let dir = Scratch::new();
        dir.file("machine_usage.csv", "m_1,0,10,50,,,1,2,3\n");
        let meta = dir.file("machine_meta.csv", "m_1,0,219,17,ninety,100,USING\n");
        let err = machines(&dir.0, &Options::default()).unwrap_err();
        assert_error(
            &err,
            &meta,
            Some(1),
            Some("cpu_num"),
            "`ninety` is not a number",
        );
    }

    #[test]
    fn a_file_of_skipped_rows_is_an_error_but_a_selection_is_not() {
        let dir = Scratch::new();
        let path = dir.file("container_usage.csv", ",m_1,0,1,1,,,,0,0,0\n");
        let err = containers(&path, &Options::default()).unwrap_err();
        assert_error(
            &err,
            &path,
            None,
            None,
            "no rows with an id, a time and a CPU value",
        );
        let path = dir.file("machine_usage.csv", MACHINE_USAGE_CSV);
        let options = Options {
            select: Some(BTreeSet::from(["m_2".to_owned()])),
            ..Options::default()
        };
        let (report, _) = machines(&path, &options).unwrap();
        assert_eq!(report.workloads(), 1);
        assert_eq!(report.skipped.get(&Skip::NotSelected), Some(&4));
    }

    #[test]
    fn row_order_does_not_matter() {
        let dir = Scratch::new();
        let sorted = dir.file("a/machine_usage.csv", MACHINE_USAGE_CSV);
        let reversed: String = MACHINE_USAGE_CSV
            .lines()
            .rev()
            .map(|l| format!("{l}\n"))
            .collect();
        let reversed = dir.file("b/machine_usage.csv", &reversed);
        let (_, a) = machines(&sorted, &Options::default()).unwrap();
        let (_, b) = machines(&reversed, &Options::default()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_longer_step_averages_more_rows() {
        let dir = Scratch::new();
        let path = dir.file("machine_usage.csv", MACHINE_USAGE_CSV);
        let options = Options {
            step_s: Some(3600),
            ..Options::default()
        };
        let (report, samples) = machines(&path, &options).unwrap();
        assert_native(&report, &samples);
        assert_eq!((report.step_s, report.samples_per_workload), (3600, 1));
        // m_1: mean of 10, 30, 50, 20 % of one (assumed) core.
        assert_eq!(of(&samples, "m_1")[0].cpu, 0.275);
    }

    #[test]
    fn workloads_too_far_apart_are_an_error_before_any_output() {
        let dir = Scratch::new();
        let path = dir.file(
            "machine_usage.csv",
            "m_1,0,10,50,,,1,2,3\nm_2,4000000000,10,50,,,1,2,3\n",
        );
        let mut emitted = 0;
        let err = import(
            Format::Alibaba(AlibabaTable::Machine),
            &path,
            &Options::default(),
            &mut |_| {
                emitted += 1;
                Ok(())
            },
        )
        .unwrap_err();
        assert_error(
            &err,
            &path,
            None,
            None,
            "the workloads' times span 13333334 steps",
        );
        assert_eq!(emitted, 0);
        let options = Options {
            select: Some(BTreeSet::from(["m_1".to_owned(), "m_9".to_owned()])),
            ..Options::default()
        };
        let err = import(
            Format::Alibaba(AlibabaTable::Machine),
            &path,
            &options,
            &mut |_| {
                emitted += 1;
                Ok(())
            },
        )
        .unwrap_err();
        assert_error(
            &err,
            &path,
            None,
            None,
            "selected workload not in the trace: m_9",
        );
        assert_eq!(emitted, 0);
    }

    #[test]
    fn a_failing_sink_stops_the_import() {
        let dir = Scratch::new();
        let path = dir.file("machine_usage.csv", MACHINE_USAGE_CSV);
        let mut calls = 0;
        let err = import(
            Format::Alibaba(AlibabaTable::Machine),
            &path,
            &Options::default(),
            &mut |_| {
                calls += 1;
                Err(ImportError::sink(std::io::Error::other("disk full")))
            },
        )
        .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(err.to_string(), "cannot write the output: disk full");
    }

    /// The real machine_usage.csv slice (16 machines) and machine_meta.csv. Independent
    /// figures from the raw files, in Python with `csv.reader`, following the module docs
    /// (step k = t // 300, mean of the rows in a step, carry inside the span, 0 outside):
    /// - 100,002 rows, none skipped; 16 machines m_1932 … m_1947, all cpu_num 96;
    /// - steps 0 … 2303 (t = 0 … 690,900 s), so 2,304 samples per machine;
    /// - m_1933: 7,193 rows in 2,100 occupied steps, first step 0, last 2303; mean of its
    ///   2,304 samples 5.682814050099 % → 5.455501488095 cores of 96;
    /// - m_1947 stops at step 627 (t = 188,370 s): 1,676 steps padded after it;
    /// - over all machines: 4,210 steps filled inside spans, 3,079 padded, 70,427 rows
    ///   merged into an occupied step;
    /// - `disk_io_percent` -1 in 6 rows, 101 in 10 (the README's counts).
    #[test]
    fn real_machine_usage_matches_independent_figures() {
        let Some(dir) = traces("alibaba2018") else {
            return;
        };
        let started = Instant::now();
        let (report, samples) = machines(&dir, &Options::default()).unwrap();
        eprintln!("alibaba machine_usage: {:?}", started.elapsed());
        assert_native(&report, &samples);
        assert_eq!(report.workloads(), 16);
        assert_eq!((report.rows_read, report.rows_used), (100_002, 100_002));
        assert_eq!((report.start_s, report.samples_per_workload), (0.0, 2_304));
        assert_eq!(report.missing_cells.get("disk_io_percent"), Some(&16));
        assert_eq!(report.sources[0].workload, "m_1932");
        assert!(report.sources.iter().all(|s| s.cores.value == 96.0));
        assert_eq!(report.gaps_filled, 4_210);
        assert_eq!(report.padded, 3_079);
        assert_eq!(report.merged, 70_427);
        let m1933 = report
            .sources
            .iter()
            .find(|s| s.workload == "m_1933")
            .unwrap();
        assert_eq!(
            (m1933.rows, m1933.first_s, m1933.last_s),
            (7_193, 0.0, 690_900.0)
        );
        let m1947 = report
            .sources
            .iter()
            .find(|s| s.workload == "m_1947")
            .unwrap();
        assert_eq!(m1947.last_s, 627.0 * 300.0);
        let m = of(&samples, "m_1933");
        let mean = m.iter().map(|s| s.cpu).sum::<f64>() / m.len() as f64;
        assert!((mean - 5.455501488095).abs() < 1e-9, "{mean}");
    }

    /// The real container_usage.csv slice. Independent figures (Python, as above):
    /// - 10,000 rows; 3,503 with no container id, skipped; 8 containers;
    /// - steps 288 … 2591 (t = 86,400 … 777,300 s): 2,304 samples each;
    /// - c_1: 1,018 rows, mean of its samples 28.085069444444 % → 0.280850694444 (a
    ///   fraction of its unknown request, as no container_meta.csv is here); c_10003 stops
    ///   at step 738;
    /// - 1,295 rows merged, 9,622 steps filled, 3,608 padded.
    #[test]
    fn real_container_usage_matches_independent_figures() {
        let Some(dir) = traces("alibaba2018") else {
            return;
        };
        let started = Instant::now();
        let (report, samples) = containers(&dir, &Options::default()).unwrap();
        eprintln!("alibaba container_usage: {:?}", started.elapsed());
        assert_native(&report, &samples);
        assert_eq!(report.workloads(), 8);
        assert_eq!(report.rows_read, 10_000);
        assert_eq!(report.skipped.get(&Skip::NoWorkloadId), Some(&3_503));
        assert_eq!(
            (report.start_s, report.samples_per_workload),
            (86_400.0, 2_304)
        );
        let c1 = report.sources.iter().find(|s| s.workload == "c_1").unwrap();
        assert_eq!((c1.rows, c1.cores.from), (1_018, Basis::Assumed));
        let c = of(&samples, "c_1");
        let mean = c.iter().map(|s| s.cpu).sum::<f64>() / c.len() as f64;
        assert!((mean - 0.280850694444).abs() < 1e-9, "{mean}");
        let last = report
            .sources
            .iter()
            .find(|s| s.workload == "c_10003")
            .unwrap();
        assert_eq!(last.last_s, 738.0 * 300.0);
        assert_eq!(
            (report.merged, report.gaps_filled, report.padded),
            (1_295, 9_622, 3_608)
        );
    }
}
