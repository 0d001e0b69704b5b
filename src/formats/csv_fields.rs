//! The one splitter of quoted-CSV lines (PAN-OS, Cisco Umbrella DNS and proxy, the quoted
//! Zscaler NSS web template, Defender for Endpoint CSV exports), on `csv-core`.
//!
//! RFC 4180 quoting, as `csv-core` reads it: `"a,b"` is one field, `""` inside quotes is one
//! `"`, the quotes are removed; a `"` inside an unquoted field is an ordinary byte, and an
//! unterminated quote runs to the end of the line. Because quotes are unescaped, the fields
//! cannot all borrow from the line: they are copied into a buffer the splitter owns, and a
//! parser that owns the splitter lends them to its events (as [`LineParser::parse`] allows).
//! The buffers are reused, so once they have grown to the longest line nothing is allocated
//! per line.
//!
//! A line is one record: the line reader has already cut its `\n` or `\r\n`, trailing `\r`s
//! left by a `\r\r\n` ending are dropped, and any other `\r` is data. An empty line is one
//! empty field. `csv-core` drops a UTF-8 byte order mark opening a line.
//!
//! [`LineParser::parse`]: super::LineParser::parse

use csv_core::{ReadFieldResult, Reader, ReaderBuilder, Terminator};

/// Splits lines into their CSV fields, reusing its buffers from line to line.
pub(super) struct CsvSplitter {
    reader: Reader,
    /// Whether spaces opening a field are skipped (before its quote, if it has one).
    skip_spaces: bool,
    /// The unescaped fields of the last line, back to back.
    out: Vec<u8>,
    /// Where each field of the last line ends in `out`.
    ends: Vec<usize>,
}

impl Default for CsvSplitter {
    fn default() -> Self {
        CsvSplitter {
            // Lines hold no `\n`; a `\r` in the middle of one is data, as it always was here.
            reader: ReaderBuilder::new()
                .terminator(Terminator::Any(b'\n'))
                .build(),
            skip_spaces: false,
            out: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl CsvSplitter {
    /// A splitter that skips spaces opening a field, for exporters that write `"a", "b"`
    /// (Cisco Umbrella): without it the space would make `"b"` an unquoted field, quotes and
    /// all, and split it at its commas.
    pub(super) fn skipping_spaces() -> Self {
        CsvSplitter {
            skip_spaces: true,
            ..CsvSplitter::default()
        }
    }

    /// A splitter on `delimiter`, with `quote` as the quote character or no quoting at all
    /// (user-defined delimited formats).
    pub(super) fn with(delimiter: u8, quote: Option<u8>) -> Self {
        let mut builder = ReaderBuilder::new();
        builder
            .terminator(Terminator::Any(b'\n'))
            .delimiter(delimiter);
        match quote {
            Some(q) => builder.quote(q),
            None => builder.quoting(false),
        };
        CsvSplitter {
            reader: builder.build(),
            ..CsvSplitter::default()
        }
    }

    /// The first `max` fields of `line` (the rest of the line is not read).
    ///
    /// # Performance
    ///
    /// One `csv-core` DFA step per byte read, and a copy of the field bytes into the reused
    /// buffer; no allocation once the buffer holds the longest line seen.
    pub(super) fn split(&mut self, line: &[u8], max: usize) -> Fields<'_> {
        let mut line = line;
        while let [rest @ .., b'\r'] = line {
            line = rest;
        }
        self.reader.reset();
        self.ends.clear();
        let (mut read, mut written) = (0, 0);
        let mut field_start = true;
        while self.ends.len() < max {
            if self.skip_spaces && field_start {
                while line.get(read) == Some(&b' ') {
                    read += 1;
                }
            }
            let input = line.get(read..).unwrap_or_default();
            let output = self.out.get_mut(written..).unwrap_or_default();
            let (result, nin, nout) = self.reader.read_field(input, output);
            read += nin;
            written += nout;
            field_start = false;
            match result {
                ReadFieldResult::InputEmpty => {}
                ReadFieldResult::OutputFull => {
                    let len = (self.out.len() * 2).max(256);
                    self.out.resize(len, 0);
                }
                ReadFieldResult::Field { record_end } => {
                    self.ends.push(written);
                    field_start = true;
                    if record_end {
                        break;
                    }
                }
                ReadFieldResult::End => break,
            }
        }
        if self.ends.is_empty() {
            self.ends.push(0);
        }
        Fields {
            out: &self.out,
            ends: &self.ends,
        }
    }
}

/// The fields of one line, borrowed from its [`CsvSplitter`].
#[derive(Clone, Copy)]
pub(super) struct Fields<'a> {
    out: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    /// How many fields the line has (at most the `max` asked for; at least one).
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`, or an empty field past the last one.
    pub(super) fn get(&self, i: usize) -> &'a [u8] {
        let Some(&end) = self.ends.get(i) else {
            return &[];
        };
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        self.out.get(start..end).unwrap_or_default()
    }

    /// The fields in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let fields = *self;
        (0..fields.len()).map(move |i| fields.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(csv: &mut CsvSplitter, line: &[u8], max: usize) -> Vec<Vec<u8>> {
        csv.split(line, max).iter().map(<[u8]>::to_vec).collect()
    }

    fn fields(line: &str) -> Vec<String> {
        let mut csv = CsvSplitter::default();
        split(&mut csv, line.as_bytes(), usize::MAX)
            .into_iter()
            .map(|f| String::from_utf8(f).unwrap())
            .collect()
    }

    #[test]
    fn quoted_commas_doubled_quotes_and_empty_fields() {
        assert_eq!(
            fields(r#"a,"b,c","d""e",,"#),
            ["a", "b,c", r#"d"e"#, "", ""]
        );
        assert_eq!(fields(r#""""#), [""]);
        assert_eq!(fields(r#""""""#), [r#"""#]);
        assert_eq!(fields(",,"), ["", "", ""]);
        assert_eq!(fields(""), [""]);
        assert_eq!(fields("a"), ["a"]);
    }

    #[test]
    fn quotes_as_the_formats_see_them() {
        // A quote inside an unquoted field is a byte like any other.
        assert_eq!(fields(r#"corp\o"brien,x"#), [r#"corp\o"brien"#, "x"]);
        // An unterminated quote runs to the end of the line.
        assert_eq!(fields(r#"a,"unterminated,x"#), ["a", "unterminated,x"]);
        // Bytes after a closing quote stay in the field.
        assert_eq!(fields(r#""a"b,c"#), ["ab", "c"]);
        // A space before a quote makes the field unquoted, unless spaces are skipped.
        assert_eq!(fields(r#""a", "b,c""#), ["a", r#" "b"#, r#"c""#]);
        let mut umbrella = CsvSplitter::skipping_spaces();
        let got = split(&mut umbrella, br#""a", "b,c",  d, "#, usize::MAX);
        assert_eq!(got, [&b"a"[..], b"b,c", b"d", b""]);
    }

    #[test]
    fn trailing_carriage_returns_end_the_line_others_are_data() {
        assert_eq!(fields("a,\"b\"\r"), ["a", "b"]);
        assert_eq!(fields("a,b\r\r"), ["a", "b"]);
        assert_eq!(fields("a\rb,c"), ["a\rb", "c"]);
        assert_eq!(fields("\"a\rb\",c"), ["a\rb", "c"]);
        assert_eq!(fields("\r"), [""]);
    }

    #[test]
    fn max_fields_and_reuse_across_lines() {
        let mut csv = CsvSplitter::default();
        let f = csv.split(br#"a,"b,c",d,e"#, 2);
        assert_eq!((f.len(), f.get(0), f.get(1)), (2, &b"a"[..], &b"b,c"[..]));
        assert_eq!(f.get(2), b"");
        // A long line grows the buffer; a shorter one after it reuses it.
        let long = format!("{},\"{}\"", "x".repeat(1000), "y,".repeat(500));
        let f = csv.split(long.as_bytes(), usize::MAX);
        assert_eq!((f.len(), f.get(0).len(), f.get(1).len()), (2, 1000, 1000));
        let capacity = csv.out.capacity();
        assert_eq!(split(&mut csv, b"p,q", 8), [b"p", b"q"]);
        assert_eq!(csv.out.capacity(), capacity);
    }

    #[test]
    fn odd_quoting_never_panics() {
        let mut csv = CsvSplitter::default();
        for line in [
            &b"\""[..],
            b"\"\"",
            b"\"a\"b,c",
            b",",
            b"\"a,",
            b"a,\"",
            b"\"\"\"\"",
        ] {
            assert!(csv.split(line, usize::MAX).len() >= 1);
        }
    }

    #[test]
    fn a_byte_order_mark_opening_a_line_is_dropped() {
        assert_eq!(fields("\u{feff}\"a\",b"), ["a", "b"]);
    }
}
