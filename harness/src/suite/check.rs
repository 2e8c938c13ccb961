//! Semantic checks beyond parsing: names that must exist, ids that must be unique, windows
//! and references that must be complete.

use super::diag::{with_suggestion, Diagnostic, Loc};
use super::expand::{case_count, expand, variables_in, MAX_CASES};
use super::model::{Fixture, FixtureFile, NodeRole, Profile, Step, Suite, Test, Topology};
use super::values::Located;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A sink for diagnostics of one file.
pub(crate) struct Diags<'a> {
    pub path: &'a Path,
    pub out: &'a mut Vec<Diagnostic>,
}

impl Diags<'_> {
    fn at(&mut self, loc: Loc, message: impl Into<String>) {
        self.out.push(Diagnostic::new(self.path, loc, message));
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn is_test_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '$' | '{' | '}'))
}

/// Checks a suite against itself, its topology (when found) and the fixtures it may use.
pub(crate) fn check_suite(
    d: &mut Diags<'_>,
    suite: &Suite,
    topology: Option<&Topology>,
    shared: &BTreeMap<String, (std::path::PathBuf, Located<Fixture>)>,
) {
    if let Some(t) = topology {
        if t.iut.role.value != suite.role.value {
            d.at(
                suite.role.loc,
                format!(
                    "the suite is for a {} but topology \"{}\" has an IUT of role {}",
                    suite.role.value, t.topology.value, t.iut.role.value
                ),
            );
        }
    }
    check_features(d, &suite.requires, "suite");
    if suite.tests.is_empty() {
        d.at(suite.suite.loc, "the suite has no tests");
    }
    for (name, f) in &suite.fixtures {
        if !is_test_name(name) {
            d.at(
                f.loc,
                format!("fixture name \"{name}\" may only use letters, digits, - and _"),
            );
        }
        check_steps(d, &f.steps, topology);
    }
    if let Some(t) = topology {
        check_iut_config(d, t, suite);
    }
    // Shared fixtures are checked against this suite's topology where used.
    let mut used_shared = BTreeSet::new();
    let mut ids: HashMap<String, Loc> = HashMap::new();
    for t in &suite.tests {
        check_test(d, t, suite, topology, shared, &mut used_shared);
        for case in expand(t) {
            if let Some(first) = ids.get(&case.id) {
                d.at(
                    t.id.loc,
                    format!(
                        "duplicate test id \"{}\" (first at line {})",
                        case.id, first.line
                    ),
                );
            } else {
                ids.insert(case.id, t.id.loc);
            }
        }
    }
    for name in used_shared {
        if let Some((path, f)) = shared.get(&name) {
            let mut fd = Diags {
                path,
                out: &mut *d.out,
            };
            check_steps(&mut fd, &f.steps, topology);
        }
    }
}

fn is_test_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

fn check_features(d: &mut Diags<'_>, fs: &[Located<super::model::Feature>], what: &str) {
    let mut seen = BTreeSet::new();
    for f in fs {
        if !seen.insert(f.value) {
            d.at(
                f.loc,
                format!("feature \"{}\" is listed twice in the {what}", f.value),
            );
        }
    }
}

fn check_test(
    d: &mut Diags<'_>,
    t: &Located<Test>,
    suite: &Suite,
    topology: Option<&Topology>,
    shared: &BTreeMap<String, (std::path::PathBuf, Located<Fixture>)>,
    used_shared: &mut BTreeSet<String>,
) {
    let id = &t.id;
    if !is_test_id(&id.value) {
        d.at(
            id.loc,
            format!(
                "test id \"{}\" may only use letters, digits, '.', '-', '_' and $variables",
                id.value
            ),
        );
    }
    let refs_loc = t.refs.loc.or(id.loc);
    if t.refs.is_empty() {
        d.at(
            refs_loc,
            format!(
                "test \"{}\" has no refs: add at least one, like refs: [{{rfc: 6275, section: \"9.5.1\", level: MUST}}]",
                id.value
            ),
        );
    }
    for r in t.refs.iter() {
        if r.rfc == 0 {
            d.at(r.loc, "rfc 0 is not an RFC number");
        }
    }
    check_features(d, &t.requires, "test");

    // Matrix.
    let vars: Vec<&str> = t.matrix.vars.iter().map(|v| v.name.as_str()).collect();
    for v in &t.matrix.vars {
        if !is_identifier(&v.name) {
            d.at(
                v.loc,
                format!(
                    "matrix variable \"{}\" must be a name (letters, digits, _)",
                    v.name
                ),
            );
        }
        if v.values.is_empty() {
            d.at(
                v.loc,
                format!("matrix variable \"{}\" has no values", v.name),
            );
        }
    }
    let n = case_count(t);
    if n > MAX_CASES {
        d.at(
            t.matrix.vars.first().map_or(id.loc, |v| v.loc),
            format!(
                "the matrix gives {} test cases, more than {MAX_CASES}",
                if n == usize::MAX {
                    "too many".to_string()
                } else {
                    n.to_string()
                }
            ),
        );
    }
    for (text, loc, what) in [
        (&id.value, id.loc, "id"),
        (&t.title.value, t.title.loc, "title"),
    ] {
        for var in variables_in(text) {
            if !vars.contains(&var.as_str()) {
                let m = format!("${var} in the {what} is not a matrix variable of this test");
                d.at(loc, with_suggestion(m, &var, vars.iter().copied()));
            }
        }
    }

    // Fixtures.
    for u in &t.uses {
        let fixture = match suite.fixtures.get(&u.name) {
            Some(f) => Some(&f.value),
            None => match shared.get(&u.name) {
                Some((_, f)) => {
                    used_shared.insert(u.name.clone());
                    Some(&f.value)
                }
                None => None,
            },
        };
        match fixture {
            None => {
                let m = format!("unknown fixture \"{}\"", u.name);
                let names = suite
                    .fixtures
                    .keys()
                    .chain(shared.keys())
                    .map(String::as_str);
                let m = with_suggestion(m, &u.name, names);
                let m = if suite.fixtures.is_empty() && shared.is_empty() {
                    format!("{m} (the suite defines no fixtures: add them under fixtures:)")
                } else {
                    m
                };
                d.at(u.loc, m);
            }
            Some(f) => {
                for (p, v) in &u.params {
                    if !f.params.contains_key(p) {
                        let m = format!("fixture \"{}\" has no parameter \"{p}\"", u.name);
                        d.at(
                            v.loc.or(u.loc),
                            with_suggestion(m, p, f.params.keys().map(String::as_str)),
                        );
                    }
                }
            }
        }
    }

    if t.steps.is_empty() {
        d.at(id.loc, format!("test \"{}\" has no steps", id.value));
    }
    check_steps(d, &t.steps, topology);
}

/// The suite's and its tests' `iut_config:` must be settings the reference configuration
/// knows, with values of the right type: applied to the configuration built for the topology.
fn check_iut_config(d: &mut Diags<'_>, t: &Topology, suite: &Suite) {
    use crate::engine::dataplane::reference_config;
    // Topologies whose IUT has no built-in reference, or no usable addresses, are reported
    // elsewhere; their settings cannot be checked here.
    if reference_config(t, 0).is_err() {
        return;
    }
    let suite_t = t.with_iut_config(suite.iut_config.iter());
    if let (Some(c), Err(e)) = (&suite.iut_config, reference_config(&suite_t, 0)) {
        d.at(c.loc, e.0);
        return;
    }
    for test in &suite.tests {
        if let Some(c) = &test.iut_config {
            if let Err(e) = reference_config(&suite_t.with_iut_config([c]), 0) {
                d.at(c.loc, e.0);
            }
        }
    }
}

fn check_link(d: &mut Diags<'_>, on: &Located<String>, topo: &Topology) {
    if !topo.has_link(&on.value) {
        let m = format!(
            "unknown link \"{}\" (topology \"{}\" has {})",
            on.value,
            topo.topology.value,
            topo.links
                .iter()
                .map(|l| l.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        d.at(
            on.loc,
            with_suggestion(m, &on.value, topo.links.iter().map(|l| l.value.as_str())),
        );
    }
}

fn check_node(
    d: &mut Diags<'_>,
    n: &Located<String>,
    on: &str,
    topo: &Topology,
    key: &str,
    iut_ok: bool,
) {
    if iut_ok && n.value == "iut" {
        return;
    }
    if !topo.nodes.contains_key(&n.value) {
        let mut names: Vec<&str> = topo.nodes.keys().map(String::as_str).collect();
        if iut_ok {
            names.push("iut");
        }
        let m = format!(
            "unknown node \"{}\" in {key}: (topology \"{}\" has {})",
            n.value,
            topo.topology.value,
            names.join(", ")
        );
        d.at(n.loc, with_suggestion(m, &n.value, names.iter().copied()));
        return;
    }
    if let Some(link) = topo.link_of(&n.value) {
        if topo.has_link(on) && link != on {
            d.at(
                n.loc,
                format!(
                    "node \"{}\" is reached on link \"{link}\", not on \"{on}\"",
                    n.value
                ),
            );
        }
    }
}

fn check_steps(d: &mut Diags<'_>, steps: &[Located<Step>], topo: Option<&Topology>) {
    for s in steps {
        match &s.value {
            Step::Send(x) => {
                if let Some(t) = topo {
                    check_link(d, &x.on, t);
                    if let Some(f) = &x.from {
                        check_node(d, f, &x.on, t, "from", false);
                    }
                    if let Some(to) = &x.to {
                        check_node(d, to, &x.on, t, "to", true);
                    }
                }
                if !x.packet.value.is_object() {
                    d.at(
                        x.packet.loc,
                        "packet must be a mapping of layers, like {ipv6: {...}, mh: {...}}",
                    );
                }
            }
            Step::Expect(x) => {
                if let Some(t) = topo {
                    check_link(d, &x.on, t);
                }
                let given: Vec<&str> = [
                    ("within", x.within.is_some()),
                    ("after", x.after.is_some()),
                    ("at", x.at.is_some()),
                ]
                .iter()
                .filter(|(_, b)| *b)
                .map(|(n, _)| *n)
                .collect();
                if given.len() > 1 {
                    d.at(
                        s.loc,
                        format!(
                            "expect has both {}: give one window (within, after or at)",
                            given.join(" and ")
                        ),
                    );
                }
                if !x.packet.value.is_object() {
                    d.at(x.packet.loc, "packet must be a mapping of layers");
                }
                for (k, v) in &x.capture {
                    check_var_name(d, k, v.loc, "capture");
                }
            }
            Step::ExpectNone(x) => {
                if let Some(t) = topo {
                    check_link(d, &x.on, t);
                }
                if !x.packet.value.is_object() {
                    d.at(x.packet.loc, "packet must be a mapping of layers");
                }
            }
            Step::Set(m) => {
                for (k, v) in m {
                    check_var_name(d, k, v.loc, "set");
                }
            }
            Step::Wait(_) | Step::Responders(_) => {}
        }
    }
}

fn check_var_name(d: &mut Diags<'_>, k: &str, loc: Loc, what: &str) {
    if !is_identifier(k) {
        d.at(
            loc,
            format!("{what}: \"{k}\" is not a variable name (letters, digits, _)"),
        );
    }
}

/// Checks a topology on its own.
pub(crate) fn check_topology(d: &mut Diags<'_>, t: &Topology) {
    if let Some(stem) = d.path.file_stem().and_then(|s| s.to_str()) {
        if stem != t.topology.value {
            d.at(
                t.topology.loc,
                format!(
                    "the topology is named \"{}\" but its file is {stem}.yaml (suites find topologies by file name)",
                    t.topology.value
                ),
            );
        }
    }
    if t.links.is_empty() {
        d.at(t.topology.loc, "the topology has no links");
    }
    if let Some(c) = &t.iut.config {
        // Only the settings' own errors: a topology without a built-in reference for its
        // IUT (or without the addresses it needs) is reported where it is used.
        if let Err(e) = crate::engine::dataplane::reference_config(t, 0) {
            if e.0.starts_with("iut_config") {
                d.at(c.loc, e.0);
            }
        }
    }
    let mut seen = BTreeSet::new();
    for l in &t.links {
        if !seen.insert(l.value.as_str()) {
            d.at(l.loc, format!("link \"{}\" is listed twice", l.value));
        }
    }
    let links: Vec<&str> = t.links.iter().map(|l| l.value.as_str()).collect();
    let names: Vec<&str> = t.nodes.keys().map(String::as_str).collect();
    let mut macs: HashMap<String, &str> = HashMap::new();
    for (name, n) in &t.nodes {
        if name == "iut" {
            d.at(
                n.loc,
                "\"iut\" is reserved for the implementation under test",
            );
        }
        match (&n.link, &n.behind) {
            (Some(_), Some(b)) => d.at(
                b.loc,
                format!("node \"{name}\" has both link and behind: give one"),
            ),
            (None, None) => d.at(
                n.loc,
                format!(
                    "node \"{name}\" needs link: (on a link) or behind: (reached through a router)"
                ),
            ),
            (Some(l), None) => {
                if !links.contains(&l.value.as_str()) {
                    let m = format!("unknown link \"{}\"", l.value);
                    d.at(l.loc, with_suggestion(m, &l.value, links.iter().copied()));
                }
                if n.mac.is_none() || n.ll.is_none() {
                    d.at(
                        n.loc,
                        format!("node \"{name}\" is on a link and needs mac: and ll:"),
                    );
                }
            }
            (None, Some(b)) => match t.nodes.get(&b.value) {
                None => {
                    let m = format!("unknown node \"{}\" in behind:", b.value);
                    d.at(b.loc, with_suggestion(m, &b.value, names.iter().copied()));
                }
                Some(r) if r.role != NodeRole::Router || r.link.is_none() => d.at(
                    b.loc,
                    format!(
                        "node \"{}\" is not a router on a link; behind: names a router with link:",
                        b.value
                    ),
                ),
                Some(_) => {}
            },
        }
        if let Some(m) = n.mac {
            if let Some(other) = macs.insert(m.to_string(), name) {
                d.at(
                    n.loc,
                    format!("node \"{name}\" has the same MAC as \"{other}\""),
                );
            }
        }
        let need = |field: &str| format!("a {:?} node needs {field}:", n.role).to_lowercase();
        match n.role {
            NodeRole::MobileNode | NodeRole::MobileRouter if n.hoa.is_none() => {
                d.at(n.loc, format!("node \"{name}\": {}", need("hoa")))
            }
            NodeRole::HomeAgent | NodeRole::CorrespondentNode if n.addr.is_none() => {
                d.at(n.loc, format!("node \"{name}\": {}", need("addr")))
            }
            _ => {}
        }
    }
    if t.iut.interfaces.is_empty() {
        d.at(t.iut.role.loc, "the IUT has no interfaces");
    }
    for (link, i) in &t.iut.interfaces {
        if !links.contains(&link.as_str()) {
            let m = format!("IUT interface on unknown link \"{link}\"");
            d.at(i.loc, with_suggestion(m, link, links.iter().copied()));
        }
        if let Some(m) = i.mac {
            if let Some(other) = macs.insert(m.to_string(), "iut") {
                d.at(i.loc, format!("the IUT has the same MAC as \"{other}\""));
            }
        }
    }
}

/// Checks a profile on its own.
pub(crate) fn check_profile(d: &mut Diags<'_>, p: &Profile) {
    if let Some(stem) = d.path.file_stem().and_then(|s| s.to_str()) {
        if stem != p.profile.value {
            d.at(
                p.profile.loc,
                format!(
                    "the profile is named \"{}\" but its file is {stem}.yaml",
                    p.profile.value
                ),
            );
        }
    }
    check_features(d, &p.features, "profile");
    let s = p.timers.time_scale.value;
    if !(s.is_finite() && s > 0.0) {
        d.at(
            p.timers.time_scale.loc.or(p.profile.loc),
            format!("timers.time_scale must be a positive number, not {s}"),
        );
    }
}

/// Checks a shared fixture file on its own (steps are checked against a topology where a
/// suite uses them).
pub(crate) fn check_fixture_file(d: &mut Diags<'_>, f: &FixtureFile) {
    for (name, fx) in &f.fixtures {
        if !is_test_name(name) {
            d.at(
                fx.loc,
                format!("fixture name \"{name}\" may only use letters, digits, - and _"),
            );
        }
        check_steps(d, &fx.steps, None);
    }
}
