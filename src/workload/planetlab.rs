//! PlanetLab/CoMon CPU traces as distributed with CloudSim (`docs/TRACES.md`): one file per VM,
//! one integer per line, the VM's CPU utilization in percent over 5 minutes from midnight. No
//! header, no timestamps.

use super::{Series, TraceError};
use std::io::{BufRead, Read};
use std::path::Path;

/// The fixed sample step of PlanetLab traces: 5 minutes, in milliseconds.
pub const STEP_MS: u64 = 300_000;

/// A bare percent at the start of `rest` (the file from the start of a line): `1`–`3` ASCII
/// digits worth at most 100, then the line's end (LF, CR LF, or a CR or nothing at the end of
/// the file). The value, exactly as the general parse reads it (an integer below 2^24 is exact
/// in `f32`), and the bytes the line takes with its end; `None` sends the line to the general
/// parse, which names what is wrong.
fn bare_percent(rest: &[u8]) -> Option<(f32, usize)> {
    let mut v = 0u32;
    let mut at = 0;
    while at < 3 {
        match rest.get(at) {
            Some(&d) if d.is_ascii_digit() => v = v * 10 + u32::from(d - b'0'),
            _ => break,
        }
        at += 1;
    }
    if at == 0 || v > 100 {
        return None;
    }
    let used = match &rest[at..] {
        [] | [b'\r'] => rest.len(),
        [b'\n', ..] => at + 1,
        [b'\r', b'\n', ..] => at + 2,
        _ => return None,
    };
    Some((v as f32, used))
}

/// Field name used in errors: the value on each line.
const FIELD: &str = "cpu_percent";
const EXPECTED: &str = "a percent from 0 to 100";

/// Reads one VM's trace. The series starts at 0, steps by [`STEP_MS`] and keeps the file's
/// percent (0–100) as `cpu`, for the caller to scale; memory is not in the format.
///
/// Whitespace around values, CRLF line ends and blank lines at the end are accepted; an empty
/// file, a blank line before a value, or a value that is not a percent from 0 to 100 is an
/// error naming the 1-based line.
pub fn read(path: &Path) -> Result<Series, TraceError> {
    let (file, meta) =
        crate::input::open_with_metadata(path).map_err(|e| super::open_error(path, &e))?;
    read_opened(path, file, meta.len())
}

/// [`read`] of a file already opened with [`crate::input::open_with_metadata`], `len` bytes
/// long by its metadata: the trace cache opens a file first to know it by its identity.
pub fn read_opened(path: &Path, file: std::fs::File, len: u64) -> Result<Series, TraceError> {
    // A trace is a few kilobytes: read it whole, in one read where the length is right (a
    // file that grew is still read to its end), through the cap on the length of a line. The
    // length only sizes the first buffer, and never beyond a line's cap: a sparse file of
    // gigabytes is refused at its first long line, not allocated whole.
    let first = len.min(crate::input::MAX_LINE_BYTES as u64) as usize + 1;
    let mut bytes = Vec::with_capacity(first);
    crate::input::Capped::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| super::read_error(path, &e))?;
    parse(path, &bytes)
}

/// [`read`] on any reader: `path` only names the trace in errors. For tests and fuzzing,
/// which have the bytes in memory.
pub fn read_from(path: &Path, mut reader: impl BufRead) -> Result<Series, TraceError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| super::read_error(path, &e))?;
    parse(path, &bytes)
}

/// A whole file's bytes, walked in place line by line.
fn parse(path: &Path, bytes: &[u8]) -> Result<Series, TraceError> {
    let mut cpu = Vec::with_capacity(288);
    let mut first_blank: Option<u64> = None;
    let mut line = 0u64;
    let mut rest = bytes;
    while !rest.is_empty() {
        line += 1;
        // Nearly every line is a bare integer percent: take it without the general parse.
        if first_blank.is_none()
            && let Some((v, used)) = bare_percent(rest)
        {
            cpu.push(v);
            rest = &rest[used..];
            continue;
        }
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let raw = &rest[..end];
        rest = &rest[end..];
        let at = |message: String| TraceError::new(path, message).at(line).field(FIELD);
        let mut text = std::str::from_utf8(raw)
            .map_err(|_| at(format!("not valid UTF-8; expected {EXPECTED}")))?
            .trim();
        // A byte-order mark opens some files saved on Windows: harmless there. Anywhere else it
        // is named in the error below, since a terminal shows it as nothing.
        if line == 1 {
            text = text.trim_start_matches('\u{feff}').trim();
        }
        if text.is_empty() {
            // Only an error if a value follows: trailing blank lines are harmless.
            first_blank.get_or_insert(line);
            continue;
        }
        if let Some(blank) = first_blank {
            return Err(TraceError::new(
                path,
                format!(
                    "blank line; expected {EXPECTED} (blank lines are allowed only at the end)"
                ),
            )
            .at(blank)
            .field(FIELD));
        }
        let v: f64 = text.parse().map_err(|_| {
            let bom = if text.contains('\u{feff}') {
                " (it holds a byte-order mark, U+FEFF: were two files joined?)"
            } else {
                ""
            };
            at(format!(
                "`{}` is not a number{bom}; expected {EXPECTED}",
                super::shown(text)
            ))
        })?;
        if v.is_nan() {
            return Err(at(format!("NaN; expected {EXPECTED}")));
        }
        if !(0.0..=100.0).contains(&v) {
            return Err(at(format!(
                "{} is out of range; expected {EXPECTED}",
                super::shown(text)
            )));
        }
        // -0 passes the range check; keep the series free of negative zeros.
        cpu.push(v as f32 + 0.0);
    }
    if cpu.is_empty() {
        return Err(TraceError::new(
            path,
            format!("empty file; expected one value per line, each {EXPECTED}"),
        )
        .field(FIELD));
    }
    Ok(Series::cpu_only(0, STEP_MS, cpu))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The real traces, beside the project (see `../shared/traces/README.md`).
    const PLANETLAB_DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/traces/planetlab/20110303"
    );

    /// A temporary file, removed when the test ends.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(content: &[u8]) -> Scratch {
            static N: AtomicU64 = AtomicU64::new(0);
            let path = std::env::temp_dir().join(format!(
                "vsesim-planetlab-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&path, content).unwrap();
            Scratch(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn read_bytes(content: &[u8]) -> (PathBuf, Result<Series, TraceError>) {
        let file = Scratch::new(content);
        (file.0.clone(), read(&file.0))
    }

    /// The shortcut for bare integers reads what the general parse reads, and declines
    /// everything else (signs, decimals, spaces, out of range) to the general path, which
    /// names the error.
    #[test]
    fn bare_percent_agrees_with_the_general_parse() {
        for v in 0..=1000u32 {
            for text in [
                format!("{v}"),
                format!("{v:03}"),
                format!("{v}\n"),
                format!("{v}\r\n"),
            ] {
                let general: f64 = text.trim().parse().unwrap();
                let expected = (general <= 100.0).then_some((general as f32, text.len()));
                assert_eq!(bare_percent(text.as_bytes()), expected, "{text:?}");
            }
        }
        for declined in [
            "",
            "\n",
            "+5",
            "-0",
            "5.0",
            " 5",
            "5 ",
            "1e2",
            "0x10",
            "1000",
            "\u{feff}5",
        ] {
            assert_eq!(bare_percent(declined.as_bytes()), None, "{declined:?}");
        }
        // Given the rest of a file, it takes the first line and its end, no more.
        assert_eq!(bare_percent(b"7\n8\n"), Some((7.0, 2)));
        assert_eq!(bare_percent(b"100\r\n5\n"), Some((100.0, 5)));
        assert_eq!(bare_percent(b"42\r"), Some((42.0, 3)));
        assert_eq!(bare_percent(b"4\r2\n"), None);
    }

    #[test]
    fn reads_percent_samples_five_minutes_apart() {
        for content in [
            "12\n0\n100\n7\n",
            "12\n0\n100\n7",
            "12\r\n0\r\n100\r\n7\r\n",
            "  12 \n\t0\n100  \n 7\n\n\n",
        ] {
            let (_, s) = read_bytes(content.as_bytes());
            let s = s.unwrap_or_else(|e| panic!("{content:?}: {e}"));
            assert_eq!(
                s,
                Series::cpu_only(0, 300_000, vec![12.0, 0.0, 100.0, 7.0]),
                "{content:?}"
            );
        }
    }

    #[test]
    fn malformed_files_name_line_and_field() {
        let cases: [(&[u8], Option<u64>, &str); 11] = [
            (b"", None, "empty file"),
            (b"\n \n", None, "empty file"),
            (b"1\n\n2\n", Some(2), "blank line"),
            (b"1\n2\nabc\n", Some(3), "`abc` is not a number"),
            (b"1\n2.5.1\n", Some(2), "not a number"),
            (b"NaN\n", Some(1), "NaN"),
            (b"1\ninf\n", Some(2), "out of range"),
            (b"1\n-1\n", Some(2), "-1 is out of range"),
            (b"1\n2\n100.5\n", Some(3), "100.5 is out of range"),
            (b"1\n\xff\xfe\n", Some(2), "not valid UTF-8"),
            (b"1 2\n", Some(1), "not a number"),
        ];
        for (content, line, says) in cases {
            let (path, result) = read_bytes(content);
            let err = result.expect_err(&format!("{:?}", String::from_utf8_lossy(content)));
            assert_eq!(err.file, path);
            assert_eq!(err.line, line, "{err}");
            assert_eq!(err.field.as_deref(), Some("cpu_percent"), "{err}");
            assert!(err.message.contains(says), "`{says}` not in: {err}");
            if line.is_some() && says != "not valid UTF-8" {
                assert!(err.message.contains("a percent from 0 to 100"), "{err}");
            }
        }
    }

    #[test]
    fn bytes_read_as_the_file_does() {
        for content in ["12\n0\n100\n", "1\n\n2\n"] {
            let (_, from_file) = read_bytes(content.as_bytes());
            let from_bytes = read_from(Path::new("t.txt"), content.as_bytes());
            let strip = |r: Result<Series, TraceError>| r.map_err(|e| (e.line, e.message));
            assert_eq!(strip(from_bytes), strip(from_file), "{content:?}");
        }
    }

    #[test]
    fn missing_file_names_the_file() {
        let path =
            std::env::temp_dir().join(format!("vsesim-planetlab-none-{}", std::process::id()));
        let err = read(&path).unwrap_err();
        assert_eq!(err.file, path);
        assert!(err.message.contains("cannot open"), "{err}");
    }

    /// The figures quoted in the traces README: 1,052 files, 302,976 samples, mean 12.31 %,
    /// max 99 %.
    #[test]
    fn real_traces_match_the_readme() {
        let dir = Path::new(PLANETLAB_DIR);
        if !dir.is_dir() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{} is missing; CI must have the shared traces",
                dir.display()
            );
            eprintln!("note: {} is missing; skipping", dir.display());
            return;
        }
        let mut files = 0usize;
        let (mut samples, mut sum, mut max) = (0usize, 0f64, 0f32);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let s = read(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                (s.start_ms, s.step_ms, s.cpu.len()),
                (0, STEP_MS, 288),
                "{}",
                path.display()
            );
            files += 1;
            samples += s.cpu.len();
            sum += s.cpu.iter().map(|&v| f64::from(v)).sum::<f64>();
            max = s.cpu.iter().copied().fold(max, f32::max);
        }
        assert_eq!(files, 1052);
        assert_eq!(samples, 302_976);
        assert_eq!(format!("{:.2}", sum / samples as f64), "12.31");
        assert_eq!(max, 99.0);
    }
}
