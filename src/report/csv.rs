//! The CSV reports. Their column names are a contract other tools read: keep them, append new
//! columns at the end.
//!
//! Every report goes through the one [`CsvWriter`], so every text cell is neutralized (see
//! [`super::csv_out`]): user names, devices, hosts and domains come from logs that the audited
//! people partly control.

use std::io::Write;

use serde::Serialize;

use super::csv_out::CsvWriter;
use super::{Exporter, Report, When};

/// Writes the header and one row per struct (only the header when there are none, so an
/// empty report still has its columns).
fn write_table<T: Serialize>(rows: &[T], header: &[&str], w: &mut dyn Write) -> anyhow::Result<()> {
    let mut out = CsvWriter::new(w);
    out.serialized(header, rows)?;
    out.flush()?;
    Ok(())
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
/// `per-department.csv`, written with `--directory` only.
pub struct PerDepartment;

impl Exporter for PerDepartment {
    fn file_name(&self) -> &'static str {
        "per-department.csv"
    }
    fn when(&self) -> When {
        When::Directory
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let header = [
            "department",
            "tool_id",
            "tool",
            "tier",
            "users",
            "events",
            "bytes_out",
            "first_seen",
            "last_seen",
        ];
        let rows = r.departments.as_ref().map_or(&[][..], |d| &d.rows);
        write_table(rows, &header, w)
    }
}

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
            "department",
            "manager",
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
            .chain(crate::signatures::RISK_COLUMNS)
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
            .chain([
                "devices",
                "processes",
                "registered",
                "evidence",
                "department",
                "manager",
            ])
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
            .chain([
                "registered",
                "incidental_users",
                "incidental_events",
                "status",
            ])
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
    fn an_empty_table_still_has_its_header() {
        #[derive(Serialize)]
        struct Row {
            user: String,
            events: u64,
        }
        let mut empty = Vec::new();
        write_table::<Row>(&[], &["user", "events"], &mut empty).unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "user,events\n");
        let mut one = Vec::new();
        let row = Row {
            user: "+5.4294967296".into(),
            events: 3,
        };
        write_table(&[row], &["user", "events"], &mut one).unwrap();
        assert_eq!(
            String::from_utf8(one).unwrap(),
            "user,events\n'+5.4294967296,3\n"
        );
    }
}
