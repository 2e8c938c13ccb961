//! Value types of the suite language: located values, untyped packet trees, durations,
//! tolerances, MAC addresses, IPv6 prefixes and hex strings.

use super::diag::Loc;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv6Addr;
use std::ops::Deref;
use std::str::FromStr;
use std::time::Duration;

fn loc_of(l: &serde_saphyr::Location) -> Loc {
    Loc::new(l.line() as u32, l.column() as u32)
}

/// A value with the place in the YAML file it was written (where it is referenced, for
/// aliases). The JSON Schema of `Located<T>` is the schema of `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Located<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Located { value, loc }
    }
}

impl<T: Default> Default for Located<T> {
    fn default() -> Self {
        Located {
            value: T::default(),
            loc: Loc::UNKNOWN,
        }
    }
}

impl<T> Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<T>::deserialize(d)?;
        Ok(Located {
            loc: loc_of(&s.referenced),
            value: s.value,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        g.subschema_for::<T>()
    }
}

/// A tree the suite model does not interpret: a packet to build or to match, a value in
/// `set:`, `capture:`, fixture parameters and matrix values. The YAML is kept as JSON (the
/// decode view's vocabulary, docs/decode-json.md) with the place of its root and of every
/// node below it, so the engine and the packet templates can point at the exact line.
///
/// YAML integers become JSON integers, floats JSON floats (non-finite floats are refused),
/// `~`/`null` JSON null, and mapping keys strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Untyped {
    pub value: serde_json::Value,
    /// The place of the root node.
    pub loc: Loc,
    /// The place of every node, by JSON pointer (`""` the root, `/mh/binding_ack/seq`,
    /// `/dest_opts/0/home_address`).
    pub locs: BTreeMap<String, Loc>,
}

impl Untyped {
    /// The place of the node at `pointer` (RFC 6901), or of its nearest ancestor with one.
    pub fn loc_at(&self, pointer: &str) -> Loc {
        let mut p = pointer;
        loop {
            if let Some(l) = self.locs.get(p) {
                return *l;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.loc,
            }
        }
    }
}

enum Node {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(String, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::I64(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::U64(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        i64::try_from(v)
            .map(Node::I64)
            .map_err(|_| E::custom(format!("number {v} is too large")))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        u64::try_from(v)
            .map(Node::U64)
            .map_err(|_| E::custom(format!("number {v} is too large")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        if v.is_finite() {
            Ok(Node::F64(v))
        } else {
            Err(E::custom(
                "number is too large or not finite (write large values as strings or hex)",
            ))
        }
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut v = Vec::new();
        while let Some(e) = a.next_element::<Spanned<Node>>()? {
            v.push(e);
        }
        Ok(Node::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut v = Vec::new();
        while let Some(k) = a.next_key::<String>()? {
            let val = a.next_value::<Spanned<Node>>()?;
            v.push((k, val));
        }
        Ok(Node::Map(v))
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn to_json(n: Spanned<Node>, ptr: String, locs: &mut BTreeMap<String, Loc>) -> serde_json::Value {
    use serde_json::Value;
    locs.insert(ptr.clone(), loc_of(&n.referenced));
    match n.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::I64(i) => Value::from(i),
        Node::U64(u) => Value::from(u),
        Node::F64(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Node::Str(s) => Value::String(s),
        Node::Seq(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, e)| to_json(e, format!("{ptr}/{i}"), locs))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries {
                let p = format!("{ptr}/{}", escape_pointer(&k));
                let j = to_json(v, p, locs);
                m.insert(k, j);
            }
            Value::Object(m)
        }
    }
}

impl<'de> Deserialize<'de> for Untyped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = Spanned::<Node>::deserialize(d)?;
        let loc = loc_of(&n.referenced);
        let mut locs = BTreeMap::new();
        let value = to_json(n, String::new(), &mut locs);
        Ok(Untyped { value, loc, locs })
    }
}

impl JsonSchema for Untyped {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Untyped".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Interpreted by the engine, not by the suite model: a packet tree by \
                layers with the decode view's field names (docs/test-language.md §4-§5), or a value."
        })
    }
}

/// Parses a duration written with a unit: `250ms`, `2s`, `1.5s`, `4m`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let hint = "expected a duration with a unit, like 250ms, 2s, 1.5s, 4m or 1h";
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let nanos_per: u128 = match unit.trim() {
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "" => return Err(format!("duration \"{s}\" has no unit: {hint}")),
        u => return Err(format!("unknown unit \"{u}\" in duration \"{s}\": {hint}")),
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int.is_empty() || frac.contains('.') || (num.contains('.') && frac.is_empty()) {
        return Err(format!("invalid duration \"{s}\": {hint}"));
    }
    let too_large = || format!("duration \"{s}\" is too large");
    let int: u128 = int.parse().map_err(|_| too_large())?;
    let mut nanos = int.checked_mul(nanos_per).ok_or_else(too_large)?;
    // The fractional part, exactly, down to the nanosecond.
    let mut scale = nanos_per;
    for c in frac.chars() {
        scale /= 10;
        nanos += u128::from(c.to_digit(10).unwrap_or(0)) * scale;
    }
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_large())?;
    if secs > 1_000_000_000 {
        return Err(too_large());
    }
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration with a unit, like 250ms, 2s or 4m")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        Err(E::custom(format!(
            "duration {v} has no unit: write {v}s or {v}ms"
        )))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        Err(E::custom(format!(
            "duration {v} has no unit (and cannot be negative): write e.g. 2s"
        )))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        Err(E::custom(format!("duration {v} has no unit: write {v}s")))
    }
}

/// `deserialize_with` for `Duration` fields.
pub(crate) fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    d.deserialize_any(DurationVisitor)
}

/// `deserialize_with` for `Option<Duration>` fields (with `#[serde(default)]`).
pub(crate) fn de_opt_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    d.deserialize_any(DurationVisitor).map(Some)
}

/// JSON Schema of a duration string.
pub struct DurationText;

impl JsonSchema for DurationText {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?(ms|s|m|min|h)$",
            "description": "A duration with a unit: 250ms, 2s, 1.5s, 4m, 1h."
        })
    }
}

/// How far from `at.time` a frame may arrive: a duration or a percentage of the time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    Absolute(Duration),
    /// Percent of `at.time`, 0 to 100.
    Percent(f64),
}

impl Tolerance {
    /// The tolerance for a nominal time.
    pub fn for_time(&self, time: Duration) -> Duration {
        match *self {
            Tolerance::Absolute(d) => d,
            Tolerance::Percent(p) => time.mul_f64(p / 100.0),
        }
    }
}

impl FromStr for Tolerance {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(p) = s.trim().strip_suffix('%') {
            let v: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("invalid tolerance \"{s}\": expected e.g. 10% or 1s"))?;
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("tolerance \"{s}\" must be between 0% and 100%"));
            }
            return Ok(Tolerance::Percent(v));
        }
        parse_duration(s)
            .map(Tolerance::Absolute)
            .map_err(|e| format!("{e}, or a percentage like 10%"))
    }
}

impl<'de> Deserialize<'de> for Tolerance {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Tolerance;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tolerance like 1s, 250ms or 10%")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tolerance, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tolerance, E> {
                Err(E::custom(format!(
                    "tolerance {v} has no unit: write {v}s, {v}ms or {v}%"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tolerance, E> {
                Err(E::custom(format!(
                    "tolerance {v} has no unit: write {v}s or {v}%"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Tolerance {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Tolerance".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|min|h)|[0-9]+(\\.[0-9]+)?%)$",
            "description": "A duration (1s, 250ms) or a percentage of the time (10%)."
        })
    }
}

/// An Ethernet MAC address in a suite file, written `02:00:00:00:01:01`: the codec's
/// [`mip6_packets::MacAddr`] with a JSON Schema (which cannot be given to the codec's type here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacAddr(pub [u8; 6]);

impl FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse::<mip6_packets::MacAddr>().map(|m| MacAddr(m.0))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        mip6_packets::MacAddr(self.0).fmt(f)
    }
}

impl From<MacAddr> for mip6_packets::MacAddr {
    fn from(m: MacAddr) -> Self {
        mip6_packets::MacAddr(m.0)
    }
}

/// An IPv6 prefix, written `2001:db8:1::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix {
    pub addr: Ipv6Addr,
    pub len: u8,
}

impl Prefix {
    /// Whether `a` is inside the prefix.
    pub fn contains(&self, a: &Ipv6Addr) -> bool {
        let mask = if self.len == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(self.len))
        };
        u128::from(*a) & mask == u128::from(self.addr) & mask
    }
}

impl FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let err = || format!("invalid IPv6 prefix \"{s}\": expected e.g. 2001:db8:1::/64");
        let (a, l) = s.split_once('/').ok_or_else(err)?;
        let addr: Ipv6Addr = a.parse().map_err(|_| err())?;
        let len: u8 = l.parse().map_err(|_| err())?;
        if len > 128 {
            return Err(format!("prefix length {len} in \"{s}\" is over 128"));
        }
        Ok(Prefix { addr, len })
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// Bytes written as a hex string: `"ffff"`, `"0a0b"`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HexBytes(pub Vec<u8>);

impl FromStr for HexBytes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if !t.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "invalid hex string \"{s}\": expected e.g. \"00ff\""
            ));
        }
        if !t.len().is_multiple_of(2) {
            return Err(format!("hex string \"{s}\" has an odd number of digits"));
        }
        (0..t.len())
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(&t[i..i + 2], 16)
                    .map_err(|_| format!("invalid hex string \"{s}\": expected e.g. \"00ff\""))
            })
            .collect::<Result<Vec<u8>, String>>()
            .map(HexBytes)
    }
}

/// Deserialize and JSON Schema for types written as one string and parsed with `FromStr`.
macro_rules! string_value {
    ($t:ty, $name:literal, $desc:literal, $pattern:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($desc)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
        impl JsonSchema for $t {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({"type": "string", "description": $desc, "pattern": $pattern})
            }
        }
    };
}

string_value!(
    MacAddr,
    "MacAddr",
    "an Ethernet MAC address like 02:00:00:00:01:01",
    "^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$"
);
string_value!(
    Prefix,
    "Prefix",
    "an IPv6 prefix like 2001:db8:1::/64",
    "^[0-9A-Fa-f:.]+/[0-9]{1,3}$"
);
string_value!(
    HexBytes,
    "HexBytes",
    "bytes as a hex string like \"00ff\"",
    "^([0-9A-Fa-f]{2}|\\s)*$"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("4m"), Ok(Duration::from_secs(240)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0.25ms"), Ok(Duration::from_micros(250)));
        for bad in [
            "",
            "2",
            "s",
            "2x",
            "1.s",
            ".5s",
            "1..2s",
            "-1s",
            "2 seconds",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("99999999999999999999999999999999999999999s").is_err());
        assert!(parse_duration("99999999999999h").is_err());
    }

    #[test]
    fn tolerances() {
        assert_eq!("10%".parse(), Ok(Tolerance::Percent(10.0)));
        assert_eq!(
            "1s".parse(),
            Ok(Tolerance::Absolute(Duration::from_secs(1)))
        );
        assert!("120%".parse::<Tolerance>().is_err());
        assert_eq!(
            Tolerance::Percent(10.0).for_time(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn prefixes_and_macs() {
        let p: Prefix = "2001:db8:1::/64".parse().unwrap();
        assert!(p.contains(&"2001:db8:1::1".parse().unwrap()));
        assert!(!p.contains(&"2001:db8:2::1".parse().unwrap()));
        assert!("2001:db8::/129".parse::<Prefix>().is_err());
        assert_eq!(
            "02:00:00:00:01:01".parse::<MacAddr>().unwrap().to_string(),
            "02:00:00:00:01:01"
        );
        assert!("02:00:00:00:01".parse::<MacAddr>().is_err());
        assert_eq!("00ff".parse::<HexBytes>().unwrap().0, vec![0, 255]);
        assert!("0f0".parse::<HexBytes>().is_err());
        assert!("a\u{e9}0".parse::<HexBytes>().is_err());
    }
}
