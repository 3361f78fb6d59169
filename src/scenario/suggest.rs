//! "Did you mean `cores`?": the nearest known name to an unknown one, for serde's "unknown
//! field" and "unknown variant" messages.
//!
//! An edit distance in twenty lines rather than a crate (`strsim`): the lists are short (a table's
//! fields) and the names shorter.

/// serde's `unknown field `x`, expected one of `a`, `b`` (or `expected `a``), with the nearest
/// of the expected names first: "unknown field `x`; did you mean `a`? (expected one of …)".
/// Other messages are returned as they are.
pub fn did_you_mean(message: &str) -> String {
    let Some((head, expected)) = message.split_once(", expected ") else {
        return message.to_string();
    };
    if !(head.starts_with("unknown field `") || head.starts_with("unknown variant `")) {
        return message.to_string();
    }
    let Some(found) = head.split('`').nth(1) else {
        return message.to_string();
    };
    let known: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| !k.is_empty())
        .collect();
    match nearest(found, &known) {
        Some(best) => format!("{head}; did you mean `{best}`? (expected {expected})"),
        None => message.to_string(),
    }
}

/// The known name closest to `found`, if it is close enough to be a typo: at most a third of
/// its letters wrong (at least one), compared without case.
pub fn nearest<'k>(found: &str, known: &[&'k str]) -> Option<&'k str> {
    let f = found.to_lowercase();
    let limit = (f.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (distance(&f, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance with adjacent transpositions (optimal string alignment): insertions,
/// deletions, substitutions and swaps of two neighbours each count 1, so `coers` is one edit
/// from `cores`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("cores", "cores"), 0);
        assert_eq!(distance("util_limt", "util_limit"), 1);
        assert_eq!(distance("coers", "cores"), 1);
    }

    #[test]
    fn suggests_the_nearest_field_only_when_close() {
        let m = "unknown field `coers`, expected one of `name`, `cores`, `cells`";
        assert_eq!(
            did_you_mean(m),
            "unknown field `coers`; did you mean `cores`? (expected one of `name`, `cores`, `cells`)"
        );
        let far = "unknown field `banana`, expected one of `name`, `cores`";
        assert_eq!(did_you_mean(far), far);
        let variant = "unknown variant `lpar`, expected one of `npar`, `vpar`, `vm`, `srp`";
        assert!(did_you_mean(variant).contains("did you mean `npar`?"));
        assert_eq!(did_you_mean("missing field `seed`"), "missing field `seed`");
    }
}
