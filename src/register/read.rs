//! Reading register CSV: the header line, one [`Entry`] per row, and the cell parsers for
//! tiers, assessment dates and domains. Errors name the file, line and value.

use std::path::Path;

use super::columns::{Column, Columns};
use super::workbook::{is_workbook, workbook_as_csv};
use super::{Entry, Register, error};
use crate::policy::Tier;
use crate::time::days_from_civil;

/// The approval statuses a register may write instead of a tier number, with the tier each
/// means; the one table `parse_tier`, its error message and docs/register.md use.
///
/// A plain "Approved" (or "Allowed") is tier 2, not 1: an unqualified approval says the tool
/// may be used, not that it may hold confidential data, which only tier 1 (an enterprise
/// contract and a DPA) allows — reading it as tier 1 would hide uploads the policy forbids.
/// "Pending", "Pilot" and the like are tier 3: in use under review, with public data only.
pub const STATUSES: &[(&str, Tier)] = &[
    ("Approved Enterprise", Tier::ApprovedEnterprise),
    ("Enterprise", Tier::ApprovedEnterprise),
    ("Enterprise Approved", Tier::ApprovedEnterprise),
    ("Approved General", Tier::ApprovedGeneral),
    ("General", Tier::ApprovedGeneral),
    ("General Approved", Tier::ApprovedGeneral),
    ("Approved", Tier::ApprovedGeneral),
    ("Allowed", Tier::ApprovedGeneral),
    ("Under Evaluation", Tier::UnderEvaluation),
    ("In Evaluation", Tier::UnderEvaluation),
    ("Evaluation", Tier::UnderEvaluation),
    ("Evaluating", Tier::UnderEvaluation),
    ("Pending review", Tier::UnderEvaluation),
    ("Pending", Tier::UnderEvaluation),
    ("In review", Tier::UnderEvaluation),
    ("Under review", Tier::UnderEvaluation),
    ("Pilot", Tier::UnderEvaluation),
    ("Trial", Tier::UnderEvaluation),
    ("Unapproved", Tier::Unapproved),
    ("Unapproved / Shadow AI", Tier::Unapproved),
    ("Shadow AI", Tier::Unapproved),
    ("Not approved", Tier::Unapproved),
    ("Banned", Tier::Unapproved),
    ("Blocked", Tier::Unapproved),
    ("Rejected", Tier::Unapproved),
    ("Prohibited", Tier::Unapproved),
    ("Denied", Tier::Unapproved),
];

/// The letters of a status, lowercase: how statuses are compared, so case, spacing and
/// punctuation ("Pending-Review", "not approved!") do not matter.
fn status_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Parses a tier cell: `1`..`4`, `Tier 2`, `T2`, `Tier 2 — Approved General`, or a status of
/// [`STATUSES`] (`Approved Enterprise`, `Pending review`, `Banned`, …). A number and a status
/// that disagree are an error.
pub fn parse_tier(cell: &str) -> Option<Tier> {
    let lower = cell.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("tier")
        .or_else(|| {
            lower
                .strip_prefix('t')
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .unwrap_or(&lower)
        .trim_start_matches([' ', ':', '-']);
    let digit = rest.chars().next().and_then(|c| c.to_digit(10));
    let after_digit = if digit.is_some() { &rest[1..] } else { rest };
    if after_digit.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let words = status_key(after_digit);
    let named = if words.is_empty() {
        None
    } else {
        Some(
            STATUSES
                .iter()
                .find(|(s, _)| status_key(s) == words)
                .map(|(_, t)| *t)?,
        )
    };
    // A digit outside 1-4 is no tier, whatever words follow it.
    let numbered = match digit {
        Some(d) => Some(Tier::from_number(u8::try_from(d).ok()?)?),
        None => None,
    };
    match (numbered, named) {
        (Some(t), None) | (None, Some(t)) => Some(t),
        (Some(t), Some(n)) if t == n => Some(t),
        _ => None,
    }
}

/// What a tier cell may hold, for the error message: the numbers and every status by tier.
fn accepted_tiers() -> String {
    let by_tier: Vec<String> = Tier::ALL
        .iter()
        .map(|tier| {
            let names: Vec<&str> = STATUSES
                .iter()
                .filter(|(_, t)| t == tier)
                .map(|(s, _)| *s)
                .collect();
            format!("{} ({})", tier.number(), names.join(", "))
        })
        .collect();
    format!("1-4, `Tier N` or a status: {}", by_tier.join("; "))
}

/// Parses an assessment date: `2026-03-01` (also with a time after it), `2026/03/01`,
/// `01.03.2026` (day first) or `3/1/2026` (US month first, as US spreadsheets export).
pub fn parse_date(cell: &str) -> Option<i32> {
    let s = cell.trim();
    let date = s.split([' ', 'T']).next().unwrap_or(s);
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |x: &str| x.parse::<u32>().ok();
    let (y, m, d) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if date.contains('.') {
        (num(c)?, num(b)?, num(a)?)
    } else {
        (num(c)?, num(a)?, num(b)?)
    };
    let valid = (1900..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
    valid.then(|| days_from_civil(i64::from(y), m, d) as i32)
}

/// A spreadsheet's CSV export, as registers and `--directory` files come: a UTF-8 BOM
/// dropped, the delimiter sniffed, rows of any length, and the header line (cells trimmed),
/// which must be there (`what` names the kind of file in the error). The records follow it.
pub(crate) fn csv_with_header<'b>(
    path: &Path,
    bytes: &'b [u8],
    what: &str,
) -> anyhow::Result<(Vec<String>, csv::ByteRecordsIntoIter<&'b [u8]>)> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut records = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(bytes))
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes)
        .into_byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(error(path, 1, e)),
        None => {
            return Err(error(
                path,
                1,
                format!("empty {what}: a header line is needed"),
            ));
        }
    };
    let names = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    Ok((names, records))
}

/// The delimiter a spreadsheet export used: `;` when the header has semicolons and no commas.
fn sniff_delimiter(text: &[u8]) -> u8 {
    let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if header.contains(&b';') && !header.contains(&b',') {
        b';'
    } else {
        b','
    }
}

/// Splits a `Domains` cell: separated by spaces, commas, semicolons or newlines; schemes,
/// paths and `*.` prefixes (meaning "and subdomains", which every pattern already does) dropped.
fn split_domains(cell: &str) -> Vec<String> {
    cell.split([' ', ',', ';', '\n', '\r', '|'])
        .map(|d| {
            let mut host = Vec::new();
            crate::normalize::lowercase_into(&mut host, crate::normalize::host_part(d.as_bytes()));
            let host = String::from_utf8_lossy(&host).into_owned();
            host.strip_prefix("*.").map(str::to_string).unwrap_or(host)
        })
        .filter(|d| !d.is_empty())
        .collect()
}

impl Register {
    /// Reads a register: a CSV export, or the first sheet of an `.xlsx`/`.xlsm`/`.xls`/`.ods`
    /// workbook (by extension), read with calamine and parsed like its CSV export.
    pub fn read(path: &Path) -> anyhow::Result<Register> {
        if is_workbook(path) {
            // The workbook's own bytes are the evidence, not the CSV made of its first sheet.
            let stored = std::fs::read(path).map_err(|e| error(path, 0, e))?;
            let mut reg = Register::parse(path, &workbook_as_csv(path)?)?;
            reg.sha256 = crate::hash::sha256(&stored);
            return Ok(reg);
        }
        let bytes = std::fs::read(path).map_err(|e| error(path, 0, e))?;
        Register::parse(path, &bytes)
    }

    /// Parses register CSV bytes (`path` is used in messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> anyhow::Result<Register> {
        let delimiter = sniff_delimiter(bytes);
        let (headers, records) = csv_with_header(path, bytes, "register")?;
        let columns = Columns::from_headers(&headers);
        if columns.get(Column::Tier).is_none() {
            return Err(error(
                path,
                1,
                format!("no `Tier` column among: {}", headers.join(", ")),
            ));
        }
        if columns.get(Column::Id).is_none() && columns.get(Column::Name).is_none() {
            return Err(error(path, 1, "no `Tool ID` or `Tool`/`Name` column"));
        }
        let mut entries = Vec::new();
        for rec in records {
            let rec =
                rec.map_err(|e| error(path, e.position().map_or(0, |p| p.line() as usize), e))?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            let cell = |c: Column| {
                columns
                    .get(c)
                    .and_then(|i| rec.get(i))
                    .map(|v| String::from_utf8_lossy(v).trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let (id, name) = (cell(Column::Id), cell(Column::Name));
            if id.is_none() && name.is_none() {
                return Err(error(path, line, "row has neither a tool id nor a name"));
            }
            let tier_cell = cell(Column::Tier).unwrap_or_default();
            let tier = parse_tier(&tier_cell).ok_or_else(|| {
                error(
                    path,
                    line,
                    format!("tier `{tier_cell}` is not {}", accepted_tiers()),
                )
            })?;
            let assessed = match cell(Column::Assessed) {
                None => None,
                Some(v) => Some(parse_date(&v).ok_or_else(|| {
                    error(path, line, format!("assessment date `{v}` is not a date (2026-03-01, 01.03.2026 or 3/1/2026)"))
                })?),
            };
            entries.push(Entry {
                line,
                id,
                name,
                vendor: cell(Column::Vendor),
                tier,
                assessed,
                owner: cell(Column::Owner),
                domains: cell(Column::Domains)
                    .map(|d| split_domains(&d))
                    .unwrap_or_default(),
                status: cell(Column::Status),
                tool: None,
                joined: None,
            });
        }
        Ok(Register {
            sha256: crate::hash::sha256(bytes),
            path: path.to_path_buf(),
            columns,
            entries,
            delimiter,
            unmatched: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_in_every_spelling() {
        for (cell, want) in [
            ("1", Some(1)),
            ("Tier 2", Some(2)),
            ("tier2", Some(2)),
            ("T3", Some(3)),
            ("Tier 2 — Approved General", Some(2)),
            ("Tier 1 - Approved Enterprise", Some(1)),
            ("Approved Enterprise", Some(1)),
            ("under evaluation", Some(3)),
            ("Unapproved / Shadow AI", Some(4)),
            ("Tier 4: Unapproved", Some(4)),
            ("Approved", Some(2)),
            ("approved general", Some(2)),
            ("Allowed", Some(2)),
            ("Pending review", Some(3)),
            ("Pending-Review", Some(3)),
            ("Pilot", Some(3)),
            ("Evaluating", Some(3)),
            ("In review", Some(3)),
            ("Under Review", Some(3)),
            ("Trial", Some(3)),
            ("BANNED", Some(4)),
            ("Blocked", Some(4)),
            ("Rejected", Some(4)),
            ("Not approved", Some(4)),
            ("not-approved!", Some(4)),
            ("Prohibited", Some(4)),
            ("Denied", Some(4)),
            ("Tier 3 - Pilot", Some(3)),
            ("Tier 2 - Pilot", None),
            ("Approved?? maybe", None),
            ("Tier 1 — Under Evaluation", None),
            ("0", None),
            ("Tier 0 — Approved Enterprise", None),
            ("5", None),
            ("12", None),
            ("maybe", None),
            ("", None),
        ] {
            assert_eq!(parse_tier(cell).map(Tier::number), want, "{cell:?}");
        }
    }

    /// Issue 17: the register's docs and the README's register step list every status a tier
    /// cell accepts, each beside its tier.
    #[test]
    fn every_status_is_documented_with_its_tier() {
        let docs = include_str!("../../docs/register.md");
        let readme = include_str!("../../README.md");
        for (status, tier) in STATUSES {
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| {} — ", tier.number())))
                .unwrap_or_default();
            assert!(
                row.contains(&format!("`{status}`")),
                "docs/register.md: {status}"
            );
            let step = readme
                .lines()
                .find(|l| l.starts_with("| tier | `Tier`"))
                .unwrap_or_default();
            let from = step.find(&format!("**{}**", tier.number())).unwrap();
            let to = step[from + 5..]
                .find("**")
                .map_or(step.len(), |i| from + 5 + i);
            assert!(
                step[from..to].contains(&format!("`{status}`")),
                "README: {status}"
            );
        }
    }

    #[test]
    fn dates_in_export_formats() {
        let d = days_from_civil(2026, 3, 1) as i32;
        assert_eq!(parse_date("2026-03-01"), Some(d));
        assert_eq!(parse_date("2026/03/01"), Some(d));
        assert_eq!(parse_date("01.03.2026"), Some(d));
        assert_eq!(parse_date("3/1/2026"), Some(d));
        assert_eq!(parse_date("2026-03-01T10:00:00Z"), Some(d));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn headers_are_forgiving_and_errors_name_line_and_value() {
        let text = "\u{feff}Tool ID,  Tool Name ,TIER,Assessed,Reviewer,Cost centre\nchatgpt,ChatGPT,Tier 1,2026-01-10,Ann,42\n,\"Claude, by Anthropic\",2,,Bob,7\n";
        let r = Register::parse(Path::new("reg.csv"), text.as_bytes()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[1].name.as_deref(), Some("Claude, by Anthropic"));
        assert_eq!(
            (r.entries[0].tier, r.entries[1].tier),
            (Tier::ApprovedEnterprise, Tier::ApprovedGeneral)
        );
        assert_eq!(r.entries[1].line, 3);
        let bad = "Tool,Tier\nChatGPT,Tier 7\n";
        let err = Register::parse(Path::new("reg.csv"), bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("reg.csv:2: tier `Tier 7`"), "{err}");
        assert!(
            err.contains("3 (Under Evaluation, ")
                && err.contains("Pending review")
                && err.contains("Banned"),
            "the accepted values are listed: {err}"
        );
        let bad_date = "Tool;Tier;Assessment Date\nChatGPT;1;next week\n";
        let err = Register::parse(Path::new("r.csv"), bad_date.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("r.csv:2: assessment date `next week`"),
            "{err}"
        );
        // Issue 17: the headers registers use for name and tier, `Status` holding the tier only
        // when nothing else does.
        let r = Register::parse(
            Path::new("r.csv"),
            b"Application Name,Approval Status,Status\nChatGPT,Pilot,active\n",
        )
        .unwrap();
        let e = &r.entries[0];
        assert_eq!(
            (e.name.as_deref(), e.tier, e.status.as_deref()),
            (Some("ChatGPT"), Tier::UnderEvaluation, Some("active"))
        );
        for header in [
            "App,Status",
            "App Name,Decision",
            "Product,Tier",
            "Tool Name,Approval Status",
        ] {
            let text = format!("{header}\nClaude,Banned\n");
            let r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
            let e = &r.entries[0];
            assert_eq!(
                (e.name.as_deref(), e.tier, e.status.as_deref()),
                (Some("Claude"), Tier::Unapproved, None),
                "{header}"
            );
        }
        let err = Register::parse(Path::new("r.csv"), b"Tool,Owner\nx,y\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `Tier` column"), "{err}");
    }
}
