//! Scenario errors that point into the TOML: file, line, column, the field's path and what was
//! expected, with the offending line and a caret under it.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: PathBuf,
    /// 1-based; 0 when the error concerns the whole file (unreadable, empty).
    pub line: usize,
    pub column: usize,
    /// The field's path, as `partitions[2].cores` (with the entity's name where known).
    pub field: String,
    pub message: String,
    /// The source line and a caret under the span, for the terminal.
    pub snippet: Option<String>,
}

impl ScenarioError {
    /// An error located by a byte span of `source`.
    pub fn at(
        file: &Path,
        source: &str,
        span: Option<Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column, snippet) = match span {
            Some(span) => locate(source, span),
            None => (0, 0, None),
        };
        ScenarioError {
            file: file.to_path_buf(),
            line,
            column,
            field: field.into(),
            message: message.into(),
            snippet,
        }
    }
}

/// 1-based line and column of a byte offset, and a two-line excerpt with a caret.
fn locate(source: &str, span: Range<usize>) -> (usize, usize, Option<String>) {
    // Spans are byte offsets; clamp them into the text and back onto character boundaries,
    // so a span into a multi-byte character (or past the end) can never panic.
    let floor = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let span = floor(span.start)..floor(span.end);
    let start = span.start;
    let before = &source[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..start].chars().count() + 1;
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let text = source[line_start..line_end].trim_end_matches('\r');
    let width = source[start..span.end.min(line_end).max(start)]
        .chars()
        .count()
        .max(1);
    let gutter = line.to_string().len();
    let snippet = format!(
        "{:gutter$} |\n{line} | {text}\n{:gutter$} | {}{}",
        "",
        "",
        " ".repeat(column - 1),
        "^".repeat(width),
    );
    (line, column, Some(snippet))
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span that ends inside a multi-byte character (as a non-UTF-8 byte's replacement
    /// does) or past the text must not panic.
    #[test]
    fn spans_inside_characters_are_clamped() {
        let src = "name = \"x\u{fffd}\"\n";
        let at = src.find('\u{fffd}').unwrap();
        let e = ScenarioError::at(Path::new("s.toml"), src, Some(at..at + 1), "", "bad");
        assert_eq!((e.line, e.column), (1, 10));
        let e = ScenarioError::at(Path::new("s.toml"), src, Some(500..900), "", "bad");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn locates_line_column_and_caret() {
        let src = "[a]\nx = 1\nname = \"np9\"\n";
        let start = src.find("\"np9\"").unwrap();
        let e = ScenarioError::at(
            Path::new("s.toml"),
            src,
            Some(start..start + 5),
            "a.name",
            "bad",
        );
        assert_eq!((e.line, e.column), (3, 8));
        assert!(e.snippet.as_deref().unwrap().ends_with("       ^^^^^"));
        assert!(e.to_string().starts_with("s.toml:3:8: a.name: bad"));
    }
}
