//! The CSV reports. Their column names are a contract other tools read: keep them, append new
//! columns at the end.
//!
//! Every text cell passes through [`neutralize`]: user names, hosts and domains come from logs
//! that the audited people partly control, and a cell such as `=HYPERLINK(...)` would run as
//! a formula when an auditor opens the file in a spreadsheet.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

use super::{Exporter, Report};

/// OWASP's CSV-injection rule: a cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed
/// with `'` so spreadsheets show it as text; a plain number (`-5`, `+1.5`) is left alone.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        Some(b'+' | b'-') if s.parse::<f64>().is_err() => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Writes rows with headers, neutralizing every text field.
fn write_rows<T: Serialize>(rows: &[T], w: &mut dyn Write) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut record = csv::StringRecord::new();
    let mut header_done = false;
    for row in rows {
        // Serialize through a JSON map: it keeps field order and flattening, and lets every
        // string be neutralized in one place.
        let value = serde_json::to_value(row)?;
        let serde_json::Value::Object(map) = value else {
            anyhow::bail!("report row is not a record");
        };
        if !header_done {
            out.write_record(map.keys())?;
            header_done = true;
        }
        record.clear();
        for v in map.values() {
            match v {
                serde_json::Value::String(s) => record.push_field(&neutralize(s)),
                other => record.push_field(&other.to_string()),
            }
        }
        out.write_record(&record)?;
    }
    out.flush()?;
    Ok(())
}

/// Writes only the header when there are no rows, so an empty report still has its columns.
fn write_table<T: Serialize>(rows: &[T], header: &[&str], w: &mut dyn Write) -> anyhow::Result<()> {
    if rows.is_empty() {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(header)?;
        out.flush()?;
        return Ok(());
    }
    write_rows(rows, w)
}

/// `per-user.csv`.
pub struct PerUser;
/// `per-tool.csv`.
pub struct PerTool;
/// `daily.csv`.
pub struct Daily;
/// `unknown-ai-candidates.csv`.
pub struct Candidates;
/// `findings.csv`.
pub struct Findings;
/// `register-candidates.csv`.
pub struct RegisterCandidates;

impl Exporter for Findings {
    fn file_name(&self) -> &'static str {
        "findings.csv"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let header = [
            "severity",
            "rule",
            "user",
            "tool_id",
            "tool",
            "tier",
            "events",
            "bytes_out",
            "first_seen",
            "last_seen",
            "detail",
        ];
        write_table(&r.findings, &header, w)
    }
}

impl Exporter for RegisterCandidates {
    fn file_name(&self) -> &'static str {
        "register-candidates.csv"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let header: Vec<&str> = ["tool_id", "tool", "vendor", "category", "users"]
            .into_iter()
            .chain(STAT_COLS)
            .chain(["top_users"])
            .collect();
        write_table(&r.register_candidates, &header, w)
    }
}

const TOOL_COLS: [&str; 5] = ["tool_id", "tool", "vendor", "category", "tier"];
const STAT_COLS: [&str; 4] = ["events", "bytes_out", "first_seen", "last_seen"];

impl Exporter for PerUser {
    fn file_name(&self) -> &'static str {
        "per-user.csv"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let header: Vec<&str> = ["user"]
            .into_iter()
            .chain(TOOL_COLS)
            .chain(STAT_COLS)
            .chain(["devices", "processes", "registered"])
            .collect();
        write_table(&r.per_user, &header, w)
    }
}

impl Exporter for PerTool {
    fn file_name(&self) -> &'static str {
        "per-tool.csv"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let header: Vec<&str> = TOOL_COLS
            .into_iter()
            .chain(["users"])
            .chain(STAT_COLS)
            .chain(["registered"])
            .collect();
        write_table(&r.per_tool, &header, w)
    }
}

impl Exporter for Daily {
    fn file_name(&self) -> &'static str {
        "daily.csv"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        write_table(
            &r.daily,
            &["day", "tool_id", "tool", "tier", "users", "events"],
            w,
        )
    }
}

impl Exporter for Candidates {
    fn file_name(&self) -> &'static str {
        "unknown-ai-candidates.csv"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let header = [
            "registrable_domain",
            "hosts",
            "users",
            "events",
            "first_seen",
            "last_seen",
            "reasons",
            "score",
        ];
        write_table(&r.candidates, &header, w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_numbers_are_not() {
        assert_eq!(neutralize("=1+1"), "'=1+1");
        assert_eq!(neutralize("+cmd"), "'+cmd");
        assert_eq!(neutralize("-2+3"), "'-2+3");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("\rx"), "'\rx");
        assert_eq!(neutralize("-5"), "-5");
        assert_eq!(neutralize("+1.5"), "+1.5");
        assert_eq!(neutralize("alice"), "alice");
        assert_eq!(neutralize(""), "");
    }

    #[test]
    fn header_matches_serialized_rows() {
        #[derive(Serialize)]
        struct Row {
            user: String,
            events: u64,
        }
        let mut out = Vec::new();
        write_table(
            &[Row {
                user: "=cmd|' /C calc'!A0".into(),
                events: 3,
            }],
            &["user", "events"],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "user,events\n'=cmd|' /C calc'!A0,3\n"
        );
        let mut empty = Vec::new();
        write_table::<Row>(&[], &["user", "events"], &mut empty).unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "user,events\n");
    }
}
