//! The one CSV writer: every CSV shadowai writes (the reports, `match`, `reveal`, `signatures
//! list|export`, the rows `register update` appends) goes through [`CsvWriter`], so no output
//! can forget the formula rule.
//!
//! Text comes from logs the audited people partly control (user names, devices, hosts), from
//! user-supplied signature files and from registers: a cell such as `=HYPERLINK(...)` would run
//! as a formula when an auditor opens the file in a spreadsheet, and `+5.4294967296` would be
//! shown as a number that is not what the log said. So every text cell passes through
//! [`neutralize`], with no exception for text that happens to look like a number; only the
//! numbers shadowai computes itself (counts, bytes, tiers, scores) are written as numbers,
//! through [`Cell::Number`].

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

/// OWASP's CSV-injection rule: a text cell starting with `=`, `+`, `-`, `@`, tab or CR is
/// prefixed with `'`, which spreadsheets take as "text" and do not show. A cell that already
/// starts with `'` is left alone, so neutralizing twice changes nothing.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// One cell of a row.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    /// Text, written neutralized.
    Text(&'a str),
    /// A number shadowai computed, written in decimal as it is.
    Number(i128),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Text(s)
    }
}

impl From<u64> for Cell<'_> {
    fn from(n: u64) -> Self {
        Cell::Number(i128::from(n))
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Number(i128::from(n))
    }
}

/// A CSV writer whose text cells always go through [`neutralize`].
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
    /// The cells of the row being written, reused across rows.
    record: csv::StringRecord,
    /// Scratch for formatting numbers.
    number: String,
}

impl<W: Write> CsvWriter<W> {
    /// A writer with the csv crate's defaults (comma, `\n`, quoting where needed).
    pub fn new(w: W) -> Self {
        Self::from_builder(&csv::WriterBuilder::new(), w)
    }

    /// A writer with another delimiter or line ending (a register's own).
    pub fn from_builder(builder: &csv::WriterBuilder, w: W) -> Self {
        CsvWriter {
            inner: builder.from_writer(w),
            record: csv::StringRecord::new(),
            number: String::new(),
        }
    }

    /// Writes one row of cells.
    pub fn row<'c>(&mut self, cells: impl IntoIterator<Item = Cell<'c>>) -> csv::Result<()> {
        self.record.clear();
        for cell in cells {
            match cell {
                Cell::Text(s) => self.record.push_field(&neutralize(s)),
                Cell::Number(n) => {
                    self.number.clear();
                    // Formatting into a String cannot fail.
                    let _ = write!(self.number, "{n}");
                    self.record.push_field(&self.number);
                }
            }
        }
        self.inner.write_record(&self.record)
    }

    /// Writes one row of text cells (a header, or a row of names).
    pub fn text_row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> csv::Result<()> {
        self.record.clear();
        for cell in cells {
            self.record.push_field(&neutralize(cell.as_ref()));
        }
        self.inner.write_record(&self.record)
    }

    /// Writes `header`, then one row per serialized struct: strings as text, integers as
    /// numbers, booleans as `true`/`false`, none as an empty cell. Serialized through a JSON
    /// map, which keeps the field order and `#[serde(flatten)]`; the fields must be the header's
    /// columns, in its order, so the two cannot drift apart.
    pub fn serialized<T: Serialize>(&mut self, header: &[&str], rows: &[T]) -> anyhow::Result<()> {
        self.text_row(header)?;
        for row in rows {
            let serde_json::Value::Object(map) = serde_json::to_value(row)? else {
                anyhow::bail!("internal error: a report row is not a record");
            };
            if !map.keys().map(String::as_str).eq(header.iter().copied()) {
                anyhow::bail!(
                    "internal error: report row fields {:?} are not the columns {header:?}",
                    map.keys().collect::<Vec<_>>()
                );
            }
            let cells = map
                .values()
                .map(|v| {
                    Ok(match v {
                        serde_json::Value::String(s) => Cell::Text(s),
                        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                            (Some(i), _) => Cell::from(i),
                            (None, Some(u)) => Cell::from(u),
                            (None, None) => {
                                anyhow::bail!("internal error: a report column holds {n}")
                            }
                        },
                        serde_json::Value::Bool(b) => Cell::Text(if *b { "true" } else { "false" }),
                        serde_json::Value::Null => Cell::Text(""),
                        other => anyhow::bail!("internal error: a report column holds {other}"),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            self.row(cells)?;
        }
        Ok(())
    }

    /// Flushes what is buffered to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    /// The underlying writer, flushed.
    pub fn into_inner(self) -> anyhow::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut CsvWriter<&mut Vec<u8>>)) -> String {
        let mut out = Vec::new();
        let mut w = CsvWriter::new(&mut out);
        f(&mut w);
        w.flush().unwrap();
        drop(w);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_text_cell_that_could_start_a_formula_is_prefixed() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("+cmd", "'+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            // Text that looks like a number is text all the same.
            ("+5.4294967296", "'+5.4294967296"),
            ("-5", "'-5"),
            ("alice", "alice"),
            ("'=already", "'=already"),
            ("", ""),
        ] {
            assert_eq!(neutralize(cell), want, "{cell:?}");
            assert_eq!(neutralize(&neutralize(cell)), want, "idempotent: {cell:?}");
        }
    }

    #[test]
    fn numbers_are_written_as_numbers_and_text_neutralized() {
        let text = written(|w| {
            w.text_row(["user", "events"]).unwrap();
            w.row([Cell::Text("-1+1"), Cell::from(-3i64)]).unwrap();
            w.row([Cell::Text("bob"), Cell::from(u64::MAX)]).unwrap();
        });
        assert_eq!(text, "user,events\n'-1+1,-3\nbob,18446744073709551615\n");
    }

    #[test]
    fn serialized_rows_follow_their_header_and_neutralize_strings() {
        #[derive(Serialize)]
        struct Row {
            user: String,
            events: u64,
            registered: bool,
            note: Option<String>,
        }
        let text = written(|w| {
            let rows = [Row {
                user: "=cmd|' /C calc'!A0".into(),
                events: 3,
                registered: false,
                note: None,
            }];
            w.serialized(&["user", "events", "registered", "note"], &rows)
                .unwrap();
        });
        assert_eq!(
            text,
            "user,events,registered,note\n'=cmd|' /C calc'!A0,3,false,\n"
        );
        let mut out = Vec::new();
        let err = CsvWriter::new(&mut out)
            .serialized(&["user"], &[("a", 1)])
            .unwrap_err();
        assert!(err.to_string().contains("not a record"), "{err}");
        #[derive(Serialize)]
        struct Two {
            a: u64,
            b: u64,
        }
        let err = CsvWriter::new(&mut out)
            .serialized(&["b", "a"], &[Two { a: 1, b: 2 }])
            .unwrap_err();
        assert!(err.to_string().contains("not the columns"), "{err}");
    }
}
