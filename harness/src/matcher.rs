//! The expectation matcher: a condition tree (docs/test-language.md §5) against a received
//! frame, and captures of what matched (§6).
//!
//! A condition tree has the shape of a packet template; every value is a condition and fields
//! not named are not checked. A layer key matches the first layer of that name in the packet's
//! level (the layers up to the next tunnelled IP header); `inner:` matches the tunnelled packet.
//! A level is one IP header with what follows it, except that IPv4 followed by IPv6 (IPv6 in
//! IPv4, RFC 4213) or by UDP and IPv6 (DSMIPv6, RFC 5555 §4.1) is one level, as in templates.
//!
//! Conditions:
//!
//! | condition | meaning |
//! | --- | --- |
//! | a literal | equality: addresses as addresses (`mn0.hoa`, `2001:db8::1`), numbers also as `"0x.."`, booleans also as `1`/`0`, hex case-insensitively |
//! | `{min: a, max: b}` | a number in the range (either bound may be left out) |
//! | `{one_of: [...]}` | equal to one of the literals |
//! | `present` / `absent` | the layer, option or field is there / is not |
//! | `any` | no check |
//! | `valid` | `binding_authorization_data` only: the authenticator is right for the current Kbm and the frame's addresses (RFC 6275 §6.2.7); the care-of address is the variable `$care_of` when it is set (a BU with an Alternate Care-of Address), else the BA's destination |
//!
//! Options: `options: {nonce_indices: present, binding_refresh_advice: absent,
//! binding_authorization_data: valid, alternate_care_of_address: {address: mn0.coa}}` (an option
//! condition holds when some option of that name meets it), or the same as a list to require
//! several options of one name. `dest_opts: {home_address: mn0.hoa}` or
//! `dest_opts: [{home_address: mn0.hoa}]` check the Destination Options header's options.

use crate::template::{auth_addresses, current_kbm, schema, single};
use crate::vars::{
    bool_value, did_you_mean, display_scalar, int_value, join, short, unknown_key, Scope, TreeError,
};
use mip6_packets::util::from_hex;
use mip6_packets::{Decoded, FrameView, Layer, LayerView, OptionView};
use schema::{Def, Ty};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Values captured from a matched frame, by variable name.
pub type Captures = BTreeMap<String, Value>;

/// What a condition is checked with.
#[derive(Debug, Clone, Copy)]
pub struct MatchCtx<'a> {
    pub scope: Scope<'a>,
    /// The Kbm for `valid`; when `None`, the variable `$kbm` is used.
    pub kbm: Option<[u8; 20]>,
}

impl<'a> MatchCtx<'a> {
    pub fn new(scope: Scope<'a>) -> Self {
        MatchCtx { scope, kbm: None }
    }

    pub fn kbm(mut self, kbm: [u8; 20]) -> Self {
        self.kbm = Some(kbm);
        self
    }
}

/// Why a frame does not match: the first condition it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `mh.binding_ack.status`, `mh.options.binding_authorization_data`, `inner.ipv6.src`.
    pub path: String,
    /// The condition as written, with resolved values: `0`, `mn0.hoa (2001:db8:1::100)`,
    /// `at most 105`.
    pub expected: String,
    /// What the frame has: `135`, `absent`.
    pub actual: String,
    pub note: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.path, self.expected, self.actual
        )?;
        if let Some(n) = &self.note {
            write!(f, " ({n})")?;
        }
        Ok(())
    }
}

/// A frame that does not match, or a condition that cannot be evaluated (unknown key, unknown
/// variable, no Kbm for `valid`): the latter is the test's fault, not the frame's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchError {
    Mismatch(Mismatch),
    Invalid(TreeError),
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchError::Mismatch(m) => m.fmt(f),
            MatchError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for MatchError {}

impl From<TreeError> for MatchError {
    fn from(e: TreeError) -> Self {
        MatchError::Invalid(e)
    }
}

impl MatchError {
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match self {
            MatchError::Mismatch(m) => Some(m),
            MatchError::Invalid(_) => None,
        }
    }
}

type R<T> = std::result::Result<T, MatchError>;

fn miss(path: &str, expected: impl Into<String>, actual: impl Into<String>) -> MatchError {
    MatchError::Mismatch(Mismatch {
        path: path.to_string(),
        expected: expected.into(),
        actual: actual.into(),
        note: None,
    })
}

fn with_note(e: MatchError, note: String) -> MatchError {
    match e {
        MatchError::Mismatch(mut m) => {
            m.note = Some(note);
            MatchError::Mismatch(m)
        }
        other => other,
    }
}

/// Matches `cond` against a frame (`decoded` and its view) and, when it matches, takes the
/// `capture` list (`{hot: mh, granted: mh.binding_ack.lifetime}`) from it.
pub fn match_frame(
    cond: &Value,
    capture: Option<&Value>,
    decoded: &Decoded,
    view: &FrameView,
    ctx: &MatchCtx,
) -> R<Captures> {
    let m = Matcher { decoded, view, ctx };
    m.level(cond, 0, "")?;
    match capture {
        Some(spec) => m.captures(spec),
        None => Ok(Captures::new()),
    }
}

/// The checksum and length violations of a frame, reported whatever the test names
/// (docs/test-language.md §5), as `layer.field @offset: message [rule; rfc]`.
pub fn frame_findings(decoded: &Decoded) -> Vec<String> {
    const RULES: &[&str] = &[
        "mh-checksum",
        "icmpv6-checksum",
        "udp-checksum",
        "udp-checksum-zero",
        "ipv4-checksum",
        "ip-length-long",
        "ip-length-short",
        "udp-length",
        "ipv4-total-len",
        "mh-header-len-beyond",
        "mh-header-len-short",
        "truncated",
        "trailing-bytes",
    ];
    decoded
        .violations
        .iter()
        .filter(|v| RULES.contains(&v.rule))
        .map(|v| {
            format!(
                "{}.{} @{}: {} [{}; {}]",
                v.layer, v.field, v.offset, v.message, v.rule, v.rfc
            )
        })
        .collect()
}

/// Checks a condition tree's layer, field, message, option and condition names without a frame
/// or variables (for suite load time). [`match_frame`] checks them again.
pub fn check(cond: &Value) -> Result<(), TreeError> {
    check_level(cond, "")
}

/// Checks a capture list (`{hot: mh, granted: mh.binding_ack.lifetime}`) for its form and
/// layer names.
pub fn check_capture(spec: &Value) -> Result<(), TreeError> {
    let map = as_map(spec, "capture").map_err(invalid)?;
    for (var, what) in map {
        let p = join("capture", var);
        let what = what.as_str().ok_or_else(|| {
            TreeError::new(&p, "expected a path like `mh` or `mh.binding_ack.lifetime`")
        })?;
        let name = what.split('.').find(|s| *s != "inner").unwrap_or_default();
        if !schema::LAYER_NAMES.contains(&name) {
            return Err(unknown_key(
                &p,
                name,
                schema::LAYER_NAMES.iter().copied(),
                "layer",
            ));
        }
    }
    Ok(())
}

fn invalid(e: MatchError) -> TreeError {
    match e {
        MatchError::Invalid(t) => t,
        MatchError::Mismatch(m) => TreeError::new(m.path, m.expected),
    }
}

fn check_level(cond: &Value, path: &str) -> Result<(), TreeError> {
    if keyword(cond).is_some() {
        return Ok(());
    }
    for (key, c) in as_map(cond, path).map_err(invalid)? {
        let p = join(path, key);
        if !LEVEL_KEYS.contains(&key.as_str()) {
            return Err(unknown_key(path, key, LEVEL_KEYS.iter().copied(), "layer"));
        }
        if keyword(c).is_some() {
            continue;
        }
        match key.as_str() {
            "inner" => check_level(c, &p)?,
            "raw" if !c.is_object() => {}
            "dest_opts" | "hop_by_hop" => {
                if c.is_array() {
                    check_options(c, schema::IP6_OPTIONS, &p)?;
                    continue;
                }
                for (k, fc) in as_map(c, &p).map_err(invalid)? {
                    if k == "options" {
                        check_options(fc, schema::IP6_OPTIONS, &join(&p, k))?;
                    } else if schema::EXT_OPTS.ty(k).is_some() {
                        check_value(fc, &join(&p, k))?;
                    } else if let Some(d) = schema::find(schema::IP6_OPTIONS, k) {
                        check_option(fc, d, &join(&p, k))?;
                    } else {
                        let valid = schema::EXT_OPTS
                            .all_names()
                            .chain(["options"])
                            .chain(schema::names(schema::IP6_OPTIONS));
                        return Err(unknown_key(&p, k, valid, "field or option"));
                    }
                }
            }
            "mh" | "icmpv6" => {
                let (def, msgs, opts) = if key == "mh" {
                    (&schema::MH, schema::MH_MESSAGES, schema::MH_OPTIONS)
                } else {
                    (&schema::ICMPV6, schema::ICMPV6_MESSAGES, schema::ND_OPTIONS)
                };
                for (k, fc) in as_map(c, &p).map_err(invalid)? {
                    let kp = join(&p, k);
                    if k == "options" {
                        check_options(fc, opts, &kp)?;
                    } else if def.ty(k).is_some() {
                        check_value(fc, &kp)?;
                    } else if let Some(md) = schema::find(msgs, k) {
                        check_fields(fc, md, &kp)?;
                    } else {
                        let valid = def
                            .all_names()
                            .chain(["options"])
                            .chain(schema::names(msgs));
                        return Err(unknown_key(&p, k, valid, "field or message"));
                    }
                }
            }
            other => check_fields(c, schema::layer(other).expect("a layer key"), &p)?,
        }
    }
    Ok(())
}

fn check_fields(c: &Value, def: &Def, path: &str) -> Result<(), TreeError> {
    if keyword(c).is_some() {
        return Ok(());
    }
    for (k, fc) in as_map(c, path).map_err(invalid)? {
        if def.ty(k).is_none() {
            return Err(unknown_key(
                path,
                k,
                def.all_names(),
                &format!("{} field", def.name),
            ));
        }
        check_value(fc, &join(path, k))?;
    }
    Ok(())
}

fn check_options(c: &Value, defs: &'static [Def], path: &str) -> Result<(), TreeError> {
    let items: Vec<(String, &Value, String)> = match c {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v, join(path, k)))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let ip = format!("{path}[{i}]");
                single(item, &ip, "option condition").map(|(k, v)| (k.to_string(), v, join(&ip, k)))
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(TreeError::new(
                path,
                format!(
                    "expected a map or list of option conditions, got {}",
                    short(other)
                ),
            ))
        }
    };
    for (name, oc, p) in items {
        let def = schema::find(defs, &name)
            .ok_or_else(|| unknown_key(path, &name, schema::names(defs), "option"))?;
        check_option(oc, def, &p)?;
    }
    Ok(())
}

fn check_option(c: &Value, def: &Def, path: &str) -> Result<(), TreeError> {
    if keyword(c) == Some("valid") && def.name != "binding_authorization_data" {
        return Err(TreeError::new(
            path,
            "`valid` applies to binding_authorization_data only",
        ));
    }
    match c {
        Value::Object(m) => {
            for (k, fc) in m {
                if def.ty(k).is_none() && !matches!(k.as_str(), "type" | "len") {
                    let valid = def.all_names().chain(["type", "len"]);
                    return Err(unknown_key(path, k, valid, &format!("{} field", def.name)));
                }
                check_value(fc, &join(path, k))?;
            }
            Ok(())
        }
        Value::Null => Ok(()),
        _ if keyword(c).is_some() || def.build.len() == 1 => Ok(()),
        _ => Err(TreeError::new(
            path,
            format!(
                "expected present, absent, any or a map of {} fields",
                def.name
            ),
        )),
    }
}

fn check_value(c: &Value, path: &str) -> Result<(), TreeError> {
    if let Value::Object(m) = c {
        if m.contains_key("fn") {
            return Ok(());
        }
        for k in m.keys() {
            if !matches!(k.as_str(), "min" | "max" | "one_of") {
                return Err(unknown_key(
                    path,
                    k,
                    ["min", "max", "one_of"].into_iter(),
                    "condition",
                ));
            }
        }
    }
    if keyword(c) == Some("valid") {
        return Err(TreeError::new(
            path,
            "`valid` applies to binding_authorization_data only",
        ));
    }
    Ok(())
}

/// Where a level of the frame starts and ends, and where its tunnelled packet starts.
fn level_bounds(layers: &[LayerView], start: usize) -> (usize, Option<usize>) {
    let is_ip = |i: usize| {
        layers
            .get(i)
            .is_some_and(|l| matches!(l.layer, "ipv4" | "ipv6"))
    };
    let name = |i: usize| layers.get(i).map_or("", |l| l.layer);
    let Some(first) = (start..layers.len()).find(|&i| is_ip(i)) else {
        return (layers.len(), None);
    };
    let mut last = first;
    if name(first) == "ipv4" {
        if name(first + 1) == "ipv6" {
            last = first + 1;
        } else if name(first + 1) == "udp" && name(first + 2) == "ipv6" {
            last = first + 2;
        }
    }
    match (last + 1..layers.len()).find(|&i| is_ip(i)) {
        Some(inner) => (inner, Some(inner)),
        None => (layers.len(), None),
    }
}

const LEVEL_KEYS: &[&str] = &[
    "ethernet",
    "ipv4",
    "udp",
    "ipv6",
    "hop_by_hop",
    "routing",
    "dest_opts",
    "fragment",
    "esp",
    "esp_trailer",
    "mh",
    "icmpv6",
    "raw",
    "inner",
];

struct Matcher<'a> {
    decoded: &'a Decoded,
    view: &'a FrameView,
    ctx: &'a MatchCtx<'a>,
}

/// `present`, `absent`, `any`, `valid` written as a condition.
fn keyword(c: &Value) -> Option<&str> {
    match c.as_str() {
        Some(k @ ("present" | "absent" | "any" | "valid")) => Some(k),
        _ => None,
    }
}

impl Matcher<'_> {
    fn s(&self) -> &Scope<'_> {
        &self.ctx.scope
    }

    fn level(&self, cond: &Value, start: usize, path: &str) -> R<()> {
        let map = match cond {
            Value::Null => return Ok(()),
            Value::Object(m) => m,
            other => {
                return Err(TreeError::new(
                    path,
                    format!("expected a map of layers, got {}", short(other)),
                )
                .into())
            }
        };
        let layers = &self.view.layers;
        let (end, inner) = level_bounds(layers, start);
        for (key, c) in map {
            let p = join(path, key);
            if !LEVEL_KEYS.contains(&key.as_str()) {
                return Err(unknown_key(path, key, LEVEL_KEYS.iter().copied(), "layer").into());
            }
            if key == "inner" {
                match (keyword(c), inner) {
                    (Some("absent"), None) | (Some("any"), _) => {}
                    (Some("absent"), Some(i)) => {
                        return Err(miss(
                            &p,
                            "absent",
                            format!("a tunnelled {}", layers[i].layer),
                        ))
                    }
                    (_, None) => return Err(miss(&p, "a tunnelled packet", "none")),
                    (Some("present"), Some(_)) => {}
                    (_, Some(i)) => self.level(c, i, &p)?,
                }
                continue;
            }
            let found = (start..end).find(|&i| layers[i].layer == key);
            match (keyword(c), found) {
                (Some("any"), _) | (Some("absent"), None) | (Some("present"), Some(_)) => {}
                (Some("absent"), Some(i)) => {
                    return Err(miss(
                        &p,
                        "absent",
                        format!("present at offset {}", layers[i].offset),
                    ))
                }
                (_, None) => {
                    let here: Vec<&str> = layers[start..end].iter().map(|l| l.layer).collect();
                    return Err(with_note(
                        miss(&p, "present", "absent"),
                        format!("layers here: {}", here.join(", ")),
                    ));
                }
                (_, Some(i)) => self.layer(key, c, i, &p)?,
            }
        }
        Ok(())
    }

    fn layer(&self, name: &str, cond: &Value, idx: usize, path: &str) -> R<()> {
        let lv = &self.view.layers[idx];
        match name {
            "raw" if !cond.is_object() => self.value(cond, lv.fields.get("data"), Ty::Hex, path),
            "dest_opts" | "hop_by_hop" => {
                if cond.is_array() {
                    return self.options(cond, lv, idx, schema::IP6_OPTIONS, path);
                }
                let map = as_map(cond, path)?;
                for (k, c) in map {
                    let p = join(path, k);
                    if k == "options" {
                        self.options(c, lv, idx, schema::IP6_OPTIONS, &p)?;
                    } else if let Some(ty) = schema::EXT_OPTS.ty(k) {
                        self.value(c, lv.fields.get(k), ty, &p)?;
                    } else if schema::find(schema::IP6_OPTIONS, k).is_some() {
                        // `dest_opts: {home_address: X}`: an option condition.
                        let mut one = Map::new();
                        one.insert(k.clone(), c.clone());
                        self.options(&Value::Object(one), lv, idx, schema::IP6_OPTIONS, path)?;
                    } else {
                        let valid = schema::EXT_OPTS
                            .all_names()
                            .chain(["options"])
                            .chain(schema::names(schema::IP6_OPTIONS));
                        return Err(unknown_key(path, k, valid, "field or option").into());
                    }
                }
                Ok(())
            }
            "mh" | "icmpv6" => {
                let (def, msgs, opts) = if name == "mh" {
                    (&schema::MH, schema::MH_MESSAGES, schema::MH_OPTIONS)
                } else {
                    (&schema::ICMPV6, schema::ICMPV6_MESSAGES, schema::ND_OPTIONS)
                };
                let map = as_map(cond, path)?;
                for (k, c) in map {
                    let p = join(path, k);
                    if k == "options" {
                        self.options(c, lv, idx, opts, &p)?;
                    } else if let Some(ty) = def.ty(k) {
                        self.value(c, lv.fields.get(k), ty, &p)?;
                    } else if let Some(md) = schema::find(msgs, k) {
                        let actual = lv.fields.get("message").map(display_scalar);
                        if actual.as_deref() != Some(k.as_str()) {
                            return Err(miss(
                                &join(path, "message"),
                                k.as_str(),
                                actual.unwrap_or_else(|| "none".into()),
                            ));
                        }
                        self.fields(c, lv, md, &p)?;
                    } else {
                        let valid = def
                            .all_names()
                            .chain(["options"])
                            .chain(schema::names(msgs));
                        return Err(unknown_key(path, k, valid, "field or message").into());
                    }
                }
                Ok(())
            }
            other => {
                let def = schema::layer(other).expect("a layer key");
                self.fields(cond, lv, def, path)
            }
        }
    }

    /// A map of field conditions against a field map.
    fn fields(&self, cond: &Value, lv: &LayerView, def: &Def, path: &str) -> R<()> {
        if matches!(keyword(cond), Some("present" | "any")) {
            return Ok(());
        }
        let map = as_map(cond, path)?;
        for (k, c) in map {
            let ty = def.ty(k).ok_or_else(|| {
                unknown_key(path, k, def.all_names(), &format!("{} field", def.name))
            })?;
            self.value(c, lv.fields.get(k), ty, &join(path, k))?;
        }
        Ok(())
    }

    fn options(
        &self,
        cond: &Value,
        lv: &LayerView,
        idx: usize,
        defs: &'static [Def],
        path: &str,
    ) -> R<()> {
        let items: Vec<(&str, &Value, String)> = match cond {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (k.as_str(), v, join(path, k)))
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let ip = format!("{path}[{i}]");
                    single(item, &ip, "option condition").map(|(k, v)| (k, v, join(&ip, k)))
                })
                .collect::<Result<_, _>>()?,
            other => {
                return Err(TreeError::new(
                    path,
                    format!(
                        "expected a map or list of option conditions, got {}",
                        short(other)
                    ),
                )
                .into())
            }
        };
        for (name, c, p) in items {
            let def = schema::find(defs, name)
                .ok_or_else(|| unknown_key(path, name, schema::names(defs), "option"))?;
            let found: Vec<&OptionView> = lv.options.iter().filter(|o| o.name == name).collect();
            // A bare name in a list (`[padn]`) asks for the option to be there.
            let c = if c.is_null() {
                &Value::String("present".into())
            } else {
                c
            };
            match keyword(c) {
                Some("any") => continue,
                Some("absent") => match found.first() {
                    None => continue,
                    Some(o) => {
                        return Err(miss(
                            &p,
                            "absent",
                            format!("present at offset {}", o.offset),
                        ))
                    }
                },
                _ if found.is_empty() => {
                    let here: Vec<&str> = lv.options.iter().map(|o| o.name).collect();
                    return Err(with_note(
                        miss(&p, "present", "absent"),
                        format!(
                            "options here: {}",
                            if here.is_empty() {
                                "none".into()
                            } else {
                                here.join(", ")
                            }
                        ),
                    ));
                }
                Some("present") => continue,
                Some("valid") => {
                    if name != "binding_authorization_data" {
                        return Err(TreeError::new(
                            p,
                            "`valid` applies to binding_authorization_data only",
                        )
                        .into());
                    }
                    self.authenticator_valid(idx, &p)?;
                }
                _ => {
                    // Some option of that name meets every field condition.
                    let mut first_err = None;
                    let mut ok = false;
                    for o in &found {
                        match self.option_fields(c, o, def, &p) {
                            Ok(()) => {
                                ok = true;
                                break;
                            }
                            Err(e @ MatchError::Invalid(_)) => return Err(e),
                            Err(e) => {
                                first_err.get_or_insert(e);
                            }
                        }
                    }
                    if !ok {
                        return Err(first_err.expect("at least one option was tried"));
                    }
                }
            }
        }
        Ok(())
    }

    fn option_fields(&self, c: &Value, o: &OptionView, def: &Def, path: &str) -> R<()> {
        if !c.is_object() {
            // Shorthand for an option with one field: `home_address: mn0.hoa`.
            let [(field, ty)] = def.build else {
                return Err(TreeError::new(
                    path,
                    format!(
                        "expected present, absent, any or a map of {} fields",
                        def.name
                    ),
                )
                .into());
            };
            return self.value(c, o.fields.get(*field), *ty, path);
        }
        for (k, fc) in as_map(c, path)? {
            let p = join(path, k);
            let (actual, ty) = match k.as_str() {
                "type" => (Some(Value::from(o.typ)), Ty::Int),
                "len" => (o.len.map(Value::from), Ty::Int),
                _ => match def.ty(k) {
                    Some(ty) => (o.fields.get(k).cloned(), ty),
                    None => {
                        let valid = def.all_names().chain(["type", "len"]);
                        return Err(
                            unknown_key(path, k, valid, &format!("{} field", def.name)).into()
                        );
                    }
                },
            };
            self.value(fc, actual.as_ref(), ty, &p)?;
        }
        Ok(())
    }

    /// `binding_authorization_data: valid` on the Mobility Header at layer `idx`.
    fn authenticator_valid(&self, idx: usize, path: &str) -> R<()> {
        let kbm = current_kbm(self.ctx.kbm, self.s(), path)?;
        let layers = &self.decoded.packet.layers;
        let Some(Layer::Mobility(m)) = layers.get(idx) else {
            return Err(TreeError::new(path, "not a Mobility Header").into());
        };
        let Some((mut care_of, correspondent)) = auth_addresses(layers, idx) else {
            return Err(miss(
                path,
                "valid",
                "no IPv6 header to take the addresses from",
            ));
        };
        // The care-of address the Binding Update registered, when the test says it: the BA's
        // destination is the BU's source, which is not the care-of address the BU signed
        // with an Alternate Care-of Address (RFC 6275 §6.2.7, §9.5.4).
        if let Some(v) = self.s().vars.get("care_of") {
            care_of = self.s().ipv6(v, "$care_of")?;
        }
        if m.verify_authenticator(&kbm, care_of, correspondent) {
            Ok(())
        } else {
            Err(with_note(
                miss(path, "valid", "invalid"),
                format!("checked with care-of address {care_of} and correspondent address {correspondent}"),
            ))
        }
    }

    /// One field condition against the field's value in the frame (`None`: not there).
    fn value(&self, cond: &Value, actual: Option<&Value>, ty: Ty, path: &str) -> R<()> {
        match keyword(cond) {
            Some("any") => return Ok(()),
            Some("present") => {
                return match actual {
                    Some(_) => Ok(()),
                    None => Err(miss(path, "present", "absent")),
                }
            }
            Some("absent") => {
                return match actual {
                    None => Ok(()),
                    Some(a) => Err(miss(path, "absent", display_scalar(a))),
                }
            }
            Some("valid") => {
                return Err(TreeError::new(
                    path,
                    "`valid` applies to binding_authorization_data only",
                )
                .into())
            }
            _ => {}
        }
        if let Value::Object(m) = cond {
            if !m.contains_key("fn") {
                return self.range_or_set(m, actual, ty, path);
            }
        }
        let Some(actual) = actual else {
            return Err(miss(path, self.render(cond, path)?, "absent"));
        };
        if self.equal(cond, actual, ty, path)? {
            Ok(())
        } else {
            Err(miss(path, self.render(cond, path)?, display_scalar(actual)))
        }
    }

    fn range_or_set(
        &self,
        m: &Map<String, Value>,
        actual: Option<&Value>,
        ty: Ty,
        path: &str,
    ) -> R<()> {
        for k in m.keys() {
            if !matches!(k.as_str(), "min" | "max" | "one_of") {
                return Err(unknown_key(
                    path,
                    k,
                    ["min", "max", "one_of"].into_iter(),
                    "condition",
                )
                .into());
            }
        }
        if let Some(list) = m.get("one_of") {
            if m.len() > 1 {
                return Err(
                    TreeError::new(path, "`one_of` cannot be combined with min/max").into(),
                );
            }
            let list = self.s().resolve(list, &join(path, "one_of"))?;
            let items = list
                .as_array()
                .ok_or_else(|| TreeError::new(join(path, "one_of"), "expected a list"))?;
            let shown = items
                .iter()
                .map(display_scalar)
                .collect::<Vec<_>>()
                .join(", ");
            let expected = format!("one of [{shown}]");
            let Some(actual) = actual else {
                return Err(miss(path, expected, "absent"));
            };
            for (i, it) in items.iter().enumerate() {
                if self.equal(it, actual, ty, &format!("{path}.one_of[{i}]"))? {
                    return Ok(());
                }
            }
            return Err(miss(path, expected, display_scalar(actual)));
        }
        let bound = |k: &str| -> R<Option<i128>> {
            m.get(k)
                .map(|v| {
                    let p = join(path, k);
                    let v = self.s().resolve(v, &p)?;
                    int_value(&v, &p).map_err(MatchError::from)
                })
                .transpose()
        };
        let (min, max) = (bound("min")?, bound("max")?);
        let expected = match (min, max) {
            (Some(a), Some(b)) => format!("between {a} and {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            (None, None) => return Err(TreeError::new(path, "give min, max or one_of").into()),
        };
        let Some(actual) = actual else {
            return Err(miss(path, expected, "absent"));
        };
        let n = int_value(actual, path).map_err(|_| {
            MatchError::Invalid(TreeError::new(
                path,
                format!("min/max compare numbers, this field is {}", short(actual)),
            ))
        })?;
        if min.is_some_and(|a| n < a) || max.is_some_and(|b| n > b) {
            return Err(miss(path, expected, n.to_string()));
        }
        Ok(())
    }

    /// Whether the literal `cond` equals `actual`, compared as `ty`.
    fn equal(&self, cond: &Value, actual: &Value, ty: Ty, path: &str) -> R<bool> {
        let s = self.s();
        Ok(match ty {
            Ty::Int => {
                let e = int_value(&s.resolve(cond, path)?, path)?;
                int_value(actual, path).ok() == Some(e)
            }
            Ty::Bool => {
                let e = s.boolean(cond, path)?;
                bool_value(actual) == Some(e)
            }
            Ty::Ip6 => {
                let e = s.ipv6(cond, path)?;
                actual.as_str().and_then(|a| a.parse().ok()) == Some(e)
            }
            Ty::Ip4 => {
                let e = s.ipv4(cond, path)?;
                actual.as_str().and_then(|a| a.parse().ok()) == Some(e)
            }
            Ty::Mac => {
                let e = s.mac(cond, path)?;
                actual.as_str().and_then(|a| a.parse().ok()) == Some(e)
            }
            Ty::Hex => {
                let e = s.hex(cond, path)?;
                actual.as_str().and_then(|a| from_hex(a).ok()) == Some(e)
            }
            Ty::Text => display_scalar(&s.resolve(cond, path)?) == display_scalar(actual),
            Ty::Ip6List => {
                let list = s.resolve(cond, path)?;
                let e = list
                    .as_array()
                    .ok_or_else(|| TreeError::new(path, "expected a list of addresses"))?
                    .iter()
                    .enumerate()
                    .map(|(i, a)| s.ipv6(a, &format!("{path}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                let a: Option<Vec<std::net::Ipv6Addr>> = actual.as_array().and_then(|l| {
                    l.iter()
                        .map(|x| x.as_str().and_then(|x| x.parse().ok()))
                        .collect()
                });
                a == Some(e)
            }
        })
    }

    /// A literal condition as written, with its resolved value when that differs.
    fn render(&self, cond: &Value, path: &str) -> R<String> {
        let written = display_scalar(cond);
        let resolved = self.s().resolve(cond, path)?;
        let mut shown = display_scalar(&resolved);
        if let Value::String(n) = &resolved {
            if let Some(v) = self.s().names.resolve(n) {
                shown = display_scalar(&v);
            }
        }
        Ok(if cond.is_object() || shown != written {
            if cond.is_object() {
                shown
            } else {
                format!("{written} ({shown})")
            }
        } else {
            written
        })
    }

    // ---- captures ------------------------------------------------------------------------

    fn captures(&self, spec: &Value) -> R<Captures> {
        let map = as_map(spec, "capture")?;
        let mut out = Captures::new();
        for (var, what) in map {
            let p = join("capture", var);
            let what = what.as_str().ok_or_else(|| {
                TreeError::new(&p, "expected a path like `mh` or `mh.binding_ack.lifetime`")
            })?;
            out.insert(var.clone(), self.capture(what, &p)?);
        }
        Ok(out)
    }

    fn capture(&self, what: &str, path: &str) -> R<Value> {
        let layers = &self.view.layers;
        let mut segs = what.split('.').peekable();
        let mut start = 0;
        while segs.peek() == Some(&"inner") {
            segs.next();
            match level_bounds(layers, start).1 {
                Some(i) => start = i,
                None => return Err(miss(path, what, "no tunnelled packet")),
            }
        }
        let name = segs
            .next()
            .ok_or_else(|| TreeError::new(path, "empty capture path"))?;
        if !schema::LAYER_NAMES.contains(&name) {
            return Err(
                unknown_key(path, name, schema::LAYER_NAMES.iter().copied(), "layer").into(),
            );
        }
        let (end, _) = level_bounds(layers, start);
        let Some(lv) = layers[start..end].iter().find(|l| l.layer == name) else {
            return Err(miss(path, format!("a {name} layer to capture"), "absent"));
        };
        let mut v = layer_value(lv);
        let message = lv.fields.get("message").and_then(Value::as_str);
        let mut first = true;
        let mut in_option: Option<&str> = None;
        let mut done = String::from(name);
        for seg in segs {
            let next = match &v {
                Value::Object(m) if m.contains_key(seg) => {
                    in_option = None;
                    m.get(seg).cloned()
                }
                _ if first && Some(seg) == message => {
                    first = false;
                    continue;
                }
                Value::Object(m) if m.get("options").is_some_and(|o| o.get(seg).is_some()) => {
                    in_option = Some(seg);
                    m.get("options").and_then(|o| o.get(seg)).cloned()
                }
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)).cloned(),
                _ => None,
            };
            first = false;
            v = match next {
                Some(n) => n,
                None => {
                    let have = match &v {
                        Value::Object(m) => m.keys().cloned().collect::<Vec<_>>(),
                        _ => Vec::new(),
                    };
                    return Err(with_note(
                        miss(path, format!("{done}.{seg}"), "absent"),
                        format!(
                            "{done} has{}: {}",
                            did_you_mean(seg, have.clone().into_iter(), ""),
                            have.join(", ")
                        ),
                    ));
                }
            };
            done.push('.');
            done.push_str(seg);
        }
        // `dest_opts.home_address`: the option's single field of the same name.
        if let (Some(o), Value::Object(m)) = (in_option, &v) {
            if let Some(x) = m.get(o) {
                return Ok(x.clone());
            }
        }
        Ok(v)
    }
}

/// A layer as a captured value: its fields, and `options` as a map from option name to the
/// fields of the first option of that name (padding left out).
fn layer_value(lv: &LayerView) -> Value {
    let mut m = lv.fields.clone();
    if !lv.options.is_empty() {
        let mut opts = Map::new();
        for o in &lv.options {
            if matches!(o.name, "pad1" | "padn") {
                continue;
            }
            opts.entry(o.name.to_string())
                .or_insert_with(|| Value::Object(o.fields.clone()));
        }
        m.insert("options".into(), Value::Object(opts));
    }
    Value::Object(m)
}

fn as_map<'v>(v: &'v Value, path: &str) -> R<&'v Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(EMPTY.get_or_init(Map::new)),
        other => Err(TreeError::new(path, format!("expected a map, got {}", short(other))).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::{NameTable, Vars};
    use mip6_packets::{decode, LinkType};
    use serde_json::json;

    fn frame(name: &str) -> (Vec<u8>, Decoded) {
        let s = mip6_packets::samples::corpus()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap();
        let b = s.packet.emit();
        let d = decode(&b, LinkType::Ethernet);
        (b, d)
    }

    #[test]
    fn levels_split_at_tunnels_and_keep_dsmip_together() {
        let (b, d) = frame("hot-tunnelled-from-ha");
        let v = d.view(b.len());
        assert_eq!(level_bounds(&v.layers, 0), (2, Some(2)));
        let (b, d) = frame("dsmip-udp4191-ipv6-echo-request");
        let v = d.view(b.len());
        let names: Vec<&str> = v.layers.iter().map(|l| l.layer).collect();
        assert_eq!(names, ["ethernet", "ipv4", "udp", "ipv6", "icmpv6"]);
        assert_eq!(level_bounds(&v.layers, 0), (5, None));
    }

    #[test]
    fn conditions_are_checked_without_a_frame() {
        assert!(check(&json!({"ipv6": {"src": "$x"}, "mh": {"binding_ack": {"status": {"min": 0}}, "options": {"binding_authorization_data": "valid"}}, "inner": "absent"})).is_ok());
        let e = check(&json!({"mh": {"binding_ack": {"lifetim": 1}}})).unwrap_err();
        assert_eq!(e.path, "mh.binding_ack.lifetim");
        assert!(e.message.contains("did you mean `lifetime`"), "{e}");
        let e = check(&json!({"inner": {"mh": {"options": {"nonce_indices": {"home": 1}}}}}))
            .unwrap_err();
        assert_eq!(e.path, "inner.mh.options.nonce_indices.home");
        let e = check(&json!({"ipv6": {"hop_limit": {"maximum": 1}}})).unwrap_err();
        assert_eq!(e.path, "ipv6.hop_limit.maximum");
        let e = check(&json!({"dest_opts": {"home_address": "valid"}})).unwrap_err();
        assert_eq!(e.path, "dest_opts.home_address");
        assert!(check_capture(&json!({"hot": "inner.mh", "x": "ipv6.src"})).is_ok());
        let e = check_capture(&json!({"hot": "hm"})).unwrap_err();
        assert!(e.message.contains("did you mean `mh`"), "{e}");
    }

    #[test]
    fn findings_report_checksums() {
        let (mut b, _) = frame("ba-no-flags-rejected-135-sequence");
        let d = decode(&b, LinkType::Ethernet);
        assert!(frame_findings(&d).is_empty());
        let off = d.offsets[d.packet.layers.len() - 1] + 4;
        b[off] ^= 1;
        let d = decode(&b, LinkType::Ethernet);
        let f = frame_findings(&d);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].starts_with("mh.checksum @"), "{f:?}");
        assert!(f[0].contains("[mh-checksum; RFC 6275 §6.1.1]"), "{f:?}");
    }

    #[test]
    fn rendered_expectations_show_resolved_names() {
        let (b, d) = frame("ba-no-flags-rejected-135-sequence");
        let v = d.view(b.len());
        let vars = Vars::new();
        let names = NameTable::new().with("mn0.hoa", "2001:db8:1::101");
        let cx = MatchCtx::new(Scope::new(&vars, &names));
        let e = match_frame(
            &json!({"routing": {"home_address": "mn0.hoa"}}),
            None,
            &d,
            &v,
            &cx,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "routing.home_address: expected mn0.hoa (2001:db8:1::101), got 2001:db8:1::100"
        );
    }
}
