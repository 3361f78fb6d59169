//! Free disk space for what `synth` and `import` are about to write: a spec that would fill
//! the disk (a 3×10¹³-row trace) is refused with exit 2 before the first byte, instead of
//! failing with "no space left" hours later, after filling the disk for everyone else.
//!
//! The sizes are deliberately low estimates (measured, below), so that nothing that fits is
//! refused; what is refused could not have fitted.

use crate::Error;
use std::path::Path;

/// Bytes per row of a synthetic trace in Parquet: 4.4 measured (100 diurnal workloads with
/// noise and memory, 30 days at 5 minutes: 864,000 rows in 3.77 MB); floats compress little.
pub const SYNTH_PARQUET_BYTES_PER_ROW: u64 = 4;
/// Bytes per row of a synthetic trace in CSV besides the workload's name: the time, the CPU
/// value, the commas and the line end (31.5 measured with 7-byte names and memory).
pub const SYNTH_CSV_BYTES_PER_ROW: u64 = 16;
/// What an import writes per byte it reads, at least: PlanetLab's text gives 0.45 (783 kB to
/// 352 kB of Parquet); formats with more columns per row give less. A tenth.
pub const IMPORT_OUTPUT_PER_INPUT_BYTE: f64 = 0.1;

/// Refuse to write about `bytes` beside `output` when its file system has less free.
pub fn check_free(output: &Path, bytes: u64, what: &str) -> Result<(), Error> {
    let folder = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(free) = free_bytes(folder) else {
        return Ok(()); // not known: the write itself will say
    };
    if bytes > free {
        return Err(Error::Usage(format!(
            "-o {}: {what} would write about {} but the file system has {} free; write it elsewhere, or make it smaller",
            output.display(),
            super::budget::human(bytes),
            super::budget::human(free)
        )));
    }
    Ok(())
}

/// Free bytes for an unprivileged writer on the file system holding `folder` (or its nearest
/// existing parent).
pub fn free_bytes(folder: &Path) -> Option<u64> {
    let mut at = folder.to_path_buf();
    while !at.exists() {
        at = at.parent()?.to_path_buf();
        if at.as_os_str().is_empty() {
            at = ".".into();
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(at.as_os_str().as_bytes()).ok()?;
        let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid NUL-terminated path and a statvfs struct to fill.
        if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
            return None;
        }
        Some((s.f_bavail as u64).saturating_mul(s.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The bytes of the files an import reads: each SRC, a file or a folder (walked).
pub fn input_bytes(srcs: &[std::path::PathBuf]) -> u64 {
    fn walk(p: &Path) -> u64 {
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => m.len(),
            Ok(m) if m.is_dir() => std::fs::read_dir(p)
                .map(|rd| rd.flatten().map(|e| walk(&e.path())).sum())
                .unwrap_or(0),
            _ => 0,
        }
    }
    srcs.iter().map(|s| walk(s)).sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_working_folder_has_a_free_size() {
        assert!(super::free_bytes(std::path::Path::new(".")).is_some());
        assert!(super::check_free(std::path::Path::new("x.parquet"), u64::MAX, "it").is_err());
        assert!(super::check_free(std::path::Path::new("x.parquet"), 1, "it").is_ok());
    }
}
