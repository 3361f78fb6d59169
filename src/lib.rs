//! vsesim: a discrete-event capacity simulator for partitioned servers under workload
//! managers and utility pricing.
//!
//! Data flows one way: [`scenario`] (parse, validate, compile) → [`model`] (the partition tree)
//! and [`workload`] (demand) → [`sim`] (the fluid model driven by the [`engine`]) → [`report`]
//! (what the run recorded, as files). Only `cli` touches the terminal. [`mobility`] holds the
//! pure models of moving guests (migration, overload detection, placement) that the run uses.

pub mod cli;
pub mod codec;
pub mod engine;
pub mod ha;
pub mod input;
pub mod licensing;
pub mod mobility;
pub mod model;
pub mod output;
pub mod plan;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod split;
pub mod study;
pub mod sweep;
pub mod workload;
pub mod world;

use std::path::PathBuf;

/// Everything that can stop a command, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad scenario: exit 2.
    #[error("{0}")]
    Input(Box<scenario::ScenarioError>),
    /// A bad trace: exit 2.
    #[error("{source}\n  in {context}")]
    Trace {
        source: Box<workload::TraceError>,
        context: String,
    },
    /// Several errors of one input (`validate` lists up to 20 of a scenario's): exit 2 when
    /// any is bad input.
    #[error("{}", several(.0))]
    Several(Vec<Error>),
    /// Bad command-line use: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing failed: exit 1.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An invariant of the simulation broke (a bug, never bad input): exit 1.
    #[error("internal error: {0}")]
    Internal(String),
    /// Stopped by Ctrl-C or SIGTERM before the work was done; what was finished is kept:
    /// exit 130, the shell's code for a command ended by SIGINT.
    #[error("{0}")]
    Interrupted(String),
    /// The run went well but its verdict exceeds, and `--fail-on exceeds` asked a pipeline
    /// to be told by the exit status: exit 3. Every output is written.
    #[error("{0}")]
    VerdictExceeds(String),
}

impl Error {
    /// 0 done, 1 run or I/O failure, 2 bad input (DESIGN.md); 3 the verdict exceeds (with
    /// `--fail-on exceeds`); 130 interrupted.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Trace { .. } | Error::Usage(_) => 2,
            Error::Several(all) => all.iter().map(Error::exit_code).max().unwrap_or(2),
            Error::Io { .. } | Error::Internal(_) => 1,
            Error::VerdictExceeds(_) => 3,
            Error::Interrupted(_) => 130,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Errors one after another, each on its own `error:` line as `main` prints the first, and
/// their count.
fn several(all: &[Error]) -> String {
    let mut out = String::new();
    for (i, e) in all.iter().enumerate() {
        if i > 0 {
            out.push_str("\nerror: ");
        }
        out.push_str(&e.to_string());
    }
    out.push_str(&format!(
        "\n{} errors{}",
        all.len(),
        if all.len() >= scenario::MAX_ERRORS {
            " (the first ones; fix them and check again)"
        } else {
            ""
        }
    ));
    out
}
