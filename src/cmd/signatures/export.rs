//! `signatures export`: the catalogue as a lookup table for matching in a SIEM.

use std::io::Write;

use crate::cli::ExportFormat;
use crate::report::csv::neutralize;
use crate::signatures::{Catalogue, Tool};

/// One export row: a pattern and its tool.
struct PatternRow<'a> {
    pattern: &'a str,
    kind: &'static str,
    host: String,
    tool: &'a Tool,
    role: &'static str,
    rank: (usize, usize, bool),
}

/// `signatures export`: the catalogue as a lookup table, one row per pattern (two for the
/// Splunk lookup, whose `*` is a plain glob: `host` and `*.host`).
pub fn write(
    catalogue: &Catalogue,
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut rows: Vec<PatternRow> = catalogue
        .patterns
        .iter()
        .map(|p| {
            let body = p.text.trim_start_matches('=');
            let kind = if p.text.starts_with('=') {
                "exact"
            } else if p.text.contains('*') {
                "wildcard"
            } else {
                "suffix"
            };
            let labels = body.split('.').count();
            let literal = body.split('.').filter(|l| !l.contains('*')).count();
            PatternRow {
                pattern: &p.text,
                kind,
                host: body.to_string(),
                tool: &catalogue.tools[p.tool as usize],
                role: p.role,
                rank: (labels, literal, kind == "exact"),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.tool.id, a.pattern).cmp(&(&b.tool.id, b.pattern)));
    match format {
        ExportFormat::Jsonl => {
            for r in &rows {
                let v = serde_json::json!({
                    "pattern": r.pattern,
                    "match": r.kind,
                    "host": r.host,
                    "tool_id": r.tool.id,
                    "tool": r.tool.name,
                    "vendor": r.tool.vendor,
                    "category": r.tool.category,
                    "role": r.role,
                    "offering": r.tool.offering,
                });
                serde_json::to_writer(&mut *out, &v)?;
                out.write_all(b"\n")?;
            }
        }
        ExportFormat::Csv | ExportFormat::SentinelWatchlist => {
            let mut w = csv::Writer::from_writer(out);
            if format == ExportFormat::Csv {
                w.write_record([
                    "pattern", "match", "tool_id", "tool", "vendor", "category", "role", "offering",
                ])?;
            } else {
                w.write_record([
                    "Host",
                    "MatchType",
                    "ToolId",
                    "Tool",
                    "Vendor",
                    "Category",
                    "Role",
                    "Pattern",
                ])?;
            }
            for r in &rows {
                let offering = r.tool.offering.as_deref().unwrap_or_default();
                let first = if format == ExportFormat::Csv {
                    r.pattern
                } else {
                    r.host.as_str()
                };
                let last = if format == ExportFormat::Csv {
                    offering
                } else {
                    r.pattern
                };
                let second = r.kind;
                w.write_record([
                    &*neutralize(first),
                    second,
                    &neutralize(&r.tool.id),
                    &neutralize(&r.tool.name),
                    &neutralize(&r.tool.vendor),
                    &neutralize(&r.tool.category),
                    r.role,
                    &neutralize(last),
                ])?;
            }
            w.flush()?;
        }
        ExportFormat::SplunkLookup => {
            // With `max_matches = 1` Splunk returns the first matching row in file order, so
            // the most specific patterns come first, as the scan's matcher prefers them.
            rows.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.host.cmp(&b.host)));
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "host", "tool_id", "tool", "vendor", "category", "role", "pattern",
            ])?;
            for r in &rows {
                let mut hosts = vec![r.host.clone()];
                if r.kind != "exact" {
                    hosts.push(format!("*.{}", r.host));
                }
                for h in hosts {
                    w.write_record([
                        h.as_str(),
                        &neutralize(&r.tool.id),
                        &neutralize(&r.tool.name),
                        &neutralize(&r.tool.vendor),
                        &neutralize(&r.tool.category),
                        r.role,
                        r.pattern,
                    ])?;
                }
            }
            w.flush()?;
        }
    }
    Ok(())
}
