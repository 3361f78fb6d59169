//! Writing output files: one atomic writer ([`write_atomic_with`], and [`write_atomic`] on
//! it) through which every output file is written (reports, charts, sweep tables, imported
//! traces), the temporary files it leaves to a signal handler, and the CSV cells safe to open
//! in a spreadsheet. It knows no output of its own, so the report, the sweep and the trace
//! import all write through it without depending on each other.

pub mod csv_cells;

use crate::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Write `bytes` to `path` through a temporary file in the same folder, synced, and a rename,
/// so an interrupted run never leaves a half-written file under the final name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_with(path, |tmp| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(tmp)
            .map_err(|e| Error::io(tmp, e))?;
        file.write_all(bytes).map_err(|e| Error::io(tmp, e))
    })
}

/// The one atomic writer: `fill` writes the temporary file at the path it is given (for an
/// encoder that opens the file itself, as the PNG one does); then the file is synced to disk
/// and renamed to `path`. A failed `fill` leaves nothing behind.
pub fn write_atomic_with<E: From<Error>>(
    path: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let (tmp, file) = create_temp(path)?;
    drop(file);
    fill(tmp.path())?;
    std::fs::File::open(tmp.path())
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    Ok(tmp.persist(path)?)
}

/// Suffix of every temporary file vsesim writes: what a folder's clean-up looks for.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A PNG's temporary file ends in `.tmp.png`: the image encoder picks the format from the
/// extension.
const PNG_TEMP_SUFFIX: &str = ".tmp.png";

/// Whether `name` is one of the temporary files [`create_temp`] names.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && (name.ends_with(TEMP_SUFFIX) || name.ends_with(PNG_TEMP_SUFFIX))
}

/// A temporary file beside `path`, named so that no other writer (another thread, another
/// vsesim) can have the same name (`.NAME.PID-N.tmp`, `.tmp.png` for a PNG, created
/// exclusively), and registered so that Ctrl-C or SIGTERM removes it
/// ([`remove_temp_files_on_signals`]).
pub fn create_temp(path: &Path) -> Result<(TempFile, std::fs::File), Error> {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = if path.extension().is_some_and(|e| e == "png") {
        PNG_TEMP_SUFFIX
    } else {
        TEMP_SUFFIX
    };
    loop {
        let tmp = path.with_file_name(format!(
            ".{name}.{}-{}{suffix}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => return Ok((TempFile::register(tmp), file)),
            // Left by an earlier process of the same id: take the next number.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    }
}

/// Temporary files being written, for the signal handler to remove.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A registered temporary file: removed when dropped unless [`TempFile::persist`]ed, and by
/// the signal handler if the process is stopped while it exists.
pub struct TempFile(PathBuf);

impl TempFile {
    fn register(path: PathBuf) -> Self {
        TEMPS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(path.clone());
        TempFile(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Give the file its final name.
    pub fn persist(self, path: &Path) -> Result<(), Error> {
        std::fs::rename(&self.0, path).map_err(|e| Error::io(path, e))
        // `self` drops here: unregistered; the rename left nothing to remove.
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let mut temps = TEMPS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = temps.iter().position(|p| *p == self.0) {
            temps.swap_remove(i);
        }
        drop(temps);
        // Gone already after a successful rename; otherwise a failed write's leftover.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// On SIGINT or SIGTERM, remove the temporary files being written and end with the shell's
/// code for the signal (130, 143). Commands that write output call it once; a sweep, which
/// stops between points on these signals instead, does not. Idempotent.
pub fn remove_temp_files_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return; // the default action (end at once) stays: temp files may be left
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let temps = TEMPS.lock().unwrap_or_else(|p| p.into_inner());
                for path in temps.iter() {
                    let _ = std::fs::remove_file(path);
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Remove temporary files that an earlier, killed writer left in `dir` (not recursive). Only
/// for a folder this process holds the lock of: no one else can be writing there.
pub fn remove_stale_temp_files(dir: &Path) -> Result<(), Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| is_temp_name(&n)) && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}
