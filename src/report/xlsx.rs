//! `audit.xlsx`: the report as a workbook, for the people who live in spreadsheets.
//!
//! Excel opens the UTF-8 CSVs with the wrong code page ("jÃ¼rgen.mÃ¼ller") and every column as
//! text; the workbook carries real dates, numbers as numbers, a frozen header row and an
//! autofilter on every sheet.
//!
//! Formula-safe: every text cell is written with `write_string`, so a user name such as
//! `=cmd|' /C calc'!A0` is stored as a shared string and stays text; nothing here ever writes
//! a formula. Deterministic: the zip entries carry a fixed time (rust_xlsxwriter writes
//! 1980-01-01) and the document's creation time is [`creation_time`], so two runs over the
//! same data write the same bytes.

use std::io::Write;

use anyhow::Context as _;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::{Exporter, Report, Stats, ToolCols, When, audit};
use crate::time::{fmt_rfc3339, parse_iso8601};

/// `audit.xlsx`.
pub struct Xlsx;

impl Exporter for Xlsx {
    fn file_name(&self) -> &'static str {
        "audit.xlsx"
    }
    fn when(&self) -> When {
        When::Xlsx
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let bytes = workbook(r).context("building the workbook")?;
        w.write_all(&bytes)?;
        Ok(())
    }
}

/// Rows of a sheet, header included: Excel's limit.
const MAX_ROWS: u32 = 1_048_576;

/// Characters of a cell: Excel's limit (rust_xlsxwriter refuses longer strings).
const MAX_CELL_CHARS: usize = 32_767;

/// Widest column, in pixels, that fitting the contents may choose: a long detail or device
/// list wraps the view less than it would at its full length.
const MAX_COLUMN_PX: u32 = 480;

/// One cell of a row.
enum Val<'a> {
    Text(&'a str),
    Number(u64),
    /// An RFC 3339 time as the rows write it; empty (unknown) is a blank cell.
    Time(std::borrow::Cow<'a, str>),
    Bool(bool),
}

/// Uploaded bytes: a number, or the text "not measured" where no source records uploads.
fn uploaded<'a>(bytes: Option<u64>) -> Val<'a> {
    bytes.map_or(Val::Text(super::overview::NOT_MEASURED), Val::Number)
}

/// The cell formats of the workbook.
struct Formats {
    header: Format,
    time: Format,
    number: Format,
}

/// A sheet being written: its rows so far.
struct Sheet<'w> {
    ws: &'w mut Worksheet,
    row: u32,
    columns: u16,
}

impl Sheet<'_> {
    /// Writes one row; false once the sheet is full (the caller notes the rest).
    fn row(&mut self, cells: &[Val], f: &Formats) -> Result<bool, XlsxError> {
        if self.row >= MAX_ROWS - 1 {
            return Ok(false);
        }
        for (col, v) in (0u16..).zip(cells) {
            let r = self.row;
            match v {
                Val::Text(s) => {
                    self.ws.write_string(r, col, cut(s))?;
                }
                // Above 2^53 an f64 rounds: such a count is kept exact as text.
                Val::Number(n) if *n > (1u64 << 53) => {
                    self.ws.write_string(r, col, n.to_string())?;
                }
                Val::Number(n) => {
                    self.ws
                        .write_number_with_format(r, col, *n as f64, &f.number)?;
                }
                Val::Time(s) => match excel_time(s) {
                    Some(t) => {
                        self.ws.write_datetime_with_format(r, col, &t, &f.time)?;
                    }
                    None if s.is_empty() => {}
                    None => {
                        self.ws.write_string(r, col, cut(s))?;
                    }
                },
                Val::Bool(b) => {
                    self.ws.write_boolean(r, col, *b)?;
                }
            }
        }
        self.row += 1;
        Ok(true)
    }
}

/// At most [`MAX_CELL_CHARS`] characters of `s`.
fn cut(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// An RFC 3339 time as an Excel date-time (UTC; Excel has no zones).
fn excel_time(s: &str) -> Option<ExcelDateTime> {
    let (ts, _) = parse_iso8601(s.as_bytes())?;
    ExcelDateTime::from_timestamp(ts).ok()
}

/// The document's creation time (`docProps/core.xml`): `SOURCE_DATE_EPOCH` when set (the
/// reproducible-builds convention), else the end of the data (the latest event, or
/// `--until`), else 1980-01-01. Never the clock: two runs over the same data must write the
/// same bytes.
fn creation_time(r: &Report) -> ExcelDateTime {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok());
    epoch
        .or(r.config.until)
        .or(r.scan.agg.window.last)
        .and_then(|ts| ExcelDateTime::from_timestamp(ts).ok())
        .or_else(|| ExcelDateTime::from_ymd(1980, 1, 1).ok())
        .unwrap_or_default()
}

/// Adds a sheet with `header`, writes `rows` (noting those beyond Excel's limit and which CSV
/// holds them all), then freezes the header, filters and fits the columns.
fn table<'a, T: 'a>(
    wb: &mut Workbook,
    f: &Formats,
    name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = &'a T>,
    csv: &str,
    cells: impl Fn(&'a T) -> Vec<Val<'a>>,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    for (col, h) in (0u16..).zip(header) {
        ws.write_string_with_format(0, col, *h, &f.header)?;
    }
    let mut sheet = Sheet {
        ws,
        row: 1,
        columns: header.len() as u16,
    };
    let mut omitted = 0u64;
    for row in rows {
        if !sheet.row(&cells(row), f)? {
            omitted += 1;
        }
    }
    let last = sheet.row.saturating_sub(1);
    let ws = sheet.ws;
    if omitted > 0 {
        ws.write_string(
            sheet.row,
            0,
            format!("… and {omitted} more rows (beyond Excel's limit): {csv}"),
        )?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last, sheet.columns.saturating_sub(1))?;
    ws.set_autofit_max_width(MAX_COLUMN_PX).autofit();
    Ok(())
}

fn tool_cells(t: &ToolCols) -> [Val<'_>; 5] {
    [
        Val::Text(&t.tool_id),
        Val::Text(&t.tool),
        Val::Text(&t.vendor),
        Val::Text(&t.category),
        Val::Number(u64::from(t.tier.number())),
    ]
}

fn stat_cells(s: &Stats) -> [Val<'_>; 4] {
    [
        Val::Number(s.events),
        uploaded(s.bytes_out),
        Val::Time(s.first_seen.to_string().into()),
        Val::Time(s.last_seen.to_string().into()),
    ]
}

/// The workbook's bytes.
fn workbook(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title("Shadow AI audit")
            .set_creation_datetime(&creation_time(r)),
    );
    let f = Formats {
        header: Format::new().set_bold(),
        time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        number: Format::new().set_num_format("#,##0"),
    };
    summary(&mut wb, &f, r)?;
    table(
        &mut wb,
        &f,
        "Per tool",
        &[
            "tool_id",
            "tool",
            "vendor",
            "category",
            "tier",
            "users",
            "events",
            "bytes_out",
            "first_seen (UTC)",
            "last_seen (UTC)",
            "registered",
            "incidental_users",
            "incidental_events",
        ],
        &r.per_tool,
        "per-tool.csv",
        |t| {
            let mut v: Vec<Val> = tool_cells(&t.tool).into_iter().collect();
            v.push(Val::Number(t.users));
            v.extend(stat_cells(&t.stats));
            v.extend([
                Val::Bool(t.registered),
                Val::Number(t.incidental_users),
                Val::Number(t.incidental_events),
            ]);
            v
        },
    )?;
    table(
        &mut wb,
        &f,
        "Findings",
        &[
            "severity",
            "rule",
            "user",
            "tool_id",
            "tool",
            "tier",
            "events",
            "bytes_out",
            "first_seen (UTC)",
            "last_seen (UTC)",
            "detail",
            "department",
            "manager",
        ],
        &r.findings,
        "findings.csv",
        |x| {
            vec![
                Val::Text(x.severity.name()),
                Val::Text(x.rule.name()),
                Val::Text(&x.user),
                Val::Text(&x.tool_id),
                Val::Text(&x.tool),
                Val::Number(u64::from(x.tier.number())),
                Val::Number(x.events),
                uploaded(x.bytes_out),
                Val::Time(x.first_seen.to_string().into()),
                Val::Time(x.last_seen.to_string().into()),
                Val::Text(&x.detail),
                Val::Text(&x.department),
                Val::Text(&x.manager),
            ]
        },
    )?;
    table(
        &mut wb,
        &f,
        "Per user",
        &[
            "user",
            "tool_id",
            "tool",
            "vendor",
            "category",
            "tier",
            "events",
            "bytes_out",
            "first_seen (UTC)",
            "last_seen (UTC)",
            "devices",
            "processes",
            "registered",
            "evidence",
            "department",
            "manager",
        ],
        &r.per_user,
        "per-user.csv",
        |u| {
            let mut v = vec![Val::Text(&u.user)];
            v.extend(tool_cells(&u.tool));
            v.extend(stat_cells(&u.stats));
            v.extend([
                Val::Text(&u.devices),
                Val::Text(&u.processes),
                Val::Bool(u.registered),
                Val::Text(u.evidence.as_str()),
                Val::Text(&u.department),
                Val::Text(&u.manager),
            ]);
            v
        },
    )?;
    if let Some(d) = &r.departments {
        table(
            &mut wb,
            &f,
            "Per department",
            &[
                "department",
                "tool_id",
                "tool",
                "tier",
                "users",
                "events",
                "bytes_out",
                "first_seen (UTC)",
                "last_seen (UTC)",
            ],
            &d.rows,
            "per-department.csv",
            |x| {
                vec![
                    Val::Text(&x.department),
                    Val::Text(&x.tool_id),
                    Val::Text(&x.tool),
                    Val::Number(u64::from(x.tier.number())),
                    Val::Number(x.users),
                    Val::Number(x.events),
                    uploaded(x.bytes_out),
                    Val::Time(x.first_seen.as_str().into()),
                    Val::Time(x.last_seen.as_str().into()),
                ]
            },
        )?;
    }
    table(
        &mut wb,
        &f,
        "Register candidates",
        &[
            "tool_id",
            "tool",
            "vendor",
            "category",
            "users",
            "events",
            "bytes_out",
            "first_seen (UTC)",
            "last_seen (UTC)",
            "top_users",
        ],
        &r.register_candidates,
        "register-candidates.csv",
        |c| {
            let mut v = vec![
                Val::Text(&c.tool_id),
                Val::Text(&c.tool),
                Val::Text(&c.vendor),
                Val::Text(&c.category),
                Val::Number(c.users),
            ];
            v.extend(stat_cells(&c.stats));
            v.push(Val::Text(&c.top_users));
            v
        },
    )?;
    wb.save_to_buffer()
}

/// The Summary sheet: the window and the totals of `summary.json`, as label/value rows.
fn summary(wb: &mut Workbook, f: &Formats, r: &Report) -> Result<(), XlsxError> {
    let window = &r.scan.agg.window;
    let audit = audit(r);
    let time = |t: Option<i64>| t.map(fmt_rfc3339).unwrap_or_default();
    let mut rows: Vec<(String, Val)> = Vec::new();
    let texts = [
        (
            "generator",
            format!("shadowai {}", env!("CARGO_PKG_VERSION")),
        ),
        ("command", r.config.command_line.clone()),
    ];
    let times = [
        ("first event (UTC)", time(window.first)),
        ("last event (UTC)", time(window.last)),
        ("since (UTC)", time(r.config.since)),
        ("until (UTC)", time(r.config.until)),
    ];
    let days = [
        ("audit window from", audit.from.clone().unwrap_or_default()),
        ("audit window to", audit.to.clone().unwrap_or_default()),
    ];
    for (label, v) in &texts {
        rows.push(((*label).to_string(), Val::Text(v)));
    }
    for (label, v) in &times {
        rows.push(((*label).to_string(), Val::Time(v.as_str().into())));
    }
    for (label, v) in &days {
        rows.push(((*label).to_string(), Val::Text(v)));
    }
    rows.push(("audit complete".into(), Val::Bool(audit.complete)));
    // Every total of `summary.json`, by its name there, so the two never disagree.
    let totals = serde_json::to_value(&r.overview().totals).unwrap_or(Value::Null);
    if let Value::Object(map) = &totals {
        for (name, v) in map {
            if let Some(n) = v.as_u64() {
                rows.push((name.clone(), Val::Number(n)));
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("Summary")?;
    ws.write_string_with_format(0, 0, "item", &f.header)?;
    ws.write_string_with_format(0, 1, "value", &f.header)?;
    let mut sheet = Sheet {
        ws,
        row: 1,
        columns: 2,
    };
    for (label, v) in rows {
        sheet.row(&[Val::Text(&label), v], f)?;
    }
    let ws = sheet.ws;
    ws.set_freeze_panes(1, 0)?;
    ws.set_autofit_max_width(MAX_COLUMN_PX).autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_excels_limit_on_a_char_boundary() {
        let long = "ü".repeat(MAX_CELL_CHARS + 10);
        assert_eq!(cut(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(cut("short"), "short");
    }

    #[test]
    fn rfc3339_times_become_excel_times() {
        let t = excel_time("2026-11-24T09:15:00Z").unwrap();
        assert_eq!(
            t.to_excel(),
            ExcelDateTime::parse_from_str("2026-11-24T09:15:00")
                .unwrap()
                .to_excel()
        );
        assert!(excel_time("").is_none());
        assert!(excel_time("not a time").is_none());
    }
}
