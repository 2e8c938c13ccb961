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

/// `dir/testsuites/` with the workspace's topologies and profiles copied in: a tree for
/// scratch suites, which find their topology and the reference profiles there.
pub fn scratch_testsuites(dir: &Path) -> PathBuf {
    let ts = dir.join("testsuites");
    for sub in ["topologies", "profiles"] {
        std::fs::create_dir_all(ts.join(sub)).expect("create the scratch tree");
        for e in
            std::fs::read_dir(workspace().join("testsuites").join(sub)).expect("read testsuites")
        {
            let e = e.expect("directory entry");
            std::fs::copy(e.path(), ts.join(sub).join(e.file_name())).expect("copy");
        }
    }
    ts
}

/// A scratch copy of one CN suite of testsuites/rfc6275/cn, edited by `edit`, with the shared
/// CN fixtures it may use, in the scratch tree `ts` (from [`scratch_testsuites`]).
#[allow(dead_code)]
pub fn scratch_cn_suite(ts: &Path, name: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
    let cn = workspace().join("testsuites/rfc6275/cn");
    std::fs::create_dir_all(ts.join("cn/fixtures")).expect("create the scratch tree");
    for e in std::fs::read_dir(cn.join("fixtures")).expect("read the CN fixtures") {
        let e = e.expect("directory entry");
        std::fs::copy(e.path(), ts.join("cn/fixtures").join(e.file_name())).expect("copy");
    }
    let text = std::fs::read_to_string(cn.join(name)).expect("read the suite");
    let file = ts.join("cn").join(name);
    std::fs::write(&file, edit(text)).expect("write the suite");
    file
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

// What a live run of process `pid` leaves behind (it must leave nothing).

/// The harness namespaces of process `pid` (`mip6t-<pid>-...`).
pub fn namespaces_of(pid: u32) -> Vec<String> {
    let out = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(&format!("mip6t-{pid}-")))
        .map(str::to_string)
        .collect()
}

/// Processes whose command line mentions the run's files (`mip6test-<pid>-...`): the IUTs
/// (reference nodes or target commands) a run of `pid` started.
pub fn nodes_of(pid: u32) -> Vec<String> {
    let tag = format!("mip6test-{pid}-");
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            cmd.contains(&tag).then_some(cmd)
        })
        .collect()
}

/// Files the run of `pid` left in the temporary directory.
pub fn files_of(pid: u32) -> Vec<PathBuf> {
    let tag = format!("mip6test-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&tag))
        })
        .collect()
}

pub fn assert_clean(pid: u32) {
    assert_eq!(namespaces_of(pid), Vec::<String>::new(), "namespaces left");
    assert_eq!(nodes_of(pid), Vec::<String>::new(), "IUT processes left");
    assert_eq!(files_of(pid), Vec::<PathBuf>::new(), "files left");
}
