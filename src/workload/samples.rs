//! Small traces in the layout of every public format `vsesim import` reads, so that a fresh
//! clone can try each importer, the planner and the README's tour with nothing beside it. The
//! public traces are never copied into the project (some may be used for research only): these
//! are generated. `vsesim samples DIR --seed N` (a hidden command) writes them; the ones in
//! `traces/` are its output at seed 2026 (`traces/README.md`), and a test checks that the
//! command still reproduces them byte for byte.
//!
//! Each writer reproduces its format's layout and the quirks that the real traces'
//! documentation describes (listed on each function), at **fixed** places, so that a test can
//! derive by hand what an import must count (gaps filled, duplicates, padding, skipped rows)
//! from the parameters `traces/README.md` states. Demand comes from the synthetic generator
//! (`synth`, seeded by the seed and each workload's name); everything else that varies
//! (sampling jitter, ids, row order, noise on secondary columns) from a SplitMix64 stream
//! defined here. Neither depends on a dependency's algorithms, so a library upgrade cannot
//! change the bytes; floats are printed as the shortest text that reads back as the same
//! number, which is the same on every platform.

use crate::workload::capprofile::format_stamp;
use crate::workload::synth::{self, NoiseDist, Pattern, SynthSpec};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The seed of the samples shipped in `traces/`.
pub const DEFAULT_SEED: u64 = 2026;

/// One file to write, at `path` relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// The folders [`generate`] writes, one per format, in the order it writes them.
pub const FOLDERS: [&str; 5] = ["planetlab", "bitbrains", "alibaba", "azure", "capprofile"];

/// Every sample file, in a fixed order. Fails only if a built-in demand spec is invalid (a bug).
pub fn generate(seed: u64) -> Result<Vec<SampleFile>, String> {
    let mut files = Vec::new();
    planetlab(seed, &mut files)?;
    bitbrains(seed, &mut files)?;
    alibaba(seed, &mut files)?;
    azure(seed, &mut files)?;
    capprofile(seed, &mut files)?;
    Ok(files)
}

/// Five minutes: the native step of every format here.
const STEP_S: u64 = 300;
/// Samples in half a day, the span of the Bitbrains, Alibaba and Azure samples.
const HALF_DAY: usize = 144;
/// Samples in a day, the span of the PlanetLab and Capacity Advisor samples.
const DAY: usize = 288;

// ---------------------------------------------------------------------------------------
// Randomness and formatting

/// A SplitMix64 stream (Steele, Lea & Flood 2014): fixed by its published constants, so the
/// samples do not move when `rand` changes its algorithms. Keyed by a name, so one format's
/// draws never shift another's.
struct Stream(u64);

impl Stream {
    /// Tagged, so that a stream never starts where the synthetic generator seeded by the same
    /// name starts (it draws from SplitMix64 too).
    fn new(seed: u64, name: &str) -> Self {
        Stream(synth::name_seed(seed, &format!("{name}#stream")))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// One of `items`, uniformly (the modulo bias, below 2⁻⁶⁰, does not matter here).
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// `n` samples at 5 minutes from Monday 00:00, in the spec's units.
fn demand(seed: u64, name: &str, spec: &SynthSpec, n: usize) -> Result<Vec<f64>, String> {
    synth::generate(spec, synth::name_seed(seed, name), 0, STEP_S * 1000, n)
        .map(|v| v.into_iter().map(f64::from).collect())
        .map_err(|e| format!("sample `{name}`: {e}"))
}

fn spec(pattern: Pattern, mean: f64, peak: f64, noise: f64) -> SynthSpec {
    let mut s = SynthSpec::new(pattern, mean, Some(peak));
    s.noise = noise;
    s
}

fn with_peak_hour(mut s: SynthSpec, hour: f64) -> SynthSpec {
    s.peak_hour = hour;
    s
}

fn lognormal(mut s: SynthSpec) -> SynthSpec {
    s.noise_dist = NoiseDist::Lognormal;
    s
}

fn with_bursts(mut s: SynthSpec, per_day: f64, size: f64, minutes: f64) -> SynthSpec {
    s.bursts = Some(synth::Bursts {
        per_day,
        size,
        minutes,
        size_tail: None,
    });
    s
}

/// A float as Python and Java print one: the shortest text that reads back as the same
/// number, with `.0` on whole numbers (`4194304.0`, `0.6666666666666667`).
fn full(v: f64) -> String {
    let s = format!("{v}");
    if s.contains('.') { s } else { s + ".0" }
}

/// A float to at most `places` decimals, trailing zeros dropped but one (`2.86979`, `1.0`).
fn decimals(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_owned()
    }
}

/// Base64 of `bytes` random bytes, as Azure's anonymized ids are written.
fn base64_id(stream: &mut Stream, bytes: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw: Vec<u8> = (0..bytes).map(|_| (stream.next() >> 56) as u8).collect();
    let mut out = String::new();
    for chunk in raw.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn file(path: &str, text: String) -> SampleFile {
    SampleFile {
        path: PathBuf::from(path),
        bytes: text.into_bytes(),
    }
}

// ---------------------------------------------------------------------------------------
// PlanetLab

/// The PlanetLab sample: 80 VMs × 288 samples, `planetlab/HOST_SLICE`.
///
/// As the CoMon day distributed with CloudSim: one file per VM named after its host and slice
/// with dots and spaces as underscores (a slice starting with `_` gives a double underscore),
/// no header, no times, one whole percent per line (0–100) for each 5 minutes from midnight,
/// LF line ends and a final newline. Twenty hosts on three continents carry four slices each;
/// a slice's daily peak falls at 14:00 of its host's time zone, so the peaks are spread over
/// the day as in the real trace, and idle `root` slices show mostly 0–5 %.
fn planetlab(seed: u64, files: &mut Vec<SampleFile>) -> Result<(), String> {
    const DEPTS: [&str; 4] = ["cs", "ee", "net", "inf"];
    const SITES: [(&str, &str, f64); 5] = [
        ("alpha-univ", "edu", 19.0),
        ("beta-univ", "ac_uk", 14.0),
        ("gamma-univ", "de", 13.0),
        ("delta-univ", "fr", 13.0),
        ("epsilon-univ", "jp", 5.0),
    ];
    const SLICES: [&str; 6] = [
        "root",
        "p2p_swarm",
        "uni_cdn",
        "lab_monitor",
        "_meas_probe",
        "dht_store",
    ];
    for h in 0..20usize {
        let (site, tld, peak_utc) = SITES[h % 5];
        let host = format!("planetlab{}_{}_{site}_{tld}", 1 + h % 2, DEPTS[h % 4]);
        for s in 0..4 {
            let slice = SLICES[(h + s) % SLICES.len()];
            let name = format!("{host}_{slice}");
            let demand_spec = match slice {
                "root" => lognormal(spec(Pattern::Flat, 2.0, 2.0, 0.8)),
                "p2p_swarm" => with_peak_hour(spec(Pattern::Diurnal, 14.0, 40.0, 0.35), peak_utc),
                "uni_cdn" => with_bursts(
                    with_peak_hour(spec(Pattern::Diurnal, 10.0, 30.0, 0.3), peak_utc),
                    6.0,
                    30.0,
                    20.0,
                ),
                "lab_monitor" => with_bursts(spec(Pattern::Flat, 5.0, 5.0, 0.3), 12.0, 30.0, 15.0),
                "_meas_probe" => lognormal(spec(Pattern::Flat, 4.0, 4.0, 1.0)),
                _ => with_peak_hour(spec(Pattern::Diurnal, 22.0, 55.0, 0.25), peak_utc),
            };
            let values = demand(seed, &format!("planetlab/{name}"), &demand_spec, DAY)?;
            let mut text = String::with_capacity(DAY * 3);
            for v in values {
                let _ = writeln!(text, "{}", v.round().clamp(0.0, 100.0) as u32);
            }
            files.push(file(&format!("planetlab/{name}"), text));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bitbrains

/// 2013-07-01 00:00:00 UTC, a Monday (the synthetic generator's time 0 is a Monday too).
const BITBRAINS_ORIGIN_S: u64 = 1_372_636_800;

/// One Bitbrains VM of the sample.
struct BitbrainsVm {
    file: &'static str,
    cores: u32,
    /// Seconds after a wall-clock 5-minute mark of the first row: 2 to 297, so that the
    /// ±1 s drift never moves a row into another step.
    offset_s: u64,
    memory_kb: f64,
    /// Rows `k` in this range are written (the rest of the half day has none).
    rows: std::ops::Range<usize>,
    /// Rows `k` in this range are missing: a hole in the monitoring.
    hole: std::ops::Range<usize>,
    /// Rows `k` with `k % 12 == 6` are written twice, with other values.
    duplicates: bool,
    /// Rows `k` in this range are of a VM switched off: 0 cores, 0.0 capacity, all zero.
    off: std::ops::Range<usize>,
    spec: SynthSpec,
}

/// The Bitbrains sample: `bitbrains/2013-7/1.csv` … `4.csv`, half a day from 2013-07-01 00:00
/// UTC, 444 rows.
///
/// As GWA-T-12's Rnd set: one file per VM named by its number in a folder per month; a header
/// and rows whose 11 columns are separated by `;` and a TAB; the header says
/// `Timestamp [ms]` but times are Unix **seconds**; intervals drift (301, 299, 300 s in turn);
/// full-precision floats, provisioned MHz that changes in the sixth decimal from row to row.
/// `1.csv`: 2 cores, all 144 rows. `2.csv`: a 2-hour hole (rows 60–83 missing). `3.csv` (as
/// `20.csv`): 12 duplicate timestamps with other values (rows 6, 18, … 138), and switched off
/// for half an hour (rows 96–101: 0 cores, 0.0 capacity, zeros). `4.csv` (as `14.csv`):
/// starts late, only the last 2 hours (rows 120–143).
fn bitbrains(seed: u64, files: &mut Vec<SampleFile>) -> Result<(), String> {
    let vms = [
        BitbrainsVm {
            file: "1.csv",
            cores: 2,
            offset_s: 4,
            memory_kb: 8_388_608.0,
            rows: 0..HALF_DAY,
            hole: 0..0,
            duplicates: false,
            off: 0..0,
            spec: spec(Pattern::Diurnal, 20.0, 60.0, 0.2),
        },
        BitbrainsVm {
            file: "2.csv",
            cores: 1,
            offset_s: 157,
            memory_kb: 4_194_304.0,
            rows: 0..HALF_DAY,
            hole: 60..84,
            duplicates: false,
            off: 0..0,
            spec: spec(Pattern::Weekly, 8.0, 25.0, 0.3),
        },
        BitbrainsVm {
            file: "3.csv",
            cores: 1,
            offset_s: 211,
            memory_kb: 4_194_304.0,
            rows: 0..HALF_DAY,
            hole: 0..0,
            duplicates: true,
            off: 96..102,
            spec: with_bursts(
                lognormal(spec(Pattern::Flat, 5.0, 5.0, 0.5)),
                6.0,
                30.0,
                20.0,
            ),
        },
        BitbrainsVm {
            file: "4.csv",
            cores: 1,
            offset_s: 42,
            memory_kb: 2_097_152.0,
            rows: 120..HALF_DAY,
            hole: 0..0,
            duplicates: false,
            off: 0..0,
            spec: spec(Pattern::Diurnal, 30.0, 70.0, 0.15),
        },
    ];
    const HEADER: &str = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";
    for vm in &vms {
        let key = format!("bitbrains/{}", vm.file);
        let cpu = demand(seed, &key, &vm.spec, HALF_DAY)?;
        let mut rng = Stream::new(seed, &key);
        let mut text = String::from(HEADER);
        for k in vm.rows.clone() {
            if vm.hole.contains(&k) {
                continue;
            }
            let t = BITBRAINS_ORIGIN_S + vm.offset_s + STEP_S * k as u64 + u64::from(k % 3 == 1);
            if vm.off.contains(&k) {
                let _ = writeln!(
                    text,
                    "{t};\t0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0"
                );
                continue;
            }
            let copies = if vm.duplicates && k % 12 == 6 { 2 } else { 1 };
            for copy in 0..copies {
                let percent = if copy == 0 {
                    cpu[k].min(100.0)
                } else {
                    (cpu[k] * rng.between(0.5, 1.5)).min(100.0)
                };
                bitbrains_row(&mut text, &mut rng, t, vm, percent);
            }
        }
        files.push(file(&format!("bitbrains/2013-7/{}", vm.file), text));
    }
    Ok(())
}

fn bitbrains_row(text: &mut String, rng: &mut Stream, t: u64, vm: &BitbrainsVm, percent: f64) {
    let clock_mhz = 2_599.998_967 + 0.000_001 * (rng.next() % 1000) as f64;
    let capacity = f64::from(vm.cores) * clock_mhz;
    let usage_mhz = percent / 100.0 * capacity;
    let memory = vm.memory_kb * (0.15 + 0.002 * percent + rng.between(0.0, 0.02));
    let disk_read = if rng.chance(0.8) {
        0.0
    } else {
        rng.between(0.0, 40.0)
    };
    let disk_write = 2.0 + 0.3 * percent * rng.between(0.5, 1.5);
    let net_in = if rng.chance(0.5) {
        0.0
    } else {
        0.05 * percent * rng.between(0.5, 1.5)
    };
    let net_out = if rng.chance(0.5) {
        0.0
    } else {
        0.02 * percent * rng.between(0.5, 1.5)
    };
    let _ = writeln!(
        text,
        "{t};\t{};\t{};\t{};\t{};\t{};\t{};\t{};\t{};\t{};\t{}",
        vm.cores,
        decimals(capacity, 6),
        full(usage_mhz),
        full(percent),
        full(vm.memory_kb),
        full(memory),
        full(disk_read),
        full(disk_write),
        full(net_in),
        full(net_out)
    );
}

// ---------------------------------------------------------------------------------------
// Alibaba

/// Gaps between one machine's samples, seconds, drawn uniformly: multiples of 10 s, 10 s the
/// most common, a median of 60 s and a mean of 124 s, as cluster-trace-v2018's.
const ALIBABA_GAPS_S: [u64; 12] = [10, 10, 10, 20, 30, 60, 60, 90, 120, 180, 300, 600];

/// The Alibaba sample: `alibaba/machine_usage.csv`, `alibaba/machine_meta.csv` and
/// `alibaba/container_usage.csv`, half a day of trace seconds 0–43,200.
///
/// As cluster-trace-v2018: no header, commas, times in seconds from the trace start,
/// irregular sampling ([`ALIBABA_GAPS_S`]); integer CPU and memory percents. machine_usage:
/// 4 machines in contiguous blocks in machine order, each sorted by time; `m_3001` whole,
/// `m_3002` with a 2-hour hole (18,000–25,200 s), `m_3003` cut to start at 21,600 s, `m_3004`
/// cut to stop at 14,400 s; each machine's last row 10 s before its end; `mem_gps` and `mkpi`
/// empty in about 78 % of rows; `disk_io_percent` -1 on 2 rows and 101 on 3 (abnormal
/// readings). machine_meta: several event rows per machine (status changes), 8 machines of
/// which 4 have no usage, `cpu_num` 96 and `mem_size` 100 (normalized) on every row, one
/// `IMPORT_INSTALLING`, one empty `failure_domain_2`. container_usage: 50 rows with an empty
/// `container_id` first (usage of no known container), then `c_1`, `c_10`, `c_100`, ordered by
/// id then time, gaps of a 440 s median; `cpi`, `mem_gps`, `mpki` often empty;
/// `disk_io_percent` empty on 4 rows.
fn alibaba(seed: u64, files: &mut Vec<SampleFile>) -> Result<(), String> {
    struct Machine {
        id: &'static str,
        start_s: u64,
        end_s: u64,
        hole: std::ops::Range<u64>,
        spec: SynthSpec,
        /// (row index, value) of abnormal `disk_io_percent` readings.
        abnormal_disk: &'static [(usize, i32)],
    }
    let machines = [
        Machine {
            id: "m_3001",
            start_s: 0,
            end_s: 43_200,
            hole: 0..0,
            spec: spec(Pattern::Diurnal, 35.0, 80.0, 0.1),
            abnormal_disk: &[(17, -1), (89, -1)],
        },
        Machine {
            id: "m_3002",
            start_s: 0,
            end_s: 43_200,
            hole: 18_000..25_200,
            spec: spec(Pattern::Diurnal, 40.0, 85.0, 0.1),
            abnormal_disk: &[(40, 101), (41, 101), (77, 101)],
        },
        Machine {
            id: "m_3003",
            start_s: 21_600,
            end_s: 43_200,
            hole: 0..0,
            spec: spec(Pattern::Flat, 30.0, 30.0, 0.2),
            abnormal_disk: &[],
        },
        Machine {
            id: "m_3004",
            start_s: 0,
            end_s: 14_400,
            hole: 0..0,
            spec: spec(Pattern::Flat, 25.0, 25.0, 0.2),
            abnormal_disk: &[],
        },
    ];
    let mut usage = String::new();
    for m in &machines {
        let key = format!("alibaba/{}", m.id);
        let cpu = demand(seed, &key, &m.spec, HALF_DAY)?;
        let mut rng = Stream::new(seed, &key);
        let mut t = m.start_s + 10 * (rng.next() % 6);
        let mut times = Vec::new();
        while t < m.end_s {
            if !m.hole.contains(&t) {
                times.push(t);
            }
            t += rng.pick(&ALIBABA_GAPS_S);
        }
        if times.last() != Some(&(m.end_s - 10)) {
            times.push(m.end_s - 10);
        }
        let memory_base = rng.between(60.0, 95.0);
        for (i, &t) in times.iter().enumerate() {
            let k = (t / STEP_S) as usize;
            let c = (cpu[k] * rng.between(0.9, 1.1)).round().clamp(0.0, 100.0);
            let mem = (memory_base + rng.between(-2.0, 2.0)).round();
            let (gps, mkpi) = if rng.chance(0.78) {
                (String::new(), String::new())
            } else {
                (
                    decimals(rng.between(1.0, 40.0), 2),
                    format!("{}", rng.next() % 12),
                )
            };
            let net_in = decimals(30.0 + 0.3 * c + rng.between(0.0, 5.0), 2);
            let net_out = decimals(25.0 + 0.25 * c + rng.between(0.0, 5.0), 2);
            let disk = match m.abnormal_disk.iter().find(|(row, _)| *row == i) {
                Some((_, v)) => *v,
                None => (2.0 + c / 10.0 + rng.between(0.0, 3.0)).round() as i32,
            };
            let _ = writeln!(
                usage,
                "{},{t},{c},{mem},{gps},{mkpi},{net_in},{net_out},{disk}",
                m.id
            );
        }
    }
    files.push(file("alibaba/machine_usage.csv", usage));

    // Event rows per machine: (time, status), the usage's machines among others.
    let mut meta = String::new();
    let mut rng = Stream::new(seed, "alibaba/machine_meta");
    for n in 3000..3008u32 {
        let (d1, d2) = (rng.next() % 300, rng.next() % 40);
        let events: &[u64] = if n % 2 == 0 {
            &[0, 148_984]
        } else {
            &[0, 86_400, 535_156]
        };
        for (e, &t) in events.iter().enumerate() {
            let status = if n == 3005 && e == 0 {
                "IMPORT_INSTALLING"
            } else {
                "USING"
            };
            let d2 = if n == 3006 && e == 1 {
                String::new()
            } else {
                d2.to_string()
            };
            let _ = writeln!(meta, "m_{n},{t},{d1},{d2},96,100,{status}");
        }
    }
    files.push(file("alibaba/machine_meta.csv", meta));

    let mut containers = String::new();
    let mut rng = Stream::new(seed, "alibaba/container_usage");
    // Unattributed usage first, as in the published slice: 50 rows over the four machines.
    let mut t = 86_510u64;
    for i in 0..50 {
        t += rng.pick(&ALIBABA_GAPS_S);
        let c = rng.next() % 30;
        let _ = writeln!(
            containers,
            ",{},{t},{c},{},,,,{},{},{}",
            machines[i % 4].id,
            20 + rng.next() % 40,
            decimals(rng.between(0.0, 5.0), 2),
            decimals(rng.between(0.0, 5.0), 2),
            rng.next() % 10
        );
    }
    const CONTAINER_GAPS_S: [u64; 9] = [10, 100, 200, 300, 440, 440, 600, 900, 1_200];
    let mut empty_disk = [(0usize, 5usize), (0, 6), (2, 30), (2, 31)]
        .into_iter()
        .peekable();
    for (j, (id, machine)) in [("c_1", "m_3001"), ("c_10", "m_3002"), ("c_100", "m_3003")]
        .into_iter()
        .enumerate()
    {
        let key = format!("alibaba/{id}");
        let cpu = demand(
            seed,
            &key,
            &spec(Pattern::Diurnal, 10.0, 30.0, 0.3),
            HALF_DAY,
        )?;
        let mut t = 10 * (rng.next() % 30);
        let mut row = 0usize;
        while t < 43_200 {
            let k = (t / STEP_S) as usize;
            let c = (cpu[k] * rng.between(0.8, 1.2)).round().clamp(0.0, 100.0);
            let (cpi, gps, mpki) = if rng.chance(0.46) {
                (String::new(), String::new(), String::new())
            } else {
                (
                    decimals(rng.between(0.8, 3.0), 2),
                    decimals(rng.between(0.5, 20.0), 2),
                    decimals(rng.between(0.1, 5.0), 2),
                )
            };
            let disk = if empty_disk.peek() == Some(&(j, row)) {
                empty_disk.next();
                String::new()
            } else {
                (rng.next() % 8).to_string()
            };
            let _ = writeln!(
                containers,
                "{id},{machine},{t},{c},{},{cpi},{gps},{mpki},{},{},{disk}",
                30 + rng.next() % 50,
                decimals(rng.between(0.0, 8.0), 2),
                decimals(rng.between(0.0, 8.0), 2),
            );
            t += rng.pick(&CONTAINER_GAPS_S);
            row += 1;
        }
    }
    files.push(file("alibaba/container_usage.csv", containers));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Azure

/// The Azure sample: `azure/vm_cpu_readings/vm_cpu_readings-file-1-of-2.csv`, `…-2-of-2.csv`
/// and `azure/vmtable/vmtable.csv`, half a day, 5 VMs, 642 readings.
///
/// As the Azure Public Dataset V1 files: no header, commas, `timestamp, vm_id, min_cpu,
/// max_cpu, avg_cpu` with times in seconds from the trace start every 300 s and CPU in percent
/// to 6 decimals (`min ≤ avg ≤ max` on every row; one value carries a float artifact, as
/// `15.683948000000001` does in the real file); ids are random base64 (32 characters here, 64
/// in the dataset; the first VM's starts with `+`); each file sorted by time with the VMs in
/// no fixed order within a time; file 1 covers 0–21,600 s and file 2 21,600–43,200 s, and the
/// boundary time 21,600 is split between them (different VMs in each). VM 1 lacks its readings
/// 30–33 and VM 2 its readings 100–101 (gaps); VM 4 was created at 21,600 s (readings 72 on).
/// The vmtable (V1 layout, 11 columns, exact core counts and GB; `Unkown` spelled as V1 does)
/// has the 5 VMs and 3 that have no readings.
fn azure(seed: u64, files: &mut Vec<SampleFile>) -> Result<(), String> {
    let mut rng = Stream::new(seed, "azure/ids");
    let mut ids: Vec<String> = (0..8).map(|_| base64_id(&mut rng, 24)).collect();
    ids[0].replace_range(0..1, "+");
    let specs = [
        spec(Pattern::Diurnal, 20.0, 60.0, 0.2),
        spec(Pattern::Weekly, 10.0, 30.0, 0.25),
        lognormal(spec(Pattern::Flat, 6.0, 6.0, 0.6)),
        with_bursts(spec(Pattern::Flat, 15.0, 15.0, 0.1), 6.0, 40.0, 15.0),
        spec(Pattern::Diurnal, 35.0, 75.0, 0.1),
    ];
    let missing = |vm: usize, k: usize| match vm {
        1 => (30..34).contains(&k),
        2 => (100..102).contains(&k),
        4 => k < 72,
        _ => false,
    };
    let mut rows: Vec<Vec<(usize, String)>> = vec![Vec::new(); HALF_DAY];
    let mut stats = Vec::new();
    for (vm, s) in specs.iter().enumerate() {
        let avg = demand(seed, &format!("azure/vm{vm}"), s, HALF_DAY)?;
        let mut rng = Stream::new(seed, &format!("azure/vm{vm}"));
        let mut maxes = Vec::new();
        let mut sum = 0.0;
        for (k, &a) in avg.iter().enumerate() {
            if missing(vm, k) {
                continue;
            }
            let a = a.clamp(0.05, 100.0);
            let min = a * rng.between(0.3, 0.9);
            let max = (a * rng.between(1.1, 2.5) + 1.0).min(100.0);
            let avg_text = if vm == 3 && k == 50 {
                format!("{:.6}000000001", a)
            } else {
                decimals(a, 6)
            };
            rows[k].push((
                vm,
                format!(
                    "{},{},{},{},{avg_text}",
                    k as u64 * STEP_S,
                    ids[vm],
                    decimals(min, 6),
                    decimals(max, 6)
                ),
            ));
            maxes.push(max);
            sum += a;
        }
        maxes.sort_by(f64::total_cmp);
        let n = maxes.len();
        stats.push((
            maxes[n - 1],
            sum / n as f64,
            maxes[(0.95 * n as f64) as usize],
        ));
    }
    let mut shuffle = Stream::new(seed, "azure/order");
    let (mut first, mut second) = (String::new(), String::new());
    for (k, at) in rows.iter_mut().enumerate() {
        // VMs in no fixed order within a time.
        for i in (1..at.len()).rev() {
            at.swap(i, (shuffle.next() % (i as u64 + 1)) as usize);
        }
        for (vm, line) in at.iter() {
            let in_first = k < 72 || (k == 72 && vm % 2 == 0);
            let out = if in_first { &mut first } else { &mut second };
            out.push_str(line);
            out.push('\n');
        }
    }
    files.push(file(
        "azure/vm_cpu_readings/vm_cpu_readings-file-1-of-2.csv",
        first,
    ));
    files.push(file(
        "azure/vm_cpu_readings/vm_cpu_readings-file-2-of-2.csv",
        second,
    ));

    // vm_id, subscription_id, deployment_id, created, deleted, max_cpu, avg_cpu, p95_max_cpu,
    // category, cores, memory GB.
    let sizes = [(2, 3.5), (1, 1.75), (1, 0.75), (4, 7.0), (8, 56.0)];
    let categories = ["Interactive", "Delay-insensitive", "Unkown"];
    let mut table = String::new();
    let mut rng = Stream::new(seed, "azure/vmtable");
    let subscription = base64_id(&mut rng, 48);
    for (vm, id) in ids.iter().enumerate() {
        let deployment = base64_id(&mut rng, 64);
        let (created, (max, avg, p95), (cores, memory)) = match stats.get(vm) {
            Some(&s) => (if vm == 4 { 21_600 } else { 0 }, s, sizes[vm]),
            None => (
                300 * (rng.next() % 8000),
                (
                    rng.between(50.0, 100.0),
                    rng.between(1.0, 20.0),
                    rng.between(20.0, 50.0),
                ),
                (1, 1.75),
            ),
        };
        let _ = writeln!(
            table,
            "{id},{subscription},{deployment},{created},2591700,{},{},{},{},{cores},{}",
            full(max),
            full(avg),
            full(p95),
            categories[vm % 3],
            full(memory)
        );
    }
    files.push(file("azure/vmtable/vmtable.csv", table));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Capacity Advisor profiles

/// 2024-01-08 00:00 UTC, a Monday.
const CAPPROFILE_ORIGIN_S: i64 = 1_704_672_000;

/// The Capacity Advisor sample: `capprofile/db01.txt`, `web01.txt`, `batch01.txt`, a day from
/// 2024-01-08 00:00 UTC.
///
/// As `capprofile -x` writes them (capprofile(4), Capacity Advisor 7.2 user guide): the nine
/// header lines in the guide's order, the column header, one line per 5-minute sample stamped
/// at the **end** of its interval (`YYYYMMDDhhmm` and `UTIS`, the same instant), `#Memory` in
/// MB. `db01`: 8 cores at 1.6 GHz, 32 GiB, every sample, `CPU_ALLOC` (checked, not kept).
/// `web01`: the guide's column header with a leading `#` and spaces after the commas, 6
/// missing samples (lines 150–155 of the day), `NA` or `N/A` in `MEM_UTIL` on 3 samples (30,
/// 31, 200: no data), and 2 samples written twice with other values (100 and 250; the last
/// line counts). `batch01`: `;`-delimited (`capprofile -y`), only the last 6 hours (samples
/// 216–287), so it is padded with zero before.
fn capprofile(seed: u64, files: &mut Vec<SampleFile>) -> Result<(), String> {
    struct System {
        name: &'static str,
        cpu: &'static str,
        memory_mb: u32,
        model: &'static str,
        spec: SynthSpec,
    }
    let systems = [
        System {
            name: "db01",
            cpu: "8@1.6GHz",
            memory_mb: 32_768,
            model: "ia64 hp server rx8640",
            spec: with_peak_hour(spec(Pattern::Weekly, 35.0, 80.0, 0.1), 11.0),
        },
        System {
            name: "web01",
            cpu: "4@1.6GHz",
            memory_mb: 8_192,
            model: "ia64 hp server rx6600",
            spec: with_bursts(spec(Pattern::Diurnal, 25.0, 70.0, 0.15), 4.0, 20.0, 15.0),
        },
        System {
            name: "batch01",
            cpu: "2@1.6GHz",
            memory_mb: 4_096,
            model: "ia64 hp server rx2660",
            spec: lognormal(spec(Pattern::Flat, 60.0, 60.0, 0.3)),
        },
    ];
    for s in &systems {
        let key = format!("capprofile/{}", s.name);
        let cpu = demand(seed, &key, &s.spec, DAY)?;
        let mut rng = Stream::new(seed, &key);
        let mut text = String::new();
        let _ = write!(
            text,
            "#Profile: {0}\n#Host: {0}.example.com\n#CPU: {1}\n#Memory: {2}MB\n#OS: HP-UX\n#Model: {3}\n#ProcessorString: Intel Itanium 2 9100 series\n#ProcessorFamily: ia64\n#Version: 7.2\n",
            s.name, s.cpu, s.memory_mb, s.model
        );
        let (sep, samples) = match s.name {
            "db01" => {
                text.push_str("YYYYMMDDhhmm,UTIS,CPU_UTIL,MEM_UTIL,DISK_UTIL,NET_UTIL,CPU_ALLOC\n");
                (",", 0..DAY)
            }
            "web01" => {
                text.push_str("#YYYYMMDDhhmm, UTIS, CPU_UTIL, MEM_UTIL, DISK_UTIL, NET_UTIL\n");
                (", ", 0..DAY)
            }
            _ => {
                text.push_str("YYYYMMDDhhmm;UTIS;CPU_UTIL;MEM_UTIL\n");
                (";", 216..DAY)
            }
        };
        let memory_base = rng.between(40.0, 70.0);
        for k in samples {
            if s.name == "web01" && (150..156).contains(&k) {
                continue;
            }
            let end = CAPPROFILE_ORIGIN_S + (k as i64 + 1) * STEP_S as i64;
            let copies = if s.name == "web01" && (k == 100 || k == 250) {
                2
            } else {
                1
            };
            for copy in 0..copies {
                let util = cpu[k] * if copy == 0 { 1.0 } else { 0.8 };
                let mut cells = vec![
                    format_stamp(end),
                    end.to_string(),
                    decimals(util, 2),
                    match (s.name, k) {
                        ("web01", 30 | 200) => "NA".to_owned(),
                        ("web01", 31) => "N/A".to_owned(),
                        _ => decimals(memory_base + 0.1 * util + rng.between(0.0, 2.0), 2),
                    },
                ];
                if s.name != "batch01" {
                    cells.push(decimals(0.05 * util + rng.between(0.0, 2.0), 2));
                    cells.push(decimals(0.02 * util + rng.between(0.0, 1.0), 2));
                }
                if s.name == "db01" {
                    cells.push("8".to_owned());
                }
                text.push_str(&cells.join(sep));
                text.push('\n');
            }
        }
        files.push(file(&format!("capprofile/{}.txt", s.name), text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same seed gives the same bytes and another seed other values, in every file.
    #[test]
    fn seeded() {
        let a = generate(DEFAULT_SEED).unwrap();
        assert_eq!(a, generate(DEFAULT_SEED).unwrap());
        let b = generate(DEFAULT_SEED + 1).unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.path, y.path);
            assert_ne!(x.bytes, y.bytes, "{}", x.path.display());
        }
    }

    /// Every file lives in one of the format folders, and names are unique.
    #[test]
    fn one_folder_per_format() {
        let files = generate(DEFAULT_SEED).unwrap();
        let mut paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        for p in &paths {
            let top = p.components().next().unwrap().as_os_str().to_str().unwrap();
            assert!(FOLDERS.contains(&top), "{}", p.display());
        }
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), files.len());
    }

    /// Base64 as RFC 4648 writes it: 3 bytes to 4 characters, `=` padding.
    #[test]
    fn base64_pads() {
        let mut s = Stream(0);
        assert_eq!(base64_id(&mut s, 24).len(), 32);
        assert!(base64_id(&mut s, 23).ends_with('='));
        assert!(base64_id(&mut s, 22).ends_with("=="));
    }

    #[test]
    fn floats_print_as_python_does() {
        assert_eq!(full(4_194_304.0), "4194304.0");
        assert_eq!(full(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(decimals(2.869_790_1, 6), "2.86979");
        assert_eq!(decimals(1.0, 6), "1.0");
    }
}
