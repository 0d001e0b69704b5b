//! The scan: walk → open → detect → parse → match → aggregate, in parallel.
//!
//! Work is split into tasks: one per file, or, for large plain files of formats without
//! header state, one per newline-aligned chunk. Each rayon worker owns its aggregates, its host
//! cache and its buffers, so the hot loop takes no lock; workers merge at the end, and the
//! per-chunk statistics are put back together in file order.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::ProgressBar;
use publicsuffix::List;
use rayon::prelude::*;

use crate::aggregate::{Agg, FileStats};
use crate::config::Config;
use crate::discovery::{self, Reasons};
use crate::error::ParseError;
use crate::event::{Event, Parsed, SourceKind};
use crate::formats::{self, LogFormat};
use crate::identity::Identity;
use crate::input::{self, stream::Tail};
use crate::lines::{Line, LineReader};
use crate::normalize;
use crate::signatures::{Catalogue, ToolId};
use crate::state::{Fate, Known, Record, State};

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
}

/// The scan's result: aggregates and one entry per input, in walk order.
pub struct Scan {
    /// Counted usage and candidates.
    pub agg: Agg,
    /// Per input file.
    pub files: Vec<FileStats>,
}

/// A file ready to read, or already finished (error, empty).
struct Plan {
    path: PathBuf,
    size: u64,
    /// Modification time (nanoseconds since the epoch), when known.
    mtime: Option<i64>,
    format: Option<&'static dyn LogFormat>,
    gzip: bool,
    /// Set when the file needs no reading: its final statistics.
    done: Option<FileStats>,
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
    /// `--emit-partial`, gzip: decompressed bytes read and the hash of the window before.
    tail: Option<(u64, String)>,
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
    Tool(ToolId),
    /// Discovery candidate: its registrable domain starts at this byte.
    Candidate(u16, Reasons),
    Nothing,
}

/// Runs the scan.
pub fn scan(ctx: &Context) -> Scan {
    let found = input::inputs(&ctx.config.inputs, ctx.config.shard);
    let plans: Vec<Plan> = found.into_par_iter().map(|f| plan(ctx, f)).collect();
    ctx.bar.set_length(
        plans
            .iter()
            .filter(|p| p.done.is_none())
            .map(|p| p.size)
            .sum(),
    );
    let tasks = tasks(&plans, ctx.config.chunk_bytes);
    // Progress counts tasks (files, or chunks of a large file), updated once per task.
    let done = AtomicUsize::new(0);
    ctx.bar.set_message(format!("0/{} files", tasks.len()));
    let (agg, mut parts) = tasks
        .par_iter()
        .fold(
            || Worker::new(ctx, &done, tasks.len()),
            |mut w, t| {
                w.run(&plans[t.file], t);
                w
            },
        )
        .map(|w| (w.agg, w.parts))
        .reduce(
            || (Agg::default(), Vec::new()),
            |(mut a, mut pa), (b, pb)| {
                a.merge(b);
                pa.extend(pb);
                (a, pa)
            },
        );
    parts.sort_by_key(|p| (p.file, p.chunk));
    let sizes: Vec<(u64, Option<i64>)> = plans.iter().map(|p| (p.size, p.mtime)).collect();
    let mut files: Vec<Option<FileStats>> = plans.into_iter().map(|p| p.done).collect();
    let mut offset: HashMap<usize, u64> = HashMap::new();
    let mut tails: Vec<Option<(u64, String)>> = vec![None; files.len()];
    for mut part in parts {
        tails[part.file] = part.tail.take();
        let before = offset.entry(part.file).or_insert(0);
        match &mut files[part.file] {
            Some(stats) => stats.merge_chunk(&part.stats, *before),
            slot @ None => *slot = Some(part.stats),
        }
        *before += part.physical;
    }
    ctx.bar.finish_and_clear();
    let mut files: Vec<FileStats> = files
        .into_par_iter()
        .zip(sizes)
        .zip(tails)
        .filter_map(|((f, (size, mtime)), tail)| {
            let mut f = f?;
            // A partial's inputs carry their stream identity (for `merge --state`).
            if ctx.config.partial && f.format.is_some() {
                let consumed = tail.as_ref().map_or(size, |t| t.0);
                f.stream = input::stream::stream_id(
                    &f.path,
                    consumed,
                    tail.map(|t| t.1),
                    ctx.config.min_expansion,
                )
                .ok();
            }
            Some(FileStats {
                size: Some(size),
                mtime,
                ..f
            })
        })
        .collect();
    crate::aggregate::sort_files(&mut files);
    Scan { agg, files }
}

/// A file's size and modification time (nanoseconds since the epoch).
fn size_and_mtime(path: &std::path::Path) -> Option<(u64, Option<i64>)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Some((m.len(), mtime))
}

/// Opens a file, reads its head and picks its format.
fn plan(ctx: &Context, found: input::Found) -> Plan {
    let (path, walk_error) = match found {
        Ok(p) => (p, None),
        Err((p, msg)) => (p, Some(msg)),
    };
    let (size, mtime) = size_and_mtime(&path).unwrap_or((0, None));
    let mut plan = Plan {
        path,
        size,
        mtime,
        format: None,
        gzip: false,
        done: None,
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
    if let Some(msg) = walk_error {
        fail(&mut plan, msg);
        return plan;
    }
    let hidden = ProgressBar::hidden();
    let head = input::open(&plan.path, 0, &hidden, ctx.config.min_expansion).and_then(|mut o| {
        plan.gzip = o.gzip;
        input::read_head(&mut o.reader)
    });
    let head = match head {
        Ok(h) => h,
        Err(e) => {
            let msg = describe_io(&e, plan.gzip);
            fail(&mut plan, msg);
            return plan;
        }
    };
    if head.is_empty() {
        // An empty log (a quiet day, a fresh rotation) is read fully: nothing to count.
        plan.done = Some(FileStats {
            path: plan.path.clone(),
            gzip: plan.gzip,
            ..FileStats::default()
        });
        return plan;
    }
    match ctx.config.format.map_or_else(|| formats::detect(&head), Ok) {
        Ok(f) => plan.format = Some(f),
        Err(e) => fail(&mut plan, e.to_string()),
    }
    plan
}

fn tasks(plans: &[Plan], chunk_bytes: u64) -> Vec<Task> {
    let mut out = Vec::new();
    for (file, p) in plans.iter().enumerate() {
        let Some(format) = p.format.filter(|_| p.done.is_none()) else {
            continue;
        };
        if p.gzip || format.stateful() || p.size <= chunk_bytes {
            out.push(Task {
                file,
                chunk: 0,
                start: 0,
                end: None,
            });
            continue;
        }
        let n = p.size.div_ceil(chunk_bytes);
        for chunk in 0..n {
            let start = chunk * chunk_bytes;
            let end = (chunk + 1 < n).then(|| start + chunk_bytes);
            out.push(Task {
                file,
                chunk: chunk as usize,
                start,
                end,
            });
        }
    }
    out
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

/// One rayon worker's state: aggregates plus reused buffers and the host cache.
struct Worker<'c> {
    ctx: &'c Context<'c>,
    done: &'c AtomicUsize,
    total: usize,
    agg: Agg,
    parts: Vec<Part>,
    /// Hashed with Fx: these keys are hosts from the worker's own input, and SipHash's
    /// flooding resistance costs a tenth of the scan (measured with perf).
    cache: FxHashMap<Box<[u8]>, HostClass>,
    host: Vec<u8>,
    user: Vec<u8>,
    exe: Vec<u8>,
    device: Vec<u8>,
    /// (source, day) pairs this worker has added to coverage already.
    covered: FxHashSet<(SourceKind, i32)>,
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
            covered: FxHashSet::default(),
            detail: ctx.config.partial,
            defer: ctx.config.partial && ctx.identity.is_none(),
            ingested: Vec::new(),
            new_events: 0,
        }
    }

    fn run(&mut self, plan: &Plan, task: &Task) {
        let Some(format) = plan.format else { return };
        let mut stats = FileStats {
            path: plan.path.clone(),
            format: Some(format.name()),
            gzip: plan.gzip,
            ..FileStats::default()
        };
        let mut physical = 0;
        let mut tail = None;
        if let Err(e) = self.read(plan, format, task, &mut stats, &mut physical, &mut tail) {
            stats.error = Some(describe_io(&e, plan.gzip));
        }
        self.parts.push(Part {
            file: task.file,
            chunk: task.chunk,
            stats,
            physical,
            tail,
        });
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.ctx
            .bar
            .set_message(format!("{done}/{} files", self.total));
    }

    fn read(
        &mut self,
        plan: &Plan,
        format: &'static dyn LogFormat,
        task: &Task,
        stats: &mut FileStats,
        physical: &mut u64,
        tail: &mut Option<(u64, String)>,
    ) -> io::Result<()> {
        // A chunk starts one byte early and drops the partial line up to the first newline:
        // that line belongs to the previous chunk (if the byte is `\n`, it drops nothing).
        let begin = task.start.saturating_sub(1);
        let opened = input::open(
            &plan.path,
            begin,
            &self.ctx.bar,
            self.ctx.config.min_expansion,
        )?;
        if opened.gzip && self.ctx.config.partial {
            // A partial records the stream's identity for `merge --state`; the window before
            // its end is kept while reading, so the gzip is inflated once (never chunked).
            let mut lines = LineReader::new(Tail::new(input::in_background(opened.reader), 0));
            let read = self.lines(&mut lines, format, b"", None, stats, physical);
            let consumed = lines.offset();
            *tail = lines.get_ref().window_hash(consumed).map(|h| (consumed, h));
            return read;
        }
        let reader = if opened.gzip {
            input::in_background(opened.reader)
        } else {
            opened.reader
        };
        let mut lines = LineReader::new(reader);
        if task.start > 0 {
            lines.next_line()?;
        }
        let end = task.end.map(|end| end.saturating_sub(begin));
        self.lines(&mut lines, format, b"", end, stats, physical)
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
        let tool = match class {
            HostClass::Tool(t) => Some(t),
            _ => e
                .process
                .and_then(|p| self.ctx.catalogue.find_exe(p, &mut self.exe)),
        };
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
                c.0 += 1;
                c.1 = c.1.saturating_add(e.bytes_out.unwrap_or(0));
            } else {
                self.agg.add_usage(&self.user, t, e.ts, e.bytes_out);
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
                    self.agg.add_seen_on(&self.user, t, device, process);
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

    fn classify(&mut self) -> HostClass {
        if self.cache.len() >= HOST_CACHE_LIMIT {
            self.cache.clear();
        }
        let host = self.host.as_slice();
        let class = match self.ctx.catalogue.find_host(host) {
            Some(p) => HostClass::Tool(p.tool),
            None => match discovery::assess(self.ctx.psl, host) {
                Some((start, r)) if start <= usize::from(u16::MAX) => {
                    HostClass::Candidate(start as u16, r)
                }
                _ => HostClass::Nothing,
            },
        };
        self.cache.insert(host.into(), class);
        class
    }
}
