//! [`Page`], the string builder every part of `report.html` writes into, and the table
//! cells the sections share.
//!
//! Escaping is the default here: text is always escaped, markup only comes from string
//! literals (`&'static str`), numbers are formatted here — so log text cannot become markup
//! by omission.

use super::escape::escape;
use crate::policy::Severity;
use crate::report::overview::{bytes, grouped, short_time};

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
    pub(super) fn td_num(&mut self, n: u64) -> &mut Self {
        self.raw("<td class=\"n\" data-v=\"")
            .uint(n)
            .raw("\">")
            .num(n)
            .raw("</td>")
    }

    /// Bytes, sortable by the exact count.
    pub(super) fn td_bytes(&mut self, n: Option<u64>) -> &mut Self {
        let Some(n) = n else {
            // Sorts below every measured count, 0 B included. A dash, explained in the
            // summary and on hover: the words in every row of a long table cost pages.
            return self
                .raw("<td class=\"n muted\" data-v=\"-1\" title=\"")
                .text(crate::report::overview::NOT_MEASURED)
                .raw("\">–</td>");
        };
        self.raw("<td class=\"n\" data-v=\"")
            .uint(n)
            .raw("\" title=\"")
            .text(&grouped(n))
            .raw(" bytes\">")
            .text(&bytes(n))
            .raw("</td>")
    }

    /// A severity badge cell that sorts most severe first.
    pub(super) fn td_severity(&mut self, sev: Severity) -> &mut Self {
        self.raw("<td data-v=\"")
            .int(sev as i64)
            .raw("\"><span class=\"sev ")
            .raw(sev.name())
            .raw("\">")
            .raw(sev.name())
            .raw("</span></td>")
    }

    /// A text cell (names, details) that wraps between words.
    pub(super) fn td_text(&mut self, s: &str) -> &mut Self {
        self.raw("<td class=\"w\">").text(s).raw("</td>")
    }

    /// A tool's name cell, with the note of a discontinued or renamed tool after it
    /// (`discontinued 2025-11`), so the reader knows the tool is gone.
    pub(super) fn td_tool(&mut self, name: &str, note: Option<&str>) -> &mut Self {
        self.raw("<td class=\"w\">").text(name);
        if let Some(note) = note {
            self.raw(" <span class=\"note\">").text(note).raw("</span>");
        }
        self.raw("</td>")
    }

    /// A cell of paths, hosts or lists without spaces, which may wrap at any character so one
    /// long value cannot push the table off the page.
    pub(super) fn td_path(&mut self, s: &str) -> &mut Self {
        self.raw("<td class=\"p\">").text(s).raw("</td>")
    }

    /// A timestamp cell (RFC 3339, or empty), shortened to minutes; the date never breaks at
    /// its hyphens, the time may go to a second line in print.
    pub(super) fn td_time(&mut self, rfc3339: impl std::fmt::Display) -> &mut Self {
        let rfc3339 = &rfc3339.to_string();
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

    /// The opening of a sortable table with its filter box (shown by the page script, hidden
    /// in print): `id` names the table, `what` the rows in the label, `hint` the searchable
    /// columns. All three are literals.
    pub(super) fn filterable_table(
        &mut self,
        id: &'static str,
        what: &'static str,
        hint: &'static str,
    ) -> &mut Self {
        self.raw("<p class=\"filter no-print\" hidden><label>Filter ")
            .raw(what)
            .raw(": <input type=\"search\" data-filter=\"")
            .raw(id)
            .raw("\" placeholder=\"")
            .raw(hint)
            .raw("\"></label> <span class=\"note\" data-count=\"")
            .raw(id)
            .raw("\"></span></p><div class=\"table-scroll\"><table class=\"sortable\" id=\"")
            .raw(id)
            .raw("\">")
    }

    /// The line under a table cut at its cap: `… and N more rows: FILE holds all M.`, or
    /// nothing when no row was left out. `file` is a literal: the output beside the report
    /// that holds every row.
    pub(super) fn omitted(&mut self, shown: usize, total: usize, file: &'static str) -> &mut Self {
        if total <= shown {
            return self;
        }
        self.raw("<p class=\"note more\">… and ")
            .num((total - shown) as u64)
            .raw(if total - shown == 1 {
                " more row: "
            } else {
                " more rows: "
            })
            .raw(file)
            .raw(" holds all ")
            .num(total as u64)
            .raw(".</p>")
    }

    /// A table header row; names are literals, `n` marks right-aligned numeric columns.
    pub(super) fn thead(&mut self, cols: &[(&'static str, bool)]) -> &mut Self {
        self.raw("<thead><tr>");
        for (name, numeric) in cols {
            self.raw(if *numeric { "<th class=\"n\">" } else { "<th>" })
                .raw(name)
                .raw("</th>");
        }
        self.raw("</tr></thead>")
    }

    /// The finished markup.
    pub(crate) fn into_string(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
