//! A stream's identity: what `--state` and `merge --state` recognize a log by, whatever its
//! name and whether or not it is gzip.
//!
//! A stream is known by the SHA-256 of its first [`WINDOW`] decompressed bytes (`head_hash`)
//! and of the [`WINDOW`] bytes that end where reading stopped (`tail_hash`): a log that
//! logrotate renamed or compressed keeps both, a log that grew keeps both and has more after.
//! [`Tail`] keeps the bytes behind the read position so the tail window is hashed without
//! reading the stream twice.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use super::Handle;
use crate::aggregate::StreamId;
use crate::hash::hex;

/// Bytes hashed at each end of a stream's consumed part (its identity).
pub const WINDOW: usize = 64 * 1024;

/// The ledger identity of a file that was read to `consumed` (`scan --emit-partial`, for
/// `merge --state`), through the handle it was read with: its first bytes are read again here
/// (64 KiB at most, decompressed), and so is the window before `consumed` unless the reader
/// kept its hash (`tail`, from a [`Tail`]: gzip, where reaching the end again would mean
/// inflating the whole file twice).
pub fn stream_id(
    file: &Handle,
    consumed: u64,
    tail: Option<String>,
    min_expansion: u64,
) -> io::Result<StreamId> {
    let head = first_window(file, min_expansion);
    let tail_hash = match tail {
        Some(h) => h,
        None => {
            let start = consumed.saturating_sub(WINDOW as u64);
            let mut window = Vec::new();
            file.open_at(start, &indicatif::ProgressBar::hidden(), min_expansion)?
                .reader
                .take(consumed - start)
                .read_to_end(&mut window)?;
            if window.len() as u64 != consumed - start {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file shrank while it was read",
                ));
            }
            hash(&window)
        }
    };
    Ok(identity(&head, consumed, tail_hash))
}

/// The identity of a stream read to `consumed`, from its first bytes `head` (at least the
/// first [`WINDOW`] of them, or all there were) and the hash of the window before `consumed`.
pub fn identity(head: &[u8], consumed: u64, tail_hash: String) -> StreamId {
    let head_len = (WINDOW as u64).min(consumed).min(head.len() as u64);
    StreamId {
        head_hash: hash(&head[..usize::try_from(head_len).unwrap_or(0)]),
        head_len,
        consumed,
        tail_hash,
    }
}

/// The first [`WINDOW`] decompressed bytes of a file: what the ledger knows it by. Unlike
/// [`super::Head::lines`] (format detection), the head is not cut after its last whole line.
/// A gzip file damaged within them is known by the bytes before the damage: the lines there
/// are read and recorded, and the file completed later resumes after them.
pub fn first_window(file: &Handle, min_expansion: u64) -> Vec<u8> {
    let mut head = Vec::new();
    if let Ok(o) = file.open_at(0, &indicatif::ProgressBar::hidden(), min_expansion) {
        let _ = o.reader.take(WINDOW as u64).read_to_end(&mut head);
    }
    head
}

/// SHA-256 in hex.
pub fn hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The hash of each prefix `head[..len]`, for `lens` ascending, each at most `head.len()`:
/// one pass over `head`, however many lengths are asked for (the ledger asks for every head
/// length it holds, and a short stream's head is as long as the stream).
pub fn prefix_hashes<'a>(
    head: &'a [u8],
    lens: &'a [usize],
) -> impl Iterator<Item = (usize, String)> + 'a {
    let mut hasher = Sha256::new();
    let mut at = 0usize;
    lens.iter().map(move |&l| {
        hasher.update(&head[at..l]);
        at = l;
        (l, hex(&hasher.clone().finalize()))
    })
}

/// Bytes kept behind the read position: the identity window plus the most a
/// [`crate::lines::LineReader`] reads ahead of the lines it has returned (its buffer, at most
/// `MAX_LINE + 1`), so the window ending at the last consumed line is always still here.
const RING: usize = WINDOW + crate::lines::MAX_LINE + 2 * WINDOW;

/// A reader that remembers the last `RING` bytes it passed on, so the tail window of what
/// was consumed can be hashed without reading the stream twice.
pub struct Tail<R> {
    inner: R,
    ring: Vec<u8>,
    /// Stream offset of the next byte read.
    pos: u64,
    /// Stream offset of the first byte this reader saw; nothing before it is held.
    origin: u64,
}

impl<R: Read> Tail<R> {
    /// Wraps `inner`, whose next byte is at stream offset `pos`.
    pub fn new(inner: R, pos: u64) -> Self {
        Tail {
            inner,
            ring: vec![0; RING],
            pos,
            origin: pos,
        }
    }

    /// Reads and drops bytes up to stream offset `to`; false if the stream ends first.
    pub fn skip_to(&mut self, to: u64) -> io::Result<bool> {
        let mut buf = vec![0; 256 * 1024];
        while self.pos < to {
            let want = usize::try_from(to - self.pos)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            match self.read(&mut buf[..want]) {
                Ok(0) => return Ok(false),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Hash of the (up to) [`WINDOW`] bytes ending at stream offset `end`, or `None` when
    /// they are no longer (or not yet) held.
    pub fn window_hash(&self, end: u64) -> Option<String> {
        let begin = end.saturating_sub(WINDOW as u64);
        if end > self.pos || begin < self.origin || self.pos - begin > RING as u64 {
            return None;
        }
        let mut h = Sha256::new();
        let mut at = begin;
        while at < end {
            let i = (at % RING as u64) as usize;
            let n = ((end - at) as usize).min(RING - i);
            h.update(&self.ring[i..i + n]);
            at += n as u64;
        }
        Some(hex(&h.finalize()))
    }
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut done = 0;
        while done < n {
            let i = ((self.pos + done as u64) % RING as u64) as usize;
            let k = (n - done).min(RING - i);
            self.ring[i..i + k].copy_from_slice(&buf[done..done + k]);
            done += k;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_hashes_the_window_before_an_offset() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut t = Tail::new(&data[..], 0);
        let mut sink = vec![0; 150_000];
        t.read_exact(&mut sink).unwrap();
        assert_eq!(
            t.window_hash(100_000),
            Some(hash(&data[100_000 - WINDOW..100_000]))
        );
        assert_eq!(t.window_hash(1000), Some(hash(&data[..1000])));
        assert_eq!(t.window_hash(160_000), None);
        let mut late = Tail::new(&data[90_000..], 90_000);
        late.skip_to(100_000).unwrap();
        assert_eq!(late.window_hash(100_000), None);
    }

    #[test]
    fn prefix_hashes_are_the_hashes_of_the_prefixes() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let got: Vec<_> = prefix_hashes(&data, &[1, 1000, 1000, 5000]).collect();
        let want: Vec<_> = [1, 1000, 1000, 5000]
            .into_iter()
            .map(|l| (l, hash(&data[..l])))
            .collect();
        assert_eq!(got, want);
    }
}
