//! The numbered sections of `report.html`, in one ordered list ([`SECTIONS`]).
//!
//! The list gives the order, each section's number (its position), the navigation link and
//! the heading, so they cannot drift apart. Every section is always written: an empty one
//! says so in a note rather than disappearing, so the numbers never shift between reports.

mod candidates;
mod caps;
mod contact;
mod daily;
mod departments;
mod findings;
mod method;
mod quality;
mod summary;
mod tools;
mod users;

use super::Page;
use crate::report::Report;
use crate::report::overview::Overview;
use crate::time::fmt_day;

pub(crate) use daily::DaySeries;

/// One numbered section of the page.
pub(super) struct Section {
    /// The anchor: `<section id>` and the navigation's `#id`.
    pub(super) id: &'static str,
    /// The short name in the navigation.
    pub(super) nav: &'static str,
    /// The heading.
    title: &'static str,
    /// Writes what comes between the heading and `</section>`.
    body: fn(&mut Page, &Report, &Overview),
}

/// The sections in page order; a section's number is its position, from 1.
const SECTIONS: &[Section] = &[
    Section {
        id: "summary",
        nav: "Summary",
        title: "Summary",
        body: summary::body,
    },
    Section {
        id: "daily",
        nav: "Daily activity",
        title: "Daily activity",
        body: daily::body,
    },
    Section {
        id: "tools",
        nav: "Top tools",
        title: "Top tools by users",
        body: tools::body,
    },
    Section {
        id: "findings",
        nav: "Findings",
        title: "Findings",
        body: findings::body,
    },
    Section {
        id: "users",
        nav: "Users",
        title: "Users and the tools they used",
        body: users::body,
    },
    Section {
        id: "contact",
        nav: "Contact without use",
        title: "Contact without use",
        body: contact::body,
    },
    Section {
        id: "departments",
        nav: "By department",
        title: "By department",
        body: departments::body,
    },
    Section {
        id: "candidates",
        nav: "Candidates",
        title: "Register candidates and unknown AI",
        body: candidates::body,
    },
    Section {
        id: "quality",
        nav: "Data quality",
        title: "Data quality",
        body: quality::body,
    },
    Section {
        id: "method",
        nav: "Method",
        title: "Method",
        body: method::body,
    },
];

/// [`SECTIONS`] with their numbers, for the navigation and the headings alike.
pub(super) fn numbered() -> impl Iterator<Item = (u64, &'static Section)> {
    (1..).zip(SECTIONS)
}

/// Writes every section in order, each as `<section id>`, a numbered heading, its body and
/// `</section>`.
pub(super) fn write(p: &mut Page, r: &Report, o: &Overview) {
    for (number, s) in numbered() {
        p.raw("<section id=\"")
            .raw(s.id)
            .raw(if number == 1 {
                "\" class=\"first\">"
            } else {
                "\">"
            })
            .raw("<h2><span class=\"num\">")
            .uint(number)
            .raw("</span>")
            .raw(s.title)
            .raw("</h2>");
        (s.body)(p, r, o);
        p.raw("</section>");
    }
}

/// The audit window for people: `2026-01-05 – 2026-02-03 (30 days, UTC)`.
pub(super) fn window_text(o: &Overview) -> String {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn sections_have_unique_anchors_and_number_from_one() {
        let ids: BTreeSet<_> = SECTIONS.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), SECTIONS.len());
        let numbers: Vec<u64> = numbered().map(|(n, _)| n).collect();
        assert_eq!(numbers, (1..=SECTIONS.len() as u64).collect::<Vec<_>>());
    }
}
