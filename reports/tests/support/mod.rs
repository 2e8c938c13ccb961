//! External checks of the report files, shared by the reports crate's tests and the harness's
//! end-to-end test (`#[path]`-included there): xmllint against the committed JUnit XSD, the
//! `junitparser` Python package, headless Chromium, tshark.
//!
//! A missing tool skips the check with a visible line, except when `CI` is set: CI installs
//! them (ci/test.sh), so there a missing tool fails the test.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The reports crate's directory.
pub fn crate_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR is the including crate's: find the workspace root from it.
    let mut d = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !d.join("reports").join("Cargo.toml").exists() {
        if !d.pop() {
            panic!("no reports/ above {}", env!("CARGO_MANIFEST_DIR"));
        }
    }
    d.join("reports")
}

/// The JUnit schema the reports are validated against.
pub fn junit_xsd() -> PathBuf {
    crate_dir().join("tests/data/junit.xsd")
}

/// Where CI keeps files for people to look at (the report screenshot):
/// `target/ci-artifacts/` of the workspace (or `CARGO_TARGET_DIR`).
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().parent().unwrap().join("target"));
    let d = target.join("ci-artifacts");
    std::fs::create_dir_all(&d).expect("create target/ci-artifacts");
    d
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether `program args` runs and exits 0.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Whether a tool is there; when it is not: a failure in CI, a visible skip line otherwise.
/// `install` says how to get it.
pub fn require(what: &str, tool: &str, present: bool, install: &str) -> bool {
    if present {
        return true;
    }
    if in_ci() {
        panic!("{what}: {tool} is required in CI ({install})");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {what}: {tool} not found ({install})"
    );
    false
}

pub fn have_xmllint(what: &str) -> bool {
    require(
        what,
        "xmllint",
        runs("xmllint", &["--version"]),
        "apt-get install libxml2-utils",
    )
}

pub fn have_junitparser(what: &str) -> bool {
    require(
        what,
        "python3 with junitparser",
        runs("python3", &["-c", "import junitparser"]),
        "pip install junitparser",
    )
}

/// The Chromium binary: `CHROMIUM` if set, else `chromium` or `chromium-browser` on PATH.
pub fn chromium() -> Option<String> {
    if let Some(c) = std::env::var_os("CHROMIUM") {
        return Some(c.to_string_lossy().into_owned());
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| runs(c, &["--version"]))
        .map(str::to_string)
}

pub fn have_chromium(what: &str) -> bool {
    require(
        what,
        "chromium",
        chromium().is_some(),
        "apt-get install chromium",
    )
}

pub fn have_tshark(what: &str) -> bool {
    require(
        what,
        "tshark",
        runs("tshark", &["--version"]),
        "apt-get install tshark",
    )
}

/// `xmllint --noout --schema junit.xsd FILE`: Ok, or what xmllint said.
pub fn xmllint_junit(file: &Path) -> Result<(), String> {
    let o = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(junit_xsd())
        .arg(file)
        .output()
        .expect("run xmllint");
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// Reads junit.xml with the `junitparser` package and returns what it saw, one line per test
/// case: `suite\tclassname\tname\tresult\tmessage\tsystem-out` (result: pass, failure, error,
/// skipped), after a first line `totals tests failures errors skipped`.
pub fn junitparser(file: &Path) -> Vec<String> {
    const SCRIPT: &str = r#"
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
t = f = e = s = 0
lines = []
for suite in xml:
    t += suite.tests; f += suite.failures; e += suite.errors; s += suite.skipped
    for case in suite:
        kind = 'pass'
        msg = ''
        for r in case.result:
            if isinstance(r, Failure): kind = 'failure'
            elif isinstance(r, Error): kind = 'error'
            elif isinstance(r, Skipped): kind = 'skipped'
            msg = r.message or ''
        out = (case.system_out or '').replace('\n', '\\n')
        lines.append('\t'.join([suite.name, case.classname or '', case.name, kind, msg.replace('\n', '\\n'), out]))
print('totals', t, f, e, s)
for l in lines: print(l)
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(file)
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "junitparser could not read {}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// What headless Chromium made of a page.
#[derive(Debug)]
pub struct Rendered {
    /// The DOM after the page's scripts ran (`--dump-dom`).
    pub dom: String,
    /// Chromium's log lines about the page: console messages (`CONSOLE`), script errors, blocked
    /// loads (the page's Content-Security-Policy reports any request it blocks).
    pub console: Vec<String>,
}

impl Rendered {
    /// Console messages, script errors and blocked requests: the report logs nothing, so any
    /// is a defect of the page.
    pub fn problems(&self) -> Vec<&String> {
        self.console.iter().collect()
    }
}

fn chromium_cmd(profile: &Path) -> Command {
    let mut c = Command::new(chromium().expect("chromium"));
    c.arg("--headless")
        .arg("--disable-gpu")
        .arg("--no-sandbox")
        .arg("--no-first-run")
        .arg("--no-default-browser-check")
        .arg("--disable-extensions")
        .arg("--disable-background-networking")
        .arg("--disable-component-update")
        .arg("--disable-sync")
        .arg("--disable-dev-shm-usage")
        .arg("--hide-scrollbars")
        .arg("--enable-logging=stderr")
        .arg("--v=0")
        .arg(format!("--user-data-dir={}", profile.display()))
        .stdin(Stdio::null());
    c
}

/// The page's console lines in Chromium's stderr log.
fn console_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                || l.contains(":INFO:CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Refused to")
                || l.contains("Content Security Policy")
        })
        .map(str::to_string)
        .collect()
}

/// Loads `file` (with an optional `?query`) in headless Chromium, returns the DOM after the
/// scripts ran and the console lines. With `screenshot`, also saves a 1280×2000 screenshot.
pub fn chromium_render(file: &Path, query: &str, screenshot: Option<&Path>) -> Rendered {
    let abs = std::fs::canonicalize(file).expect("page exists");
    let url = format!("file://{}{query}", abs.display());
    let profile = abs.with_extension(format!("chromium-profile-{}", std::process::id()));
    let o = chromium_cmd(&profile)
        .arg("--virtual-time-budget=5000")
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "chromium --dump-dom {url} failed: {stderr}"
    );
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut console = console_lines(&stderr);
    if let Some(png) = screenshot {
        let o = chromium_cmd(&profile)
            .arg("--window-size=1280,2000")
            .arg(format!("--screenshot={}", png.display()))
            .arg(&url)
            .output()
            .expect("run chromium");
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "chromium --screenshot failed: {stderr}");
        assert!(png.exists(), "no screenshot at {}: {stderr}", png.display());
        console.extend(console_lines(&stderr));
    }
    let _ = std::fs::remove_dir_all(&profile);
    Rendered { dom, console }
}

/// The packet comments tshark reads from a capture, one entry per packet (comments of one
/// packet joined by `,` as tshark prints them).
pub fn tshark_comments(file: &Path) -> Vec<String> {
    // Wireshark 3.6+ names the field frame.comment; older versions pkt_comment.
    for field in ["frame.comment", "pkt_comment"] {
        let o = Command::new("tshark")
            .arg("-r")
            .arg(file)
            .args(["-T", "fields", "-e", field])
            .output()
            .expect("run tshark");
        if o.status.success() {
            return String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect();
        }
    }
    panic!("tshark could not read the comments of {}", file.display());
}

/// A directory under the system temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("mip6test-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temporary directory");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
