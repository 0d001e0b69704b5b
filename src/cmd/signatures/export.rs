//! `signatures export`: the catalogue as a lookup table for matching in a SIEM.

use std::io::Write;

use super::{LIFECYCLE_COLUMNS, lifecycle_cells};
use crate::cli::ExportFormat;
use crate::report::csv_out::CsvWriter;
use crate::signatures::{Catalogue, Offering, Pattern, RISK_COLUMNS, Shape, Tool};

/// The lifecycle and risk cells every export row appends to its tool's columns, after them
/// (existing columns keep their places), with their column names.
fn appended(t: &Tool) -> impl Iterator<Item = (&'static str, String)> {
    LIFECYCLE_COLUMNS
        .into_iter()
        .chain(RISK_COLUMNS)
        .zip(lifecycle_cells(t).into_iter().chain(t.risk_cells()))
}

/// The names of the appended columns: as the catalogue writes them, or in the watchlist's
/// PascalCase (`Source`, `SuggestedTier`), as its other columns are.
fn appended_header(pascal: bool) -> impl Iterator<Item = String> {
    LIFECYCLE_COLUMNS
        .into_iter()
        .chain(RISK_COLUMNS)
        .map(move |c| {
            if !pascal {
                return c.to_string();
            }
            c.split('_')
                .map(|w| {
                    let mut w = w.to_string();
                    if let Some(f) = w.get_mut(..1) {
                        f.make_ascii_uppercase();
                    }
                    w
                })
                .collect()
        })
}

/// One export row: a pattern and its tool.
struct PatternRow<'a> {
    pattern: &'a Pattern,
    tool: &'a Tool,
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
        .map(|p| PatternRow {
            pattern: p,
            tool: &catalogue.tools[p.tool as usize],
        })
        .collect();
    rows.sort_by(|a, b| (&a.tool.id, &a.pattern.text).cmp(&(&b.tool.id, &b.pattern.text)));
    match format {
        ExportFormat::Jsonl => {
            for r in &rows {
                let mut v = serde_json::json!({
                    "pattern": r.pattern.text,
                    "match": r.pattern.shape.match_kind(),
                    "host": r.pattern.host(),
                    "tool_id": r.tool.id,
                    "tool": r.tool.name,
                    "vendor": r.tool.vendor,
                    "category": r.tool.category,
                    "role": r.pattern.role.as_str(),
                    "offering": r.tool.offering.map(Offering::as_str),
                });
                if let Some(map) = v.as_object_mut() {
                    // An unrecorded fact is null in JSON, as `offering` is.
                    for (k, cell) in appended(r.tool) {
                        let value = (!cell.is_empty()).then_some(cell);
                        map.insert(k.to_string(), serde_json::json!(value));
                    }
                }
                serde_json::to_writer(&mut *out, &v)?;
                out.write_all(b"\n")?;
            }
        }
        ExportFormat::Csv | ExportFormat::SentinelWatchlist => {
            let mut w = CsvWriter::new(out);
            let extra = appended_header(format == ExportFormat::SentinelWatchlist);
            if format == ExportFormat::Csv {
                w.text_row(
                    [
                        "pattern", "match", "tool_id", "tool", "vendor", "category", "role",
                        "offering",
                    ]
                    .into_iter()
                    .map(String::from)
                    .chain(extra),
                )?;
            } else {
                w.text_row(
                    [
                        "Host",
                        "MatchType",
                        "ToolId",
                        "Tool",
                        "Vendor",
                        "Category",
                        "Role",
                        "Pattern",
                    ]
                    .into_iter()
                    .map(String::from)
                    .chain(extra),
                )?;
            }
            for r in &rows {
                let offering = r.tool.offering.map_or("", Offering::as_str);
                let first = if format == ExportFormat::Csv {
                    r.pattern.text.as_str()
                } else {
                    r.pattern.host()
                };
                let last = if format == ExportFormat::Csv {
                    offering
                } else {
                    &r.pattern.text
                };
                let second = r.pattern.shape.match_kind();
                w.text_row(
                    [
                        first,
                        second,
                        &r.tool.id,
                        &r.tool.name,
                        &r.tool.vendor,
                        &r.tool.category,
                        r.pattern.role.as_str(),
                        last,
                    ]
                    .map(String::from)
                    .into_iter()
                    .chain(appended(r.tool).map(|(_, c)| c)),
                )?;
            }
            w.flush()?;
        }
        ExportFormat::SplunkLookup => {
            // With `max_matches = 1` Splunk returns the first matching row in file order, so
            // the most specific patterns come first, as the scan's matcher prefers them.
            rows.sort_by(|a, b| {
                let (a, b) = (a.pattern, b.pattern);
                b.specificity()
                    .cmp(&a.specificity())
                    .then_with(|| a.host().cmp(b.host()))
            });
            let mut w = CsvWriter::new(out);
            w.text_row(
                [
                    "host", "tool_id", "tool", "vendor", "category", "role", "pattern",
                ]
                .into_iter()
                .map(String::from)
                .chain(appended_header(false)),
            )?;
            for r in &rows {
                let mut hosts = vec![r.pattern.host().to_string()];
                if r.pattern.shape != Shape::Exact {
                    hosts.push(format!("*.{}", r.pattern.host()));
                }
                let extra: Vec<String> = appended(r.tool).map(|(_, c)| c).collect();
                for h in hosts {
                    w.text_row(
                        [
                            h.as_str(),
                            &r.tool.id,
                            &r.tool.name,
                            &r.tool.vendor,
                            &r.tool.category,
                            r.pattern.role.as_str(),
                            &r.pattern.text,
                        ]
                        .into_iter()
                        .chain(extra.iter().map(String::as_str)),
                    )?;
                }
            }
            w.flush()?;
        }
    }
    Ok(())
}
