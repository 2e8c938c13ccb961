//! The run's record: fills [`mip6_reports::results::Run`] as cases finish and writes the output
//! directory (docs/results-json.md).
//!
//! Files are written as soon as they can be, so that an interrupted or failing run keeps what
//! it did: each case's capture when the case ends, results.json (and the reports rendered from
//! it) at the end of every suite and at the end of the run, including an interrupted one.

use super::runner::CaseResult;
use crate::suite::{Suite, Topology};
use crate::HarnessError;
use mip6_reports::results::{
    file_stem, ProfileRef, Run, SuiteResult, Summary, TestResult, Tool, SCHEMA_VERSION,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// RFC 3339 in UTC with milliseconds: `2026-11-23T10:00:00.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// The record of a run and where it goes.
#[derive(Debug)]
pub struct Recorder {
    pub run: Run,
    /// The output directory; none: keep the record in memory only.
    out: Option<PathBuf>,
}

impl Recorder {
    /// A record for a run on `target`, written under `out` (created when missing).
    pub fn new(target: &str, out: Option<&Path>) -> Result<Self, HarnessError> {
        if let Some(dir) = out {
            std::fs::create_dir_all(dir).map_err(|e| HarnessError::Report {
                path: dir.to_path_buf(),
                source: e,
            })?;
        }
        Ok(Recorder {
            run: Run {
                schema: SCHEMA_VERSION,
                tool: Tool {
                    name: "mip6test".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                },
                target: target.to_string(),
                started: rfc3339(SystemTime::now()),
                finished: None,
                interrupted: false,
                suites: Vec::new(),
                summary: Summary::default(),
            },
            out: out.map(Path::to_path_buf),
        })
    }

    /// Starts a suite's record.
    pub fn suite(
        &mut self,
        s: &Suite,
        topo: Option<&Topology>,
        profile: Option<(String, &Path)>,
    ) -> Result<(), HarnessError> {
        let bytes = std::fs::read(&s.path).map_err(|e| HarnessError::Input {
            path: s.path.clone(),
            source: e,
        })?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (links, mut nodes) = match topo {
            Some(t) => (
                t.links.iter().map(|l| l.value.clone()).collect(),
                t.nodes.keys().cloned().collect::<Vec<_>>(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        nodes.push("iut".into());
        self.run.suites.push(SuiteResult {
            path: s.path.display().to_string(),
            sha256,
            suite: s.suite.value.clone(),
            title: s.title.clone(),
            role: s.role.value.to_string(),
            topology: s.topology.value.clone(),
            profile: profile.map(|(name, p)| ProfileRef {
                name,
                path: p.display().to_string(),
            }),
            links,
            nodes,
            tests: Vec::new(),
        });
        Ok(())
    }

    /// Adds a finished case to the current suite and writes its capture.
    pub fn case(&mut self, r: &CaseResult) -> Result<(), HarnessError> {
        let Some(suite) = self.run.suites.last_mut() else {
            return Ok(());
        };
        let mut t = TestResult {
            id: r.id.clone(),
            title: r.title.clone(),
            line: r.meta.line,
            refs: r.meta.refs.clone(),
            behaviours: r.meta.behaviours.clone(),
            tahi: r.meta.tahi.clone(),
            tags: r.meta.tags.clone(),
            verdict: r.verdict,
            reason: r.detail.clone(),
            warnings: r.warnings.clone(),
            started: r.started.map(rfc3339),
            duration: r.elapsed.as_secs_f64(),
            steps: r.steps.clone(),
            frames: r.frames.clone(),
            pcap: None,
        };
        if let (Some(dir), false) = (&self.out, t.frames.is_empty()) {
            let rel = format!(
                "pcap/{}/{}.pcapng",
                file_stem(&suite.suite),
                file_stem(&t.id)
            );
            let path = dir.join(&rel);
            let bytes = mip6_reports::test_pcapng(suite, &t, &self.run.started).map_err(|e| {
                HarnessError::Report {
                    path: path.clone(),
                    source: e,
                }
            })?;
            write_file(&path, &bytes)?;
            t.pcap = Some(rel);
        }
        self.run.summary.add(t.verdict);
        suite.tests.push(t);
        Ok(())
    }

    /// Writes the record as the run stands: results.json only while the run goes on (so a
    /// crash keeps it, and `mip6test report` can render the rest), all three files once it
    /// has `finished` (also when it was interrupted).
    pub fn write(&mut self, finished: bool) -> Result<(), HarnessError> {
        if finished {
            self.run.finished = Some(rfc3339(SystemTime::now()));
        }
        self.run.recount();
        let Some(dir) = &self.out else {
            return Ok(());
        };
        if finished {
            write_reports(&self.run, dir)
        } else {
            write_file(&dir.join("results.json"), self.run.to_json().as_bytes())
        }
    }

    /// The output directory.
    pub fn out(&self) -> Option<&Path> {
        self.out.as_deref()
    }
}

/// Writes results.json, junit.xml and report.html for `run` into `dir`.
pub fn write_reports(run: &Run, dir: &Path) -> Result<(), HarnessError> {
    write_file(&dir.join("results.json"), run.to_json().as_bytes())?;
    write_file(&dir.join("junit.xml"), mip6_reports::junit(run).as_bytes())?;
    write_file(&dir.join("report.html"), mip6_reports::html(run).as_bytes())
}

/// Writes a file through a temporary name, so that a reader never sees half of it.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), HarnessError> {
    let err = |e| HarnessError::Report {
        path: path.to_path_buf(),
        source: e,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    // Per process: parallel runs writing the same directory never share a temporary file.
    let tmp = path.with_extension(format!("{}.tmp~", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// `mip6test report results.json [--out DIR]`: renders junit.xml and report.html again from a
/// results.json, into DIR (default: the results.json's directory, where its captures are).
pub fn report_command(results: &Path, out: Option<&Path>) -> Result<Run, HarnessError> {
    let text = std::fs::read_to_string(results).map_err(|e| HarnessError::Input {
        path: results.to_path_buf(),
        source: e,
    })?;
    let run = Run::from_json(&text).map_err(|e| HarnessError::Config {
        path: results.to_path_buf(),
        message: format!("not a mip6test results.json: {e}"),
    })?;
    if run.schema > SCHEMA_VERSION {
        return Err(HarnessError::Config {
            path: results.to_path_buf(),
            message: format!(
                "written by a newer mip6test (results schema {}; this one reads up to {SCHEMA_VERSION})",
                run.schema
            ),
        });
    }
    let here = results
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir = out.map_or_else(|| here.clone(), Path::to_path_buf);
    std::fs::create_dir_all(&dir).map_err(|e| HarnessError::Report {
        path: dir.clone(),
        source: e,
    })?;
    write_file(&dir.join("junit.xml"), mip6_reports::junit(&run).as_bytes())?;
    write_file(
        &dir.join("report.html"),
        mip6_reports::html(&run).as_bytes(),
    )?;
    Ok(run)
}
