//! Inputs: walking the paths given, opening files, and seeing through gzip.
//!
//! gzip is recognized by its magic bytes (`1f 8b`), not the name, because rotated logs are
//! named anything (`access.log.1`, `dns.log-20261124`). Concatenated members (what `cat a.gz
//! b.gz` and many log shippers produce) are read whole with `MultiGzDecoder`; a single-member
//! decoder would silently stop after the first.
//!
//! [`stream`] says which stream a file carries (its identity for `--state`).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use flate2::bufread::MultiGzDecoder;
use indicatif::ProgressBar;

pub mod stream;

use crate::hash::{FNV1A_START, fnv1a};

/// How much decompressed data format detection looks at.
pub const HEAD_BYTES: usize = 64 * 1024;

/// A gzip input may expand to at most this many times its compressed size...
pub const MAX_RATIO: u64 = 200;
/// ...or this many bytes, whichever is larger. Real logs compress 5-30:1; a decompression
/// bomb (1000:1 and more) is stopped here with an error, lines before the cut counted.
pub const MIN_EXPANSION_LIMIT: u64 = 1 << 30;

/// An input found by the walk, or why a path could not be walked.
pub type Found = Result<PathBuf, (PathBuf, String)>;

/// Expands the given paths into files: directories recursively, in sorted order, following
/// symlinks (loops are reported, not followed). A file reached twice is read once.
pub fn walk(paths: &[PathBuf]) -> Vec<Found> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for root in paths {
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
        {
            match entry {
                Ok(e) if e.file_type().is_dir() => {}
                Ok(e) => {
                    let key =
                        std::fs::canonicalize(e.path()).unwrap_or_else(|_| e.path().to_path_buf());
                    if seen.insert(key) {
                        out.push(Ok(e.into_path()));
                    }
                }
                Err(err) => {
                    let path = err.path().unwrap_or(root).to_path_buf();
                    let msg = match err.loop_ancestor() {
                        Some(a) => format!("symlink loop back to {}", a.display()),
                        None => err
                            .io_error()
                            .map_or_else(|| err.to_string(), ToString::to_string),
                    };
                    out.push(Err((path, msg)));
                }
            }
        }
    }
    out
}

/// The walk of `paths`, keeping only shard `K` of `N` when given: a file belongs to the shard
/// its path's FNV-1a hash falls in, so N runs (tasks of an engine, pods of an Indexed Job) that
/// each walk all the inputs read every file exactly once, with no coordination.
pub fn inputs(paths: &[PathBuf], shard: Option<(u64, u64)>) -> Vec<Found> {
    let mut found = walk(paths);
    if let Some((k, n)) = shard {
        found.retain(|f| {
            let path = match f {
                Ok(p) | Err((p, _)) => p,
            };
            shard_of(path, n) == k
        });
    }
    found
}

/// The shard (of `n`) a path belongs to. FNV-1a over the path's bytes: stable across runs,
/// machines and releases, unlike the standard library's seeded hasher.
pub fn shard_of(path: &Path, n: u64) -> u64 {
    fnv1a(FNV1A_START, crate::paths::to_bytes(path)) % n.max(1)
}

/// Counts bytes read from the file into the progress bar, about once per MiB.
pub struct Counted<R> {
    inner: R,
    pending: u64,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 1 << 20 {
            self.bar.inc(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

impl<R> Drop for Counted<R> {
    fn drop(&mut self) {
        self.bar.inc(self.pending);
    }
}

/// Stops a decompressed stream past a size limit, with an error naming the limit.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
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
                "decompression bomb: gzip expands past {} bytes (limit: {MAX_RATIO}x the file size, at least {MIN_EXPANSION_LIMIT} bytes); stopped there",
                self.limit
            ))),
        }
    }
}

/// An open input: its decompressed byte stream and whether it was gzip.
pub struct Opened {
    /// Decompressed bytes.
    pub reader: Box<dyn Read + Send>,
    /// Whether the file is gzip.
    pub gzip: bool,
}

/// Opens `path` at byte `offset` (0 for gzip), decompressing when it starts with the gzip
/// magic; a gzip stream may expand to `max(MAX_RATIO × file size, min_expansion)` bytes.
pub fn open(path: &Path, offset: u64, bar: &ProgressBar, min_expansion: u64) -> io::Result<Opened> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    if offset > 0 {
        file.seek(SeekFrom::Start(offset))?;
    }
    let mut buffered = BufReader::with_capacity(
        256 * 1024,
        Counted {
            inner: file,
            pending: 0,
            bar: bar.clone(),
        },
    );
    let gzip = offset == 0 && buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if gzip {
        let limit = size.saturating_mul(MAX_RATIO).max(min_expansion);
        Box::new(Bounded {
            inner: MultiGzDecoder::new(buffered),
            left: limit,
            limit,
        })
    } else {
        Box::new(buffered)
    };
    Ok(Opened { reader, gzip })
}

/// Size of the blocks a background reader hands over.
const BLOCK: usize = 1 << 20;
/// Blocks in flight between a background reader and its consumer: enough to smooth out
/// uneven speeds, few enough to bound memory at a few MiB per stream.
const BLOCKS_IN_FLIGHT: usize = 4;

/// Moves `reader` to a thread of its own and reads from it through a bounded queue of
/// reused blocks, so that decompression (one core) overlaps with parsing (another).
///
/// # Performance
/// Inflating gzip costs about as much as parsing; overlapped, a gzip file is read in the time
/// of the slower of the two instead of their sum. Blocks are recycled, so the stream
/// allocates `BLOCKS_IN_FLIGHT + 1` blocks in all. Errors arrive in order, after the data that
/// preceded them (a truncated gzip still yields its lines before the cut).
pub fn in_background(mut reader: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(BLOCKS_IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        loop {
            let mut block = empty_rx.try_recv().unwrap_or_else(|_| vec![0; BLOCK]);
            block.resize(BLOCK, 0);
            let mut filled = 0;
            let result = loop {
                match reader.read(&mut block[filled..]) {
                    Ok(0) => break Ok(true),
                    Ok(n) => {
                        filled += n;
                        if filled == BLOCK {
                            break Ok(false);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            block.truncate(filled);
            // A send fails only when the consumer is gone (done or failed): stop quietly.
            if filled > 0 && full_tx.send(Ok(block)).is_err() {
                return;
            }
            match result {
                Ok(false) => {}
                Ok(true) => return,
                Err(e) => {
                    let _ = full_tx.send(Err(e));
                    return;
                }
            }
        }
    });
    Box::new(Background {
        full: full_rx,
        empty: empty_tx,
        block: Vec::new(),
        pos: 0,
    })
}

/// The consuming end of [`in_background`].
struct Background {
    full: mpsc::Receiver<io::Result<Vec<u8>>>,
    empty: mpsc::Sender<Vec<u8>>,
    block: Vec<u8>,
    pos: usize,
}

impl Read for Background {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.block.len() {
            let next = match self.full.recv() {
                Ok(Ok(block)) => block,
                Ok(Err(e)) => return Err(e),
                // The reader finished and hung up: end of stream.
                Err(_) => return Ok(0),
            };
            let used = std::mem::replace(&mut self.block, next);
            let _ = self.empty.send(used);
            self.pos = 0;
        }
        let n = out.len().min(self.block.len() - self.pos);
        out[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The first [`HEAD_BYTES`] of a stream, cut after its last whole line when there is more:
/// what format detection looks at (the stream's identity uses [`stream::first_window`]).
pub fn read_head(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    reader.take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    if head.len() == HEAD_BYTES
        && let Some(nl) = memchr::memrchr(b'\n', &head)
    {
        head.truncate(nl + 1);
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_found_by_magic_and_members_are_all_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rotated.log.1");
        let mut bytes = Vec::new();
        for part in ["first\n", "second\n"] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part.as_bytes()).unwrap();
            bytes.extend(enc.finish().unwrap());
        }
        std::fs::write(&path, bytes).unwrap();
        let bar = ProgressBar::hidden();
        let mut o = open(&path, 0, &bar, MIN_EXPANSION_LIMIT).unwrap();
        let mut s = String::new();
        o.reader.read_to_string(&mut s).unwrap();
        assert!(o.gzip);
        assert_eq!(s, "first\nsecond\n");
    }

    #[test]
    fn expansion_past_the_limit_is_an_error() {
        let mut r = Bounded {
            inner: &[7u8; 100][..],
            left: 40,
            limit: 40,
        };
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().starts_with("decompression bomb"), "{err}");
        let mut ok = Bounded {
            inner: &[7u8; 100][..],
            left: 100,
            limit: 100,
        };
        assert_eq!(ok.read_to_end(&mut out).unwrap(), 100);
    }

    #[test]
    fn background_reading_keeps_order_and_errors() {
        /// Yields `data` in odd-sized pieces, then an error.
        struct Failing(Vec<u8>, usize);
        impl Read for Failing {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.1 >= self.0.len() {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
                }
                let n = out.len().min(777).min(self.0.len() - self.1);
                out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        let data: Vec<u8> = (0..3 * BLOCK + 12_345).map(|i| (i % 251) as u8).collect();
        let mut r = in_background(Box::new(Failing(data.clone(), 0)));
        let mut got = Vec::new();
        let err = r.read_to_end(&mut got).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(got, data);
        let mut ok = in_background(Box::new(&b"short"[..]));
        let mut s = String::new();
        ok.read_to_string(&mut s).unwrap();
        assert_eq!(s, "short");
    }

    #[test]
    fn walk_sorts_and_dedups() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for f in ["b.log", "a.log", "sub/c.log"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let root = dir.path().to_path_buf();
        let again = root.join("a.log");
        let found: Vec<_> = walk(&[root.clone(), again])
            .into_iter()
            .map(|f| {
                f.unwrap()
                    .strip_prefix(&root)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(found, vec!["a.log", "b.log", "sub/c.log"]);
    }

    #[test]
    fn head_ends_on_a_line() {
        let mut data = Vec::new();
        while data.len() < HEAD_BYTES + 100 {
            data.extend_from_slice(b"0123456789abcdef\n");
        }
        let head = read_head(&mut &data[..]).unwrap();
        assert!(head.len() <= HEAD_BYTES && head.ends_with(b"\n"));
    }
}
