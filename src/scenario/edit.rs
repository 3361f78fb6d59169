//! Field paths into a scenario's TOML document, and setting values along them: a sweep
//! point's axes and `--set` overrides. It lives with the scenario, below `sweep`, because the
//! scenario's overrides use it too.
//!
//! A sweep never edits the compiled [`Scenario`](crate::scenario::Scenario): it edits the base
//! scenario's TOML table, serializes it and compiles that text, so every value a sweep sets
//! goes through the same validation as a hand-written scenario.
//!
//! Path syntax (docs/SWEEP.md): keys joined by dots, each followed by any number of selectors
//! on a list: `[2]` (an index from 0), `[*]` (every element) or `[name=vp-erp]` (every element
//! whose `name` field is `vp-erp`). `policies[domain=sd].compartments[*].policy.owned`.

use serde::{Deserialize, Serialize};
use std::fmt;
use toml::{Table, Value};

/// One value of an axis: what a point sets at the axis's path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Param {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

impl Param {
    pub fn to_toml(&self) -> toml::Value {
        match self {
            Param::Int(i) => toml::Value::Integer(*i),
            Param::Float(x) => toml::Value::Float(*x),
            Param::Bool(b) => toml::Value::Boolean(*b),
            Param::Text(s) => toml::Value::String(s.clone()),
        }
    }

    /// As a number, for charts and sorting (text and booleans are not numbers).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Param::Int(i) => Some(*i as f64),
            Param::Float(x) => Some(*x),
            _ => None,
        }
    }

    pub(crate) fn of(v: &toml::Value) -> Option<Param> {
        Some(match v {
            toml::Value::Integer(i) => Param::Int(*i),
            toml::Value::Float(x) if x.is_finite() => Param::Float(*x),
            toml::Value::Boolean(b) => Param::Bool(*b),
            toml::Value::String(s) => Param::Text(s.clone()),
            _ => return None,
        })
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Int(i) => write!(f, "{i}"),
            // Debug keeps the point: 1.0, not 1, so a float reads as one.
            Param::Float(x) => write!(f, "{x:?}"),
            Param::Bool(b) => write!(f, "{b}"),
            Param::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

/// A parsed field path.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    key: String,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Index(usize),
    All,
    /// Elements whose `key` field, written as TOML would show it unquoted, equals `value`.
    Match {
        key: String,
        value: String,
    },
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl FieldPath {
    /// Parse `a.b[0].c[*].d[name=x]`; the error says what was expected where.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut segments = Vec::new();
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(
                "the path is empty; expected keys joined by dots, e.g. `servers[0].active_cores`"
                    .into(),
            );
        }
        loop {
            let end = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
            if end == 0 {
                return Err(format!(
                    "expected a key (letters, digits, `_` or `-`) at `{rest}`"
                ));
            }
            let mut segment = Segment {
                key: rest[..end].to_string(),
                selectors: Vec::new(),
            };
            rest = &rest[end..];
            while let Some(after) = rest.strip_prefix('[') {
                let close = after
                    .find(']')
                    .ok_or_else(|| format!("`[` without `]` at `[{after}`"))?;
                let inside = after[..close].trim();
                segment.selectors.push(if inside == "*" {
                    Selector::All
                } else if let Some((k, v)) = inside.split_once('=') {
                    let (k, v) = (k.trim(), v.trim().trim_matches('"'));
                    if k.is_empty() || !k.chars().all(is_key_char) || v.is_empty() {
                        return Err(format!(
                            "`[{inside}]`: expected `[key=value]`, e.g. `[name=vp-erp]`"
                        ));
                    }
                    Selector::Match {
                        key: k.to_string(),
                        value: v.to_string(),
                    }
                } else {
                    Selector::Index(inside.parse().map_err(|_| {
                        format!(
                            "`[{inside}]`: expected an index from 0, `*` (every element) or `key=value`"
                        )
                    })?)
                });
                rest = &after[close + 1..];
            }
            segments.push(segment);
            if rest.is_empty() {
                return Ok(FieldPath { segments });
            }
            rest = rest.strip_prefix('.').ok_or_else(|| {
                format!(
                    "expected `.` or `[` after `{}`, found `{rest}`",
                    text.trim().strip_suffix(rest).unwrap_or(text)
                )
            })?;
        }
    }

    /// The last key: a default name for the axis.
    pub fn leaf(&self) -> &str {
        &self.segments[self.segments.len() - 1].key
    }

    /// True when the path is exactly `scenario.seed`, which replicas set.
    pub fn is_seed(&self) -> bool {
        self.segments.len() == 2
            && self.segments[0].key == "scenario"
            && self.segments[1].key == "seed"
            && self.segments.iter().all(|s| s.selectors.is_empty())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&s.key)?;
            for sel in &s.selectors {
                match sel {
                    Selector::Index(n) => write!(f, "[{n}]")?,
                    Selector::All => f.write_str("[*]")?,
                    Selector::Match { key, value } => write!(f, "[{key}={value}]")?,
                }
            }
        }
        Ok(())
    }
}

/// Set `value` at every field `path` selects in `table`; returns the concrete paths set (with
/// indexes, e.g. `policies[0].compartments[2].policy.owned`).
///
/// Every table and list element on the way must exist in the base; the last key may be absent
/// (a field left at its default), and is then added. The value keeps the type the base gives
/// the field: an integer is written into a float field as a float, and a float into an integer
/// field is an error, as is a number into a text field or a value in place of a table.
pub fn set(table: &mut Table, path: &FieldPath, value: &Param) -> Result<Vec<String>, String> {
    set_with(table, path, value, true)
}

/// [`set`] for `vsesim run --set`: a value of another kind than the base's replaces it (a
/// growth rate of 0.2 by `"fit"`, a number by a duration text), and the scenario's own
/// checks judge it; numbers still keep the base's integer or float kind. A table missing on
/// the way is added (`report.growth.cpu=fit` on a scenario without `[report] growth`): the
/// scenario's checks refuse a misspelt key with its nearest name, so nothing is silently
/// ignored; list elements are never made up. A sweep keeps the kind and adds no table,
/// because every point of an axis must set the same kind of value in the same place.
pub fn replace(table: &mut Table, path: &FieldPath, value: &Param) -> Result<Vec<String>, String> {
    set_with(table, path, value, false)
}

fn set_with(
    table: &mut Table,
    path: &FieldPath,
    value: &Param,
    strict: bool,
) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    walk(
        table,
        &path.segments,
        String::new(),
        !strict,
        &mut |existing, trail| {
            let new = match coerce(existing, value, trail) {
                Err(_)
                    if !strict && matches!(existing, Some(v) if !v.is_table() && !v.is_array()) =>
                {
                    value.to_toml()
                }
                other => other?,
            };
            done.push(trail.to_string());
            Ok(new)
        },
    )?;
    Ok(done)
}

/// What to store at a leaf, given the base's value there (None: an absent last key).
type Assign<'f> = &'f mut dyn FnMut(Option<&Value>, &str) -> Result<Value, String>;

/// `create`: add a missing table on the way (not a list, nor its elements).
fn walk(
    table: &mut Table,
    segments: &[Segment],
    trail: String,
    create: bool,
    f: Assign<'_>,
) -> Result<(), String> {
    let (seg, rest) = segments.split_first().expect("a path has a segment");
    let here = if trail.is_empty() {
        seg.key.clone()
    } else {
        format!("{trail}.{}", seg.key)
    };
    let last = rest.is_empty();
    if last && seg.selectors.is_empty() {
        let new = f(table.get(&seg.key), &here)?;
        table.insert(seg.key.clone(), new);
        return Ok(());
    }
    if create && seg.selectors.is_empty() && !table.contains_key(&seg.key) {
        table.insert(seg.key.clone(), Value::Table(Table::new()));
    }
    let Some(value) = table.get_mut(&seg.key) else {
        return Err(format!(
            "`{here}` does not exist in the base scenario{}",
            keys_hint(table)
        ));
    };
    let mut current: Vec<(&mut Value, String)> = vec![(value, here)];
    for sel in &seg.selectors {
        let mut next = Vec::new();
        for (v, trail) in current {
            let kind = describe(v);
            let Value::Array(items) = v else {
                return Err(format!(
                    "`{trail}` is {kind}, not a list; `{}` selects list elements",
                    selector_text(sel)
                ));
            };
            let len = items.len();
            match sel {
                Selector::Index(i) => {
                    if *i >= len {
                        return Err(format!(
                            "`{trail}[{i}]` does not exist in the base scenario: `{trail}` has {len} element{}{}",
                            if len == 1 { "" } else { "s" },
                            if len > 0 {
                                format!(" (0 to {})", len - 1)
                            } else {
                                String::new()
                            }
                        ));
                    }
                    next.push((&mut items[*i], format!("{trail}[{i}]")));
                }
                Selector::All => {
                    if len == 0 {
                        return Err(format!("`{trail}` is an empty list; `[*]` selects nothing"));
                    }
                    for (i, item) in items.iter_mut().enumerate() {
                        next.push((item, format!("{trail}[{i}]")));
                    }
                }
                Selector::Match { key, value } => {
                    let before = next.len();
                    let mut seen = Vec::new();
                    for (i, item) in items.iter_mut().enumerate() {
                        let field = item.as_table().and_then(|t| t.get(key)).map(plain);
                        if field.as_deref() == Some(value.as_str()) {
                            next.push((item, format!("{trail}[{i}]")));
                        } else if let Some(f) = field {
                            seen.push(f);
                        }
                    }
                    if next.len() == before {
                        return Err(format!(
                            "no element of `{trail}` has {key} = {value}{}",
                            if seen.is_empty() {
                                String::new()
                            } else {
                                format!(" (found: {})", seen.join(", "))
                            }
                        ));
                    }
                }
            }
        }
        current = next;
    }
    for (v, trail) in current {
        if last {
            *v = f(Some(v), &trail)?;
        } else {
            let kind = describe(v);
            let Value::Table(t) = v else {
                return Err(format!(
                    "`{trail}` is {kind}, not a table; `{trail}.{}` cannot exist",
                    rest[0].key
                ));
            };
            walk(t, rest, trail, create, f)?;
        }
    }
    Ok(())
}

/// The value to store at a leaf whose base value is `existing` (None: absent).
fn coerce(existing: Option<&Value>, p: &Param, trail: &str) -> Result<Value, String> {
    Ok(match (existing, p) {
        (None, p) => p.to_toml(),
        (Some(Value::Integer(_)), Param::Int(i)) => Value::Integer(*i),
        // A whole number given as a float (an axis mixing 1 and 1.5 holds floats).
        (Some(Value::Integer(_)), Param::Float(x)) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            Value::Integer(*x as i64)
        }
        (Some(Value::Integer(_)), Param::Float(x)) => {
            return Err(format!(
                "`{trail}` is a whole number in the base scenario; expected whole-number values, found {x}"
            ));
        }
        (Some(Value::Float(_)), Param::Int(i)) => Value::Float(*i as f64),
        (Some(Value::Float(_)), Param::Float(x)) => Value::Float(*x),
        (Some(Value::String(_)), Param::Text(s)) => Value::String(s.clone()),
        (Some(Value::Boolean(_)), Param::Bool(b)) => Value::Boolean(*b),
        (Some(v @ (Value::Table(_) | Value::Array(_))), _) => {
            return Err(format!(
                "`{trail}` is {} in the base scenario; an axis sets one value: name a field inside it",
                describe(v)
            ));
        }
        (Some(v), p) => {
            return Err(format!(
                "`{trail}` is {} in the base scenario; expected values of that kind, found {}",
                describe(v),
                p
            ));
        }
    })
}

fn selector_text(sel: &Selector) -> String {
    match sel {
        Selector::Index(i) => format!("[{i}]"),
        Selector::All => "[*]".into(),
        Selector::Match { key, value } => format!("[{key}={value}]"),
    }
}

/// A value as a path selector compares it: strings without quotes, others as TOML writes them.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a text",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

fn keys_hint(table: &Table) -> String {
    if table.is_empty() {
        return String::new();
    }
    let keys: Vec<&str> = table.keys().map(String::as_str).collect();
    format!("; here it has: {}", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Table {
        r#"
[scenario]
name = "t"
seed = 1

[[servers]]
name = "sd"
active_cores = 4
core_speed = 1.5
ticap = { balance_core_minutes = 100 }

[[partitions]]
name = "a"
cores = 2

[[partitions]]
name = "b"
cores = 3
"#
        .parse()
        .unwrap()
    }

    fn path(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints_paths() {
        let p = path("policies[domain=sd].compartments[*].policy.owned");
        assert_eq!(
            p.to_string(),
            "policies[domain=sd].compartments[*].policy.owned"
        );
        assert_eq!(p.leaf(), "owned");
        assert!(path("scenario.seed").is_seed());
        for bad in ["", "a..b", "a[", "a[x]", "a[=1]", "a b", ".a"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn sets_by_index_wildcard_and_match() {
        let mut t = base();
        let done = set(&mut t, &path("partitions[*].cores"), &Param::Int(5)).unwrap();
        assert_eq!(done, ["partitions[0].cores", "partitions[1].cores"]);
        set(&mut t, &path("partitions[name=b].cores"), &Param::Int(7)).unwrap();
        let p = t["partitions"].as_array().unwrap();
        assert_eq!(
            (p[0]["cores"].as_integer(), p[1]["cores"].as_integer()),
            (Some(5), Some(7))
        );
        set(
            &mut t,
            &path("servers[0].ticap.balance_core_minutes"),
            &Param::Int(9),
        )
        .unwrap();
        assert_eq!(
            t["servers"][0]["ticap"]["balance_core_minutes"].as_integer(),
            Some(9)
        );
    }

    #[test]
    fn keeps_the_base_type_and_adds_an_absent_leaf() {
        let mut t = base();
        set(&mut t, &path("servers[0].core_speed"), &Param::Int(2)).unwrap();
        assert_eq!(t["servers"][0]["core_speed"].as_float(), Some(2.0));
        let e = set(&mut t, &path("servers[0].active_cores"), &Param::Float(2.5)).unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        set(&mut t, &path("servers[0].rights"), &Param::Int(3)).unwrap();
        assert_eq!(t["servers"][0]["rights"].as_integer(), Some(3));
        let e = set(&mut t, &path("servers[0].ticap"), &Param::Int(3)).unwrap_err();
        assert!(e.contains("a table"), "{e}");
    }

    #[test]
    fn replace_lets_another_kind_of_value_in() {
        let mut t = base();
        replace(
            &mut t,
            &path("servers[0].core_speed"),
            &Param::Text("x".into()),
        )
        .unwrap();
        assert_eq!(t["servers"][0]["core_speed"].as_str(), Some("x"));
        // Numbers keep the base's kind; a table is still not a value.
        replace(&mut t, &path("servers[0].active_cores"), &Param::Float(6.0)).unwrap();
        assert_eq!(t["servers"][0]["active_cores"].as_integer(), Some(6));
        let e = replace(&mut t, &path("servers[0].ticap"), &Param::Int(3)).unwrap_err();
        assert!(e.contains("a table"), "{e}");
        assert!(
            set(
                &mut t,
                &path("partitions[0].cores"),
                &Param::Text("y".into())
            )
            .is_err()
        );
    }

    #[test]
    fn says_what_is_missing() {
        let mut t = base();
        let e = set(&mut t, &path("partitions[2].cores"), &Param::Int(1)).unwrap_err();
        assert!(
            e.contains("`partitions[2]` does not exist") && e.contains("0 to 1"),
            "{e}"
        );
        let e = set(&mut t, &path("policies[0].interval"), &Param::Int(1)).unwrap_err();
        assert!(e.contains("`policies` does not exist"), "{e}");
        let e = set(&mut t, &path("partitions[name=zz].cores"), &Param::Int(1)).unwrap_err();
        assert!(e.contains("found: a, b"), "{e}");
        let e = set(&mut t, &path("servers[0].name.x"), &Param::Int(1)).unwrap_err();
        assert!(e.contains("not a table"), "{e}");
    }

    /// `--set` adds missing tables on the way, never lists or their elements; a sweep adds
    /// neither.
    #[test]
    fn replace_adds_missing_tables_only() {
        let mut t = base();
        let fit = Param::Text("fit".into());
        assert!(set(&mut t, &path("report.growth.cpu"), &fit).is_err());
        replace(&mut t, &path("report.growth.cpu"), &fit).unwrap();
        assert_eq!(t["report"]["growth"]["cpu"].as_str(), Some("fit"));
        let e = replace(&mut t, &path("policies[0].interval"), &Param::Int(1)).unwrap_err();
        assert!(e.contains("`policies` does not exist"), "{e}");
        let e = replace(&mut t, &path("servers[5].x.y"), &Param::Int(1)).unwrap_err();
        assert!(e.contains("`servers[5]` does not exist"), "{e}");
    }
}
