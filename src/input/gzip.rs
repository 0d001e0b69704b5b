//! gzip decoding: every member of a concatenated stream, what follows the last one, and the
//! decompression-bomb limit.
//!
//! `MultiGzDecoder` reads all members but cannot say what went wrong after the last one: tar-
//! style zero padding (which `gzip -t` accepts) or junk a shipper appended looks to it like a
//! corrupt header, an error indistinguishable from real damage. [`Members`] decodes one member
//! at a time and looks at what follows each: another member, the end, or trailing bytes, which
//! are a warning (every line was read) rather than an error.

use std::io::{self, BufRead, Read};
use std::sync::{Arc, OnceLock};

use flate2::bufread::GzDecoder;

/// The gzip magic bytes.
pub const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads every member of a gzip stream in turn; bytes after a complete member that do not
/// start another one are counted and described in `trailing`, then reading ends normally.
pub struct Members<R> {
    member: Option<GzDecoder<R>>,
    trailing: Arc<OnceLock<String>>,
}

impl<R: BufRead> Members<R> {
    /// Decodes `inner`, which starts with a gzip member; a note on trailing bytes, if any, is
    /// left in `trailing` once the stream has been read to its end.
    pub fn new(inner: R, trailing: Arc<OnceLock<String>>) -> Self {
        Members {
            member: Some(single_member(inner)),
            trailing,
        }
    }
}

/// A decoder of one member, which leaves the bytes after it unread in `inner`.
#[allow(clippy::disallowed_methods)] // one member at a time on purpose; `Members` chains them
fn single_member<R: BufRead>(inner: R) -> GzDecoder<R> {
    GzDecoder::new(inner)
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member ended, its CRC and length checked: what comes next?
            let Some(member) = self.member.take() else {
                return Ok(0);
            };
            let mut rest = member.into_inner();
            match rest.fill_buf()?.first() {
                None => return Ok(0),
                // Another member (a damaged one fails in its own decoder, as corrupt data).
                Some(&b) if b == MAGIC[0] => self.member = Some(single_member(rest)),
                Some(_) => {
                    let (len, zeros) = drain(&mut rest)?;
                    let what = if zeros {
                        "zero bytes (padding)"
                    } else {
                        "bytes that are not gzip"
                    };
                    let _ = self.trailing.set(format!(
                        "{len} trailing {what} after the last gzip member ignored; every line was read"
                    ));
                    return Ok(0);
                }
            }
        }
    }
}

/// Reads `r` to its end: how many bytes, and whether all were zero.
fn drain(r: &mut impl BufRead) -> io::Result<(u64, bool)> {
    let (mut len, mut zeros) = (0u64, true);
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok((len, zeros));
        }
        zeros &= buf.iter().all(|&b| b == 0);
        let n = buf.len();
        len += n as u64;
        r.consume(n);
    }
}

/// Stops a decompressed stream past a size limit, with an error naming the limit.
pub struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R> Bounded<R> {
    /// Lets `limit` bytes of `inner` through.
    pub fn new(inner: R, limit: u64) -> Self {
        Bounded {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => Err(io::Error::other(format!(
                "decompression bomb: gzip expands past {} bytes (limit: {}x the file size, at least {} bytes); stopped there",
                self.limit,
                super::MAX_RATIO,
                super::MIN_EXPANSION_LIMIT
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// The decoded bytes, the error if any, and the trailing note.
    fn decode(bytes: &[u8]) -> (Vec<u8>, Option<io::Error>, Option<String>) {
        let note = Arc::new(OnceLock::new());
        let mut r = Members::new(io::BufReader::with_capacity(7, bytes), Arc::clone(&note));
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).err();
        (out, err, note.get().cloned())
    }

    #[test]
    fn members_are_read_in_turn() {
        let bytes = [gz(b"first\n"), gz(b""), gz(b"second\n")].concat();
        let (out, err, note) = decode(&bytes);
        assert_eq!(out, b"first\nsecond\n");
        assert!(err.is_none() && note.is_none());
    }

    #[test]
    fn trailing_zeros_and_junk_are_a_note_not_an_error() {
        let mut bytes = gz(b"a\nb\n");
        bytes.extend([0; 512]);
        let (out, err, note) = decode(&bytes);
        assert_eq!(out, b"a\nb\n");
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            note.as_deref(),
            Some(
                "512 trailing zero bytes (padding) after the last gzip member ignored; every line was read"
            )
        );
        let mut bytes = gz(b"a\n");
        bytes.extend(b"junk");
        let (out, err, note) = decode(&bytes);
        assert_eq!(out, b"a\n");
        assert!(err.is_none());
        assert!(
            note.unwrap()
                .starts_with("4 trailing bytes that are not gzip")
        );
    }

    #[test]
    fn damage_is_an_error_after_the_data_before_it() {
        let good = gz(b"line one\nline two\n");
        // Truncated inside the trailer: all data decoded, then the error.
        let (out, err, _) = decode(&good[..good.len() - 3]);
        assert_eq!(out, b"line one\nline two\n");
        assert_eq!(err.unwrap().kind(), io::ErrorKind::UnexpectedEof);
        // A bad CRC: the data, then an error.
        let mut bad = good.clone();
        let crc = bad.len() - 8;
        bad[crc] ^= 0xff;
        let (out, err, _) = decode(&bad);
        assert_eq!(out, b"line one\nline two\n");
        assert!(err.unwrap().to_string().contains("checksum"));
        // A second member that starts like one but is damaged: an error, not trailing bytes.
        let mut two = good.clone();
        two.extend([0x1f, 0x8b, 0, 0]);
        let (out, err, note) = decode(&two);
        assert_eq!(out, b"line one\nline two\n");
        assert!(err.is_some() && note.is_none());
    }

    #[test]
    fn expansion_past_the_limit_is_an_error() {
        let mut r = Bounded::new(&[7u8; 100][..], 40);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().starts_with("decompression bomb"), "{err}");
        let mut ok = Bounded::new(&[7u8; 100][..], 100);
        assert_eq!(ok.read_to_end(&mut out).unwrap(), 100);
    }
}
