//! The packet-template compiler: a YAML packet tree (docs/test-language.md §4) → a [`Packet`].
//!
//! A tree names layers with the decode view's names (docs/decode-json.md) and sets their fields
//! with the view's field names; whatever is left out is computed (lengths, next headers,
//! checksums, padding, alignment) or zero. Layers are put in the canonical order whatever the
//! key order in the YAML:
//!
//! ```text
//! ethernet, ipv4, udp (DSMIPv6: only when ipv4 and ipv6 are both given), ipv6, hop_by_hop,
//! routing, dest_opts, fragment, esp, then one of mh | icmpv6 | udp | inner, then raw
//! ```
//!
//! `dest_opts` goes after `routing` and before `fragment`, where RFC 6275 §6.3 puts the Home
//! Address option. Any other order (a Destination Options header before the routing header, two
//! of them, a misplaced Hop-by-Hop header) is written with the explicit form
//! `layers: [{ipv6: ..}, {dest_opts: ..}, {routing: ..}, {mh: ..}]`, which keeps the order given.
//! Tunnels nest: `ipv6: {..}, inner: {ipv6: {..}, mh: {..}}`.

pub mod schema;

use crate::vars::{did_you_mean, join, short, unknown_key, Result, Scope, TreeError};
use mip6_packets::esp::{Esp, EspTrailer};
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use mip6_packets::ipv4::Ipv4;
use mip6_packets::ipv6::{
    align_options, Fragment, Ip6Option, Ipv6, OptionsHeader, Routing, RoutingBody,
};
use mip6_packets::mh::{BindingAck, BindingUpdate, MhMessage, MhOption, Mobility};
use mip6_packets::udp::Udp;
use mip6_packets::{Edits, Ethernet, Layer, MacAddr, Packet, Patch};
use schema::Def;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::net::{IpAddr, Ipv6Addr};

/// Errors of templates and edit lists: the path in the tree and what is wrong there.
pub type TemplateError = TreeError;

/// What a template is compiled with.
#[derive(Debug, Clone, Copy)]
pub struct TemplateCtx<'a> {
    /// Variables and topology names.
    pub scope: Scope<'a>,
    /// The sender's MAC (Ethernet source) unless the tree sets `ethernet.src`.
    pub src_mac: Option<MacAddr>,
    /// The receiver's MAC (Ethernet destination) unless the tree sets `ethernet.dst`. When
    /// `None` and the outermost IPv6 destination is multicast, the multicast MAC is used
    /// (RFC 2464 §7).
    pub dst_mac: Option<MacAddr>,
    /// The Kbm for `auth: computed`; when `None`, the variable `$kbm` (40 hex digits) is used.
    pub kbm: Option<[u8; 20]>,
}

impl<'a> TemplateCtx<'a> {
    pub fn new(scope: Scope<'a>) -> Self {
        TemplateCtx {
            scope,
            src_mac: None,
            dst_mac: None,
            kbm: None,
        }
    }

    pub fn macs(mut self, src: MacAddr, dst: MacAddr) -> Self {
        self.src_mac = Some(src);
        self.dst_mac = Some(dst);
        self
    }

    pub fn kbm(mut self, kbm: [u8; 20]) -> Self {
        self.kbm = Some(kbm);
        self
    }
}

/// The Kbm: the one given, else the variable `$kbm`.
pub(crate) fn current_kbm(given: Option<[u8; 20]>, scope: &Scope, path: &str) -> Result<[u8; 20]> {
    if let Some(k) = given {
        return Ok(k);
    }
    let v = scope.vars.get("kbm").ok_or_else(|| {
        TreeError::new(
            path,
            "no Kbm: set the variable `kbm` (e.g. `set: {kbm: {fn: kbm, home_token: $hot.token, care_of_token: $cot.token}}`)",
        )
    })?;
    let b = scope.hex(v, path)?;
    b.try_into()
        .map_err(|b: Vec<u8>| TreeError::new(path, format!("$kbm is {} bytes, Kbm is 20", b.len())))
}

/// Compiles a packet tree into a packet.
pub fn compile(tree: &Value, ctx: &TemplateCtx) -> Result<Packet> {
    let mut b = Builder {
        cx: ctx,
        layers: Vec::new(),
        auth: Vec::new(),
    };
    let explicit = tree.get("layers").is_some();
    b.level(tree, "", true)?;
    if !explicit {
        b.ethernet(tree)?;
    }
    b.authenticate()?;
    Ok(Packet::new(b.layers))
}

/// Compiles an edit list (`{patches: [{layer: mh, offset: 4, bytes: "ffff"}], truncate: 60,
/// append: "00"}`) for `packet`. `layer:` is a layer name (its first occurrence), `name[n]` (the
/// n-th occurrence, from 0) or a layer index.
pub fn compile_edits(tree: &Value, packet: &Packet, scope: &Scope) -> Result<Edits> {
    let o = obj(tree, "", &["patches", "truncate", "append"], "edit")?;
    let mut e = Edits::default();
    if let Some(t) = o.map.get("truncate") {
        e.truncate = Some(scope.uint(t, "truncate", u32::MAX.into())? as usize);
    }
    if let Some(a) = o.map.get("append") {
        e.append = scope.hex(a, "append")?;
    }
    if let Some(p) = o.map.get("patches") {
        let list = p
            .as_array()
            .ok_or_else(|| TreeError::new("patches", "expected a list of patches"))?;
        for (i, item) in list.iter().enumerate() {
            let path = format!("patches[{i}]");
            let po = obj(item, &path, &["layer", "offset", "bytes"], "patch field")?;
            let layer = match po.map.get("layer") {
                None => None,
                Some(l) => Some(layer_index(l, packet, &join(&path, "layer"), scope)?),
            };
            let offset = match po.map.get("offset") {
                Some(v) => scope.uint(v, &join(&path, "offset"), u32::MAX.into())? as usize,
                None => 0,
            };
            let bytes = match po.map.get("bytes") {
                Some(v) => scope.hex(v, &join(&path, "bytes"))?,
                None => return Err(TreeError::new(path, "a patch needs `bytes`")),
            };
            e.patches.push(Patch {
                layer,
                offset,
                bytes,
            });
        }
    }
    Ok(e)
}

fn layer_index(v: &Value, packet: &Packet, path: &str, scope: &Scope) -> Result<usize> {
    let v = scope.resolve(v, path)?;
    if let Some(n) = v.as_u64() {
        return Ok(n as usize);
    }
    let s = v
        .as_str()
        .ok_or_else(|| TreeError::new(path, "expected a layer name like `mh` or `ipv6[1]`"))?;
    let (name, nth) = match s.split_once('[') {
        Some((n, rest)) => {
            let k = rest
                .strip_suffix(']')
                .and_then(|k| k.parse::<usize>().ok())
                .ok_or_else(|| TreeError::new(path, format!("bad layer reference {s:?}")))?;
            (n, k)
        }
        None => (s, 0),
    };
    packet
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.name() == name)
        .nth(nth)
        .map(|(i, _)| i)
        .ok_or_else(|| {
            let present: Vec<&str> = packet.layers.iter().map(Layer::name).collect();
            TreeError::new(
                path,
                format!(
                    "the packet has no layer {s}{}; its layers: {}",
                    did_you_mean(name, present.iter().map(|s| s.to_string()), ""),
                    present.join(", ")
                ),
            )
        })
}

// ---- tree access ------------------------------------------------------------------------------

static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

/// A map in the tree whose keys have been checked against the valid ones.
pub(crate) struct Obj<'t> {
    pub map: Cow<'t, Map<String, Value>>,
    pub path: String,
}

/// `v` as a map with only `allowed` keys (`null` is an empty map).
pub(crate) fn obj<'t>(v: &'t Value, path: &str, allowed: &[&str], what: &str) -> Result<Obj<'t>> {
    let map = match v {
        Value::Object(m) => m,
        Value::Null => EMPTY.get_or_init(Map::new),
        other => {
            return Err(TreeError::new(
                path,
                format!("expected a map of {what}s, got {}", short(other)),
            ))
        }
    };
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(unknown_key(path, k, allowed.iter().copied(), what));
        }
    }
    Ok(Obj {
        map: Cow::Borrowed(map),
        path: path.to_string(),
    })
}

/// A map's single key and value (`{home_address: X}`), or a bare string (`pad1`).
pub(crate) fn single<'t>(v: &'t Value, path: &str, what: &str) -> Result<(&'t str, &'t Value)> {
    match v {
        Value::String(s) => Ok((s.as_str(), &Value::Null)),
        Value::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next().expect("one entry");
            Ok((k.as_str(), v))
        }
        other => Err(TreeError::new(
            path,
            format!(
                "expected one {what} like `{{name: ...}}`, got {}",
                short(other)
            ),
        )),
    }
}

/// Field access with typed conversion, for one map of the tree.
struct B<'c, 't> {
    s: &'c Scope<'c>,
    o: Obj<'t>,
}

impl B<'_, '_> {
    fn p(&self, k: &str) -> String {
        join(&self.o.path, k)
    }
    fn get(&self, k: &str) -> Option<&Value> {
        self.o.map.get(k)
    }
    fn n(&self, k: &str, max: u64) -> Result<Option<u64>> {
        self.get(k)
            .map(|v| self.s.uint(v, &self.p(k), max))
            .transpose()
    }
    fn u8(&self, k: &str) -> Result<Option<u8>> {
        Ok(self.n(k, 0xff)?.map(|v| v as u8))
    }
    fn u16(&self, k: &str) -> Result<Option<u16>> {
        Ok(self.n(k, 0xffff)?.map(|v| v as u16))
    }
    fn u32(&self, k: &str) -> Result<Option<u32>> {
        Ok(self.n(k, u32::MAX.into())?.map(|v| v as u32))
    }
    fn u8z(&self, k: &str) -> Result<u8> {
        Ok(self.u8(k)?.unwrap_or(0))
    }
    fn u16z(&self, k: &str) -> Result<u16> {
        Ok(self.u16(k)?.unwrap_or(0))
    }
    fn u32z(&self, k: &str) -> Result<u32> {
        Ok(self.u32(k)?.unwrap_or(0))
    }
    fn flag(&self, k: &str) -> Result<bool> {
        self.get(k)
            .map(|v| self.s.boolean(v, &self.p(k)))
            .transpose()
            .map(|b| b.unwrap_or(false))
    }
    fn hex(&self, k: &str) -> Result<Option<Vec<u8>>> {
        self.get(k).map(|v| self.s.hex(v, &self.p(k))).transpose()
    }
    fn hexz(&self, k: &str) -> Result<Vec<u8>> {
        Ok(self.hex(k)?.unwrap_or_default())
    }
    fn hex8(&self, k: &str) -> Result<[u8; 8]> {
        match self.hex(k)? {
            None => Ok([0; 8]),
            Some(b) => b.try_into().map_err(|b: Vec<u8>| {
                TreeError::new(
                    self.p(k),
                    format!("expected 8 bytes (16 hex digits), got {}", b.len()),
                )
            }),
        }
    }
    fn ip6(&self, k: &str) -> Result<Option<Ipv6Addr>> {
        self.get(k).map(|v| self.s.ipv6(v, &self.p(k))).transpose()
    }
    fn ip6_req(&self, k: &str) -> Result<Ipv6Addr> {
        self.ip6(k)?
            .ok_or_else(|| TreeError::new(&self.o.path, format!("`{k}` is required")))
    }
    fn ip4_req(&self, k: &str) -> Result<std::net::Ipv4Addr> {
        match self.get(k) {
            Some(v) => self.s.ipv4(v, &self.p(k)),
            None => Err(TreeError::new(&self.o.path, format!("`{k}` is required"))),
        }
    }
    fn mac(&self, k: &str) -> Result<Option<MacAddr>> {
        self.get(k).map(|v| self.s.mac(v, &self.p(k))).transpose()
    }
}

/// A def's body: `{field: value}`, or a scalar for a def with exactly one field.
fn body<'c, 't>(
    s: &'c Scope<'c>,
    def: &Def,
    v: &'t Value,
    path: &str,
    extra: &[&str],
) -> Result<B<'c, 't>> {
    let mut allowed: Vec<&str> = def.build_names().collect();
    allowed.extend_from_slice(extra);
    if !matches!(v, Value::Object(_) | Value::Null) && def.build.len() == 1 {
        // Shorthand: `home_address: mn0.hoa` for `home_address: {home_address: mn0.hoa}`.
        let mut m = Map::new();
        m.insert(def.build[0].0.to_string(), v.clone());
        return Ok(B {
            s,
            o: Obj {
                map: Cow::Owned(m),
                path: path.to_string(),
            },
        });
    }
    Ok(B {
        s,
        o: obj(v, path, &allowed, &format!("{} field", def.name))?,
    })
}

// ---- the builder ------------------------------------------------------------------------------

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
    "mh",
    "icmpv6",
    "raw",
    "inner",
    "layers",
];

struct Builder<'c> {
    cx: &'c TemplateCtx<'c>,
    layers: Vec<Layer>,
    /// Mobility Headers to sign with `auth: computed`: (layer index, path).
    auth: Vec<(usize, String)>,
}

impl Builder<'_> {
    fn s(&self) -> &Scope<'_> {
        &self.cx.scope
    }

    /// One level of the tree: the layers up to an `inner:` packet.
    fn level(&mut self, tree: &Value, path: &str, outermost: bool) -> Result<()> {
        let o = obj(tree, path, LEVEL_KEYS, "layer")?;
        if let Some(list) = o.map.get("layers") {
            if o.map.len() > 1 {
                return Err(TreeError::new(
                    join(path, "layers"),
                    "`layers:` gives every layer in order; do not mix it with layer keys",
                ));
            }
            return self.explicit(list, &join(path, "layers"));
        }
        let has = |k: &str| o.map.contains_key(k);
        if !outermost && has("ethernet") {
            return Err(TreeError::new(
                join(path, "ethernet"),
                "Ethernet is only the outermost layer",
            ));
        }
        let dsmip = has("ipv4") && has("ipv6") && has("udp");
        let uppers: Vec<&str> = ["mh", "icmpv6", "udp", "inner"]
            .into_iter()
            .filter(|k| has(k) && !(*k == "udp" && dsmip))
            .collect();
        if uppers.len() > 1 {
            return Err(TreeError::new(
                path,
                format!(
                    "one packet carries one upper layer, this one has {}; nest tunnelled packets with `inner:` or give the order with `layers:`",
                    uppers.join(" and ")
                ),
            ));
        }
        let nd = o
            .map
            .get("icmpv6")
            .and_then(Value::as_object)
            .is_some_and(|m| m.keys().any(|k| schema::ND_MESSAGES.contains(&k.as_str())));
        // `udp` sits between IPv4 and IPv6 in DSMIPv6 (RFC 5555 §4.1), else it is the upper layer.
        let order = [
            "ipv4",
            "udp/dsmip",
            "ipv6",
            "hop_by_hop",
            "routing",
            "dest_opts",
            "fragment",
            "esp",
            "mh",
            "icmpv6",
            "udp",
            "inner",
            "raw",
        ];
        let mut trailer = None;
        for slot in order {
            let key = slot.split('/').next().unwrap_or(slot);
            if key == "udp" && (slot == "udp/dsmip") != dsmip {
                continue;
            }
            let Some(v) = o.map.get(key) else { continue };
            let p = join(path, key);
            match key {
                "ipv6" => {
                    let l = self.ipv6(v, &p, nd)?;
                    self.layers.push(l);
                }
                "inner" => self.level(v, &p, false)?,
                "esp" => {
                    let (esp, t) = self.esp(v, &p)?;
                    self.layers.push(esp);
                    trailer = t;
                }
                _ => {
                    let l = self.layer(key, v, &p)?;
                    self.layers.push(l);
                }
            }
        }
        if let Some(t) = trailer {
            self.layers.push(t);
        }
        Ok(())
    }

    /// `layers: [{ipv6: ..}, {dest_opts: ..}, ...]`: exactly these layers in this order.
    fn explicit(&mut self, list: &Value, path: &str) -> Result<()> {
        let list = list
            .as_array()
            .ok_or_else(|| TreeError::new(path, "expected a list of `{layer: fields}`"))?;
        for (i, item) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let (name, v) = single(item, &p, "layer")?;
            let lp = join(&p, name);
            let layer = match name {
                "ipv6" => self.ipv6(v, &lp, false)?,
                "esp" => {
                    let (esp, t) = self.esp(v, &lp)?;
                    if t.is_some() {
                        return Err(TreeError::new(
                            lp,
                            "in `layers:` the ESP trailer is its own `esp_trailer` entry",
                        ));
                    }
                    esp
                }
                "esp_trailer" => Layer::EspTrailer(self.esp_trailer(v, &lp)?),
                "ethernet" => {
                    let b = B {
                        s: self.s(),
                        o: obj(
                            v,
                            &lp,
                            &schema::ETHERNET.build_names().collect::<Vec<_>>(),
                            "ethernet field",
                        )?,
                    };
                    let src = b.mac("src")?.or(self.cx.src_mac);
                    let dst = b.mac("dst")?.or(self.cx.dst_mac);
                    let (Some(src), Some(dst)) = (src, dst) else {
                        return Err(TreeError::new(
                            lp,
                            "needs `src` and `dst` (no sender/receiver MAC known)",
                        ));
                    };
                    Layer::Ethernet(Ethernet {
                        src,
                        dst,
                        ethertype: b.u16("ethertype")?,
                    })
                }
                n if LEVEL_KEYS.contains(&n) && n != "inner" && n != "layers" => {
                    self.layer(n, v, &lp)?
                }
                other => {
                    let mut valid: Vec<&str> = LEVEL_KEYS[..LEVEL_KEYS.len() - 2].to_vec();
                    valid.push("esp_trailer");
                    return Err(unknown_key(&p, other, valid.into_iter(), "layer"));
                }
            };
            self.layers.push(layer);
        }
        Ok(())
    }

    fn layer(&mut self, key: &str, v: &Value, p: &str) -> Result<Layer> {
        Ok(match key {
            "ipv4" => self.ipv4(v, p)?,
            "udp" => self.udp(v, p)?,
            "hop_by_hop" => Layer::HopByHop(self.ext_opts(v, p)?),
            "dest_opts" => Layer::DestOpts(self.ext_opts(v, p)?),
            "routing" => self.routing(v, p)?,
            "fragment" => self.fragment(v, p)?,
            "mh" => {
                let (l, computed) = self.mh(v, p)?;
                if computed {
                    self.auth.push((self.layers.len(), p.to_string()));
                }
                l
            }
            "icmpv6" => Layer::Icmpv6(self.icmpv6(v, p)?),
            "raw" => Layer::Raw(self.raw(v, p)?),
            other => unreachable!("layer {other} is handled by the caller"),
        })
    }

    /// Adds the Ethernet header at the front of a map-form packet.
    fn ethernet(&mut self, tree: &Value) -> Result<()> {
        let given = tree.get("ethernet");
        if matches!(given, Some(Value::Bool(false))) {
            return Ok(());
        }
        let b = match given {
            Some(v) => Some(B {
                s: self.s(),
                o: obj(
                    v,
                    "ethernet",
                    &schema::ETHERNET.build_names().collect::<Vec<_>>(),
                    "ethernet field",
                )?,
            }),
            None => None,
        };
        let src = match &b {
            Some(b) => b.mac("src")?,
            None => None,
        }
        .or(self.cx.src_mac);
        let mut dst = match &b {
            Some(b) => b.mac("dst")?,
            None => None,
        }
        .or(self.cx.dst_mac);
        if dst.is_none() {
            if let Some(Layer::Ipv6(h)) = self.layers.first() {
                if h.dst.is_multicast() {
                    dst = Some(MacAddr::ipv6_multicast(h.dst));
                }
            }
        }
        let ethertype = match &b {
            Some(b) => b.u16("ethertype")?,
            None => None,
        };
        match (src, dst) {
            (Some(src), Some(dst)) => {
                self.layers.insert(
                    0,
                    Layer::Ethernet(Ethernet {
                        src,
                        dst,
                        ethertype,
                    }),
                );
                // Indices of layers to sign move by one.
                for a in &mut self.auth {
                    a.0 += 1;
                }
                Ok(())
            }
            (None, None) if b.is_none() => Ok(()),
            (s, _) => Err(TreeError::new(
                "ethernet",
                format!(
                    "no {} MAC: set ethernet.{} or name the {} of the step",
                    if s.is_none() { "source" } else { "destination" },
                    if s.is_none() { "src" } else { "dst" },
                    if s.is_none() { "sender" } else { "receiver" },
                ),
            )),
        }
    }

    fn ipv6(&self, v: &Value, p: &str, nd: bool) -> Result<Layer> {
        let b = B {
            s: self.s(),
            o: obj(
                v,
                p,
                &schema::IPV6.build_names().collect::<Vec<_>>(),
                "ipv6 field",
            )?,
        };
        let mut h = Ipv6::new(b.ip6_req("src")?, b.ip6_req("dst")?);
        h.version = b.u8("version")?;
        h.traffic_class = b.u8z("traffic_class")?;
        h.flow_label = b.n("flow_label", 0xf_ffff)?.unwrap_or(0) as u32;
        h.payload_len = b.u16("payload_len")?;
        h.next_header = b.u8("next_header")?;
        h.hop_limit = b.u8("hop_limit")?.unwrap_or(if nd { 255 } else { 64 });
        Ok(Layer::Ipv6(h))
    }

    fn ipv4(&self, v: &Value, p: &str) -> Result<Layer> {
        let b = B {
            s: self.s(),
            o: obj(
                v,
                p,
                &schema::IPV4.build_names().collect::<Vec<_>>(),
                "ipv4 field",
            )?,
        };
        let mut h = Ipv4::new(b.ip4_req("src")?, b.ip4_req("dst")?);
        h.version = b.n("version", 15)?.map(|v| v as u8);
        h.ihl = b.n("ihl", 15)?.map(|v| v as u8);
        h.tos = b.u8z("tos")?;
        h.total_len = b.u16("total_len")?;
        h.ident = b.u16z("ident")?;
        h.reserved_flag = b.flag("reserved_flag")?;
        h.df = b.flag("df")?;
        h.mf = b.flag("mf")?;
        h.frag_offset = b.n("frag_offset", 0x1fff)?.unwrap_or(0) as u16;
        h.ttl = b.u8("ttl")?.unwrap_or(64);
        h.protocol = b.u8("protocol")?;
        h.checksum = b.u16("checksum")?;
        h.options = b.hexz("options")?;
        Ok(Layer::Ipv4(h))
    }

    fn udp(&self, v: &Value, p: &str) -> Result<Layer> {
        let b = B {
            s: self.s(),
            o: obj(
                v,
                p,
                &schema::UDP.build_names().collect::<Vec<_>>(),
                "udp field",
            )?,
        };
        let mut u = Udp::new(b.u16z("src_port")?, b.u16z("dst_port")?);
        u.length = b.u16("length")?;
        u.checksum = b.u16("checksum")?;
        Ok(Layer::Udp(u))
    }

    fn esp(&self, v: &Value, p: &str) -> Result<(Layer, Option<Layer>)> {
        let b = B {
            s: self.s(),
            o: obj(v, p, &["spi", "seq", "trailer"], "esp field")?,
        };
        let esp = Esp::new(b.u32z("spi")?, b.u32z("seq")?);
        let trailer = match b.get("trailer") {
            Some(t) => Some(Layer::EspTrailer(self.esp_trailer(t, &b.p("trailer"))?)),
            None => None,
        };
        Ok((Layer::Esp(esp), trailer))
    }

    fn esp_trailer(&self, v: &Value, p: &str) -> Result<EspTrailer> {
        let b = B {
            s: self.s(),
            o: obj(
                v,
                p,
                &schema::ESP_TRAILER.build_names().collect::<Vec<_>>(),
                "esp_trailer field",
            )?,
        };
        Ok(EspTrailer {
            padding: b.hex("padding")?,
            pad_len: b.u8("pad_len")?,
            next_header: b.u8("next_header")?,
            icv: b.hexz("icv")?,
        })
    }

    fn raw(&self, v: &Value, p: &str) -> Result<Vec<u8>> {
        match v {
            Value::Object(_) => {
                let b = B {
                    s: self.s(),
                    o: obj(v, p, &["data"], "raw field")?,
                };
                b.hexz("data")
            }
            other => self.s().hex(other, p),
        }
    }

    fn fragment(&self, v: &Value, p: &str) -> Result<Layer> {
        let b = B {
            s: self.s(),
            o: obj(
                v,
                p,
                &schema::FRAGMENT.build_names().collect::<Vec<_>>(),
                "fragment field",
            )?,
        };
        Ok(Layer::Fragment(Fragment {
            next_header: b.u8("next_header")?,
            reserved: b.u8z("reserved")?,
            offset: b.n("offset", 0x1fff)?.unwrap_or(0) as u16,
            res: b.n("res", 3)?.unwrap_or(0) as u8,
            m: b.flag("m")?,
            ident: b.u32z("ident")?,
        }))
    }

    fn routing(&self, v: &Value, p: &str) -> Result<Layer> {
        let b = B {
            s: self.s(),
            o: obj(
                v,
                p,
                &schema::ROUTING.build_names().collect::<Vec<_>>(),
                "routing field",
            )?,
        };
        let body = match b.hex("data")? {
            Some(d) => {
                if b.get("home_address").is_some() || b.get("reserved").is_some() {
                    return Err(TreeError::new(
                        p,
                        "give either `data` or `reserved`/`home_address`, not both",
                    ));
                }
                RoutingBody::Other(d)
            }
            None => RoutingBody::Type2 {
                reserved: b.u32z("reserved")?,
                home_address: b.ip6_req("home_address")?,
            },
        };
        Ok(Layer::Routing(Routing {
            next_header: b.u8("next_header")?,
            hdr_ext_len: b.u8("hdr_ext_len")?,
            routing_type: b.u8("routing_type")?.unwrap_or(2),
            segments_left: b.u8("segments_left")?.unwrap_or(1),
            body,
        }))
    }

    /// `[options]`, or `{options: [..] | {raw, list}, raw, next_header, hdr_ext_len}`.
    fn ext_opts(&self, v: &Value, p: &str) -> Result<OptionsHeader> {
        let (list, raw, b) = match v {
            Value::Array(_) => (v, false, None),
            _ => {
                let b = B {
                    s: self.s(),
                    o: obj(
                        v,
                        p,
                        &["next_header", "hdr_ext_len", "options", "raw"],
                        "field",
                    )?,
                };
                let raw = b.flag("raw")?;
                (v.get("options").unwrap_or(&Value::Null), raw, Some(b))
            }
        };
        let path = if b.is_some() {
            join(p, "options")
        } else {
            p.to_string()
        };
        let (items, raw2, lp) = option_list(list, &path)?;
        let mut opts = Vec::new();
        for (i, item) in items.iter().enumerate() {
            opts.push(self.ip6_option(item, &format!("{lp}[{i}]"))?);
        }
        let opts = if raw || raw2 {
            opts
        } else {
            align_options(opts)
        };
        let mut h = OptionsHeader::new(opts);
        if let Some(b) = b {
            h.next_header = b.u8("next_header")?;
            h.hdr_ext_len = b.u8("hdr_ext_len")?;
        }
        Ok(h)
    }

    fn ip6_option(&self, item: &Value, p: &str) -> Result<Ip6Option> {
        if let Some(o) = unknown_option(self.s(), item, p, false)? {
            return Ok(Ip6Option::Other {
                typ: o.0,
                data: o.2,
            });
        }
        let (name, v) = single(item, p, "option")?;
        let def = schema::find(schema::IP6_OPTIONS, name)
            .filter(|d| d.name != "unknown")
            .ok_or_else(|| option_error(p, name, schema::IP6_OPTIONS))?;
        let op = join(p, name);
        Ok(match name {
            "pad1" => Ip6Option::Pad1,
            "padn" => Ip6Option::PadN(self.s().uint(v, &op, 255)? as u8),
            "router_alert" if !v.is_object() => Ip6Option::Other {
                typ: 5,
                data: (self.s().uint(v, &op, 0xffff)? as u16)
                    .to_be_bytes()
                    .to_vec(),
            },
            _ => {
                let b = body(self.s(), def, v, &op, &[])?;
                match name {
                    "home_address" => Ip6Option::HomeAddress(b.ip6_req("home_address")?),
                    _ => Ip6Option::Other {
                        typ: 5,
                        data: b.hexz("data")?,
                    },
                }
            }
        })
    }

    /// `mh: {<message>: {..}, options: [..], <header overrides>}`; also says whether the
    /// authenticator is to be computed.
    fn mh(&self, v: &Value, p: &str) -> Result<(Layer, bool)> {
        let mut allowed: Vec<&str> = schema::MH.build_names().collect();
        allowed.push("options");
        allowed.extend(schema::names(schema::MH_MESSAGES));
        let b = B {
            s: self.s(),
            o: obj(v, p, &allowed, "mh field or message")?,
        };
        let msgs: Vec<&String> =
            b.o.map
                .keys()
                .filter(|k| schema::find(schema::MH_MESSAGES, k).is_some())
                .collect();
        let name = match msgs.as_slice() {
            [one] => one.as_str(),
            [] => {
                return Err(TreeError::new(
                    p,
                    format!(
                        "a Mobility Header needs one message: {}",
                        schema::names(schema::MH_MESSAGES)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
            more => {
                return Err(TreeError::new(
                    p,
                    format!(
                        "a Mobility Header has one message, this one has {}",
                        more.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                ))
            }
        };
        let def = schema::find(schema::MH_MESSAGES, name).expect("found above");
        let mp = join(p, name);
        let mb = body(self.s(), def, &b.o.map[name], &mp, &[])?;
        let message = match name {
            "binding_refresh_request" => MhMessage::BindingRefreshRequest {
                reserved: mb.u16z("reserved2")?,
            },
            "home_test_init" => MhMessage::HomeTestInit {
                reserved: mb.u16z("reserved2")?,
                cookie: mb.hex8("cookie")?,
            },
            "care_of_test_init" => MhMessage::CareOfTestInit {
                reserved: mb.u16z("reserved2")?,
                cookie: mb.hex8("cookie")?,
            },
            "home_test" => MhMessage::HomeTest {
                nonce_index: mb.u16z("nonce_index")?,
                cookie: mb.hex8("cookie")?,
                token: mb.hex8("token")?,
            },
            "care_of_test" => MhMessage::CareOfTest {
                nonce_index: mb.u16z("nonce_index")?,
                cookie: mb.hex8("cookie")?,
                token: mb.hex8("token")?,
            },
            "binding_update" => MhMessage::BindingUpdate(BindingUpdate {
                seq: mb.u16z("seq")?,
                a: mb.flag("a")?,
                h: mb.flag("h")?,
                l: mb.flag("l")?,
                k: mb.flag("k")?,
                m: mb.flag("m")?,
                r: mb.flag("r")?,
                p: mb.flag("p")?,
                f: mb.flag("f")?,
                t: mb.flag("t")?,
                b: mb.flag("b")?,
                s: mb.flag("s")?,
                d: mb.flag("d")?,
                reserved: mb.n("flags_reserved", 0xf)?.unwrap_or(0) as u16,
                lifetime: mb.u16z("lifetime")?,
            }),
            "binding_ack" => MhMessage::BindingAck(BindingAck {
                status: mb.u8z("status")?,
                k: mb.flag("k")?,
                r: mb.flag("r")?,
                p: mb.flag("p")?,
                t: mb.flag("t")?,
                b: mb.flag("b")?,
                s: mb.flag("s")?,
                d: mb.flag("d")?,
                reserved: mb.n("flags_reserved", 1)?.unwrap_or(0) as u8,
                seq: mb.u16z("seq")?,
                lifetime: mb.u16z("lifetime")?,
            }),
            "binding_error" => MhMessage::BindingError {
                status: mb.u8z("status")?,
                reserved: mb.u8z("reserved2")?,
                home_address: mb.ip6("home_address")?.unwrap_or(Ipv6Addr::UNSPECIFIED),
            },
            "unknown" => MhMessage::Unknown {
                mh_type: mb
                    .u8("mh_type")?
                    .ok_or_else(|| TreeError::new(&mp, "`mh_type` is required"))?,
                data: mb.hexz("data")?,
            },
            _ => unreachable!("every MH message is handled"),
        };
        let (opts, raw, computed) = match b.get("options") {
            Some(o) => self.mh_options(o, &b.p("options"))?,
            None => (Vec::new(), false, false),
        };
        let mut m = if raw {
            Mobility {
                options: opts,
                ..Mobility::new(message, Vec::new())
            }
        } else {
            Mobility::new(message, opts)
        };
        if let Some(pp) = b.u8("payload_proto")? {
            m.payload_proto = pp;
        }
        m.header_len = b.u8("header_len")?;
        m.mh_type = b.u8("mh_type")?;
        m.reserved = b.u8z("reserved")?;
        m.checksum = b.u16("checksum")?;
        Ok((Layer::Mobility(m), computed))
    }

    /// Mobility options; also whether they are raw (not aligned) and whether the authenticator
    /// is to be computed.
    fn mh_options(&self, v: &Value, p: &str) -> Result<(Vec<MhOption>, bool, bool)> {
        let (items, raw, lp) = option_list(v, p)?;
        let mut out = Vec::new();
        let mut computed = false;
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{lp}[{i}]");
            if let Some((typ, _, data)) = unknown_option(self.s(), item, &ip, false)? {
                out.push(MhOption::Other { typ, data });
                continue;
            }
            let (name, v) = single(item, &ip, "mobility option")?;
            let def = schema::find(schema::MH_OPTIONS, name)
                .filter(|d| d.name != "unknown")
                .ok_or_else(|| option_error(&ip, name, schema::MH_OPTIONS))?;
            let op = join(&ip, name);
            let s = self.s();
            let o = match name {
                "pad1" => MhOption::Pad1,
                "padn" => MhOption::PadN(s.uint(v, &op, 255)? as u8),
                "binding_authorization_data" => {
                    let b = body(s, def, v, &op, &["auth"])?;
                    let given = b.get("authenticator").or(b.get("auth"));
                    match given.map(|g| s.resolve(g, &op)).transpose()? {
                        None => {
                            return Err(TreeError::new(
                                op,
                                "give `auth: computed` or `authenticator: <hex>`",
                            ))
                        }
                        Some(Value::String(c)) if c == "computed" => {
                            computed = true;
                            MhOption::BindingAuthorizationData(vec![0; 12])
                        }
                        Some(_) if b.get("auth").is_some() => return Err(TreeError::new(
                            join(&op, "auth"),
                            "`auth` takes `computed`; write a literal as `authenticator: <hex>`",
                        )),
                        Some(_) => MhOption::BindingAuthorizationData(b.hexz("authenticator")?),
                    }
                }
                _ => {
                    let b = body(s, def, v, &op, &[])?;
                    match name {
                        "binding_refresh_advice" => MhOption::BindingRefreshAdvice {
                            interval: b.u16z("refresh_interval")?,
                        },
                        "alternate_care_of_address" => {
                            MhOption::AlternateCareOfAddress(b.ip6_req("address")?)
                        }
                        "nonce_indices" => MhOption::NonceIndices {
                            home: b.u16z("home_nonce_index")?,
                            care_of: b.u16z("care_of_nonce_index")?,
                        },
                        "mobile_network_prefix" => MhOption::MobileNetworkPrefix {
                            reserved: b.u8z("reserved")?,
                            prefix_len: b.u8z("prefix_len")?,
                            prefix: b.ip6_req("prefix")?,
                        },
                        "mobile_node_identifier" => {
                            let identifier = match (b.get("identifier"), b.hex("identifier_hex")?) {
                                (Some(_), Some(_)) => {
                                    return Err(TreeError::new(
                                        op,
                                        "give `identifier` or `identifier_hex`, not both",
                                    ))
                                }
                                (Some(t), None) => s.string(t, &b.p("identifier"))?.into_bytes(),
                                (None, Some(h)) => h,
                                (None, None) => Vec::new(),
                            };
                            MhOption::MobileNodeIdentifier {
                                subtype: b.u8("subtype")?.unwrap_or(1),
                                identifier,
                            }
                        }
                        "ipv4_home_address" => MhOption::Ipv4HomeAddress {
                            prefix_len: b.n("prefix_len", 63)?.unwrap_or(0) as u8,
                            p: b.flag("p")?,
                            reserved: b.n("reserved", 0x1ff)?.unwrap_or(0) as u16,
                            address: b.ip4_req("address")?,
                        },
                        "ipv4_address_ack" => MhOption::Ipv4AddressAck {
                            status: b.u8z("status")?,
                            prefix_len: b.n("prefix_len", 63)?.unwrap_or(0) as u8,
                            reserved: b.n("reserved", 3)?.unwrap_or(0) as u8,
                            address: b.ip4_req("address")?,
                        },
                        "nat_detection" => MhOption::NatDetection {
                            f: b.flag("f")?,
                            reserved: b.n("reserved", 0x7fff)?.unwrap_or(0) as u16,
                            refresh_time: b.u32z("refresh_time")?,
                        },
                        "ipv4_care_of_address" => MhOption::Ipv4CareOfAddress {
                            reserved: b.u16z("reserved")?,
                            address: b.ip4_req("address")?,
                        },
                        _ => unreachable!("every mobility option is handled"),
                    }
                }
            };
            out.push(o);
        }
        Ok((out, raw, computed))
    }

    fn icmpv6(&self, v: &Value, p: &str) -> Result<Icmpv6> {
        let mut allowed: Vec<&str> = schema::ICMPV6.build_names().collect();
        allowed.push("options");
        allowed.extend(schema::names(schema::ICMPV6_MESSAGES).filter(|n| *n != "malformed"));
        let b = B {
            s: self.s(),
            o: obj(v, p, &allowed, "icmpv6 field or message")?,
        };
        let msgs: Vec<&String> =
            b.o.map
                .keys()
                .filter(|k| schema::find(schema::ICMPV6_MESSAGES, k).is_some())
                .collect();
        let name = match msgs.as_slice() {
            [one] => one.as_str(),
            _ => {
                return Err(TreeError::new(
                    p,
                    format!(
                        "an ICMPv6 layer needs exactly one message: {}",
                        schema::names(schema::ICMPV6_MESSAGES)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
        };
        let def = schema::find(schema::ICMPV6_MESSAGES, name).expect("found above");
        let mp = join(p, name);
        let mb = body(self.s(), def, &b.o.map[name], &mp, &[])?;
        let options = match b.get("options") {
            None => Vec::new(),
            Some(_) if !schema::ICMPV6_WITH_OPTIONS.contains(&name) => {
                return Err(TreeError::new(
                    b.p("options"),
                    format!("{name} carries no ND options"),
                ))
            }
            Some(o) => self.nd_options(o, &b.p("options"))?,
        };
        let invoking = |k: &str| -> Result<Vec<u8>> {
            match mb.get(k) {
                Some(t @ Value::Object(_)) => {
                    // A packet tree: the invoking packet, compiled and emitted (no Ethernet).
                    let inner_ctx = TemplateCtx {
                        src_mac: None,
                        dst_mac: None,
                        ..*self.cx
                    };
                    let mut ib = Builder {
                        cx: &inner_ctx,
                        layers: Vec::new(),
                        auth: Vec::new(),
                    };
                    ib.level(t, &mb.p(k), false)?;
                    ib.authenticate()?;
                    Ok(Packet::new(ib.layers).emit())
                }
                _ => mb.hexz(k),
            }
        };
        let msg = match name {
            "destination_unreachable" => Icmpv6Msg::DestinationUnreachable {
                unused: mb.u32z("unused")?,
                invoking: invoking("invoking")?,
            },
            "packet_too_big" => Icmpv6Msg::PacketTooBig {
                mtu: mb.u32z("mtu")?,
                invoking: invoking("invoking")?,
            },
            "time_exceeded" => Icmpv6Msg::TimeExceeded {
                unused: mb.u32z("unused")?,
                invoking: invoking("invoking")?,
            },
            "parameter_problem" => Icmpv6Msg::ParameterProblem {
                pointer: mb.u32z("pointer")?,
                invoking: invoking("invoking")?,
            },
            "echo_request" => Icmpv6Msg::EchoRequest {
                ident: mb.u16z("ident")?,
                seq: mb.u16z("seq")?,
                data: mb.hexz("data")?,
            },
            "echo_reply" => Icmpv6Msg::EchoReply {
                ident: mb.u16z("ident")?,
                seq: mb.u16z("seq")?,
                data: mb.hexz("data")?,
            },
            "router_solicitation" => Icmpv6Msg::RouterSolicitation {
                reserved: mb.u32z("reserved")?,
                options,
            },
            "router_advertisement" => Icmpv6Msg::RouterAdvertisement {
                cur_hop_limit: mb.u8z("cur_hop_limit")?,
                m: mb.flag("m")?,
                o: mb.flag("o")?,
                h: mb.flag("h")?,
                reserved: mb.n("reserved", 0x1f)?.unwrap_or(0) as u8,
                router_lifetime: mb.u16z("router_lifetime")?,
                reachable_time: mb.u32z("reachable_time")?,
                retrans_timer: mb.u32z("retrans_timer")?,
                options,
            },
            "neighbor_solicitation" => Icmpv6Msg::NeighborSolicitation {
                reserved: mb.u32z("reserved")?,
                target: mb.ip6_req("target")?,
                options,
            },
            "neighbor_advertisement" => Icmpv6Msg::NeighborAdvertisement {
                r: mb.flag("r")?,
                s: mb.flag("s")?,
                o: mb.flag("o")?,
                reserved: mb.n("reserved", 0x1fff_ffff)?.unwrap_or(0) as u32,
                target: mb.ip6_req("target")?,
                options,
            },
            "redirect" => Icmpv6Msg::Redirect {
                reserved: mb.u32z("reserved")?,
                target: mb.ip6_req("target")?,
                destination: mb.ip6_req("destination")?,
                options,
            },
            "haad_request" => Icmpv6Msg::HaadRequest {
                ident: mb.u16z("ident")?,
                r: mb.flag("r")?,
                reserved: mb.n("reserved", 0x7fff)?.unwrap_or(0) as u16,
                trailing: mb.hexz("trailing")?,
            },
            "haad_reply" => Icmpv6Msg::HaadReply {
                ident: mb.u16z("ident")?,
                r: mb.flag("r")?,
                reserved: mb.n("reserved", 0x7fff)?.unwrap_or(0) as u16,
                home_agents: match mb.get("home_agents") {
                    None => Vec::new(),
                    Some(l) => {
                        let hp = mb.p("home_agents");
                        let l = self.s().resolve(l, &hp)?;
                        l.as_array()
                            .ok_or_else(|| TreeError::new(&hp, "expected a list of addresses"))?
                            .iter()
                            .enumerate()
                            .map(|(i, a)| self.s().ipv6(a, &format!("{hp}[{i}]")))
                            .collect::<Result<_>>()?
                    }
                },
                trailing: mb.hexz("trailing")?,
            },
            "mobile_prefix_solicitation" => Icmpv6Msg::MobilePrefixSolicitation {
                ident: mb.u16z("ident")?,
                reserved: mb.u16z("reserved")?,
                options,
            },
            "mobile_prefix_advertisement" => Icmpv6Msg::MobilePrefixAdvertisement {
                ident: mb.u16z("ident")?,
                m: mb.flag("m")?,
                o: mb.flag("o")?,
                reserved: mb.n("reserved", 0x3fff)?.unwrap_or(0) as u16,
                options,
            },
            "unknown" => Icmpv6Msg::Other {
                typ: b
                    .u8("type")?
                    .ok_or_else(|| TreeError::new(p, "an `unknown` message needs `type`"))?,
                body: mb.hexz("body")?,
            },
            _ => unreachable!("every ICMPv6 message is handled"),
        };
        let mut m = Icmpv6::new(msg);
        if name != "unknown" {
            m.typ = b.u8("type")?;
        }
        m.code = b.u8z("code")?;
        m.checksum = b.u16("checksum")?;
        Ok(m)
    }

    fn nd_options(&self, v: &Value, p: &str) -> Result<Vec<NdOption>> {
        let (items, _raw, lp) = option_list(v, p)?;
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{lp}[{i}]");
            if let Some((typ, len, data)) = unknown_option(self.s(), item, &ip, true)? {
                out.push(NdOption::Other { typ, len, data });
                continue;
            }
            let (name, v) = single(item, &ip, "ND option")?;
            let def = schema::find(schema::ND_OPTIONS, name)
                .filter(|d| !matches!(d.name, "unknown" | "truncated"))
                .ok_or_else(|| option_error(&ip, name, schema::ND_OPTIONS))?;
            let b = body(self.s(), def, v, &join(&ip, name), &[])?;
            let mac = |k: &str| -> Result<MacAddr> {
                b.mac(k)?
                    .ok_or_else(|| TreeError::new(&b.o.path, format!("`{k}` is required")))
            };
            out.push(match name {
                "source_link_layer" => NdOption::SourceLinkLayer(mac("address")?),
                "target_link_layer" => NdOption::TargetLinkLayer(mac("address")?),
                "prefix_information" => NdOption::PrefixInformation {
                    prefix_len: b.u8z("prefix_len")?,
                    l: b.flag("l")?,
                    a: b.flag("a")?,
                    r: b.flag("r")?,
                    reserved1: b.n("reserved1", 0x1f)?.unwrap_or(0) as u8,
                    valid_lifetime: b.u32z("valid_lifetime")?,
                    preferred_lifetime: b.u32z("preferred_lifetime")?,
                    reserved2: b.u32z("reserved2")?,
                    prefix: b.ip6_req("prefix")?,
                },
                "redirected_header" => NdOption::RedirectedHeader {
                    reserved: b.n("reserved", 0xffff_ffff_ffff)?.unwrap_or(0),
                    data: b.hexz("data")?,
                },
                "mtu" => NdOption::Mtu {
                    reserved: b.u16z("reserved")?,
                    mtu: b.u32z("mtu")?,
                },
                "advertisement_interval" => NdOption::AdvertisementInterval {
                    reserved: b.u16z("reserved")?,
                    interval: b.u32z("interval")?,
                },
                "home_agent_information" => NdOption::HomeAgentInformation {
                    r: b.flag("r")?,
                    reserved: b.n("reserved", 0x7fff)?.unwrap_or(0) as u16,
                    preference: b.u16z("preference")?,
                    lifetime: b.u16z("lifetime")?,
                },
                _ => unreachable!("every ND option is handled"),
            });
        }
        Ok(out)
    }

    /// Signs every Mobility Header marked `auth: computed` (RFC 6275 §6.2.7).
    fn authenticate(&mut self) -> Result<()> {
        for (i, path) in std::mem::take(&mut self.auth) {
            let kbm = current_kbm(self.cx.kbm, self.s(), &path)?;
            let addrs = auth_addresses(&self.layers, i).ok_or_else(|| {
                TreeError::new(
                    &path,
                    "auth: computed needs an IPv6 header in front of the Mobility Header",
                )
            })?;
            let Layer::Mobility(m) = &mut self.layers[i] else {
                unreachable!("index of a Mobility Header")
            };
            if m.authenticated_data().is_none() {
                return Err(TreeError::new(
                    join(&path, "options"),
                    "auth: computed needs the Binding Authorization Data option last (only padding after it)",
                ));
            }
            m.authenticate(&kbm, addrs.0, addrs.1);
        }
        Ok(())
    }
}

/// The care-of and correspondent addresses that sign the Mobility Header at `i` (RFC 6275
/// §6.2.7), from the nearest IPv6 header before it and the headers in between.
///
/// * A Binding Update (sent by the mobile node): care-of = the Alternate Care-of Address option,
///   else the IPv6 source; the home address (Home Address option, else the source) for a
///   de-registration (lifetime 0 or care-of = home); correspondent = the IPv6 destination.
/// * Any other message (a Binding Acknowledgement from the correspondent node): correspondent =
///   the IPv6 source; care-of = the IPv6 destination, or the type 2 routing header's home
///   address for lifetime 0.
pub(crate) fn auth_addresses(layers: &[Layer], i: usize) -> Option<(Ipv6Addr, Ipv6Addr)> {
    let ip_at = (0..i)
        .rev()
        .find(|&j| matches!(layers[j], Layer::Ipv6(_)))?;
    let Layer::Ipv6(ip) = &layers[ip_at] else {
        return None;
    };
    let between = &layers[ip_at + 1..i];
    let hao = between.iter().find_map(|l| match l {
        Layer::DestOpts(o) => o.home_address_opt(),
        _ => None,
    });
    let rh2 = between.iter().find_map(|l| match l {
        Layer::Routing(r) => r.final_destination(),
        _ => None,
    });
    let Layer::Mobility(m) = &layers[i] else {
        return None;
    };
    Some(match &m.message {
        MhMessage::BindingUpdate(bu) => {
            let alt = m.option(|o| match o {
                MhOption::AlternateCareOfAddress(a) => Some(*a),
                _ => None,
            });
            let coa = alt.unwrap_or(ip.src);
            let hoa = hao.unwrap_or(ip.src);
            let dereg = bu.lifetime == 0 || coa == hoa;
            (if dereg { hoa } else { coa }, rh2.unwrap_or(ip.dst))
        }
        MhMessage::BindingAck(ba) if ba.lifetime == 0 => (rh2.unwrap_or(ip.dst), ip.src),
        _ => (ip.dst, ip.src),
    })
}

/// An option list: `[..]` (aligned) or `{raw: true, list: [..]}`. Returns the items, whether
/// raw, and the path of the list.
fn option_list<'t>(v: &'t Value, p: &str) -> Result<(&'t [Value], bool, String)> {
    match v {
        Value::Array(a) => Ok((a.as_slice(), false, p.to_string())),
        Value::Null => Ok((&[], false, p.to_string())),
        Value::Object(m) => {
            for k in m.keys() {
                if !matches!(k.as_str(), "raw" | "list") {
                    return Err(unknown_key(p, k, ["raw", "list"].into_iter(), "key"));
                }
            }
            let raw = match m.get("raw") {
                Some(r) => crate::vars::bool_value(r)
                    .ok_or_else(|| TreeError::new(join(p, "raw"), "expected true or false"))?,
                None => false,
            };
            let lp = join(p, "list");
            let list = match m.get("list") {
                Some(Value::Array(a)) => a.as_slice(),
                None => &[],
                Some(other) => {
                    return Err(TreeError::new(
                        lp,
                        format!("expected a list of options, got {}", short(other)),
                    ))
                }
            };
            Ok((list, raw, lp))
        }
        other => Err(TreeError::new(
            p,
            format!("expected a list of options, got {}", short(other)),
        )),
    }
}

/// An option written by number: type, Length byte (ND only) and data.
type RawOption = (u8, Option<u8>, Vec<u8>);

/// `{type: n, data: hex}` (and `len: n` for ND options): (type, len, data), or `None` when the
/// item is a named option.
fn unknown_option(s: &Scope, item: &Value, p: &str, nd: bool) -> Result<Option<RawOption>> {
    let Some(m) = item.as_object() else {
        return Ok(None);
    };
    if !m.contains_key("type") {
        return Ok(None);
    }
    let allowed: &[&str] = if nd {
        &["type", "len", "data"]
    } else {
        &["type", "data"]
    };
    let o = obj(item, p, allowed, "option field")?;
    let b = B { s, o };
    Ok(Some((
        b.u8("type")?.expect("checked"),
        b.u8("len")?,
        b.hexz("data")?,
    )))
}

fn option_error(p: &str, name: &str, defs: &'static [Def]) -> TreeError {
    let valid = schema::names(defs).filter(|n| !matches!(*n, "unknown" | "truncated"));
    let mut e = unknown_key(p, name, valid, "option");
    e.message.push_str("; any type: {type: N, data: HEX}");
    e
}

/// Whether an address string parses literally (not a topology name).
pub fn is_literal_address(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok() || (s.len() == 17 && s.parse::<MacAddr>().is_ok())
}

/// Checks a packet tree's layer, field and message names without resolving any value (for
/// suite load time, before variables exist). [`compile`] checks everything again.
pub fn check(tree: &Value) -> Result<()> {
    check_level(tree, "", true)
}

fn check_level(tree: &Value, path: &str, outermost: bool) -> Result<()> {
    let o = obj(tree, path, LEVEL_KEYS, "layer")?;
    for (k, v) in o.map.iter() {
        let p = join(path, k);
        match k.as_str() {
            "inner" => check_level(v, &p, false)?,
            "layers" => {
                for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                    let ip = format!("{p}[{i}]");
                    let (name, lv) = single(item, &ip, "layer")?;
                    check_layer(name, lv, &join(&ip, name))?;
                }
            }
            "ethernet" if !outermost => {
                return Err(TreeError::new(p, "Ethernet is only the outermost layer"))
            }
            _ => check_layer(k, v, &p)?,
        }
    }
    Ok(())
}

fn check_layer(name: &str, v: &Value, p: &str) -> Result<()> {
    let keys = |def: &Def, extra: &[&str]| -> Result<()> {
        let mut allowed: Vec<&str> = def.build_names().collect();
        allowed.extend_from_slice(extra);
        if v.is_object() {
            obj(v, p, &allowed, &format!("{name} field"))?;
        }
        Ok(())
    };
    match name {
        "mh" | "icmpv6" => {
            let (def, msgs, extra) = if name == "mh" {
                (&schema::MH, schema::MH_MESSAGES, vec!["options"])
            } else {
                (&schema::ICMPV6, schema::ICMPV6_MESSAGES, vec!["options"])
            };
            let mut allowed: Vec<&str> = def.build_names().collect();
            allowed.extend(extra);
            allowed.extend(schema::names(msgs));
            let o = obj(v, p, &allowed, &format!("{name} field or message"))?;
            for (k, mv) in o.map.iter() {
                if let Some(d) = schema::find(msgs, k) {
                    if mv.is_object() {
                        obj(
                            mv,
                            &join(p, k),
                            &d.build_names().collect::<Vec<_>>(),
                            &format!("{k} field"),
                        )?;
                    }
                }
            }
            Ok(())
        }
        "esp" => keys(&schema::ESP, &["trailer"]),
        "esp_trailer" => keys(&schema::ESP_TRAILER, &[]),
        "hop_by_hop" | "dest_opts" if v.is_object() => obj(
            v,
            p,
            &["next_header", "hdr_ext_len", "options", "raw"],
            "field",
        )
        .map(|_| ()),
        "hop_by_hop" | "dest_opts" | "raw" => Ok(()),
        other => match schema::layer(other) {
            Some(def) => keys(def, &[]),
            None => Err(unknown_key(
                p.rsplit_once('.').map_or("", |x| x.0),
                other,
                LEVEL_KEYS.iter().copied(),
                "layer",
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::{NameTable, Vars};
    use serde_json::json;

    #[test]
    fn canonical_order_whatever_the_key_order() {
        let vars = Vars::new();
        let names = NameTable::new();
        let cx = TemplateCtx::new(Scope::new(&vars, &names));
        let p = compile(
            &json!({
                "mh": {"binding_update": {"seq": 1}},
                "dest_opts": [{"home_address": "2001:db8:1::100"}],
                "routing": {"home_address": "2001:db8:1::100"},
                "ipv6": {"src": "2001:db8:2::100", "dst": "2001:db8:3::1"},
            }),
            &cx,
        )
        .unwrap();
        let names: Vec<&str> = p.layers.iter().map(Layer::name).collect();
        assert_eq!(names, ["ipv6", "routing", "dest_opts", "mh"]);
    }

    #[test]
    fn nd_defaults_to_hop_limit_255_and_multicast_mac() {
        let vars = Vars::new();
        let names = NameTable::new();
        let mut cx = TemplateCtx::new(Scope::new(&vars, &names));
        cx.src_mac = Some("02:00:00:00:00:01".parse().unwrap());
        let p = compile(
            &json!({
                "ipv6": {"src": "fe80::1", "dst": "ff02::1"},
                "icmpv6": {"router_advertisement": {"h": 1, "router_lifetime": 1800}},
            }),
            &cx,
        )
        .unwrap();
        let Layer::Ethernet(e) = &p.layers[0] else {
            panic!()
        };
        assert_eq!(e.dst.to_string(), "33:33:00:00:00:01");
        let Layer::Ipv6(h) = &p.layers[1] else {
            panic!()
        };
        assert_eq!(h.hop_limit, 255);
    }

    #[test]
    fn check_finds_unknown_keys_without_values() {
        let e = check(&json!({"ipv6": {"src": "$x", "dts": "$y"}})).unwrap_err();
        assert_eq!(e.path, "ipv6.dts");
        assert!(e.message.contains("did you mean `dst`"), "{e}");
        let e = check(&json!({"mh": {"binding_update": {"sequence": 1}}})).unwrap_err();
        assert_eq!(e.path, "mh.binding_update.sequence");
        assert!(check(
            &json!({"ipv6": {"src": "$x", "dst": "$y"}, "mh": {"binding_ack": {"status": 0}}})
        )
        .is_ok());
    }
}
