//! Trace files the scenario names: resolved against its folder and read, the errors pointed at
//! the field that names the file. Every trace the compiler reads goes through a
//! [`TraceCache`], so that a sweep, which compiles its base once and then a scenario a point
//! and replica, reads each file once.

use super::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Traces already read, shared by every compile that is given the same cache (a sweep's base
/// and its points). What is cached is immutable and handed out behind an `Arc`; a file is
/// known by its path and its identity (size, modification time and, on Unix, device and
/// inode), so a file rewritten between two compiles is read again, never served stale.
/// Failed reads are not kept: their error is the reader's, given again on the next try.
#[derive(Debug, Default)]
pub struct TraceCache {
    entries: Mutex<HashMap<Key, Loaded>>,
    reads: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    path: PathBuf,
    /// `None`: a PlanetLab file; `Some(step)`: a native trace resampled to `step` (or not).
    native_step: Option<Option<u64>>,
    identity: Identity,
}

/// Hashed by what the file is, not by its path: hashing a path walks it component by
/// component, which for a replay of a thousand files cost more than the rest of the lookup.
/// Keys that are equal have equal identities, so they hash alike as a map requires; two
/// paths to one file differ only in the comparison.
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.native_step.hash(state);
        self.identity.hash(state);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Identity {
    len: u64,
    modified: Option<SystemTime>,
    device: u64,
    inode: u64,
}

#[derive(Debug, Clone)]
enum Loaded {
    PlanetLab(Arc<Series>),
    Native(Arc<native::NativeTrace>),
}

impl TraceCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many trace files were read from disk through this cache (hits are not counted): a
    /// sweep's check that its points share what the base read.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// A PlanetLab file's series. The file is opened first and known by what the open file
    /// says it is: a replay names a thousand small files, and asking each path again for its
    /// identity cost as much as reading it.
    pub(super) fn planetlab(
        &self,
        path: &Path,
    ) -> Result<Arc<Series>, crate::workload::TraceError> {
        let (file, meta) = match crate::input::open_with_metadata(path) {
            Ok(opened) => opened,
            Err(e) => {
                self.reads.fetch_add(1, Ordering::Relaxed);
                return Err(crate::workload::open_error(path, &e));
            }
        };
        let key = Key {
            path: path.to_path_buf(),
            native_step: None,
            identity: Identity::of(&meta),
        };
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(Loaded::PlanetLab(hit)) = entries.get(&key) {
            return Ok(hit.clone());
        }
        self.reads.fetch_add(1, Ordering::Relaxed);
        let series = Arc::new(planetlab::read_opened(path, file, meta.len())?);
        entries.insert(key, Loaded::PlanetLab(series.clone()));
        Ok(series)
    }

    /// A native trace (CSV or Parquet), resampled to `step_ms` where given.
    pub(super) fn native(
        &self,
        path: &Path,
        step_ms: Option<u64>,
    ) -> Result<Arc<native::NativeTrace>, crate::workload::TraceError> {
        let loaded = self.get_or_read(path, Some(step_ms), || {
            native::read(path, step_ms).map(|t| Loaded::Native(Arc::new(t)))
        })?;
        match loaded {
            Loaded::Native(t) => Ok(t),
            Loaded::PlanetLab(_) => unreachable!("a native key holds a native trace"),
        }
    }

    /// The lock is held while a file is read: the points of a sweep then never read a file
    /// twice at the same time, and the base, compiled first, has read them all already.
    fn get_or_read(
        &self,
        path: &Path,
        native_step: Option<Option<u64>>,
        read: impl FnOnce() -> Result<Loaded, crate::workload::TraceError>,
    ) -> Result<Loaded, crate::workload::TraceError> {
        let Some(identity) = identity(path) else {
            // No metadata: the reader says what is wrong with the file.
            self.reads.fetch_add(1, Ordering::Relaxed);
            return read();
        };
        let key = Key {
            path: path.to_path_buf(),
            native_step,
            identity,
        };
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = entries.get(&key) {
            return Ok(hit.clone());
        }
        self.reads.fetch_add(1, Ordering::Relaxed);
        let loaded = read()?;
        entries.insert(key, loaded.clone());
        Ok(loaded)
    }
}

fn identity(path: &Path) -> Option<Identity> {
    std::fs::metadata(path).ok().map(|meta| Identity::of(&meta))
}

impl Identity {
    fn of(meta: &std::fs::Metadata) -> Identity {
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        Identity {
            len: meta.len(),
            modified: meta.modified().ok(),
            device,
            inode,
        }
    }
}

impl Compiler<'_> {
    /// A trace path the scenario names, resolved against its folder, and whether it is a
    /// folder (of PlanetLab files); a missing file is the scenario's error, pointed at the
    /// field that names it.
    pub(super) fn existing(
        &self,
        trace: &Spanned<String>,
        field: impl FnOnce() -> String,
    ) -> Result<(PathBuf, bool), Error> {
        let path = resolve(self.file, trace.get_ref());
        if let Ok(meta) = std::fs::metadata(&path) {
            return Ok((path, meta.is_dir()));
        }
        Err(self.err(
            trace.span(),
            field(),
            format!(
                "`{}`: no such file (looked for {}); trace paths are relative to the scenario's folder",
                trace.get_ref(),
                path.display()
            ),
        ))
    }

    /// One column of a native trace, read as a manager's metric (custom policies, metric goals).
    pub(super) fn metric_series(
        &self,
        trace: &str,
        column: &str,
        step: Option<crate::world::Duration>,
        span: Range<usize>,
        field: String,
        who: &str,
    ) -> Result<Arc<Series>, Error> {
        let path = resolve(self.file, trace);
        if !path.exists() {
            // The fault is the file `trace` names, not the column.
            let trace_field = match field.rsplit_once('.') {
                Some((head, _)) => format!("{head}.trace"),
                None => "trace".to_string(),
            };
            return Err(self.err(
                span,
                trace_field,
                format!(
                    "`{trace}`: no such file (looked for {}); trace paths are relative to the scenario's folder",
                    path.display()
                ),
            ));
        }
        let table = self
            .traces
            .native(&path, step.map(|s| s.ms()))
            .map_err(|e| trace_err(e, who, self.file, line_col(self.text, span.start).0))?;
        match table.get(column) {
            Some(series) => Ok(Arc::new(series.clone())),
            None => Err(self.err(
                span,
                field,
                format!("`{trace}` has no column `{column}` for the metric"),
            )),
        }
    }
}

pub(super) fn trace_err(
    e: crate::workload::TraceError,
    workload: &str,
    scenario: &Path,
    line: usize,
) -> Error {
    Error::Trace {
        source: Box::new(e),
        context: format!("workload `{workload}` ({}:{line})", scenario.display()),
    }
}

pub(super) fn resolve(scenario: &Path, trace: &str) -> PathBuf {
    let p = Path::new(trace);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        scenario.parent().unwrap_or(Path::new(".")).join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two compiles given one cache read the file once; a file rewritten in between (another
    /// size) is read again, so a cache never serves what is no longer on disk.
    #[test]
    fn a_shared_cache_reads_a_file_once_and_again_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("vsesim-trace-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let trace = dir.join("t.csv");
        std::fs::write(&trace, "time_s,a\n0,1\n300,2\n").unwrap();
        let text = "[scenario]\nname = \"c\"\nhorizon = \"10m\"\nseed = 1\n\n\
            [[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n\n\
            [[workloads]]\nname = \"a\"\npartition = \"sd\"\ntrace = \"t.csv\"\nunits = \"cores\"\n";
        let cache = TraceCache::new();
        let options = Options {
            traces: Some(&cache),
            ..Default::default()
        };
        let file = dir.join("s.toml");
        let first = load_str_with(&file, text, &options).unwrap();
        let second = load_str_with(&file, text, &options).unwrap();
        assert_eq!(cache.reads(), 1);
        let (DemandSource::Trace(a), DemandSource::Trace(b)) =
            (&first.demand[0].source, &second.demand[0].source)
        else {
            panic!("a trace workload");
        };
        assert_eq!(a.cpu, b.cpu);
        std::fs::write(&trace, "time_s,a\n0,3\n300,2.5\n").unwrap();
        let third = load_str_with(&file, text, &options).unwrap();
        assert_eq!(cache.reads(), 2);
        let DemandSource::Trace(c) = &third.demand[0].source else {
            panic!("a trace workload");
        };
        assert_eq!(c.cpu, vec![3.0, 2.5]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The seed and recording given as options are those of the compiled scenario, as the
    /// TOML edits they replace made them.
    #[test]
    fn options_set_the_seed_and_the_recording() {
        let text = "[scenario]\nname = \"o\"\nhorizon = \"1h\"\nseed = 1\n\n\
            [[servers]]\nname = \"sd\"\ncells = 1\ncores_per_cell = 4\nmemory_gb_per_cell = 8\n\n\
            [report]\ntimeseries_csv = true\n";
        let file = Path::new("o.toml");
        let plain = load_str(file, text).unwrap();
        assert_eq!(
            (
                plain.seed,
                plain.report.timeseries,
                plain.report.timeseries_csv
            ),
            (1, true, true)
        );
        let set = load_str_with(
            file,
            text,
            &Options {
                seed: Some(99),
                recording: Some(Recording {
                    timeseries: false,
                    timeseries_csv: false,
                }),
                traces: None,
            },
        )
        .unwrap();
        assert_eq!(
            (set.seed, set.report.timeseries, set.report.timeseries_csv),
            (99, false, false)
        );
    }
}
