//! The `mip6test` command line: parses arguments and calls the library (mip6_harness).

use clap::{Args, Parser, Subcommand};
use mip6_harness::decode::{decode_file, DecodeOpts, FrameSelection};
use mip6_harness::{engine, exit, suite, HarnessError};
use std::io::Write;
use std::path::PathBuf;

/// Mobile IPv6 conformance test harness.
///
/// Exit codes: 0 success; 1 a test failed; 2 usage or input error (bad arguments, a missing,
/// unreadable or damaged file); 3 environment error (privileges, interfaces, output) or a
/// live run interrupted by Ctrl-C/SIGTERM (after removing everything it created).
#[derive(Debug, Parser)]
#[command(name = "mip6test", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode a pcap or pcapng file: each frame's layers, fields, options and RFC violations.
    ///
    /// Violations are findings about the frames; the command exits 0 when it read the whole
    /// file. A damaged file is decoded up to the damage, then the error is printed (exit 2).
    Decode(DecodeArgs),
    /// Run a built-in reference node (correspondent node or home agent) on real interfaces.
    ///
    /// The node answers ND, ICMPv6 and Mobility Headers itself through AF_PACKET (needs root or
    /// CAP_NET_RAW), turning the kernel's IPv6 off on those interfaces while it runs. Stops on
    /// Ctrl-C or SIGTERM.
    #[cfg(target_os = "linux")]
    Reference(ReferenceArgs),
    /// Check suites, topologies, profiles and fixture files without running anything.
    ///
    /// PATHs are files or directories (searched recursively for *.yaml). Each problem is
    /// printed as FILE:LINE:COL: message; exit 0 when all are valid, 2 otherwise.
    Validate(ValidateArgs),
    /// Print the JSON Schema of suite files (or of topologies, profiles, fixture files, target
    /// files).
    Schema(SchemaArgs),
    /// Run suites against the built-in reference node (simulated, or live in a namespace) or an
    /// implementation described by a target file.
    ///
    /// PATHs are suite files or directories (default: testsuites/). One line per test case,
    /// failure details under it, then `N passed, M failed, K skipped; X not-applicable, I
    /// inconclusive, Y errors` (inconclusive: a setup fixture failed). Exit 0 when every
    /// applicable test passed, 1 otherwise, 2 when a suite does not
    /// validate, 3 when a live target cannot run (not root) or was interrupted (Ctrl-C,
    /// SIGTERM: the case running stops, its namespaces and node are removed).
    ///
    /// --target netns:cn / netns:ha runs the reference node as `mip6test reference` in a
    /// network namespace of its own for every test case, the harness sending and receiving over
    /// veth and AF_PACKET from a second namespace, in real time (needs root). Suites for other
    /// roles are skipped.
    ///
    /// --target FILE runs against the implementation a target file describes (docs/targets.md):
    /// either a `command:` started for every test case inside namespaces the harness builds
    /// (placeholders {iface:LINK}, {mac:LINK}, {config}, {mip6test}), or `interfaces: {link0:
    /// eth1}`, existing interfaces wired to a vendor's box, the only ones mip6test then opens
    /// (it creates and changes nothing; suites with links not listed are skipped; -j is
    /// ignored). A test case whose IUT process exits is an error and the run goes on. `mip6test
    /// schema --kind target` prints the file's schema.
    Run(RunArgs),
    /// List the test cases (ids and titles) of suites.
    List(ListArgs),
    /// Which tests check which behaviour of the catalogue (testsuites/behaviours.yaml).
    ///
    /// One line per behaviour and role: its level, RFC section, the number of test cases
    /// (after matrix expansion) and the tests; `NO TEST` for a gap; behaviours no test can
    /// observe on the wire are listed with the reason. Tests that need IPsec are counted
    /// apart. With --check, exit 1 when there is a gap or a test names an unknown behaviour.
    Coverage(CoverageArgs),
    /// Render junit.xml and report.html again from a run's results.json.
    ///
    /// The captures (pcap/) stay where the run wrote them; the HTML links to them relative to
    /// the output directory, so render into the results.json's directory (the default) or copy
    /// pcap/ along.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// A results.json written by `mip6test run --out DIR`.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Where to write junit.xml and report.html (default: the results.json's directory).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct CoverageArgs {
    /// Suite files or directories (default: testsuites/).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The behaviour catalogue (default: behaviours.yaml in or above the first PATH, else
    /// testsuites/behaviours.yaml).
    #[arg(long, value_name = "FILE")]
    behaviours: Option<PathBuf>,
    /// Exit 1 when an observable behaviour has no test or a test names an unknown one.
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Suite files or directories (default: testsuites/).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The IUT's capability profile (default: the built-in reference's for each suite's role).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Where to run: simulated (default), netns:cn or netns:ha (the reference node live in a
    /// network namespace; needs root), or a target file (docs/targets.md).
    #[arg(long, value_name = "TARGET", default_value = "simulated")]
    target: engine::Target,
    /// Run N test cases at once, each on its own dataplane (results in order).
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 1)]
    jobs: usize,
    #[command(flatten)]
    filter: FilterArgs,
    /// Where to write results.json, junit.xml, report.html and a pcapng per test (created if
    /// missing; files of an earlier run there are replaced).
    #[arg(long, value_name = "DIR", default_value = "mip6test-results")]
    out: PathBuf,
    /// Write no files, only the console output.
    #[arg(long, conflicts_with = "out")]
    no_out: bool,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: engine::console::ColorChoice,
    /// The factor on the IUT's timers (overrides the profile's timers.time_scale; 0.1: ten
    /// times as fast as the RFC's): every duration in the steps is multiplied by it, and so is
    /// every timer of the built-in reference.
    #[arg(long, value_name = "SCALE")]
    time_scale: Option<f64>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Suite files or directories (default: testsuites/).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    filter: FilterArgs,
}

/// Which test cases to take.
#[derive(Debug, Args)]
struct FilterArgs {
    /// Only test case ids matching this glob (`*`, `?`).
    #[arg(long, value_name = "GLOB")]
    id: Option<String>,
    /// Only suites for this role.
    #[arg(long, value_enum)]
    role: Option<SuiteRoleArg>,
    /// Only tests with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// Leave out the tests with this tag (repeatable): --skip-tag slow.
    #[arg(long, value_name = "TAG")]
    skip_tag: Vec<String>,
    /// Only tests citing this RFC or RFC section (and its subsections): 6275, 6275:9.5.
    #[arg(long, value_name = "RFC[:SECTION]")]
    rfc: Option<String>,
}

impl FilterArgs {
    fn filter(self) -> engine::Filter {
        engine::Filter {
            id: self.id,
            role: self.role.map(|r| match r {
                SuiteRoleArg::CorrespondentNode => suite::Role::CorrespondentNode,
                SuiteRoleArg::HomeAgent => suite::Role::HomeAgent,
                SuiteRoleArg::MobileNode => suite::Role::MobileNode,
                SuiteRoleArg::MobileRouter => suite::Role::MobileRouter,
            }),
            tag: self.tag,
            skip_tags: self.skip_tag,
            rfc: self.rfc,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SuiteRoleArg {
    CorrespondentNode,
    HomeAgent,
    MobileNode,
    MobileRouter,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Files or directories to check.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also look for topologies here (before topologies/ and testsuites/topologies/ above
    /// each suite).
    #[arg(long, value_name = "DIR")]
    topologies: Vec<PathBuf>,
    /// Also look for shared fixture files here.
    #[arg(long, value_name = "DIR")]
    fixtures: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct SchemaArgs {
    /// Which kind of file.
    #[arg(long, value_enum, default_value = "suite")]
    kind: KindArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Suite,
    Topology,
    Profile,
    Fixtures,
    Target,
}

#[cfg(target_os = "linux")]
#[derive(Debug, Args)]
struct ReferenceArgs {
    /// Which node: cn (correspondent node) or ha (home agent).
    #[arg(long, value_enum)]
    role: RoleArg,
    /// Interfaces to run on, in the node's order: --iface eth1,eth2 or repeated.
    #[arg(long, value_delimiter = ',', required = true)]
    iface: Vec<String>,
    /// The node's configuration (YAML; see reference/README.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Cn,
    Ha,
}

#[derive(Debug, Args)]
struct DecodeArgs {
    /// The capture file (pcap or pcapng).
    file: PathBuf,
    /// One JSON object per frame and line (JSON Lines; see docs/decode-json.md).
    #[arg(long)]
    json: bool,
    /// Decode ESP payloads as NULL-encrypted (RFC 2410) with an ICV of LEN bytes.
    #[arg(long, value_name = "LEN")]
    esp_null_icv: Option<usize>,
    /// Only these frames, numbered from 1: e.g. 1-10,15,20-.
    #[arg(long, value_name = "LIST")]
    frames: Option<FrameSelection>,
}

fn run(cli: Cli) -> Result<(), HarnessError> {
    match cli.command {
        Command::Decode(a) => {
            let opts = DecodeOpts {
                json: a.json,
                esp_null_icv_len: a.esp_null_icv,
                frames: a.frames,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let r = decode_file(&a.file, &opts, &mut out);
            // Good frames reach stdout before an error reaches stderr.
            let flushed = out.flush();
            r?;
            flushed.map_err(HarnessError::Output)
        }
        #[cfg(target_os = "linux")]
        Command::Reference(a) => {
            use mip6_harness::reference::{run_reference, ReferenceOpts, Role};
            let opts = ReferenceOpts {
                role: match a.role {
                    RoleArg::Cn => Role::Cn,
                    RoleArg::Ha => Role::Ha,
                },
                ifaces: a.iface,
                config: a.config,
            };
            run_reference(&opts, &mut std::io::stderr())
        }
        Command::Validate(a) => {
            let search = suite::SearchPaths {
                topologies: a.topologies,
                fixtures: a.fixtures,
            };
            suite::validate_command(
                &a.paths,
                &search,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )
        }
        Command::Schema(a) => {
            let kind = match a.kind {
                KindArg::Suite => suite::FileKind::Suite,
                KindArg::Topology => suite::FileKind::Topology,
                KindArg::Profile => suite::FileKind::Profile,
                KindArg::Fixtures => suite::FileKind::Fixtures,
                KindArg::Target => suite::FileKind::Target,
            };
            suite::schema_command(kind, &mut std::io::stdout())
        }
        Command::Run(a) => {
            let opts = engine::RunOpts {
                paths: a.paths,
                profile: a.profile,
                target: a.target,
                program: None,
                jobs: a.jobs,
                out: (!a.no_out).then_some(a.out),
                color: a.color.for_stdout(),
                progress: engine::console::stderr_is_terminal(),
                time_scale: a.time_scale,
                filter: a.filter.filter(),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let r = engine::run_command(&opts, &mut out, &mut std::io::stderr());
            let flushed = out.flush();
            let sum = r?;
            flushed.map_err(HarnessError::Output)?;
            if !sum.ok() {
                std::process::exit(exit::FAILURE);
            }
            Ok(())
        }
        Command::Report(a) => {
            engine::record::report_command(&a.results, a.out.as_deref()).map(drop)
        }
        Command::Coverage(a) => {
            let opts = mip6_harness::coverage::CoverageOpts {
                paths: a.paths,
                behaviours: a.behaviours,
                check: a.check,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let r =
                mip6_harness::coverage::coverage_command(&opts, &mut out, &mut std::io::stderr());
            let flushed = out.flush();
            let report = r?;
            flushed.map_err(HarnessError::Output)?;
            if opts.check && !report.ok() {
                std::process::exit(exit::FAILURE);
            }
            Ok(())
        }
        Command::List(a) => {
            let opts = engine::ListOpts {
                paths: a.paths,
                filter: a.filter.filter(),
            };
            engine::list_command(&opts, &mut std::io::stdout(), &mut std::io::stderr())
        }
    }
}

fn main() {
    let cli = Cli::parse(); // exits with 2 (exit::USAGE) on bad arguments
    let code = match run(cli) {
        Ok(()) => exit::OK,
        Err(e) if e.is_broken_pipe() => exit::OK,
        Err(e) => {
            eprintln!("mip6test: error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
