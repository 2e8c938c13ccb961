//! Diagnostics (`path:line:col: message`), source locations and "did you mean" suggestions.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a YAML file: line and column, both from 1. `Loc::UNKNOWN` (0, 0) when the
/// place is not known (a default value, a whole file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

impl Loc {
    /// No known place.
    pub const UNKNOWN: Loc = Loc { line: 0, col: 0 };

    pub fn new(line: u32, col: u32) -> Loc {
        Loc { line, col }
    }

    pub fn is_known(&self) -> bool {
        self.line > 0
    }

    /// `self` when known, else `other`.
    pub fn or(self, other: Loc) -> Loc {
        if self.is_known() {
            self
        } else {
            other
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One problem found in a suite, topology, profile or fixture file.
///
/// Displayed as `path:line:col: message`; as `path: message` when the problem has no place in
/// the file (it cannot be read, a directory holds no YAML file).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Diagnostic {
    pub fn new(path: &Path, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.to_path_buf(),
            line: loc.line,
            col: loc.col,
            message: message.into(),
        }
    }

    pub fn loc(&self) -> Loc {
        Loc::new(self.line, self.col)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.col,
                self.message
            )
        }
    }
}

impl std::error::Error for Diagnostic {}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions), on chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The candidate closest to `word`, if one is close enough to be what the author meant: the
/// same word in another case, a word that starts with the other, or a few typos away.
pub fn suggest<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let cl = c.to_lowercase();
        let d = if cl == lower {
            0
        } else if lower.len() >= 3 && (cl.starts_with(&lower) || lower.starts_with(&cl)) {
            1
        } else {
            edit_distance(&lower, &cl)
        };
        let len = word.chars().count();
        let limit = (c.chars().count().max(len) / 3).max(1);
        if d <= limit && d < len && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// `message` followed by ` — did you mean "x"?` when a candidate is close to `word`.
pub fn with_suggestion<'a, I>(message: String, word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match suggest(word, candidates) {
        Some(s) => format!("{message} — did you mean \"{s}\"?"),
        None => message,
    }
}

/// Turns a serde-saphyr error into a diagnostic: the place, and a message for people (the
/// library's texts for unknown keys, unknown names, duplicate keys and number overflows are
/// rewritten, with a suggestion where one fits).
pub(crate) fn from_yaml_error(path: &Path, e: &serde_saphyr::Error) -> Diagnostic {
    let loc = e
        .location()
        .map(|l| Loc::new(l.line() as u32, l.column() as u32))
        .unwrap_or(Loc::new(1, 1));
    let raw = e.without_snippet().to_string();
    let msg = match raw.rfind(" at line ") {
        Some(i) if raw[i..].contains(", column ") => raw[..i].to_string(),
        _ => raw,
    };
    Diagnostic::new(path, loc, rewrite_message(&msg))
}

fn rewrite_message(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (word, expected) = split_expected(rest);
        let m = format!("unknown key \"{word}\"");
        return match suggest(&word, expected.iter().map(String::as_str)) {
            Some(s) => format!("{m} — did you mean \"{s}\"?"),
            None if expected.is_empty() => m,
            None => format!("{m}; expected one of: {}", expected.join(", ")),
        };
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let (word, expected) = split_expected(rest);
        let m = format!("unknown name \"{word}\"");
        return match suggest(&word, expected.iter().map(String::as_str)) {
            Some(s) => format!(
                "{m} — did you mean \"{s}\"? (expected one of: {})",
                expected.join(", ")
            ),
            None => format!("{m}; expected one of: {}", expected.join(", ")),
        };
    }
    if let Some(rest) = msg.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return format!("duplicate key \"{key}\" (each key may appear once in a mapping)");
    }
    if let Some(ty) = msg.strip_prefix("invalid ") {
        let range = match ty {
            "u8" => Some("0 to 255"),
            "u16" => Some("0 to 65535"),
            "u32" => Some("0 to 4294967295"),
            "u64" | "usize" => Some("0 to 18446744073709551615"),
            _ => None,
        };
        if let Some(r) = range {
            return format!("expected a whole number from {r}");
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("missing key \"{}\"", rest.trim_matches('`'));
    }
    if msg == "expected sequence start" {
        return "expected a list (`[a, b]`, or lines starting with `- `)".into();
    }
    if msg.contains("non-finite float") {
        return "number is too large (not finite): write large values as strings or hex".into();
    }
    if msg == "invalid IPv6 address syntax" {
        return "invalid IPv6 address: expected e.g. \"2001:db8:1::100\"".into();
    }
    if msg.contains("found a tab") {
        return format!("{msg}: YAML indents with spaces, never tabs");
    }
    if msg.starts_with("multiple YAML documents") {
        return "a file holds one YAML document: remove the `---` and what follows, or split the file".into();
    }
    if msg.starts_with("cannot deserialize null into string") {
        return "expected text here, not null (~ or nothing)".into();
    }
    if msg.starts_with("budget breached") {
        return format!("the file is too large or its aliases expand too far ({msg})");
    }
    if msg == "unexpected end of input" {
        return "unexpected end of the file (is it empty?)".into();
    }
    if msg == "expected mapping start" {
        return "expected a mapping (`key: value` lines)".into();
    }
    msg.to_string()
}

/// From "`word`, expected one of a, b" (serde's and serde-saphyr's forms): the word and the
/// expected names.
fn split_expected(rest: &str) -> (String, Vec<String>) {
    let rest = rest.trim_start_matches('`');
    let (word, tail) = match rest.find('`') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let expected = match tail.find("expected ") {
        Some(i) => {
            let list = tail[i + "expected ".len()..].trim_start_matches("one of ");
            list.split(", ")
                .flat_map(|s| s.split(" or "))
                .map(|s| s.trim().trim_matches('`').to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }
        None => Vec::new(),
    };
    (word.to_string(), expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("sned", "send"), 1);
        assert_eq!(edit_distance("behaviour", "behaviours"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        let c = ["send", "expect", "expect_none", "wait", "set", "responders"];
        assert_eq!(suggest("sned", c).as_deref(), Some("send"));
        assert_eq!(suggest("expct", c).as_deref(), Some("expect"));
        assert_eq!(suggest("banana", c), None);
        assert_eq!(
            suggest("must", ["MUST", "SHOULD", "MAY"]).as_deref(),
            Some("MUST")
        );
        assert_eq!(
            suggest("correspondent", ["correspondent-node", "home-agent"]).as_deref(),
            Some("correspondent-node")
        );
    }

    #[test]
    fn rewrites() {
        assert_eq!(
            rewrite_message("unknown field `behaviour`, expected one of id, behaviours"),
            "unknown key \"behaviour\" — did you mean \"behaviours\"?"
        );
        assert_eq!(
            rewrite_message("unknown field `x`, expected `a` or `b`"),
            "unknown key \"x\"; expected one of: a, b"
        );
    }
}
