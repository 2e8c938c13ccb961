//! report.html: one self-contained page for people (an interop event, a vendor's inbox).
//!
//! * no request to the network: inline CSS, JS and SVG only, and a Content-Security-Policy
//!   (`default-src 'none'`) so that anything else would be blocked and reported;
//! * summary counts, a filter by verdict and by text (id, title, refs, reasons), tests grouped by
//!   RFC and section (of their first reference), failing tests open;
//! * per test: verdict, refs, behaviours, the reason lines (where, which field, expected vs got),
//!   warnings, a ladder (message-sequence) diagram in inline SVG, the steps, and each frame with
//!   its decoded fields, violations and a hex dump (rendered by the page's script on demand from
//!   an embedded JSON blob, which keeps the file small), and a link to the test's pcapng.
//!
//! Every string from the results (and so from the IUT's frames) is escaped; the script builds
//! its elements with `textContent`.

use crate::label::{decode_hex, frame_label};
use crate::results::{FrameRecord, FrameRole, Run, StepOutcome, SuiteResult, TestResult, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for HTML text and attribute values (also inside SVG).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // C0 controls other than tab/newline are not allowed in HTML text.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            '\u{7f}' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&` as `\u` escapes,
/// so no `</script>` or `<!--` can end or confuse the element.
pub fn script_json(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "{}".into());
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("\\u003c"),
            '>' => o.push_str("\\u003e"),
            '&' => o.push_str("\\u0026"),
            '\u{2028}' => o.push_str("\\u2028"),
            '\u{2029}' => o.push_str("\\u2029"),
            c => o.push(c),
        }
    }
    o
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::PassWithWarnings => "PASS ⚠",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
        Verdict::NotApplicable => "N/A",
        Verdict::Skipped => "SKIPPED",
        Verdict::Error => "ERROR",
    }
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "Passed",
        Verdict::PassWithWarnings => "Passed with warnings",
        Verdict::Fail => "Failed",
        Verdict::Inconclusive => "Inconclusive",
        Verdict::NotApplicable => "Not applicable",
        Verdict::Skipped => "Skipped",
        Verdict::Error => "Errors",
    }
}

fn role_str(r: FrameRole) -> &'static str {
    match r {
        FrameRole::Sent => "sent",
        FrameRole::Responder => "responder",
        FrameRole::Matched => "matched",
        FrameRole::Forbidden => "forbidden",
        FrameRole::Background => "background",
        FrameRole::Unexpected => "unexpected",
    }
}

fn outcome_str(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Ok => "ok",
        StepOutcome::Failed => "failed",
        StepOutcome::Error => "error",
        StepOutcome::NotRun => "not-run",
    }
}

fn secs(s: f64) -> String {
    if s.is_finite() {
        format!("{s:.3}s")
    } else {
        "?".into()
    }
}

/// Whether a link target is a relative path we may put in an `href` or a JUnit attachment (no
/// scheme, not absolute).
pub(crate) fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.contains(':')
        && !p.starts_with('/')
        && !p.starts_with('\\')
        && !p.chars().any(|c| c.is_control())
}

/// A link to a relative path, each segment percent-encoded where needed.
fn href(p: &str) -> String {
    let mut o = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

/// The order of sections: numbers compare as numbers (`9.5.10` after `9.5.2`).
fn section_key(s: &str) -> Vec<(u64, String)> {
    s.split('.')
        .map(|p| match p.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, p.to_string()),
        })
        .collect()
}

/// Where a test is: an index into the run's suites and the suite's tests.
#[derive(Clone, Copy)]
struct At {
    suite: usize,
    test: usize,
    /// The test's number across the run (element ids).
    n: usize,
}

/// The whole page.
pub fn html(run: &Run) -> String {
    let mut all: Vec<At> = Vec::new();
    for (si, s) in run.suites.iter().enumerate() {
        for ti in 0..s.tests.len() {
            all.push(At {
                suite: si,
                test: ti,
                n: all.len(),
            });
        }
    }
    let test_of = |a: &At| -> (&SuiteResult, &TestResult) {
        let s = &run.suites[a.suite];
        (s, &s.tests[a.test])
    };
    let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
    for a in &all {
        *counts.entry(test_of(a).1.verdict).or_default() += 1;
    }
    let count = |v: Verdict| counts.get(&v).copied().unwrap_or(0);
    let summary = crate::results::Summary::of(all.iter().map(|a| &test_of(a).1.verdict));

    let mut o = String::with_capacity(64 * 1024 + all.len() * 6 * 1024);
    let title = format!(
        "mip6test report — {} — {}",
        run.target,
        if summary.ok() { "OK" } else { "NOT OK" }
    );
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"{} {}\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&run.tool.name),
        esc(&run.tool.version),
        esc(&title),
        CSS
    );

    // ---- header: what ran, the counts -------------------------------------------------------
    o.push_str("<header>\n<h1>mip6test report</h1>\n<p class=\"meta\">");
    let _ = write!(
        o,
        "{} {} · target <b>{}</b> · started {}",
        esc(&run.tool.name),
        esc(&run.tool.version),
        esc(&run.target),
        esc(&run.started)
    );
    if let Some(f) = &run.finished {
        let _ = write!(o, " · finished {}", esc(f));
    }
    let _ = writeln!(
        o,
        " · {} suite{}, {} test{}</p>",
        run.suites.len(),
        if run.suites.len() == 1 { "" } else { "s" },
        all.len(),
        if all.len() == 1 { "" } else { "s" }
    );
    if run.interrupted {
        o.push_str("<p class=\"banner bad\">The run was interrupted: tests that did not run are listed as skipped.</p>\n");
    }
    if all.is_empty() {
        o.push_str("<p class=\"banner\">No tests ran.</p>\n");
    } else if summary.ok() {
        let _ = writeln!(
            o,
            "<p class=\"banner good\">Every applicable test passed — {}</p>",
            esc(&summary.line())
        );
    } else {
        let _ = writeln!(
            o,
            "<p class=\"banner bad\">Not every applicable test passed — {}</p>",
            esc(&summary.line())
        );
    }
    o.push_str("<div class=\"tiles\">\n");
    let _ = writeln!(
        o,
        "<button type=\"button\" class=\"tile\" data-only=\"*\" title=\"show every test\"><b>{}</b>tests</button>",
        all.len()
    );
    for v in Verdict::ALL {
        let n = count(v);
        if n == 0 && !matches!(v, Verdict::Pass | Verdict::Fail) {
            continue;
        }
        let _ = writeln!(
            o,
            "<button type=\"button\" class=\"tile v-{0}\" data-only=\"{0}\" title=\"show only these\"><b>{1}</b>{2}</button>",
            v.as_str(),
            n,
            verdict_name(v)
        );
    }
    o.push_str("</div>\n");
    suites_table(&mut o, run);
    problems(&mut o, run, &all);
    o.push_str(LEGEND);
    o.push_str("</header>\n");

    // ---- filters -----------------------------------------------------------------------------
    o.push_str("<nav id=\"filters\">\n");
    for v in Verdict::ALL {
        let _ = writeln!(
            o,
            "<label class=\"chk v-{0}\"><input type=\"checkbox\" name=\"v\" value=\"{0}\" checked> <span class=\"badge\">{1}</span> {2}</label>",
            v.as_str(),
            verdict_word(v),
            count(v)
        );
    }
    o.push_str(
        "<input id=\"q\" type=\"search\" placeholder=\"filter: id, title, RFC §, message…\" aria-label=\"filter by text\">\n\
<span id=\"shown\" class=\"muted\"></span>\n\
<button type=\"button\" id=\"expand\">expand all</button><button type=\"button\" id=\"collapse\">collapse all</button>\n</nav>\n<main>\n",
    );

    // ---- the tests, by RFC and section -------------------------------------------------------
    type SecKey = (u32, Vec<(u64, String)>, String);
    let mut groups: BTreeMap<SecKey, Vec<At>> = BTreeMap::new();
    for a in &all {
        let (_, t) = test_of(a);
        let key = match t.refs.first() {
            Some(r) => (r.rfc, section_key(&r.section), r.section.clone()),
            None => (u32::MAX, Vec::new(), String::new()),
        };
        groups.entry(key).or_default().push(*a);
    }
    let mut data = FrameData::default();
    let mut current_rfc: Option<u32> = None;
    for ((rfc, _, section), tests) in &groups {
        if current_rfc != Some(*rfc) {
            if current_rfc.is_some() {
                o.push_str("</section>\n");
            }
            current_rfc = Some(*rfc);
            let in_rfc: Vec<&At> = groups
                .iter()
                .filter(|((r, _, _), _)| r == rfc)
                .flat_map(|(_, v)| v)
                .collect();
            let _ = write!(o, "<section class=\"group rfc\">\n<h2>");
            if *rfc == u32::MAX {
                o.push_str("Tests that cite no RFC clause");
            } else {
                let _ = write!(o, "RFC {rfc}");
            }
            group_counts(&mut o, in_rfc.iter().map(|a| test_of(a).1.verdict));
            o.push_str("</h2>\n");
        }
        o.push_str("<section class=\"group sec\">\n");
        if *rfc != u32::MAX {
            let _ = write!(o, "<h3>RFC {rfc} §{}", esc(section));
            group_counts(&mut o, tests.iter().map(|a| test_of(a).1.verdict));
            o.push_str("</h3>\n");
        }
        for a in tests {
            let (s, t) = test_of(a);
            test_block(&mut o, &mut data, a.n, s, t);
        }
        o.push_str("</section>\n");
    }
    if current_rfc.is_some() {
        o.push_str("</section>\n");
    }
    if all.is_empty() {
        o.push_str("<p class=\"muted\">The run holds no test.</p>\n");
    }
    o.push_str("</main>\n<footer class=\"muted\">");
    let _ = write!(
        o,
        "Written by {} {} from results.json (schema {}). Captures open in Wireshark; each packet's comment says which step sent or matched it.",
        esc(&run.tool.name),
        esc(&run.tool.version),
        run.schema
    );
    o.push_str("</footer>\n<script type=\"application/json\" id=\"frame-data\">");
    o.push_str(&script_json(&data.into_json()));
    o.push_str("</script>\n<script>");
    o.push_str(JS);
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

fn group_counts(o: &mut String, verdicts: impl Iterator<Item = Verdict>) {
    let mut c: BTreeMap<Verdict, usize> = BTreeMap::new();
    for v in verdicts {
        *c.entry(v).or_default() += 1;
    }
    o.push_str(" <span class=\"counts\">");
    for (v, n) in c {
        let _ = write!(
            o,
            "<span class=\"pill v-{}\" title=\"{}\">{n}</span>",
            v.as_str(),
            verdict_name(v)
        );
    }
    o.push_str("</span>");
}

fn suites_table(o: &mut String, run: &Run) {
    if run.suites.is_empty() {
        return;
    }
    o.push_str("<details class=\"suites\"><summary>Suites</summary>\n<table><thead><tr><th>suite</th><th>file</th><th>IUT role</th><th>topology</th><th>profile</th><th>tests</th><th>result</th></tr></thead><tbody>\n");
    for s in &run.suites {
        let sum = crate::results::Summary::of(s.tests.iter().map(|t| &t.verdict));
        let _ = writeln!(
            o,
            "<tr><td><b>{}</b><br><span class=\"muted\">{}</span></td><td><code>{}</code><br><span class=\"muted hash\" title=\"SHA-256\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.suite),
            esc(&s.title),
            esc(&s.path),
            esc(&s.sha256),
            esc(&s.role),
            esc(&s.topology),
            s.profile
                .as_ref()
                .map(|p| format!("{} <span class=\"muted\">({})</span>", esc(&p.name), esc(&p.path)))
                .unwrap_or_default(),
            sum.total,
            esc(&sum.line())
        );
    }
    o.push_str("</tbody></table></details>\n");
}

/// The tests that did not pass, linked, with their first message: where to start reading.
fn problems(o: &mut String, run: &Run, all: &[At]) {
    let bad: Vec<&At> = all
        .iter()
        .filter(|a| {
            matches!(
                run.suites[a.suite].tests[a.test].verdict,
                Verdict::Fail | Verdict::Inconclusive | Verdict::Error
            )
        })
        .collect();
    if bad.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<details class=\"problems\" open><summary>{} test{} to look at</summary><ul>",
        bad.len(),
        if bad.len() == 1 { "" } else { "s" }
    );
    for a in bad {
        let t = &run.suites[a.suite].tests[a.test];
        let _ = writeln!(
            o,
            "<li><span class=\"badge v-{}\">{}</span> <a href=\"#t{}\">{}</a> <span class=\"msg\">{}</span></li>",
            t.verdict.as_str(),
            verdict_word(t.verdict),
            a.n,
            esc(&t.id),
            esc(&crate::junit::failure_message(&t.reason))
        );
    }
    o.push_str("</ul></details>\n");
}

/// The text the filter searches: lower-case id, title, suite, refs, behaviours, reasons.
fn haystack(s: &SuiteResult, t: &TestResult) -> String {
    let mut h = format!(
        "{} {} {} {} {}",
        t.id,
        t.title,
        s.suite,
        s.path,
        t.verdict.as_str()
    );
    for r in &t.refs {
        let _ = write!(h, " {} rfc{} §{}", r.label(), r.rfc, r.section);
        if let Some(l) = &r.level {
            let _ = write!(h, " {l}");
        }
    }
    for x in t
        .behaviours
        .iter()
        .chain(&t.tahi)
        .chain(&t.tags)
        .chain(&t.reason)
        .chain(&t.warnings)
    {
        h.push(' ');
        h.push_str(x);
    }
    h.to_lowercase()
}

fn test_block(o: &mut String, data: &mut FrameData, n: usize, s: &SuiteResult, t: &TestResult) {
    let open = matches!(
        t.verdict,
        Verdict::Fail | Verdict::Inconclusive | Verdict::Error
    );
    let _ = write!(
        o,
        "<details class=\"test v-{}\" id=\"t{n}\" data-v=\"{}\" data-id=\"{}\" data-q=\"{}\"{}>\n<summary><span class=\"badge\">{}</span> <code class=\"id\">{}</code> <span class=\"ttl\">{}</span><span class=\"dur\">{}</span></summary>\n<div class=\"body\">\n",
        t.verdict.as_str(),
        t.verdict.as_str(),
        esc(&t.id),
        esc(&haystack(s, t)),
        if open { " open" } else { "" },
        verdict_word(t.verdict),
        esc(&t.id),
        esc(&t.title),
        secs(t.duration)
    );

    // Facts.
    o.push_str("<dl class=\"facts\">");
    let _ = write!(
        o,
        "<dt>suite</dt><dd>{} <code>{}:{}</code></dd>",
        esc(&s.suite),
        esc(&s.path),
        t.line
    );
    if !t.refs.is_empty() {
        o.push_str("<dt>checks</dt><dd>");
        for (i, r) in t.refs.iter().enumerate() {
            if i > 0 {
                o.push_str(", ");
            }
            let _ = write!(o, "<span class=\"ref\">{}", esc(&r.label()));
            if let Some(l) = &r.level {
                let _ = write!(o, " <b>{}</b>", esc(l));
            }
            o.push_str("</span>");
        }
        o.push_str("</dd>");
    }
    for (name, list) in [
        ("behaviours", &t.behaviours),
        ("TAHI", &t.tahi),
        ("tags", &t.tags),
    ] {
        if !list.is_empty() {
            let items: Vec<String> = list.iter().map(|x| esc(x)).collect();
            let _ = write!(o, "<dt>{name}</dt><dd>{}</dd>", items.join(", "));
        }
    }
    if let Some(st) = &t.started {
        let _ = write!(
            o,
            "<dt>started</dt><dd>{} ({})</dd>",
            esc(st),
            secs(t.duration)
        );
    }
    if let Some(p) = &t.pcap {
        if safe_relative(p) {
            let _ = write!(
                o,
                "<dt>capture</dt><dd><a class=\"pcap\" href=\"{}\">{}</a></dd>",
                esc(&href(p)),
                esc(p)
            );
        } else {
            let _ = write!(o, "<dt>capture</dt><dd><code>{}</code></dd>", esc(p));
        }
    }
    o.push_str("</dl>\n");

    // Why.
    if !t.reason.is_empty() {
        let cls = if t.verdict.passed() { "note" } else { "reason" };
        let _ = write!(o, "<div class=\"{cls}\">");
        reason_lines(o, &t.reason);
        o.push_str("</div>\n");
    }
    if !t.warnings.is_empty() {
        o.push_str("<div class=\"warnings\"><b>Warnings</b><ul>");
        for w in &t.warnings {
            let _ = write!(o, "<li>{}</li>", esc(w));
        }
        o.push_str("</ul></div>\n");
    }

    let labels: Vec<String> = t
        .frames
        .iter()
        .map(|f| match decode_hex(&f.bytes) {
            Some((_, v)) => frame_label(&v),
            None if !f.summary.is_empty() => f.summary.clone(),
            None => "frame (bytes not hex)".into(),
        })
        .collect();
    if !t.frames.is_empty() || t.steps.iter().any(missing) {
        o.push_str("<h4>Message sequence</h4>\n<div class=\"ladder\">");
        ladder(o, n, s, t, &labels);
        o.push_str("</div>\n");
    }
    if !t.steps.is_empty() {
        steps_table(o, n, t);
    }
    if !t.frames.is_empty() {
        let _ = write!(
            o,
            "<h4>Frames ({})</h4>\n<div class=\"frames\">",
            t.frames.len()
        );
        let mut ids = Vec::with_capacity(t.frames.len());
        for (i, f) in t.frames.iter().enumerate() {
            frame_block(o, n, i, f, &labels[i], open);
            ids.push(data.add(f));
        }
        o.push_str("</div>\n");
        data.tests.insert(n.to_string(), ids.into());
    }
    o.push_str("</div>\n</details>\n");
}

fn missing(s: &crate::results::StepRecord) -> bool {
    s.kind == "expect" && s.outcome == StepOutcome::Failed && s.frames.is_empty()
}

/// The reason lines: the first (where) in bold, `field: expected X, got Y` lines marked.
fn reason_lines(o: &mut String, lines: &[String]) {
    o.push_str("<pre>");
    for (i, l) in lines.iter().enumerate() {
        let cls = if i == 0 {
            Some("where")
        } else if l.contains(": expected ") && l.contains(", got ") && !l.starts_with(' ') {
            Some("field")
        } else {
            None
        };
        match cls {
            Some(c) => {
                let _ = write!(o, "<span class=\"{c}\">{}</span>", esc(l));
            }
            None => o.push_str(&esc(l)),
        }
        o.push('\n');
    }
    o.push_str("</pre>");
}

fn steps_table(o: &mut String, n: usize, t: &TestResult) {
    o.push_str("<h4>Steps</h4>\n<table class=\"steps\"><thead><tr><th>step</th><th>line</th><th>what</th><th>outcome</th><th>time</th><th>frames</th></tr></thead><tbody>\n");
    for s in &t.steps {
        let oc = outcome_str(s.outcome);
        let step = match &s.fixture {
            Some(f) => format!("{} {}", esc(f), s.index),
            None => s.index.to_string(),
        };
        let _ = write!(
            o,
            "<tr class=\"o-{oc}\"><td>{step}</td><td>{}</td><td><span class=\"kind\">{}</span> {}</td><td><span class=\"oc\">{}</span></td><td>{}–{}</td><td>",
            s.line,
            esc(&s.kind),
            esc(&s.description),
            match s.outcome {
                StepOutcome::Ok => "✓ ok",
                StepOutcome::Failed => "✗ failed",
                StepOutcome::Error => "✗ error",
                StepOutcome::NotRun => "not run",
            },
            secs(s.start),
            secs(s.end)
        );
        for &fi in &s.frames {
            if fi < t.frames.len() {
                let _ = write!(o, "<a href=\"#f{n}-{fi}\">#{}</a> ", fi + 1);
            }
        }
        if missing(s) {
            o.push_str("<span class=\"miss\">missing</span>");
        }
        o.push_str("</td></tr>\n");
        let failed = matches!(s.outcome, StepOutcome::Failed | StepOutcome::Error);
        if failed && (!s.message.is_empty() || s.packet.is_some()) {
            o.push_str("<tr class=\"msg\"><td></td><td colspan=\"5\">");
            if !s.message.is_empty() {
                reason_lines(o, &s.message);
            }
            if let Some(p) = &s.packet {
                let pretty = serde_json::to_string_pretty(p).unwrap_or_default();
                let _ = write!(
                    o,
                    "<details class=\"tpl\"><summary>the step's packet as written</summary><pre>{}</pre></details>",
                    esc(&pretty)
                );
            }
            o.push_str("</td></tr>\n");
        }
    }
    o.push_str("</tbody></table>\n");
}

fn frame_block(o: &mut String, n: usize, i: usize, f: &FrameRecord, label: &str, test_open: bool) {
    let role = role_str(f.role);
    // In a failing test, the frames that made it fail (or were not asked for) start open.
    let open = test_open && matches!(f.role, FrameRole::Forbidden | FrameRole::Unexpected);
    let _ = write!(
        o,
        "<details class=\"frame r-{role}\" id=\"f{n}-{i}\"{}><summary><span class=\"fno\">#{}</span> <span class=\"t\">{}</span> <span class=\"lnk\">{}</span> <span class=\"dir\">{} → {}</span> <span class=\"role\">{role}</span> <b class=\"lbl\">{}</b> <span class=\"note\">{}</span>{}</summary>\n<div class=\"fbody\">",
        if open { " open" } else { "" },
        i + 1,
        secs(f.time),
        esc(&f.link),
        esc(&f.from),
        esc(&f.to),
        esc(label),
        esc(&f.note),
        if f.violations.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"vio\">⚠ {}</span>", f.violations.len())
        }
    );
    if !f.summary.is_empty() {
        let _ = write!(o, "<p class=\"sum\"><code>{}</code></p>", esc(&f.summary));
    }
    if !f.violations.is_empty() {
        o.push_str("<ul class=\"violations\">");
        for v in &f.violations {
            let _ = write!(
                o,
                "<li><code>{}.{}</code> @{}: {} <span class=\"muted\">[{}; {}]</span></li>",
                esc(&v.layer),
                esc(&v.field),
                v.offset,
                esc(&v.message),
                esc(&v.rule),
                esc(&v.rfc)
            );
        }
        o.push_str("</ul>");
    }
    let _ = writeln!(
        o,
        "<div class=\"fd\" data-k=\"{n}:{i}\"><noscript>The decoded fields and the hex dump need JavaScript.</noscript></div></div></details>"
    );
}

/// The page's JSON: each distinct frame once (`f`), and per test (by number) the indexes of its
/// frames into `f` (`t`). Runs repeat frames a lot (fixtures, neighbour discovery).
#[derive(Default)]
struct FrameData {
    frames: Vec<serde_json::Value>,
    seen: std::collections::HashMap<(String, String), usize>,
    tests: serde_json::Map<String, serde_json::Value>,
}

impl FrameData {
    fn add(&mut self, f: &FrameRecord) -> usize {
        let key = (
            f.bytes.clone(),
            serde_json::to_string(&f.violations).unwrap_or_default(),
        );
        if let Some(&i) = self.seen.get(&key) {
            return i;
        }
        self.frames.push(frame_json(f));
        self.seen.insert(key, self.frames.len() - 1);
        self.frames.len() - 1
    }

    fn into_json(self) -> serde_json::Value {
        serde_json::json!({"f": self.frames, "t": self.tests})
    }
}

/// The frame's entry in the page's JSON: the hex (`h`), the decoded layers (`l`, as in
/// `mip6test decode --json`) and the violations (`v`: offset, layer, field, message).
fn frame_json(f: &FrameRecord) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    match decode_hex(&f.bytes) {
        Some((bytes, view)) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            m.insert("h".into(), hex.into());
            m.insert(
                "l".into(),
                serde_json::to_value(&view.layers).unwrap_or_default(),
            );
        }
        None => {
            m.insert("h".into(), "".into());
            m.insert("bad".into(), true.into());
        }
    }
    let v: Vec<serde_json::Value> = f
        .violations
        .iter()
        .map(|v| {
            serde_json::json!({"offset": v.offset, "layer": v.layer, "field": v.field, "message": v.message})
        })
        .collect();
    m.insert("v".into(), v.into());
    serde_json::Value::Object(m)
}

// ---- the ladder diagram -------------------------------------------------------------------------

enum Ev {
    Frame(usize),
    /// A failed expect step that matched no frame: drawn as a dashed red arrow.
    Missing(usize),
}

const GUTTER: f64 = 64.0;
const HEAD: f64 = 40.0;
const ROW: f64 = 28.0;
const MAX_ROWS: usize = 400;
const MAX_LABEL: usize = 52;
const CHAR_W: f64 = 6.7;

fn clip_label(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(MAX_LABEL - 1).collect();
        c.push('…');
        c
    }
}

/// One row of a ladder, laid out.
struct Row {
    time: f64,
    class: String,
    from: Option<usize>,
    to: Option<usize>,
    /// To everyone on the link (a multicast, or a frame to no known node).
    multicast: bool,
    label: String,
    tip: String,
    link: String,
    anchor: Option<String>,
}

fn ladder(o: &mut String, n: usize, s: &SuiteResult, t: &TestResult, labels: &[String]) {
    // Columns: the suite's nodes, then anyone else the frames name (but not a link's name: that
    // is a multicast or a frame to no known node).
    let links: Vec<&str> = s
        .links
        .iter()
        .map(String::as_str)
        .chain(t.frames.iter().map(|f| f.link.as_str()))
        .collect();
    let mut cols: Vec<String> = Vec::new();
    for c in &s.nodes {
        if !cols.contains(c) {
            cols.push(c.clone());
        }
    }
    for f in &t.frames {
        for who in [&f.from, &f.to] {
            if !cols.contains(who) && !links.contains(&who.as_str()) && !who.is_empty() {
                cols.push(who.clone());
            }
        }
    }
    if !cols.iter().any(|c| c == "iut") && t.steps.iter().any(missing) {
        cols.push("iut".into());
    }
    if cols.is_empty() {
        cols.push("iut".into());
    }
    let col_of = |who: &str| cols.iter().position(|c| c == who);

    // Events in time order: a missing frame at the end of its step's window.
    let mut evs: Vec<(f64, usize, Ev)> = t
        .frames
        .iter()
        .enumerate()
        .map(|(i, f)| (f.time, 0, Ev::Frame(i)))
        .collect();
    for (si, st) in t.steps.iter().enumerate() {
        if missing(st) {
            evs.push((st.end, 1, Ev::Missing(si)));
        }
    }
    // Stable: frames keep the record's order; a missing frame goes after frames of its time.
    let mut order: Vec<usize> = (0..evs.len()).collect();
    order.sort_by(|&a, &b| {
        let (ta, ka, _) = &evs[a];
        let (tb, kb, _) = &evs[b];
        let ta = if ta.is_finite() { *ta } else { 0.0 };
        let tb = if tb.is_finite() { *tb } else { 0.0 };
        ta.total_cmp(&tb).then(ka.cmp(kb)).then(a.cmp(&b))
    });
    let total = order.len();
    order.truncate(MAX_ROWS);

    let rows: Vec<Row> = order
        .iter()
        .map(|&k| match &evs[k].2 {
            Ev::Frame(i) => {
                let f = &t.frames[*i];
                let mark = match f.role {
                    FrameRole::Matched => "✓ ",
                    FrameRole::Forbidden => "✗ ",
                    FrameRole::Unexpected => "⚠ ",
                    _ => "",
                };
                let to = col_of(&f.to);
                Row {
                    time: f.time,
                    class: format!("ev r-{}", role_str(f.role)),
                    from: col_of(&f.from),
                    to,
                    multicast: to.is_none() && links.contains(&f.to.as_str()) && cols.len() > 1,
                    label: clip_label(&format!(
                        "{mark}{}",
                        labels.get(*i).map_or("", String::as_str)
                    )),
                    tip: format!(
                        "#{} {} on {}: {} → {}\n{}",
                        i + 1,
                        secs(f.time),
                        f.link,
                        f.from,
                        f.to,
                        f.note
                    ),
                    link: f.link.clone(),
                    anchor: Some(format!("f{n}-{i}")),
                }
            }
            Ev::Missing(si) => {
                let st = &t.steps[*si];
                // The IUT should have answered the node that last sent to it.
                let target = t
                    .frames
                    .iter()
                    .filter(|f| f.role == FrameRole::Sent && f.time <= st.end)
                    .filter_map(|f| col_of(&f.from))
                    .next_back()
                    .or_else(|| cols.iter().position(|c| c != "iut"));
                let mut tip = format!(
                    "expected but never seen: step {} (line {}), {}",
                    st.index, st.line, st.description
                );
                for m in &st.message {
                    tip.push('\n');
                    tip.push_str(m);
                }
                // `expect on link0 within 1s: mh binding_ack status=0`: the part after the window.
                let d = &st.description;
                let what = d.split_once(": ").map_or(d.as_str(), |(_, w)| w);
                Row {
                    time: st.end,
                    class: "ev missing".into(),
                    from: col_of("iut"),
                    to: target,
                    multicast: false,
                    label: clip_label(&format!("✗ missing: {what}")),
                    tip,
                    link: st.link.clone().unwrap_or_default(),
                    anchor: None,
                }
            }
        })
        .collect();

    // Column spacing: wide enough for every label over the columns its arrow spans.
    let mut sp: f64 = 130.0;
    for r in &rows {
        let chars = r.label.chars().count() + if r.multicast { r.link.len() + 3 } else { 0 };
        let gaps = if r.multicast {
            cols.len().saturating_sub(1)
        } else {
            match (r.from, r.to) {
                (Some(a), Some(b)) => a.abs_diff(b),
                _ => 1,
            }
        }
        .max(1);
        sp = sp.max((chars as f64 * CHAR_W + 20.0) / gaps as f64);
    }
    let sp = sp.min(380.0).round();
    let width = GUTTER + sp * cols.len() as f64 + 8.0;
    let nrows = rows.len() + usize::from(total > rows.len());
    let height = HEAD + ROW * nrows as f64 + 12.0;
    let x = |c: usize| GUTTER + sp * (c as f64 + 0.5);

    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"seq\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"message sequence of {}\">",
        esc(&t.id)
    );
    // Lifelines and column heads.
    for (i, c) in cols.iter().enumerate() {
        let cx = x(i);
        let _ = write!(
            o,
            "<line class=\"life\" x1=\"{cx:.0}\" y1=\"{:.0}\" x2=\"{cx:.0}\" y2=\"{:.0}\"/>",
            HEAD - 8.0,
            height - 4.0
        );
        let w = (c.chars().count() as f64 * 7.5 + 18.0).min(sp - 8.0);
        let _ = write!(
            o,
            "<rect class=\"head{}\" x=\"{:.0}\" y=\"6\" width=\"{w:.0}\" height=\"24\" rx=\"5\"/><text class=\"headt\" x=\"{cx:.0}\" y=\"22\">{}</text>",
            if c == "iut" { " iut" } else { "" },
            cx - w / 2.0,
            esc(&clip_label(c))
        );
    }
    for (row, r) in rows.iter().enumerate() {
        let y = HEAD + ROW * row as f64 + 18.0;
        if let Some(a) = &r.anchor {
            let _ = write!(o, "<a href=\"#{a}\">");
        }
        let _ = write!(
            o,
            "<g class=\"{}\"><title>{}</title><rect class=\"hl\" x=\"0\" y=\"{:.0}\" width=\"100%\" height=\"{ROW:.0}\"/><text class=\"tm\" x=\"4\" y=\"{:.0}\">{}</text>",
            r.class,
            esc(&r.tip),
            y - 18.0,
            y - 4.0,
            secs(r.time)
        );
        let from_x = r.from.map(x).unwrap_or(GUTTER + 6.0);
        if r.multicast {
            // To everyone on the link: a dotted line across the columns, a head at each
            // receiver.
            let lo = x(0);
            let hi = x(cols.len() - 1);
            let _ = write!(
                o,
                "<line x1=\"{lo:.0}\" y1=\"{y:.0}\" x2=\"{hi:.0}\" y2=\"{y:.0}\" class=\"mc\"/>"
            );
            for c in 0..cols.len() {
                let cx = x(c);
                if (cx - from_x).abs() < 1.0 {
                    let _ = write!(o, "<circle cx=\"{cx:.0}\" cy=\"{y:.0}\" r=\"3.5\"/>");
                } else {
                    arrow_head(o, cx, y, if cx > from_x { 1.0 } else { -1.0 });
                }
            }
            let _ = write!(
                o,
                "<text class=\"lbl\" x=\"{:.0}\" y=\"{:.0}\">{} [{}]</text>",
                (lo + hi) / 2.0,
                y - 5.0,
                esc(&r.label),
                esc(&r.link)
            );
        } else {
            let to_x = match r.to {
                Some(c) => x(c),
                // Nobody we know: off to the far side.
                None if from_x > GUTTER + sp => GUTTER + 6.0,
                None => width - 6.0,
            };
            if (to_x - from_x).abs() < 1.0 {
                // To itself: a small loop.
                let _ = write!(
                    o,
                    "<path d=\"M{from_x:.0} {:.0} h24 v8 h-20\" fill=\"none\"/>",
                    y - 4.0
                );
                arrow_head(o, from_x, y + 4.0, -1.0);
                let _ = write!(
                    o,
                    "<text class=\"lbl\" text-anchor=\"start\" x=\"{:.0}\" y=\"{:.0}\">{}</text>",
                    from_x + 30.0,
                    y + 2.0,
                    esc(&r.label)
                );
            } else {
                let dir = if to_x > from_x { 1.0 } else { -1.0 };
                let _ = write!(
                    o,
                    "<line x1=\"{from_x:.0}\" y1=\"{y:.0}\" x2=\"{:.0}\" y2=\"{y:.0}\"/>",
                    to_x - dir * 6.0
                );
                arrow_head(o, to_x, y, dir);
                let _ = write!(
                    o,
                    "<text class=\"lbl\" x=\"{:.0}\" y=\"{:.0}\">{}</text>",
                    (from_x + to_x) / 2.0,
                    y - 5.0,
                    esc(&r.label)
                );
            }
        }
        o.push_str("</g>");
        if r.anchor.is_some() {
            o.push_str("</a>");
        }
    }
    if total > rows.len() {
        let y = HEAD + ROW * rows.len() as f64 + 16.0;
        let _ = write!(
            o,
            "<text class=\"tm\" x=\"4\" y=\"{y:.0}\">… {} more events are listed below, not drawn</text>",
            total - rows.len()
        );
    }
    o.push_str("</svg>");
}

fn arrow_head(o: &mut String, x: f64, y: f64, dir: f64) {
    let bx = x - dir * 10.0;
    let _ = write!(
        o,
        "<polygon points=\"{x:.0},{y:.0} {bx:.0},{:.0} {bx:.0},{:.0}\"/>",
        y - 5.0,
        y + 5.0
    );
}

// ---- style and script ---------------------------------------------------------------------------

const LEGEND: &str = "<p class=\"legend\">Ladders: <span class=\"lg r-sent\">→ sent by the harness</span> <span class=\"lg r-responder\">→ harness ND answer</span> <span class=\"lg r-matched\">✓ from the IUT, expected</span> <span class=\"lg r-unexpected\">⚠ from the IUT, not asked for</span> <span class=\"lg r-forbidden\">✗ from the IUT, forbidden</span> <span class=\"lg missing\">✗ expected, never came</span> <span class=\"lg r-background\">→ background ND</span>. Click an arrow for the frame's fields and bytes.</p>\n";

const CSS: &str = r##"
:root{--pass:#15803d;--warn:#b45309;--fail:#dc2626;--inc:#7c3aed;--na:#64748b;--skip:#94a3b8;--err:#be123c;--bg:#f1f5f9;--fg:#0f172a;--mut:#64748b;--line:#e2e8f0;--mono:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
html{scroll-padding-top:96px}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","DejaVu Sans",Arial,sans-serif;color:var(--fg);background:var(--bg)}
code,pre,.id{font-family:var(--mono);font-size:12.5px}
a{color:#1d4ed8}
.muted{color:var(--mut)}
header{background:#0f172a;color:#e2e8f0;padding:18px 28px 14px}
header h1{margin:0 0 2px;font-size:21px;color:#fff;letter-spacing:.2px}
header a{color:#93c5fd}
.meta{margin:0 0 10px;color:#cbd5e1}
.banner{margin:8px 0 12px;padding:8px 12px;border-radius:6px;background:#1e293b;font-weight:600}
.banner.good{background:#14532d;color:#dcfce7}
.banner.bad{background:#7f1d1d;color:#fee2e2}
.tiles{display:flex;gap:10px;flex-wrap:wrap;margin-bottom:10px}
.tile{font:inherit;color:#cbd5e1;background:#1e293b;border:1px solid #334155;border-left:5px solid var(--c,#475569);border-radius:8px;padding:6px 14px 8px;min-width:118px;text-align:left;cursor:pointer}
.tile:hover{background:#273449}
.tile b{display:block;font-size:26px;line-height:1.15;color:#fff}
.suites,.problems{margin:8px 0;background:#1e293b;border-radius:8px;padding:6px 12px}
.suites summary,.problems summary{cursor:pointer;font-weight:600;color:#fff}
.suites table{border-collapse:collapse;width:100%;margin:6px 0}
.suites th,.suites td{text-align:left;padding:4px 8px;border-top:1px solid #334155;vertical-align:top}
.suites .muted,.problems .msg{color:#94a3b8}
.hash{font-family:var(--mono);font-size:11px}
.problems ul{margin:6px 0;padding-left:0;list-style:none}
.problems li{margin:3px 0}
.problems .msg{font-family:var(--mono);font-size:12px}
.legend{margin:8px 0 0;color:#94a3b8;font-size:12.5px}
.legend .lg{white-space:nowrap;margin-right:8px;font-weight:600;color:var(--rc)}
nav#filters{position:sticky;top:0;z-index:10;display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;padding:8px 28px;background:#fff;border-bottom:1px solid var(--line);box-shadow:0 1px 4px rgba(15,23,42,.08)}
nav#filters label{cursor:pointer;white-space:nowrap;font-size:13px}
nav#filters #q{flex:1 1 260px;min-width:200px;padding:5px 9px;border:1px solid #cbd5e1;border-radius:6px;font:inherit}
nav#filters button{font:inherit;font-size:12.5px;padding:4px 10px;border:1px solid #cbd5e1;border-radius:6px;background:#f8fafc;cursor:pointer}
main{padding:10px 28px 40px;max-width:1500px}
h2{font-size:18px;margin:22px 0 6px;padding-bottom:4px;border-bottom:2px solid #cbd5e1}
h3{font-size:14.5px;margin:14px 0 6px;color:#334155}
h4{font-size:13px;margin:14px 0 6px;color:#475569;text-transform:uppercase;letter-spacing:.5px}
.counts{margin-left:8px;font-weight:400}
.pill{display:inline-block;min-width:22px;padding:0 6px;margin-right:3px;border-radius:10px;background:var(--c);color:#fff;font-size:11.5px;text-align:center;line-height:18px}
.v-pass{--c:var(--pass)}.v-pass-with-warnings{--c:var(--warn)}.v-fail{--c:var(--fail)}.v-inconclusive{--c:var(--inc)}.v-not-applicable{--c:var(--na)}.v-skipped{--c:var(--skip)}.v-error{--c:var(--err)}
.badge{display:inline-block;min-width:92px;text-align:center;border-radius:4px;padding:0 6px;font:700 11.5px/20px var(--mono);color:#fff;background:var(--c,#475569)}
details.test{background:#fff;border:1px solid var(--line);border-left:5px solid var(--c);border-radius:7px;margin:6px 0;box-shadow:0 1px 2px rgba(15,23,42,.04)}
details.test>summary{cursor:pointer;padding:7px 12px;display:flex;gap:10px;align-items:baseline}
details.test>summary .id{font-weight:700}
details.test>summary .ttl{flex:1;color:#334155}
details.test>summary .dur{color:var(--mut);font-size:12px;font-family:var(--mono)}
details.test[open]>summary{border-bottom:1px solid var(--line);background:#f8fafc;border-radius:7px 7px 0 0}
.body{padding:8px 16px 14px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0 8px}
.facts dt{color:var(--mut)}
.facts dd{margin:0}
.ref{white-space:nowrap}
.reason{background:#fef2f2;border:1px solid #fecaca;border-left:4px solid var(--fail);border-radius:6px;padding:8px 12px;margin:8px 0}
.v-inconclusive .reason{background:#f5f3ff;border-color:#ddd6fe;border-left-color:var(--inc)}
.v-error .reason{background:#fff1f2;border-color:#fecdd3;border-left-color:var(--err)}
.note{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0}
.reason pre,.note pre,tr.msg pre{margin:0;white-space:pre-wrap;word-break:break-word}
.reason .where{font-weight:700}
.reason .field,tr.msg .field{display:inline-block;background:#fee2e2;color:#991b1b;font-weight:700;padding:0 4px;border-radius:3px}
.warnings{background:#fffbeb;border:1px solid #fde68a;border-left:4px solid var(--warn);border-radius:6px;padding:6px 12px;margin:8px 0}
.warnings ul{margin:4px 0;padding-left:20px}
.ladder{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:#fcfdfe;padding:2px}
svg.seq{display:block;font-family:var(--mono)}
svg.seq .life{stroke:#cbd5e1;stroke-dasharray:3 4}
svg.seq rect.head{fill:#e2e8f0;stroke:#94a3b8}
svg.seq rect.head.iut{fill:#fef3c7;stroke:#d97706}
svg.seq .headt{font:700 12px var(--mono);text-anchor:middle;fill:#0f172a}
svg.seq .tm{font-size:10.5px;fill:#64748b}
svg.seq .lbl{font-size:11px;text-anchor:middle;fill:var(--rc)}
svg.seq{--rc:#334155}
svg.seq .ev{stroke:var(--rc);fill:var(--rc)}
svg.seq .ev text{stroke:none}
svg.seq .ev line,svg.seq .ev path{stroke-width:1.6}
svg.seq .ev rect.hl{fill:transparent;stroke:none}
svg.seq a:hover rect.hl{fill:#e0f2fe}
svg.seq a{cursor:pointer}
svg.seq .mc{stroke-dasharray:1 3}
.r-sent{--rc:#1d4ed8}.r-responder{--rc:#64748b}.r-matched{--rc:#15803d}.r-forbidden{--rc:#dc2626}.r-background{--rc:#a8a29e}.r-unexpected{--rc:#c2410c}.missing{--rc:#dc2626}
svg.seq .r-responder line{stroke-dasharray:5 3}
svg.seq .r-forbidden line{stroke-width:3}
svg.seq .r-forbidden .lbl,svg.seq .missing .lbl,svg.seq .r-unexpected .lbl{font-weight:700}
svg.seq .missing line{stroke-dasharray:6 4;stroke-width:2}
svg.seq .missing rect.hl{fill:#fef2f2}
svg.seq .r-unexpected rect.hl{fill:#fff7ed}
svg.seq .r-forbidden rect.hl{fill:#fef2f2}
table.steps{border-collapse:collapse;width:100%;font-size:13px}
table.steps th{text-align:left;color:var(--mut);font-weight:600;border-bottom:1px solid var(--line);padding:3px 8px}
table.steps td{padding:3px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top}
table.steps .kind{font-family:var(--mono);font-size:12px;background:#f1f5f9;border-radius:3px;padding:0 4px}
tr.o-ok .oc{color:var(--pass)}
tr.o-failed,tr.o-error{background:#fef2f2}
tr.o-failed .oc,tr.o-error .oc{color:var(--fail);font-weight:700}
tr.o-not-run{color:#94a3b8}
tr.msg td{background:#fef2f2;padding-bottom:8px}
.miss{color:var(--fail);font-weight:700}
details.tpl summary{cursor:pointer;color:var(--mut);font-size:12px}
details.tpl pre{background:#f8fafc;border:1px solid var(--line);padding:6px;border-radius:4px;max-height:300px;overflow:auto}
.frames{border-top:1px solid var(--line)}
details.frame{border-bottom:1px solid var(--line);border-left:4px solid var(--rc);padding-left:6px}
details.frame>summary{cursor:pointer;padding:3px 4px;font-size:12.5px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
details.frame>summary>span{margin-right:6px}
details.frame .fno{color:var(--mut);font-family:var(--mono)}
details.frame .t,details.frame .lnk{font-family:var(--mono);color:#475569}
details.frame .role{font:600 11px var(--mono);color:#fff;background:var(--rc);border-radius:3px;padding:0 5px}
details.frame .lbl{font-family:var(--mono);color:var(--rc)}
details.frame .note{color:var(--mut)}
details.frame .vio{color:var(--fail);font-weight:700}
details.frame.flash{background:#e0f2fe}
.fbody{padding:4px 4px 10px}
.fbody .sum{margin:2px 0 6px;color:#475569}
ul.violations{margin:4px 0 8px;padding-left:18px;color:#991b1b}
.layers{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
table.layer{border-collapse:collapse;font-size:12px;background:#fff;border:1px solid var(--line);border-top:3px solid var(--lc)}
table.layer caption{text-align:left;font:700 12px var(--mono);padding:2px 6px;background:var(--lbg);caption-side:top}
table.layer th{text-align:left;font-weight:500;color:#475569;padding:1px 8px;font-family:var(--mono);vertical-align:top}
table.layer td{padding:1px 8px;font-family:var(--mono);word-break:break-all;max-width:520px}
table.layer tr.bad{background:#fee2e2;color:#991b1b}
.L0{--lc:#2563eb;--lbg:#dbeafe}.L1{--lc:#059669;--lbg:#d1fae5}.L2{--lc:#d97706;--lbg:#fef3c7}.L3{--lc:#7c3aed;--lbg:#ede9fe}.Lx{--lbg:#f1f5f9}
pre.hexdump{margin:8px 0 0;padding:6px 8px;background:#f8fafc;border:1px solid var(--line);border-radius:4px;line-height:1.5;overflow-x:auto}
pre.hexdump .off{color:#94a3b8}
pre.hexdump .b{background:var(--lbg)}
pre.hexdump .bad{background:#fca5a5;color:#7f1d1d;font-weight:700;outline:1px solid #dc2626}
pre.hexdump .asc{color:#475569}
footer{padding:10px 28px 30px;font-size:12px}
[hidden]{display:none!important}
@media print{nav#filters{display:none}details.test{break-inside:avoid}}
"##;

const JS: &str = r##"
(function () {
  'use strict';
  var doc = document;
  var each = function (sel, f) { Array.prototype.forEach.call(doc.querySelectorAll(sel), f); };
  var data = {};
  try {
    var de = doc.getElementById('frame-data');
    data = JSON.parse(de ? de.textContent : '{}');
  } catch (e) { console.error('mip6test report: the frame data does not parse: ' + e); }
  var tests = Array.prototype.slice.call(doc.querySelectorAll('details.test'));
  var boxes = Array.prototype.slice.call(doc.querySelectorAll('#filters input[name=v]'));
  var q = doc.getElementById('q');
  var shown = doc.getElementById('shown');

  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    tests.forEach(function (t) {
      var hay = t.getAttribute('data-q') || '';
      var ok = on[t.getAttribute('data-v')] !== false &&
        words.every(function (w) { return hay.indexOf(w) >= 0; });
      t.hidden = !ok;
      if (ok) { n++; }
    });
    each('section.group', function (s) { s.hidden = !s.querySelector('details.test:not([hidden])'); });
    shown.textContent = n + ' of ' + tests.length + ' tests shown';
  }

  var params = new URLSearchParams(location.search);
  if (params.has('v')) {
    var vs = params.get('v').split(',');
    boxes.forEach(function (b) { b.checked = vs.indexOf(b.value) >= 0; });
  }
  if (params.has('q')) { q.value = params.get('q'); }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  q.addEventListener('input', apply);
  each('button.tile[data-only]', function (t) {
    t.addEventListener('click', function () {
      var only = t.getAttribute('data-only');
      boxes.forEach(function (b) {
        b.checked = only === '*' || b.value === only ||
          (only === 'pass' && b.value === 'pass-with-warnings');
      });
      apply();
      doc.getElementById('filters').scrollIntoView();
    });
  });
  doc.getElementById('expand').addEventListener('click', function () {
    tests.forEach(function (t) { if (!t.hidden) { t.open = true; } });
  });
  doc.getElementById('collapse').addEventListener('click', function () {
    tests.forEach(function (t) { t.open = false; });
  });

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function val(v) { return (v !== null && typeof v === 'object') ? JSON.stringify(v) : String(v); }

  function render(fd) {
    if (fd.getAttribute('data-done')) { return; }
    fd.setAttribute('data-done', '1');
    var k = (fd.getAttribute('data-k') || '').split(':');
    var ids = (data.t || {})[k[0]] || [];
    var f = (data.f || [])[ids[Number(k[1])]];
    fd.textContent = '';
    if (!f) { fd.appendChild(el('p', 'muted', 'No data for this frame.')); return; }
    if (f.bad) { fd.appendChild(el('p', 'muted', 'The record holds no valid bytes for this frame.')); return; }
    var badAt = {}, badField = {};
    (f.v || []).forEach(function (v) {
      badAt[v.offset] = (badAt[v.offset] ? badAt[v.offset] + '; ' : '') + v.message;
      var fld = String(v.field);
      badField[v.layer + '|' + fld] = 1;
      badField[v.layer + '|' + fld.split('.')[0]] = 1;
    });
    var layers = f.l || [];
    var grid = el('div', 'layers');
    layers.forEach(function (l, li) {
      var t = el('table', 'layer L' + (li % 4));
      t.appendChild(el('caption', null, l.layer + ' @' + l.offset + ' · ' + l.length + ' bytes'));
      Object.keys(l.fields || {}).forEach(function (name) {
        var tr = el('tr', badField[l.layer + '|' + name] ? 'bad' : '');
        tr.appendChild(el('th', null, name));
        var fv = l.fields[name];
        tr.appendChild(el('td', null, val(fv) +
          (name === 'checksum' && typeof fv === 'number' ? ' (0x' + fv.toString(16) + ')' : '')));
        t.appendChild(tr);
      });
      (l.options || []).forEach(function (op, oi) {
        var key = 'options[' + oi + ']';
        var tr = el('tr', badField[l.layer + '|' + key] ? 'bad' : '');
        tr.appendChild(el('th', null, key));
        var fs = Object.keys(op.fields || {}).map(function (n) { return n + '=' + val(op.fields[n]); });
        tr.appendChild(el('td', null, op.name + ' (type ' + op.type +
          (op.len !== undefined ? ', len ' + op.len : '') + ') @' + op.offset +
          (fs.length ? ': ' + fs.join(' ') : '')));
        t.appendChild(tr);
      });
      grid.appendChild(t);
    });
    fd.appendChild(grid);
    var h = f.h || '', n = h.length >> 1;
    var starts = layers.map(function (l) { return l.offset; });
    var pre = el('pre', 'hexdump');
    for (var o = 0; o < n; o += 16) {
      pre.appendChild(el('span', 'off', ('000' + o.toString(16)).slice(-4) + '  '));
      var ascii = '';
      for (var i = o; i < o + 16; i++) {
        if (i < n) {
          var hx = h.substr(2 * i, 2), b = parseInt(hx, 16), li = -1;
          for (var j = 0; j < starts.length; j++) { if (starts[j] <= i) { li = j; } }
          var s = el('span', 'b ' + (li < 0 ? 'Lx' : 'L' + (li % 4)) + (badAt[i] !== undefined ? ' bad' : ''), hx);
          s.title = (li < 0 ? '' : layers[li].layer + ' +' + (i - starts[li])) +
            (badAt[i] !== undefined ? ' — ' + badAt[i] : '');
          pre.appendChild(s);
          ascii += (b >= 32 && b < 127) ? String.fromCharCode(b) : '.';
        } else {
          pre.appendChild(doc.createTextNode('  '));
        }
        pre.appendChild(doc.createTextNode(i === o + 7 ? '  ' : ' '));
      }
      pre.appendChild(el('span', 'asc', ' ' + ascii));
      pre.appendChild(doc.createTextNode('\n'));
    }
    fd.appendChild(pre);
  }

  doc.addEventListener('toggle', function (e) {
    var d = e.target;
    if (d && d.open && d.classList && d.classList.contains('frame')) {
      var fd = d.querySelector('.fd');
      if (fd) { render(fd); }
    }
  }, true);
  each('details.frame[open] .fd', render);

  function reveal(id) {
    var e = doc.getElementById(id);
    if (!e) { return; }
    for (var p = e; p; p = p.parentElement) { if (p.tagName === 'DETAILS') { p.open = true; } }
    if (e.hidden) { e.hidden = false; }
    e.scrollIntoView({ block: e.classList.contains('frame') ? 'center' : 'start' });
    e.classList.add('flash');
    setTimeout(function () { e.classList.remove('flash'); }, 1600);
  }
  doc.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('a[href^="#"]') : null;
    if (!a) { return; }
    var id = a.getAttribute('href').slice(1);
    if (!doc.getElementById(id)) { return; }
    e.preventDefault();
    try { history.replaceState(null, '', '#' + id); } catch (err) { /* file: URLs may refuse */ }
    reveal(id);
  });
  if (location.hash.length > 1) { reveal(decodeURIComponent(location.hash.slice(1))); }
  apply();
  doc.body.setAttribute('data-ready', '1');
})();
"##;
