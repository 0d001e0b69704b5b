//! Line splitting over any reader with one reused buffer and a hard cap on line length.
//!
//! Why not `BufRead::read_until`: it grows its `Vec` to the length of the longest line, so a
//! 50 MB line with no newline (a binary file, a hostile writer) would be held whole in memory.
//! Here a line longer than [`MAX_LINE`] is skipped while it streams past and reported as
//! [`Line::TooLong`]; memory stays at the buffer size whatever the input.

use std::io::{self, Read};

/// The longest line we hold. Longer lines are counted as skipped, never buffered whole.
pub const MAX_LINE: usize = 1 << 20;

/// Initial buffer size: large enough that a refill is rare, small enough to stay in L2.
const INITIAL_CAPACITY: usize = 256 * 1024;

/// One line as the reader yields it.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The bytes of the line without its `\n` (or `\r\n`).
    Text(&'a [u8]),
    /// A line longer than the cap; its bytes were discarded.
    TooLong,
}

/// Reads lines from `R`, reusing one buffer for every line.
pub struct LineReader<R> {
    rdr: R,
    buf: Vec<u8>,
    /// Start of unread data in `buf`.
    start: usize,
    /// End of valid data in `buf`.
    end: usize,
    eof: bool,
    max_line: usize,
    /// Bytes of the input consumed up to `start`: between calls, where the next line begins.
    offset: u64,
    /// Leave a final line without `\n` unread (see [`LineReader::complete_lines_only`]).
    complete_only: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader with the default cap [`MAX_LINE`].
    pub fn new(rdr: R) -> Self {
        Self::with_max_line(rdr, MAX_LINE)
    }

    /// A reader that reports lines longer than `max_line` bytes as [`Line::TooLong`].
    pub fn with_max_line(rdr: R, max_line: usize) -> Self {
        LineReader {
            rdr,
            buf: vec![0; INITIAL_CAPACITY.min(max_line + 1).max(64)],
            start: 0,
            end: 0,
            eof: false,
            max_line,
            offset: 0,
            complete_only: false,
        }
    }

    /// Stops before a final line that has no `\n` instead of returning it: a log being
    /// written may end mid-line, and `--state` must resume at that line's start next run
    /// rather than count half of it now.
    pub fn complete_lines_only(mut self) -> Self {
        self.complete_only = true;
        self
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.rdr
    }

    /// The underlying reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.rdr
    }

    /// Input offset (bytes from where this reader started) at which the next line begins;
    /// chunked reading stops at the first line that begins past its chunk.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line, or `None` at end of input. An error from the underlying reader is
    /// returned once; lines already returned stay valid counts.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        // Set when a line outgrew the cap: its remaining bytes are dropped up to the next newline.
        let mut discarding = false;
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let line_begin = self.start;
                let line_end = self.start + pos;
                self.start = line_end + 1;
                self.offset += (pos + 1) as u64;
                if discarding || pos > self.max_line {
                    return Ok(Some(Line::TooLong));
                }
                return Ok(Some(Line::Text(trim_cr(&self.buf[line_begin..line_end]))));
            }
            if self.eof {
                if self.complete_only && !discarding {
                    return Ok(None);
                }
                if self.start == self.end {
                    return Ok(discarding.then_some(Line::TooLong));
                }
                let (b, e) = (self.start, self.end);
                self.offset += (e - b) as u64;
                self.start = e;
                if discarding || e - b > self.max_line {
                    return Ok(Some(Line::TooLong));
                }
                return Ok(Some(Line::Text(trim_cr(&self.buf[b..e]))));
            }
            self.make_room(&mut discarding);
            self.fill()?;
        }
    }

    /// Moves the partial line to the front, grows the buffer up to the cap, or, past the cap,
    /// drops the partial line and switches to discarding.
    fn make_room(&mut self, discarding: &mut bool) {
        let pending = self.end - self.start;
        if pending > self.max_line || *discarding {
            // Never hold more than the cap: forget what we have and keep its offset accounting.
            *discarding = true;
            self.offset += pending as u64;
            self.start = 0;
            self.end = 0;
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end = pending;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // `pending <= max_line` here, so growing to `max_line + 1` always makes room.
            let grown = (self.buf.len() * 2).min(self.max_line + 1);
            self.buf.resize(grown, 0);
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        loop {
            match self.rdr.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Keep what was read; the caller reports the error and stops this input.
                    self.eof = true;
                    return Err(e);
                }
            }
        }
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every line `LineReader` yields for `input`; `None` for a line longer than `max`.
    pub(crate) fn collect(input: &[u8], max: usize) -> Vec<Option<Vec<u8>>> {
        let mut r = LineReader::with_max_line(input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(match l {
                Line::Text(t) => Some(t.to_vec()),
                Line::TooLong => None,
            });
        }
        out
    }

    #[test]
    fn complete_only_leaves_the_unterminated_tail() {
        let mut r = LineReader::new(&b"a\nbb\ncc"[..]).complete_lines_only();
        assert_eq!(r.next_line().unwrap(), Some(Line::Text(b"a")));
        assert_eq!(r.next_line().unwrap(), Some(Line::Text(b"bb")));
        assert_eq!(r.next_line().unwrap(), None);
        assert_eq!(r.offset(), 5);
    }

    #[test]
    fn splits_lines_and_strips_crlf() {
        let got = collect(b"a\r\nbb\n\nccc", 100);
        assert_eq!(
            got,
            vec![
                Some(b"a".to_vec()),
                Some(b"bb".to_vec()),
                Some(b"".to_vec()),
                Some(b"ccc".to_vec())
            ]
        );
    }

    #[test]
    fn long_line_is_skipped_and_following_lines_survive() {
        let mut input = vec![b'x'; 1000];
        input.extend_from_slice(b"\nok\n");
        input.extend(vec![b'y'; 500]);
        let got = collect(&input, 100);
        assert_eq!(got, vec![None, Some(b"ok".to_vec()), None]);
    }

    #[test]
    fn line_exactly_at_cap_is_kept() {
        let mut input = vec![b'z'; 64];
        input.push(b'\n');
        let got = collect(&input, 64);
        assert_eq!(got, vec![Some(vec![b'z'; 64])]);
    }

    #[test]
    fn any_chunking_of_the_reader_yields_the_same_lines() {
        /// A reader that hands out at most `step` bytes per call.
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(out.len()).min(self.0.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut input = Vec::new();
        for i in 0..300 {
            input.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, i % 97));
            input.push(b'\n');
        }
        let want = collect(&input, 80);
        for step in [1, 2, 3, 7, 64, 65, 4096] {
            let mut r = LineReader::with_max_line(Trickle(&input, step), 80);
            let mut got = Vec::new();
            while let Some(l) = r.next_line().unwrap() {
                got.push(match l {
                    Line::Text(t) => Some(t.to_vec()),
                    Line::TooLong => None,
                });
            }
            assert_eq!(got, want, "step {step}");
        }
    }

    #[test]
    fn offset_is_where_the_next_line_begins() {
        let mut input = b"ab\ncde\n".to_vec();
        input.extend(vec![b'x'; 300]);
        input.extend_from_slice(b"\nf");
        let mut r = LineReader::with_max_line(&input[..], 100);
        assert_eq!(r.offset(), 0);
        r.next_line().unwrap();
        assert_eq!(r.offset(), 3);
        r.next_line().unwrap();
        assert_eq!(r.offset(), 7);
        assert_eq!(r.next_line().unwrap(), Some(Line::TooLong));
        assert_eq!(r.offset(), 308);
        r.next_line().unwrap();
        assert_eq!(r.offset(), 309);
    }
}
