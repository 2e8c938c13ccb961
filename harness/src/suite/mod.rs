//! The suite model: suites, fixtures, topologies and capability profiles read from YAML
//! (docs/test-language.md), checked, expanded into test cases, and described by a JSON Schema.
//!
//! * [`load_suite`], [`load_topology`], [`load_profile`], [`load_fixtures`]: one file, parsed
//!   and checked; every problem is a [`Diagnostic`] (`path:line:col: message`, with a "did you
//!   mean" where a name is close to a known one).
//! * [`validate_paths`]: `mip6test validate PATH...`, files and directories (`*.yaml`,
//!   recursively), with the checks that span files (test ids unique across suites).
//! * [`expand`]: a test's matrix as [`TestCase`]s; [`applicability`]: whether a test applies
//!   to an IUT's [`Profile`].
//! * [`schema`]: `mip6test schema`, one JSON Schema per kind of file.
//! * [`load_target`]: a target file (`mip6test run --target FILE`, docs/targets.md).
//!
//! Packet trees and the values of `set:`, `capture:`, fixture parameters and matrices stay
//! [`Untyped`] (JSON with the place of every node): the engine interprets them.
//!
//! Where a suite's topology and shared fixtures are found: the directories of
//! [`SearchPaths`] first, then, going up from the suite's directory, every `topologies/` and
//! `testsuites/topologies/` (and `fixtures/`, `testsuites/fixtures/`) directory. A topology
//! is found by its file name: `topology: cn-one-link` is `cn-one-link.yaml`.

mod check;
mod diag;
mod expand;
mod model;
mod target;
mod values;

pub use diag::{edit_distance, suggest, Diagnostic, Loc};
pub use expand::{
    applicability, case_count, display_value, expand, substitute, suite_applicability,
    variables_in, TestCase, MAX_CASES,
};
pub use model::{
    merge_iut_config, At, Behaviour, BehaviourFile, Edits, ExpectNoneStep, ExpectStep, Feature,
    Fixture, FixtureFile, Hooks, Iut, IutConfig, IutInterface, Level, Matrix, MatrixVar, Node,
    NodeRole, OnOff, Patch, Profile, Ref, Responders, Role, Section, SendStep, Step, Suite, Test,
    Timers, Topology, UseFixture, Window,
};
pub use target::{
    fill_placeholders, placeholders, IutOverride, Placeholder, Ready, TargetFile, PLACEHOLDERS,
    SIGNALS,
};
pub use values::{parse_duration, HexBytes, Located, MacAddr, Prefix, Tolerance, Untyped};

use crate::HarnessError;
use check::Diags;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The kinds of YAML file the harness reads, told apart by their first-level key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `suite:` (testsuites/<rfc>/<role>/*.yaml).
    Suite,
    /// `topology:` with `links:` (testsuites/topologies/*.yaml).
    Topology,
    /// `profile:` (testsuites/profiles/*.yaml).
    Profile,
    /// `fixtures:` without `suite:` (testsuites/fixtures/*.yaml).
    Fixtures,
    /// `behaviours:`: the behaviour catalogue `mip6test coverage` maps tests to
    /// (testsuites/behaviours.yaml).
    Behaviours,
    /// `target:` (`mip6test run --target FILE`, docs/targets.md).
    Target,
}

impl FileKind {
    pub fn name(&self) -> &'static str {
        match self {
            FileKind::Suite => "suite",
            FileKind::Topology => "topology",
            FileKind::Profile => "profile",
            FileKind::Fixtures => "fixtures",
            FileKind::Behaviours => "behaviours",
            FileKind::Target => "target",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Extra directories to search for topologies and shared fixtures, before the ones found
/// going up from a suite's directory.
#[derive(Debug, Clone, Default)]
pub struct SearchPaths {
    pub topologies: Vec<PathBuf>,
    pub fixtures: Vec<PathBuf>,
}

// ---------------------------------------------------------------------------------------------
// Reading and parsing

fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::new(path, Loc::UNKNOWN, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        let col = upto.iter().rev().take_while(|b| **b != b'\n').count() as u32 + 1;
        Diagnostic::new(path, Loc::new(line, col), "the file is not UTF-8 text")
    })
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim().trim_start_matches('\u{feff}');
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

const KIND_HINT: &str = "a suite:, topology:, profile:, fixtures:, target: or behaviours: key";

fn parse_as<T: DeserializeOwned>(path: &Path, text: &str, what: &str) -> Result<T, Diagnostic> {
    if is_blank(text) {
        return Err(Diagnostic::new(
            path,
            Loc::new(1, 1),
            format!("the file is empty: expected a {what} file"),
        ));
    }
    serde_saphyr::from_str::<T>(text).map_err(|e| {
        let mut d = diag::from_yaml_error(path, &e);
        if d.message.starts_with("expected a mapping") && d.line <= 1 {
            d.message = format!("the file must be a mapping: expected a {what} file");
        }
        d
    })
}

/// The first-level keys of a mapping, with their places.
struct TopKeys(Vec<Located<String>>);

impl<'de> Deserialize<'de> for TopKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<TopKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = a.next_key::<Located<String>>()? {
                    a.next_value::<IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(TopKeys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

/// What kind of file this is, from its first-level keys.
pub fn detect_kind(path: &Path, text: &str) -> Result<FileKind, Diagnostic> {
    if is_blank(text) {
        return Err(Diagnostic::new(
            path,
            Loc::new(1, 1),
            format!("the file is empty: expected a mapping with {KIND_HINT}"),
        ));
    }
    let keys = serde_saphyr::from_str::<TopKeys>(text).map_err(|e| {
        let mut d = diag::from_yaml_error(path, &e);
        if d.message.starts_with("expected a mapping") && d.line <= 1 {
            d.message = format!("the file must be a mapping with {KIND_HINT}");
        }
        d
    })?;
    let has = |k: &str| keys.0.iter().any(|x| x.value == k);
    if has("suite") {
        Ok(FileKind::Suite)
    } else if has("profile") {
        Ok(FileKind::Profile)
    } else if has("topology") {
        Ok(FileKind::Topology)
    } else if has("fixtures") {
        Ok(FileKind::Fixtures)
    } else if has("behaviours") {
        Ok(FileKind::Behaviours)
    } else if has("target") {
        Ok(FileKind::Target)
    } else {
        let kinds = [
            "suite",
            "topology",
            "profile",
            "fixtures",
            "target",
            "behaviours",
        ];
        for k in &keys.0 {
            if let Some(s) = suggest(&k.value, kinds) {
                return Err(Diagnostic::new(
                    path,
                    k.loc,
                    format!(
                        "unknown key \"{}\" — did you mean \"{s}\"? (a file needs {KIND_HINT})",
                        k.value
                    ),
                ));
            }
        }
        let loc = keys.0.first().map_or(Loc::new(1, 1), |k| k.loc);
        Err(Diagnostic::new(
            path,
            loc,
            format!("cannot tell what this file is: it needs {KIND_HINT}"),
        ))
    }
}

/// Reads and checks a topology file.
pub fn load_topology(path: &Path) -> Result<Topology, Vec<Diagnostic>> {
    let text = read_text(path).map_err(|d| vec![d])?;
    let t: Topology = parse_as(path, &text, "topology").map_err(|d| vec![d])?;
    let mut out = Vec::new();
    check::check_topology(
        &mut Diags {
            path,
            out: &mut out,
        },
        &t,
    );
    if out.is_empty() {
        Ok(t)
    } else {
        Err(out)
    }
}

/// Reads and checks a capability profile.
pub fn load_profile(path: &Path) -> Result<Profile, Vec<Diagnostic>> {
    let text = read_text(path).map_err(|d| vec![d])?;
    let p: Profile = parse_as(path, &text, "profile").map_err(|d| vec![d])?;
    let mut out = Vec::new();
    check::check_profile(
        &mut Diags {
            path,
            out: &mut out,
        },
        &p,
    );
    if out.is_empty() {
        Ok(p)
    } else {
        Err(out)
    }
}

/// Reads and checks a behaviour catalogue: ids unique, roles known.
pub fn load_behaviours(path: &Path) -> Result<BehaviourFile, Vec<Diagnostic>> {
    let text = read_text(path).map_err(|d| vec![d])?;
    let f: BehaviourFile = parse_as(path, &text, "behaviours").map_err(|d| vec![d])?;
    let mut out = Vec::new();
    let mut seen: HashMap<&str, Loc> = HashMap::new();
    for b in &f.behaviours {
        if let Some(first) = seen.insert(b.value.id.as_str(), b.loc) {
            out.push(Diagnostic::new(
                path,
                b.loc,
                format!(
                    "behaviour {} is also listed at line {}",
                    b.value.id, first.line
                ),
            ));
        }
        for r in &b.value.roles {
            if !BEHAVIOUR_ROLES.contains(&r.as_str()) {
                out.push(Diagnostic::new(
                    path,
                    b.loc,
                    format!(
                        "behaviour {}: unknown role \"{r}\" (one of {})",
                        b.value.id,
                        BEHAVIOUR_ROLES.join(", ")
                    ),
                ));
            }
        }
    }
    if out.is_empty() {
        Ok(f)
    } else {
        Err(out)
    }
}

/// Reads and checks a target file (docs/targets.md).
pub fn load_target(path: &Path) -> Result<TargetFile, Vec<Diagnostic>> {
    let text = read_text(path).map_err(|d| vec![d])?;
    let mut t: TargetFile = parse_as(path, &text, "target").map_err(|d| vec![d])?;
    t.path = path.to_path_buf();
    let mut out = Vec::new();
    target::check_target(path, &t, &mut out);
    if out.is_empty() {
        Ok(t)
    } else {
        Err(out)
    }
}

/// The roles a behaviour catalogue entry may name.
pub const BEHAVIOUR_ROLES: &[&str] = &["cn", "ha", "mn", "mr", "nemo-ha"];

/// Reads and checks a shared fixture file.
pub fn load_fixtures(path: &Path) -> Result<FixtureFile, Vec<Diagnostic>> {
    let text = read_text(path).map_err(|d| vec![d])?;
    let f: FixtureFile = parse_as(path, &text, "fixtures").map_err(|d| vec![d])?;
    let mut out = Vec::new();
    check::check_fixture_file(
        &mut Diags {
            path,
            out: &mut out,
        },
        &f,
    );
    if out.is_empty() {
        Ok(f)
    } else {
        Err(out)
    }
}

/// Reads a suite, finds its topology and shared fixtures (see the module documentation) and
/// checks it against them.
pub fn load_suite(path: &Path) -> Result<Suite, Vec<Diagnostic>> {
    load_suite_with(path, &SearchPaths::default())
}

/// [`load_suite`] with extra directories to search.
pub fn load_suite_with(path: &Path, search: &SearchPaths) -> Result<Suite, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let suite = load_suite_inner(path, search, &BTreeMap::new(), &mut out);
    out.sort();
    out.dedup();
    match suite {
        Some(s) if out.is_empty() => Ok(s),
        _ => Err(out),
    }
}

/// Directories named `sub` or `testsuites/sub` in `start` and its ancestors, nearest first.
fn ancestor_dirs(start: &Path, sub: &str) -> Vec<PathBuf> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut out = Vec::new();
    for a in start.ancestors() {
        for d in [a.join(sub), a.join("testsuites").join(sub)] {
            if d.is_dir() && !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

fn suite_dir(suite_path: &Path) -> PathBuf {
    match suite_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn yaml_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_yaml(p))
        .collect();
    v.sort();
    v
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// The topology file a suite's `topology: name` means: `name.yaml` in the search
/// directories, then in `topologies/` and `testsuites/topologies/` going up from the suite.
pub fn find_topology(
    suite_path: &Path,
    name: &str,
    search: &SearchPaths,
) -> Result<PathBuf, String> {
    let mut dirs = search.topologies.clone();
    dirs.extend(ancestor_dirs(&suite_dir(suite_path), "topologies"));
    for d in &dirs {
        for ext in ["yaml", "yml"] {
            let p = d.join(format!("{name}.{ext}"));
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let known: Vec<String> = dirs
        .iter()
        .flat_map(|d| yaml_files_in(d))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(String::from))
        .collect();
    let m = if dirs.is_empty() {
        format!(
            "topology \"{name}\" not found: no topologies/ or testsuites/topologies/ directory above the suite (give one with --topologies DIR)"
        )
    } else {
        format!(
            "topology \"{name}\" not found in {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(diag::with_suggestion(
        m,
        name,
        known.iter().map(String::as_str),
    ))
}

type SharedFixtures = BTreeMap<String, (PathBuf, Located<Fixture>)>;

fn shared_fixtures(
    suite_path: &Path,
    search: &SearchPaths,
    out: &mut Vec<Diagnostic>,
) -> SharedFixtures {
    let mut dirs = search.fixtures.clone();
    dirs.extend(ancestor_dirs(&suite_dir(suite_path), "fixtures"));
    let mut all: SharedFixtures = BTreeMap::new();
    for d in dirs {
        for p in yaml_files_in(&d) {
            match load_fixtures(&p) {
                Ok(f) => {
                    for (name, fx) in f.fixtures {
                        if let Some((first, _)) = all.get(&name) {
                            out.push(Diagnostic::new(
                                &p,
                                fx.loc,
                                format!(
                                    "fixture \"{name}\" is also defined in {}",
                                    first.display()
                                ),
                            ));
                        } else {
                            all.insert(name, (p.clone(), fx));
                        }
                    }
                }
                Err(ds) => out.extend(ds),
            }
        }
    }
    all
}

/// Parses and checks a suite; `None` when it does not parse. `known` maps topology names
/// to files being validated together with the suite.
fn load_suite_inner(
    path: &Path,
    search: &SearchPaths,
    known: &BTreeMap<String, PathBuf>,
    out: &mut Vec<Diagnostic>,
) -> Option<Suite> {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(d) => {
            out.push(d);
            return None;
        }
    };
    let mut suite: Suite = match parse_as(path, &text, "suite") {
        Ok(s) => s,
        Err(d) => {
            out.push(d);
            return None;
        }
    };
    suite.path = path.to_path_buf();
    let name = &suite.topology.value;
    let found = match known.get(name) {
        Some(p) => Ok(p.clone()),
        None => find_topology(path, name, search),
    };
    let topology = match found {
        Ok(p) => {
            suite.topology_path = Some(p.clone());
            match load_topology(&p) {
                Ok(t) => Some(t),
                Err(ds) => {
                    out.push(Diagnostic::new(
                        path,
                        suite.topology.loc,
                        format!("topology \"{name}\" ({}) has errors", p.display()),
                    ));
                    out.extend(ds);
                    None
                }
            }
        }
        Err(m) => {
            out.push(Diagnostic::new(path, suite.topology.loc, m));
            None
        }
    };
    let shared = shared_fixtures(path, search, out);
    check::check_suite(&mut Diags { path, out }, &suite, topology.as_ref(), &shared);
    suite.shared_fixtures = shared.into_iter().map(|(k, (_, f))| (k, f)).collect();
    Some(suite)
}

// ---------------------------------------------------------------------------------------------
// Validation of many files

/// One file `validate` read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedFile {
    pub path: PathBuf,
    /// `None` when the kind could not be told.
    pub kind: Option<FileKind>,
    /// For a suite: its tests and its test cases (after matrix expansion).
    pub tests: usize,
    pub cases: usize,
}

/// The outcome of [`validate_paths`].
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub files: Vec<ValidatedFile>,
    /// Sorted by path, line and column.
    pub errors: Vec<Diagnostic>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn count(&self, k: FileKind) -> usize {
        self.files.iter().filter(|f| f.kind == Some(k)).count()
    }

    /// One line: what was read, and whether it is all valid.
    pub fn summary(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let tests: usize = self.files.iter().map(|f| f.tests).sum();
        let cases: usize = self.files.iter().map(|f| f.cases).sum();
        let mut parts = vec![format!(
            "{} ({}, {})",
            plural(self.count(FileKind::Suite), "suite", "suites"),
            plural(tests, "test", "tests"),
            plural(cases, "test case", "test cases")
        )];
        for (k, one, many) in [
            (FileKind::Topology, "topology", "topologies"),
            (FileKind::Profile, "profile", "profiles"),
            (FileKind::Fixtures, "fixture file", "fixture files"),
            (
                FileKind::Behaviours,
                "behaviour catalogue",
                "behaviour catalogues",
            ),
            (FileKind::Target, "target file", "target files"),
        ] {
            let n = self.count(k);
            if n > 0 {
                parts.push(plural(n, one, many));
            }
        }
        let files = plural(self.files.len(), "file", "files");
        if self.is_ok() {
            format!("{files} valid: {}", parts.join(", "))
        } else {
            let bad = {
                let mut p: Vec<&PathBuf> = self.errors.iter().map(|d| &d.path).collect();
                p.sort();
                p.dedup();
                p.len()
            };
            // Paths that could not be read are not among the validated files: count them too.
            let mut all: Vec<&PathBuf> = self
                .files
                .iter()
                .map(|f| &f.path)
                .chain(self.errors.iter().map(|d| &d.path))
                .collect();
            all.sort();
            all.dedup();
            format!(
                "{} in {} of {}",
                plural(self.errors.len(), "error", "errors"),
                bad,
                plural(all.len(), "file", "files")
            )
        }
    }
}

fn collect_files(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if is_yaml(&p) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out);
            if out.len() == before {
                errors.push(Diagnostic::new(
                    p,
                    Loc::UNKNOWN,
                    "no .yaml files in this directory",
                ));
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            errors.push(Diagnostic::new(
                p,
                Loc::UNKNOWN,
                "no such file or directory",
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    out
}

/// Checks suites, topologies, profiles and fixture files (files, or directories searched
/// recursively for `*.yaml` and `*.yml`) without running anything. Beyond each file's own
/// checks: test ids and suite names are unique across the suites validated together, and a
/// suite may name a topology validated with it.
pub fn validate_paths(paths: &[PathBuf], search: &SearchPaths) -> Report {
    let mut report = Report::default();
    let files = collect_files(paths, &mut report.errors);
    let mut kinds = Vec::new();
    let mut known_topologies: BTreeMap<String, PathBuf> = BTreeMap::new();
    for p in &files {
        let kind = match read_text(p).and_then(|t| detect_kind(p, &t)) {
            Ok(k) => Some(k),
            Err(d) => {
                report.errors.push(d);
                None
            }
        };
        kinds.push(kind);
    }
    // Topologies, profiles and fixture files first: suites refer to topologies.
    for (p, kind) in files.iter().zip(&kinds) {
        let r = match kind {
            Some(FileKind::Topology) => load_topology(p).map(|t| {
                known_topologies
                    .entry(t.topology.value.clone())
                    .or_insert_with(|| p.clone());
            }),
            Some(FileKind::Profile) => load_profile(p).map(drop),
            Some(FileKind::Fixtures) => load_fixtures(p).map(drop),
            Some(FileKind::Behaviours) => load_behaviours(p).map(drop),
            Some(FileKind::Target) => load_target(p).map(drop),
            _ => Ok(()),
        };
        if let Err(ds) = r {
            report.errors.extend(ds);
        }
    }
    let mut ids: HashMap<String, (PathBuf, Loc)> = HashMap::new();
    let mut suites: HashMap<String, (PathBuf, Loc)> = HashMap::new();
    for (p, kind) in files.iter().zip(&kinds) {
        let mut f = ValidatedFile {
            path: p.clone(),
            kind: *kind,
            tests: 0,
            cases: 0,
        };
        if *kind == Some(FileKind::Suite) {
            if let Some(s) = load_suite_inner(p, search, &known_topologies, &mut report.errors) {
                f.tests = s.tests.len();
                if let Some((first, l)) = suites.get(&s.suite.value) {
                    report.errors.push(Diagnostic::new(
                        p,
                        s.suite.loc,
                        format!(
                            "suite \"{}\" is also named in {}:{}",
                            s.suite.value,
                            first.display(),
                            l.line
                        ),
                    ));
                } else {
                    suites.insert(s.suite.value.clone(), (p.clone(), s.suite.loc));
                }
                let mut own = std::collections::HashSet::new();
                for t in &s.tests {
                    for c in expand(t) {
                        f.cases += 1;
                        match ids.get(&c.id) {
                            Some((first, l)) if first != p => {
                                report.errors.push(Diagnostic::new(
                                    p,
                                    t.id.loc,
                                    format!(
                                        "test id \"{}\" is also used in {}:{}",
                                        c.id,
                                        first.display(),
                                        l.line
                                    ),
                                ));
                            }
                            Some(_) => {} // duplicates within the suite: reported by its checks
                            None => {
                                if own.insert(c.id.clone()) {
                                    ids.insert(c.id, (p.clone(), t.id.loc));
                                }
                            }
                        }
                    }
                }
            }
        }
        report.files.push(f);
    }
    report.errors.sort();
    report.errors.dedup();
    report
}

/// `mip6test validate`: the diagnostics on `err`, one per line, and the one-line summary on
/// `out` when everything is valid. A file that does not validate is a usage error (exit 2).
pub fn validate_command(
    paths: &[PathBuf],
    search: &SearchPaths,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), HarnessError> {
    let report = validate_paths(paths, search);
    for d in &report.errors {
        writeln!(err, "{d}").map_err(HarnessError::Output)?;
    }
    if report.is_ok() {
        writeln!(out, "{}", report.summary()).map_err(HarnessError::Output)?;
        Ok(())
    } else {
        Err(HarnessError::Usage(report.summary()))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Schema

/// The JSON Schema (draft 2020-12) of one kind of file, for editors (e.g. the YAML language
/// server: `# yaml-language-server: $schema=suite.schema.json`).
pub fn schema(kind: FileKind) -> serde_json::Value {
    let (s, title) = match kind {
        FileKind::Suite => (schemars::schema_for!(Suite), "mip6test suite"),
        FileKind::Topology => (schemars::schema_for!(Topology), "mip6test topology"),
        FileKind::Profile => (
            schemars::schema_for!(Profile),
            "mip6test capability profile",
        ),
        FileKind::Fixtures => (
            schemars::schema_for!(FixtureFile),
            "mip6test shared fixtures",
        ),
        FileKind::Behaviours => (
            schemars::schema_for!(BehaviourFile),
            "mip6test behaviour catalogue",
        ),
        FileKind::Target => (
            schemars::schema_for!(TargetFile),
            "mip6test target (docs/targets.md)",
        ),
    };
    let mut v = s.to_value();
    if let Some(o) = v.as_object_mut() {
        o.insert("title".into(), title.into());
        o.insert(
            "description".into(),
            "See docs/test-language.md. Generated by `mip6test schema`.".into(),
        );
    }
    v
}

/// `mip6test schema`: the schema of one kind of file, pretty-printed.
pub fn schema_command(kind: FileKind, out: &mut dyn Write) -> Result<(), HarnessError> {
    let text = serde_json::to_string_pretty(&schema(kind)).expect("a JSON value serialises");
    writeln!(out, "{text}").map_err(HarnessError::Output)
}
