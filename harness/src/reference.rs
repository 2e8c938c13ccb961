//! `mip6test reference`: runs a built-in reference node on real interfaces (AF_PACKET), so an
//! implementation can be tested against it, or the suites checked against it over veth.

use crate::error::HarnessError;
use mip6_reference::cn::{Cn, CnConfig};
use mip6_reference::config::IfaceConfig;
use mip6_reference::ha::{Ha, HaConfig};
use mip6_reference::Node;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which reference node to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Correspondent node (RFC 6275 §9).
    Cn,
    /// Home agent (RFC 6275 §10).
    Ha,
}

/// What `mip6test reference` was asked to do.
#[derive(Debug, Clone)]
pub struct ReferenceOpts {
    pub role: Role,
    /// Interface names, in the node's interface order.
    pub ifaces: Vec<String>,
    /// A YAML file with the node's configuration (`CnConfig` / `HaConfig`).
    pub config: Option<PathBuf>,
}

/// Reads a node configuration from YAML, with the file name in every error.
pub fn load_config<T: DeserializeOwned>(path: &Path) -> Result<T, HarnessError> {
    let text = std::fs::read_to_string(path).map_err(|source| HarnessError::Input {
        path: path.to_path_buf(),
        source,
    })?;
    serde_saphyr::from_str(&text).map_err(|e| HarnessError::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Checks that the configuration's interfaces are exactly the ones named on the command line
/// and returns their names in the configuration's order (the node's interface indices).
fn interface_order(
    cfg_ifaces: &[IfaceConfig],
    cli: &[String],
    path: &Path,
) -> Result<Vec<String>, HarnessError> {
    let cfg: Vec<&str> = cfg_ifaces.iter().map(|i| i.name.as_str()).collect();
    let missing: Vec<&str> = cli
        .iter()
        .map(String::as_str)
        .filter(|n| !cfg.contains(n))
        .collect();
    let extra: Vec<&str> = cfg
        .iter()
        .copied()
        .filter(|n| !cli.iter().any(|c| c == n))
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(HarnessError::Config {
            path: path.to_path_buf(),
            message: format!(
                "the configuration's interfaces ({}) must be the ones given with --iface ({}){}{}",
                cfg.join(", "),
                cli.join(", "),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("; not configured: {}", missing.join(", "))
                },
                if extra.is_empty() {
                    String::new()
                } else {
                    format!("; configured but not given: {}", extra.join(", "))
                },
            ),
        });
    }
    Ok(cfg.iter().map(|s| s.to_string()).collect())
}

/// Interfaces named on the command line with their own MACs and link-local addresses only
/// (used when no configuration file is given).
#[cfg(target_os = "linux")]
fn discover(ifaces: &[String]) -> Result<Vec<IfaceConfig>, HarnessError> {
    ifaces
        .iter()
        .map(|name| {
            let sock = crate::live::AfPacket::open(name)?;
            Ok(IfaceConfig {
                name: name.clone(),
                mac: sock.mac(),
                addrs: Vec::new(),
                default_router: None,
            })
        })
        .collect()
}

/// Builds the node for `opts`: from the configuration file, or from the interfaces alone.
#[cfg(target_os = "linux")]
pub fn build_node(opts: &ReferenceOpts) -> Result<(Box<dyn Node>, Vec<String>), HarnessError> {
    if opts.ifaces.is_empty() {
        return Err(HarnessError::Usage(
            "name at least one interface with --iface".into(),
        ));
    }
    Ok(match (opts.role, &opts.config) {
        (Role::Cn, Some(p)) => {
            let cfg: CnConfig = load_config(p)?;
            let order = interface_order(&cfg.interfaces, &opts.ifaces, p)?;
            (Box::new(Cn::new(cfg)), order)
        }
        (Role::Ha, Some(p)) => {
            let cfg: HaConfig = load_config(p)?;
            let order = interface_order(&cfg.interfaces, &opts.ifaces, p)?;
            let ha = Ha::new(cfg).map_err(|e| HarnessError::Config {
                path: p.clone(),
                message: e.to_string(),
            })?;
            (Box::new(ha), order)
        }
        (Role::Cn, None) => (
            Box::new(Cn::new(CnConfig::new(discover(&opts.ifaces)?))),
            opts.ifaces.clone(),
        ),
        (Role::Ha, None) => {
            return Err(HarnessError::Usage(
                "a home agent needs its home prefix and address: give them with --config FILE \
                 (see reference/README.md)"
                    .into(),
            ))
        }
    })
}

/// Turns the kernel's IPv6 off on interfaces the user named for the node, and back on when
/// dropped: the node owns the whole IPv6 stack there (this kernel has no Mobile IPv6, so it
/// would answer ND and ICMPv6 next to the node and reject Mobility Headers).
#[cfg(target_os = "linux")]
struct KernelIpv6Off {
    restore: Vec<String>,
}

#[cfg(target_os = "linux")]
impl KernelIpv6Off {
    fn take(ifaces: &[String], log: &mut dyn Write) -> Result<Self, HarnessError> {
        let mut guard = KernelIpv6Off {
            restore: Vec::new(),
        };
        for name in ifaces {
            if crate::live::kernel_ipv6_enabled(name)? {
                crate::live::set_kernel_ipv6(name, false)?;
                let _ = writeln!(
                    log,
                    "mip6test reference: kernel IPv6 turned off on {name} while the node runs                      (turned back on at exit; its kernel addresses are reconfigured then)"
                );
                guard.restore.push(name.clone());
            }
        }
        Ok(guard)
    }
}

#[cfg(target_os = "linux")]
impl Drop for KernelIpv6Off {
    fn drop(&mut self) {
        for name in &self.restore {
            if let Err(e) = crate::live::set_kernel_ipv6(name, true) {
                eprintln!(
                    "mip6test reference: could not turn the kernel's IPv6 back on for {name}: {e}; \
                     run `sysctl -w net.ipv6.conf.{name}.disable_ipv6=0`"
                );
            }
        }
    }
}

/// Runs the reference node until SIGINT/SIGTERM, logging its events to `log` one per line.
/// The kernel's IPv6 is off on the node's interfaces meanwhile (see [`KernelIpv6Off`]).
#[cfg(target_os = "linux")]
pub fn run_reference(opts: &ReferenceOpts, log: &mut dyn Write) -> Result<(), HarnessError> {
    let (mut node, order) = build_node(opts)?;
    let _kernel_off = KernelIpv6Off::take(&order, log)?;
    let _ = writeln!(
        log,
        "mip6test reference: {} on {} (Ctrl-C stops)",
        match opts.role {
            Role::Cn => "correspondent node",
            Role::Ha => "home agent",
        },
        order.join(", ")
    );
    crate::live::run_reference(node.as_mut(), &order, |e| {
        let _ = writeln!(log, "{e}");
    })?;
    Ok(())
}
