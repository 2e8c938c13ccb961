//! Matrix expansion into test cases, and applicability of tests to an IUT's profile.

use super::model::{Profile, Suite, Test};
use serde_json::Value;

/// One test case: a test with one value for each matrix variable.
#[derive(Debug, Clone)]
pub struct TestCase<'a> {
    /// The test's id with `$var` substituted and, for the variables the id does not name,
    /// `[name=value,...]` appended: `CN.BU.SEQ.STALE[delta=0]`. Without a matrix, the id.
    pub id: String,
    /// The title with `$var` / `${var}` substituted.
    pub title: String,
    /// The matrix variables of this case, in the order the matrix lists them. The engine
    /// substitutes them in packet trees, `set:` and `capture:`.
    pub variables: Vec<(String, Value)>,
    pub test: &'a Test,
}

/// How a matrix value reads in an id or a title: strings as written, other values as JSON.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The names of the `$name` and `${name}` references in a text, in order.
pub fn variables_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    scan(text, |name| {
        out.push(name.to_string());
        None
    });
    out
}

/// Replaces `$name` and `${name}` in `text` with the value `f` gives (kept as written when
/// `f` gives none).
pub fn substitute(text: &str, vars: &[(String, Value)]) -> String {
    scan(text, |name| {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| display_value(v))
    })
}

fn scan(text: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len, braced) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(j) => (&b[..j], j + 2, true),
                None => ("", 0, true),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], n, false)
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !valid {
            out.push('$');
            rest = after;
            continue;
        }
        match f(name) {
            Some(v) => out.push_str(&v),
            None => {
                out.push('$');
                if braced {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                } else {
                    out.push_str(name);
                }
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// The most test cases one test may expand to; validation refuses larger matrices.
pub const MAX_CASES: usize = 10_000;

/// How many test cases a test's matrix gives (saturating).
pub fn case_count(test: &Test) -> usize {
    test.matrix
        .vars
        .iter()
        .fold(1usize, |n, v| n.saturating_mul(v.values.len()))
}

/// Expands a test's matrix into its test cases: the Cartesian product of the variables'
/// values, the first variable varying slowest, values in the order written. A test without a
/// matrix is one case. A test that validates gives at most [`MAX_CASES`] cases; a larger
/// matrix gives none.
pub fn expand(test: &Test) -> Vec<TestCase<'_>> {
    if case_count(test) > MAX_CASES {
        return Vec::new();
    }
    let mut combos: Vec<Vec<(String, Value)>> = vec![Vec::new()];
    for var in &test.matrix.vars {
        let mut next = Vec::with_capacity(combos.len() * var.values.len());
        for c in &combos {
            for v in &var.values {
                let mut c = c.clone();
                c.push((var.name.clone(), v.value.clone()));
                next.push(c);
            }
        }
        combos = next;
    }
    let named = variables_in(&test.id.value);
    combos
        .into_iter()
        .map(|vars| {
            let mut id = substitute(&test.id.value, &vars);
            let suffix: Vec<String> = vars
                .iter()
                .filter(|(n, _)| !named.contains(n))
                .map(|(n, v)| format!("{n}={}", display_value(v)))
                .collect();
            if !suffix.is_empty() {
                id = format!("{id}[{}]", suffix.join(","));
            }
            TestCase {
                id,
                title: substitute(&test.title.value, &vars),
                variables: vars,
                test,
            }
        })
        .collect()
}

/// Whether a test applies to an IUT with this profile: `Err` with the reason (for the
/// not-applicable verdict) when the test `requires:` a feature the profile lacks.
///
/// The suite's own role and `requires:` are checked by [`suite_applicability`];
/// [`Suite::applicability`] checks both.
pub fn applicability(test: &Test, profile: &Profile) -> Result<(), String> {
    missing(
        test.requires.iter().map(|f| f.value),
        profile,
        "the test requires",
    )
}

/// Whether a suite applies to an IUT with this profile: the roles agree and the profile has
/// every feature the suite `requires:`.
pub fn suite_applicability(suite: &Suite, profile: &Profile) -> Result<(), String> {
    if suite.role.value != profile.role.value {
        return Err(format!(
            "the suite tests a {} and profile \"{}\" is a {}",
            suite.role.value, profile.profile.value, profile.role.value
        ));
    }
    missing(
        suite.requires.iter().map(|f| f.value),
        profile,
        "the suite requires",
    )
}

fn missing(
    needed: impl Iterator<Item = super::model::Feature>,
    profile: &Profile,
    what: &str,
) -> Result<(), String> {
    let lacking: Vec<&str> = needed
        .filter(|f| !profile.has(*f))
        .map(|f| f.name())
        .collect();
    if lacking.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{what} {}, which profile \"{}\" does not list",
            lacking.join(", "),
            profile.profile.value
        ))
    }
}

impl Suite {
    /// [`suite_applicability`], then [`applicability`].
    pub fn applicability(&self, test: &Test, profile: &Profile) -> Result<(), String> {
        suite_applicability(self, profile)?;
        applicability(test, profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution() {
        let vars = vec![
            ("a".to_string(), Value::from(1)),
            ("name".to_string(), Value::from("x")),
        ];
        assert_eq!(substitute("T.$a.${name}-$b $ $1", &vars), "T.1.x-$b $ $1");
        assert_eq!(variables_in("A=$a, ${bc} $_d $9"), vec!["a", "bc", "_d"]);
    }
}
