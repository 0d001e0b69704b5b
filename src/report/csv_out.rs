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
//! from the integer fields of the rows ([`CsvWriter::serialized`]).

use std::borrow::Cow;
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
    /// numbers, booleans as `true`/`false`, none as an empty cell
    /// ([`super::csv_row`]). `#[serde(flatten)]` is kept; the fields must be the header's
    /// columns, in its order, so the two cannot drift apart.
    pub fn serialized<T: Serialize>(&mut self, header: &[&str], rows: &[T]) -> anyhow::Result<()> {
        self.text_row(header)?;
        for row in rows {
            self.record.clear();
            let mut cells = super::csv_row::Row {
                record: &mut self.record,
                header,
                number: &mut self.number,
                col: 0,
            };
            row.serialize(&mut cells)?;
            cells.finish()?;
            self.inner.write_record(&self.record)?;
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
