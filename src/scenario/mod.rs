//! Scenarios: parse the TOML, validate it once, and compile it into an index-based
//! [`Scenario`] that the run never has to check again.
//!
//! Every error names the file, line, column and field and says what was expected
//! ([`ScenarioError`]); trace files referenced by the scenario are read here too, so
//! `vsesim validate` catches a bad trace without running anything.

mod compile;
pub mod edit;
pub mod error;
pub mod inputs;
pub mod mobility;
pub mod overrides;
mod parse_each;
pub mod raw;
mod suggest;

pub use crate::world::Duration;
/// The calendar and duration types moved to [`crate::world`]; these paths stay for callers.
pub use crate::world::{date, duration};
pub use compile::{
    Demand, DemandSource, Growth, MAX_ERRORS, Options, Rate, Recording, ReportOptions, Scenario,
    TraceCache, load, load_all, load_str, load_str_all, load_str_all_with, load_str_with,
};
pub(crate) use compile::{field_path, read_toml};
pub use error::ScenarioError;
