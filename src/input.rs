//! Opening the files people bring (scenarios, specs, traces): regular files only, and text
//! read through a cap on the length of one line.
//!
//! Why: opening a FIFO for reading blocks until something writes to it (a run that hangs),
//! `/dev/zero` never ends, and a sparse file or a binary file renamed `.csv` can hold one
//! "line" of gigabytes, which a line-oriented reader would try to allocate whole before it
//! could say anything. Every text reader goes through [`open`] and [`Capped`], so each of
//! those is an error naming the file (and the line), never a hang or an abort.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The longest line any text reader accepts [bytes]. Real lines are far shorter: a native
/// wide trace with 10,000 workload columns is about 100 KiB a line; a scenario line is a few
/// hundred bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A file that is not a regular file (a folder, a FIFO, a device, a socket).
#[derive(Debug)]
pub struct NotRegular(pub &'static str);

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, not a regular file; expected a file on disk", self.0)
    }
}

impl std::error::Error for NotRegular {}

/// A line longer than [`MAX_LINE_BYTES`]; `line` is 1-based.
#[derive(Debug)]
pub struct LineTooLong {
    pub line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than 1 MiB; expected a text file of lines (a binary or sparse file?)",
            self.line
        )
    }
}

impl std::error::Error for LineTooLong {}

/// Opens `path` for reading if it is a regular file (symbolic links followed). The open itself
/// never blocks: it is non-blocking, so a FIFO is opened, seen and refused.
pub fn open(path: &Path) -> io::Result<File> {
    open_with_metadata(path).map(|(file, _)| file)
}

/// [`open`], with the metadata it read to check the file: a reader that sizes its buffer by
/// the file, or a cache that knows a file by its identity, asks the file it opened instead of
/// asking the path again.
pub fn open_with_metadata(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        return Ok((file, meta));
    }
    Err(io::Error::other(NotRegular(kind_of(&meta))))
}

/// Whether `path` names something other than a regular file; `None` when it does not exist.
pub fn not_regular(path: &Path) -> Option<&'static str> {
    let meta = std::fs::metadata(path).ok()?;
    (!meta.is_file()).then(|| kind_of(&meta))
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// The whole of a regular text file, each line at most [`MAX_LINE_BYTES`].
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    Capped::new(open(path)?).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A reader that fails with [`LineTooLong`] as soon as a line passes [`MAX_LINE_BYTES`], so
/// that whatever reads lines above it never buffers more than that for one line.
pub struct Capped<R> {
    inner: R,
    /// Lines ended so far.
    ended: u64,
    /// Bytes of the current line so far.
    run: usize,
    limit: usize,
}

impl<R> Capped<R> {
    pub fn new(inner: R) -> Self {
        Capped::with_limit(inner, MAX_LINE_BYTES)
    }

    /// A smaller cap, for tests.
    pub fn with_limit(inner: R, limit: usize) -> Self {
        Capped {
            inner,
            ended: 0,
            run: 0,
            limit,
        }
    }

    /// `n`, the bytes just read, while the current line is within the cap; else the error
    /// naming the line.
    fn within(&self, n: usize) -> io::Result<usize> {
        if self.run > self.limit {
            return Err(io::Error::other(LineTooLong {
                line: self.ended + 1,
            }));
        }
        Ok(n)
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        // A read no longer than the cap can only overrun it in its first line (which goes on
        // from the last read) or its last: the lines between are shorter than the read. Those
        // two are measured and the line ends counted in bulk, which is what the byte walk
        // below would find, at a fraction of its cost.
        if n <= self.limit {
            let Some(first) = got.iter().position(|&b| b == b'\n') else {
                self.run += n;
                return self.within(n);
            };
            self.run += first;
            self.within(n)?;
            let last = got.iter().rposition(|&b| b == b'\n').unwrap_or(first);
            self.ended += got.iter().filter(|&&b| b == b'\n').count() as u64;
            self.run = n - last - 1;
            return self.within(n);
        }
        for &b in got {
            if b == b'\n' {
                self.ended += 1;
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > self.limit {
                    return Err(io::Error::other(LineTooLong {
                        line: self.ended + 1,
                    }));
                }
            }
        }
        Ok(n)
    }
}

/// The [`LineTooLong`] or [`NotRegular`] inside an I/O error, as the text a reader's error
/// should carry, with the line where there is one.
pub fn cause(e: &io::Error) -> Option<(Option<u64>, String)> {
    let inner = e.get_ref()?;
    if let Some(l) = inner.downcast_ref::<LineTooLong>() {
        return Some((Some(l.line), l.to_string()));
    }
    inner
        .downcast_ref::<NotRegular>()
        .map(|n| (None, n.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_refused_with_its_number() {
        let text = b"ab\ncdefgh\nij\n";
        let mut out = Vec::new();
        let e = Capped::with_limit(&text[..], 5)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(cause(&e).unwrap().0, Some(2));
        let mut out = Vec::new();
        Capped::with_limit(&text[..], 6)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    /// Hands out its bytes `chunk` at a time, as a pipe or a slow disk may.
    struct Chunks<'a> {
        bytes: &'a [u8],
        chunk: usize,
    }

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Whatever the reads' sizes (shorter than the cap, longer, a line split across
    /// reads), the line refused is the first longer than the cap, counted on the whole
    /// text, and a text without one is read whole.
    #[test]
    fn the_line_refused_is_the_first_over_the_cap_whatever_the_reads() {
        let texts: [&[u8]; 6] = [
            b"ab\ncdefgh\nij\n",
            b"abcdefgh",
            b"\n\n\nabcdef\n",
            b"abc\nde\nfghijk",
            b"a\nb\nc\nd\n",
            b"abcde\nabcde\nabcdef\nab",
        ];
        for text in texts {
            for limit in 1..8 {
                let expected = text
                    .split(|&b| b == b'\n')
                    .position(|l| l.len() > limit)
                    .map(|i| i as u64 + 1);
                for chunk in 1..16 {
                    let mut out = Vec::new();
                    let got = Capped::with_limit(Chunks { bytes: text, chunk }, limit)
                        .read_to_end(&mut out);
                    match expected {
                        Some(line) => {
                            let e = got.unwrap_err();
                            assert_eq!(
                                cause(&e).unwrap().0,
                                Some(line),
                                "{text:?} {limit} {chunk}"
                            );
                        }
                        None => assert_eq!(out, text, "{text:?} {limit} {chunk}"),
                    }
                }
            }
        }
    }

    #[test]
    fn devices_folders_and_fifos_are_refused() {
        let e = open(Path::new("/dev/zero")).unwrap_err();
        assert!(cause(&e).unwrap().1.contains("character device"));
        let e = open(Path::new("/")).unwrap_err();
        assert!(cause(&e).unwrap().1.contains("a folder"));
        let fifo = std::env::temp_dir().join(format!("vsesim-input-fifo-{}", std::process::id()));
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = open(&fifo).unwrap_err();
        let _ = std::fs::remove_file(&fifo);
        assert!(cause(&e).unwrap().1.contains("FIFO"));
    }
}
