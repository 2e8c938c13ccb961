//! The engine: runs suites (docs/test-language.md) against an implementation under test.
//!
//! * [`dataplane`]: where frames go and come from; [`dataplane::SimDataplane`] is the built-in
//!   reference node on the simulated network, fresh for every test case.
//! * [`runner`]: one test case's steps and its verdict.
//! * `live::NetnsDataplane` (Linux): the reference node as a `mip6test reference` process in a
//!   network namespace, over veth and AF_PACKET (`--target netns:cn|netns:ha`), or a target
//!   file's command there; `live::IfaceDataplane`: a target file's named interfaces
//!   (docs/targets.md).
//! * [`run_command`] / [`list_command`]: `mip6test run` and `mip6test list`.

pub mod console;
pub mod dataplane;
pub mod hooks;
#[cfg(target_os = "linux")]
pub mod live;
pub mod record;
pub mod runner;

use crate::suite::{
    self, expand, load_profile, load_suite, load_topology, FileKind, Profile, Role, Suite,
};
use crate::HarnessError;
use dataplane::SimDataplane;
use runner::{run_case, CaseResult, Verdict};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where suites are looked for when no path is given.
pub const DEFAULT_SUITES: &str = "testsuites";

/// Where `mip6test run` runs the suites.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Target {
    /// The built-in reference node on the in-process simulated network (virtual time).
    #[default]
    Simulated,
    /// The built-in reference node for this role as a separate process in a network
    /// namespace, over veth (real time; needs root). Only suites for this role run.
    Netns(Role),
    /// A target file (docs/targets.md): a command in namespaces, or named interfaces.
    File(PathBuf),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Simulated => f.write_str("simulated"),
            Target::Netns(Role::HomeAgent) => f.write_str("netns:ha"),
            Target::Netns(_) => f.write_str("netns:cn"),
            Target::File(p) => write!(f, "file:{}", p.display()),
        }
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sim" | "simulated" => Ok(Target::Simulated),
            "netns:cn" => Ok(Target::Netns(Role::CorrespondentNode)),
            "netns:ha" => Ok(Target::Netns(Role::HomeAgent)),
            _ if s.starts_with("netns:") => Err(format!(
                "unknown target {s:?}: use simulated, netns:cn, netns:ha or a target file"
            )),
            _ if Path::new(s).is_file() => Ok(Target::File(PathBuf::from(s))),
            _ => Err(format!(
                "no target file {s:?}: a target is simulated, netns:cn, netns:ha or a target \
                 file (see docs/targets.md)"
            )),
        }
    }
}

/// Options of `mip6test run`.
#[derive(Debug, Clone, Default)]
pub struct RunOpts {
    /// Where the suites run.
    pub target: Target,
    /// The `mip6test` executable a netns target starts the node from (default: this one).
    pub program: Option<PathBuf>,
    /// Suite files or directories (searched recursively); empty: [`DEFAULT_SUITES`].
    pub paths: Vec<PathBuf>,
    /// The IUT's capability profile; by default the built-in reference's for the suite's role
    /// (profiles/reference-cn.yaml or reference-ha.yaml above the suite).
    pub profile: Option<PathBuf>,
    /// How many test cases run at once (`-j N`; 0 or 1: one after the other). Results are
    /// printed in the suites' order.
    pub jobs: usize,
    /// The output directory (results.json, junit.xml, report.html, pcap/); none: no files.
    pub out: Option<PathBuf>,
    /// Colour the console output.
    pub color: bool,
    /// Draw a progress bar on the error output.
    pub progress: bool,
    /// Which test cases run (all by default).
    pub filter: Filter,
    /// Overrides the profile's `timers.time_scale`: how much faster than the RFC's the IUT's
    /// timers run (every step duration is multiplied by it).
    pub time_scale: Option<f64>,
}

/// Counts of a run (the summary line is [`RunSummary::line`]).
pub use mip6_reports::results::Summary as RunSummary;

fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, HarnessError> {
    let default = [PathBuf::from(DEFAULT_SUITES)];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(HarnessError::Usage(format!(
                "{}: no such file or directory",
                p.display()
            )));
        }
    }
    Ok(out)
}

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
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

/// The suites among `paths` (other kinds of YAML file are skipped), loaded and checked.
/// A suite that does not load is a usage error after its diagnostics are printed on `err`.
pub fn load_suites(paths: &[PathBuf], err: &mut dyn Write) -> Result<Vec<Suite>, HarnessError> {
    let mut suites = Vec::new();
    let mut bad = 0;
    for p in collect(paths)? {
        let text = std::fs::read_to_string(&p).map_err(|e| HarnessError::Input {
            path: p.clone(),
            source: e,
        })?;
        match suite::detect_kind(&p, &text) {
            Ok(FileKind::Suite) => {}
            Ok(_) => continue,
            Err(d) => {
                writeln!(err, "{d}").map_err(HarnessError::Output)?;
                bad += 1;
                continue;
            }
        }
        match load_suite(&p) {
            Ok(s) => suites.push(s),
            Err(ds) => {
                for d in ds {
                    writeln!(err, "{d}").map_err(HarnessError::Output)?;
                }
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(HarnessError::Usage(format!(
            "{bad} file{} did not validate",
            if bad == 1 { "" } else { "s" }
        )));
    }
    Ok(suites)
}

fn diags(path: &Path, ds: Vec<suite::Diagnostic>) -> HarnessError {
    HarnessError::Config {
        path: path.to_path_buf(),
        message: ds
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// The built-in reference's profile for a role: `profiles/reference-<cn|ha>.yaml` or
/// `testsuites/profiles/...` in the suite's directory or above it.
pub fn reference_profile_path(suite_path: &Path, role: Role) -> Option<PathBuf> {
    let file = match role {
        Role::CorrespondentNode => "reference-cn.yaml",
        Role::HomeAgent => "reference-ha.yaml",
        _ => return None,
    };
    let start = std::fs::canonicalize(suite_path).unwrap_or_else(|_| suite_path.to_path_buf());
    for a in start.ancestors() {
        for d in [a.join("profiles"), a.join("testsuites").join("profiles")] {
            let p = d.join(file);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn seed_of(id: &str) -> u64 {
    // FNV-1a: the same case gets the same seed on every run.
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs every test case of one suite on fresh simulated dataplanes.
pub fn run_suite(suite: &Suite, profile: &Profile) -> Result<Vec<CaseResult>, HarnessError> {
    let mut out = Vec::new();
    run_suite_on(
        suite,
        profile,
        &Env::Simulated,
        1,
        None,
        &Filter::default(),
        &mut |r| {
            out.push(r);
            Ok(())
        },
    )?;
    Ok(out)
}

/// What the dataplanes of a run are built on.
enum Env {
    Simulated,
    #[cfg(target_os = "linux")]
    Netns(live::NetnsOpts),
    /// A target file's named interfaces.
    #[cfg(target_os = "linux")]
    Ifaces(live::IfaceOpts),
}

impl Env {
    fn interrupted(&self) -> bool {
        match self {
            Env::Simulated => false,
            #[cfg(target_os = "linux")]
            Env::Netns(o) => o
                .stop
                .as_ref()
                .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst)),
            #[cfg(target_os = "linux")]
            Env::Ifaces(o) => o
                .stop
                .as_ref()
                .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst)),
        }
    }

    /// The role a live target's IUT has (suites for others are skipped).
    fn role(&self) -> Option<Role> {
        match self {
            Env::Simulated => None,
            #[cfg(target_os = "linux")]
            Env::Netns(o) => o.target.as_ref().map(|t| t.role.value),
            #[cfg(target_os = "linux")]
            Env::Ifaces(o) => Some(o.target.role.value),
        }
    }

    /// Why suite `s` cannot run here (another role; a link a target file does not map).
    fn skip_reason(&self, target: &Target, s: &Suite) -> Option<String> {
        let role = match target {
            Target::Netns(r) => Some(*r),
            _ => self.role(),
        };
        if let Some(role) = role.filter(|r| *r != s.role.value) {
            return Some(format!(
                "the suite tests a {}; the target is a {role}",
                s.role.value
            ));
        }
        #[cfg(target_os = "linux")]
        if let Env::Ifaces(o) = self {
            let topo = load_topology(s.topology_path.as_deref()?).ok()?;
            return o.skip_reason(&topo);
        }
        None
    }

    /// The topology a suite runs with: a target file's `iut:` applied.
    fn topology(&self, t: suite::Topology) -> suite::Topology {
        match self {
            #[cfg(target_os = "linux")]
            Env::Netns(live::NetnsOpts {
                target: Some(f), ..
            }) => f.apply(&t),
            #[cfg(target_os = "linux")]
            Env::Ifaces(o) => o.topology(&t),
            _ => t,
        }
    }

    /// How many cases may run at once: one IUT on named interfaces takes one at a time.
    fn jobs(&self, jobs: usize) -> usize {
        match self {
            #[cfg(target_os = "linux")]
            Env::Ifaces(_) => 1,
            _ => jobs.max(1),
        }
    }

    /// MIP6TEST_TARGET for hooks.
    fn target_name(&self, topo: &suite::Topology) -> String {
        match self {
            Env::Simulated => "simulated".into(),
            #[cfg(target_os = "linux")]
            Env::Netns(live::NetnsOpts {
                target: Some(f), ..
            }) => f.path.display().to_string(),
            #[cfg(target_os = "linux")]
            Env::Netns(_) => match topo.iut.role.value {
                Role::HomeAgent => "netns:ha".into(),
                _ => "netns:cn".into(),
            },
            #[cfg(target_os = "linux")]
            Env::Ifaces(o) => o.target.path.display().to_string(),
        }
    }
}

fn error_case(case: &suite::TestCase, what: String) -> CaseResult {
    error_case_lines(case, vec![what])
}

fn error_case_lines(case: &suite::TestCase, detail: Vec<String>) -> CaseResult {
    CaseResult::without_steps(case, Verdict::Error, detail)
}

/// What a suite's cases share: the suite, its topology, the hooks' environment.
struct SuiteRun<'a> {
    suite: &'a Suite,
    topo: &'a suite::Topology,
    env: &'a Env,
    hook_env: hooks::HookEnv,
    timeout: std::time::Duration,
    /// The IUT's time scale (profile or `--time-scale`).
    scale: f64,
    /// A SHOULD not met fails (the profile's `enforce_should`).
    enforce_should: bool,
}

impl SuiteRun<'_> {
    /// One applicable case: its dataplane, `before_each`, the steps, `after_each`.
    fn case(&self, case: &suite::TestCase) -> CaseResult {
        // The IUT configuration the suite and the test ask for, over the topology's.
        let configured;
        let topo = if self.suite.iut_config.is_none() && case.test.iut_config.is_none() {
            self.topo
        } else {
            configured = self
                .topo
                .with_iut_config(self.suite.iut_config.iter().chain(&case.test.iut_config));
            &configured
        };
        match self.env {
            Env::Simulated => {
                match SimDataplane::with_time_scale(topo, seed_of(&case.id), self.scale) {
                    Ok(dp) => self.with_hooks(topo, case, dp, None, Vec::new()),
                    Err(e) => error_case(case, format!("cannot build the simulated IUT: {e}")),
                }
            }
            #[cfg(target_os = "linux")]
            Env::Netns(o) => {
                let env = self.case_env(case);
                let o = live::NetnsOpts {
                    program: o.program.clone(),
                    stop: o.stop.clone(),
                    target: o.target.clone(),
                    time_scale: self.scale,
                };
                match live::NetnsDataplane::start(topo, seed_of(&case.id), &o, &env) {
                    // The dataplane (namespaces, node) is gone when with_hooks returns.
                    Ok(dp) => {
                        let ns = Some(dp.iut_namespace().to_string());
                        let ifaces = dp.iut_interfaces();
                        self.with_hooks(topo, case, dp, ns, ifaces)
                    }
                    Err(e) => error_case(case, format!("cannot start the IUT: {e}")),
                }
            }
            #[cfg(target_os = "linux")]
            Env::Ifaces(o) => {
                let env = self.case_env(case);
                let o = live::IfaceOpts {
                    target: o.target.clone(),
                    program: o.program.clone(),
                    stop: o.stop.clone(),
                    time_scale: self.scale,
                };
                match live::IfaceDataplane::new(topo, seed_of(&case.id), &o, &env) {
                    Ok(dp) => {
                        let topo = dp.topology(topo);
                        let ifaces = dp.iut_interfaces();
                        self.with_hooks(&topo, case, dp, None, ifaces)
                    }
                    Err(e) => error_case(case, format!("cannot reach the IUT: {e}")),
                }
            }
        }
    }

    #[cfg(target_os = "linux")]
    fn case_env(&self, case: &suite::TestCase) -> hooks::HookEnv {
        hooks::HookEnv {
            test: Some(case.id.clone()),
            ..self.hook_env.clone()
        }
    }

    fn with_hooks<D: dataplane::Dataplane>(
        &self,
        topo: &suite::Topology,
        case: &suite::TestCase,
        mut dp: D,
        netns: Option<String>,
        ifaces: Vec<(String, String)>,
    ) -> CaseResult {
        let env = hooks::HookEnv {
            test: Some(case.id.clone()),
            netns,
            ifaces,
            ..self.hook_env.clone()
        };
        let h = &self.suite.hooks;
        if let Some(cmd) = &h.before_each {
            if let Err(d) = hooks::run_hook("before_each", cmd, &env, self.timeout) {
                return error_case_lines(case, d);
            }
        }
        let mut r = run_case(
            self.suite,
            topo,
            case,
            &mut dp,
            self.scale,
            self.enforce_should,
        );
        if let Some(cmd) = &h.after_each {
            if let Err(d) = hooks::run_hook("after_each", cmd, &env, self.timeout) {
                r.warnings.push(d.join("; "));
                if r.verdict == Verdict::Pass {
                    r.verdict = Verdict::PassWithWarnings;
                }
            }
        }
        r
    }
}

/// A suite's topology, loaded.
fn suite_topology(suite: &Suite) -> Result<suite::Topology, HarnessError> {
    let tpath = suite
        .topology_path
        .clone()
        .ok_or_else(|| HarnessError::Usage(format!("{}: no topology", suite.path.display())))?;
    load_topology(&tpath).map_err(|ds| diags(&tpath, ds))
}

/// Runs every test case of one suite, each on a fresh dataplane, on `jobs` worker threads,
/// handing each result to `each` in the suite's order as soon as it and those before it are
/// done. `before_all` runs first (when it fails every applicable case is an error),
/// `after_all` last (a failure is a warning, printed on stderr). A live run stops with
/// [`HarnessError::Interrupted`] after the cases running when SIGINT/SIGTERM came (whose
/// results are not handed on).
fn run_suite_on(
    suite: &Suite,
    profile: &Profile,
    env: &Env,
    jobs: usize,
    scale: Option<f64>,
    filter: &Filter,
    each: &mut dyn FnMut(CaseResult) -> Result<(), HarnessError>,
) -> Result<(), HarnessError> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let topo = env.topology(suite_topology(suite)?);
    let mut cases = Vec::new();
    for t in suite.tests.iter().filter(|t| filter.test(&t.value)) {
        for case in expand(t).into_iter().filter(|c| filter.case(c)) {
            let appl = suite.applicability(t, profile);
            cases.push((case, appl));
        }
    }
    let run = SuiteRun {
        suite,
        topo: &topo,
        env,
        hook_env: hooks::HookEnv {
            suite: suite.suite.value.clone(),
            target: env.target_name(&topo),
            ..Default::default()
        },
        timeout: suite.hooks.timeout.unwrap_or(suite::Hooks::DEFAULT_TIMEOUT),
        scale: scale.unwrap_or(profile.timers.time_scale.value),
        enforce_should: profile.enforce_should,
    };
    let cases = &cases;
    let any_applicable = cases.iter().any(|(_, a)| a.is_ok());
    let mut before_all_failed = None;
    if any_applicable {
        if let Some(cmd) = &suite.hooks.before_all {
            if let Err(d) = hooks::run_hook("before_all", cmd, &run.hook_env, run.timeout) {
                before_all_failed = Some(d);
            }
        }
    }
    let one = |i: usize| -> CaseResult {
        let (case, appl) = &cases[i];
        match appl {
            Err(reason) => {
                CaseResult::without_steps(case, Verdict::NotApplicable, vec![reason.clone()])
            }
            Ok(()) => match &before_all_failed {
                Some(d) => error_case_lines(case, d.clone()),
                None => run.case(case),
            },
        }
    };
    let next = AtomicUsize::new(0);
    let halt = AtomicBool::new(false);
    let mut emitted = 0;
    let mut result = Ok(());
    std::thread::scope(|sc| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, CaseResult)>();
        for _ in 0..env.jobs(jobs).min(cases.len().max(1)) {
            let tx = tx.clone();
            let (next, halt, one) = (&next, &halt, &one);
            sc.spawn(move || loop {
                if halt.load(Ordering::SeqCst) || env.interrupted() {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= cases.len() {
                    return;
                }
                let r = one(i);
                if env.interrupted() || tx.send((i, r)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        for (i, r) in rx {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&emitted) {
                emitted += 1;
                if result.is_ok() {
                    result = each(r);
                    if result.is_err() {
                        halt.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
    });
    result?;
    if env.interrupted() || emitted < cases.len() {
        let what = cases
            .get(emitted)
            .map_or_else(|| "at the end".to_string(), |c| format!("at {}", c.0.id));
        return Err(HarnessError::Interrupted(format!("stopped {what}")));
    }
    if any_applicable && before_all_failed.is_none() {
        if let Some(cmd) = &suite.hooks.after_all {
            if let Err(d) = hooks::run_hook("after_all", cmd, &run.hook_env, run.timeout) {
                eprintln!("mip6test: warning: {}", d.join("; "));
            }
        }
    }
    Ok(())
}

/// The environment of a run on `target`: for a netns target, checks privileges, removes the
/// leftovers of dead runs and installs the SIGINT/SIGTERM handlers.
fn env_for(opts: &RunOpts, err: &mut dyn Write) -> Result<Env, HarnessError> {
    match &opts.target {
        Target::Simulated => Ok(Env::Simulated),
        #[cfg(target_os = "linux")]
        Target::Netns(_) => live::netns_opts(opts.program.clone(), None, err).map(Env::Netns),
        #[cfg(target_os = "linux")]
        Target::File(p) => Ok(
            match live::file_env(p, opts.program.clone(), opts.jobs, err)? {
                live::FileEnv::Netns(o) => Env::Netns(o),
                live::FileEnv::Ifaces(o) => Env::Ifaces(o),
            },
        ),
        #[cfg(not(target_os = "linux"))]
        Target::Netns(_) | Target::File(_) => Err(HarnessError::Usage(
            "live targets (--target netns:... or a target file) need Linux".into(),
        )),
    }
}

/// `mip6test run`: every test case of the suites, one line each (with the failure's details
/// under it), then the summary line; with [`RunOpts::out`], the output directory
/// (docs/results-json.md). `Ok` with the counts when everything ran (the caller exits 1
/// unless [`RunSummary::ok`]); a usage error when a suite or profile does not load. What was
/// recorded is written also when the run stops early.
pub fn run_command(
    opts: &RunOpts,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunSummary, HarnessError> {
    let started = Instant::now();
    let suites = load_suites(&opts.paths, err)?;
    let given = match &opts.profile {
        Some(p) => Some((p.clone(), load_profile(p).map_err(|ds| diags(p, ds))?)),
        None => None,
    };
    if let Some(s) = opts.time_scale {
        if !(s.is_finite() && s > 0.0) {
            return Err(HarnessError::Usage(format!(
                "--time-scale must be a positive number, not {s}"
            )));
        }
    }
    let env = env_for(opts, err)?;
    let total = suites.iter().map(|s| opts.filter.cases(s).len()).sum();
    let mut console = console::Console::new(opts.color, opts.progress, total);
    let mut rec = record::Recorder::new(&opts.target.to_string(), opts.out.as_deref())?;
    let r = run_all(
        opts,
        &suites,
        given.as_ref(),
        &env,
        &mut console,
        &mut rec,
        out,
        err,
    );
    let interrupted = matches!(r, Err(HarnessError::Interrupted(_)));
    rec.run.interrupted = interrupted;
    // Keep what was recorded, whatever stopped the run.
    let written = rec.write(true);
    let o = HarnessError::Output;
    console.clear(err).map_err(o)?;
    let sum = rec.run.summary;
    match r {
        Ok(()) => {}
        Err(HarnessError::Interrupted(m)) => {
            console.summary(out, &sum.line(), false).map_err(o)?;
            written?;
            return Err(HarnessError::Interrupted(format!(
                "{m}; namespaces and the node removed"
            )));
        }
        Err(e) => return Err(e),
    }
    written?;
    console.summary(out, &sum.line(), sum.ok()).map_err(o)?;
    out.flush().map_err(o)?;
    writeln!(
        err,
        "ran {} test cases in {:.2}s",
        sum.passed + sum.failed + sum.inconclusive + sum.errors,
        started.elapsed().as_secs_f64()
    )
    .map_err(o)?;
    if let Some(dir) = rec.out() {
        writeln!(
            err,
            "results in {}/ (results.json, junit.xml, report.html, pcap/)",
            dir.display()
        )
        .map_err(o)?;
    }
    Ok(sum)
}

/// The suites of a run, one after the other, into the record.
#[allow(clippy::too_many_arguments)]
fn run_all(
    opts: &RunOpts,
    suites: &[Suite],
    given: Option<&(PathBuf, Profile)>,
    env: &Env,
    console: &mut console::Console,
    rec: &mut record::Recorder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), HarnessError> {
    let o = HarnessError::Output;
    for s in suites {
        let selected = opts.filter.cases(s);
        if selected.is_empty() {
            continue;
        }
        console.clear(err).map_err(o)?;
        let heading = format!("# {} ({}): {}", s.suite.value, s.path.display(), s.title);
        console.suite(out, &heading).map_err(o)?;
        let topo = suite_topology(s).ok();
        if let Some(reason) = env.skip_reason(&opts.target, s) {
            {
                rec.suite(s, topo.as_ref(), None)?;
                for c in &selected {
                    let r = CaseResult::without_steps(c, Verdict::Skipped, vec![reason.clone()]);
                    console.case(out, &r).map_err(o)?;
                    rec.case(&r)?;
                }
            }
            continue;
        }
        let (ppath, profile) = match given {
            Some((p, prof)) => (p.clone(), prof.clone()),
            None => {
                let p = reference_profile_path(&s.path, s.role.value).ok_or_else(|| {
                    HarnessError::Usage(format!(
                        "{}: no built-in reference profile for a {} (give one with --profile FILE)",
                        s.path.display(),
                        s.role.value
                    ))
                })?;
                let prof = load_profile(&p).map_err(|ds| diags(&p, ds))?;
                (p, prof)
            }
        };
        rec.suite(
            s,
            topo.as_ref(),
            Some((profile.profile.value.clone(), &ppath)),
        )?;
        let next_ids: Vec<String> = selected.iter().map(|c| c.id.clone()).collect();
        let mut k = 0;
        console
            .draw(err, next_ids.first().map_or("", |x| x.as_str()))
            .map_err(o)?;
        let r = run_suite_on(
            s,
            &profile,
            env,
            opts.jobs,
            opts.time_scale,
            &opts.filter,
            &mut |r| {
                k += 1;
                console.clear(err).map_err(o)?;
                console.case(out, &r).map_err(o)?;
                out.flush().map_err(o)?;
                rec.case(&r)?;
                console
                    .draw(err, next_ids.get(k).map_or("", |x| x.as_str()))
                    .map_err(o)
            },
        );
        r?;
        // The reports so far, in case a later suite stops the run.
        rec.write(false)?;
    }
    Ok(())
}

/// Options of `mip6test list`.
#[derive(Debug, Clone, Default)]
pub struct ListOpts {
    pub paths: Vec<PathBuf>,
    pub filter: Filter,
}

/// Which test cases `run` and `list` take (all when empty).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only ids matching this glob (`*`, `?`).
    pub id: Option<String>,
    pub role: Option<Role>,
    /// Only tests with this tag.
    pub tag: Option<String>,
    /// Not the tests with any of these tags (`slow`).
    pub skip_tags: Vec<String>,
    /// Only tests citing this RFC, or this RFC section and its subsections: `6275`, `6275:9.5`.
    pub rfc: Option<String>,
}

impl Filter {
    /// Whether the suite can have selected cases.
    pub fn suite(&self, s: &Suite) -> bool {
        self.role.is_none_or(|r| r == s.role.value)
    }

    /// Whether the test can have selected cases.
    pub fn test(&self, t: &suite::Test) -> bool {
        if let Some(tag) = &self.tag {
            if !t.tags.contains(tag) {
                return false;
            }
        }
        if self.skip_tags.iter().any(|x| t.tags.contains(x)) {
            return false;
        }
        if let Some(f) = &self.rfc {
            let refs: Vec<(u32, &str)> = t
                .refs
                .value
                .iter()
                .map(|r| (r.value.rfc, r.value.section.0.as_str()))
                .collect();
            if !refs_match(f, &refs) {
                return false;
            }
        }
        true
    }

    /// Whether the case is selected (its suite and test being).
    pub fn case(&self, c: &suite::TestCase) -> bool {
        self.id.as_ref().is_none_or(|g| glob_match(g, &c.id))
    }

    /// The selected cases of a suite, in order.
    pub fn cases<'s>(&self, s: &'s Suite) -> Vec<suite::TestCase<'s>> {
        if !self.suite(s) {
            return Vec::new();
        }
        s.tests
            .iter()
            .filter(|t| self.test(&t.value))
            .flat_map(|t| expand(t))
            .filter(|c| self.case(c))
            .collect()
    }
}

/// Whether a test's references match an `RFC[:SECTION]` filter; a section matches itself and
/// its subsections (`9.5` matches `9.5` and `9.5.1`, not `9.50`).
pub fn refs_match(filter: &str, refs: &[(u32, &str)]) -> bool {
    let (rfc, section) = match filter.split_once(':') {
        Some((r, s)) => (r, Some(s)),
        None => (filter, None),
    };
    let rfc = rfc.trim().trim_start_matches("RFC").trim();
    refs.iter().any(|(n, sec)| {
        n.to_string() == rfc
            && section.is_none_or(|want| *sec == want || sec.starts_with(&format!("{want}.")))
    })
}

/// Whether `text` matches the glob `pat` (`*` any run, `?` one character).
pub fn glob_match(pat: &str, text: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `mip6test list`: the test case ids and titles of the suites, one per line.
pub fn list_command(
    opts: &ListOpts,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), HarnessError> {
    let suites = load_suites(&opts.paths, err)?;
    for s in &suites {
        for c in opts.filter.cases(s) {
            writeln!(out, "{}  {}", c.id, c.title).map_err(HarnessError::Output)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod rfc_filter_tests {
    use super::refs_match;

    #[test]
    fn rfc_and_section_filters() {
        let refs = [(6275, "9.5.1"), (3776, "4.1")];
        assert!(refs_match("6275", &refs));
        assert!(refs_match("RFC 3776", &refs));
        assert!(refs_match("6275:9.5", &refs));
        assert!(refs_match("6275:9.5.1", &refs));
        assert!(!refs_match("6275:9.5.1.2", &refs));
        assert!(!refs_match("6275:10", &refs));
        assert!(!refs_match("4877", &refs));
        assert!(!refs_match("6275:9.5", &[(6275, "9.50")]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("CN.*", "CN.RR.HOTI"));
        assert!(glob_match("*HOTI*", "CN.RR.HOTI[x=1]"));
        assert!(glob_match("CN.RR.HOT?", "CN.RR.HOTI"));
        assert!(!glob_match("HA.*", "CN.RR.HOTI"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn summary_line() {
        let s = RunSummary {
            passed: 42,
            not_applicable: 3,
            total: 45,
            ..Default::default()
        };
        assert_eq!(
            s.line(),
            "42 passed, 0 failed, 0 skipped; 3 not-applicable, 0 inconclusive, 0 errors"
        );
    }
}
