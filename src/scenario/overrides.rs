//! What-if overrides: `vsesim run SCENARIO --set path=value …` edits the scenario's TOML at
//! the same field paths a sweep's axes take (`partitions[name=vp-app].cores=4`,
//! `workloads[name=web].scale=1.5`), so a planner tries one change without copying the file,
//! and later sweeps the same path. The edit itself is [`super::edit`]'s, which sweeps use too.
//!
//! Errors keep their places: a scenario that was already invalid reports its own lines; an
//! override that cannot be applied, or that makes the scenario invalid, names the `--set`
//! argument.

use super::edit::{self, FieldPath, Param};
use super::{Scenario, load_str_all, read_toml};
use crate::Error;
use std::path::Path;

/// One `--set path=value`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: FieldPath,
    pub value: Param,
    /// The argument as given, for messages.
    pub text: String,
}

pub use crate::world::Applied;

impl Override {
    /// `path=value`: the path as a sweep axis writes it, the value a TOML value (`4`, `1.5`,
    /// `true`, `"text"`) or, when it is not one, plain text (`6h`, `fit`, `vp-app`). The `=`
    /// that separates them is the first outside `[…]`: `partitions[name=vp-app].cores=4`.
    pub fn parse(arg: &str) -> Result<Override, String> {
        let mut depth = 0i32;
        let mut split = None;
        for (i, c) in arg.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                '=' if depth == 0 => {
                    split = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(i) = split else {
            // `--set` takes several values, so a scenario written after it lands here.
            let hint = if arg.ends_with(".toml") {
                "; a scenario file goes before --set: vsesim run SCENARIO --set PATH=VALUE"
            } else {
                ""
            };
            return Err(format!(
                "`{arg}`: expected PATH=VALUE, e.g. partitions[name=vp-app].cores=4{hint}"
            ));
        };
        let (path, raw) = (&arg[..i], arg[i + 1..].trim());
        let path = FieldPath::parse(path).map_err(|m| format!("`{arg}`: {m}"))?;
        if raw.is_empty() {
            return Err(format!("`{arg}`: no value after `=`"));
        }
        Ok(Override {
            path,
            value: value_of(raw).map_err(|m| format!("`{arg}`: {m}"))?,
            text: arg.to_string(),
        })
    }

    pub fn applied(&self) -> Applied {
        Applied {
            path: self.path.to_string(),
            value: self.value.to_toml().to_string(),
        }
    }
}

/// A value as TOML reads it; text that is not a TOML value is taken as it stands.
fn value_of(raw: &str) -> Result<Param, String> {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(t) => match &t["v"] {
            toml::Value::Integer(i) => Ok(Param::Int(*i)),
            toml::Value::Float(x) if x.is_finite() => Ok(Param::Float(*x)),
            toml::Value::Boolean(b) => Ok(Param::Bool(*b)),
            toml::Value::String(s) => Ok(Param::Text(s.clone())),
            toml::Value::Datetime(_) => Ok(Param::Text(raw.to_string())),
            toml::Value::Float(_) => Err("expected a finite number".into()),
            toml::Value::Array(_) | toml::Value::Table(_) => Err(
                "sets one value; name a field inside the list or table, e.g. policy.owned=3".into(),
            ),
        },
        Err(_) => Ok(Param::Text(raw.to_string())),
    }
}

/// The scenario at `path` with `overrides` applied in order, compiled; every error (up to
/// [`super::MAX_ERRORS`]) exits 2.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, Vec<Error>> {
    let text = read_toml(path, "scenario").map_err(|e| vec![e])?;
    if overrides.is_empty() {
        return load_str_all(path, &text);
    }
    // A file TOML cannot read is reported by the compiler, with its lines.
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return load_str_all(path, &text);
    };
    for o in overrides {
        edit::replace(&mut table, &o.path, &o.value)
            .map_err(|m| vec![Error::Usage(format!("--set {}: {m}", o.text))])?;
    }
    let edited = toml::to_string(&table)
        .map_err(|e| vec![Error::Internal(format!("writing the edited scenario: {e}"))])?;
    load_str_all(path, &edited).map_err(|errors| {
        // Already invalid without the overrides: its own errors, at their lines.
        if let Err(own) = load_str_all(path, &text) {
            return own;
        }
        let sets: Vec<&str> = overrides.iter().map(|o| o.text.as_str()).collect();
        errors
            .into_iter()
            .map(|e| match e {
                Error::Input(se) => Error::Usage(format!(
                    "--set {} makes an invalid scenario: {}: {}{}",
                    sets.join(" "),
                    path.display(),
                    if se.field.is_empty() {
                        String::new()
                    } else {
                        format!("{}: ", se.field)
                    },
                    se.message
                )),
                other => other,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_with_selectors_and_values_of_every_kind() {
        let o = Override::parse("partitions[name=vp-app].cores=4").unwrap();
        assert_eq!(o.path.to_string(), "partitions[name=vp-app].cores");
        assert_eq!(o.value, Param::Int(4));
        for (arg, value) in [
            ("a.b=1.5", Param::Float(1.5)),
            ("a.b=true", Param::Bool(true)),
            ("a.b=\"x y\"", Param::Text("x y".into())),
            ("a.b=6h", Param::Text("6h".into())),
            ("a.b=-6h", Param::Text("-6h".into())),
            ("a.b=fit", Param::Text("fit".into())),
            ("a.b=2011-03-03", Param::Text("2011-03-03".into())),
            ("a.b = 3", Param::Int(3)),
        ] {
            assert_eq!(Override::parse(arg).unwrap().value, value, "{arg}");
        }
        for bad in ["cores", "=4", "a.b=", "a..b=1", "a.b=[1, 2]", "a.b={x = 1}"] {
            assert!(Override::parse(bad).is_err(), "{bad}");
        }
        // `vsesim run --set a=1 demo.toml`: the scenario was taken for an override.
        let e = Override::parse("scenarios/demo.toml").unwrap_err();
        assert!(e.contains("a scenario file goes before --set"), "{e}");
        assert!(
            !Override::parse("cores")
                .unwrap_err()
                .contains("before --set")
        );
        assert_eq!(
            Override::parse("a[name=x].b=1").unwrap().applied(),
            Applied {
                path: "a[name=x].b".into(),
                value: "1".into()
            }
        );
    }
}
