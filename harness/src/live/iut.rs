//! [`IutProcess`]: the process of an implementation under test that the harness started for one
//! test case (`mip6test reference`, or a target file's `command`), in a process group of its
//! own so that it is stopped with everything it started.

use super::error::LiveError;
use super::sys;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long the IUT gets to exit after its stop signal before its group is killed.
const GRACE: Duration = Duration::from_secs(1);

/// The signal number of a name (`TERM`, `SIGINT`...): TERM for a name it does not know.
pub fn signal_number(name: &str) -> i32 {
    match name.trim_start_matches("SIG") {
        "INT" => libc::SIGINT,
        "HUP" => libc::SIGHUP,
        "QUIT" => libc::SIGQUIT,
        "KILL" => libc::SIGKILL,
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        _ => libc::SIGTERM,
    }
}

/// The last `n` non-blank lines of log file `path`, indented, after "its output ends:"; or a
/// note that there are none.
pub fn log_tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(n)..].join("\n    ");
    if tail.is_empty() {
        "(its output is empty)".into()
    } else {
        format!("its output ends:\n    {tail}")
    }
}

/// A running IUT: its standard output and error go to a log file; dropping it stops its whole
/// process group (the stop signal, up to a second, then SIGKILL) and reaps it.
#[derive(Debug)]
pub struct IutProcess {
    child: Option<Child>,
    what: String,
    log: PathBuf,
    stop_signal: i32,
    exited: Option<ExitStatus>,
}

impl IutProcess {
    /// Starts `cmd` in a new process group, its output appended to `log` (created).
    /// `what` names it in messages (`mip6test reference`, `` `sh -c ...` ``).
    pub fn spawn(
        cmd: &mut Command,
        what: String,
        log: &Path,
        stop_signal: i32,
    ) -> Result<IutProcess, LiveError> {
        let io = |what: String| move |e| LiveError::Io { what, source: e };
        let out = std::fs::File::create(log).map_err(io(format!("creating {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(io(format!("opening {}", log.display())))?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = cmd.spawn().map_err(io(format!("starting {what}")))?;
        Ok(IutProcess {
            child: Some(child),
            what,
            log: log.to_path_buf(),
            stop_signal,
            exited: None,
        })
    }

    /// The process id (also its process group's id).
    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// What was started, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The exit status once the process has ended, without waiting.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            if let Some(c) = self.child.as_mut() {
                self.exited = c.try_wait().ok().flatten();
            }
        }
        self.exited
    }

    /// The last `n` lines of its output, indented, or a note that there are none.
    pub fn log_tail(&self, n: usize) -> String {
        log_tail(&self.log, n)
    }

    /// The file its output goes to.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Stops the process group and reaps the process.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pgid = child.id();
        if child.try_wait().ok().flatten().is_none() {
            let _ = sys::signal_group(pgid, self.stop_signal);
            let end = Instant::now() + GRACE;
            while Instant::now() < end {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        // Whatever the process left in its group (a shell's children) goes too.
        let _ = sys::signal_group(pgid, libc::SIGKILL);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for IutProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
