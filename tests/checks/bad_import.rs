//! The readers behind `vsesim import` and `vsesim synth` (issue 18): a FIFO, a device, a
//! sparse file or a line of megabytes is an error naming the file (and the line), never a hang
//! or a 4 GiB allocation; a trace that would not fit on the disk is refused before it is
//! written. Each exits 2 and leaves no output.

use crate::common::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// Runs `vsesim import FORMAT SRC -o out.parquet` and checks the refusal.
fn refused(dir: &Path, format: &str, src: &str, words: &[&str]) {
    let started = Instant::now();
    let out = vsesim(
        &["import", format, src, "-o", "out.parquet", "--quiet"],
        dir,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "import {format} {src}: {err}");
    for w in words {
        assert!(err.contains(w), "import {format} {src}: no `{w}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20), "it hung");
    assert!(!dir.join("out.parquet").exists());
}

#[test]
fn capprofile_refuses_fifos_devices_and_long_lines() {
    let dir = scratch("import-capprofile");
    fifo(&dir.join("fifo.txt"));
    refused(
        &dir,
        "capprofile",
        "fifo.txt",
        &["fifo.txt", "FIFO", "not a regular file"],
    );
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.txt")).unwrap();
    refused(
        &dir,
        "capprofile",
        "zero.txt",
        &["zero.txt", "character device"],
    );
    std::fs::File::create(dir.join("sparse.txt"))
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    refused(
        &dir,
        "capprofile",
        "sparse.txt",
        &["sparse.txt:1", "longer than 1 MiB"],
    );
}

#[test]
fn bitbrains_refuses_a_sparse_file_and_a_fifo() {
    let dir = scratch("import-bitbrains");
    std::fs::create_dir(dir.join("vms")).unwrap();
    let header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";
    let mut long = header.as_bytes().to_vec();
    long.extend(std::iter::repeat_n(b'1', 3 << 20));
    std::fs::write(dir.join("vms/1.csv"), long).unwrap();
    refused(&dir, "bitbrains", "vms", &["1.csv:2", "longer than 1 MiB"]);
    std::fs::remove_file(dir.join("vms/1.csv")).unwrap();
    fifo(&dir.join("vms/1.csv"));
    refused(&dir, "bitbrains", "vms", &["1.csv", "FIFO"]);
}

#[test]
fn synth_refuses_a_trace_larger_than_the_disk() {
    let dir = scratch("synth-disk");
    // 300,000 workloads × 9.5 × 10⁷ samples (900 years at 5 minutes): about 3 × 10¹³ rows.
    std::fs::write(
        dir.join("huge.toml"),
        "[synth]\nhorizon = \"900y\"\nstep = \"5m\"\nseed = 1\n\n[[workloads]]\nname = \"w\"\ncount = 300000\nsynth = { pattern = \"flat\", mean = 1 }\n",
    )
    .unwrap();
    for out in ["huge.parquet", "huge.csv"] {
        let started = Instant::now();
        let o = vsesim(&["synth", "huge.toml", "-o", out, "--quiet"], &dir);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("28382400000000 rows"), "{err}");
        assert!(err.contains("free"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(!dir.join(out).exists());
    }
}
