//! What `mip6test run` prints: one line per test case (the failure's details under it), the
//! summary line, colour when wanted, and a progress bar on a terminal.
//!
//! Colour follows `--color auto|always|never`; `auto` means colour when standard output is a
//! terminal and the `NO_COLOR` variable is not set to a non-empty value (no-color.org). The
//! progress bar is drawn on standard error, only when it is a terminal, and erased before each
//! result line so that both can share one screen.

use super::runner::{verdict_word, CaseResult, Verdict};
use std::io::{self, Write};

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl std::str::FromStr for ColorChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(ColorChoice::Auto),
            "always" => Ok(ColorChoice::Always),
            "never" => Ok(ColorChoice::Never),
            _ => Err(format!(
                "unknown colour choice {s:?}: use auto, always or never"
            )),
        }
    }
}

impl ColorChoice {
    /// Whether to colour, given whether the output is a terminal and the value of NO_COLOR.
    pub fn enabled(self, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }

    /// [`ColorChoice::enabled`] for this process's standard output and environment.
    pub fn for_stdout(self) -> bool {
        use std::io::IsTerminal;
        self.enabled(
            io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }
}

/// Whether standard error is a terminal (where the progress bar goes).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stderr().is_terminal()
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const MAGENTA: &str = "\x1b[35m";
const CLEAR_LINE: &str = "\r\x1b[2K";

/// The console of a run.
#[derive(Debug, Clone, Default)]
pub struct Console {
    pub color: bool,
    /// Draw a progress bar on standard error.
    pub progress: bool,
    /// How many cases the run has, and how many are done.
    pub total: usize,
    pub done: usize,
    /// Of those done, how many failed (fail, error, inconclusive).
    pub bad: usize,
    drawn: bool,
}

impl Console {
    pub fn new(color: bool, progress: bool, total: usize) -> Self {
        Console {
            color,
            progress,
            total,
            ..Default::default()
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn verdict_colour(v: Verdict) -> &'static str {
        match v {
            Verdict::Pass => GREEN,
            Verdict::PassWithWarnings => YELLOW,
            Verdict::Fail | Verdict::Error => RED,
            Verdict::Inconclusive => MAGENTA,
            Verdict::NotApplicable | Verdict::Skipped => DIM,
        }
    }

    /// Erases the progress bar (before anything else is printed).
    pub fn clear(&mut self, err: &mut dyn Write) -> io::Result<()> {
        if self.drawn {
            write!(err, "{CLEAR_LINE}")?;
            err.flush()?;
            self.drawn = false;
        }
        Ok(())
    }

    /// Draws the progress bar: `[#####-----] 120/345  2 failed  next: CN.BU.SEQ`.
    pub fn draw(&mut self, err: &mut dyn Write, next: &str) -> io::Result<()> {
        if !self.progress || self.total == 0 {
            return Ok(());
        }
        const WIDTH: usize = 30;
        let filled = self.done * WIDTH / self.total;
        let mut line = format!(
            "[{}{}] {}/{}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.done,
            self.total
        );
        if self.bad > 0 {
            let b = format!("  {} failed", self.bad);
            line.push_str(&self.paint(RED, &b));
        }
        if !next.is_empty() {
            let n: String = next.chars().take(50).collect();
            line.push_str(&format!("  {n}"));
        }
        write!(err, "{CLEAR_LINE}{line}")?;
        err.flush()?;
        self.drawn = true;
        Ok(())
    }

    /// A suite's heading.
    pub fn suite(&mut self, out: &mut dyn Write, heading: &str) -> io::Result<()> {
        writeln!(out, "{}", self.paint(BOLD, heading))
    }

    /// A case's line, its details and warnings.
    pub fn case(&mut self, out: &mut dyn Write, r: &CaseResult) -> io::Result<()> {
        self.done += 1;
        if matches!(
            r.verdict,
            Verdict::Fail | Verdict::Error | Verdict::Inconclusive
        ) {
            self.bad += 1;
        }
        let warn = if r.verdict == Verdict::PassWithWarnings {
            format!(
                "  ({} warning{})",
                r.warnings.len(),
                if r.warnings.len() == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let word = self.paint(Self::verdict_colour(r.verdict), verdict_word(r.verdict));
        writeln!(out, "{word} {}  {}{warn}", r.id, r.title)?;
        for d in &r.detail {
            writeln!(out, "    {d}")?;
        }
        for w in &r.warnings {
            writeln!(out, "    {}", self.paint(YELLOW, &format!("warning: {w}")))?;
        }
        Ok(())
    }

    /// The last line.
    pub fn summary(&mut self, out: &mut dyn Write, line: &str, ok: bool) -> io::Result<()> {
        let c = if ok { GREEN } else { RED };
        writeln!(out, "{}", self.paint(c, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_is_respected_only_when_not_empty() {
        let a = ColorChoice::Auto;
        assert!(a.enabled(true, None));
        assert!(!a.enabled(false, None));
        assert!(!a.enabled(true, Some(OsStr::new("1"))));
        assert!(a.enabled(true, Some(OsStr::new(""))));
        assert!(ColorChoice::Always.enabled(false, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Never.enabled(true, None));
    }

    #[test]
    fn progress_is_erased_and_only_drawn_when_asked() {
        let mut c = Console::new(false, true, 4);
        let mut err = Vec::new();
        c.done = 2;
        c.draw(&mut err, "CN.X").unwrap();
        let s = String::from_utf8(err.clone()).unwrap();
        assert!(
            s.contains("[###############---------------] 2/4  CN.X"),
            "{s:?}"
        );
        err.clear();
        c.clear(&mut err).unwrap();
        assert_eq!(err, CLEAR_LINE.as_bytes());
        err.clear();
        c.clear(&mut err).unwrap();
        assert!(err.is_empty(), "nothing to erase twice");
        let mut quiet = Console::new(false, false, 4);
        quiet.draw(&mut err, "x").unwrap();
        assert!(err.is_empty());
    }

    #[test]
    fn colour_only_when_enabled() {
        let mut plain = Console::new(false, false, 1);
        let mut coloured = Console::new(true, false, 1);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        plain.summary(&mut a, "1 passed", true).unwrap();
        coloured.summary(&mut b, "1 passed", true).unwrap();
        assert_eq!(a, b"1 passed\n");
        assert_eq!(b, format!("{GREEN}1 passed{RESET}\n").as_bytes());
    }
}
