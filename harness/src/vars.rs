//! Variables, topology names and value resolution for packet trees (docs/test-language.md §6).
//!
//! A packet tree (to send or to expect) reaches the engine as a [`serde_json::Value`]. Its
//! scalar values are resolved here before they are used:
//!
//! * `$name` or `$name.field.sub` (or `${name.field}`) standing alone is the value of a variable
//!   (whatever its JSON type); when no variable has that first name the whole dotted name is
//!   looked up as a topology name (`${mn0.hoa}`).
//! * `${...}` inside a longer string is interpolated: `"${prefix}::1"`. `$$` is a literal `$`.
//! * `{fn: kbm, home_token: .., care_of_token: ..}` and `{fn: seq_add, base: .., delta: ..}` are
//!   built-in functions.
//! * Where an address is expected, a string that parses as an IPv6, IPv4 or MAC address is taken
//!   literally and any other string is a topology name ([`Names`]): `mn0.hoa`, `iut.addr`,
//!   `r1.mac`.
//!
//! Errors name the place in the tree (`mh.binding_update.seq: unknown variable $hot`) and
//! suggest the nearest known name.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use mip6_packets::util::{from_hex, to_hex};
use mip6_packets::MacAddr;

/// An error in a packet tree, an edit list, a condition or a capture list: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeError {
    /// Dotted path in the tree: `mh.binding_update.seq`, `dest_opts[0].home_address`.
    pub path: String,
    pub message: String,
}

impl TreeError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        TreeError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error with `prefix` put in front of its path (`packet`, `steps[2].send.packet`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = join(prefix, &self.path);
        self
    }
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for TreeError {}

pub type Result<T> = std::result::Result<T, TreeError>;

/// `a.b`, or just one of them when the other is empty.
pub fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ if b.starts_with('[') => format!("{a}{b}"),
        _ => format!("{a}.{b}"),
    }
}

/// Topology names (`mn0.hoa`, `iut.addr`, `r1.mac`, `iut.mac`), resolved by the engine from the
/// topology file.
pub trait Names {
    /// The value of a name (usually an address string), `None` when it is not known.
    fn resolve(&self, name: &str) -> Option<Value>;
    /// Every known name, for "did you mean" suggestions.
    fn known(&self) -> Vec<String> {
        Vec::new()
    }
}

/// No topology: every name is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNames;

impl Names for NoNames {
    fn resolve(&self, _: &str) -> Option<Value> {
        None
    }
}

/// A fixed table of names, e.g. `{"mn0.hoa": "2001:db8:1::100"}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameTable(pub BTreeMap<String, Value>);

impl NameTable {
    pub fn new() -> Self {
        NameTable::default()
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.to_string(), value.into());
        self
    }
}

impl Names for NameTable {
    fn resolve(&self, name: &str) -> Option<Value> {
        self.0.get(name).cloned()
    }
    fn known(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

/// A scope of variables: `set`, `capture` and matrix values, read as `$name.field`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    map: BTreeMap<String, Value>,
}

impl Vars {
    pub fn new() -> Self {
        Vars::default()
    }

    /// Defines or replaces a variable.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.map.insert(name.to_string(), value.into());
    }

    /// Builder form of [`Vars::set`].
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.set(name, value);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }

    /// Adds every entry of `other`, replacing same-named ones (captures into the test scope).
    pub fn extend(&mut self, other: impl IntoIterator<Item = (String, Value)>) {
        self.map.extend(other);
    }

    /// The variable names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// `hot.nonce_index`, `ha.home_agents.0`: a variable and fields inside it.
    pub fn lookup(&self, dotted: &str) -> std::result::Result<&Value, String> {
        let mut parts = dotted.split('.');
        let root = parts.next().unwrap_or_default();
        let mut v = self.map.get(root).ok_or_else(|| {
            format!(
                "unknown variable ${root}{}",
                did_you_mean(root, self.names().map(|n| n.to_string()), "$")
            )
        })?;
        let mut seen = root.to_string();
        for p in parts {
            let next = match v {
                Value::Object(m) => m.get(p),
                Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            v = next.ok_or_else(|| match v {
                Value::Object(m) => format!(
                    "${seen} has no field `{p}`{}",
                    did_you_mean(p, m.keys().cloned(), "")
                ),
                Value::Array(a) => format!("${seen} has {} elements, no `{p}`", a.len()),
                other => format!("${seen} is {}, it has no field `{p}`", short(other)),
            })?;
            seen.push('.');
            seen.push_str(p);
        }
        Ok(v)
    }
}

/// Resolution context: variables, topology names and (for `auth: computed` and `valid`) the
/// current Kbm.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub vars: &'a Vars,
    pub names: &'a dyn Names,
}

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("vars", self.vars)
            .finish_non_exhaustive()
    }
}

static EMPTY_VARS: std::sync::OnceLock<Vars> = std::sync::OnceLock::new();

impl<'a> Scope<'a> {
    pub fn new(vars: &'a Vars, names: &'a dyn Names) -> Self {
        Scope { vars, names }
    }

    /// No variables, no names.
    pub fn empty() -> Scope<'static> {
        Scope {
            vars: EMPTY_VARS.get_or_init(Vars::new),
            names: &NoNames,
        }
    }

    /// Resolves variables, interpolations and functions in `v` (not in nested maps other than
    /// function calls; arrays element by element).
    pub fn resolve(&self, v: &Value, path: &str) -> Result<Value> {
        match v {
            Value::String(s) => self.resolve_str(s, path),
            Value::Object(m) if m.contains_key("fn") => self.call(m, path),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| self.resolve(x, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }

    fn resolve_str(&self, s: &str, path: &str) -> Result<Value> {
        if let Some(name) = whole_reference(s) {
            return self.reference(name, path);
        }
        if !s.contains('$') {
            return Ok(Value::String(s.to_string()));
        }
        // Interpolation.
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(r) = after.strip_prefix('$') {
                out.push('$');
                rest = r;
            } else if let Some(r) = after.strip_prefix('{') {
                let end = r
                    .find('}')
                    .ok_or_else(|| TreeError::new(path, format!("unclosed `${{` in {s:?}")))?;
                let v = self.reference(&r[..end], path)?;
                out.push_str(&display_scalar(&v));
                rest = &r[end + 1..];
            } else {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .unwrap_or(after.len());
                let name = after[..n].trim_end_matches('.');
                if name.is_empty() {
                    return Err(TreeError::new(
                        path,
                        format!("`$` without a variable name in {s:?} (write `$$` for a dollar)"),
                    ));
                }
                let v = self.reference(name, path)?;
                out.push_str(&display_scalar(&v));
                rest = &after[name.len()..];
            }
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    /// `hot.nonce_index` or `mn0.hoa`: a variable first, then a topology name.
    fn reference(&self, name: &str, path: &str) -> Result<Value> {
        let root = name.split('.').next().unwrap_or_default();
        if self.vars.get(root).is_some() {
            return self
                .vars
                .lookup(name)
                .cloned()
                .map_err(|m| TreeError::new(path, m));
        }
        if let Some(v) = self.names.resolve(name) {
            return Ok(v);
        }
        // Suggest a variable for the first part, else a topology name for the whole.
        let rest = &name[root.len()..];
        let var_hint = did_you_mean(root, self.vars.names().map(str::to_string), "$");
        let hint = if !var_hint.is_empty() {
            var_hint.replacen("`?)", &format!("{rest}`?)"), 1)
        } else {
            did_you_mean(name, self.names.known().into_iter(), "$")
        };
        Err(TreeError::new(
            path,
            format!("unknown variable ${name}{hint}"),
        ))
    }

    fn call(&self, m: &Map<String, Value>, path: &str) -> Result<Value> {
        let f = m.get("fn").and_then(Value::as_str).unwrap_or_default();
        let arg = |k: &str| -> Result<Option<Value>> {
            m.get(k)
                .map(|v| self.resolve(v, &join(path, k)))
                .transpose()
        };
        let check = |allowed: &[&str]| -> Result<()> {
            for k in m.keys() {
                if k != "fn" && !allowed.contains(&k.as_str()) {
                    return Err(unknown_key(path, k, allowed.iter().copied(), "argument"));
                }
            }
            Ok(())
        };
        match f {
            "kbm" => {
                check(&["home_token", "care_of_token"])?;
                let home = arg("home_token")?.ok_or_else(|| {
                    TreeError::new(
                        path,
                        "fn kbm needs home_token (and care_of_token unless de-registering)",
                    )
                })?;
                let home: [u8; 8] = token(&home, &join(path, "home_token"))?;
                let care = arg("care_of_token")?
                    .filter(|v| !v.is_null())
                    .map(|v| token(&v, &join(path, "care_of_token")))
                    .transpose()?;
                Ok(Value::String(to_hex(&mip6_packets::rr::kbm(
                    &home,
                    care.as_ref(),
                ))))
            }
            "seq_add" => {
                check(&["base", "delta"])?;
                let base =
                    arg("base")?.ok_or_else(|| TreeError::new(path, "fn seq_add needs base"))?;
                let base = int_value(&base, &join(path, "base"))?;
                let delta = match arg("delta")? {
                    Some(d) => int_value(&d, &join(path, "delta"))?,
                    None => 1,
                };
                Ok(Value::from((base + delta).rem_euclid(65536) as u64))
            }
            other => Err(TreeError::new(
                join(path, "fn"),
                format!(
                    "unknown function `{other}`{}",
                    did_you_mean(other, ["kbm", "seq_add"].map(String::from).into_iter(), "")
                ),
            )),
        }
    }

    // ---- typed conversions (after resolution) ----------------------------------------------

    /// An unsigned integer: a JSON number, a decimal string or `0x..` hex.
    pub fn uint(&self, v: &Value, path: &str, max: u64) -> Result<u64> {
        let v = self.resolve(v, path)?;
        let n = int_value(&v, path)?;
        if n < 0 || n as u128 > u128::from(max) {
            return Err(TreeError::new(
                path,
                format!("{n} is out of range (0..={max})"),
            ));
        }
        Ok(n as u64)
    }

    /// A boolean: `true`/`false` or `1`/`0`.
    pub fn boolean(&self, v: &Value, path: &str) -> Result<bool> {
        let v = self.resolve(v, path)?;
        bool_value(&v).ok_or_else(|| {
            TreeError::new(
                path,
                format!("expected true/false or 1/0, got {}", short(&v)),
            )
        })
    }

    /// A string after resolution (numbers are written in decimal).
    pub fn string(&self, v: &Value, path: &str) -> Result<String> {
        let v = self.resolve(v, path)?;
        match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(TreeError::new(
                path,
                format!("expected a string, got {}", short(&other)),
            )),
        }
    }

    /// Bytes written as hex (`"0a0b"`, `"0x0a0b"`, `"0a:0b"`).
    pub fn hex(&self, v: &Value, path: &str) -> Result<Vec<u8>> {
        let s = self.string(v, path)?;
        from_hex(&s).map_err(|e| TreeError::new(path, e))
    }

    /// A string that is either literally parseable by `parse` or a topology name whose value is.
    fn address<T>(
        &self,
        v: &Value,
        path: &str,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T> {
        let s = self.string(v, path)?;
        if let Some(a) = parse(&s) {
            return Ok(a);
        }
        match self.names.resolve(&s) {
            Some(Value::String(r)) => parse(&r).ok_or_else(|| {
                TreeError::new(path, format!("`{s}` is {r:?}, which is not {what}"))
            }),
            Some(other) => Err(TreeError::new(
                path,
                format!("`{s}` is {}, which is not {what}", short(&other)),
            )),
            None => Err(TreeError::new(
                path,
                format!(
                    "{s:?} is neither {what} nor a known name{}",
                    did_you_mean(&s, self.names.known().into_iter(), "")
                ),
            )),
        }
    }

    pub fn ipv6(&self, v: &Value, path: &str) -> Result<Ipv6Addr> {
        self.address(v, path, "an IPv6 address", |s| s.parse().ok())
    }

    pub fn ipv4(&self, v: &Value, path: &str) -> Result<Ipv4Addr> {
        self.address(v, path, "an IPv4 address", |s| s.parse().ok())
    }

    pub fn mac(&self, v: &Value, path: &str) -> Result<MacAddr> {
        self.address(v, path, "a MAC address", |s| {
            // Only the colon/dash form with 2-digit parts is taken literally.
            (s.len() == 17).then(|| s.parse().ok()).flatten()
        })
    }
}

/// `$name.x` or `${name.x}` as the whole string: the reference, else `None`.
fn whole_reference(s: &str) -> Option<&str> {
    if let Some(r) = s.strip_prefix("${") {
        let inner = r.strip_suffix('}')?;
        return (!inner.contains(['{', '}', '$'])).then_some(inner);
    }
    let r = s.strip_prefix('$')?;
    (!r.is_empty()
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !r.starts_with('.')
        && !r.ends_with('.'))
    .then_some(r)
}

fn token(v: &Value, path: &str) -> Result<[u8; 8]> {
    let s = match v {
        Value::String(s) => s.clone(),
        other => {
            return Err(TreeError::new(
                path,
                format!("expected a 16-digit hex keygen token, got {}", short(other)),
            ))
        }
    };
    let b = from_hex(&s).map_err(|e| TreeError::new(path, e))?;
    b.try_into().map_err(|b: Vec<u8>| {
        TreeError::new(
            path,
            format!("a keygen token is 8 bytes, this is {}", b.len()),
        )
    })
}

/// An integer from a JSON number or a decimal / `0x` hex / negative decimal string.
pub fn int_value(v: &Value, path: &str) -> Result<i128> {
    let bad = || TreeError::new(path, format!("expected a number, got {}", short(v)));
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(i128::from)
            .or_else(|| n.as_i64().map(i128::from))
            .ok_or_else(bad),
        Value::String(s) => parse_int(s).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// `100`, `-1`, `0x64`, `0X64`, `1_000`.
pub fn parse_int(s: &str) -> Option<i128> {
    let s = s.trim().replace('_', "");
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, s),
    };
    let n = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<i128>().ok()?
    } else {
        return None;
    };
    Some(if neg { -n } else { n })
}

/// `true`/`false`, `1`/`0` (numbers or strings).
pub fn bool_value(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A scalar as it reads in a message: strings without quotes.
pub fn display_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short description of a value for error messages.
pub fn short(v: &Value) -> String {
    let s = match v {
        Value::Null => return "nothing (null)".into(),
        Value::Object(_) => return "a map".into(),
        Value::Array(_) => return "a list".into(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// ` (did you mean `x`?)` for the known name nearest to `name`, or `` when none is near.
pub fn did_you_mean(name: &str, known: impl Iterator<Item = String>, sigil: &str) -> String {
    let mut best: Option<(usize, String)> = None;
    for k in known {
        let d = edit_distance(name, &k);
        let limit = (name.len().max(k.len()) / 3).max(2);
        let prefix = k.starts_with(name) || name.starts_with(k.as_str());
        if (d <= limit || prefix) && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
            best = Some((d, k));
        }
    }
    match best {
        Some((_, k)) => format!(" (did you mean `{sigil}{k}`?)"),
        None => String::new(),
    }
}

/// The error for a key that is not valid at `path`.
pub fn unknown_key<'k>(
    path: &str,
    key: &str,
    valid: impl Iterator<Item = &'k str> + Clone,
    what: &str,
) -> TreeError {
    let mut list: Vec<&str> = valid.clone().collect();
    list.sort_unstable();
    list.dedup();
    TreeError::new(
        join(path, key),
        format!(
            "unknown {what} `{key}`{}; valid here: {}",
            did_you_mean(key, valid.map(str::to_string), ""),
            list.join(", ")
        ),
    )
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope_parts() -> (Vars, NameTable) {
        let vars = Vars::new()
            .with("hot", json!({"nonce_index": 5, "cookie": "0123456789abcdef", "token": "aa00aa00aa00aa00"}))
            .with("last", 65535)
            .with("prefix", "2001:db8:9");
        let names = NameTable::new()
            .with("mn0.hoa", "2001:db8:1::100")
            .with("r1.mac", "02:00:00:00:01:01");
        (vars, names)
    }

    #[test]
    fn references_interpolation_and_names() {
        let (vars, names) = scope_parts();
        let s = Scope::new(&vars, &names);
        assert_eq!(
            s.resolve(&json!("$hot.nonce_index"), "x").unwrap(),
            json!(5)
        );
        assert_eq!(
            s.resolve(&json!("${hot.nonce_index}"), "x").unwrap(),
            json!(5)
        );
        assert_eq!(
            s.resolve(&json!("${prefix}::1"), "x").unwrap(),
            json!("2001:db8:9::1")
        );
        assert_eq!(
            s.resolve(&json!("${mn0.hoa}"), "x").unwrap(),
            json!("2001:db8:1::100")
        );
        assert_eq!(
            s.resolve(&json!("cost $$5"), "x").unwrap(),
            json!("cost $5")
        );
        assert_eq!(
            s.ipv6(&json!("mn0.hoa"), "x").unwrap(),
            "2001:db8:1::100".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(s.ipv6(&json!("2001:db8::5"), "x").unwrap().segments()[7], 5);
        assert_eq!(s.mac(&json!("r1.mac"), "x").unwrap().0[5], 1);
        assert_eq!(s.uint(&json!("0x10"), "x", 255).unwrap(), 16);
        assert!(s.boolean(&json!(1), "x").unwrap());
        assert!(!s.boolean(&json!("false"), "x").unwrap());
    }

    #[test]
    fn errors_name_the_path_and_suggest() {
        let (vars, names) = scope_parts();
        let s = Scope::new(&vars, &names);
        let e = s
            .resolve(&json!("$hto.nonce_index"), "mh.binding_update.seq")
            .unwrap_err();
        assert_eq!(e.path, "mh.binding_update.seq");
        assert_eq!(
            e.to_string(),
            "mh.binding_update.seq: unknown variable $hto.nonce_index (did you mean `$hot.nonce_index`?)"
        );
        let e = s.resolve(&json!("$hot.nonce"), "p").unwrap_err();
        assert!(e.message.contains("did you mean `nonce_index`"), "{e}");
        let e = s.ipv6(&json!("mn0.hao"), "ipv6.src").unwrap_err();
        assert!(e.message.contains("did you mean `mn0.hoa`"), "{e}");
        let e = s.uint(&json!(256), "ipv6.hop_limit", 255).unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
    }

    #[test]
    fn functions() {
        let (vars, names) = scope_parts();
        let s = Scope::new(&vars, &names);
        assert_eq!(
            s.resolve(&json!({"fn": "seq_add", "base": "$last", "delta": 1}), "x")
                .unwrap(),
            json!(0)
        );
        assert_eq!(
            s.resolve(&json!({"fn": "seq_add", "base": 0, "delta": -1}), "x")
                .unwrap(),
            json!(65535)
        );
        let k = s
            .resolve(
                &json!({"fn": "kbm", "home_token": "$hot.token", "care_of_token": "0102030405060708"}),
                "x",
            )
            .unwrap();
        let expected = mip6_packets::rr::kbm(
            &[0xaa, 0, 0xaa, 0, 0xaa, 0, 0xaa, 0],
            Some(&[1, 2, 3, 4, 5, 6, 7, 8]),
        );
        assert_eq!(k, json!(to_hex(&expected)));
        let e = s.resolve(&json!({"fn": "kbn"}), "kbm").unwrap_err();
        assert!(e.to_string().contains("did you mean `kbm`"), "{e}");
    }
}
