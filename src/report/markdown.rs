//! `report.md`: the summary, findings and top tools of `report.html` in Markdown, to paste
//! into a ticket or an email. The numbers come from the same `Overview`.
//!
//! Log-derived text passes through [`escape`]: a user name such as `[x](javascript:…)`,
//! `<img …>` or `|` would otherwise become a link, raw HTML (which GitHub and most trackers
//! render) or a broken table.

use std::borrow::Cow;
use std::io::Write;

use super::html::alerts::{Alerts, MAX_FILES, missing_text};
use super::overview::{grouped, short_time, uploaded};
use super::{AUDIT_DAYS, Exporter, Report};
use crate::policy::Rule;
use crate::time::fmt_day;

/// `report.md`.
pub struct Markdown;

/// Finding rows listed in full; the rest are counted and left to `findings.csv`.
const MAX_FINDINGS: usize = 50;
/// Tools in the top-tools table.
const TOP_TOOLS: usize = 15;

/// Register candidates in their table (all are in `register-candidates.csv`).
const TOP_CANDIDATES: usize = 25;

/// A tool's name with the note of a discontinued or renamed tool after it, escaped.
fn tool_name(name: &str, note: Option<&str>) -> String {
    match note {
        Some(n) => format!("{} _({})_", e(name), e(n)),
        None => e(name),
    }
}

/// Unmatched register rows listed in the warning; the rest are counted.
const MAX_UNMATCHED: usize = 20;

/// Backslash-escapes the characters that make Markdown (CommonMark and GFM tables) markup:
/// `\ | ` * _ [ ] < > # & ~`; line breaks become spaces so a cell stays in its table row.
pub fn escape(s: &str) -> Cow<'_, str> {
    const SIGNIFICANT: [char; 14] = [
        '\\', '|', '`', '*', '_', '[', ']', '<', '>', '#', '&', '~', '\n', '\r',
    ];
    if !s.contains(SIGNIFICANT) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if SIGNIFICANT.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        w.write_all(render(r).as_bytes())?;
        Ok(())
    }
}

/// A table row of already-escaped cells.
fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for c in cells {
        out.push(' ');
        out.push_str(c);
        out.push_str(" |");
    }
    out.push('\n');
}

fn e(s: &str) -> String {
    escape(s).into_owned()
}

/// "Register candidates": the tools in use the register does not list, with the catalogue's
/// risk facts and suggested tier, as `report.html`'s table.
fn register_candidates(out: &mut String, r: &Report) {
    out.push_str("\n## Register candidates\n\n");
    if r.register_candidates.is_empty() {
        out.push_str("None: the register lists every tool in use.\n");
        return;
    }
    out.push_str("Tools in use that the AI Tool Register does not list, most users first. The risk facts are the catalogue's (sources in `shadowai signatures list`); the suggested tier is a starting point for the reviewer, not a decision.\n\n");
    out.push_str("| Tool | Vendor | Users | Events | Trains on inputs | Enterprise plan | Vendor country | Certifications | Suggested tier |\n|---|---|--:|--:|---|---|---|---|---|\n");
    for c in r.register_candidates.iter().take(TOP_CANDIDATES) {
        row(
            out,
            &[
                tool_name(&c.tool, c.status_note.as_deref()),
                e(&c.vendor),
                grouped(c.users),
                grouped(c.stats.events),
                e(&c.risk.trains_on_inputs),
                e(&c.risk.enterprise_offering),
                e(&c.risk.vendor_country),
                e(&c.risk.certifications),
                e(&c.risk.suggested_tier),
            ],
        );
    }
    if r.register_candidates.len() > TOP_CANDIDATES {
        out.push_str(&format!(
            "\nTop {TOP_CANDIDATES} of {} candidates; all are in `register-candidates.csv`.\n",
            r.register_candidates.len()
        ));
    }
}

/// The warning above everything for register rows that joined no tool (as `report.html`'s
/// banner): such a row changes the headline, since the tool it meant counts as unregistered.
fn unmatched_register_rows(r: &Report) -> String {
    let Some(register) = r.policy.register.filter(|reg| !reg.unmatched.is_empty()) else {
        return String::new();
    };
    let n = register.unmatched.len();
    let mut out = format!(
        "> **Warning: {n} {} of the AI Tool Register ({}) {} no catalogue tool.** Until fixed, the tool a row means is reported as not in the register (tier 4). `shadowai register check` shows how every row joined.\n>\n",
        if n == 1 { "row" } else { "rows" },
        e(&register.path.display().to_string()),
        if n == 1 { "matches" } else { "match" },
    );
    for u in register.unmatched.iter().take(MAX_UNMATCHED) {
        out.push_str(&format!("> - line {}: {}\n", u.line, e(&u.message())));
    }
    if n > MAX_UNMATCHED {
        out.push_str(&format!(
            "> - and {} more: `summary.json` `register.unmatched` lists them all\n",
            n - MAX_UNMATCHED
        ));
    }
    out.push('\n');
    out
}

/// The banner of `report.html` ([`Alerts`]) as a block quote, before the headline.
fn alerts(out: &mut String, r: &Report) {
    let a = Alerts::of(r);
    if a.is_empty() {
        return;
    }
    if !a.failed.is_empty() {
        out.push_str(&format!("> {}\n>\n", a.failed_text()));
        for (path, error) in a.failed.iter().take(MAX_FILES) {
            out.push_str(&format!(
                "> - {}: {}\n",
                e(&path.display().to_string()),
                e(error)
            ));
        }
        if a.more_failed() > 0 {
            out.push_str(&format!(
                "> - … and {} more (`summary.json`)\n",
                grouped(a.more_failed() as u64)
            ));
        }
        out.push_str(">\n");
    }
    if !a.no_events.is_empty() {
        out.push_str(&format!("> {}\n>\n", a.no_events_text()));
        for (path, warning) in a.no_events.iter().take(MAX_FILES) {
            out.push_str(&format!(
                "> - {}: {}\n",
                e(&path.display().to_string()),
                e(warning)
            ));
        }
        if a.more_no_events() > 0 {
            out.push_str(&format!(
                "> - … and {} more (`summary.json`)\n",
                grouped(a.more_no_events() as u64)
            ));
        }
        out.push_str(">\n");
    }
    for kind in &a.missing {
        out.push_str(&format!("> {}\n>\n", missing_text(*kind)));
    }
    // The quote ends at the blank line; its last `>` line is dropped to end it cleanly.
    out.truncate(out.len() - ">\n".len());
    out.push('\n');
}

/// The whole document.
pub(crate) fn render(r: &Report) -> String {
    let o = r.overview();
    let mut out = String::new();
    out.push_str("# Shadow-AI audit report\n\n");
    out.push_str(&unmatched_register_rows(r));
    alerts(&mut out, r);
    out.push_str(&format!("**{}.**\n\n", o.headline()));
    let window = match (o.from, o.to) {
        (Some(f), Some(t)) if f == t => format!("{} (1 day, UTC)", fmt_day(f)),
        (Some(f), Some(t)) => format!(
            "{} to {} ({} days, UTC)",
            fmt_day(f),
            fmt_day(t),
            o.window_days()
        ),
        _ => "no timestamped events".to_string(),
    };
    let sources = if o.audit.sources.is_empty() {
        "none with timestamped events".to_string()
    } else {
        o.audit
            .sources
            .iter()
            .map(|(kind, s)| {
                format!(
                    "{}: {} of {} {}{}",
                    e(kind),
                    s.days_with_data,
                    o.window_days(),
                    if o.window_days() == 1 { "day" } else { "days" },
                    if s.longest_consecutive_days >= AUDIT_DAYS {
                        String::new()
                    } else {
                        format!(
                            " (longest run {} of the {AUDIT_DAYS} consecutive days the audit needs)",
                            s.longest_consecutive_days
                        )
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let severities = o
        .by_severity
        .iter()
        .map(|(s, n)| format!("{} {}", s.name(), n))
        .collect::<Vec<_>>()
        .join(", ");
    out.push_str("| | |\n|---|---|\n");
    for (k, v) in [
        ("Audit window", window),
        ("Sources and days covered", sources),
        ("Users seen using AI tools", grouped(o.users as u64)),
        ("AI tools seen", grouped(o.tools as u64)),
        (
            "Tools not in the AI Tool Register",
            grouped(o.unregistered as u64),
        ),
        ("AI tool events of use", grouped(o.use_events)),
        ("Findings by severity", severities),
        (
            "Files read",
            format!(
                "{} ({} with errors, {} malformed lines skipped)",
                o.files, o.files_with_errors, o.skipped
            ),
        ),
        (
            "Unknown AI-like domains",
            grouped(r.candidates.len() as u64),
        ),
        (
            "Contact without use",
            format!(
                "{} person × tool {} of only widgets, shared links, docs or hot-linked media (no finding, `evidence=incidental` in `per-user.csv`); {} {} no AI tool at all",
                grouped(o.incidental_rows as u64),
                if o.incidental_rows == 1 {
                    "row"
                } else {
                    "rows"
                },
                grouped(o.incidental_only_people as u64),
                if o.incidental_only_people == 1 {
                    "person among them used"
                } else {
                    "people among them used"
                },
            ),
        ),
    ] {
        row(&mut out, &[k.to_string(), v]);
    }

    out.push_str("\n## Findings\n\n");
    out.push_str("| Severity | Rule | Findings | Policy clause |\n|---|---|--:|---|\n");
    for rule in Rule::ALL {
        row(
            &mut out,
            &[
                rule.severity().name().to_string(),
                format!("`{}`", rule.name()),
                grouped(o.by_rule.get(&rule).copied().unwrap_or(0)),
                e(rule.clause()),
            ],
        );
    }
    if !r.findings.is_empty() {
        out.push('\n');
        out.push_str("| Severity | Rule | User | Tool | Tier | Events | Uploaded | First seen | Last seen | Detail |\n|---|---|---|---|---|--:|--:|---|---|---|\n");
        for f in r.findings.iter().take(MAX_FINDINGS) {
            row(
                &mut out,
                &[
                    f.severity.name().to_string(),
                    format!("`{}`", f.rule.name()),
                    e(&f.user),
                    e(&f.tool),
                    format!("T{}", f.tier),
                    grouped(f.events),
                    uploaded(f.bytes_out),
                    e(&short_time(&f.first_seen.to_string())),
                    e(&short_time(&f.last_seen.to_string())),
                    e(&f.detail),
                ],
            );
        }
        if r.findings.len() > MAX_FINDINGS {
            out.push_str(&format!(
                "\n{} more findings are in `findings.csv` and `report.html`.\n",
                grouped((r.findings.len() - MAX_FINDINGS) as u64)
            ));
        }
    }

    out.push_str("\n## Top tools by users\n\n");
    let tools = r.tools_in_use();
    if tools.is_empty() {
        out.push_str("No catalogue tool was used.\n");
    } else {
        out.push_str("| # | Tool | Vendor | Tier | In register | Users | Events | Uploaded |\n|--:|---|---|---|---|--:|--:|--:|\n");
        for (i, t) in tools.iter().take(TOP_TOOLS).enumerate() {
            row(
                &mut out,
                &[
                    (i + 1).to_string(),
                    tool_name(&t.tool.tool, t.status_note.as_deref()),
                    e(&t.tool.vendor),
                    e(&t.tool.tier.label()),
                    if t.registered { "yes" } else { "no" }.to_string(),
                    grouped(t.users),
                    grouped(t.stats.events),
                    uploaded(t.stats.bytes_out),
                ],
            );
        }
        if tools.len() > TOP_TOOLS {
            out.push_str(&format!(
                "\nTop {TOP_TOOLS} of {} tools; all are in `per-tool.csv`.\n",
                tools.len()
            ));
        }
    }
    register_candidates(&mut out, r);
    out.push_str(&format!(
        "\n---\n\nGenerated {} by shadowai {} with signature catalogue {} ({} tools). Settings: {}\n\nEvidence: {}\n",
        r.manifest.generated_text(),
        env!("CARGO_PKG_VERSION"),
        e(&r.catalogue.version),
        r.catalogue.tools.len(),
        e(&r.config.command_line),
        e(&r.manifest_line()),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_significant_characters_are_escaped() {
        assert_eq!(escape("alice"), "alice");
        assert!(matches!(escape("alice.example"), Cow::Borrowed(_)));
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "\\<img src=x onerror=alert(1)\\>"
        );
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("[x](javascript:1)"), "\\[x\\](javascript:1)");
        assert_eq!(escape("*_`#~&"), "\\*\\_\\`\\#\\~\\&");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(escape("two\nlines\r"), "two lines ");
        assert_eq!(escape("=1+1"), "=1+1");
    }

    #[test]
    fn rows_are_pipe_delimited() {
        let mut s = String::new();
        row(&mut s, &[e("a|b"), "2".into()]);
        assert_eq!(s, "| a\\|b | 2 |\n");
    }
}
