//! Errors of the live dataplane. Each message says what went wrong and what to do about it.

use std::fmt;
use std::io;

/// Why a live operation (socket, namespace, veth, child process, driver) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum LiveError {
    /// No interface of that name (in that namespace, or in the harness's own).
    NoInterface { name: String, netns: Option<String> },
    /// No network namespace of that name.
    NoNamespace { name: String },
    /// The operation needs privileges the process lacks.
    NotPermitted {
        /// What was attempted, e.g. "opening an AF_PACKET socket on eth1".
        what: String,
        /// How to get the privilege.
        fix: &'static str,
    },
    /// The interface is not Ethernet (its hardware type is given); mip6test sends and
    /// receives Ethernet II frames only.
    NotEthernet { name: String, hw_type: u16 },
    /// A name (interface, namespace label) that the kernel or the harness would refuse.
    InvalidName { name: String, reason: &'static str },
    /// A required program is not installed.
    ToolMissing {
        program: &'static str,
        package: &'static str,
    },
    /// An external command (`ip ...`) failed.
    Command {
        command: String,
        status: Option<i32>,
        stderr: String,
    },
    /// A system call failed for a reason not covered above.
    Io {
        /// What was attempted, e.g. "receiving on link0".
        what: String,
        source: io::Error,
    },
    /// A node's interfaces and the sockets handed to the driver do not line up.
    InterfaceCount { node: Vec<String>, sockets: usize },
    /// A target file maps a suite link to an interface this host does not have.
    TargetInterface {
        file: std::path::PathBuf,
        link: String,
        name: String,
    },
}

impl LiveError {
    /// The process exit code for this error: always an environment error.
    pub fn exit_code(&self) -> i32 {
        crate::exit::ENVIRONMENT
    }

    /// Maps an `io::Error` of an operation on interface `name` to the most specific variant.
    pub(crate) fn from_io(
        what: impl Into<String>,
        iface: Option<(&str, Option<&str>)>,
        e: io::Error,
        privilege_fix: &'static str,
    ) -> LiveError {
        let what = what.into();
        match (e.raw_os_error(), iface) {
            (Some(libc::ENODEV), Some((name, netns))) => LiveError::NoInterface {
                name: name.to_string(),
                netns: netns.map(str::to_string),
            },
            (Some(libc::EPERM) | Some(libc::EACCES), _) => LiveError::NotPermitted {
                what,
                fix: privilege_fix,
            },
            _ => LiveError::Io { what, source: e },
        }
    }
}

/// The fix for a missing CAP_NET_RAW.
pub(crate) const FIX_NET_RAW: &str =
    "AF_PACKET needs root or CAP_NET_RAW: run as root or `setcap cap_net_raw+ep` on the binary";
/// The fix for a missing CAP_SYS_ADMIN / CAP_NET_ADMIN.
pub(crate) const FIX_NETNS: &str =
    "network namespaces and veth pairs need root (CAP_SYS_ADMIN and CAP_NET_ADMIN): run as root";

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::NoInterface { name, netns: None } => {
                write!(f, "no interface named {name}; list them with `ip link`")
            }
            LiveError::NoInterface {
                name,
                netns: Some(ns),
            } => write!(
                f,
                "no interface named {name} in network namespace {ns}; list them with `ip -n {ns} link`"
            ),
            LiveError::NoNamespace { name } => write!(
                f,
                "no network namespace named {name}; list them with `ip netns list`"
            ),
            LiveError::NotPermitted { what, fix } => write!(f, "{what}: not permitted. {fix}"),
            LiveError::NotEthernet { name, hw_type } => write!(
                f,
                "interface {name} is not Ethernet (hardware type {hw_type}, see `ip -d link show {name}`); \
                 mip6test sends Ethernet II frames: name an Ethernet or veth interface"
            ),
            LiveError::InvalidName { name, reason } => write!(f, "invalid name {name:?}: {reason}"),
            LiveError::ToolMissing { program, package } => write!(
                f,
                "the `{program}` command was not found: install it (Debian/Ubuntu: `apt-get install {package}`)"
            ),
            LiveError::Command {
                command,
                status,
                stderr,
            } => {
                write!(f, "`{command}` failed")?;
                match status {
                    Some(c) => write!(f, " (exit status {c})")?,
                    None => write!(f, " (killed by a signal)")?,
                }
                let stderr = stderr.trim();
                if !stderr.is_empty() {
                    write!(f, ": {stderr}")?;
                }
                if stderr.contains("Operation not permitted") || stderr.contains("Permission denied")
                {
                    write!(f, ". {FIX_NETNS}")?;
                } else if stderr.contains("File exists") {
                    write!(
                        f,
                        ". A leftover of an earlier run? `mip6test` removes those of dead runs at start; \
                         list them with `ip netns list` and `ip link`"
                    )?;
                }
                Ok(())
            }
            LiveError::Io { what, source } => write!(
                f,
                "{what}: {source}. Check the interface with `ip link` and that nothing else removed it"
            ),
            LiveError::TargetInterface { file, link, name } => write!(
                f,
                "{}: link {link} is mapped to interface {name}, which this host does not have; \
                 list the interfaces with `ip link` and correct `interfaces:` in the target file \
                 (mip6test uses only the interfaces named there)",
                file.display()
            ),
            LiveError::InterfaceCount { node, sockets } => write!(
                f,
                "the node has {} interface(s) ({}) but {sockets} were opened: name one interface per node interface, in that order",
                node.len(),
                node.join(", ")
            ),
        }
    }
}

impl std::error::Error for LiveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LiveError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
