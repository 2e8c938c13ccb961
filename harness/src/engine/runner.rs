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

pub use mip6_reports::results::{
    FrameRecord, FrameRole, Ref, StepOutcome, StepRecord, Verdict, ViolationRecord,
};

/// The word printed at the start of a case's console line.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass | Verdict::PassWithWarnings => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
        Verdict::NotApplicable => "N/A",
        Verdict::Skipped => "SKIP",
        Verdict::Error => "ERROR",
    }
}

/// What running a test case gave.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub id: String,
    pub title: String,
    /// What the test says about itself: its line, refs, behaviours, predecessor ids, tags.
    pub meta: CaseMeta,
    pub verdict: Verdict,
    /// The failure or error: where (file:line, step), what, and the frames in the window; the
    /// not-applicable reason.
    pub detail: Vec<String>,
    pub warnings: Vec<String>,
    /// Time the case took on the dataplane's clock (virtual time when simulated).
    pub elapsed: Duration,
    /// The wall-clock time the case started (none when it did not run).
    pub started: Option<std::time::SystemTime>,
    /// The steps as they ran (fixture steps first), later ones `not-run` after a stop.
    pub steps: Vec<StepRecord>,
    /// Every frame sent and received, in time order.
    pub frames: Vec<FrameRecord>,
}

/// A test case's description, from the suite.
#[derive(Debug, Clone, Default)]
pub struct CaseMeta {
    pub line: u32,
    pub refs: Vec<Ref>,
    pub behaviours: Vec<String>,
    pub tahi: Vec<String>,
    pub tags: Vec<String>,
}

impl CaseMeta {
    pub fn of(case: &TestCase) -> Self {
        let t = case.test;
        CaseMeta {
            line: t.id.loc.line,
            refs: t
                .refs
                .value
                .iter()
                .map(|r| Ref {
                    rfc: r.value.rfc,
                    section: r.value.section.0.clone(),
                    level: Some(format!("{:?}", r.value.level)),
                })
                .collect(),
            behaviours: t.behaviours.clone(),
            tahi: t.tahi.clone(),
            tags: t.tags.clone(),
        }
    }
}

impl CaseResult {
    /// A case that did not run its steps: not applicable, skipped, or an error before it
    /// started.
    pub fn without_steps(case: &TestCase, verdict: Verdict, detail: Vec<String>) -> Self {
        CaseResult {
            id: case.id.clone(),
            title: case.title.clone(),
            meta: CaseMeta::of(case),
            verdict,
            detail,
            warnings: Vec::new(),
            elapsed: Duration::ZERO,
            started: None,
            steps: Vec::new(),
            frames: Vec::new(),
        }
    }
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
    /// Matched by an `expect` step.
    Matched,
    /// Matched by an `expect_none` step.
    Forbidden,
}

impl Use {
    fn taken(self) -> bool {
        matches!(self, Use::Matched | Use::Forbidden)
    }
}

struct Rec {
    frame: RxFrame,
    decoded: Decoded,
    view: FrameView,
    used: Use,
    /// The step record that matched it.
    step: Option<usize>,
    /// Arrival order among all frames (sent and received), for the record.
    order: usize,
}

/// A frame the harness put on a link.
struct Sent {
    link: String,
    at: Duration,
    bytes: Vec<u8>,
    from: String,
    to: String,
    role: FrameRole,
    step: Option<usize>,
    order: usize,
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
    sent: Vec<Sent>,
    order: usize,
    nd: bool,
    /// How much faster than the RFC's the IUT's clock runs: every duration of a step is
    /// multiplied by it (the profile's `timers.time_scale`).
    scale: f64,
    /// The step records (planned up front) and the one running.
    steps: Vec<StepRecord>,
    cur: Option<usize>,
    /// Warnings of steps whose level is SHOULD or MAY and that were not met.
    soft: Vec<String>,
    /// The IUT claims the SHOULDs: a SHOULD step or test not met fails, only MAY warns.
    enforce_should: bool,
    /// The emulated nodes by address, for the record's `to`.
    owners: BTreeMap<std::net::Ipv6Addr, String>,
}

/// Runs one test case on a fresh dataplane, with the IUT's clock running at `scale` times the
/// RFC's (1.0: real timers). With `enforce_should`, only MAY-level checks are soft.
pub fn run_case<D: Dataplane>(
    suite: &Suite,
    topo: &Topology,
    case: &TestCase,
    dp: D,
    scale: f64,
    enforce_should: bool,
) -> CaseResult {
    let start = dp.case_start();
    let wall = std::time::SystemTime::now();
    let mut owners = BTreeMap::new();
    for (name, n) in &topo.nodes {
        let n = &n.value;
        for a in
            n.ll.iter()
                .chain(&n.addrs)
                .chain(&n.addr)
                .chain(&n.hoa)
                .chain(&n.coa)
        {
            owners.insert(*a, name.clone());
        }
    }
    let mut r = Runner {
        suite,
        topo,
        names: TopologyNames::new(topo),
        dp,
        vars: Vars::new(),
        mark: start,
        start,
        recs: Vec::new(),
        sent: Vec::new(),
        order: 0,
        nd: case.test.responders.as_ref().is_none_or(|r| r.nd.0),
        scale,
        steps: Vec::new(),
        cur: None,
        soft: Vec::new(),
        enforce_should,
        owners,
    };
    r.steps = r.plan(case);
    let outcome = r.run(case);
    let mut warnings = std::mem::take(&mut r.soft);
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
    // A test that checks only SHOULDs and MAYs does not fail: its failure is a warning.
    let soft_test = !case.test.refs.value.is_empty()
        && case
            .test
            .refs
            .value
            .iter()
            .all(|x| is_soft(x.value.level, enforce_should));
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
        Err(Stop::Fail(d)) if soft_test => {
            let mut w = vec![format!("{} not met: {}", levels(case), gist(&d))];
            w.append(&mut warnings);
            w.extend(unexpected);
            warnings = w;
            (Verdict::PassWithWarnings, Vec::new())
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
    let frames = r.frames();
    CaseResult {
        id: case.id.clone(),
        title: case.title.clone(),
        meta: CaseMeta::of(case),
        verdict,
        detail,
        warnings,
        elapsed,
        started: Some(wall),
        steps: std::mem::take(&mut r.steps),
        frames,
    }
}

/// A failure in one line: where and what (its first two lines; the frames are in the record).
fn gist(d: &[String]) -> String {
    d.iter()
        .take(2)
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" — ")
}

/// Whether a check of this level warns instead of failing: SHOULD and MAY, or only MAY when
/// the IUT claims the SHOULDs.
fn is_soft(level: crate::suite::Level, enforce_should: bool) -> bool {
    use crate::suite::Level;
    match level {
        Level::MUST => false,
        Level::SHOULD => !enforce_should,
        Level::MAY => true,
    }
}

/// `SHOULD` / `MAY` / `SHOULD and MAY`: the levels of a soft test's refs.
fn levels(case: &TestCase) -> String {
    let mut l: Vec<String> = case
        .test
        .refs
        .value
        .iter()
        .map(|r| format!("{:?}", r.value.level))
        .collect();
    l.sort();
    l.dedup();
    l.join(" and ")
}

impl<D: Dataplane> Runner<'_, D> {
    fn time(&self, t: Duration) -> String {
        format!("{:.3}s", t.saturating_sub(self.start).as_secs_f64())
    }

    fn secs_since_start(&self, t: Duration) -> f64 {
        t.saturating_sub(self.start).as_secs_f64()
    }

    fn location(&self, loc: crate::suite::Loc) -> String {
        format!("{}:{}", self.suite.path.display(), loc.line)
    }

    /// A duration of a step on the IUT's clock.
    fn scaled(&self, d: Duration) -> Duration {
        if self.scale == 1.0 {
            d
        } else {
            d.mul_f64(self.scale)
        }
    }

    /// The records of every step the case would run, in order, all `not-run`.
    fn plan(&self, case: &TestCase) -> Vec<StepRecord> {
        let mut out = Vec::new();
        for u in &case.test.uses {
            if let Some(fx) = self.suite.fixture(&u.value.name) {
                for (i, s) in fx.steps.iter().enumerate() {
                    out.push(step_record(s, i + 1, Some(&u.value.name)));
                }
            }
        }
        for (i, s) in case.test.steps.iter().enumerate() {
            out.push(step_record(s, i + 1, None));
        }
        out
    }

    /// Runs step `s`, keeping its record.
    fn recorded(&mut self, s: &Located<Step>, at: &StepRef) -> Result<(), Stop> {
        let k = self.cur.map_or(0, |c| c + 1);
        self.cur = Some(k);
        let began = self.secs_since_start(self.dp.now());
        if let Some(rec) = self.steps.get_mut(k) {
            rec.start = began;
        }
        let r = self.step(s, at);
        let end = self.secs_since_start(self.dp.now());
        if let Some(rec) = self.steps.get_mut(k) {
            rec.end = end;
            match &r {
                Ok(()) => rec.outcome = StepOutcome::Ok,
                Err(Stop::Fail(d)) | Err(Stop::Inconclusive(d)) => {
                    rec.outcome = StepOutcome::Failed;
                    rec.message = d.clone();
                }
                Err(Stop::Error(d)) => {
                    rec.outcome = StepOutcome::Error;
                    rec.message = d.clone();
                }
            }
        }
        // A step that checks a SHOULD or a MAY warns instead of failing.
        if let (Err(Stop::Fail(d)), Some(level)) = (&r, s.value.level()) {
            if is_soft(level, self.enforce_should) {
                self.soft.push(format!("{level:?} not met: {}", gist(d)));
                self.mark = self.dp.now();
                return Ok(());
            }
        }
        r
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
            // Parameters are the fixture's own: the test's variables of the same names (a
            // matrix variable, say) are back as they were once the fixture is done. Captures
            // made by the fixture's steps stay.
            let mut shadowed = Vec::new();
            let mut values = Vec::new();
            for (k, v) in &params {
                let val = self.resolve(&v.value, &format!("use.{}.{k}", u.value.name));
                let val =
                    val.map_err(|e| Stop::Error(vec![format!("{}: {e}", self.location(u.loc))]))?;
                values.push((k.clone(), val));
            }
            for (k, val) in values {
                shadowed.push((k.clone(), self.vars.get(&k).cloned()));
                self.vars.set(&k, val);
            }
            for (i, s) in fx.steps.iter().enumerate() {
                let at = StepRef {
                    location: self.location(s.loc),
                    index: i + 1,
                    kind: s.value.kind(),
                    fixture: Some(u.value.name.clone()),
                };
                self.recorded(s, &at).map_err(|e| match e {
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
            for (k, before) in shadowed {
                match before {
                    Some(v) => self.vars.set(&k, v),
                    None => {
                        self.vars.remove(&k);
                    }
                }
            }
        }
        for (i, s) in case.test.steps.iter().enumerate() {
            let at = StepRef {
                location: self.location(s.loc),
                index: i + 1,
                kind: s.value.kind(),
                fixture: None,
            };
            self.recorded(s, &at)?;
        }
        Ok(())
    }

    /// The record's frames: sent and received, in time order, with their notes; fills each
    /// step record's frame indexes.
    fn frames(&mut self) -> Vec<FrameRecord> {
        struct Item<'r> {
            at: Duration,
            order: usize,
            rec: Result<&'r Sent, &'r Rec>,
        }
        let mut items: Vec<Item> = self
            .sent
            .iter()
            .map(|s| Item {
                at: s.at,
                order: s.order,
                rec: Ok(s),
            })
            .chain(self.recs.iter().map(|r| Item {
                at: r.frame.at,
                order: r.order,
                rec: Err(r),
            }))
            .collect();
        items.sort_by_key(|i| (i.at, i.order));
        let step_name = |k: Option<usize>| -> String {
            match k.and_then(|k| self.steps.get(k)) {
                Some(s) => match &s.fixture {
                    Some(f) => format!("fixture {f}, step {}", s.index),
                    None => format!("step {}", s.index),
                },
                None => "no step".into(),
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut links: Vec<(usize, usize)> = Vec::new();
        for it in items {
            let time = self.secs_since_start(it.at);
            let rec = match it.rec {
                Ok(s) => {
                    let d = decode(&s.bytes, LinkType::Ethernet);
                    let v = d.view(s.bytes.len());
                    let note = match s.role {
                        FrameRole::Responder => format!("sent by {}: ND answer", s.from),
                        _ => format!("sent, {}", step_name(s.step)),
                    };
                    FrameRecord {
                        link: s.link.clone(),
                        time,
                        from: s.from.clone(),
                        to: s.to.clone(),
                        role: s.role,
                        step: s.step,
                        note,
                        summary: summary(&v),
                        bytes: to_hex(&s.bytes),
                        violations: d.violations.iter().map(ViolationRecord::from).collect(),
                    }
                }
                Err(r) => {
                    let (role, note) = match r.used {
                        Use::Matched => (
                            FrameRole::Matched,
                            format!("expected, {}: matched", step_name(r.step)),
                        ),
                        Use::Forbidden => (
                            FrameRole::Forbidden,
                            format!("{}: a frame that should not have come", step_name(r.step)),
                        ),
                        Use::Background => (FrameRole::Background, "background (ND)".into()),
                        Use::Free => (
                            FrameRole::Unexpected,
                            "unexpected: no step expected this frame".into(),
                        ),
                    };
                    FrameRecord {
                        link: r.frame.link.clone(),
                        time,
                        from: "iut".into(),
                        to: self.receiver(&r.frame.link, &r.decoded),
                        role,
                        step: r.step,
                        note,
                        summary: summary(&r.view),
                        bytes: to_hex(&r.frame.bytes),
                        violations: r
                            .decoded
                            .violations
                            .iter()
                            .map(ViolationRecord::from)
                            .collect(),
                    }
                }
            };
            if let Some(k) = rec.step {
                links.push((k, out.len()));
            }
            out.push(rec);
        }
        for (k, i) in links {
            if let Some(s) = self.steps.get_mut(k) {
                s.frames.push(i);
            }
        }
        out
    }

    /// Who a frame from the IUT is for: the emulated node owning its IPv6 destination or its
    /// MAC, else the link.
    fn receiver(&self, link: &str, d: &Decoded) -> String {
        let ip = d.find(|l| match l {
            Layer::Ipv6(i) => Some(&i.dst),
            _ => None,
        });
        if let Some(n) = ip.and_then(|a| self.owners.get(a)) {
            return n.clone();
        }
        let mac = d.find(|l| match l {
            Layer::Ethernet(e) => Some(&e.dst),
            _ => None,
        });
        if let Some(mac) = mac {
            if let Some(n) = self.topo.nodes.keys().find(|n| {
                node_mac(self.topo, n) == Some(*mac)
                    && self.topo.link_of(n) == Some(link)
                    && self.topo.nodes[*n].value.link.is_some()
            }) {
                return n.clone();
            }
        }
        link.to_string()
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
                let to = self.dp.now() + self.scaled(*d);
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

    fn put(
        &mut self,
        link: &str,
        bytes: Vec<u8>,
        from: &str,
        to: &str,
        role: FrameRole,
        at: &StepRef,
    ) -> Result<(), Stop> {
        self.dp
            .send(link, bytes.clone())
            .map_err(|e| Self::dp_error(at, e))?;
        self.order += 1;
        self.sent.push(Sent {
            link: link.to_string(),
            at: self.dp.now(),
            bytes,
            from: from.to_string(),
            to: to.to_string(),
            role,
            step: if role == FrameRole::Sent {
                self.cur
            } else {
                None
            },
            order: self.order,
        });
        Ok(())
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
        let to =
            x.to.as_ref()
                .map_or("iut", |t| t.value.as_str())
                .to_string();
        let dst = match to.as_str() {
            "iut" => iut_mac(self.topo, link),
            n => node_mac(self.topo, n),
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
        self.put(link, bytes, &from, &to, FrameRole::Sent, at)?;
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
            self.order += 1;
            let order = self.order;
            let answer = if self.nd {
                self.nd_answer(&f.link, &decoded)
            } else {
                None
            };
            let link = f.link.clone();
            self.recs.push(Rec {
                frame: f,
                decoded,
                view,
                used,
                step: None,
                order,
            });
            if let Some((node, na)) = answer {
                self.put(&link, na, &node, "iut", FrameRole::Responder, at)?;
            }
        }
        Ok(())
    }

    /// The Neighbor Advertisement an emulated node on `link` answers a Neighbor Solicitation
    /// with, if the NS asks for one of its addresses (not DAD: its source is specified): the
    /// node's name and the frame.
    fn nd_answer(&self, link: &str, d: &Decoded) -> Option<(String, Vec<u8>)> {
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
        let (name, node, mac) = self.topo.nodes.iter().find_map(|(name, n)| {
            let n = &n.value;
            if n.link.as_ref().is_none_or(|l| l.value != link) {
                return None;
            }
            let mine = n.ll == Some(*target) || n.addrs.contains(target) || n.addr == Some(*target);
            if !mine {
                return None;
            }
            Some((name, n, node_mac(self.topo, name)?))
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
        Some((name.clone(), p.emit()))
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
            Window::Within(d) => (
                self.mark,
                self.mark + self.scaled(d),
                format!("within {}", secs(d)),
            ),
            Window::After(d) => (
                self.mark + self.scaled(d),
                self.mark + self.scaled(d) + AFTER_GRACE,
                format!("after {} (until {} later)", secs(d), secs(AFTER_GRACE)),
            ),
            Window::At { time, tolerance } => (
                (self.mark + self.scaled(time)).saturating_sub(self.scaled(tolerance)),
                self.mark + self.scaled(time) + self.scaled(tolerance),
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
                if rec.used.taken() || rec.frame.link != link {
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
                            let d = vec![
                                format!("{} on {link} {what}", at.describe()),
                                format!(
                                    "a matching frame arrived too early, at {} (the window opens at {}): {}",
                                    self.time(t),
                                    self.time(earliest),
                                    summary(&rec.view)
                                ),
                            ];
                            self.recs[i].used = Use::Matched;
                            self.recs[i].step = self.cur;
                            return Err(Stop::Fail(d));
                        }
                        self.recs[i].used = Use::Matched;
                        self.recs[i].step = self.cur;
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
        let deadline = self.dp.now().max(from) + self.scaled(x.duration);
        let mut next = 0;
        loop {
            while next < self.recs.len() {
                let i = next;
                next += 1;
                let rec = &self.recs[i];
                if rec.used.taken() || rec.frame.link != link || rec.frame.at < from {
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
                        self.recs[i].used = Use::Forbidden;
                        self.recs[i].step = self.cur;
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

/// A step's record before it runs: what it does, in one line.
fn step_record(s: &Located<Step>, index: usize, fixture: Option<&str>) -> StepRecord {
    let (link, description, packet) = match &s.value {
        Step::Send(x) => {
            let mut d = format!("send on {}", x.on.value);
            if let Some(f) = &x.from {
                let _ = write!(d, " from {}", f.value);
            }
            if let Some(t) = &x.to {
                let _ = write!(d, " to {}", t.value);
            }
            let _ = write!(d, ": {}", brief(&x.packet.value));
            if x.edits.is_some() {
                d.push_str(" (with byte edits)");
            }
            (Some(x.on.value.clone()), d, Some(x.packet.value.clone()))
        }
        Step::Expect(x) => {
            let w = match x.window() {
                Window::Within(d) => format!("within {}", secs(d)),
                Window::After(d) => format!("after {}", secs(d)),
                Window::At { time, tolerance } => {
                    format!("at {} ± {}", secs(time), secs(tolerance))
                }
            };
            (
                Some(x.on.value.clone()),
                format!("expect on {} {w}: {}", x.on.value, brief(&x.packet.value)),
                Some(x.packet.value.clone()),
            )
        }
        Step::ExpectNone(x) => (
            Some(x.on.value.clone()),
            format!(
                "expect_none on {} for {}: {}",
                x.on.value,
                secs(x.duration),
                brief(&x.packet.value)
            ),
            Some(x.packet.value.clone()),
        ),
        Step::Wait(d) => (None, format!("wait {}", secs(*d)), None),
        Step::Set(m) => (
            None,
            format!("set {}", m.keys().cloned().collect::<Vec<_>>().join(", ")),
            None,
        ),
        Step::Responders(r) => (
            None,
            format!("responders: nd {}", if r.nd.0 { "on" } else { "off" }),
            None,
        ),
    };
    StepRecord {
        index,
        fixture: fixture.map(str::to_string),
        kind: s.value.kind().to_string(),
        line: s.loc.line,
        link,
        description,
        outcome: StepOutcome::NotRun,
        packet,
        frames: Vec::new(),
        start: 0.0,
        end: 0.0,
        message: Vec::new(),
    }
}

/// A packet tree in one line: its leaves as `path=value`, at most about 160 characters.
pub fn brief(v: &Value) -> String {
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) if !m.contains_key("fn") => {
                if m.is_empty() {
                    out.push(path.to_string());
                }
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            Value::Array(a) => {
                if a.is_empty() {
                    out.push(format!("{path}=[]"));
                }
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), out);
                }
            }
            other => out.push(format!("{path}={}", display_value(other))),
        }
    }
    let mut leaves = Vec::new();
    walk(v, "", &mut leaves);
    let mut s = String::new();
    for l in leaves {
        if s.len() + l.len() > 160 {
            s.push_str(" …");
            break;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&l);
    }
    s
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
