//! A run's output folder: checked before anything is written (`-o` must be a folder vsesim
//! can write, on disk), held under an advisory lock for the whole run, and never left mixing
//! two runs.
//!
//! The protocol: take the lock on the folder itself (`flock` on its descriptor, so no lock
//! file is left behind; a second run into the folder fails at once with exit 2); remove the
//! previous run's `run.json` first, then the rest of its files and any temporary files a
//! killed writer left; write the new files; write `run.json` last. A folder with `run.json`
//! holds one complete run; a folder without it holds an incomplete one (docs/OUTPUT.md).

use crate::Error;
use std::path::{Path, PathBuf};

/// Files a run writes, `run.json` first: it is removed first and written last.
const RUN_FILES: &[&str] = &[
    "run.json",
    "summary.json",
    "replicas.json",
    "timeseries.parquet",
    "timeseries.csv",
    "stats.parquet",
    "stats.csv",
    "report.html",
    "compare.json",
];

/// A folder this process holds: the lock lasts as long as the value.
pub struct Held {
    pub dir: PathBuf,
    _lock: std::fs::File,
}

/// Check `-o DIR` as an argument before the run: exit 2, with the reason, for a file, a
/// folder under a virtual file system, or one that cannot be created or written.
pub fn check_target(dir: &Path) -> Result<(), Error> {
    let bad = |why: String| Error::Usage(format!("-o {}: {why}", dir.display()));
    // The nearest part of the path that exists says where the folder would be.
    let mut existing = dir.to_path_buf();
    while !existing.exists() {
        match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => existing = p.to_path_buf(),
            _ => {
                existing = PathBuf::from(".");
                break;
            }
        }
    }
    let real = existing
        .canonicalize()
        .map_err(|e| bad(format!("cannot be resolved: {e}")))?;
    for virtual_fs in ["/proc", "/sys", "/dev"] {
        if real.starts_with(virtual_fs) {
            return Err(bad(format!(
                "lies under {virtual_fs}, a virtual file system; expected a folder on disk"
            )));
        }
    }
    if !real.is_dir() {
        return Err(bad(if existing == dir {
            "is a file; expected a folder (created if missing)".to_string()
        } else {
            format!(
                "{} is a file, so no folder can be made under it; expected a folder",
                existing.display()
            )
        }));
    }
    Ok(())
}

/// Create and lock `dir`, and clear the previous run's files (`run.json` first).
pub fn claim(dir: &Path) -> Result<Held, Error> {
    check_target(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| usage_or_io(dir, e))?;
    let lock = lock(dir)?;
    let held = Held {
        dir: dir.to_path_buf(),
        _lock: lock,
    };
    for name in RUN_FILES {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(usage_or_io(&path, e)),
        }
    }
    let charts = dir.join("charts");
    if charts.is_dir() {
        for entry in std::fs::read_dir(&charts).map_err(|e| Error::io(&charts, e))? {
            let path = entry.map_err(|e| Error::io(&charts, e))?.path();
            if path.extension().is_some_and(|e| e == "png" || e == "svg") {
                std::fs::remove_file(&path).map_err(|e| usage_or_io(&path, e))?;
            }
        }
    }
    crate::report::remove_stale_temp_files(dir)?;
    crate::report::remove_stale_temp_files(&charts)?;
    Ok(held)
}

/// Lock an existing run folder without clearing it: `vsesim plot` redraws into it.
pub fn lock_only(dir: &Path) -> Result<Held, Error> {
    Ok(Held {
        dir: dir.to_path_buf(),
        _lock: lock(dir)?,
    })
}

/// An exclusive, non-blocking advisory lock on the folder. Another vsesim holding it is bad
/// use of the command line (exit 2), said at once rather than waited for.
fn lock(dir: &Path) -> Result<std::fs::File, Error> {
    let file = std::fs::File::open(dir).map_err(|e| usage_or_io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a descriptor this function owns; no memory is passed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Err(Error::Usage(format!(
                    "{}: another vsesim is writing this folder; wait for it to end or choose another with -o",
                    dir.display()
                )));
            }
            return Err(Error::io(dir, e));
        }
    }
    Ok(file)
}

/// A folder that cannot be made or written because of where it is (permissions, a read-only
/// file system, a file in the way) is a bad `-o`: exit 2 with the reason. Anything else is
/// an I/O failure.
pub fn usage_or_io(path: &Path, e: std::io::Error) -> Error {
    use std::io::ErrorKind as K;
    let why = match e.kind() {
        K::PermissionDenied => Some("permission denied; expected a folder you can write"),
        K::ReadOnlyFilesystem => Some("on a read-only file system; expected a writable folder"),
        K::NotADirectory | K::AlreadyExists => {
            Some("a file is in the way; expected a folder (created if missing)")
        }
        _ => None,
    };
    match why {
        Some(why) => Error::Usage(format!("{}: {why} ({e})", path.display())),
        None => Error::io(path, e),
    }
}
