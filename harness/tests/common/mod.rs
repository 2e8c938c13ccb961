//! Helpers shared by the integration tests that use external tools (tshark, text2pcap, editcap).
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool_present(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Whether the tools are there. Without them the test fails when `CI` is set (CI installs them)
/// and is skipped with a visible line otherwise; `what` names the test in that line.
pub fn tools_or_skip(what: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !tool_present(t)).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("tshark is required in CI (apt-get install tshark); missing: {missing:?}");
    }
    // Straight to the process's stderr: the test harness captures eprintln! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {what}: {} not found on PATH (apt-get install tshark)",
        missing.join(", ")
    );
    false
}

/// A directory under the system temporary directory, removed when dropped (also on failure).
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

/// The workspace root (suites are addressed relative to it).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The built `mip6test` with `args`, run from the workspace root, no standard input.
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mip6test"));
    c.args(args)
        .current_dir(workspace())
        .stdin(std::process::Stdio::null());
    c
}

/// Runs `mip6test` with `args` and returns what it printed.
pub fn mip6test(args: &[&str]) -> std::process::Output {
    command(args).output().expect("mip6test runs")
}

/// Standard output then standard error, for assertion messages.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Whether the test may create namespaces and AF_PACKET sockets; otherwise it says it is
/// skipped (visibly: straight to stderr) and the caller returns.
#[cfg(target_os = "linux")]
pub fn root_or_skip(test: &str) -> bool {
    if mip6_harness::live::is_root() {
        return true;
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs root (network namespaces and AF_PACKET)"
    );
    false
}
