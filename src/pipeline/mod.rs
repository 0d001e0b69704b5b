//! The scan: walk → open → detect → parse → match → aggregate, in parallel.
//!
//! Work is split into tasks: one per file, or, for large plain files of formats without
//! header state, one per newline-aligned chunk. Each rayon worker owns its aggregates, its host
//! cache and its buffers, so the hot loop takes no lock; workers merge at the end, and the
//! per-chunk statistics are put back together in file order.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};

use indicatif::ProgressBar;
use publicsuffix::List;
use rayon::prelude::*;

use crate::aggregate::{Agg, FileStats, Overlap, StreamId};
use crate::config::Config;
use crate::discovery::{self, Reasons};
use crate::error::ParseError;
use crate::event::{Event, Parsed, SourceKind};
use crate::formats::{self, LogFormat};
use crate::identity::Identity;
use crate::input::blocks::LineBlocks;
use crate::input::chunk_hash::{ChunkHash, ChunkReader};
use crate::input::{self, FileId, Handle, stream::Tail};
use crate::lines::{Line, LineReader};
use crate::normalize;
use crate::signatures::{Catalogue, Evidence, ToolId};
use crate::state::{Fate, Known, Record, State};

mod duplicates;
mod ingest;

use ingest::Ingested;
pub use ingest::ingest;

/// Distinct hosts a worker remembers before starting over; bounds memory on a year of logs.
const HOST_CACHE_LIMIT: usize = 1 << 20;

/// What the scan needs besides the inputs.
pub struct Context<'a> {
    /// Settings.
    pub config: &'a Config,
    /// Signatures.
    pub catalogue: &'a Catalogue,
    /// Public suffix list for discovery.
    pub psl: &'a List,
    /// Progress, hidden unless on a terminal.
    pub bar: ProgressBar,
    /// Lease history for IP-only events (`--identity`).
    pub identity: Option<&'a Identity>,
    /// shadowai's own outputs, left out of the input folders.
    pub own: input::Own,
}

/// The scan's result: aggregates and one entry per input, in walk order.
pub struct Scan {
    /// Counted usage and candidates.
    pub agg: Agg,
    /// Per input file.
    pub files: Vec<FileStats>,
}

/// A file ready to read, or already finished (error, empty, skipped).
struct Plan {
    path: PathBuf,
    size: u64,
    /// Modification time (nanoseconds since the epoch), when known.
    mtime: Option<i64>,
    format: Option<&'static dyn LogFormat>,
    gzip: bool,
    /// Set when the file needs no reading: its final statistics.
    done: Option<FileStats>,
    /// What the file is read through.
    source: Source,
    /// Tasks of this file not finished yet; the last one closes its handle.
    left: AtomicUsize,
    /// A hash of a regular file's first [`input::HEAD_BYTES`] decompressed bytes (all of them
    /// when it is shorter): only files that share it can hold the same content
    /// ([`duplicates`]).
    head_key: Option<u64>,
    /// The SHA-256 (hex) of the stored bytes, once read to the end without error: by the
    /// task that reads the whole file, or for a file read in chunks by the chunk that
    /// completes [`Plan::chunk_hash`].
    sha256: OnceLock<String>,
    /// A file read in chunks: its hash, fed by the chunks' readers.
    chunk_hash: Option<Arc<ChunkHash>>,
}

/// What a planned input is read through.
enum Source {
    /// Nothing (the plan is done).
    None,
    /// A regular file, every task of it through one handle: the one opened at planning
    /// while [`HELD_HANDLES`] lasts, else one opened by its first task and checked to be the
    /// planned file (`id`). Emptied by the file's last task.
    File {
        id: FileId,
        handle: Mutex<Option<Handle>>,
    },
    /// A stream (a named pipe, a device): read once, by one task, from its head (read at
    /// planning, replayed) on.
    Stream(Mutex<Option<StreamRest>>),
}

/// A stream after planning: its head, and the reader positioned after it.
struct StreamRest {
    head: Vec<u8>,
    rest: Box<dyn Read + Send>,
    trailing: Arc<OnceLock<String>>,
    sha256: Arc<OnceLock<String>>,
}

/// Files whose planning handle stays open until they are read. A scan of 20,000 files must not
/// hold 20,000 descriptors (the usual limit is 1,024, on macOS 256): past this many, a file is
/// opened again when its reading starts, and refused if the path no longer names the same file.
const HELD_HANDLES: usize = 128;

impl Plan {
    /// The handle every task of this file reads through: kept from planning, or opened now
    /// and shared with the file's other tasks.
    fn handle(&self) -> io::Result<Handle> {
        let Source::File { id, handle } = &self.source else {
            return Err(io::Error::other("internal error: not a file"));
        };
        let mut slot = handle.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(h) = slot.as_ref() {
            return Ok(h.clone());
        }
        let h = Handle::reopen(&self.path, *id, self.size)?;
        *slot = Some(h.clone());
        Ok(h)
    }

    /// Empty statistics of a part of this file, read as `format`.
    fn stats(&self, format: &dyn LogFormat) -> FileStats {
        FileStats {
            path: self.path.clone(),
            format: Some(format.name()),
            gzip: self.gzip,
            ..FileStats::default()
        }
    }

    /// Called by each task when done: the last one closes the file, after `last(handle)`
    /// (when the file could be opened at all).
    fn task_done(&self, last: impl FnOnce(&Handle)) {
        if self.left.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        if let Source::File { handle, .. } = &self.source {
            let held = handle.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(h) = held {
                last(&h);
            }
        }
    }
}

struct Task {
    file: usize,
    chunk: usize,
    start: u64,
    end: Option<u64>,
}

/// One task's statistics, and how many physical lines it covered (for renumbering).
struct Part {
    file: usize,
    chunk: usize,
    stats: FileStats,
    physical: u64,
    /// `--emit-partial`: the file's stream identity, from its last task.
    stream: Option<StreamId>,
}

/// What became of one event.
enum Counted {
    Matched,
    Unmatched,
    OutOfWindow,
}

/// What a host is, computed once per distinct host per worker.
#[derive(Clone, Copy)]
enum HostClass {
    /// A catalogue tool's host: the evidence its role gives, and whether the tool has path
    /// rules that may correct it per event.
    Tool {
        tool: ToolId,
        evidence: Evidence,
        paths: bool,
    },
    /// Discovery candidate: its registrable domain starts at this byte.
    Candidate(u16, Reasons),
    Nothing,
}

/// Runs the scan.
pub fn scan(ctx: &Context) -> Scan {
    let found = input::inputs(&ctx.config.inputs, ctx.config.shard, &ctx.own);
    let held = AtomicUsize::new(0);
    let mut plans: Vec<Plan> = found
        .into_par_iter()
        .map(|f| {
            let p = plan(ctx, f);
            p.keep_handle(&held);
            p
        })
        .collect();
    let mut refs: Vec<&mut Plan> = plans.iter_mut().collect();
    duplicates::settle(&mut refs, ctx.config.min_expansion);
    read_plans(ctx, plans)
}

/// Reads the planned inputs: the second half of [`scan`].
fn read_plans(ctx: &Context, mut plans: Vec<Plan>) -> Scan {
    ctx.bar.set_length(
        plans
            .iter()
            .filter(|p| p.done.is_none())
            .map(|p| p.size)
            .sum(),
    );
    let tasks = tasks(&mut plans, ctx.config.chunk_bytes);
    // Progress counts tasks (files, or chunks of a large file), updated once per task.
    let done = AtomicUsize::new(0);
    ctx.bar.set_message(format!("0/{} files", tasks.len()));
    // One worker per thread, each taking the next task in order until none is left: a
    // worker classifies each host once and keeps one set of aggregates. (A rayon fold made a
    // worker per split of the task list, each classifying the same hosts again and holding
    // its own copy of the users, merged at the end.)
    let next = AtomicUsize::new(0);
    let helpers = Helpers::new(rayon::current_num_threads());
    let workers = rayon::broadcast(|_| {
        let mut w = Worker::new(ctx, &done, tasks.len());
        w.helpers = Some(&helpers);
        while let Some(t) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
            w.run(&plans[t.file], t);
        }
        // No task left: help parse the gzip streams others are still reading.
        helpers.done_with_tasks();
        while let Some((file, blocks)) = helpers.idle() {
            w.parse_blocks(&plans[file], file, &blocks);
            helpers.close(file);
        }
        (w.agg, w.parts)
    });
    let mut agg = Agg::default();
    let mut parts = Vec::new();
    for (a, p) in workers {
        agg.merge(a);
        parts.extend(p);
    }
    parts.sort_by_key(|p| (p.file, p.chunk));
    let sizes: Vec<(u64, Option<i64>)> = plans.iter().map(|p| (p.size, p.mtime)).collect();
    let mut hashes: Vec<Option<String>> = Vec::with_capacity(plans.len());
    let mut files: Vec<Option<FileStats>> = plans
        .into_iter()
        .map(|p| {
            hashes.push(p.sha256.into_inner());
            p.done
        })
        .collect();
    let mut offset: HashMap<usize, u64> = HashMap::new();
    for part in parts {
        let before = offset.entry(part.file).or_insert(0);
        match &mut files[part.file] {
            Some(stats) => stats.merge_chunk(&part.stats, *before),
            slot @ None => *slot = Some(part.stats),
        }
        if let (Some(stats), Some(id)) = (&mut files[part.file], part.stream) {
            stats.stream = Some(id);
        }
        *before += part.physical;
    }
    ctx.bar.finish_and_clear();
    let mut files: Vec<FileStats> = files
        .into_iter()
        .zip(sizes)
        .zip(hashes)
        .filter_map(|((f, (size, mtime)), sha256)| {
            let f = f?;
            // A hash is evidence of what was read: none for a file whose reading failed.
            let sha256 = sha256.filter(|_| f.error.is_none());
            Some(FileStats {
                size: Some(size),
                mtime,
                sha256,
                ..f
            })
        })
        .collect();
    crate::aggregate::sort_files(&mut files);
    crate::aggregate::settle_duplicates(&mut files);
    Scan { agg, files }
}

/// A file's size and modification time (nanoseconds since the epoch), by its path.
fn size_and_mtime(path: &std::path::Path) -> Option<(u64, Option<i64>)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), input::handle::mtime_of(&m)))
}

impl Plan {
    /// Finishes this planned file without reading it, as a duplicate of the input `of`: it
    /// counts nothing, and its handle is closed.
    fn duplicate(&mut self, of: PathBuf, overlap: Overlap) {
        let format = self.format.map(|f| f.name());
        self.done = Some(duplicates::stats(
            &self.path, format, self.gzip, of, overlap,
        ));
        self.source = Source::None;
    }

    /// Keeps the planning handle open while fewer than [`HELD_HANDLES`] are, else closes it
    /// (the file's first task opens it again).
    fn keep_handle(&self, held: &AtomicUsize) {
        let Source::File { handle, .. } = &self.source else {
            return;
        };
        let mut slot = handle.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = self.done.is_none()
            && slot.is_some()
            && held
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    (n < HELD_HANDLES).then_some(n + 1)
                })
                .is_ok();
        if !keep {
            *slot = None;
        }
    }
}

/// Opens an input, reads its head and picks its format.
fn plan(ctx: &Context, found: input::Found) -> Plan {
    let (path, stream, note) = match found {
        input::Found::File(p) => (p, false, None),
        input::Found::Stream(p) => (p, true, None),
        input::Found::Skipped(p, why) => (p, false, Some(Ok(why))),
        input::Found::Error(p, why) => (p, false, Some(Err(why))),
        input::Found::Alias(p, of) => {
            let (size, mtime) = size_and_mtime(&p).unwrap_or((0, None));
            let done = duplicates::stats(&p, None, false, of, Overlap::Same);
            return Plan::finished(&p, size, mtime, false, done);
        }
    };
    let mut plan = Plan {
        path,
        size: 0,
        mtime: None,
        format: None,
        gzip: false,
        done: None,
        source: Source::None,
        left: AtomicUsize::new(0),
        head_key: None,
        sha256: OnceLock::new(),
        chunk_hash: None,
    };
    let fail = |plan: &mut Plan, msg: String| {
        plan.done = Some(FileStats {
            path: plan.path.clone(),
            format: plan.format.map(|f| f.name()),
            gzip: plan.gzip,
            error: Some(msg),
            ..FileStats::default()
        });
    };
    if let Some(note) = note {
        (plan.size, plan.mtime) = size_and_mtime(&plan.path).unwrap_or((0, None));
        match note {
            Ok(warning) => {
                plan.done = Some(FileStats {
                    path: plan.path.clone(),
                    warning: Some(warning),
                    ..FileStats::default()
                });
            }
            Err(msg) => fail(&mut plan, msg),
        }
        return plan;
    }
    let hidden = ProgressBar::hidden();
    let opened = if stream {
        plan.mtime = size_and_mtime(&plan.path).and_then(|m| m.1);
        input::open_stream(&plan.path, &ctx.bar, ctx.config.min_expansion)
    } else {
        input::Handle::open(&plan.path).and_then(|h| {
            (plan.size, plan.mtime) = (h.size(), h.mtime());
            let opened = h.open_at(0, &hidden, ctx.config.min_expansion);
            plan.source = Source::File {
                id: h.id(),
                handle: Mutex::new(Some(h)),
            };
            opened
        })
    };
    let mut opened = match opened {
        Ok(o) => o,
        Err(e) => {
            fail(&mut plan, describe_io(&e, false));
            return plan;
        }
    };
    plan.gzip = opened.gzip;
    let head = input::read_head(&mut opened.reader);
    if head.lines().is_empty() {
        // Nothing whole to detect: a read error is the file's error, else the log is empty
        // (a quiet day, a fresh rotation) and read fully: nothing to count.
        plan.source = Source::None;
        plan.done = Some(FileStats {
            path: plan.path.clone(),
            gzip: plan.gzip,
            error: head.error.map(|e| describe_io(&e, plan.gzip)),
            ..FileStats::default()
        });
        return plan;
    }
    match ctx
        .config
        .format
        .map_or_else(|| formats::detect(head.lines()), Ok)
    {
        Ok(f) => plan.format = Some(f),
        Err(e) => {
            plan.source = Source::None;
            fail(&mut plan, e.to_string());
            return plan;
        }
    }
    if !stream && head.error.is_none() {
        plan.head_key = Some(duplicates::head_key(&head.bytes));
    }
    if stream {
        // The stream cannot be read again: its task replays the head, then reads on (or meets
        // the error the head ended with).
        let rest: Box<dyn Read + Send> = match head.error {
            Some(e) => Box::new(input::Failed(Some(e))),
            None => opened.reader,
        };
        plan.source = Source::Stream(Mutex::new(Some(StreamRest {
            head: head.bytes,
            rest,
            trailing: opened.trailing,
            sha256: opened.sha256,
        })));
    }
    plan
}

/// The tasks of the planned files: one per file, or per chunk of a large plain file whose
/// format keeps no header state (hashed by its chunks, [`ChunkHash`]). Each plan learns how
/// many tasks it has.
fn tasks(plans: &mut [Plan], chunk_bytes: u64) -> Vec<Task> {
    let mut out = Vec::new();
    for (file, p) in plans.iter_mut().enumerate() {
        let Some(format) = p.format.filter(|_| p.done.is_none()) else {
            continue;
        };
        let whole = matches!(p.source, Source::Stream(_));
        if whole || p.gzip || format.stateful() || p.size <= chunk_bytes {
            p.left.store(1, Ordering::Release);
            out.push(Task {
                file,
                chunk: 0,
                start: 0,
                end: None,
            });
            continue;
        }
        let n = usize::try_from(p.size.div_ceil(chunk_bytes)).unwrap_or(usize::MAX);
        p.left.store(n, Ordering::Release);
        p.chunk_hash = Some(ChunkHash::new(n));
        for chunk in 0..n {
            let start = chunk as u64 * chunk_bytes;
            let end = (chunk + 1 < n).then(|| start + chunk_bytes);
            out.push(Task {
                file,
                chunk,
                start,
                end,
            });
        }
    }
    out
}

/// Keeps the hash a reader published on reaching its end as `plan`'s (none when it stopped
/// early).
fn keep_hash(plan: &Plan, sha256: &OnceLock<String>) {
    if let Some(h) = sha256.get() {
        let _ = plan.sha256.set(h.clone());
    }
}

/// Says what went wrong reading a file, in the terms of its encoding.
fn describe_io(e: &io::Error, gzip: bool) -> String {
    if gzip && e.kind() == io::ErrorKind::UnexpectedEof {
        "gzip stream truncated; lines before the cut were counted".to_string()
    } else if gzip
        && matches!(
            e.kind(),
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
        )
    {
        format!("corrupt gzip data: {e}")
    } else {
        e.to_string()
    }
}

/// The file name of a process image path (Windows or Unix separators).
fn file_name(path: &[u8]) -> &[u8] {
    memchr::memrchr2(b'/', b'\\', path).map_or(path, |i| &path[i + 1..])
}

/// The decompressed streams being read, cut into blocks of lines ([`LineBlocks`]), that a
/// worker out of tasks helps parse.
///
/// # Performance
/// One large gzip file inflates on one core and used to be parsed on one more, whatever the
/// thread count; the other workers, done with their own files, now take its blocks too.
struct Helpers {
    state: Mutex<HelpState>,
    changed: Condvar,
}

struct HelpState {
    /// Streams open for help, by file index.
    open: Vec<(usize, Arc<LineBlocks>)>,
    /// Workers still running tasks: one of them may yet open a stream.
    running: usize,
}

impl Helpers {
    fn new(workers: usize) -> Self {
        Helpers {
            state: Mutex::new(HelpState {
                open: Vec::new(),
                running: workers,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HelpState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a stream to helpers.
    fn offer(&self, file: usize, blocks: Arc<LineBlocks>) {
        self.lock().open.push((file, blocks));
        self.changed.notify_all();
    }

    /// Closes a stream that has ended.
    fn close(&self, file: usize) {
        self.lock().open.retain(|(f, _)| *f != file);
        self.changed.notify_all();
    }

    /// Called once by a worker out of tasks, then again after each stream it helped with: a
    /// stream to help with, or `None` when there is none and no worker can open one.
    fn idle(&self) -> Option<(usize, Arc<LineBlocks>)> {
        let mut state = self.lock();
        loop {
            if let Some((file, blocks)) = state.open.first() {
                return Some((*file, Arc::clone(blocks)));
            }
            if state.running == 0 {
                return None;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A worker has run out of tasks.
    fn done_with_tasks(&self) {
        let mut state = self.lock();
        state.running = state.running.saturating_sub(1);
        drop(state);
        self.changed.notify_all();
    }
}

/// The (source, day) pairs a worker has added to coverage.
///
/// # Performance
/// Asked once per event: the last pair is remembered, so a log in time order hashes only
/// when its day changes.
#[derive(Default)]
struct Covered {
    seen: FxHashSet<(SourceKind, i32)>,
    last: Option<(SourceKind, i32)>,
}

impl Covered {
    /// Whether `cover` is new to this worker.
    fn insert(&mut self, cover: (SourceKind, i32)) -> bool {
        if self.last == Some(cover) {
            return false;
        }
        self.last = Some(cover);
        self.seen.insert(cover)
    }

    fn clear(&mut self) {
        self.seen.clear();
        self.last = None;
    }
}

/// One rayon worker's state: aggregates plus reused buffers and the host cache.
struct Worker<'c> {
    ctx: &'c Context<'c>,
    done: &'c AtomicUsize,
    total: usize,
    agg: Agg,
    parts: Vec<Part>,
    /// Hashed with Fx: these keys are hosts from the worker's own input, and SipHash's
    /// flooding resistance costs a tenth of the scan (measured with perf).
    cache: FxHashMap<SmallVec<[u8; 32]>, HostClass>,
    host: Vec<u8>,
    user: Vec<u8>,
    exe: Vec<u8>,
    device: Vec<u8>,
    /// (source, day) pairs this worker has added to coverage already.
    covered: Covered,
    /// `--state` and `--emit-partial`: also keep the per-day detail
    /// ([`crate::aggregate::DayDetail`]).
    detail: bool,
    /// `--emit-partial` without `--identity`: keep client-address events at their second
    /// ([`crate::aggregate::Deferred`]) for `merge --identity`.
    defer: bool,
    /// `--state`: each input's outcome, by index into the run's plans.
    ingested: Vec<Ingested>,
    /// `--state`: events read and committed by this worker.
    new_events: u64,
    /// Where a gzip stream is offered to the other workers (none: read alone).
    helpers: Option<&'c Helpers>,
}

impl<'c> Worker<'c> {
    fn new(ctx: &'c Context<'c>, done: &'c AtomicUsize, total: usize) -> Self {
        Worker {
            ctx,
            done,
            total,
            agg: Agg::default(),
            parts: Vec::new(),
            cache: FxHashMap::default(),
            host: Vec::with_capacity(256),
            user: Vec::with_capacity(64),
            exe: Vec::with_capacity(64),
            device: Vec::with_capacity(64),
            covered: Covered::default(),
            detail: ctx.config.partial,
            defer: ctx.config.partial && ctx.identity.is_none(),
            ingested: Vec::new(),
            new_events: 0,
            helpers: None,
        }
    }

    fn run(&mut self, plan: &Plan, task: &Task) {
        let Some(format) = plan.format else { return };
        let mut stats = plan.stats(format);
        let mut physical = 0;
        let mut stream = None;
        if let Err(e) = self.read(plan, format, task, &mut stats, &mut physical, &mut stream) {
            stats.error = Some(describe_io(&e, plan.gzip));
        }
        // A partial's inputs carry their stream identity (for `merge --state`), read through
        // the file's handle by its last task (a gzip's and a stream's were taken in reading).
        if let Some(s) = self.finish_task(plan) {
            stream = Some(s);
        }
        self.parts.push(Part {
            file: task.file,
            chunk: task.chunk,
            stats,
            physical,
            stream,
        });
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.ctx
            .bar
            .set_message(format!("{done}/{} files", self.total));
    }

    /// Marks a task of `plan` done. A partial's inputs carry their stream identity (for
    /// `merge --state`), read through the file's handle by its last task (a gzip's and a
    /// stream's were taken in reading): returned when this was that task.
    fn finish_task(&self, plan: &Plan) -> Option<StreamId> {
        let partial = self.ctx.config.partial && !plan.gzip;
        let mut stream = None;
        plan.task_done(|h| {
            if partial {
                stream =
                    input::stream::stream_id(h, plan.size, None, self.ctx.config.min_expansion)
                        .ok();
            }
        });
        stream
    }

    /// Reads one task: a chunk of a file, a whole file or a stream.
    fn read(
        &mut self,
        plan: &Plan,
        format: &'static dyn LogFormat,
        task: &Task,
        stats: &mut FileStats,
        physical: &mut u64,
        stream: &mut Option<StreamId>,
    ) -> io::Result<()> {
        if let Source::Stream(slot) = &plan.source {
            let taken = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            let Some(s) = taken else {
                return Err(io::Error::other("internal error: a stream read twice"));
            };
            let first = s.head[..s.head.len().min(input::stream::WINDOW)].to_vec();
            let reader = io::Cursor::new(s.head).chain(s.rest);
            let (read, tail) = self.read_whole(
                input::in_background(Box::new(reader)),
                &s.trailing,
                format,
                stats,
                physical,
            );
            *stream = tail.map(|(consumed, hash)| input::stream::identity(&first, consumed, hash));
            keep_hash(plan, &s.sha256);
            return read;
        }
        let file = plan.handle()?;
        let min_expansion = self.ctx.config.min_expansion;
        // Cut into blocks of lines that any worker may parse; not for a format whose parser
        // learns from headers, nor for a partial, which hashes the stream's tail as it reads.
        let shared = self
            .helpers
            .filter(|_| plan.gzip && !format.stateful() && !self.ctx.config.partial);
        if let Some(helpers) = shared {
            let opened = file.open_hashed(&self.ctx.bar, min_expansion)?;
            let blocks = Arc::new(LineBlocks::start(opened.reader));
            helpers.offer(task.file, Arc::clone(&blocks));
            self.parse_blocks(plan, task.file, &blocks);
            helpers.close(task.file);
            // A read error is the error of the block that ended in it.
            if blocks.failed() {
                return Ok(());
            }
            stats.warning = opened.trailing.get().cloned();
            keep_hash(plan, &opened.sha256);
            return file.check();
        }
        if plan.gzip {
            let opened = file.open_hashed(&self.ctx.bar, min_expansion)?;
            let reader = input::in_background(opened.reader);
            let (read, tail) = self.read_whole(reader, &opened.trailing, format, stats, physical);
            *stream = tail.map(|(consumed, hash)| {
                let first = input::stream::first_window(&file, min_expansion);
                input::stream::identity(&first, consumed, hash)
            });
            read?;
            keep_hash(plan, &opened.sha256);
            return file.check();
        }
        if task.end.is_none() && task.start == 0 {
            // The whole file, read front to back: hashed as it is read.
            let opened = file.open_hashed(&self.ctx.bar, min_expansion)?;
            let mut lines = LineReader::new(opened.reader);
            self.lines(&mut lines, format, b"", None, stats, physical)?;
            keep_hash(plan, &opened.sha256);
            return file.check();
        }
        let Some(hash) = &plan.chunk_hash else {
            return Err(io::Error::other("internal error: a chunk without its hash"));
        };
        // A chunk starts one byte early and drops the partial line up to the first newline:
        // that line belongs to the previous chunk (if the byte is `\n`, it drops nothing).
        // Its own bytes, [start, end), are what it feeds to the file's hash.
        let begin = task.start.saturating_sub(1);
        let own_end = task.end.unwrap_or(plan.size);
        let reader = ChunkReader::new(&file, hash, task.chunk, begin, task.start, own_end);
        let mut lines = LineReader::new(input::counted(reader, &self.ctx.bar));
        if task.start > 0 {
            lines.next_line()?;
        }
        let end = task.end.map(|end| end.saturating_sub(begin));
        self.lines(&mut lines, format, b"", end, stats, physical)?;
        if let Some(sha256) = lines.get_mut().get_mut().finish() {
            let _ = plan.sha256.set(sha256);
        }
        file.check()
    }

    /// Parses blocks of `plan`'s stream until it ends, each block's counts a part of the file
    /// of its own, numbered after the part of the task that reads it (chunk 0).
    fn parse_blocks(&mut self, plan: &Plan, file: usize, blocks: &LineBlocks) {
        let Some(format) = plan.format else { return };
        while let Some(block) = blocks.next() {
            let mut stats = plan.stats(format);
            let mut physical = 0;
            if block.too_long_before {
                physical += 1;
                stats.skip(physical, ParseError::TooLong);
            }
            match block.text {
                Ok(text) => {
                    let mut lines = LineReader::new(text.as_slice());
                    // A slice cannot fail to read.
                    let _ = self.lines(&mut lines, format, b"", None, &mut stats, &mut physical);
                    blocks.recycle(text);
                }
                Err(e) => stats.error = Some(describe_io(&e, true)),
            }
            self.parts.push(Part {
                file,
                chunk: block.seq + 1,
                stats,
                physical,
                stream: None,
            });
        }
    }

    /// Reads a decompressed stream to its end (never chunked), noting bytes ignored after a
    /// gzip's last member (`trailing`) as the file's warning. With `--emit-partial`, the
    /// window before the end is kept while reading, so the stream is read once: then also
    /// returns the bytes consumed and that window's hash.
    fn read_whole(
        &mut self,
        reader: Box<dyn Read + Send>,
        trailing: &OnceLock<String>,
        format: &'static dyn LogFormat,
        stats: &mut FileStats,
        physical: &mut u64,
    ) -> (io::Result<()>, Option<(u64, String)>) {
        let (read, tail) = if self.ctx.config.partial {
            let mut lines = LineReader::new(Tail::new(reader, 0));
            let read = self.lines(&mut lines, format, b"", None, stats, physical);
            let consumed = lines.offset();
            let tail = lines.get_ref().window_hash(consumed).map(|h| (consumed, h));
            (read, tail)
        } else {
            let mut lines = LineReader::new(reader);
            (
                self.lines(&mut lines, format, b"", None, stats, physical),
                None,
            )
        };
        if read.is_ok() {
            stats.warning = trailing.get().cloned();
        }
        (read, tail)
    }

    /// Parses and counts lines until the input ends or the next line begins at or past
    /// `end` (an offset relative to where `lines` started).
    ///
    /// The complete lines of `prelude` go through the parser first, uncounted: a stream resumed
    /// mid-file (`--state`) gives a header-driven parser (Zeek `#fields`, W3C `#Fields:`, CSV
    /// headers) the header it saw on an earlier run.
    fn lines<R: io::Read>(
        &mut self,
        lines: &mut LineReader<R>,
        format: &'static dyn LogFormat,
        prelude: &[u8],
        end: Option<u64>,
        stats: &mut FileStats,
        physical: &mut u64,
    ) -> io::Result<()> {
        let mut parser = format.new_parser();
        let own_envelope = format.reads_syslog();
        let mut before = LineReader::new(prelude).complete_lines_only();
        while let Some(line) = before.next_line()? {
            if let Line::Text(text) = line {
                let text = if own_envelope {
                    text
                } else {
                    formats::unwrap_envelope(text).map_or(text, |env| env.msg)
                };
                let _ = parser.parse(text);
            }
        }
        loop {
            if end.is_some_and(|end| lines.offset() >= end) {
                break;
            }
            let Some(line) = lines.next_line()? else {
                break;
            };
            *physical += 1;
            let text = match line {
                Line::Text(t) => t,
                Line::TooLong => {
                    stats.skip(*physical, ParseError::TooLong);
                    continue;
                }
            };
            let envelope = if own_envelope {
                None
            } else {
                formats::unwrap_envelope(text)
            };
            let (text, envelope_ts) = envelope.map_or((text, None), |env| (env.msg, env.ts));
            match formats::admit(parser.parse(text), envelope_ts, self.ctx.config.plausible) {
                Ok(Parsed::Event(e)) => {
                    stats.lines += 1;
                    stats.events += 1;
                    match self.count(&e) {
                        Counted::Matched => stats.matched += 1,
                        Counted::Unmatched => {}
                        Counted::OutOfWindow => stats.out_of_window += 1,
                    }
                }
                Ok(Parsed::Ignored) => {
                    stats.lines += 1;
                    stats.ignored += 1;
                }
                Ok(Parsed::Meta) => {}
                Err(why) => stats.skip(*physical, why),
            }
        }
        Ok(())
    }

    /// Matches and counts one event.
    ///
    /// # Performance
    /// Runs once per event: no allocation unless a new host, user or candidate appears; the
    /// host is classified once per distinct host.
    fn count(&mut self, e: &Event) -> Counted {
        let config = self.ctx.config;
        if let Some(ts) = e.ts {
            if config.since.is_some_and(|s| ts < s) || config.until.is_some_and(|u| ts > u) {
                return Counted::OutOfWindow;
            }
            self.agg.window.first = Some(self.agg.window.first.map_or(ts, |f| f.min(ts)));
            self.agg.window.last = Some(self.agg.window.last.map_or(ts, |l| l.max(ts)));
            // The event's own source: one format (Zeek JSON, Zscaler) can carry DNS and proxy.
            let cover = (e.source, crate::time::day_of(ts));
            if self.covered.insert(cover) {
                self.agg.coverage.insert(cover);
            }
        }
        if self.detail {
            let day = e.ts.map(crate::time::day_of);
            self.agg
                .detail
                .days
                .entry(day)
                .or_default()
                .cell
                .add(e.ts, None);
        }
        normalize::lowercase_into(&mut self.host, normalize::host_part(e.host));
        let class = match self.cache.get(self.host.as_slice()) {
            Some(c) => *c,
            None => self.classify(),
        };
        let (tool, evidence) = match class {
            HostClass::Tool {
                tool,
                evidence,
                paths,
            } => (Some(tool), self.evidence(e, tool, evidence, paths)),
            // The tool's own desktop program: use, whatever host it reached.
            _ => (
                e.process
                    .and_then(|p| self.ctx.catalogue.find_exe(p, &mut self.exe)),
                Evidence::Use,
            ),
        };
        // Most events reach neither a tool nor a candidate: their user is never looked at.
        if tool.is_none() && !matches!(class, HostClass::Candidate(..)) {
            return Counted::Unmatched;
        }
        // Leases are keyed by the lowercase address, the spelling the address is shown in.
        let leased = match (e.user, e.client, self.ctx.identity) {
            (None, Some(ip), Some(id)) => {
                normalize::lowercase_into(&mut self.user, ip);
                id.lookup(&self.user, e.ts)
            }
            _ => None,
        };
        match (e.user, leased, e.client) {
            (Some(u), ..) => normalize::user_into(&mut self.user, u, config.keep_user_domain),
            (None, Some(u), _) => {
                self.user.clear();
                self.user.extend_from_slice(u);
            }
            (None, None, Some(ip)) => normalize::lowercase_into(&mut self.user, ip),
            // An endpoint event without user or address (CrowdStrike DnsRequest): the device
            // is who did it.
            (None, None, None) => match e.device {
                Some(d) => normalize::lowercase_into(&mut self.user, d),
                None => {
                    self.user.clear();
                    self.user.extend_from_slice(b"unknown");
                }
            },
        }
        // Only the address names this event's user, and a later `merge --identity` may find
        // its lease: keep it at its second (`--emit-partial` without `--identity`).
        let deferred = self.defer && e.user.is_none() && e.client.is_some();
        if let Some(t) = tool {
            if self.ctx.identity.is_some() && e.user.is_none() && e.client.is_some() {
                if leased.is_some() {
                    self.agg.attributed += 1;
                } else {
                    self.agg.unattributed += 1;
                }
                if self.detail {
                    let day = e.ts.map(crate::time::day_of);
                    let t = self.agg.detail.days.entry(day).or_default();
                    if leased.is_some() {
                        t.attributed += 1;
                    } else {
                        t.unattributed += 1;
                    }
                }
            }
            if deferred {
                let c = self
                    .agg
                    .deferred
                    .usage
                    .entry((self.user.as_slice().into(), e.ts, t))
                    .or_default();
                c.events += 1;
                c.bytes_out = c.bytes_out.saturating_add(e.bytes_out.unwrap_or(0));
                c.bytes_measured |= e.bytes_out.is_some();
                c.incidental += u64::from(evidence == Evidence::Incidental);
            } else {
                self.agg
                    .usage
                    .add(&self.user, t, e.ts, e.bytes_out, evidence);
            }
            if e.device.is_some() || e.process.is_some() {
                // Host and file names are case-insensitive on the systems that log them.
                let device = e.device.map(|d| {
                    normalize::lowercase_into(&mut self.device, d);
                    self.device.as_slice()
                });
                let process = e.process.map(|p| {
                    normalize::lowercase_into(&mut self.exe, file_name(p));
                    self.exe.as_slice()
                });
                if deferred {
                    self.agg
                        .deferred
                        .seen_on
                        .entry((self.user.as_slice().into(), e.ts, t))
                        .or_default()
                        .add(device, process);
                } else {
                    self.agg.usage.add_seen_on(&self.user, t, device, process);
                }
            }
            return Counted::Matched;
        }
        if let HostClass::Candidate(start, reasons) = class {
            let host = &self.host;
            let domain = &host[start as usize..];
            if deferred {
                let c = self
                    .agg
                    .deferred
                    .candidates
                    .entry((
                        self.user.as_slice().into(),
                        e.ts,
                        domain.into(),
                        host.as_slice().into(),
                    ))
                    .or_default();
                c.0 += 1;
                c.1 |= reasons.0;
            } else if self.detail {
                // Per day, host and user, so a report over any window can be rebuilt.
                let key = (
                    e.ts.map(crate::time::day_of),
                    domain.into(),
                    host.as_slice().into(),
                    self.user.as_slice().into(),
                );
                let c = self.agg.detail.candidates.entry(key).or_default();
                c.0.add(e.ts, None);
                c.1 |= reasons.0;
            } else {
                self.agg
                    .add_candidate(domain, host, &self.user, reasons, e.ts);
            }
        }
        Counted::Unmatched
    }

    /// The evidence of an event of `tool`: its host's (`host`), unless the tool has path
    /// rules (`paths`) and the event has a path one of them matches.
    ///
    /// # Performance
    /// The path is cut out of the event only for tools with path rules.
    fn evidence(&self, e: &Event, tool: ToolId, host: Evidence, paths: bool) -> Evidence {
        if !paths {
            return host;
        }
        let path = normalize::path_part(e.path.unwrap_or(e.host));
        self.ctx.catalogue.evidence(tool, host, path)
    }

    fn classify(&mut self) -> HostClass {
        if self.cache.len() >= HOST_CACHE_LIMIT {
            self.cache.clear();
        }
        let host = self.host.as_slice();
        let catalogue = self.ctx.catalogue;
        let class = match catalogue.classify(host) {
            Some(hit) => HostClass::Tool {
                tool: hit.pattern.tool,
                evidence: hit.role.evidence(),
                paths: !catalogue.tools[hit.pattern.tool as usize].paths.is_empty(),
            },
            None => match discovery::assess(self.ctx.psl, host) {
                Some((start, r)) if start <= usize::from(u16::MAX) => {
                    HostClass::Candidate(start as u16, r)
                }
                _ => HostClass::Nothing,
            },
        };
        self.cache.insert(SmallVec::from_slice(host), class);
        class
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lines` Squid lines, each a different user on chatgpt.com.
    fn squid(lines: usize, user: &str) -> Vec<u8> {
        (0..lines)
            .map(|i| {
                format!(
                    "{}.000 5 10.0.0.1 TCP_MISS/200 100 GET https://chatgpt.com/c/{i:08} {user}{} HIER_DIRECT/1.2.3.4 -\n",
                    1_794_182_400 + i,
                    i % 7
                )
            })
            .collect::<String>()
            .into_bytes()
    }

    /// Plans `path` (holding the planning handle or not), lets `meanwhile` change the file,
    /// then reads it in 16 KiB chunks.
    fn plan_then_read(path: &std::path::Path, hold: bool, meanwhile: impl FnOnce()) -> Scan {
        let psl = crate::discovery::load_psl(None).unwrap();
        let catalogue = Catalogue::embedded(&psl).unwrap();
        let mut config = Config::render(PathBuf::new(), None, None, false, String::new());
        config.chunk_bytes = 16 << 10;
        let ctx = Context {
            config: &config,
            catalogue: &catalogue,
            psl: &psl,
            bar: ProgressBar::hidden(),
            identity: None,
            own: input::Own::default(),
        };
        let p = plan(&ctx, input::Found::File(path.to_path_buf()));
        let budget = AtomicUsize::new(if hold { 0 } else { HELD_HANDLES });
        p.keep_handle(&budget);
        meanwhile();
        read_plans(&ctx, vec![p])
    }

    #[test]
    fn a_log_renamed_over_mid_scan_is_read_as_planned_never_mixed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let old = squid(2_000, "alice");
        std::fs::write(&path, &old).unwrap();
        let rotate = || {
            let new = dir.path().join("access.log.new");
            std::fs::write(&new, squid(3_000, "bob")).unwrap();
            std::fs::rename(&new, &path).unwrap();
        };
        // Held from planning: every chunk reads the planned log, whatever the path names now.
        let held = plan_then_read(&path, true, rotate);
        let f = &held.files[0];
        assert!(old.len() > 8 * (16 << 10), "read in many chunks");
        assert_eq!(
            (f.lines, f.events, f.error.as_deref()),
            (2_000, 2_000, None)
        );
        // Hashed by its chunks, in order, whichever worker read which.
        assert_eq!(f.sha256, Some(crate::hash::sha256(&old)));
        let usage = &held.agg.usage;
        assert!((0..usage.users() as u32).all(|u| usage.name(u).starts_with(b"alice")));
        // Opened again by the first chunk: the path names another file, which is refused.
        std::fs::write(&path, &old).unwrap();
        let reopened = plan_then_read(&path, false, rotate);
        let f = &reopened.files[0];
        assert_eq!(f.events, 0);
        let error = f.error.as_deref().unwrap_or_default();
        assert!(error.starts_with("changed while being read"), "{error}");
    }

    #[test]
    fn a_log_truncated_mid_scan_is_an_error_naming_the_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let old = squid(2_000, "alice");
        std::fs::write(&path, &old).unwrap();
        let truncate = || {
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(old.len() as u64 / 2).unwrap();
        };
        let scan = plan_then_read(&path, true, truncate);
        let f = &scan.files[0];
        let error = f.error.as_deref().unwrap_or_default();
        assert!(error.starts_with("changed while being read"), "{error}");
        assert!(f.events < 2_000);
        assert_eq!(f.sha256, None, "a file not read whole has no hash");
        // Grown instead: read up to the planned size, no error; the rest is the next run's.
        std::fs::write(&path, &old).unwrap();
        let grow = || {
            use std::io::Write as _;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            f.write_all(&squid(10, "carol")).unwrap();
        };
        let scan = plan_then_read(&path, true, grow);
        let f = &scan.files[0];
        assert_eq!((f.events, f.error.as_deref()), (2_000, None));
        // The bytes read, up to the planned size: not the lines appended since.
        assert_eq!(f.sha256, Some(crate::hash::sha256(&old)));
    }
}
