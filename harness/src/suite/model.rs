//! The typed model of suite, fixture, topology and profile files (docs/test-language.md).
//!
//! Every struct rejects unknown keys. Packet trees and the values of `set:`, `capture:`,
//! fixture parameters and matrices stay [`Untyped`]: the engine and the packet templates
//! interpret them.

use super::diag::Loc;
use super::values::{
    de_duration, de_opt_duration, DurationText, HexBytes, Located, MacAddr, Prefix, Tolerance,
    Untyped,
};
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Roles and features

/// The role of the implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    CorrespondentNode,
    HomeAgent,
    MobileNode,
    MobileRouter,
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::CorrespondentNode => "correspondent-node",
            Role::HomeAgent => "home-agent",
            Role::MobileNode => "mobile-node",
            Role::MobileRouter => "mobile-router",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A capability an IUT may have. A test that `requires:` a feature its profile lacks is
/// not-applicable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// CN: Home Test Init / Care-of Test Init answered, tokens and Kbm (RFC 6275 §5.2, §9.4).
    ReturnRoutability,
    /// CN: bindings from correspondent registrations; Routing header type 2 and Home Address
    /// option processing (RFC 6275 §9.3, §9.5).
    RouteOptimisation,
    /// CN or HA: sends Binding Refresh Requests before a binding expires (RFC 6275 §9.5.5).
    BindingRefreshRequest,
    /// HA: primary care-of address registration (RFC 6275 §10.3).
    HomeRegistration,
    /// HA: defends the mobile node's home address on the home link (RFC 6275 §10.4.1).
    ProxyDad,
    /// HA: Dynamic Home Agent Address Discovery (RFC 6275 §10.5).
    Dhaad,
    /// HA: Mobile Prefix Solicitation / Advertisement (RFC 6275 §10.6).
    MobilePrefixDiscovery,
    /// IPsec protection of Mobility Header signalling (RFC 3776, RFC 4877).
    Ipsec,
}

impl Feature {
    pub fn name(&self) -> &'static str {
        match self {
            Feature::ReturnRoutability => "return-routability",
            Feature::RouteOptimisation => "route-optimisation",
            Feature::BindingRefreshRequest => "binding-refresh-request",
            Feature::HomeRegistration => "home-registration",
            Feature::ProxyDad => "proxy-dad",
            Feature::Dhaad => "dhaad",
            Feature::MobilePrefixDiscovery => "mobile-prefix-discovery",
            Feature::Ipsec => "ipsec",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------------
// Suites

/// One suite file: one suite, one JUnit testsuite.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The suite's name (unique across the run).
    pub suite: Located<String>,
    pub title: String,
    /// The role the IUT must have (its profile's role and the topology's `iut.role`).
    pub role: Located<Role>,
    /// The topology's name: testsuites/topologies/<name>.yaml.
    pub topology: Located<String>,
    /// Features every test of the suite needs.
    #[serde(default)]
    pub requires: Vec<Located<Feature>>,
    #[serde(default)]
    pub hooks: Hooks,
    /// Fixtures of this suite, by name (shared ones live in testsuites/fixtures/).
    #[serde(default)]
    pub fixtures: BTreeMap<String, Located<Fixture>>,
    /// The IUT configuration every test of the suite needs (merged over the topology's
    /// `iut.config`): see [`IutConfig`].
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub iut_config: Option<Located<IutConfig>>,
    pub tests: Vec<Located<Test>>,
    /// The file the suite was read from (set by the loader).
    #[serde(skip)]
    #[schemars(skip)]
    pub path: PathBuf,
    /// The topology file the suite's `topology:` resolved to (set by the loader).
    #[serde(skip)]
    #[schemars(skip)]
    pub topology_path: Option<PathBuf>,
    /// Fixtures from shared fixture files that `use:` may name (set by the loader).
    #[serde(skip)]
    #[schemars(skip)]
    pub shared_fixtures: BTreeMap<String, Located<Fixture>>,
}

impl Suite {
    /// A fixture by name: the suite's own first, then the shared ones.
    pub fn fixture(&self, name: &str) -> Option<&Fixture> {
        self.fixtures
            .get(name)
            .or_else(|| self.shared_fixtures.get(name))
            .map(|f| &f.value)
    }
}

/// Shell commands (`sh -c`) run around tests, with MIP6TEST_SUITE, MIP6TEST_TEST,
/// MIP6TEST_TARGET, MIP6TEST_NETNS and MIP6TEST_IFACE_<LINK> in their environment (`{ns}` is
/// replaced by the IUT's network namespace). A before hook that fails or times out makes the
/// test case(s) an error; an after hook that fails is a warning.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hooks {
    pub before_all: Option<String>,
    pub before_each: Option<String>,
    pub after_each: Option<String>,
    pub after_all: Option<String>,
    /// How long each hook may run (default 30s).
    #[serde(default, deserialize_with = "de_opt_duration")]
    #[schemars(with = "Option<DurationText>")]
    pub timeout: Option<Duration>,
}

impl Hooks {
    /// How long a hook may run unless `timeout:` says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
}

/// A named list of steps, with parameters and their defaults.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub title: Option<String>,
    /// Parameters and their default values (`$name` in the steps).
    #[serde(default)]
    pub params: BTreeMap<String, Untyped>,
    pub steps: Vec<Located<Step>>,
}

/// A file of shared fixtures (testsuites/fixtures/*.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    pub title: Option<String>,
    pub fixtures: BTreeMap<String, Located<Fixture>>,
}

/// One test: one RFC behaviour, possibly expanded by a matrix into several test cases.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Test {
    /// Unique in the suite and across suites: `CN.BU.SEQ.STALE`. `$var` names matrix variables.
    pub id: Located<String>,
    /// The RFC sentence the test checks, in words.
    pub title: Located<String>,
    /// At least one: the RFC sections whose requirement the test checks.
    #[serde(default)]
    pub refs: Located<Vec<Located<Ref>>>,
    /// Behaviour ids of spec/behaviours.md (`CN-13`).
    #[serde(default)]
    pub behaviours: Vec<String>,
    /// IPv6 Ready (TAHI) test ids covering the same behaviour.
    #[serde(default)]
    pub tahi: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Features this test needs beyond the suite's.
    #[serde(default)]
    pub requires: Vec<Located<Feature>>,
    /// Any frame the IUT sends that no step expected fails the test (default: a warning).
    #[serde(default)]
    pub strict: bool,
    /// One test case per combination of values: `{delta: [0, -1, 32768]}`.
    #[serde(default)]
    pub matrix: Matrix,
    /// Fixtures run first, in order: names, or `{name: {param: value}}`.
    #[serde(default, rename = "use")]
    pub uses: Vec<Located<UseFixture>>,
    /// Switch the background responders for this test (default: all on).
    pub responders: Option<Responders>,
    /// The IUT configuration this test needs, merged over the suite's: see [`IutConfig`].
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub iut_config: Option<Located<IutConfig>>,
    pub steps: Vec<Located<Step>>,
}

/// A reference to the RFC text a test checks.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ref {
    pub rfc: u32,
    /// The section, as a string: `"9.5.1"`.
    pub section: Section,
    pub level: Level,
}

/// An RFC section number, written as a string (`"9.5.1"`). A YAML float like `9.10` would
/// lose its trailing zero, so floats are refused.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(transparent)]
pub struct Section(pub String);

impl<'de> Deserialize<'de> for Section {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Section;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a section number as a string, like \"9.5.1\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Section, E> {
                if v.trim().is_empty() {
                    return Err(E::custom("the section is empty"));
                }
                Ok(Section(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Section, E> {
                Ok(Section(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Section, E> {
                Err(E::custom(format!(
                    "write the section as a string, like \"{v}\" (a number loses trailing zeros: 9.10 is 9.1)"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// The behaviour catalogue (testsuites/behaviours.yaml): what `mip6test coverage` maps the
/// tests' `behaviours:` ids to.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BehaviourFile {
    pub behaviours: Vec<Located<Behaviour>>,
}

/// One normative behaviour.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// `MH-1`, `CN-13`, `HA-7`.
    pub id: String,
    pub rfc: u32,
    pub section: Section,
    pub level: Level,
    pub summary: String,
    /// The suites expected to cover it: `cn`, `ha`, `mn`, `mr`, `nemo-ha`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Why no test can observe it on the wire, when that is so.
    pub untested: Option<String>,
}

/// Requirement level (RFC 2119). A SHOULD not met is a warning on a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Level {
    MUST,
    SHOULD,
    MAY,
}

/// The matrix of a test: variables in the order written, each with its values.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(transparent)]
pub struct Matrix {
    #[schemars(with = "BTreeMap<String, Vec<Untyped>>")]
    pub vars: Vec<MatrixVar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatrixVar {
    pub name: String,
    pub loc: Loc,
    pub values: Vec<Untyped>,
}

impl<'de> Deserialize<'de> for Matrix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Matrix;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of variables to lists of values, like {delta: [0, 1]}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Matrix, A::Error> {
                let mut vars = Vec::new();
                while let Some(name) = a.next_key::<String>()? {
                    let v = a.next_value::<Located<MatrixValues>>()?;
                    vars.push(MatrixVar {
                        name,
                        loc: v.loc,
                        values: v.value.0,
                    });
                }
                Ok(Matrix { vars })
            }
        }
        d.deserialize_map(V)
    }
}

struct MatrixValues(Vec<Untyped>);

impl<'de> Deserialize<'de> for MatrixValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MatrixValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of values for the matrix variable, like [0, 1]")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<MatrixValues, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = a.next_element::<Untyped>()? {
                    v.push(e);
                }
                Ok(MatrixValues(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// One entry of `use:`: a fixture name, with parameters or not.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(with = "UseFixtureSchema")]
pub struct UseFixture {
    pub name: String,
    pub params: BTreeMap<String, Untyped>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(untagged)]
enum UseFixtureSchema {
    Name(String),
    WithParams(BTreeMap<String, BTreeMap<String, Untyped>>),
}

impl<'de> Deserialize<'de> for UseFixture {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UseFixture;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a fixture name, or {name: {param: value}}")
            }
            fn visit_str<E>(self, v: &str) -> Result<UseFixture, E> {
                Ok(UseFixture {
                    name: v.to_string(),
                    params: BTreeMap::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<UseFixture, A::Error> {
                let Some(name) = a.next_key::<String>()? else {
                    return Err(de::Error::custom(
                        "empty mapping: expected {fixture: {param: value}}",
                    ));
                };
                let params = a.next_value::<Option<BTreeMap<String, Untyped>>>()?;
                if a.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "one fixture per list entry: write `- a: {...}` and `- b: {...}`",
                    ));
                }
                Ok(UseFixture {
                    name,
                    params: params.unwrap_or_default(),
                })
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Steps

/// One step of a test or fixture, run in order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Build a frame and put it on a link, now.
    Send(SendStep),
    /// The IUT sends a matching frame in the window; the first match counts.
    Expect(ExpectStep),
    /// No matching frame for that long.
    ExpectNone(ExpectNoneStep),
    /// Let time pass: `wait: 5s`.
    Wait(
        #[serde(deserialize_with = "de_duration")]
        #[schemars(with = "DurationText")]
        Duration,
    ),
    /// Define variables: `set: {name: value}`.
    Set(BTreeMap<String, Untyped>),
    /// Switch the background responders: `responders: {nd: off}`.
    Responders(Responders),
}

impl Step {
    /// The step's keyword.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Send(_) => "send",
            Step::Expect(_) => "expect",
            Step::ExpectNone(_) => "expect_none",
            Step::Wait(_) => "wait",
            Step::Set(_) => "set",
            Step::Responders(_) => "responders",
        }
    }

    /// The requirement level an expectation step checks, when it says.
    pub fn level(&self) -> Option<Level> {
        match self {
            Step::Expect(x) => x.level,
            Step::ExpectNone(x) => x.level,
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendStep {
    /// The link to send on.
    pub on: Located<String>,
    /// The emulated node sending (its MAC, or its router's for a node `behind:` one).
    pub from: Option<Located<String>>,
    /// The destination node, or `iut` (the default).
    pub to: Option<Located<String>>,
    pub packet: Untyped,
    pub edits: Option<Edits>,
}

/// Byte edits after the frame is built.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edits {
    #[serde(default)]
    pub patches: Vec<Located<Patch>>,
    /// Cut the frame to this many bytes.
    pub truncate: Option<usize>,
    /// Bytes appended to the frame.
    pub append: Option<HexBytes>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// The layer (decode view name: `mh`, `ipv6`, `dest_opts`...) the offset counts from.
    pub layer: String,
    pub offset: usize,
    pub bytes: HexBytes,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectStep {
    pub on: Located<String>,
    pub packet: Untyped,
    /// The frame arrives within this time of the previous step (default 3s).
    #[serde(default, deserialize_with = "de_opt_duration")]
    #[schemars(with = "Option<DurationText>")]
    pub within: Option<Duration>,
    /// The frame arrives no sooner than this after the previous step.
    #[serde(default, deserialize_with = "de_opt_duration")]
    #[schemars(with = "Option<DurationText>")]
    pub after: Option<Duration>,
    /// The frame arrives at this time after the previous step, give or take the tolerance.
    pub at: Option<At>,
    /// Store the matched layer or field: `{hot: mh}`, `{granted: mh.binding_ack.lifetime}`.
    #[serde(default)]
    pub capture: BTreeMap<String, Untyped>,
    /// The requirement the step checks (default MUST). A SHOULD or MAY step that is not met
    /// is a warning, and the test goes on.
    pub level: Option<Level>,
}

/// The window of an `expect` step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    Within(Duration),
    After(Duration),
    At { time: Duration, tolerance: Duration },
}

impl ExpectStep {
    /// The default window when none is written.
    pub const DEFAULT_WITHIN: Duration = Duration::from_secs(3);

    /// The step's window (validation guarantees at most one of within/after/at).
    pub fn window(&self) -> Window {
        if let Some(at) = &self.at {
            Window::At {
                time: at.time,
                tolerance: at.tolerance.for_time(at.time),
            }
        } else if let Some(a) = self.after {
            Window::After(a)
        } else {
            Window::Within(self.within.unwrap_or(Self::DEFAULT_WITHIN))
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct At {
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "DurationText")]
    pub time: Duration,
    pub tolerance: Tolerance,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectNoneStep {
    pub on: Located<String>,
    pub packet: Untyped,
    /// How long no matching frame may arrive.
    #[serde(rename = "for", deserialize_with = "de_duration")]
    #[schemars(with = "DurationText")]
    pub duration: Duration,
    /// The requirement the step checks (default MUST). A SHOULD or MAY step that is not met
    /// is a warning, and the test goes on.
    pub level: Option<Level>,
}

/// Background responders of the emulated nodes.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Responders {
    /// Neighbour Discovery: answer NS for the emulated nodes (default on).
    pub nd: OnOff,
}

/// `on`/`off` (or `true`/`false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(with = "OnOffSchema")]
pub struct OnOff(pub bool);

#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(untagged)]
enum OnOffSchema {
    Bool(bool),
    Word(OnOffWord),
}

#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
enum OnOffWord {
    On,
    Off,
}

impl<'de> Deserialize<'de> for OnOff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = OnOff;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("on or off")
            }
            fn visit_bool<E>(self, v: bool) -> Result<OnOff, E> {
                Ok(OnOff(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OnOff, E> {
                match v {
                    "on" | "true" => Ok(OnOff(true)),
                    "off" | "false" => Ok(OnOff(false)),
                    _ => Err(E::custom(format!("expected on or off, not \"{v}\""))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Topologies

/// Links, emulated nodes and the IUT's interfaces (testsuites/topologies/<name>.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// The name suites use in `topology:` (the file's stem).
    pub topology: Located<String>,
    pub title: Option<String>,
    pub links: Vec<Located<String>>,
    /// The nodes the harness emulates, by name.
    #[serde(default)]
    pub nodes: BTreeMap<String, Located<Node>>,
    pub iut: Iut,
}

impl Topology {
    /// This topology with `extra` IUT settings merged over its `iut.config`, in order (the
    /// suite's, then the test's `iut_config:`).
    pub fn with_iut_config<'a>(
        &self,
        extra: impl IntoIterator<Item = &'a Located<IutConfig>>,
    ) -> Topology {
        let mut t = self.clone();
        for c in extra {
            match &mut t.iut.config {
                Some(base) => merge_iut_config(&mut base.value, &c.value),
                None => t.iut.config = Some(c.clone()),
            }
        }
        t
    }

    /// Whether `name` is a link.
    pub fn has_link(&self, name: &str) -> bool {
        self.links.iter().any(|l| l.value == name)
    }

    /// The link a node's frames travel on: its own, or its router's.
    pub fn link_of(&self, node: &str) -> Option<&str> {
        let mut n = self.nodes.get(node)?;
        for _ in 0..=self.nodes.len() {
            if let Some(l) = &n.link {
                return Some(l);
            }
            n = self.nodes.get(n.behind.as_deref()?.as_str())?;
        }
        None
    }
}

/// The role of an emulated node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NodeRole {
    Router,
    Host,
    MobileNode,
    MobileRouter,
    CorrespondentNode,
    HomeAgent,
}

/// A node the harness emulates: on a link (`link:`, with MAC and link-local address) or
/// reached through a router (`behind: r1`: its frames carry r1's MAC).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub role: NodeRole,
    pub link: Option<Located<String>>,
    pub behind: Option<Located<String>>,
    pub mac: Option<MacAddr>,
    pub ll: Option<Ipv6Addr>,
    /// Global addresses (a router's on the link, a host's).
    #[serde(default)]
    pub addrs: Vec<Ipv6Addr>,
    /// The node's address (a home agent's, a correspondent node's).
    pub addr: Option<Ipv6Addr>,
    /// A mobile node's home address.
    pub hoa: Option<Ipv6Addr>,
    /// A mobile node's care-of address.
    pub coa: Option<Ipv6Addr>,
    /// Prefixes a router advertises on its link.
    #[serde(default)]
    pub prefixes: Vec<Prefix>,
    /// Prefixes a router routes (`::/0` for a default router).
    #[serde(default)]
    pub routes: Vec<Prefix>,
}

/// The implementation under test.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Iut {
    pub role: Located<Role>,
    /// The IUT's interfaces, by link name.
    pub interfaces: BTreeMap<String, Located<IutInterface>>,
    /// How the IUT must be configured for the suites on this topology, beyond its addresses:
    /// keys as the reference's configuration names them (`mip6test reference --config`),
    /// merged over the configuration the harness derives from `interfaces`. Suites and tests
    /// add theirs with `iut_config:`.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub config: Option<Located<IutConfig>>,
}

/// IUT settings (`iut.config` of a topology, `iut_config:` of a suite or test): a mapping in
/// the reference node's configuration keys, merged key by key over the configuration the
/// harness builds (nested mappings merge, anything else replaces). The built-in reference
/// applies it; a target command gets it in its `{config}` file; an IUT on real interfaces must
/// be configured to match (docs/test-language.md).
pub type IutConfig = serde_json::Map<String, serde_json::Value>;

/// Merges `over` into `base`: mappings merge key by key, any other value replaces.
pub fn merge_iut_config(base: &mut IutConfig, over: &IutConfig) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(serde_json::Value::Object(b)), serde_json::Value::Object(o)) => {
                merge_iut_config(b, o)
            }
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IutInterface {
    /// Learned by Neighbour Discovery when not given.
    pub mac: Option<MacAddr>,
    pub ll: Option<Ipv6Addr>,
    /// The IUT's global address on the link (`iut.addr`; a home agent's address is also `iut.ha`).
    pub addr: Ipv6Addr,
    /// The link's prefix (a home agent's home link prefix).
    pub prefix: Option<Prefix>,
}

// ---------------------------------------------------------------------------------------------
// Profiles

/// What an IUT can do (testsuites/profiles/<name>.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub profile: Located<String>,
    pub title: Option<String>,
    pub role: Located<Role>,
    #[serde(default)]
    pub features: Vec<Located<Feature>>,
    #[serde(default)]
    pub timers: Timers,
    /// The IUT claims every SHOULD the suites check: a SHOULD not met fails the test, as a MUST
    /// does, instead of warning (MAY stays a warning). The built-in reference implements every
    /// SHOULD, so its profiles set this, and mutation testing counts SHOULD tests too.
    #[serde(default)]
    pub enforce_should: bool,
}

impl Profile {
    pub fn has(&self, f: Feature) -> bool {
        self.features.iter().any(|x| x.value == f)
    }
}

/// The IUT's timers, for tests that measure them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timers {
    /// The IUT's protocol times are the RFC's times this many times (1.0: as in the RFC).
    #[serde(default = "one")]
    pub time_scale: Located<f64>,
}

fn one() -> Located<f64> {
    Located::new(1.0, Loc::UNKNOWN)
}

impl Default for Timers {
    fn default() -> Self {
        Timers { time_scale: one() }
    }
}
