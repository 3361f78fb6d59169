//! Text cells of the CSV outputs, safe to open in a spreadsheet.
//!
//! Names come from scenarios and from public traces (an Azure VM id can begin with `+`); a
//! spreadsheet reads a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return as a
//! formula (CSV injection). As OWASP advises, such a cell is written with a leading apostrophe,
//! which spreadsheets take as "text", and in double quotes, so the apostrophe stays part of
//! the one field. Numbers are never touched: `-1.5` is a number, not a formula. docs/OUTPUT.md
//! says so, and how to read the true name back ([`unescape`]).

use std::borrow::Cow;

/// Whether a spreadsheet would take `text` as a formula.
pub fn is_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// One CSV field holding `text`: quoted with a leading apostrophe if it looks like a formula,
/// else quoted only where CSV needs it (a comma, a quote, a line break).
pub fn field(text: &str) -> Cow<'_, str> {
    if is_formula(text) {
        return Cow::Owned(format!("\"'{}\"", text.replace('"', "\"\"")));
    }
    if text.contains([',', '"', '\n', '\r']) {
        return Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")));
    }
    Cow::Borrowed(text)
}

/// The name a field held before [`field`]: the apostrophe added before a formula removed.
pub fn unescape(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if is_formula(rest) => rest,
        _ => text,
    }
}

/// A CSV table that polars wrote, with the fields of the text columns (`text[i]`) written
/// through [`field`]. Polars keeps its formatting of numbers; only names change, and only
/// those that look like formulas.
pub fn escape_columns(csv: &[u8], text: &[bool]) -> Result<Vec<u8>, csv::Error> {
    if !text.iter().any(|&t| t) {
        return Ok(csv.to_vec());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut out = Vec::with_capacity(csv.len() + csv.len() / 16);
    let mut record = csv::StringRecord::new();
    let mut first = true;
    while reader.read_record(&mut record)? {
        for (i, value) in record.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // The header row names columns; it is ours, never a formula.
            let cell = if !first && text.get(i).copied().unwrap_or(false) {
                field(value)
            } else if value.contains([',', '"', '\n', '\r']) {
                Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
            } else {
                Cow::Borrowed(value)
            };
            out.extend_from_slice(cell.as_bytes());
        }
        out.push(b'\n');
        first = false;
    }
    Ok(out)
}

/// The text columns of a frame, for [`escape_columns`].
pub fn text_columns(df: &polars::prelude::DataFrame) -> Vec<bool> {
    df.columns()
        .iter()
        .map(|c| c.dtype() == &polars::prelude::DataType::String)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_behind_an_apostrophe() {
        assert_eq!(field("=1+2"), "\"'=1+2\"");
        assert_eq!(field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(field("+cmd|' /C calc'!A0"), "\"'+cmd|' /C calc'!A0\"");
        assert_eq!(field("-x\"y"), "\"'-x\"\"y\"");
        assert_eq!(field("\tz"), "\"'\tz\"");
        assert_eq!(field("web,1"), "\"web,1\"");
        assert_eq!(field("web"), "web");
        for name in ["=1+2", "@a", "-b", "web", "'quoted"] {
            let written = field(name);
            let read = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(written.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(unescape(&read[0]), name);
        }
    }

    #[test]
    fn only_text_columns_change() {
        let csv = b"entity,demand\n=HYPERLINK(1),-1.5\nweb,2\n";
        let out = escape_columns(csv, &[true, false]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "entity,demand\n\"'=HYPERLINK(1)\",-1.5\nweb,2\n"
        );
    }
}
