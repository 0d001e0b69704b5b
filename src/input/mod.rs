//! Inputs: walking the paths given, opening files, and seeing through gzip.
//!
//! gzip is recognized by its magic bytes (`1f 8b`), not the name, because rotated logs are
//! named anything (`access.log.1`, `dns.log-20261124`). Concatenated members (what `cat a.gz
//! b.gz` and many log shippers produce) are all read ([`gzip`]).
//!
//! Only regular files are read from folders: a named pipe, socket or device met in a folder is
//! named and skipped, never opened (opening a pipe waits for a writer, forever if none comes).
//! A path given on the command line that is not a regular file (a named pipe, `/dev/stdin`) is
//! read as a stream: once, front to back, never sought or split. Regular files are read
//! through one open [`handle`] each. The walk leaves out shadowai's own outputs ([`Own`]).
//!
//! [`stream`] says which stream a file carries (its identity for `--state`).

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, mpsc};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

pub mod blocks;
pub mod chunk_hash;
pub mod gzip;
pub mod handle;
pub mod stream;

pub use handle::{FileId, Handle};

use crate::hash::{FNV1A_START, fnv1a, hex};

/// How much decompressed data format detection looks at.
pub const HEAD_BYTES: usize = 64 * 1024;

/// A gzip input may expand to at most this many times its compressed size...
pub const MAX_RATIO: u64 = 200;
/// ...or this many bytes, whichever is larger. Real logs compress 5-30:1; a decompression
/// bomb (1000:1 and more) is stopped here with an error, lines before the cut counted.
pub const MIN_EXPANSION_LIMIT: u64 = 1 << 30;

/// What the walk found at a path.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A regular file, or a symlink to one.
    File(PathBuf),
    /// A path given on the command line that is not a regular file (a named pipe, a
    /// character device such as `/dev/stdin`): read once as it arrives.
    Stream(PathBuf),
    /// A special file inside a folder, never opened, and why.
    Skipped(PathBuf, String),
    /// A regular file reached again by another path (a symlink to it, a folder linked twice):
    /// not read again; the path it was first reached by.
    Alias(PathBuf, PathBuf),
    /// A path that could not be walked, and why.
    Error(PathBuf, String),
}

impl Found {
    /// The path found.
    pub fn path(&self) -> &Path {
        match self {
            Found::File(p)
            | Found::Stream(p)
            | Found::Skipped(p, _)
            | Found::Alias(p, _)
            | Found::Error(p, _) => p,
        }
    }
}

/// shadowai's own outputs, left out of the walk of an input folder they lie in: a report
/// folder inside a log folder would otherwise have its reports (and, during the run, their
/// temporary files) read as logs by the next run.
#[derive(Debug, Default)]
pub struct Own {
    /// The report folder (`--out`): not walked when it lies inside an input folder.
    pub dir: Option<PathBuf>,
    /// Files shadowai writes (the reports when `--out` is itself an input folder, the
    /// partial, the `--state` database and its SQLite side files): never read from a folder.
    pub files: Vec<PathBuf>,
}

impl Own {
    /// The outputs by canonical path, as the walk compares them.
    fn resolve(&self) -> (Option<PathBuf>, HashSet<PathBuf>) {
        (
            self.dir.as_deref().map(canonical),
            self.files.iter().map(|f| canonical(f)).collect(),
        )
    }
}

/// Whether a file name is one of shadowai's temporary files ([`crate::atomic`]), of this run
/// or of another one writing into the same folder.
fn temporary(name: &OsStr) -> bool {
    name.as_encoded_bytes()
        .ends_with(crate::atomic::TEMP_SUFFIX.as_bytes())
}

/// `path` with symlinks resolved; for a file not written yet, its folder's resolved path plus
/// its name; failing that, the path made absolute.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(path) {
        return c;
    }
    if let (Some(dir), Some(name)) = (path.parent(), path.file_name())
        && let Ok(d) = std::fs::canonicalize(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        return d.join(name);
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What kind of special file this is, for the message that skips it.
fn special(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_char_device() {
            return "a character device";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// Expands the given paths into inputs: directories recursively, in sorted order, following
/// symlinks (loops are reported, not followed). A file reached twice is read once: by the same
/// path (a file given and inside a folder given), it is left out; by another path (a symlink),
/// it is a [`Found::Alias`] of the first, listed as a duplicate. Inside folders only regular
/// files are inputs; special files are [`Found::Skipped`], and `own` outputs and temporary
/// files are left out. A path given itself is always an input.
pub fn walk(paths: &[PathBuf], own: &Own) -> Vec<Found> {
    let (own_dir, own_files) = own.resolve();
    // Canonical path → the path it was first reached by.
    let mut seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut out = Vec::new();
    for root in paths {
        let entries = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !e.file_type().is_dir()
                    || own_dir.as_deref().is_none_or(|d| canonical(e.path()) != d)
            });
        for entry in entries {
            match entry {
                Ok(e) if e.file_type().is_dir() => {}
                Ok(e) => {
                    let given = e.depth() == 0;
                    if !given && temporary(e.file_name()) {
                        continue;
                    }
                    let key =
                        std::fs::canonicalize(e.path()).unwrap_or_else(|_| e.path().to_path_buf());
                    if !given && own_files.contains(&key) {
                        continue;
                    }
                    let ft = e.file_type();
                    if let Some(first) = seen.get(&key) {
                        if ft.is_file() && first != e.path() {
                            out.push(Found::Alias(e.into_path(), first.clone()));
                        }
                        continue;
                    }
                    seen.insert(key, e.path().to_path_buf());
                    let path = e.into_path();
                    out.push(if ft.is_file() {
                        Found::File(path)
                    } else if given {
                        Found::Stream(path)
                    } else {
                        let why = format!(
                            "not read: {}; only regular files are read from folders",
                            special(ft)
                        );
                        Found::Skipped(path, why)
                    });
                }
                Err(err) => {
                    let path = err.path().unwrap_or(root).to_path_buf();
                    let msg = match err.loop_ancestor() {
                        Some(a) => format!("symlink loop back to {}", a.display()),
                        None => err
                            .io_error()
                            .map_or_else(|| err.to_string(), ToString::to_string),
                    };
                    out.push(Found::Error(path, msg));
                }
            }
        }
    }
    out
}

/// The walk of `paths`, keeping only shard `K` of `N` when given: a file belongs to the shard
/// its path's FNV-1a hash falls in, so N runs (tasks of an engine, pods of an Indexed Job) that
/// each walk all the inputs read every file exactly once, with no coordination.
pub fn inputs(paths: &[PathBuf], shard: Option<(u64, u64)>, own: &Own) -> Vec<Found> {
    let mut found = walk(paths, own);
    if let Some((k, n)) = shard {
        found.retain(|f| shard_of(f.path(), n) == k);
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

/// `inner`, its bytes counted on `bar`.
pub fn counted<R: Read>(inner: R, bar: &ProgressBar) -> Counted<R> {
    Counted {
        inner,
        pending: 0,
        bar: bar.clone(),
    }
}

impl<R> Counted<R> {
    /// The reader counted.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
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

/// SHA-256 of the bytes read through it, published once the reader reaches its end.
///
/// # Performance
/// Hashes the stored bytes as they are read, on whichever thread reads them (for gzip the
/// background inflating thread, [`in_background`]): no second pass over the file. `sha2`
/// picks the CPU's SHA extensions at run time, about 2 GB/s a core where they exist.
pub struct Hashing<R> {
    inner: R,
    /// `None` once published (or when not hashing).
    hasher: Option<Sha256>,
    out: Arc<OnceLock<String>>,
}

impl<R> Hashing<R> {
    /// Hashes `inner` when `on`, into `out` at its end.
    pub fn new(inner: R, on: bool, out: Arc<OnceLock<String>>) -> Self {
        Hashing {
            inner,
            hasher: on.then(Sha256::new),
            out,
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            if let Some(h) = self.hasher.as_mut() {
                h.update(&buf[..n]);
            }
        } else if !buf.is_empty()
            && let Some(h) = self.hasher.take()
        {
            let _ = self.out.set(hex(&h.finalize()));
        }
        Ok(n)
    }
}

/// An open input: its decompressed byte stream and whether it was gzip.
pub struct Opened {
    /// Decompressed bytes.
    pub reader: Box<dyn Read + Send>,
    /// Whether the input is gzip.
    pub gzip: bool,
    /// Once the reader has reached its end: what was ignored after the last gzip member, if
    /// anything (a warning: every line was read).
    pub trailing: Arc<OnceLock<String>>,
    /// When opened hashed, once the reader has reached its end: the SHA-256 (hex) of the
    /// stored bytes (the gzip bytes of a gzip), the evidence manifest's `files[].sha256`.
    pub sha256: Arc<OnceLock<String>>,
}

/// The decompressed stream of `raw`, decompressing when it starts with the gzip magic
/// (`may_be_gzip`: only a stream read from its first byte can); a gzip stream may expand to
/// `limit` bytes. With `hash`, the stored bytes are hashed as they are read ([`Hashing`]).
fn decoded(
    raw: impl Read + Send + 'static,
    may_be_gzip: bool,
    bar: &ProgressBar,
    limit: u64,
    hash: bool,
) -> io::Result<Opened> {
    let sha256 = Arc::new(OnceLock::new());
    let mut buffered = BufReader::with_capacity(
        256 * 1024,
        Counted {
            inner: Hashing::new(raw, hash, Arc::clone(&sha256)),
            pending: 0,
            bar: bar.clone(),
        },
    );
    let gzip = may_be_gzip && buffered.fill_buf()?.starts_with(&gzip::MAGIC);
    let trailing = Arc::new(OnceLock::new());
    let reader: Box<dyn Read + Send> = if gzip {
        Box::new(gzip::Bounded::new(
            gzip::Members::new(buffered, Arc::clone(&trailing)),
            limit,
        ))
    } else {
        Box::new(buffered)
    };
    Ok(Opened {
        reader,
        gzip,
        trailing,
        sha256,
    })
}

/// How far a gzip file of `size` bytes may expand: `max(MAX_RATIO × size, min_expansion)`.
fn expansion_limit(size: u64, min_expansion: u64) -> u64 {
    size.saturating_mul(MAX_RATIO).max(min_expansion)
}

/// Opens a stream (a named pipe, a device) for reading once, decompressing gzip; with no size
/// to go by, it may expand to `min_expansion` bytes. Opening a named pipe waits for a writer:
/// only paths given on the command line are opened here. Hashed: a stream is read once.
pub fn open_stream(path: &Path, bar: &ProgressBar, min_expansion: u64) -> io::Result<Opened> {
    decoded(File::open(path)?, true, bar, min_expansion, true)
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
            let (filled, result) = fill(&mut *reader, &mut block, 0);
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

/// Reads into `block` after its first `from` bytes until it is full, the input ends or reading
/// fails: the bytes it then holds, and whether the input ended (or the error).
pub(crate) fn fill(
    reader: &mut dyn Read,
    block: &mut [u8],
    from: usize,
) -> (usize, io::Result<bool>) {
    let mut filled = from;
    loop {
        match reader.read(&mut block[filled..]) {
            Ok(0) => return (filled, Ok(true)),
            Ok(n) => {
                filled += n;
                if filled == block.len() {
                    return (filled, Ok(false));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Err(e)),
        }
    }
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

/// The first [`HEAD_BYTES`] of a decompressed stream, as read: what format detection looks at
/// (through [`Head::lines`]) and, for a stream that cannot be read twice, what is replayed.
pub struct Head {
    /// The bytes read, at most [`HEAD_BYTES`].
    pub bytes: Vec<u8>,
    /// The error that ended the head early (a cut or corrupt gzip), after `bytes`.
    pub error: Option<io::Error>,
}

impl Head {
    /// What detection looks at: the head cut after its last newline when it was cut short, so
    /// detection never sees half a line. Cut by an error, a head without a newline has no
    /// whole line (empty); cut by its size, it is one long line and stays whole (to be
    /// refused as no known format, not taken for an empty file).
    pub fn lines(&self) -> &[u8] {
        if self.error.is_none() && self.bytes.len() < HEAD_BYTES {
            return &self.bytes;
        }
        match memchr::memrchr(b'\n', &self.bytes) {
            Some(nl) => &self.bytes[..=nl],
            None if self.error.is_none() => &self.bytes,
            None => &[],
        }
    }
}

/// Reads the [`Head`] of a stream, keeping what was read before an error: a small gzip file
/// cut or corrupted in its first 64 KiB still has its whole lines detected and counted.
pub fn read_head(reader: &mut dyn Read) -> Head {
    let mut bytes = Vec::with_capacity(HEAD_BYTES);
    let error = reader.take(HEAD_BYTES as u64).read_to_end(&mut bytes).err();
    Head { bytes, error }
}

/// A reader that fails once with `error`: what a stream's planning saw after its head.
pub struct Failed(pub Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
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
        let h = Handle::open(&path).unwrap();
        let mut o = h.open_at(0, &bar, MIN_EXPANSION_LIMIT).unwrap();
        let mut s = String::new();
        o.reader.read_to_string(&mut s).unwrap();
        assert!(o.gzip);
        assert_eq!(s, "first\nsecond\n");
        assert_eq!(o.trailing.get(), None);
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

    /// The walk's findings as (kind, path relative to `root`).
    fn walked(paths: &[PathBuf], own: &Own, root: &Path) -> Vec<(&'static str, String)> {
        walk(paths, own)
            .into_iter()
            .map(|f| {
                let kind = match &f {
                    Found::File(_) => "file",
                    Found::Stream(_) => "stream",
                    Found::Skipped(..) => "skipped",
                    Found::Alias(..) => "alias",
                    Found::Error(..) => "error",
                };
                let rel = f.path().strip_prefix(root).unwrap_or(f.path());
                (kind, rel.display().to_string())
            })
            .collect()
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
        let found = walked(&[root.clone(), again], &Own::default(), &root);
        let want = [("file", "a.log"), ("file", "b.log"), ("file", "sub/c.log")];
        assert_eq!(found, want.map(|(k, p)| (k, p.to_string())));
    }

    /// Issue 17 case 5: a symlink to a file of the walk is an alias of it, read once.
    #[cfg(unix)]
    #[test]
    fn a_symlink_to_a_walked_file_is_an_alias() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("a.log"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a.log"), root.join("b.log")).unwrap();
        let found = walk(std::slice::from_ref(&root), &Own::default());
        assert_eq!(
            found,
            [
                Found::File(root.join("a.log")),
                Found::Alias(root.join("b.log"), root.join("a.log"))
            ]
        );
    }

    #[test]
    fn walk_leaves_out_its_own_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for d in ["out", "sub"] {
            std::fs::create_dir(root.join(d)).unwrap();
        }
        for f in [
            "a.log",
            "out/summary.json",
            "sub/.per-user.csv.x1Y2z3.shadowai-tmp",
            "state.db",
            "state.db-wal",
            "part.tsv",
            "summary.json",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let own = Own {
            dir: Some(root.join("sub/../out")),
            files: ["state.db", "state.db-wal", "state.db-journal", "part.tsv"]
                .iter()
                .map(|f| root.join(f))
                .collect(),
        };
        let found = walked(std::slice::from_ref(&root), &own, &root);
        let want = [("file", "a.log"), ("file", "summary.json")];
        assert_eq!(found, want.map(|(k, p)| (k, p.to_string())));
        // Given by name, an output is read all the same: the user asked for it.
        let given = walked(&[root.join("part.tsv")], &own, &root);
        assert_eq!(given, [("file", "part.tsv".to_string())]);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_in_folders_are_skipped_and_given_ones_are_streams() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("a.log"), "x").unwrap();
        let fifo = root.join("b.pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let _socket = std::os::unix::net::UnixListener::bind(root.join("c.sock")).unwrap();
        let found = walk(std::slice::from_ref(&root), &Own::default());
        assert_eq!(found[0], Found::File(root.join("a.log")));
        let Found::Skipped(p, why) = &found[1] else {
            panic!("{found:?}")
        };
        assert_eq!(p, &fifo);
        assert!(why.contains("a named pipe (FIFO)"), "{why}");
        assert!(matches!(&found[2], Found::Skipped(_, why) if why.contains("a socket")));
        assert_eq!(
            walk(std::slice::from_ref(&fifo), &Own::default()),
            [Found::Stream(fifo)]
        );
    }

    #[test]
    fn head_ends_on_a_line() {
        let mut data = Vec::new();
        while data.len() < HEAD_BYTES + 100 {
            data.extend_from_slice(b"0123456789abcdef\n");
        }
        let head = read_head(&mut &data[..]);
        let lines = head.lines();
        assert!(lines.len() <= HEAD_BYTES && lines.ends_with(b"\n"));
        let short = read_head(&mut &b"a\nb"[..]);
        assert_eq!(short.lines(), b"a\nb");
        let long = read_head(&mut &[b'x'; HEAD_BYTES + 1][..]);
        assert_eq!(long.lines().len(), HEAD_BYTES);
    }

    #[test]
    fn a_head_cut_by_an_error_keeps_its_whole_lines() {
        let mut r = (&b"one\ntwo\nthr"[..]).chain(Failed(Some(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "cut",
        ))));
        let head = read_head(&mut r);
        assert_eq!(head.bytes, b"one\ntwo\nthr");
        assert_eq!(head.lines(), b"one\ntwo\n");
        assert!(head.error.is_some());
    }
}
