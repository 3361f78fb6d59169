//! Trace files the scenario names: resolved against its folder and read, the errors pointed at
//! the field that names the file.

use super::*;

impl Compiler<'_> {
    /// A trace path the scenario names, resolved against its folder; a missing file is the
    /// scenario's error, pointed at the field that names it.
    pub(super) fn existing(
        &self,
        trace: &Spanned<String>,
        field: String,
    ) -> Result<PathBuf, Error> {
        let path = resolve(self.file, trace.get_ref());
        if path.exists() {
            return Ok(path);
        }
        Err(self.err(
            trace.span(),
            field,
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
        let table = native::read(&path, step.map(|s| s.ms()))
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
