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
