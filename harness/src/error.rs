//! Errors of the harness commands, each mapped to a documented exit code ([`crate::exit`]).

use mip6_reports::pcap::CaptureError;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a command could not do (all of) its work.
#[derive(Debug)]
#[non_exhaustive]
pub enum HarnessError {
    /// An input file could not be opened or read.
    Input { path: PathBuf, source: io::Error },
    /// A capture file is not a capture, or is damaged after `frames_read` good frames (which
    /// the command has already printed).
    Capture {
        path: PathBuf,
        error: CaptureError,
        frames_read: usize,
    },
    /// Writing the output failed (a full disk, a closed pipe).
    Output(io::Error),
    /// A report file (results.json, junit.xml, report.html, a capture) could not be written.
    Report { path: PathBuf, source: io::Error },
    /// The command line asks for something that cannot be done as given.
    Usage(String),
    /// A configuration file is not what the command needs (the message names the field).
    Config { path: PathBuf, message: String },
    /// The live dataplane could not run: privileges, interfaces, namespaces.
    #[cfg(target_os = "linux")]
    Live(crate::live::LiveError),
    /// SIGINT or SIGTERM stopped a live run (after it removed what it created); the message
    /// says how far it got.
    Interrupted(String),
}

#[cfg(target_os = "linux")]
impl From<crate::live::LiveError> for HarnessError {
    fn from(e: crate::live::LiveError) -> Self {
        HarnessError::Live(e)
    }
}

impl HarnessError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            HarnessError::Input { .. }
            | HarnessError::Capture { .. }
            | HarnessError::Usage(_)
            | HarnessError::Config { .. } => crate::exit::USAGE,
            HarnessError::Output(_)
            | HarnessError::Report { .. }
            | HarnessError::Interrupted(_) => crate::exit::ENVIRONMENT,
            #[cfg(target_os = "linux")]
            HarnessError::Live(e) => e.exit_code(),
        }
    }

    /// Whether the error is only the reader of our output going away (`mip6test decode f | head`),
    /// which a command-line tool should not report.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, HarnessError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Input { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            HarnessError::Capture {
                path,
                error,
                frames_read,
            } => {
                write!(f, "{}: {error}", path.display())?;
                if *frames_read > 0 {
                    write!(
                        f,
                        " (after {frames_read} good frame{})",
                        if *frames_read == 1 { "" } else { "s" }
                    )?;
                }
                Ok(())
            }
            HarnessError::Output(e) => write!(f, "cannot write the output: {e}"),
            HarnessError::Report { path, source } => write!(
                f,
                "cannot write {}: {source} (choose another directory with --out DIR)",
                path.display()
            ),
            HarnessError::Usage(m) => write!(f, "{m}"),
            HarnessError::Config { path, message } => write!(f, "{}: {message}", path.display()),
            HarnessError::Interrupted(m) => write!(f, "interrupted: {m}"),
            #[cfg(target_os = "linux")]
            HarnessError::Live(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HarnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HarnessError::Input { source, .. } => Some(source),
            HarnessError::Capture { error, .. } => Some(error),
            HarnessError::Output(e) => Some(e),
            HarnessError::Report { source, .. } => Some(source),
            HarnessError::Usage(_) | HarnessError::Config { .. } | HarnessError::Interrupted(_) => {
                None
            }
            #[cfg(target_os = "linux")]
            HarnessError::Live(e) => Some(e),
        }
    }
}
