//! `mip6test coverage`: which tests check which behaviour of the catalogue
//! (testsuites/behaviours.yaml), and which behaviours no test checks.
//!
//! A behaviour is *covered* by a suite role when a test of a suite for that role names it in
//! `behaviours:`. Test cases are counted after matrix expansion. Tests that need IPsec
//! (`requires: [ipsec]`, on the test or its suite) are counted apart: a behaviour checked only by
//! them is reported as such, since they are not applicable until an IUT has IPsec. A behaviour
//! with an `untested:` reason is listed apart with it, not as a gap.

use crate::engine::load_suites;
use crate::suite::{self, expand, BehaviourFile, Feature, Role};
use crate::HarnessError;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The catalogue's default place.
pub const DEFAULT_CATALOGUE: &str = "testsuites/behaviours.yaml";

/// Options of `mip6test coverage`.
#[derive(Debug, Clone, Default)]
pub struct CoverageOpts {
    /// Suite files or directories (default: testsuites/).
    pub paths: Vec<PathBuf>,
    /// The behaviour catalogue (default: testsuites/behaviours.yaml).
    pub behaviours: Option<PathBuf>,
    /// Fail (exit 1) when a behaviour has no test and no `untested:` reason, or a test names a
    /// behaviour the catalogue lacks.
    pub check: bool,
}

/// The short role name a catalogue uses.
fn role_key(r: Role) -> &'static str {
    match r {
        Role::CorrespondentNode => "cn",
        Role::HomeAgent => "ha",
        Role::MobileNode => "mn",
        Role::MobileRouter => "mr",
    }
}

/// One test's cases for a behaviour.
#[derive(Debug, Clone, Default)]
struct Cover {
    /// Test ids (before expansion) with their case counts.
    tests: Vec<(String, usize)>,
    cases: usize,
    /// Of `cases`, those that need IPsec.
    ipsec_cases: usize,
}

/// What coverage found.
#[derive(Debug, Clone, Default)]
pub struct CoverageReport {
    /// Observable behaviours with no test for one of their roles: (id, role).
    pub gaps: Vec<(String, String)>,
    /// Behaviour ids named by tests but absent from the catalogue: (id, file:line).
    pub unknown: Vec<(String, String)>,
    pub behaviours: usize,
    pub covered: usize,
    pub untested: usize,
    pub cases: usize,
    pub ipsec_cases: usize,
}

impl CoverageReport {
    pub fn ok(&self) -> bool {
        self.gaps.is_empty() && self.unknown.is_empty()
    }
}

/// `mip6test coverage`: prints the behaviour → tests matrix, then the gaps.
pub fn coverage_command(
    opts: &CoverageOpts,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<CoverageReport, HarnessError> {
    let cat_path = match &opts.behaviours {
        Some(p) => p.clone(),
        None => opts
            .paths
            .first()
            .and_then(|p| find_catalogue(p))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CATALOGUE)),
    };
    let cat: BehaviourFile = suite::load_behaviours(&cat_path).map_err(|ds| {
        for d in &ds {
            let _ = writeln!(err, "{d}");
        }
        HarnessError::Usage(format!("{}: does not validate", cat_path.display()))
    })?;
    let suites = load_suites(&opts.paths, err)?;
    let o = HarnessError::Output;

    // behaviour id -> role -> cover
    let mut map: BTreeMap<String, BTreeMap<&'static str, Cover>> = BTreeMap::new();
    let mut report = CoverageReport::default();
    let known: std::collections::HashSet<&str> =
        cat.behaviours.iter().map(|b| b.value.id.as_str()).collect();
    for s in &suites {
        let suite_ipsec = s.requires.iter().any(|f| f.value == Feature::Ipsec);
        let role = role_key(s.role.value);
        for t in &s.tests {
            let n = expand(&t.value).len();
            let ipsec = suite_ipsec || t.value.requires.iter().any(|f| f.value == Feature::Ipsec);
            report.cases += n;
            if ipsec {
                report.ipsec_cases += n;
            }
            for b in &t.value.behaviours {
                if !known.contains(b.as_str()) {
                    report
                        .unknown
                        .push((b.clone(), format!("{}:{}", s.path.display(), t.loc.line)));
                    continue;
                }
                let c = map.entry(b.clone()).or_default().entry(role).or_default();
                c.tests.push((t.value.id.value.clone(), n));
                c.cases += n;
                if ipsec {
                    c.ipsec_cases += n;
                }
            }
        }
    }

    let roles_run: std::collections::BTreeSet<&str> =
        suites.iter().map(|s| role_key(s.role.value)).collect();
    writeln!(
        out,
        "{:<7} {:<6} {:<10} {:<4} {:>5}  tests",
        "id", "level", "section", "role", "cases"
    )
    .map_err(o)?;
    for b in &cat.behaviours {
        let b = &b.value;
        report.behaviours += 1;
        let section = format!("§{}", b.section.0);
        let level = format!("{:?}", b.level);
        if let Some(why) = &b.untested {
            report.untested += 1;
            writeln!(
                out,
                "{:<7} {:<6} {:<10} {:<4} {:>5}  untested: {why}",
                b.id, level, section, "-", 0
            )
            .map_err(o)?;
            continue;
        }
        let covers = map.get(&b.id);
        let mut all = true;
        for role in &b.roles {
            if !roles_run.contains(role.as_str()) {
                // No suite of that role in this run: not judged.
                continue;
            }
            match covers.and_then(|c| c.get(role.as_str())) {
                Some(c) => {
                    let mut tests: Vec<String> = c
                        .tests
                        .iter()
                        .map(|(id, n)| {
                            if *n > 1 {
                                format!("{id} (×{n})")
                            } else {
                                id.clone()
                            }
                        })
                        .collect();
                    tests.dedup();
                    let ipsec = if c.ipsec_cases == c.cases {
                        "  [IPsec only]"
                    } else if c.ipsec_cases > 0 {
                        "  [some IPsec]"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "{:<7} {:<6} {:<10} {:<4} {:>5}  {}{ipsec}",
                        b.id,
                        level,
                        section,
                        role,
                        c.cases,
                        tests.join(", ")
                    )
                    .map_err(o)?;
                }
                None => {
                    all = false;
                    report.gaps.push((b.id.clone(), role.clone()));
                    writeln!(
                        out,
                        "{:<7} {:<6} {:<10} {:<4} {:>5}  NO TEST",
                        b.id, level, section, role, 0
                    )
                    .map_err(o)?;
                }
            }
        }
        if all && b.roles.iter().any(|r| roles_run.contains(r.as_str())) {
            report.covered += 1;
        }
    }
    writeln!(out).map_err(o)?;
    if !report.gaps.is_empty() {
        let g: Vec<String> = report
            .gaps
            .iter()
            .map(|(id, r)| format!("{id} ({r})"))
            .collect();
        writeln!(out, "no test: {}", g.join(", ")).map_err(o)?;
    }
    for (id, at) in &report.unknown {
        writeln!(out, "{at}: behaviour {id} is not in {}", cat_path.display()).map_err(o)?;
    }
    writeln!(
        out,
        "{} behaviours: {} covered, {} untested (with the reason), {} with a gap; {} test cases, {} of them need IPsec",
        report.behaviours,
        report.covered,
        report.untested,
        report
            .gaps
            .iter()
            .map(|(id, _)| id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        report.cases,
        report.ipsec_cases
    )
    .map_err(o)?;
    Ok(report)
}

/// The catalogue next to a suites directory, when the default is not there.
pub fn find_catalogue(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    start
        .ancestors()
        .map(|a| a.join("behaviours.yaml"))
        .chain(
            start
                .ancestors()
                .map(|a| a.join("testsuites/behaviours.yaml")),
        )
        .find(|p| p.is_file())
}
