//! `report.html`: the audit as one self-contained page for a CISO and an auditor, who read
//! pictures before tables and print.
//!
//! One `include_str!` template (`report.html`) carries the CSS and a small sorting/filtering
//! script; this module writes the body. Nothing is fetched: no fonts, scripts, images or links
//! outside the file, and a Content-Security-Policy with `default-src 'none'` and hashes of the
//! template's own `<style>` and `<script>` makes the browser refuse anything else — so even a
//! missed escape could not run a script or call home.
//!
//! User names, hosts, domains, paths, error texts and the command line come from logs and
//! arguments that the audited people partly control. The page is built with `Page`, whose
//! only way to add text is `Page::text` (escaped by [`escape`]); markup can be added only
//! from `&'static str` literals, so log text cannot become markup by omission.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use sha2::{Digest, Sha256};

use super::overview::{
    Overview, UNAPPROVED_TIER, bytes, clause, grouped, missing_ranges, range_text, severity_name,
    short_time, tier_label,
};
use super::{AUDIT_DAYS, Exporter, Report};
use crate::findings::RULES;
use crate::time::fmt_day;

/// `report.html`.
pub struct Html;

/// The page template: CSS, script, and the `<!--BODY-->` slot.
const TEMPLATE: &str = include_str!("report.html");

/// Where the generated body goes in [`TEMPLATE`].
const BODY_SLOT: &str = "<!--BODY-->";

/// Gaps (runs of days without data) listed per source in Data quality.
const MAX_GAPS_LISTED: usize = 40;

/// Tools shown in the top-tools chart; the table below it lists all.
const TOP_TOOLS: usize = 15;

/// Escapes text for HTML element content and quoted attribute values alike: `&`, `<`, `>`,
/// `"` and `'` (OWASP's rule for both contexts, so one function serves every place).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An HTML string builder where escaping is the default: text is always escaped, markup only
/// comes from string literals (`&'static str`), numbers are formatted here.
#[derive(Default)]
pub(crate) struct Page {
    buf: String,
}

impl Page {
    /// Markup from a literal in this source.
    pub(crate) fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    /// Text (from a log or anywhere else), escaped; safe in content and in quoted attributes.
    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        self.buf.push_str(&escape(s));
        self
    }

    /// A count for people: `12,345`.
    pub(crate) fn num(&mut self, n: u64) -> &mut Self {
        self.buf.push_str(&grouped(n));
        self
    }

    /// An integer as is (attribute values such as `data-v`).
    pub(crate) fn int(&mut self, n: i64) -> &mut Self {
        self.buf.push_str(&n.to_string());
        self
    }

    /// An unsigned integer as is.
    pub(crate) fn uint(&mut self, n: u64) -> &mut Self {
        self.buf.push_str(&n.to_string());
        self
    }

    /// An SVG coordinate, one decimal.
    pub(crate) fn coord(&mut self, v: f64) -> &mut Self {
        let v = if v.is_finite() { v } else { 0.0 };
        self.buf.push_str(&format!("{v:.1}"));
        self
    }

    /// `<td class="n" data-v="N">N</td>`: a right-aligned count that sorts as a number.
    fn td_num(&mut self, n: u64) -> &mut Self {
        self.raw("<td class=\"n\" data-v=\"")
            .uint(n)
            .raw("\">")
            .num(n)
            .raw("</td>")
    }

    /// Bytes, sortable by the exact count.
    fn td_bytes(&mut self, n: u64) -> &mut Self {
        self.raw("<td class=\"n\" data-v=\"")
            .uint(n)
            .raw("\" title=\"")
            .text(&grouped(n))
            .raw(" bytes\">")
            .text(&bytes(n))
            .raw("</td>")
    }

    /// A text cell (names, details) that wraps between words.
    fn td_text(&mut self, s: &str) -> &mut Self {
        self.raw("<td class=\"w\">").text(s).raw("</td>")
    }

    /// A cell of paths, hosts or lists without spaces, which may wrap at any character so one
    /// long value cannot push the table off the page.
    fn td_path(&mut self, s: &str) -> &mut Self {
        self.raw("<td class=\"p\">").text(s).raw("</td>")
    }

    /// A timestamp cell, shortened to minutes; the date never breaks at its hyphens, the
    /// time may go to a second line in print.
    fn td_time(&mut self, rfc3339: &str) -> &mut Self {
        let short = short_time(rfc3339);
        let (date, time) = short.split_once(' ').unwrap_or((&short, ""));
        self.raw("<td class=\"t\" title=\"")
            .text(rfc3339)
            .raw("\"><span class=\"nw\">")
            .text(date)
            .raw("</span> ")
            .text(time)
            .raw("</td>")
    }

    /// A tier badge in its colour.
    fn tier(&mut self, tier: u8) -> &mut Self {
        self.raw("<span class=\"tier ")
            .raw(tier_class(tier))
            .raw("\" title=\"")
            .text(&tier_label(tier))
            .raw("\">T")
            .int(i64::from(tier))
            .raw("</span>")
    }

    /// A tier badge cell that sorts by the tier number.
    fn td_tier(&mut self, tier: u8) -> &mut Self {
        self.raw("<td data-v=\"")
            .int(i64::from(tier))
            .raw("\">")
            .tier(tier)
            .raw("</td>")
    }

    /// A table header row; names are literals, `n` marks right-aligned numeric columns.
    fn thead(&mut self, cols: &[(&'static str, bool)]) -> &mut Self {
        self.raw("<thead><tr>");
        for (name, numeric) in cols {
            self.raw(if *numeric { "<th class=\"n\">" } else { "<th>" })
                .raw(name)
                .raw("</th>");
        }
        self.raw("</tr></thead>")
    }

    fn section(&mut self, id: &'static str, num: &'static str, title: &'static str) -> &mut Self {
        self.raw("<section id=\"")
            .raw(id)
            .raw(if num == "1" {
                "\" class=\"first\">"
            } else {
                "\">"
            })
            .raw("<h2><span class=\"num\">")
            .raw(num)
            .raw("</span>")
            .raw(title)
            .raw("</h2>")
    }

    /// The finished markup.
    pub(crate) fn into_string(self) -> String {
        self.buf
    }
}

/// CSS class of a tier's colour; tiers outside 1..=4 (never produced) look unapproved.
fn tier_class(tier: u8) -> &'static str {
    match tier {
        1 => "t1",
        2 => "t2",
        3 => "t3",
        _ => "t4",
    }
}

impl Exporter for Html {
    fn file_name(&self) -> &'static str {
        "report.html"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        w.write_all(render(r)?.as_bytes())?;
        Ok(())
    }
}

/// The whole page.
pub(crate) fn render(r: &Report) -> anyhow::Result<String> {
    let o = Overview::of(r);
    let mut p = Page::default();
    header(&mut p, r, &o);
    summary(&mut p, r, &o);
    daily(&mut p, r);
    tools(&mut p, r);
    findings(&mut p, r, &o);
    users(&mut p, r);
    candidates(&mut p, r);
    quality(&mut p, r, &o);
    method(&mut p, r);
    p.raw("<footer>Generated by shadowai ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw(". Self-contained: this file loads nothing from the network. The same data is in the CSV files and <code>summary.json</code> beside it.</footer>");
    fill_template(&p.into_string())
}

/// Puts the body into the template and pins its own style and script by hash in the CSP.
fn fill_template(body: &str) -> anyhow::Result<String> {
    let (head, tail) = TEMPLATE
        .split_once(BODY_SLOT)
        .ok_or_else(|| anyhow::anyhow!("report template has no {BODY_SLOT} slot"))?;
    let style = between(TEMPLATE, "<style>", "</style>")?;
    let script = between(TEMPLATE, "<script>", "</script>")?;
    let head = head
        .replace("{{STYLE_HASH}}", &csp_hash(style))
        .replace("{{SCRIPT_HASH}}", &csp_hash(script))
        .replace(
            "{{GENERATOR}}",
            &escape(&format!("shadowai {}", env!("CARGO_PKG_VERSION"))),
        );
    Ok(format!("{head}{body}{tail}"))
}

/// The text between the first `open` and the following `close`.
fn between<'t>(s: &'t str, open: &str, close: &str) -> anyhow::Result<&'t str> {
    let start = s
        .find(open)
        .ok_or_else(|| anyhow::anyhow!("report template has no {open}"))?
        + open.len();
    let len = s[start..]
        .find(close)
        .ok_or_else(|| anyhow::anyhow!("report template has no {close}"))?;
    Ok(&s[start..start + len])
}

/// `sha256-<base64>` of an inline element's text, as CSP's hash source expects.
fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

/// Standard base64 with padding (a dependency for 20 lines is not worth it).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn window_text(o: &Overview) -> String {
    match (o.from, o.to) {
        (Some(f), Some(t)) if f == t => format!("{} (1 day, UTC)", fmt_day(f)),
        (Some(f), Some(t)) => format!(
            "{} – {} ({} days, UTC)",
            fmt_day(f),
            fmt_day(t),
            o.window_days()
        ),
        _ => "no timestamped events".to_string(),
    }
}

fn header(p: &mut Page, r: &Report, o: &Overview) {
    p.raw("<header class=\"top\"><div class=\"kicker\">Shadow-AI audit</div><h1>AI tool use found in network and endpoint logs</h1><div class=\"meta\">Audit window: ")
        .text(&window_text(o))
        .raw(" · ")
        .num(o.files as u64)
        .raw(if o.files == 1 { " log file" } else { " log files" })
        .raw(" · catalogue ")
        .text(&r.catalogue.version)
        .raw("</div></header>");
    p.raw("<nav class=\"toc\" aria-label=\"Sections\"><ol><li><a href=\"#summary\">1 Summary</a></li><li><a href=\"#daily\">2 Daily activity</a></li><li><a href=\"#tools\">3 Top tools</a></li><li><a href=\"#findings\">4 Findings</a></li><li><a href=\"#users\">5 Users</a></li><li><a href=\"#candidates\">6 Candidates</a></li><li><a href=\"#quality\">7 Data quality</a></li><li><a href=\"#method\">8 Method</a></li></ol></nav>");
}

fn kpi(p: &mut Page, key: &'static str, label: &'static str, v: u64, warn: bool) {
    p.raw(if warn && v > 0 {
        "<div class=\"kpi warn\"><div class=\"v\" data-total=\""
    } else {
        "<div class=\"kpi\"><div class=\"v\" data-total=\""
    })
    .raw(key)
    .raw("\">")
    .num(v)
    .raw("</div><div class=\"k\">")
    .raw(label)
    .raw("</div></div>");
}

fn summary(p: &mut Page, r: &Report, o: &Overview) {
    p.section("summary", "1", "Summary");
    p.raw(if o.unapproved_people == 0 {
        "<p class=\"headline clear\" id=\"headline\">"
    } else {
        "<p class=\"headline\" id=\"headline\">"
    })
    .text(&o.headline())
    .raw(".</p>");
    p.raw("<div class=\"kpis\">");
    kpi(
        p,
        "users",
        "users seen using AI tools",
        o.users as u64,
        false,
    );
    kpi(p, "tools", "AI tools seen", o.tools as u64, false);
    kpi(
        p,
        "unregistered_tools",
        "tools not in the AI Tool Register",
        o.unregistered as u64,
        true,
    );
    kpi(
        p,
        "matched_events",
        "AI tool events",
        o.matched_events,
        false,
    );
    kpi(
        p,
        "findings_high",
        "high-severity findings",
        o.by_severity.values().next().copied().unwrap_or(0),
        true,
    );
    kpi(
        p,
        "unknown_ai_candidates",
        "unknown AI-like domains",
        r.candidates.len() as u64,
        false,
    );
    p.raw("</div>");
    p.raw("<dl class=\"facts\"><dt>Audit window</dt><dd>")
        .text(&window_text(o))
        .raw("</dd><dt>Sources and days covered</dt><dd>");
    if o.audit.sources.is_empty() {
        p.raw("no source has timestamped events");
    }
    for (i, (kind, s)) in o.audit.sources.iter().enumerate() {
        if i > 0 {
            p.raw("; ");
        }
        p.text(kind)
            .raw(": ")
            .num(s.days_with_data as u64)
            .raw(" of ")
            .num(o.window_days().max(0) as u64)
            .raw(if o.window_days() == 1 {
                " day"
            } else {
                " days"
            });
        if s.longest_consecutive_days >= AUDIT_DAYS {
            p.raw(" <span class=\"ok\">(")
                .num(AUDIT_DAYS as u64)
                .raw("+ consecutive days)</span>");
        } else {
            p.raw(" <span class=\"bad\">(longest run ")
                .num(s.longest_consecutive_days as u64)
                .raw(if s.longest_consecutive_days == 1 {
                    " day; the audit needs "
                } else {
                    " days; the audit needs "
                })
                .num(AUDIT_DAYS as u64)
                .raw(")</span>");
        }
    }
    p.raw("</dd><dt>Files read</dt><dd>")
        .num(o.files as u64)
        .raw(" (")
        .num(o.files_with_errors as u64)
        .raw(" with errors, ")
        .num(o.skipped)
        .raw(" malformed lines skipped)</dd><dt>Findings by severity</dt><dd>");
    for (i, (sev, n)) in o.by_severity.iter().enumerate() {
        if i > 0 {
            p.raw(" ");
        }
        p.raw("<span class=\"sev ")
            .raw(severity_name(*sev))
            .raw("\">")
            .raw(severity_name(*sev))
            .raw(" ")
            .num(*n)
            .raw("</span>");
    }
    p.raw("</dd><dt>AI Tool Register</dt><dd>");
    match r.policy.register {
        Some(reg) => {
            p.text(&reg.path.display().to_string())
                .raw(" (")
                .num(reg.entries.len() as u64)
                .raw(" rows)");
        }
        None => {
            p.raw("none given: every tool counts as tier 4, unapproved");
        }
    }
    p.raw("</dd></dl></section>");
}

/// Events per day, per tier (index tier − 1), over the audit window.
pub(crate) struct DaySeries {
    /// First day (days since the epoch).
    pub(crate) from: i32,
    /// One entry per day of the window.
    pub(crate) days: Vec<[u64; 4]>,
    /// Events without a timestamp (not in any day).
    pub(crate) undated: u64,
    /// Days of the window after the first [`MAX_CHART_DAYS`], not drawn.
    pub(crate) cut_days: u64,
}

/// Days beyond this are not drawn (a bogus 1970 timestamp would otherwise make a chart of
/// 20,000 one-pixel slots); the caption says so.
const MAX_CHART_DAYS: i64 = 3660;

fn day_series(r: &Report) -> Option<DaySeries> {
    let (from, to) = super::audit_window(r);
    let (from, to) = (from?, to?);
    let n = i64::from(to) - i64::from(from) + 1;
    if n < 1 {
        return None;
    }
    let cut_days = (n - n.min(MAX_CHART_DAYS)) as u64;
    let n = n.min(MAX_CHART_DAYS) as usize;
    let mut days = vec![[0u64; 4]; n];
    let mut undated = 0;
    for cells in r.scan.agg.usage.values() {
        for (&(tool, day), cell) in cells {
            let t = usize::from(r.policy.tier(tool).clamp(1, 4)) - 1;
            match day {
                None => undated += cell.events,
                Some(d) => {
                    if let Some(slot) = usize::try_from(i64::from(d) - i64::from(from))
                        .ok()
                        .and_then(|i| days.get_mut(i))
                    {
                        slot[t] += cell.events;
                    }
                }
            }
        }
    }
    Some(DaySeries {
        from,
        days,
        undated,
        cut_days,
    })
}

fn daily(p: &mut Page, r: &Report) {
    p.section("daily", "2", "Daily activity");
    p.raw("<p>AI tool events per day (UTC) over the audit window, stacked by policy tier. A day without a bar had no AI tool events; days with no log data at all are listed under Data quality.</p>");
    legend(p);
    match day_series(r) {
        Some(s) => {
            super::svg::daily_chart(p, &s);
            p.raw("<figcaption>");
            p.num(s.days.len() as u64)
                .raw(if s.days.len() == 1 { " day" } else { " days" })
                .raw(" from ")
                .text(&fmt_day(s.from))
                .raw(".");
            let bucket = super::svg::bucket_days(s.days.len());
            if bucket > 1 {
                p.raw(" The window is long, so each bar adds up ")
                    .uint(bucket as u64)
                    .raw(" days.");
            }
            if s.cut_days > 0 {
                p.raw(" The last ")
                    .num(s.cut_days)
                    .raw(" days of the window are not drawn (see daily.csv).");
            }
            if s.undated > 0 {
                p.raw(" ").num(s.undated).raw(if s.undated == 1 {
                    " event without a timestamp is not drawn."
                } else {
                    " events without a timestamp are not drawn."
                });
            }
            p.raw("</figcaption></figure>");
        }
        None => {
            p.raw("<p class=\"note\">No event has a timestamp, so there is nothing to draw per day.</p>");
        }
    }
    p.raw("</section>");
}

fn legend(p: &mut Page) {
    p.raw("<div class=\"legend\">");
    for tier in 1..=4u8 {
        p.raw("<span><span class=\"sw ")
            .raw(tier_class(tier))
            .raw("\"></span>")
            .text(&tier_label(tier))
            .raw("</span>");
    }
    p.raw("</div>");
}

fn tools(p: &mut Page, r: &Report) {
    p.section("tools", "3", "Top tools by users");
    if r.per_tool.is_empty() {
        p.raw("<p class=\"note\">No catalogue tool was seen.</p></section>");
        return;
    }
    let top = &r.per_tool[..r.per_tool.len().min(TOP_TOOLS)];
    legend(p);
    super::svg::tools_chart(p, top);
    p.raw("<figcaption>Distinct users per tool");
    if r.per_tool.len() > top.len() {
        p.raw(", top ")
            .num(top.len() as u64)
            .raw(" of ")
            .num(r.per_tool.len() as u64);
    }
    p.raw(". The badge is the tool's policy tier.</figcaption></figure>");
    p.raw("<h3>All tools</h3><div class=\"table-scroll\"><table class=\"sortable\" id=\"tools-table\">");
    p.thead(&[
        ("Tool", false),
        ("Vendor", false),
        ("Category", false),
        ("Tier", false),
        ("In register", false),
        ("Users", true),
        ("Events", true),
        ("Uploaded", true),
        ("First seen", false),
        ("Last seen", false),
    ]);
    p.raw("<tbody>");
    for t in &r.per_tool {
        p.raw("<tr>")
            .td_text(&t.tool.tool)
            .td_text(&t.tool.vendor)
            .td_text(&t.tool.category)
            .td_tier(t.tool.tier)
            .raw("<td>")
            .raw(if t.registered { "yes" } else { "no" })
            .raw("</td>")
            .td_num(t.users)
            .td_num(t.stats.events)
            .td_bytes(t.stats.bytes_out)
            .td_time(&t.stats.first_seen)
            .td_time(&t.stats.last_seen)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div></section>");
}

fn findings(p: &mut Page, r: &Report, o: &Overview) {
    p.section("findings", "4", "Findings");
    p.raw("<p>Each finding is a breach of a clause of the AI acceptable-use policy, most severe first. The same rows are in <code>findings.csv</code>.</p>");
    p.raw("<table><caption>Rules and the policy clause each enforces</caption>");
    p.thead(&[
        ("Severity", false),
        ("Rule", false),
        ("Policy clause", false),
        ("Findings", true),
    ]);
    p.raw("<tbody>");
    for (rule, sev, text) in RULES {
        p.raw("<tr><td><span class=\"sev ")
            .raw(severity_name(*sev))
            .raw("\">")
            .raw(severity_name(*sev))
            .raw("</span></td><td><code>")
            .text(rule)
            .raw("</code></td><td>")
            .text(text)
            .raw("</td>")
            .td_num(o.by_rule.get(rule).copied().unwrap_or(0))
            .raw("</tr>");
    }
    p.raw("</tbody></table>");
    if r.findings.is_empty() {
        p.raw("<p class=\"note\">No findings.</p></section>");
        return;
    }
    p.raw("<h3>All findings</h3><p class=\"filter no-print\" hidden><label>Filter findings: <input type=\"search\" data-filter=\"findings-table\" placeholder=\"user, tool, rule…\"></label> <span class=\"note\" data-count=\"findings-table\"></span></p>");
    p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"findings-table\">");
    p.thead(&[
        ("Severity", false),
        ("Rule", false),
        ("User", false),
        ("Tool", false),
        ("Tier", false),
        ("Events", true),
        ("Uploaded", true),
        ("First seen", false),
        ("Last seen", false),
        ("Detail", false),
    ]);
    p.raw("<tbody>");
    for f in &r.findings {
        p.raw("<tr><td data-v=\"")
            .int(f.severity as i64)
            .raw("\"><span class=\"sev ")
            .raw(severity_name(f.severity))
            .raw("\">")
            .raw(severity_name(f.severity))
            .raw("</span></td><td title=\"")
            .text(clause(f.rule))
            .raw("\"><code>")
            .text(f.rule)
            .raw("</code></td>")
            .td_text(&f.user)
            .td_text(&f.tool)
            .td_tier(f.tier)
            .td_num(f.events)
            .td_bytes(f.bytes_out)
            .td_time(&f.first_seen)
            .td_time(&f.last_seen)
            .td_text(&f.detail)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div></section>");
}

fn users(p: &mut Page, r: &Report) {
    p.section("users", "5", "Users and the tools they used");
    p.raw("<p>One row per user and tool. A user is the proxy's authenticated name where the log has one, else the client address");
    if r.users.pseudonymized() {
        p.raw("; names are pseudonymized tokens (<code>shadowai reveal</code> maps them back for whoever holds the key)");
    }
    p.raw(". Click a column heading to sort.</p>");
    if r.per_user.is_empty() {
        p.raw("<p class=\"note\">No user used a catalogue tool.</p></section>");
        return;
    }
    p.raw("<p class=\"filter no-print\" hidden><label>Filter users: <input type=\"search\" data-filter=\"users-table\" placeholder=\"user, tool, device…\"></label> <span class=\"note\" data-count=\"users-table\"></span></p>");
    p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"users-table\">");
    p.thead(&[
        ("User", false),
        ("Tool", false),
        ("Tier", false),
        ("Events", true),
        ("Uploaded", true),
        ("First seen", false),
        ("Last seen", false),
        ("Devices", false),
        ("Processes", false),
    ]);
    p.raw("<tbody>");
    for u in &r.per_user {
        p.raw("<tr>")
            .td_text(&u.user)
            .td_text(&u.tool.tool)
            .td_tier(u.tool.tier)
            .td_num(u.stats.events)
            .td_bytes(u.stats.bytes_out)
            .td_time(&u.stats.first_seen)
            .td_time(&u.stats.last_seen)
            .td_path(&u.devices.replace(';', "; "))
            .td_path(&u.processes.replace(';', "; "))
            .raw("</tr>");
    }
    p.raw("</tbody></table></div></section>");
}

fn candidates(p: &mut Page, r: &Report) {
    p.section("candidates", "6", "Register candidates and unknown AI");
    p.raw("<h3>Register candidates: the fast-track list</h3><p>Tools in use that the AI Tool Register does not list: each needs a decision (approve at a tier, or block). Most users first.</p>");
    if r.register_candidates.is_empty() {
        p.raw("<p class=\"note\">None: the register lists every tool in use.</p>");
    } else {
        p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"register-table\">");
        p.thead(&[
            ("Tool", false),
            ("Vendor", false),
            ("Category", false),
            ("Users", true),
            ("Events", true),
            ("Uploaded", true),
            ("First seen", false),
            ("Last seen", false),
            ("Heaviest users (events)", false),
        ]);
        p.raw("<tbody>");
        for c in &r.register_candidates {
            p.raw("<tr>")
                .td_text(&c.tool)
                .td_text(&c.vendor)
                .td_text(&c.category)
                .td_num(c.users)
                .td_num(c.stats.events)
                .td_bytes(c.stats.bytes_out)
                .td_time(&c.stats.first_seen)
                .td_time(&c.stats.last_seen)
                .td_path(&c.top_users)
                .raw("</tr>");
        }
        p.raw("</tbody></table></div>");
    }
    p.raw("<h3>Unknown-AI candidates</h3><p>Domains no signature knows whose names look like AI services (<code>.ai</code>, <code>gpt</code>, <code>llm</code>, …), strongest signals first. Review them and add real AI tools to the catalogue with <code>--signatures</code>.</p>");
    if r.candidates.is_empty() {
        p.raw("<p class=\"note\">None.</p>");
    } else {
        p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"unknown-table\">");
        p.thead(&[
            ("Domain", false),
            ("Hosts", true),
            ("Users", true),
            ("Events", true),
            ("First seen", false),
            ("Last seen", false),
            ("Why it looks like AI", false),
            ("Score", true),
        ]);
        p.raw("<tbody>");
        for c in &r.candidates {
            p.raw("<tr>")
                .td_path(&c.registrable_domain)
                .td_num(c.hosts)
                .td_num(c.users)
                .td_num(c.events)
                .td_time(&c.first_seen)
                .td_time(&c.last_seen)
                .td_text(&c.reasons)
                .td_num(u64::from(c.score))
                .raw("</tr>");
        }
        p.raw("</tbody></table></div>");
    }
    p.raw("</section>");
}

fn quality(p: &mut Page, r: &Report, o: &Overview) {
    p.section("quality", "7", "Data quality");
    p.raw("<p>What was read from each file. <em>Lines</em> are data lines; <em>ignored</em> lines were well-formed but named no host; <em>skipped</em> lines were malformed (the first few are quoted); <em>out of window</em> events fell outside <code>--since</code>/<code>--until</code>.</p>");
    p.raw("<div class=\"table-scroll\"><table id=\"files-table\">");
    p.thead(&[
        ("File", false),
        ("Format", false),
        ("Lines", true),
        ("Events", true),
        ("AI events", true),
        ("Ignored", true),
        ("Skipped", true),
        ("Out of window", true),
        ("Errors", false),
    ]);
    p.raw("<tbody>");
    for f in r.files {
        p.raw("<tr>")
            .td_path(&f.path.display().to_string())
            .raw("<td>")
            .text(f.format.unwrap_or("unrecognized"))
            .raw(if f.gzip { " (gzip)" } else { "" })
            .raw("</td>")
            .td_num(f.lines)
            .td_num(f.events)
            .td_num(f.matched)
            .td_num(f.ignored)
            .td_num(f.skipped)
            .td_num(f.out_of_window)
            .raw("<td class=\"w\">");
        match &f.error {
            Some(e) => {
                p.raw("<span class=\"bad\">").text(e).raw("</span>");
            }
            None if f.examples.is_empty() => {
                p.raw("none");
            }
            None => {}
        }
        for (line, why) in &f.examples {
            p.raw("<div class=\"note\">line ")
                .num(*line)
                .raw(": ")
                .text(why)
                .raw("</div>");
        }
        p.raw("</td></tr>");
    }
    p.raw("</tbody></table></div>");
    p.raw("<h3>Days with no data, per source</h3>");
    if o.audit.sources.is_empty() {
        p.raw("<p class=\"note\">No source has timestamped events, so day coverage cannot be judged.</p>");
    } else {
        p.raw("<p>Over the audit window ")
            .text(&window_text(o))
            .raw(". The audit needs ")
            .num(AUDIT_DAYS as u64)
            .raw(" consecutive days of data from each source.</p>");
        p.raw("<table id=\"coverage-table\">");
        p.thead(&[
            ("Source", false),
            ("Days with data", true),
            ("Days without", true),
            ("Longest run", true),
            ("Enough for the audit", false),
            ("Days with no data", false),
        ]);
        p.raw("<tbody>");
        let missing = missing_ranges(r);
        for (kind, s) in &o.audit.sources {
            p.raw("<tr><td>")
                .text(kind)
                .raw("</td>")
                .td_num(s.days_with_data as u64)
                .td_num(s.missing_day_count as u64)
                .td_num(s.longest_consecutive_days as u64)
                .raw(if s.longest_consecutive_days >= AUDIT_DAYS {
                    "<td class=\"ok\">yes</td>"
                } else {
                    "<td class=\"bad\">no</td>"
                })
                .raw("<td class=\"p\">");
            let ranges = missing.get(kind).map_or(&[][..], Vec::as_slice);
            if ranges.is_empty() {
                p.raw("none");
            }
            for (i, range) in ranges.iter().take(MAX_GAPS_LISTED).enumerate() {
                if i > 0 {
                    p.raw(", ");
                }
                p.text(&range_text(*range));
            }
            if ranges.len() > MAX_GAPS_LISTED {
                p.raw(" … and ")
                    .num((ranges.len() - MAX_GAPS_LISTED) as u64)
                    .raw(" more gaps (summary.json lists the days)");
            }
            p.raw("</td></tr>");
        }
        p.raw("</tbody></table>");
    }
    p.raw("</section>");
}

fn method(p: &mut Page, r: &Report) {
    p.section("method", "8", "Method");
    p.raw("<p>Every log line that names a host is one event. Hosts are matched against the signature catalogue (the most specific pattern wins; <code>chatgpt.com</code> matches <code>ab.chatgpt.com</code>, never <code>notchatgpt.com</code>). Each tool's tier comes from the AI Tool Register; a tool the register does not list is tier ")
        .int(i64::from(UNAPPROVED_TIER))
        .raw(". Times are UTC.</p>");
    p.raw("<dl class=\"facts\"><dt>Generator</dt><dd>shadowai ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw("</dd><dt>Signature catalogue</dt><dd>version <code>")
        .text(&r.catalogue.version)
        .raw("</code>, ")
        .num(r.catalogue.tools.len() as u64)
        .raw(" tools, ")
        .num(r.catalogue.patterns.len() as u64)
        .raw(" host patterns");
    if !r.catalogue.files.is_empty() {
        p.raw(", from ").text(&r.catalogue.files.join(", "));
    }
    p.raw("</dd><dt>AI Tool Register</dt><dd>");
    match r.policy.register {
        Some(reg) => {
            p.text(&reg.path.display().to_string())
                .raw(": ")
                .num(reg.entries.len() as u64)
                .raw(" rows, ")
                .num(reg.entries.iter().filter(|e| e.tool.is_some()).count() as u64)
                .raw(" joined to catalogue tools");
        }
        None => {
            p.raw("none; every tool is tier 4");
        }
    }
    p.raw("</dd><dt>Upload threshold</dt><dd>")
        .text(&bytes(r.policy.upload_threshold))
        .raw(" (")
        .num(r.policy.upload_threshold)
        .raw(" bytes) per user, tool and day</dd><dt>Coverage needed</dt><dd>")
        .num(AUDIT_DAYS as u64)
        .raw(" consecutive days per source</dd><dt>Users</dt><dd>")
        .raw(if r.users.pseudonymized() {
            "pseudonymized (keyed HMAC tokens)"
        } else {
            "as logged (lowercased; domain parts removed unless --keep-user-domain)"
        })
        .raw("</dd></dl>");
    p.raw("<h3>Tiers</h3><table id=\"tiers-table\">");
    p.thead(&[("Tier", false), ("Meaning", false)]);
    p.raw("<tbody>");
    for tier in 1..=4u8 {
        p.raw("<tr><td>")
            .tier(tier)
            .raw("</td><td>")
            .text(&tier_label(tier))
            .raw("</td></tr>");
    }
    p.raw("</tbody></table>");
    p.raw("<h3>Rules</h3><table id=\"rules-table\">");
    p.thead(&[
        ("Rule", false),
        ("Severity", false),
        ("Policy clause", false),
    ]);
    p.raw("<tbody>");
    for (rule, sev, text) in RULES {
        p.raw("<tr><td><code>")
            .text(rule)
            .raw("</code></td><td><span class=\"sev ")
            .raw(severity_name(*sev))
            .raw("\">")
            .raw(severity_name(*sev))
            .raw("</span></td><td>")
            .text(text)
            .raw("</td></tr>");
    }
    p.raw("</tbody></table>");
    p.raw("<h3>Settings</h3><p class=\"note\">The scan that gives these numbers (the inputs are listed above); a merge of partial aggregates shows the scan it equals.</p><pre><code id=\"settings\">")
        .text(&r.config.command_line)
        .raw("</code></pre>");
    let mut tally: BTreeMap<&str, u64> = BTreeMap::new();
    for f in r.files {
        *tally.entry(f.format.unwrap_or("unrecognized")).or_default() += 1;
    }
    p.raw("<p class=\"note\">Formats read: ");
    for (i, (fmt, n)) in tally.iter().enumerate() {
        if i > 0 {
            p.raw(", ");
        }
        p.text(fmt).raw(" (").num(*n).raw(")");
    }
    p.raw(".</p></section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(escape("alice"), "alice");
        assert!(matches!(escape("alice"), Cow::Borrowed(_)));
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("a&b \"q\" 'r'"), "a&amp;b &quot;q&quot; &#39;r&#39;");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("ünïcödé → ok"), "ünïcödé → ok");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn page_text_is_escaped_in_content_and_attributes() {
        let mut p = Page::default();
        p.raw("<td title=\"")
            .text("\" onmouseover=\"x")
            .raw("\">")
            .text("<script>alert(1)</script>")
            .raw("</td>");
        assert_eq!(
            p.into_string(),
            "<td title=\"&quot; onmouseover=&quot;x\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"
        );
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn template_has_its_slots_and_no_network_reference() {
        let page = fill_template("<p>body</p>").unwrap();
        assert!(page.contains("<p>body</p>"));
        assert!(!page.contains("{{"));
        assert!(page.contains("script-src 'sha256-"));
        assert!(page.contains("default-src 'none'"));
        for bad in ["http://", "https://", "<link", "src=", "url(", "@import"] {
            assert!(!TEMPLATE.contains(bad), "template contains {bad}");
        }
    }
}
