//! Runs one test case's steps (fixtures from `use:` first) against a [`Dataplane`] and gives
//! its verdict (docs/test-language.md §3, §8).
//!
//! * `send` compiles the packet template with the sending node's MAC (its router's for a node
//!   `behind:` one) and the IUT's MAC on the link, applies `edits`, and puts the frame on the link.
//! * `expect` lets time run in small increments up to the end of its window; the first frame
//!   from the IUT on the link that matches wins, its captures become variables. A matching frame
//!   before an `after:` / `at:` window opens fails the step.
//! * `expect_none` fails when a matching frame arrives during its duration.
//! * `wait`, `set` and `responders` do what they say.
//!
//! Background Neighbour Discovery responders answer the IUT's Neighbor Solicitations for the
//! emulated nodes on its links (a router's link-local and global addresses, on-link hosts) with
//! a Neighbor Advertisement from the node's MAC. The IUT's Neighbor and Router Solicitations and
//! MLD reports are background traffic: recorded and shown, matchable by `expect`, but never
//! "unexpected". Every other frame no step matched is a warning (a failure with `strict: true`).

use super::dataplane::{Dataplane, DataplaneError, RxFrame};
use crate::matcher::{frame_findings, match_frame, MatchCtx, MatchError, Mismatch};
use crate::suite::{
    display_value, ExpectNoneStep, ExpectStep, Located, Node, Role, SendStep, Step, Suite,
    TestCase, Topology, Window,
};
use crate::template::{compile, compile_edits, TemplateCtx};
use crate::vars::{Names, Scope, Vars};
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use mip6_packets::ipv6::Ipv6;
use mip6_packets::util::to_hex;
use mip6_packets::{decode, Decoded, Ethernet, FrameView, Layer, LinkType, MacAddr, Packet};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// How far the clock moves between two looks at what the IUT sent.
pub const TICK: Duration = Duration::from_millis(10);

/// When an `after:` window closes: this long after it opens.
pub const AFTER_GRACE: Duration = ExpectStep::DEFAULT_WITHIN;

// ---------------------------------------------------------------------------------------------
// Topology names

/// The topology's names for templates and conditions: `mn0.hoa`, `r1.mac`, `r1.ll`, `iut.addr`,
/// `iut.mac`, `iut.ll`, `iut.prefix`, `iut.ha` (a home agent's address), `iut.link0.addr`...
#[derive(Debug, Clone, Default)]
pub struct TopologyNames(BTreeMap<String, Value>);

impl TopologyNames {
    pub fn new(t: &Topology) -> Self {
        let mut m = BTreeMap::new();
        let mut put = |k: String, v: String| {
            m.insert(k, Value::String(v));
        };
        for (name, n) in &t.nodes {
            let n = &n.value;
            if let Some(mac) = node_mac(t, name) {
                put(format!("{name}.mac"), mac.to_string());
            }
            if let Some(ll) = n.ll {
                put(format!("{name}.ll"), ll.to_string());
            }
            for (i, a) in n.addrs.iter().enumerate() {
                put(format!("{name}.addrs.{i}"), a.to_string());
            }
            if let Some(a) = n.addr.or_else(|| n.addrs.first().copied()) {
                put(format!("{name}.addr"), a.to_string());
            }
            if let Some(a) = n.hoa {
                put(format!("{name}.hoa"), a.to_string());
            }
            if let Some(a) = n.coa {
                put(format!("{name}.coa"), a.to_string());
            }
            if let Some(p) = n.prefixes.first() {
                put(format!("{name}.prefix"), p.to_string());
            }
        }
        let mut first = true;
        for link in &t.links {
            let Some(i) = t.iut.interfaces.get(&link.value) else {
                continue;
            };
            let mut iface = vec![("addr", i.addr.to_string())];
            if let Some(mac) = &i.mac {
                iface.push(("mac", mac.to_string()));
            }
            if let Some(ll) = i.ll {
                iface.push(("ll", ll.to_string()));
            }
            if let Some(p) = &i.prefix {
                iface.push(("prefix", p.to_string()));
            }
            for (k, v) in iface {
                if first {
                    put(format!("iut.{k}"), v.clone());
                    if k == "addr" && t.iut.role.value == Role::HomeAgent {
                        put("iut.ha".into(), v.clone());
                    }
                }
                put(format!("iut.{}.{k}", link.value), v);
            }
            first = false;
        }
        TopologyNames(m)
    }
}

impl Names for TopologyNames {
    fn resolve(&self, name: &str) -> Option<Value> {
        self.0.get(name).cloned()
    }
    fn known(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

/// The MAC a node's frames carry on its link: its own, or its router's for a node `behind:` one.
pub fn node_mac(t: &Topology, name: &str) -> Option<MacAddr> {
    let mut n: &Node = &t.nodes.get(name)?.value;
    for _ in 0..=t.nodes.len() {
        if let Some(m) = &n.mac {
            if n.link.is_some() {
                return Some(MacAddr(m.0));
            }
        }
        n = &t.nodes.get(n.behind.as_deref()?.as_str())?.value;
    }
    None
}

fn iut_mac(t: &Topology, link: &str) -> Option<MacAddr> {
    t.iut
        .interfaces
        .get(link)
        .and_then(|i| i.mac.as_ref())
        .map(|m| MacAddr(m.0))
}

// ---------------------------------------------------------------------------------------------
// Verdicts

/// A test case's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Passed, with warnings (unexpected frames, checksum or length findings).
    PassWithWarnings,
    Fail,
    /// A setup fixture (`use:`) did not get the IUT where the test starts, so the behaviour
    /// under test was not judged.
    Inconclusive,
    /// The profile lacks what the test needs.
    NotApplicable,
    /// The test could not be run as written, or the harness failed.
    Error,
}

impl Verdict {
    /// The word printed at the start of the case's line.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::PassWithWarnings => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::NotApplicable => "N/A ",
            Verdict::Error => "ERROR",
        }
    }
}

/// What running a test case gave.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub id: String,
    pub title: String,
    pub verdict: Verdict,
    /// The failure or error: where (file:line, step), what, and the frames in the window; the
    /// not-applicable reason.
    pub detail: Vec<String>,
    pub warnings: Vec<String>,
    /// Virtual time the case took.
    pub elapsed: Duration,
}

// ---------------------------------------------------------------------------------------------
// Running

/// Where a step is: for messages.
#[derive(Debug, Clone)]
struct StepRef {
    location: String,
    index: usize,
    kind: &'static str,
    fixture: Option<String>,
}

impl StepRef {
    fn describe(&self) -> String {
        match &self.fixture {
            Some(f) => format!(
                "{}: fixture {f}, step {} ({})",
                self.location, self.index, self.kind
            ),
            None => format!("{}: step {} ({})", self.location, self.index, self.kind),
        }
    }
}

/// Why a step stopped the test.
enum Stop {
    Fail(Vec<String>),
    /// A fixture step failed: the setup did not work.
    Inconclusive(Vec<String>),
    Error(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Not matched by any step.
    Free,
    /// Background ND traffic (not "unexpected", still matchable).
    Background,
    /// Matched by a step.
    Matched,
}

struct Rec {
    frame: RxFrame,
    decoded: Decoded,
    view: FrameView,
    used: Use,
}

/// Runs test cases of one suite on dataplanes.
pub struct Runner<'a, D: Dataplane> {
    suite: &'a Suite,
    topo: &'a Topology,
    names: TopologyNames,
    dp: D,
    vars: Vars,
    /// The end of the previous step (windows are measured from it).
    mark: Duration,
    start: Duration,
    recs: Vec<Rec>,
    nd: bool,
}

/// Runs one test case on a fresh dataplane.
pub fn run_case<D: Dataplane>(
    suite: &Suite,
    topo: &Topology,
    case: &TestCase,
    dp: D,
) -> CaseResult {
    let start = dp.now();
    let mut r = Runner {
        suite,
        topo,
        names: TopologyNames::new(topo),
        dp,
        vars: Vars::new(),
        mark: start,
        start,
        recs: Vec::new(),
        nd: case.test.responders.as_ref().is_none_or(|r| r.nd.0),
    };
    let outcome = r.run(case);
    let mut warnings = Vec::new();
    let mut unexpected = Vec::new();
    for rec in &r.recs {
        for f in frame_findings(&rec.decoded) {
            warnings.push(format!(
                "frame at {} on {}: {f}",
                r.time(rec.frame.at),
                rec.frame.link
            ));
        }
        if rec.used == Use::Free {
            unexpected.push(format!(
                "unexpected frame at {} on {}: {}",
                r.time(rec.frame.at),
                rec.frame.link,
                summary(&rec.view)
            ));
        }
    }
    let elapsed = r.dp.now().saturating_sub(start);
    let (verdict, detail) = match outcome {
        Ok(()) if case.test.strict && !unexpected.is_empty() => {
            let mut d = vec!["the test is strict and the IUT sent frames no step expected:".into()];
            d.extend(unexpected.iter().map(|u| format!("  {u}")));
            (Verdict::Fail, d)
        }
        Ok(()) => {
            warnings.extend(unexpected);
            if warnings.is_empty() {
                (Verdict::Pass, Vec::new())
            } else {
                (Verdict::PassWithWarnings, Vec::new())
            }
        }
        Err(Stop::Fail(d)) => {
            warnings.extend(unexpected);
            (Verdict::Fail, d)
        }
        Err(Stop::Inconclusive(d)) => {
            warnings.extend(unexpected);
            (Verdict::Inconclusive, d)
        }
        Err(Stop::Error(d)) => (Verdict::Error, d),
    };
    CaseResult {
        id: case.id.clone(),
        title: case.title.clone(),
        verdict,
        detail,
        warnings,
        elapsed,
    }
}

impl<D: Dataplane> Runner<'_, D> {
    fn time(&self, t: Duration) -> String {
        format!("{:.3}s", t.saturating_sub(self.start).as_secs_f64())
    }

    fn location(&self, loc: crate::suite::Loc) -> String {
        format!("{}:{}", self.suite.path.display(), loc.line)
    }

    fn run(&mut self, case: &TestCase) -> Result<(), Stop> {
        for (name, v) in &case.variables {
            self.vars.set(name, v.clone());
        }
        for u in &case.test.uses {
            let Some(fx) = self.suite.fixture(&u.value.name) else {
                return Err(Stop::Error(vec![format!(
                    "{}: no fixture \"{}\"",
                    self.location(u.loc),
                    u.value.name
                )]));
            };
            let mut params = fx.params.clone();
            params.extend(u.value.params.clone());
            for (k, v) in &params {
                let val = self.resolve(&v.value, &format!("use.{}.{k}", u.value.name));
                let val =
                    val.map_err(|e| Stop::Error(vec![format!("{}: {e}", self.location(u.loc))]))?;
                self.vars.set(k, val);
            }
            for (i, s) in fx.steps.iter().enumerate() {
                let at = StepRef {
                    location: self.location(s.loc),
                    index: i + 1,
                    kind: s.value.kind(),
                    fixture: Some(u.value.name.clone()),
                };
                self.step(s, &at).map_err(|e| match e {
                    Stop::Fail(d) => {
                        let mut v = vec![format!(
                            "setup fixture \"{}\" failed at step {} ({}): the behaviour under test was not judged",
                            u.value.name,
                            i + 1,
                            s.value.kind()
                        )];
                        v.extend(d);
                        Stop::Inconclusive(v)
                    }
                    other => other,
                })?;
            }
        }
        for (i, s) in case.test.steps.iter().enumerate() {
            let at = StepRef {
                location: self.location(s.loc),
                index: i + 1,
                kind: s.value.kind(),
                fixture: None,
            };
            self.step(s, &at)?;
        }
        Ok(())
    }

    fn resolve(&self, v: &Value, path: &str) -> Result<Value, crate::vars::TreeError> {
        let scope = Scope::new(&self.vars, &self.names);
        match v {
            // Plain maps (not function calls) resolve member by member.
            Value::Object(m) if !m.contains_key("fn") => {
                let mut out = Map::new();
                for (k, x) in m {
                    out.insert(k.clone(), self.resolve(x, &crate::vars::join(path, k))?);
                }
                Ok(Value::Object(out))
            }
            other => scope.resolve(other, path),
        }
    }

    fn step(&mut self, s: &Located<Step>, at: &StepRef) -> Result<(), Stop> {
        match &s.value {
            Step::Send(x) => self.send(x, at),
            Step::Expect(x) => self.expect(x, at),
            Step::ExpectNone(x) => self.expect_none(x, at),
            Step::Wait(d) => {
                let to = self.dp.now() + *d;
                self.run_until(to, at)?;
                self.mark = self.dp.now();
                Ok(())
            }
            Step::Set(m) => {
                for (k, v) in m {
                    let val = self
                        .resolve(&v.value, &format!("set.{k}"))
                        .map_err(|e| Stop::Error(vec![at.describe(), format!("{e}")]))?;
                    self.vars.set(k, val);
                }
                Ok(())
            }
            Step::Responders(r) => {
                self.nd = r.nd.0;
                Ok(())
            }
        }
    }

    fn error(at: &StepRef, m: impl std::fmt::Display) -> Stop {
        Stop::Error(vec![at.describe(), m.to_string()])
    }

    fn dp_error(at: &StepRef, e: DataplaneError) -> Stop {
        Stop::Error(vec![at.describe(), format!("dataplane: {e}")])
    }

    fn send(&mut self, x: &SendStep, at: &StepRef) -> Result<(), Stop> {
        let link = x.on.value.as_str();
        let from = match &x.from {
            Some(f) => f.value.clone(),
            None => self
                .topo
                .nodes
                .iter()
                .find(|(_, n)| n.link.as_ref().is_some_and(|l| l.value == link))
                .map(|(k, _)| k.clone())
                .ok_or_else(|| {
                    Self::error(at, format!("no emulated node on {link} to send from"))
                })?,
        };
        let src = node_mac(self.topo, &from)
            .ok_or_else(|| Self::error(at, format!("node \"{from}\" has no MAC on {link}")))?;
        let dst = match x.to.as_ref().map(|t| t.value.as_str()) {
            None | Some("iut") => iut_mac(self.topo, link),
            Some(n) => node_mac(self.topo, n),
        };
        let dst = dst.ok_or_else(|| {
            Self::error(
                at,
                format!("no MAC for the destination on {link} (the simulated IUT needs iut.interfaces.{link}.mac)"),
            )
        })?;
        let scope = Scope::new(&self.vars, &self.names);
        let cx = TemplateCtx::new(scope).macs(src, dst);
        let packet: Packet =
            compile(&x.packet.value, &cx).map_err(|e| Self::error(at, format!("packet: {e}")))?;
        let bytes = match &x.edits {
            None => packet.emit(),
            Some(ed) => {
                let tree = edits_tree(ed);
                let edits = compile_edits(&tree, &packet, &scope)
                    .map_err(|e| Self::error(at, format!("edits: {e}")))?;
                packet
                    .emit_with(&edits)
                    .map_err(|e| Self::error(at, format!("edits: {e}")))?
                    .bytes
            }
        };
        self.dp
            .send(link, bytes)
            .map_err(|e| Self::dp_error(at, e))?;
        self.mark = self.dp.now();
        Ok(())
    }

    /// Lets time run to `to` in ticks, recording frames and answering ND.
    fn run_until(&mut self, to: Duration, at: &StepRef) -> Result<(), Stop> {
        while self.dp.now() < to {
            self.tick(to, at)?;
        }
        Ok(())
    }

    /// One tick (at most up to `limit`).
    fn tick(&mut self, limit: Duration, at: &StepRef) -> Result<(), Stop> {
        let next = (self.dp.now() + TICK).min(limit);
        let frames = self
            .dp
            .recv_until(next)
            .map_err(|e| Self::dp_error(at, e))?;
        for f in frames {
            let decoded = decode(&f.bytes, LinkType::Ethernet);
            let view = decoded.view(f.bytes.len());
            let mut used = Use::Free;
            if let Some(t) = icmp_type(&decoded) {
                if matches!(t, 130 | 131 | 132 | 133 | 135 | 143) {
                    used = Use::Background;
                }
            }
            if self.nd {
                if let Some(na) = self.nd_answer(&f.link, &decoded) {
                    self.dp
                        .send(&f.link, na)
                        .map_err(|e| Self::dp_error(at, e))?;
                }
            }
            self.recs.push(Rec {
                frame: f,
                decoded,
                view,
                used,
            });
        }
        Ok(())
    }

    /// The Neighbor Advertisement an emulated node on `link` answers a Neighbor Solicitation
    /// with, if the NS asks for one of its addresses (not DAD: its source is specified).
    fn nd_answer(&self, link: &str, d: &Decoded) -> Option<Vec<u8>> {
        let eth = d.find(|l| match l {
            Layer::Ethernet(e) => Some(e),
            _ => None,
        })?;
        let ip = d.find(|l| match l {
            Layer::Ipv6(i) => Some(i),
            _ => None,
        })?;
        let icmp = d.find(|l| match l {
            Layer::Icmpv6(i) => Some(i),
            _ => None,
        })?;
        let Icmpv6Msg::NeighborSolicitation { target, .. } = &icmp.msg else {
            return None;
        };
        if ip.src.is_unspecified() {
            return None;
        }
        let (node, mac) = self.topo.nodes.iter().find_map(|(name, n)| {
            let n = &n.value;
            if n.link.as_ref().is_none_or(|l| l.value != link) {
                return None;
            }
            let mine = n.ll == Some(*target) || n.addrs.contains(target) || n.addr == Some(*target);
            if !mine {
                return None;
            }
            Some((n, node_mac(self.topo, name)?))
        })?;
        let router = node.role == crate::suite::NodeRole::Router;
        let p = Packet::new(vec![
            Layer::Ethernet(Ethernet::new(mac, eth.src)),
            Layer::Ipv6(Ipv6::new(*target, ip.src).hop_limit(255)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
                r: router,
                s: true,
                o: true,
                reserved: 0,
                target: *target,
                options: vec![NdOption::TargetLinkLayer(mac)],
            })),
        ]);
        Some(p.emit())
    }

    fn capture_tree(capture: &BTreeMap<String, crate::suite::Untyped>) -> Option<Value> {
        if capture.is_empty() {
            return None;
        }
        Some(Value::Object(
            capture
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
        ))
    }

    fn expect(&mut self, x: &ExpectStep, at: &StepRef) -> Result<(), Stop> {
        let link = x.on.value.as_str();
        let window = x.window();
        let (earliest, deadline, what) = match window {
            Window::Within(d) => (self.mark, self.mark + d, format!("within {}", secs(d))),
            Window::After(d) => (
                self.mark + d,
                self.mark + d + AFTER_GRACE,
                format!("after {} (until {} later)", secs(d), secs(AFTER_GRACE)),
            ),
            Window::At { time, tolerance } => (
                (self.mark + time).saturating_sub(tolerance),
                self.mark + time + tolerance,
                format!("at {} ± {}", secs(time), secs(tolerance)),
            ),
        };
        let capture = Self::capture_tree(&x.capture);
        let mut next = 0;
        let mut tried: Vec<(usize, Mismatch)> = Vec::new();
        loop {
            while next < self.recs.len() {
                let i = next;
                next += 1;
                let rec = &self.recs[i];
                if rec.used == Use::Matched || rec.frame.link != link {
                    continue;
                }
                let scope = Scope::new(&self.vars, &self.names);
                let cx = MatchCtx::new(scope);
                match match_frame(
                    &x.packet.value,
                    capture.as_ref(),
                    &rec.decoded,
                    &rec.view,
                    &cx,
                ) {
                    Ok(caps) => {
                        let t = rec.frame.at;
                        if t < earliest {
                            return Err(Stop::Fail(vec![
                                format!("{} on {link} {what}", at.describe()),
                                format!(
                                    "a matching frame arrived too early, at {} (the window opens at {}): {}",
                                    self.time(t),
                                    self.time(earliest),
                                    summary(&rec.view)
                                ),
                            ]));
                        }
                        self.recs[i].used = Use::Matched;
                        self.vars.extend(caps);
                        self.mark = t;
                        return Ok(());
                    }
                    Err(MatchError::Invalid(e)) => {
                        return Err(Self::error(at, format!("packet: {e}")));
                    }
                    Err(MatchError::Mismatch(m)) => tried.push((i, m)),
                }
            }
            if self.dp.now() >= deadline {
                break;
            }
            self.tick(deadline, at)?;
        }
        let mut d = vec![format!(
            "{} on {link} {what}: no matching frame",
            at.describe()
        )];
        // The frame that came closest: the mismatch deepest in the tree.
        if let Some((_, m)) = tried
            .iter()
            .max_by_key(|(i, m)| (m.path.split('.').count(), usize::MAX - i))
        {
            d.push(m.to_string());
        }
        if tried.is_empty() {
            d.push(format!("no frame from the IUT on {link} in the window"));
        } else {
            d.push(format!("frames from the IUT on {link} that no earlier step matched, up to the end of the window:"));
            for (i, m) in &tried {
                let r = &self.recs[*i];
                d.push(format!(
                    "  {}  {}  [{m}]",
                    self.time(r.frame.at),
                    summary(&r.view)
                ));
            }
        }
        Err(Stop::Fail(d))
    }

    fn expect_none(&mut self, x: &ExpectNoneStep, at: &StepRef) -> Result<(), Stop> {
        let link = x.on.value.as_str();
        let from = self.mark;
        let deadline = self.dp.now().max(from) + x.duration;
        let mut next = 0;
        loop {
            while next < self.recs.len() {
                let i = next;
                next += 1;
                let rec = &self.recs[i];
                if rec.used == Use::Matched || rec.frame.link != link || rec.frame.at < from {
                    continue;
                }
                let scope = Scope::new(&self.vars, &self.names);
                let cx = MatchCtx::new(scope);
                match match_frame(&x.packet.value, None, &rec.decoded, &rec.view, &cx) {
                    Ok(_) => {
                        let d = vec![
                            format!(
                                "{} on {link} for {}: a matching frame arrived",
                                at.describe(),
                                secs(x.duration)
                            ),
                            format!("  {}  {}", self.time(rec.frame.at), summary(&rec.view)),
                        ];
                        self.recs[i].used = Use::Matched;
                        return Err(Stop::Fail(d));
                    }
                    Err(MatchError::Invalid(e)) => {
                        return Err(Self::error(at, format!("packet: {e}")));
                    }
                    Err(MatchError::Mismatch(_)) => {}
                }
            }
            if self.dp.now() >= deadline {
                break;
            }
            self.tick(deadline, at)?;
        }
        self.mark = deadline;
        Ok(())
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if d.subsec_millis() == 0 && d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if s < 1.0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{s:.3}s")
    }
}

/// The model's byte edits as the tree [`compile_edits`] reads.
fn edits_tree(e: &crate::suite::Edits) -> Value {
    let mut m = Map::new();
    if !e.patches.is_empty() {
        m.insert(
            "patches".into(),
            Value::Array(
                e.patches
                    .iter()
                    .map(|p| {
                        json!({"layer": p.value.layer, "offset": p.value.offset, "bytes": to_hex(&p.value.bytes.0)})
                    })
                    .collect(),
            ),
        );
    }
    if let Some(t) = e.truncate {
        m.insert("truncate".into(), json!(t));
    }
    if let Some(a) = &e.append {
        m.insert("append".into(), json!(to_hex(&a.0)));
    }
    Value::Object(m)
}

fn icmp_type(d: &Decoded) -> Option<u8> {
    d.find(|l| match l {
        Layer::Icmpv6(i) => Some(i),
        _ => None,
    })
    .map(|i| i.typ.unwrap_or_else(|| i.msg.typ()))
}

/// One line for a frame: its layers with their telling fields.
pub fn summary(v: &FrameView) -> String {
    const KEYS: &[&str] = &[
        "src",
        "dst",
        "message",
        "type",
        "code",
        "routing_type",
        "home_address",
        "status",
        "seq",
        "lifetime_seconds",
        "nonce_index",
        "cookie",
        "target",
        "pointer",
        "r",
        "s",
        "o",
        "h",
        "a",
    ];
    let mut out = String::new();
    for l in &v.layers {
        if l.layer == "ethernet" {
            continue;
        }
        if !out.is_empty() {
            out.push_str(" | ");
        }
        out.push_str(l.layer);
        for k in KEYS {
            let Some(val) = l.fields.get(*k) else {
                continue;
            };
            match (k, val) {
                (_, Value::Bool(false)) => {}
                (&"message", v) => {
                    let _ = write!(out, " {}", display_value(v));
                }
                (_, Value::Bool(true)) => {
                    let _ = write!(out, " {k}");
                }
                (_, v) => {
                    let _ = write!(out, " {k}={}", display_value(v));
                }
            }
        }
        if !l.options.is_empty() {
            let names: Vec<&str> = l
                .options
                .iter()
                .map(|o| o.name)
                .filter(|n| *n != "pad1" && *n != "padn")
                .collect();
            if !names.is_empty() {
                let _ = write!(out, " [{}]", names.join(", "));
            }
        }
    }
    if !v.violations.is_empty() {
        let _ = write!(out, " ({} violations)", v.violations.len());
    }
    out
}
