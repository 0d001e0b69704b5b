//! What the reader must know before the numbers, at the top of `report.html` and `report.md`
//! (issue 17): the inputs that could not be read (fully), the inputs of which no line named a
//! host (issue 19), and each kind of log with no events at all. A headline such as "0 people used 0 unapproved AI tools" is only as true as the
//! logs behind it; the data-quality table at the end of the report is too late to say so.

use std::collections::BTreeSet;
use std::path::Path;

use super::Page;
use crate::event::SourceKind;
use crate::report::{Report, audit_window};

/// Inputs with an error listed by name; the rest are counted (all are in `summary.json`).
pub(crate) const MAX_FILES: usize = 10;

/// What the banner says; nothing when every input was read and every kind of log has events.
pub(crate) struct Alerts<'r> {
    /// Inputs with an error, in report order: (path, error).
    pub(crate) failed: Vec<(&'r Path, &'r str)>,
    /// Kinds of log no event came from.
    pub(crate) missing: Vec<SourceKind>,
    /// Inputs read as a format of which no line named a host: (path, warning).
    pub(crate) no_events: Vec<(&'r Path, String)>,
}

impl<'r> Alerts<'r> {
    /// The alerts of a report.
    ///
    /// A kind of log has data when an event of it lies in the audit window, or (for formats
    /// that log no time, such as dnsmasq) when an input of that kind yielded events counted.
    pub(crate) fn of(r: &'r Report) -> Alerts<'r> {
        let failed = r
            .files
            .iter()
            .filter_map(|f| Some((f.path.as_path(), f.error.as_deref()?)))
            .collect();
        let (from, to) = audit_window(r);
        let mut present: BTreeSet<SourceKind> = r
            .scan
            .agg
            .coverage
            .iter()
            .filter(|(_, day)| from.is_none_or(|f| *day >= f) && to.is_none_or(|t| *day <= t))
            .map(|(kind, _)| *kind)
            .collect();
        present.extend(
            r.files
                .iter()
                .filter(|f| f.events > f.out_of_window)
                .filter_map(|f| crate::formats::by_name(f.format?))
                .map(|f| f.kind()),
        );
        let missing = [SourceKind::Dns, SourceKind::Proxy, SourceKind::Endpoint]
            .into_iter()
            .filter(|k| !present.contains(k))
            .collect();
        let no_events = r
            .files
            .iter()
            .filter_map(|f| Some((f.path.as_path(), f.no_event_warning()?)))
            .collect();
        Alerts {
            failed,
            missing,
            no_events,
        }
    }

    /// Whether there is nothing to say.
    pub(crate) fn is_empty(&self) -> bool {
        self.failed.is_empty() && self.missing.is_empty() && self.no_events.is_empty()
    }

    /// "N input file(s) could not be read (fully)…", before the list of them.
    pub(crate) fn failed_text(&self) -> String {
        let n = self.failed.len();
        format!(
            "{n} input {} could not be read, or only in part; what {} hold is missing from the numbers below:",
            if n == 1 { "file" } else { "files" },
            if n == 1 { "it does not" } else { "they do not" },
        )
    }

    /// The inputs with an error not listed by name.
    pub(crate) fn more_failed(&self) -> usize {
        self.failed.len().saturating_sub(MAX_FILES)
    }

    /// "N input file(s) yielded no event…", before the list of them.
    pub(crate) fn no_events_text(&self) -> String {
        let n = self.no_events.len();
        format!(
            "{n} input {} read as a known format, but not one of {} lines named a host; nothing of {} is in the numbers below:",
            if n == 1 { "file was" } else { "files were" },
            if n == 1 { "its" } else { "their" },
            if n == 1 { "it" } else { "them" },
        )
    }

    /// The inputs without events not listed by name.
    pub(crate) fn more_no_events(&self) -> usize {
        self.no_events.len().saturating_sub(MAX_FILES)
    }
}

/// What a report without a kind of log cannot show.
pub(crate) fn missing_text(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Dns => {
            "No DNS logs: lookups from devices that do not go through the proxy cannot show up."
        }
        SourceKind::Proxy => {
            "No proxy logs: uploads and the signed-in users that only a proxy logs cannot show up."
        }
        SourceKind::Endpoint => {
            "No endpoint logs: tools seen only on endpoints (desktop apps, devices off the network) cannot show up."
        }
    }
}

/// The banner above the first section, when there is something to say.
pub(super) fn write(p: &mut Page, r: &Report) {
    let a = Alerts::of(r);
    if a.is_empty() {
        return;
    }
    p.raw("<div class=\"alerts\" id=\"alerts\" role=\"note\">");
    if !a.failed.is_empty() {
        p.raw("<p>").text(&a.failed_text()).raw("</p><ul>");
        for (path, error) in a.failed.iter().take(MAX_FILES) {
            p.raw("<li><code>")
                .text(&path.display().to_string())
                .raw("</code>: ")
                .text(error)
                .raw("</li>");
        }
        if a.more_failed() > 0 {
            p.raw("<li>… and ")
                .num(a.more_failed() as u64)
                .raw(" more (<code>summary.json</code>)</li>");
        }
        p.raw("</ul>");
    }
    if !a.no_events.is_empty() {
        p.raw("<p>").text(&a.no_events_text()).raw("</p><ul>");
        for (path, warning) in a.no_events.iter().take(MAX_FILES) {
            p.raw("<li><code>")
                .text(&path.display().to_string())
                .raw("</code>: ")
                .text(warning)
                .raw("</li>");
        }
        if a.more_no_events() > 0 {
            p.raw("<li>… and ")
                .num(a.more_no_events() as u64)
                .raw(" more (<code>summary.json</code>)</li>");
        }
        p.raw("</ul>");
    }
    for kind in &a.missing {
        p.raw("<p>").raw(missing_text(*kind)).raw("</p>");
    }
    p.raw("</div>");
}
