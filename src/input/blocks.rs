//! A decompressed stream cut into blocks of whole lines on a thread of its own, for several
//! workers to parse at once.
//!
//! A gzip file inflates on one core; with one worker parsing what it inflates, the scan of
//! one large gzip ran at the parser's speed while the other cores idled. Cut at newlines, each
//! block parses on its own: any worker with nothing else to do takes the next one
//! (`pipeline`), and the file's statistics are put back together in block order.
//!
//! The cut keeps [`LineReader`](crate::lines::LineReader)'s rules: a line longer than
//! [`MAX_LINE`] is skipped and counted, never held; lines read before an error still count;
//! a final line without a newline is a line.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use memchr::{memchr, memrchr};

use crate::lines::MAX_LINE;

/// Bytes read into a block before it is cut at its last newline: more than [`MAX_LINE`], so a
/// block without a newline holds part of a line too long to keep.
const BLOCK: usize = 2 * MAX_LINE;

/// Blocks queued between the reading thread and the workers: enough to keep two workers
/// busy, few enough to bound memory at a few blocks per stream.
const BLOCKS_IN_FLIGHT: usize = 4;

/// One block of whole lines.
#[derive(Debug)]
pub struct LineBlock {
    /// Position in the stream, from 0: the order its statistics are merged in.
    pub seq: usize,
    /// Whether a line too long to keep came right before the block's text: one skipped line.
    pub too_long_before: bool,
    /// The lines, each ending in `\n` except perhaps the stream's last; or the read error that
    /// ended the stream (after the lines that preceded it).
    pub text: io::Result<Vec<u8>>,
}

/// The receiving end, shared by every worker that helps.
pub struct LineBlocks {
    full: Mutex<mpsc::Receiver<LineBlock>>,
    empty: Mutex<mpsc::Sender<Vec<u8>>>,
    failed: AtomicBool,
}

impl LineBlocks {
    /// Starts reading `reader` on a thread of its own.
    pub fn start(reader: Box<dyn Read + Send>) -> Self {
        let (full_tx, full_rx) = mpsc::sync_channel(BLOCKS_IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::channel();
        std::thread::spawn(move || cut(reader, &full_tx, &empty_rx));
        LineBlocks {
            full: Mutex::new(full_rx),
            empty: Mutex::new(empty_tx),
            failed: AtomicBool::new(false),
        }
    }

    /// The next block, waiting for it; `None` once the stream has ended.
    pub fn next(&self) -> Option<LineBlock> {
        let full = self.full.lock().unwrap_or_else(PoisonError::into_inner);
        let block = full.recv().ok()?;
        // Marked before the lock is let go: whoever then finds the stream ended knows.
        if block.text.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        drop(full);
        Some(block)
    }

    /// Hands a parsed block's buffer back for reuse.
    pub fn recycle(&self, text: Vec<u8>) {
        let _ = self
            .empty
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(text);
    }

    /// Whether the stream ended in a read error (known once a worker has taken that block).
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }
}

/// The reading thread: fills blocks, cuts each after its last newline and carries the rest
/// over to the next. Stops quietly when every receiver is gone.
fn cut(
    mut reader: Box<dyn Read + Send>,
    full: &mpsc::SyncSender<LineBlock>,
    empty: &mpsc::Receiver<Vec<u8>>,
) {
    let mut carry: Vec<u8> = Vec::new();
    let mut seq = 0;
    // Inside a line too long to keep: its bytes are dropped up to the next newline.
    let mut skipping = false;
    let mut too_long_before = false;
    let mut send = |text: io::Result<Vec<u8>>, too_long: &mut bool| {
        let block = LineBlock {
            seq,
            too_long_before: std::mem::take(too_long),
            text,
        };
        seq += 1;
        full.send(block).is_ok()
    };
    loop {
        // A recycled block keeps its bytes: only the part past its last use is zeroed, not
        // the whole 2 MiB again (that memset was a tenth of the reading thread).
        let mut block = empty.try_recv().unwrap_or_default();
        block.resize(BLOCK, 0);
        block[..carry.len()].copy_from_slice(&carry);
        let (filled, result) = super::fill(&mut *reader, &mut block, carry.len());
        carry.clear();
        block.truncate(filled);
        if skipping {
            match memchr(b'\n', &block) {
                Some(i) => {
                    block.drain(..=i);
                    skipping = false;
                    too_long_before = true;
                }
                None => block.clear(),
            }
        }
        match result {
            Ok(true) => {
                // The end: the last line counts even without its newline.
                too_long_before |= skipping;
                if !block.is_empty() || too_long_before {
                    send(Ok(block), &mut too_long_before);
                }
                return;
            }
            Ok(false) if skipping => {}
            Ok(false) => match memrchr(b'\n', &block) {
                Some(i) => {
                    carry.extend_from_slice(&block[i + 1..]);
                    block.truncate(i + 1);
                    if !send(Ok(block), &mut too_long_before) {
                        return;
                    }
                }
                // Not full (the rest after a skipped line): all of it is carried over.
                None if block.len() < BLOCK => carry = block,
                // A full block and no newline: a line longer than MAX_LINE.
                None => skipping = true,
            },
            Err(e) => {
                // Whole lines before the error count; the line it cut short does not.
                let whole = if skipping {
                    0
                } else {
                    memrchr(b'\n', &block).map_or(0, |i| i + 1)
                };
                block.truncate(whole);
                if (!block.is_empty() || too_long_before) && !send(Ok(block), &mut too_long_before)
                {
                    return;
                }
                let _ = send(Err(e), &mut too_long_before);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a LineReader yields for `data`: lines, `None` for a skipped long line.
    fn reference(data: &[u8]) -> Vec<Option<Vec<u8>>> {
        crate::lines::tests::collect(data, MAX_LINE)
    }

    /// The same, read block by block in order.
    fn by_blocks(reader: Box<dyn Read + Send>) -> (Vec<Option<Vec<u8>>>, Option<String>) {
        let blocks = LineBlocks::start(reader);
        let mut out = Vec::new();
        let mut error = None;
        let mut seq = 0;
        while let Some(b) = blocks.next() {
            assert_eq!(b.seq, seq, "blocks arrive in order");
            seq += 1;
            if b.too_long_before {
                out.push(None);
            }
            match b.text {
                Ok(text) => {
                    assert!(text.len() <= BLOCK);
                    out.extend(reference(&text));
                    blocks.recycle(text);
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        (out, error)
    }

    #[test]
    fn blocks_give_the_lines_a_line_reader_gives() {
        let long = vec![b'x'; MAX_LINE + 10];
        let huge = vec![b'y'; 3 * BLOCK + 7];
        let mut data = Vec::new();
        for i in 0..200_000 {
            data.extend_from_slice(format!("line {i} some text\n").as_bytes());
            match i {
                1_000 => {
                    data.extend_from_slice(&long);
                    data.push(b'\n');
                }
                50_000 => {
                    data.extend_from_slice(&huge);
                    data.push(b'\n');
                }
                _ => {}
            }
        }
        data.extend_from_slice(b"last line without newline");
        let want = reference(&data);
        assert_eq!(want.iter().filter(|l| l.is_none()).count(), 2);
        let (got, error) = by_blocks(Box::new(io::Cursor::new(data.clone())));
        assert_eq!(error, None);
        assert_eq!(got.len(), want.len());
        assert!(got == want, "same lines in the same order");
        // A too-long line that runs to the end of the stream is one skipped line.
        let mut tail = b"a\n".to_vec();
        tail.extend_from_slice(&huge);
        let (got, _) = by_blocks(Box::new(io::Cursor::new(tail)));
        assert_eq!(got, vec![Some(b"a".to_vec()), None]);
    }

    /// A reader that fails after `ok` bytes.
    struct FailAfter(io::Cursor<Vec<u8>>, usize);

    impl Read for FailAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.position() as usize >= self.1 {
                return Err(io::Error::other("corrupt deflate stream"));
            }
            let room = (self.1 - self.0.position() as usize).min(buf.len());
            self.0.read(&mut buf[..room])
        }
    }

    #[test]
    fn lines_before_an_error_count_and_the_cut_one_does_not() {
        let data = b"one\ntwo\nthr".to_vec();
        let (got, error) = by_blocks(Box::new(FailAfter(io::Cursor::new(data), 11)));
        assert_eq!(got, vec![Some(b"one".to_vec()), Some(b"two".to_vec())]);
        assert_eq!(error.as_deref(), Some("corrupt deflate stream"));
    }
}
