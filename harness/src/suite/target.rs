//! Target files (docs/targets.md): where `mip6test run --target FILE` finds the
//! implementation under test.
//!
//! Two kinds, told apart by `interfaces:`:
//! * **netns** (no `interfaces:`): the harness builds network namespaces and veth pairs for
//!   every test case, exactly as for `--target netns:cn|ha`, and starts `command` (`sh -c`,
//!   inside the IUT's namespace) instead of the built-in reference; without `command` the
//!   built-in reference runs.
//! * **interfaces** (`interfaces: {link0: eth1}`): each suite link is an existing interface of
//!   this host, wired to the IUT. The harness sends and receives there only and creates,
//!   deletes or reconfigures nothing; `command` (optional, run in the harness's own namespace)
//!   starts the IUT for each test case, `reset` (optional) puts a long-running IUT back to its
//!   initial state before each test case.
//!
//! Commands may hold placeholders, replaced before they run: `{iface:LINK}` (the IUT-side
//! interface of suite link LINK in a netns target; the named interface in an interfaces
//! target), `{iface}` (the same when the topology has one link), `{mac:LINK}` / `{mac}` (the
//! IUT's MAC on the link), `{config}` (a `mip6test reference --config` file the harness writes
//! for the topology's IUT), `{mip6test}` (this executable), `{role}` (`cn`, `ha`...). A `{` after
//! `$` (`${VAR}`) and braces around anything else (`awk '{print $1}'`) are left alone.

use super::diag::{suggest, with_suggestion, Diagnostic, Loc};
use super::model::Role;
use super::values::{de_opt_duration, DurationText, Located, MacAddr, Prefix};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A target file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// The target's name, for people (MIP6TEST_TARGET is the file's path).
    pub target: Located<String>,
    pub title: Option<String>,
    /// The IUT's role: suites for other roles are skipped.
    pub role: Located<Role>,
    /// Existing interfaces of this host, by suite link: `{link0: eth1}`. With it the harness
    /// only sends and receives on them (suites with a link not listed are skipped); without it
    /// the harness builds network namespaces for every test case.
    pub interfaces: Option<Located<BTreeMap<String, Located<String>>>>,
    /// Shell command (`sh -c`) that starts the IUT for every test case; stopped when the case
    /// ends. Netns targets run it inside the IUT's namespace (default: the built-in reference
    /// node); interfaces targets in the harness's own namespace (default: nothing is started,
    /// the IUT runs already).
    pub command: Option<Located<String>>,
    /// When the IUT is ready for a test case.
    #[serde(default)]
    pub ready: Ready,
    /// The signal that stops `command`'s process group (default TERM; KILL follows after 1s).
    pub stop_signal: Option<Located<String>>,
    /// Shell command run before every test case (after `command` started, before the
    /// readiness checks), e.g. to clear the bindings of a long-running IUT. A failure or a
    /// timeout makes the case an error.
    pub reset: Option<Located<String>>,
    /// Netns targets: leave the kernel's IPv6 on the IUT's interfaces, for an IUT that uses
    /// the kernel's stack (default false: off, for a userspace node like the reference).
    pub kernel_ipv6: Option<Located<bool>>,
    /// How long `reset` may run (default 30s).
    #[serde(default, deserialize_with = "de_opt_duration")]
    #[schemars(with = "Option<DurationText>")]
    pub reset_timeout: Option<Duration>,
    /// Where the IUT differs from the topology's `iut:` section, by link: its MAC, link-local
    /// address, address, prefix. In an interfaces target a MAC not given here is learned from
    /// the IUT's answer to the readiness probe.
    #[serde(default)]
    pub iut: BTreeMap<String, Located<IutOverride>>,
    /// The file it was read from (set by the loader).
    #[serde(skip)]
    #[schemars(skip)]
    pub path: PathBuf,
}

/// When the IUT is ready: all the given conditions, in this order, within `timeout`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ready {
    /// Wait this long after `command` started.
    #[serde(default, deserialize_with = "de_opt_duration")]
    #[schemars(with = "Option<DurationText>")]
    pub wait: Option<Duration>,
    /// Wait until this file exists (placeholders allowed; removed before `command` starts).
    pub file: Option<Located<String>>,
    /// Probe each IUT link with a duplicate address detection Neighbor Solicitation for the
    /// IUT's address until it answers (default true; the answer gives the IUT's MAC).
    pub probe: Option<bool>,
    /// How long the IUT gets to become ready (default 10s).
    #[serde(default, deserialize_with = "de_opt_duration")]
    #[schemars(with = "Option<DurationText>")]
    pub timeout: Option<Duration>,
}

impl Ready {
    /// How long the IUT gets unless `timeout:` says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT)
    }

    pub fn probe(&self) -> bool {
        self.probe.unwrap_or(true)
    }
}

/// The IUT's interface on one link, where it differs from the topology.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IutOverride {
    pub mac: Option<MacAddr>,
    pub ll: Option<Ipv6Addr>,
    pub addr: Option<Ipv6Addr>,
    pub prefix: Option<Prefix>,
}

/// The signals `stop_signal` may name.
pub const SIGNALS: [&str; 7] = ["TERM", "INT", "HUP", "QUIT", "KILL", "USR1", "USR2"];

/// The placeholder names commands may use.
pub const PLACEHOLDERS: [&str; 5] = ["iface", "mac", "config", "mip6test", "role"];

impl TargetFile {
    /// Whether the harness builds namespaces (no `interfaces:`).
    pub fn is_netns(&self) -> bool {
        self.interfaces.is_none()
    }

    /// The interface named for `link` (interfaces targets).
    pub fn interface(&self, link: &str) -> Option<&str> {
        self.interfaces
            .as_ref()
            .and_then(|m| m.value.get(link))
            .map(|i| i.value.as_str())
    }

    /// The stop signal's name without `SIG` (default `TERM`).
    pub fn stop_signal(&self) -> &str {
        self.stop_signal
            .as_ref()
            .map_or("TERM", |s| s.value.trim_start_matches("SIG"))
    }

    /// The topology's links this target has no interface for (none for a netns target).
    pub fn unmapped_links<'a>(&self, links: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        match &self.interfaces {
            None => Vec::new(),
            Some(m) => links
                .into_iter()
                .filter(|l| !m.value.contains_key(*l))
                .map(str::to_string)
                .collect(),
        }
    }

    /// The topology with this target's `iut:` overrides applied.
    pub fn apply(&self, t: &super::Topology) -> super::Topology {
        let mut t = t.clone();
        for (link, o) in &self.iut {
            if let Some(i) = t.iut.interfaces.get_mut(link) {
                let i = &mut i.value;
                if let Some(m) = o.mac {
                    i.mac = Some(m);
                }
                if let Some(a) = o.ll {
                    i.ll = Some(a);
                }
                if let Some(a) = o.addr {
                    i.addr = a;
                }
                if let Some(p) = o.prefix {
                    i.prefix = Some(p);
                }
            }
        }
        t
    }
}

/// One placeholder in a command: `{name}` or `{name:arg}`, at byte `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub arg: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// The placeholders in `s`: `{word}` or `{word:arg}` (word: a lowercase letter, then
/// lowercase letters and digits; arg: no
/// braces or white space), not after a `$`.
pub fn placeholders(s: &str) -> Vec<Placeholder> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' && (i == 0 || b[i - 1] != b'$') {
            if let Some(len) = s[i + 1..].find('}') {
                let inner = &s[i + 1..i + 1 + len];
                let (name, arg) = match inner.split_once(':') {
                    Some((n, a)) => (n, Some(a)),
                    None => (inner, None),
                };
                let name_ok = name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
                let arg_ok = arg.is_none_or(|a| {
                    !a.is_empty() && !a.contains(['{', '}']) && !a.contains(char::is_whitespace)
                });
                if name_ok && arg_ok {
                    out.push(Placeholder {
                        name: name.to_string(),
                        arg: arg.map(str::to_string),
                        start: i,
                        end: i + len + 2,
                    });
                    i += len + 2;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// `s` with each placeholder replaced by `value(name, arg)`; the first error stops.
pub fn fill_placeholders(
    s: &str,
    mut value: impl FnMut(&str, Option<&str>) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for p in placeholders(s) {
        out.push_str(&s[last..p.start]);
        out.push_str(&value(&p.name, p.arg.as_deref())?);
        last = p.end;
    }
    out.push_str(&s[last..]);
    Ok(out)
}

fn check_ifname(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 15 {
        return Err("an interface name has 1 to 15 bytes");
    }
    if name == "." || name == ".." {
        return Err("`.` and `..` are not interface names");
    }
    if name
        .bytes()
        .any(|b| b == b'/' || b == b':' || b == 0 || b.is_ascii_whitespace())
    {
        return Err("an interface name has no `/`, `:`, white space or NUL");
    }
    Ok(())
}

/// The file's own checks (what serde cannot see).
pub(super) fn check_target(path: &Path, t: &TargetFile, out: &mut Vec<Diagnostic>) {
    let mut err = |loc: Loc, m: String| out.push(Diagnostic::new(path, loc, m));
    if t.target.value.trim().is_empty() {
        err(t.target.loc, "the target needs a name".into());
    }
    let links: Vec<&str> = t
        .interfaces
        .as_ref()
        .map(|m| m.value.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if let Some(m) = &t.interfaces {
        if m.value.is_empty() {
            err(
                m.loc,
                "`interfaces:` maps suite links to interfaces of this host: `{link0: eth1}`; \
                 leave it out for a target in network namespaces"
                    .into(),
            );
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (link, iface) in &m.value {
            if let Err(why) = check_ifname(&iface.value) {
                err(
                    iface.loc,
                    format!("invalid interface name \"{}\": {why}", iface.value),
                );
            }
            if let Some(first) = seen.insert(iface.value.as_str(), link.as_str()) {
                err(
                    iface.loc,
                    format!(
                        "interface {} is named for links {first} and {link}: each link needs an interface of its own",
                        iface.value
                    ),
                );
            }
        }
        for (link, o) in &t.iut {
            if !m.value.contains_key(link) {
                err(
                    o.loc,
                    with_suggestion(
                        format!("`iut:` names link \"{link}\", which `interfaces:` does not map"),
                        link,
                        links.iter().copied(),
                    ),
                );
            }
        }
    }
    if let (Some(k), Some(_)) = (&t.kernel_ipv6, &t.interfaces) {
        err(
            k.loc,
            "`kernel_ipv6:` is for netns targets: on the interfaces of `interfaces:` mip6test \
             changes nothing (set their sysctls yourself)"
                .into(),
        );
    }
    let reference_role = matches!(t.role.value, Role::CorrespondentNode | Role::HomeAgent);
    if t.command.is_none() && t.is_netns() && !reference_role {
        err(
            t.role.loc,
            format!(
                "without `command:` a netns target runs the built-in reference, which is a \
                 correspondent-node or home-agent, not a {}",
                t.role.value
            ),
        );
    }
    if let Some(c) = t.command.as_ref().filter(|c| c.value.trim().is_empty()) {
        err(c.loc, "`command:` is empty".into());
    }
    let mut check_text = |what: &str, s: &Located<String>| {
        for p in placeholders(&s.value) {
            if !PLACEHOLDERS.contains(&p.name.as_str()) {
                let m = format!("{what}: unknown placeholder {{{}}}", p.name);
                let m = match suggest(&p.name, PLACEHOLDERS) {
                    Some(s) => format!("{m} — did you mean {{{s}}}?"),
                    None => format!("{m}; known: {{iface:LINK}}, {{iface}}, {{mac:LINK}}, {{mac}}, {{config}}, {{mip6test}}, {{role}}"),
                };
                err(s.loc, m);
                continue;
            }
            match (p.name.as_str(), &p.arg) {
                ("iface" | "mac", Some(link)) if !links.is_empty() && !links.contains(&link.as_str()) => {
                    err(
                        s.loc,
                        with_suggestion(
                            format!("{what}: {{{}:{link}}} names a link that `interfaces:` does not map", p.name),
                            link,
                            links.iter().copied(),
                        ),
                    );
                }
                ("config" | "mip6test" | "role", Some(_)) => err(
                    s.loc,
                    format!("{what}: {{{}}} takes no argument", p.name),
                ),
                ("config", None) if !reference_role => err(
                    s.loc,
                    format!(
                        "{what}: {{config}} is a built-in reference configuration, which exists for a correspondent-node or home-agent, not a {}",
                        t.role.value
                    ),
                ),
                _ => {}
            }
        }
    };
    if let Some(c) = &t.command {
        check_text("command", c);
    }
    if let Some(f) = &t.ready.file {
        check_text("ready.file", f);
    }
    if let Some(r) = &t.reset {
        check_text("reset", r);
    }
    if let Some(s) = &t.stop_signal {
        let name = s.value.trim_start_matches("SIG");
        if !SIGNALS.contains(&name) {
            err(
                s.loc,
                with_suggestion(
                    format!(
                        "unknown signal \"{}\"; expected one of: {}",
                        s.value,
                        SIGNALS.join(", ")
                    ),
                    name,
                    SIGNALS,
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_shell_braces_left_alone() {
        let s =
            "{mip6test} reference --iface {iface:link0} ${HOME} {x y} awk '{print $1}' {}{role}";
        let names: Vec<(String, Option<String>)> = placeholders(s)
            .into_iter()
            .map(|p| (p.name, p.arg))
            .collect();
        assert_eq!(
            names,
            vec![
                ("mip6test".into(), None),
                ("iface".into(), Some("link0".into())),
                ("role".into(), None),
            ]
        );
        let out = fill_placeholders(s, |n, a| Ok(format!("<{n}{}>", a.unwrap_or(""))));
        assert_eq!(
            out.unwrap(),
            "<mip6test> reference --iface <ifacelink0> ${HOME} {x y} awk '{print $1}' {}<role>"
        );
        assert_eq!(
            fill_placeholders("a {config} b", |_, _| Err("no".into())),
            Err("no".into())
        );
    }
}
