//! The SHA-256 of a file read in chunks by several workers, computed from the bytes the
//! chunks read.
//!
//! A hash takes its bytes in order: chunk 3's after chunk 2's. The worker reading the chunk
//! whose turn it is hashes each block as it reads it; a worker whose chunk's turn has not come
//! keeps the chunk's bytes (up to [`MAX_KEPT`] for the file) and hashes them once the turn
//! comes, or hands them over when it finishes first: whoever finishes the chunk before them
//! hashes them next. Bytes past the bound are not kept but read again from the file when their
//! turn comes, so memory stays bounded whatever the chunk size and thread count.
//!
//! # Performance
//! The file used to be hashed by a task of its own that read it a second time, and a quarter
//! of that task went to copying the pages out of the page cache again (37 ms of the 184 MB
//! org log): the bytes are now copied out once, by the chunk that parses them.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sha2::{Digest as _, Sha256};

use super::handle::{At, Handle};
use crate::hash::hex;

/// Bytes of one file kept in memory at once, over all its chunks, waiting for their turn:
/// eight default chunks.
const MAX_KEPT: usize = 32 << 20;

/// The hash of one chunked file, shared by its chunks' readers.
pub struct ChunkHash {
    chunks: usize,
    state: Mutex<State>,
    /// Bytes held in [`Waiting`] buffers, of chunks being read or finished.
    kept: AtomicUsize,
}

struct State {
    /// The chunk whose bytes go into the hash next.
    next: usize,
    /// Taken by the worker hashing (the reader of chunk `next`, or one hashing finished
    /// chunks); gone for good once the hash failed.
    hasher: Option<Sha256>,
    failed: bool,
    /// Chunks finished before their turn, with what they kept.
    finished: BTreeMap<usize, Waiting>,
}

/// The part of a chunk not hashed yet: `[from, end)` of the file, of which `bytes` holds the
/// first `bytes.len()`; the rest is read again from the file.
#[derive(Default)]
struct Waiting {
    from: u64,
    bytes: Vec<u8>,
    end: u64,
}

impl ChunkHash {
    /// The hash of a file read as `chunks` chunks.
    pub fn new(chunks: usize) -> Arc<ChunkHash> {
        Arc::new(ChunkHash {
            chunks,
            state: Mutex::new(State {
                next: 0,
                hasher: Some(Sha256::new()),
                failed: false,
                finished: BTreeMap::new(),
            }),
            kept: AtomicUsize::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `len` more bytes may be kept.
    fn keep(&self, len: usize) -> bool {
        let before = self.kept.fetch_add(len, Ordering::Relaxed);
        if before + len > MAX_KEPT {
            self.kept.fetch_sub(len, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn release(&self, w: &Waiting) {
        self.kept.fetch_sub(w.bytes.len(), Ordering::Relaxed);
    }

    /// Gives up: a chunk could not be read, so the file has no hash.
    fn fail(&self) {
        let mut st = self.lock();
        st.failed = true;
        st.hasher = None;
        for w in std::mem::take(&mut st.finished).values() {
            self.release(w);
        }
    }

    /// With `chunk`'s turn taken (`hasher`) and its bytes all hashed: passes the turn on,
    /// hashing the chunks that finished waiting for it. The hex hash once the last is in.
    fn pass_turn(&self, mut hasher: Sha256, file: &Handle) -> Option<String> {
        loop {
            let mut st = self.lock();
            if st.failed {
                return None;
            }
            st.next += 1;
            if st.next == self.chunks {
                drop(st);
                return Some(hex(&hasher.finalize()));
            }
            let next = st.next;
            let Some(mut w) = st.finished.remove(&next) else {
                st.hasher = Some(hasher);
                return None;
            };
            drop(st);
            let end = w.end;
            if self.catch_up(&mut hasher, &mut w, end, file).is_err() {
                self.fail();
                return None;
            }
        }
    }

    /// Hashes `w` up to `upto`: its kept bytes, then the rest read again from `file`.
    fn catch_up(
        &self,
        hasher: &mut Sha256,
        w: &mut Waiting,
        upto: u64,
        file: &Handle,
    ) -> io::Result<()> {
        hasher.update(&w.bytes);
        self.release(w);
        w.from += w.bytes.len() as u64;
        w.bytes.clear();
        if w.from < upto {
            let mut rest = file.bytes_from(w.from).take(upto - w.from);
            let mut buf = vec![0; (256 << 10).min(usize::try_from(upto - w.from).unwrap_or(0))];
            loop {
                match rest.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => hasher.update(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            w.from = upto;
        }
        Ok(())
    }
}

/// Reads one chunk's range of a file (from one byte before the chunk, as a chunk's reader
/// does) and feeds the chunk's own bytes, `[start, end)`, to the file's [`ChunkHash`].
/// Dropped without [`ChunkReader::finish`] (its reading failed), the file gets no hash.
pub struct ChunkReader {
    inner: At,
    /// File offset of the next byte `inner` yields.
    pos: u64,
    file: Handle,
    hash: Arc<ChunkHash>,
    chunk: usize,
    start: u64,
    /// What of the chunk is not hashed yet; `from` moves on as this reader hashes.
    waiting: Waiting,
    /// Held while it is this chunk's turn.
    hasher: Option<Sha256>,
    /// Bytes are no longer kept (the bound was reached): the rest is read again.
    spilled: bool,
    done: bool,
}

impl ChunkReader {
    /// The reader of chunk `chunk`, `[start, end)` of `file`, from byte `begin` on.
    pub fn new(
        file: &Handle,
        hash: &Arc<ChunkHash>,
        chunk: usize,
        begin: u64,
        start: u64,
        end: u64,
    ) -> ChunkReader {
        ChunkReader {
            inner: file.bytes_from(begin),
            pos: begin,
            file: file.clone(),
            hash: Arc::clone(hash),
            chunk,
            start,
            waiting: Waiting {
                from: start,
                bytes: Vec::new(),
                end,
            },
            hasher: None,
            spilled: false,
            done: false,
        }
    }

    /// Takes the turn when it has come to this chunk.
    fn take_turn(&mut self) {
        if self.hasher.is_some() {
            return;
        }
        // Never waits for the lock while reading: a worker busy with it is passing the turn
        // on, and the next block asks again.
        let Ok(mut st) = self.hash.state.try_lock() else {
            return;
        };
        if st.next == self.chunk {
            self.hasher = st.hasher.take();
        }
    }

    /// Hashes or keeps `bytes`, the chunk's bytes from file offset `at`.
    fn feed(&mut self, bytes: &[u8], at: u64) -> io::Result<()> {
        self.take_turn();
        if let Some(h) = self.hasher.as_mut() {
            self.hash.catch_up(h, &mut self.waiting, at, &self.file)?;
            h.update(bytes);
            self.waiting.from = at + bytes.len() as u64;
            return Ok(());
        }
        if self.spilled || !self.hash.keep(bytes.len()) {
            self.spilled = true;
            return Ok(());
        }
        if self.waiting.bytes.capacity() == 0 {
            let left = self.waiting.end - at;
            self.waiting
                .bytes
                .reserve_exact(usize::try_from(left).unwrap_or(0).min(MAX_KEPT));
        }
        self.waiting.bytes.extend_from_slice(bytes);
        Ok(())
    }

    /// Called once the chunk's lines are all read: hashes what is left of the chunk when it
    /// is its turn (and the chunks that finished waiting for it), else leaves it waiting.
    /// The file's hash (hex) when this completed it.
    pub fn finish(&mut self) -> Option<String> {
        let mut hasher = match self.hasher.take() {
            Some(h) => h,
            None => {
                let mut st = self.hash.lock();
                // Failed: dropped unfinished, this reader releases what it kept.
                if st.failed {
                    return None;
                }
                if st.next != self.chunk {
                    st.finished
                        .insert(self.chunk, std::mem::take(&mut self.waiting));
                    self.done = true;
                    return None;
                }
                st.hasher.take()?
            }
        };
        self.done = true;
        let end = self.waiting.end;
        if self
            .hash
            .catch_up(&mut hasher, &mut self.waiting, end, &self.file)
            .is_err()
        {
            self.hash.fail();
            return None;
        }
        self.hash.pass_turn(hasher, &self.file)
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let (lo, hi) = (
            self.start.max(self.pos),
            self.waiting.end.min(self.pos + n as u64),
        );
        if lo < hi {
            let at = usize::try_from(lo - self.pos).unwrap_or(0);
            let to = usize::try_from(hi - self.pos).unwrap_or(0);
            self.feed(&buf[at..to], lo)?;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Drop for ChunkReader {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.hash.release(&self.waiting);
        self.hash.fail();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(bytes: &[u8]) -> (tempfile::TempDir, Handle) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        std::fs::write(&path, bytes).unwrap();
        let h = Handle::open(&path).unwrap();
        (dir, h)
    }

    /// Reads chunk `i` of `bounds` whole in `step`-byte reads.
    fn read_chunk(
        file: &Handle,
        hash: &Arc<ChunkHash>,
        bounds: &[u64],
        i: usize,
        step: usize,
    ) -> ChunkReader {
        let (start, end) = (bounds[i], bounds[i + 1]);
        let mut r = ChunkReader::new(file, hash, i, start.saturating_sub(1), start, end);
        let mut buf = vec![0; step];
        let mut left = end - start.saturating_sub(1);
        while left > 0 {
            let n = r.read(&mut buf[..step.min(left as usize)]).unwrap();
            assert!(n > 0);
            left -= n as u64;
        }
        r
    }

    fn content() -> Vec<u8> {
        (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn chunks_finished_in_any_order_hash_to_the_whole_files_sha256() {
        let bytes = content();
        let want = crate::hash::sha256(&bytes);
        let (_dir, file) = file_of(&bytes);
        let bounds = [0, 50_000, 100_000, 150_000, 200_000];
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]] {
            let hash = ChunkHash::new(4);
            let mut readers: Vec<Option<ChunkReader>> = (0..4).map(|_| None).collect();
            // All read first (none has its turn but chunk 0), then finished in `order`.
            for i in order {
                readers[i] = Some(read_chunk(&file, &hash, &bounds, i, 4096));
            }
            let got: Vec<String> = order
                .iter()
                .filter_map(|&i| readers[i].as_mut().unwrap().finish())
                .collect();
            assert_eq!(got, vec![want.clone()], "{order:?}");
            assert_eq!(hash.kept.load(Ordering::Relaxed), 0);
        }
    }

    #[test]
    fn a_chunk_whose_turn_comes_while_it_reads_hashes_on_from_there() {
        let bytes = content();
        let (_dir, file) = file_of(&bytes);
        let hash = ChunkHash::new(2);
        let mut second = ChunkReader::new(&file, &hash, 1, 99_999, 100_000, 200_000);
        let mut buf = vec![0; 30_000];
        second.read_exact(&mut buf).unwrap();
        assert!(second.hasher.is_none() && !second.waiting.bytes.is_empty());
        let mut first = read_chunk(&file, &hash, &[0, 100_000], 0, 65_536);
        assert_eq!(first.finish(), None);
        // Its turn now: what it kept goes in first, the rest as it is read.
        second.read_exact(&mut buf).unwrap();
        assert!(second.hasher.is_some() && second.waiting.bytes.is_empty());
        while second.read(&mut buf).unwrap() > 0 {}
        assert_eq!(second.finish(), Some(crate::hash::sha256(&bytes)));
    }

    #[test]
    fn bytes_past_the_bound_are_read_again_and_a_failed_chunk_leaves_no_hash() {
        let bytes = content();
        let (_dir, file) = file_of(&bytes);
        let bounds = [0, 100_000, 200_000];
        let hash = ChunkHash::new(2);
        // As if the other chunks of the file held all but 10,000 bytes of the bound.
        hash.kept.store(MAX_KEPT - 10_000, Ordering::Relaxed);
        let mut second = read_chunk(&file, &hash, &bounds, 1, 4096);
        assert!(second.spilled && second.waiting.bytes.len() <= 10_000);
        assert_eq!(second.finish(), None);
        let mut first = read_chunk(&file, &hash, &bounds, 0, 4096);
        assert_eq!(first.finish(), Some(crate::hash::sha256(&bytes)));
        assert_eq!(hash.kept.load(Ordering::Relaxed), MAX_KEPT - 10_000);

        let hash = ChunkHash::new(2);
        let mut second = read_chunk(&file, &hash, &bounds, 1, 4096);
        assert_eq!(second.finish(), None);
        // The first chunk's reading fails: dropped unfinished.
        drop(ChunkReader::new(&file, &hash, 0, 0, 0, 100_000));
        assert!(hash.lock().failed);
        assert_eq!(hash.kept.load(Ordering::Relaxed), 0);
    }
}
