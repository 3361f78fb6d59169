//! Azure Public Dataset VM traces, V1 (2017) and V2 (2019): `vm_cpu_readings` files
//! (`timestamp, vm_id, min_cpu, max_cpu, avg_cpu`: CPU percent of the VM over each 5-minute
//! interval, times in seconds from the start of the trace) and, for core counts, `vmtable`.
//!
//! `src` is one readings file or a folder searched recursively for `.csv` files; each is
//! recognized by its first row, not its name: a readings row has 5 fields, a vmtable row 11
//! (12 in copies written by pandas, which add `duration`). The original files have no
//! header; a first row starting `timestamp` or `vm_id` is a header (pandas copies), and the
//! vmtable's header then also says whether sizes are V2 buckets (`…_bucket`).
//!
//! The readings are spread over many files, each sorted by time with VMs interleaved, and
//! a "repair" file may fill holes later, so a VM's rows arrive in any order: per-VM grids
//! (see the `import` module docs). A (VM, time) read twice is averaged (`merged`; at the
//! default 5-minute step every merge is a repeated reading). Missing intervals inside a VM's
//! life carry its last value. Unlike Alibaba's, Azure's files have no documented empty cells:
//! an empty or malformed cell is an error.
//!
//! CPU becomes cores with the vmtable's `vm_virtual_core_count` where the VM is in a vmtable
//! of `src`; V2 gives buckets (`2`, `4`, `8`, `24`, `>24`), used as the number they name
//! ([`Basis::Bucket`]). Memory size (`vm_memory_gb`) goes to the source; the readings carry
//! no memory use, disk or network.

use super::{
    AzureCpu, Basis, Capacity, Grids, ImportError, Options, Out, Row, Skip, Source, Spec, Values,
    check_selection, csv_files, csv_reader, emit_grid, next_row,
};
use crate::workload::TraceError;
use std::collections::HashMap;
use std::path::Path;

const READINGS: [&str; 5] = ["timestamp", "vm_id", "min_cpu", "max_cpu", "avg_cpu"];
const TIME: usize = 0;
const VM: usize = 1;
const READINGS_FORMAT: &str = "an Azure vm_cpu_readings file";

const VMTABLE: [&str; 11] = [
    "vm_id",
    "subscription_id",
    "deployment_id",
    "timestamp_vm_created",
    "timestamp_vm_deleted",
    "max_cpu",
    "avg_cpu",
    "p95_max_cpu",
    "vm_category",
    "vm_virtual_core_count",
    "vm_memory_gb",
];
const CORES: usize = 9;
const MEMORY: usize = 10;
const VMTABLE_FORMAT: &str = "an Azure vmtable file";

const EXPECT_TIME: &str = "seconds from the trace start, ≥ 0";
const EXPECT_PERCENT: &str = "a percent ≥ 0";

fn stat_column(stat: AzureCpu) -> usize {
    match stat {
        AzureCpu::Min => 2,
        AzureCpu::Max => 3,
        AzureCpu::Avg => 4,
    }
}

pub(super) fn import(
    src: &Path,
    stat: AzureCpu,
    options: &Options,
    out: &mut Out<'_, '_>,
) -> Result<(), ImportError> {
    let mut grids = Grids::new(1);
    let mut vmtables = Vec::new();
    for path in csv_files(src)? {
        match read_file(&path, stat, options, &mut grids, out)? {
            Kind::Readings => out.report.files += 1,
            Kind::VmTable(header) => vmtables.push((path, header)),
        }
    }
    check_selection(src, options, |w| grids.contains(w))?;
    let Some(spec) = grids.spec(src, out.report.step_s)? else {
        return Err(TraceError::new(
            src,
            "no CPU readings found; expected vm_cpu_readings files (timestamp, vm_id, min_cpu, max_cpu, avg_cpu)",
        )
        .into());
    };
    // Only the VMs that have readings are looked up: a whole vmtable has millions of rows.
    let mut sizes = HashMap::new();
    for (path, header) in &vmtables {
        read_vmtable(path, header.as_deref(), &grids, &mut sizes)?;
        out.report.metadata.push(path.clone());
    }
    spec.describe(out.report);
    for (name, grid) in grids.into_sorted() {
        let size = sizes.get(&name);
        let cores = size.and_then(|s| s.cores).unwrap_or(Capacity {
            value: options.default_cores,
            from: Basis::Assumed,
        });
        let convert = |m: &[Option<f64>]| Values {
            cpu: m[0].unwrap_or(0.0) * cores.value / 100.0,
            memory: None,
            disk: None,
            net: None,
        };
        emit_grid(&name, &grid, spec, &convert, out)?;
        out.report.sources.push(Source {
            workload: name,
            cores,
            mhz_per_core: None,
            memory_gb: size.and_then(|s| s.memory_gb),
            rows: grid.rows,
            first_s: spec.time_s(grid.first),
            last_s: spec.time_s(grid.last()),
        });
    }
    Ok(())
}

/// What a file turned out to be. A vmtable keeps its header's column names, if it has one.
enum Kind {
    Readings,
    VmTable(Option<Vec<String>>),
}

/// Recognizes a file by its first row; reads it into the grids if it holds readings.
fn read_file(
    path: &Path,
    stat: AzureCpu,
    options: &Options,
    grids: &mut Grids,
    out: &mut Out<'_, '_>,
) -> Result<Kind, TraceError> {
    let mut reader = csv_reader(path, b',')?;
    let mut record = csv::ByteRecord::new();
    let Some(line) = next_row(&mut reader, &mut record, path)? else {
        return Err(TraceError::new(
            path,
            "empty file; expected Azure vm_cpu_readings or vmtable rows",
        ));
    };
    let first = Row::new(path, line, &record, &READINGS).text(0)?;
    if first.eq_ignore_ascii_case("vm_id") {
        return Ok(Kind::VmTable(Some(header(&record))));
    }
    let header = first.eq_ignore_ascii_case("timestamp");
    match record.len() {
        5 => {}
        n if n >= VMTABLE.len() => return Ok(Kind::VmTable(None)),
        n => {
            return Err(TraceError::new(
                path,
                format!(
                    "this row has {n} fields; expected an Azure vm_cpu_readings row ({}) or a vmtable row ({} fields)",
                    READINGS.join(", "),
                    VMTABLE.len()
                ),
            )
            .at(line));
        }
    }
    if !header {
        reading(
            &Row::new(path, line, &record, &READINGS),
            stat,
            options,
            grids,
            out,
        )?;
    }
    while let Some(line) = next_row(&mut reader, &mut record, path)? {
        reading(
            &Row::new(path, line, &record, &READINGS),
            stat,
            options,
            grids,
            out,
        )?;
    }
    Ok(Kind::Readings)
}

fn header(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// Adds one readings row to its VM's grid.
fn reading(
    row: &Row<'_>,
    stat: AzureCpu,
    options: &Options,
    grids: &mut Grids,
    out: &mut Out<'_, '_>,
) -> Result<(), TraceError> {
    out.report.rows_read += 1;
    row.expect_fields(READINGS_FORMAT, false)?;
    let Some(t) = row.time(TIME, EXPECT_TIME)? else {
        return Err(row.field_error(TIME, format!("empty cell; expected {EXPECT_TIME}")));
    };
    let Some(vm) = row.cell(VM)? else {
        return Err(row.field_error(VM, "empty cell; expected a VM id"));
    };
    if !options.selects(vm) {
        out.report.skip(Skip::NotSelected);
        return Ok(());
    }
    let cpu = row.number(stat_column(stat), EXPECT_PERCENT)?;
    let k = Spec::step_of(out.report.step_s, t);
    grids
        .add(vm, t, k, &[Some(cpu)], out.report)
        .map_err(|m| row.field_error(TIME, m))?;
    out.report.rows_used += 1;
    Ok(())
}

/// A VM's sizes from a vmtable.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    cores: Option<Capacity>,
    memory_gb: Option<Capacity>,
}

/// Reads cores and memory of the VMs that have readings (a later row of a VM wins).
fn read_vmtable(
    path: &Path,
    header: Option<&[String]>,
    grids: &Grids,
    sizes: &mut HashMap<String, Size>,
) -> Result<(), TraceError> {
    let names: Vec<&str> = match header {
        Some(h) => h.iter().map(String::as_str).collect(),
        None => VMTABLE.to_vec(),
    };
    let find = |prefix: &str, default: usize| {
        names
            .iter()
            .position(|n| n.starts_with(prefix))
            .unwrap_or(default)
    };
    let (cores_col, memory_col) = (
        find("vm_virtual_core_count", CORES),
        find("vm_memory_gb", MEMORY),
    );
    let mut reader = csv_reader(path, b',')?;
    let mut record = csv::ByteRecord::new();
    let mut at_start = header.is_some();
    while let Some(line) = next_row(&mut reader, &mut record, path)? {
        if std::mem::take(&mut at_start) {
            continue;
        }
        let row = Row::new(path, line, &record, &names);
        if record.len() < VMTABLE.len().max(cores_col + 1).max(memory_col + 1) {
            Row::new(path, line, &record, &VMTABLE).expect_fields(VMTABLE_FORMAT, true)?;
        }
        let Some(vm) = row.cell(0)? else { continue };
        if !grids.contains(vm) {
            continue;
        }
        let size = Size {
            cores: capacity(&row, cores_col, "a core count such as 2 or >24")?,
            memory_gb: capacity(&row, memory_col, "GiB such as 1.75 or >64")?,
        };
        sizes.insert(vm.to_owned(), size);
    }
    Ok(())
}

/// A size cell: a number, or a V2 bucket such as `>24` (its bound). Empty: unknown.
fn capacity(row: &Row<'_>, col: usize, expected: &str) -> Result<Option<Capacity>, TraceError> {
    let Some(text) = row.cell(col)? else {
        return Ok(None);
    };
    let bucket = row.columns.get(col).is_some_and(|n| n.ends_with("_bucket"));
    let (number, open) = match text.strip_prefix('>') {
        Some(rest) => (rest.trim(), true),
        None => (text, false),
    };
    match number.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= f64::from(f32::MAX) => Ok(Some(Capacity {
            value: v,
            from: if bucket || open {
                Basis::Bucket
            } else {
                Basis::Metadata
            },
        })),
        _ => Err(row.field_error(col, format!("`{text}` is not a size; expected {expected}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Format, ImportReport, Options};
    use super::*;
    use std::collections::BTreeSet;
    use std::time::Instant;

    fn azure(src: &Path) -> Result<(ImportReport, Vec<Owned>), ImportError> {
        run(Format::Azure(AzureCpu::Avg), src, &Options::default())
    }

    /// The original V1 layout: no header, 6-decimal values, VMs interleaved per timestamp.
    const V1_READINGS: &str = "\
0,vmA+/=,2.052803,3.911587,2.86979
0,vmB,1.64695,8.794403,3.254472
300,vmB,1.0,9.0,5.0
600,vmA+/=,1.0,3.0,2.0
900,vmA+/=,2.0,4.0,3.0
";

    /// A later "repair" file filling vmB's hole at 600 and repeating one reading.
    const REPAIR: &str = "\
timestamp,vm_id,min_cpu,max_cpu,avg_cpu
600,vmB,1.0,9.0,7.0
300,vmB,1.0,9.0,5.0
";

    /// The original V1 vmtable layout.
    const V1_VMTABLE: &str = "\
vmA+/=,sub1,dep1,0,2591700,99.369869,3.4240942342446719,10.194309,Delay-insensitive,8,56
vmC,sub1,dep1,0,1539300,100,6.18178366757598,33.98136,Interactive,1,0.75
";

    #[test]
    fn readings_from_several_files_land_on_one_grid() {
        let dir = Scratch::new();
        dir.file(
            "vm_cpu_readings/vm_cpu_readings-file-1-of-125.csv",
            V1_READINGS,
        );
        dir.file("vm_cpu_readings/vm_cpu_readings-repair.csv", REPAIR);
        let table = dir.file("vmtable/vmtable.csv", V1_VMTABLE);
        let (report, samples) = azure(&dir.0).unwrap();
        assert_native(&report, &samples);
        assert_eq!(
            (report.files, report.rows_read, report.rows_used),
            (2, 7, 7)
        );
        assert_eq!(report.metadata, [table]);
        assert_eq!((report.start_s, report.samples_per_workload), (0.0, 4));
        // vmA: 8 cores from the vmtable; the step at 300 s carries 2.86979 %.
        let a = of(&samples, "vmA+/=");
        let cpu: Vec<f64> = a.iter().map(|s| s.cpu).collect();
        assert!(
            (cpu[0] - 0.2295832).abs() < 1e-6 && cpu[0] == cpu[1],
            "{cpu:?}"
        );
        assert_eq!(cpu[2..], [0.16, 0.24]);
        let source = &report.sources[0];
        assert_eq!(
            source.cores,
            Capacity {
                value: 8.0,
                from: Basis::Metadata
            }
        );
        assert_eq!(
            source.memory_gb,
            Some(Capacity {
                value: 56.0,
                from: Basis::Metadata
            })
        );
        // vmB is not in the vmtable: 1 core assumed; the repair fills 600; it ends at 600.
        let b = of(&samples, "vmB");
        let cpu: Vec<f64> = b.iter().map(|s| s.cpu).collect();
        assert!((cpu[0] - 0.03254472).abs() < 1e-9);
        assert_eq!(cpu[1..], [0.05, 0.07, 0.0]);
        assert_eq!(report.sources[1].cores.from, Basis::Assumed);
        assert_eq!((report.merged, report.out_of_order), (1, 1));
        assert_eq!((report.gaps_filled, report.padded), (1, 1));
    }

    #[test]
    fn v2_buckets_and_the_max_statistic() {
        let dir = Scratch::new();
        dir.file(
            "readings.csv",
            "timestamp,vm_id,min_cpu,max_cpu,avg_cpu\n0,v1,1,50,10\n0,v2,1,20,10\n",
        );
        dir.file(
            "meta.csv",
            "vm_id,subscription_id,deployment_id,timestamp_vm_created,timestamp_vm_deleted,max_cpu,avg_cpu,p95_max_cpu,vm_category,vm_virtual_core_count_bucket,vm_memory_gb_bucket,duration\n\
             v1,s,d,0,2591400,98.5,30.3,98.2,Interactive,>24,>64,2591400\n\
             v2,s,d,0,2591400,98.5,30.3,98.2,Interactive,4,8,2591400\n",
        );
        let (report, samples) =
            run(Format::Azure(AzureCpu::Max), &dir.0, &Options::default()).unwrap();
        assert_eq!(
            report.sources[0].cores,
            Capacity {
                value: 24.0,
                from: Basis::Bucket
            }
        );
        assert_eq!(
            report.sources[1].memory_gb,
            Some(Capacity {
                value: 8.0,
                from: Basis::Bucket
            })
        );
        assert_eq!((samples[0].cpu, samples[1].cpu), (12.0, 0.8));
    }

    #[test]
    fn malformed_rows_name_file_line_and_field() {
        let cases: [(&str, u64, Option<&str>, &str); 5] = [
            (
                "0,vm,1,2,1.5\n300,vm,1,2,abc\n",
                2,
                Some("avg_cpu"),
                "`abc` is not a number; expected a percent ≥ 0",
            ),
            (
                "0,vm,1,2,1.5\n300,,1,2,1\n",
                2,
                Some("vm_id"),
                "empty cell; expected a VM id",
            ),
            (
                "0,vm,1,2,1.5\n300,vm,1,2\n",
                2,
                None,
                "this row has 4 fields but an Azure vm_cpu_readings file has 5",
            ),
            ("0,vm,1,2,-1.5\n", 1, Some("avg_cpu"), "-1.5 is negative"),
            (
                "0,vm,1,2\n",
                1,
                None,
                "expected an Azure vm_cpu_readings row",
            ),
        ];
        for (body, line, field, says) in cases {
            let dir = Scratch::new();
            let path = dir.file("vm_cpu_readings-file-1-of-195.csv", body);
            let err = azure(&dir.0).unwrap_err();
            assert_error(&err, &path, Some(line), field, says);
        }
        let dir = Scratch::new();
        dir.file("r.csv", V1_READINGS);
        let table = dir.file("vmtable.csv", &V1_VMTABLE.replace(",8,56", ",eight,56"));
        let err = azure(&dir.0).unwrap_err();
        assert_error(
            &err,
            &table,
            Some(1),
            Some("vm_virtual_core_count"),
            "`eight` is not a size",
        );
    }

    #[test]
    fn a_vmtable_alone_is_not_a_trace_and_a_selection_filters() {
        let dir = Scratch::new();
        dir.file("vmtable.csv", V1_VMTABLE);
        let err = azure(&dir.0).unwrap_err();
        assert_error(&err, &dir.0, None, None, "no CPU readings found");
        dir.file("r.csv", V1_READINGS);
        let options = Options {
            select: Some(BTreeSet::from(["vmB".to_owned()])),
            ..Options::default()
        };
        let (report, _) = run(Format::Azure(AzureCpu::Avg), &dir.0, &options).unwrap();
        assert_eq!(report.workloads(), 1);
        assert_eq!(report.skipped.get(&Skip::NotSelected), Some(&3));
    }

    /// The V2 (2019) slice: 12 batch files and a repair file written by pandas, and the 20
    /// VMs' vmtable rows with bucketed sizes. Independent figures, from the raw files with
    /// Python's `csv` module:
    /// - 53,273 readings of 20 VMs; times 0 … 799,800 s, all multiples of 300: 2,667 steps;
    /// - no (VM, time) pair twice; 20 × 2,667 − 53,273 = 67 steps filled, none padded (every
    ///   VM has readings at 0 and at 799,800 s);
    /// - VM `xzQ++JF1…`: 2,667 readings, mean avg_cpu 30.069316613173793 %, core bucket 2,
    ///   so 0.601386332263 cores on average; VM `Ks1uezo7…` lacks 12 readings;
    /// - core buckets: 2 for 16 VMs, 4 for 2, 8 for 2; mean demand over all 53,340 samples,
    ///   with gaps carrying the last reading: 0.176345108727 cores.
    #[test]
    fn real_v2_2019_matches_independent_figures() {
        let Some(dir) = traces("azure/v2-2019") else {
            return;
        };
        let started = Instant::now();
        let (report, samples) = azure(&dir).unwrap();
        eprintln!("azure v2-2019: {:?}", started.elapsed());
        assert_native(&report, &samples);
        assert_eq!((report.files, report.metadata.len()), (13, 1));
        assert_eq!((report.rows_read, report.rows_used), (53_273, 53_273));
        assert_eq!(report.workloads(), 20);
        assert_eq!((report.start_s, report.samples_per_workload), (0.0, 2_667));
        assert_eq!((report.merged, report.duplicates), (0, 0));
        assert_eq!((report.gaps_filled, report.padded), (67, 0));
        let mut buckets = [0; 3];
        for s in &report.sources {
            assert_eq!(s.cores.from, Basis::Bucket);
            match s.cores.value as u32 {
                2 => buckets[0] += 1,
                4 => buckets[1] += 1,
                8 => buckets[2] += 1,
                other => panic!("core bucket {other}"),
            }
        }
        assert_eq!(buckets, [16, 2, 2]);
        let vm = report
            .sources
            .iter()
            .find(|s| s.workload.starts_with("xzQ++JF1"))
            .unwrap();
        assert_eq!(vm.rows, 2_667);
        let x = of(&samples, &vm.workload);
        let mean = x.iter().map(|s| s.cpu).sum::<f64>() / x.len() as f64;
        assert!((mean - 0.601386332263).abs() < 1e-6, "{mean}");
        let all = samples.iter().map(|s| s.cpu).sum::<f64>() / samples.len() as f64;
        assert!((all - 0.176345108727).abs() < 1e-6, "{all}");
        let ks = report
            .sources
            .iter()
            .find(|s| s.workload.starts_with("Ks1uezo7"))
            .unwrap();
        assert_eq!(ks.rows, 2_667 - 12);
    }

    /// The V1 (2017) fixture in the original layout: 100 readings of 100 VMs, all at t = 0;
    /// its 10 vmtable rows match none of them (per the README). Independent figures (awk):
    /// mean avg_cpu 7.5457220400 % (`awk -F, '{s+=$5} END {printf "%.10f", s/NR}'`; the
    /// README rounds it to 7.55), so with 1 core assumed per VM, 0.075457220400 cores.
    #[test]
    fn real_v1_2017_fixture() {
        let Some(dir) = traces("azure/v1-2017") else {
            return;
        };
        let (report, samples) = azure(&dir).unwrap();
        assert_native(&report, &samples);
        assert_eq!((report.workloads(), report.samples_per_workload), (100, 1));
        assert!(
            report
                .sources
                .iter()
                .all(|s| s.cores.from == Basis::Assumed)
        );
        let mean = samples.iter().map(|s| s.cpu).sum::<f64>() / samples.len() as f64;
        // Grid sums are f32: about 7 significant digits.
        assert!((mean - 0.075457220400).abs() < 1e-7, "{mean}");
    }
}
