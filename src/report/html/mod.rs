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
//! only way to add text is `Page::text` (escaped by [`escape()`]); markup can be added only
//! from `&'static str` literals, so log text cannot become markup by omission.
//!
//! The parts: `page` is the shell (template, CSP, header and navigation, footer), `markup`
//! the `Page` builder and its table cells, `escape` the escaping, `tier` how a tier looks,
//! `sections` the numbered sections, whose one ordered list gives both the navigation
//! and the headings, and `unmatched` the banner above them for register rows that joined no
//! tool.

pub(crate) mod alerts;
mod escape;
mod markup;
mod page;
mod sections;
mod tier;
mod unmatched;

use std::io::Write;

use super::{Exporter, Report};

pub(crate) use markup::Page;
pub(crate) use sections::DaySeries;

/// `report.html`.
pub struct Html;

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
    let o = r.overview();
    let mut p = Page::default();
    page::header(&mut p, r, o);
    sections::write(&mut p, r, o);
    page::footer(&mut p);
    page::fill_template(&page::title(r, o), &p.into_string())
}
