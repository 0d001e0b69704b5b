//! Spreadsheet workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`), read with calamine: the first sheet
//! is exported to CSV bytes, so the CSV reader is the only register parser.

use std::path::Path;

use super::error;
use crate::time::days_from_civil;

/// Whether `path` names a spreadsheet workbook rather than a CSV export.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].contains(&e.to_ascii_lowercase().as_str()))
}

/// The first sheet of a workbook as CSV bytes, so one parser serves both. Line numbers in
/// messages are rows of the sheet's used range (row 1 = the header when the table starts at A1).
pub(crate) fn workbook_as_csv(path: &Path) -> anyhow::Result<Vec<u8>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).map_err(|e| error(path, 0, e))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| error(path, 0, "the workbook has no sheet"))?
        .map_err(|e| error(path, 0, e))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in sheet.rows() {
        w.write_record(row.iter().map(cell_text))?;
    }
    w.into_inner().map_err(|e| error(path, 0, e.error()))
}

/// A cell as its CSV export would show it: whole numbers without `.0`, dates as
/// `YYYY-MM-DD` (Excel's 1900 date system: serial 1 = 1900-01-01, counted from 1899-12-30).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let day = days_from_civil(1899, 12, 30) + d.as_f64().floor() as i64;
            crate::time::fmt_day(day as i32)
        }
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::Register;

    #[test]
    fn xlsx_registers_read_like_their_csv_export() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/register.xlsx");
        let r = Register::read(&path).unwrap();
        let got: Vec<_> = r
            .entries
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.id.clone(),
                    e.name.clone(),
                    e.tier.number(),
                    e.assessed,
                    e.owner.clone(),
                )
            })
            .collect();
        let day = |y, m, d| Some(days_from_civil(y, m, d) as i32);
        assert_eq!(
            got,
            vec![
                (
                    2,
                    Some("chatgpt".into()),
                    Some("ChatGPT".into()),
                    1,
                    day(2026, 10, 1),
                    Some("Smith, Ann".into())
                ),
                (
                    3,
                    None,
                    Some("Claude".into()),
                    2,
                    day(2024, 11, 1),
                    Some("Bob".into())
                ),
                (
                    4,
                    None,
                    Some("Microsoft Copilot".into()),
                    3,
                    day(2026, 9, 15),
                    Some("Carol".into())
                ),
            ]
        );
    }
}
