//! Suite hooks (`hooks: {before_all, before_each, after_each, after_all, timeout}`): shell
//! commands run with `sh -c` around a suite's test cases.
//!
//! Each hook gets MIP6TEST_SUITE (the suite id), MIP6TEST_TEST (the test case id; unset for
//! `before_all` / `after_all`), MIP6TEST_TARGET (`simulated`, `netns:cn`, `netns:ha` or the
//! target file), and where there is one MIP6TEST_NETNS (the IUT's network namespace, also
//! substituted for `{ns}` in the command) and MIP6TEST_IFACE_<LINK> (the interface on each
//! link: `MIP6TEST_IFACE_LINK0`). Its standard output goes to the harness's standard error;
//! the last lines of its standard error are shown when it fails. A hook that runs longer than
//! the timeout (default 30 s) is killed with its process group.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many lines of a failed hook's standard error are shown.
const STDERR_LINES: usize = 5;

/// What a hook is told about where it runs.
#[derive(Debug, Clone, Default)]
pub struct HookEnv {
    pub suite: String,
    /// The test case id (`before_each` / `after_each`).
    pub test: Option<String>,
    pub target: String,
    /// The IUT's network namespace, when it has one.
    pub netns: Option<String>,
    /// (link, interface) pairs.
    pub ifaces: Vec<(String, String)>,
}

impl HookEnv {
    /// The environment variables a hook gets.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("MIP6TEST_SUITE".to_string(), self.suite.clone()),
            ("MIP6TEST_TARGET".to_string(), self.target.clone()),
        ];
        if let Some(t) = &self.test {
            v.push(("MIP6TEST_TEST".into(), t.clone()));
        }
        if let Some(ns) = &self.netns {
            v.push(("MIP6TEST_NETNS".into(), ns.clone()));
        }
        for (link, iface) in &self.ifaces {
            let name: String = link
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            v.push((format!("MIP6TEST_IFACE_{name}"), iface.clone()));
        }
        v
    }
}

fn stdout_to_stderr() -> Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
            return Stdio::from(fd);
        }
    }
    Stdio::null()
}

/// Runs hook `which` (`before_each`...) with command `cmd`. `Err` holds the lines describing
/// the failure: the command, its exit status or the timeout, the last lines of its stderr.
pub fn run_hook(
    which: &str,
    cmd: &str,
    env: &HookEnv,
    timeout: Duration,
) -> Result<(), Vec<String>> {
    let cmd_text = match &env.netns {
        Some(ns) => cmd.replace("{ns}", ns),
        None => cmd.to_string(),
    };
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(&cmd_text)
        .envs(env.vars())
        .stdin(Stdio::null())
        .stdout(stdout_to_stderr())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        c.process_group(0);
    }
    let head = format!("{which} hook `{cmd_text}`");
    let mut child = c
        .spawn()
        .map_err(|e| vec![format!("{head} could not start: {e}")])?;
    let mut pipe = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(vec![format!("{head}: cannot wait for it: {e}")]),
        }
    };
    if status.is_none() {
        kill_group(&mut child);
        let _ = child.wait();
    }
    let stderr = reader.join().unwrap_or_default();
    let what = match status {
        Some(s) if s.success() => return Ok(()),
        Some(s) => match s.code() {
            Some(c) => format!("{head} exited with status {c}"),
            None => format!("{head} was killed by a signal ({s})"),
        },
        None => format!(
            "{head} timed out after {}s and was killed",
            timeout.as_secs_f64()
        ),
    };
    let text = String::from_utf8_lossy(&stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = vec![what];
    if !lines.is_empty() {
        out.push("its standard error ended with:".into());
        let from = lines.len().saturating_sub(STDERR_LINES);
        out.extend(lines[from..].iter().map(|l| format!("  {l}")));
    }
    Err(out)
}

/// Kills the hook's process group (the shell and whatever it started).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> HookEnv {
        HookEnv {
            suite: "s".into(),
            test: Some("T.1".into()),
            target: "simulated".into(),
            netns: None,
            ifaces: vec![("link-0".into(), "eth1".into())],
        }
    }

    #[test]
    fn success_and_environment() {
        let e = env();
        assert!(run_hook(
            "before_each",
            "test \"$MIP6TEST_TEST\" = T.1 && test \"$MIP6TEST_IFACE_LINK_0\" = eth1",
            &e,
            Duration::from_secs(5)
        )
        .is_ok());
    }

    #[test]
    fn failure_shows_status_and_stderr() {
        let e = env();
        let d = run_hook(
            "before_each",
            "echo one >&2; echo two >&2; exit 3",
            &e,
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(d[0].contains("exited with status 3"), "{d:?}");
        assert!(d.iter().any(|l| l.trim() == "two"), "{d:?}");
    }

    #[test]
    fn timeout_kills() {
        let e = env();
        let t = Instant::now();
        let d = run_hook("before_all", "sleep 5", &e, Duration::from_millis(200)).unwrap_err();
        assert!(d[0].contains("timed out"), "{d:?}");
        assert!(t.elapsed() < Duration::from_secs(3));
    }
}
