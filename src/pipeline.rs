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
use crate::input;
use crate::lines::{Line, LineReader};
use crate::normalize;
use crate::signatures::{Catalogue, ToolId};
use crate::state::{Fate, Known, Record, State, Tail};

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
    let found = input::walk(&ctx.config.inputs);
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
    let mut files: Vec<Option<FileStats>> = plans.into_iter().map(|p| p.done).collect();
    let mut offset: HashMap<usize, u64> = HashMap::new();
    for part in parts {
        let before = offset.entry(part.file).or_insert(0);
        match &mut files[part.file] {
            Some(stats) => stats.merge_chunk(&part.stats, *before),
            slot @ None => *slot = Some(part.stats),
        }
        *before += part.physical;
    }
    ctx.bar.finish_and_clear();
    Scan {
        agg,
        files: files.into_iter().flatten().collect(),
    }
}

/// Opens a file, reads its head and picks its format.
fn plan(ctx: &Context, found: input::Found) -> Plan {
    let (path, walk_error) = match found {
        Ok(p) => (p, None),
        Err((p, msg)) => (p, Some(msg)),
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut plan = Plan {
        path,
        size,
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
    /// `--state`: also keep the per-day detail ([`crate::aggregate::DayDetail`]).
    detail: bool,
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
            detail: false,
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
        if let Err(e) = self.read(plan, format, task, &mut stats, &mut physical) {
            stats.error = Some(describe_io(&e, plan.gzip));
        }
        self.parts.push(Part {
            file: task.file,
            chunk: task.chunk,
            stats,
            physical,
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
            match parser.parse(text) {
                Ok(Parsed::Event(mut e)) => {
                    e.ts = e.ts.or(envelope_ts);
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
        let leased = match (e.user, e.client, self.ctx.identity) {
            (None, Some(ip), Some(id)) => id.lookup(ip, e.ts),
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
        if let Some(t) = tool {
            if self.ctx.identity.is_some() && e.user.is_none() {
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
            self.agg.add_usage(&self.user, t, e.ts, e.bytes_out);
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
                self.agg.add_seen_on(&self.user, t, device, process);
            }
            return Counted::Matched;
        }
        if let HostClass::Candidate(start, reasons) = class {
            let host = &self.host;
            if self.detail {
                // Per day, host and user, so a report over any window can be rebuilt.
                let key = (
                    e.ts.map(crate::time::day_of),
                    host[start as usize..].into(),
                    host.as_slice().into(),
                    self.user.as_slice().into(),
                );
                let c = self.agg.detail.candidates.entry(key).or_default();
                c.0.add(e.ts, None);
                c.1 |= reasons.0;
            } else {
                self.agg
                    .add_candidate(&host[start as usize..], host, &self.user, reasons, e.ts);
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

/// What an ingest into `--state` did: each input's cumulative statistics and its fate, in
/// walk order.
pub struct Ingest {
    /// Per input: cumulative counts over every run (this run's error, if any).
    pub files: Vec<FileStats>,
    /// Per input, same order: new, grown, unchanged, duplicate or failed.
    pub fates: Vec<Fate>,
    /// Events read in this run.
    pub events: u64,
}

/// One input's outcome: its index in the walk, statistics, fate and ledger row.
type Ingested = (usize, FileStats, Fate, Option<i64>);

/// A file planned for ingest, with its first bytes (its identity).
struct StatePlan {
    plan: Plan,
    mtime: i64,
    head: Vec<u8>,
    fate: Option<Fate>,
    /// The ledger row of an unchanged input.
    row: Option<i64>,
}

/// Reads what is new in the inputs into `state`: each file (never a chunk: its ledger row and
/// aggregates are one transaction) with an [`Agg`] of its own, committed as soon as it is read.
///
/// Files whose heads are prefixes of one another may be the same stream (a log and its gzip
/// copy, a log and its grown copy); they form one task and are read one after the other, so
/// the second sees the first's ledger row and adds only what the first did not.
pub fn ingest(ctx: &Context, state: &State) -> Ingest {
    let found = input::walk(&ctx.config.inputs);
    let plans: Vec<StatePlan> = found
        .into_par_iter()
        .map(|f| state_plan(ctx, state, f))
        .collect();
    let mut open: Vec<usize> = (0..plans.len())
        .filter(|&i| plans[i].plan.done.is_none())
        .collect();
    ctx.bar
        .set_length(open.iter().map(|&i| plans[i].plan.size).sum());
    // Sorted, a head that is a prefix of others comes right before them (and so does every
    // head in between): one pass groups each root with everything it prefixes.
    open.sort_by(|&a, &b| plans[a].head.cmp(&plans[b].head));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in open {
        match groups.last_mut() {
            Some(g) if plans[i].head.starts_with(&plans[g[0]].head) => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    let done = AtomicUsize::new(0);
    let total = plans.iter().filter(|p| p.plan.done.is_none()).count();
    ctx.bar.set_message(format!("0/{total} files"));
    let ingested: (Vec<Ingested>, u64) = groups
        .par_iter()
        .fold(
            || {
                let mut w = Worker::new(ctx, &done, total);
                w.detail = true;
                w
            },
            |mut w, g| {
                for &i in g {
                    w.run_state(state, &plans[i], i);
                }
                w
            },
        )
        .map(|w| (w.ingested, w.new_events))
        .reduce(
            || (Vec::new(), 0),
            |(mut a, ea), (b, eb)| {
                a.extend(b);
                (a, ea + eb)
            },
        );
    let (ingested, events) = ingested;
    ctx.bar.finish_and_clear();
    let mut files: Vec<Option<(FileStats, Fate, Option<i64>)>> = plans
        .into_iter()
        .map(|p| {
            let fate = p.fate.unwrap_or(Fate::Failed);
            p.plan.done.map(|d| (d, fate, p.row))
        })
        .collect();
    for (i, stats, fate, row) in ingested {
        files[i] = Some((stats, fate, row));
    }
    // Inputs that are one stream (a log and its compressed copy) share a ledger row: its
    // cumulative counts are listed once, under the first, so summary totals stay true.
    let mut listed = std::collections::HashSet::new();
    let (files, fates) = files
        .into_iter()
        .flatten()
        .map(|(stats, fate, row)| {
            if row.is_some_and(|r| !listed.insert(r)) {
                let zero = FileStats {
                    path: stats.path,
                    format: stats.format,
                    gzip: stats.gzip,
                    error: stats.error,
                    ..FileStats::default()
                };
                return (zero, fate);
            }
            (stats, fate)
        })
        .unzip();
    Ingest {
        files,
        fates,
        events,
    }
}

fn mtime_of(path: &std::path::Path) -> Option<(u64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((m.len(), i64::try_from(t.as_nanos()).unwrap_or(i64::MAX)))
}

/// Plans one input for ingest: skipped without opening when the ledger has it with the same
/// path, size and mtime; otherwise detected as usual, plus its raw first [`crate::state::WINDOW`]
/// decompressed bytes.
fn state_plan(ctx: &Context, state: &State, found: input::Found) -> StatePlan {
    let meta = found.as_ref().ok().and_then(|p| mtime_of(p));
    if let (Ok(path), Some((size, mtime))) = (&found, meta) {
        match state.unchanged(path, size, mtime) {
            Ok(Some((row, stats))) => {
                return StatePlan {
                    plan: Plan {
                        path: path.clone(),
                        size,
                        format: None,
                        gzip: stats.gzip,
                        done: Some(stats),
                    },
                    mtime,
                    head: Vec::new(),
                    fate: Some(Fate::Unchanged),
                    row: Some(row),
                };
            }
            Ok(None) => {}
            Err(e) => {
                return StatePlan {
                    plan: Plan {
                        path: path.clone(),
                        size,
                        format: None,
                        gzip: false,
                        done: Some(FileStats {
                            path: path.clone(),
                            error: Some(format!("reading the state: {e:#}")),
                            ..FileStats::default()
                        }),
                    },
                    mtime,
                    head: Vec::new(),
                    fate: Some(Fate::Failed),
                    row: None,
                };
            }
        }
    }
    let mut plan = plan(ctx, found);
    let mtime = meta.map_or(0, |m| m.1);
    let mut head = Vec::new();
    if plan.done.is_none() {
        let read = input::open(
            &plan.path,
            0,
            &ProgressBar::hidden(),
            ctx.config.min_expansion,
        )
        .and_then(|o| {
            o.reader
                .take(crate::state::WINDOW as u64)
                .read_to_end(&mut head)
        });
        if let Err(e) = read {
            plan.done = Some(FileStats {
                path: plan.path.clone(),
                gzip: plan.gzip,
                error: Some(describe_io(&e, plan.gzip)),
                ..FileStats::default()
            });
        }
    }
    let fate = plan.done.as_ref().map(|d| {
        if d.error.is_some() {
            Fate::Failed
        } else {
            // Empty: nothing to read, nothing to record.
            Fate::Unchanged
        }
    });
    StatePlan {
        plan,
        mtime,
        head,
        fate,
        row: None,
    }
}

/// Where reading an input into the state starts.
struct Resume {
    /// The ledger row continued, and its `consumed`.
    known: Option<Known>,
    tail: Tail<Box<dyn Read + Send>>,
}

impl Worker<'_> {
    /// Opens the decompressed stream of `plan` positioned at stream offset `from`, keeping
    /// the bytes before `from` that the identity window needs.
    fn open_at(&self, plan: &Plan, from: u64) -> io::Result<Option<Tail<Box<dyn Read + Send>>>> {
        if plan.gzip {
            let opened = input::open(&plan.path, 0, &self.ctx.bar, self.ctx.config.min_expansion)?;
            let mut tail = Tail::new(input::in_background(opened.reader), 0);
            return Ok(tail.skip_to(from)?.then_some(tail));
        }
        if from > plan.size {
            return Ok(None);
        }
        let opened = input::open(
            &plan.path,
            from,
            &self.ctx.bar,
            self.ctx.config.min_expansion,
        )?;
        Ok(Some(Tail::new(opened.reader, from)))
    }

    /// Finds the ledger row this stream continues (head and tail window match), if any.
    fn resume(&self, state: &State, sp: &StatePlan) -> Result<Resume, String> {
        let known = state
            .candidates(&sp.head)
            .map_err(|e| format!("reading the state: {e:#}"))?;
        for k in known {
            let window_start = k.consumed.saturating_sub(crate::state::WINDOW as u64);
            let Some(mut tail) = self
                .open_at(&sp.plan, window_start)
                .map_err(|e| describe_io(&e, sp.plan.gzip))?
            else {
                continue;
            };
            // A stream shorter than what was consumed is a rewritten log: not this row.
            if !tail
                .skip_to(k.consumed)
                .map_err(|e| describe_io(&e, sp.plan.gzip))?
            {
                continue;
            }
            if tail.window_hash(k.consumed).as_deref() == Some(k.tail_hash.as_str()) {
                return Ok(Resume {
                    known: Some(k),
                    tail,
                });
            }
        }
        match self
            .open_at(&sp.plan, 0)
            .map_err(|e| describe_io(&e, sp.plan.gzip))?
        {
            Some(tail) => Ok(Resume { known: None, tail }),
            None => Err("file vanished while reading".to_string()),
        }
    }

    /// Reads what is new in one input and commits it with its ledger row.
    fn run_state(&mut self, state: &State, sp: &StatePlan, index: usize) {
        let plan = &sp.plan;
        let Some(format) = plan.format else { return };
        self.agg = Agg::default();
        self.covered.clear();
        let mut stats = FileStats {
            path: plan.path.clone(),
            format: Some(format.name()),
            gzip: plan.gzip,
            ..FileStats::default()
        };
        let resume = match self.resume(state, sp) {
            Ok(r) => r,
            Err(msg) => {
                stats.error = Some(msg);
                self.finish_state(index, stats, Fate::Failed);
                return;
            }
        };
        let start = resume.known.as_ref().map_or(0, |k| k.consumed);
        let mut lines = LineReader::new(resume.tail);
        if !plan.gzip {
            // The active log may end mid-line; that line is read next run.
            lines = lines.complete_lines_only();
        }
        let mut physical = 0;
        let prelude = if start > 0 && format.stateful() {
            &sp.head[..sp
                .head
                .len()
                .min(usize::try_from(start).unwrap_or(usize::MAX))]
        } else {
            &[][..]
        };
        if let Err(e) = self.lines(&mut lines, format, prelude, None, &mut stats, &mut physical) {
            // What was read before the error still counts and is recorded with its offset,
            // so a gzip completed later resumes right there.
            stats.error = Some(describe_io(&e, plan.gzip));
        }
        let consumed = start + lines.offset();
        let grown = consumed > start;
        if resume.known.is_none() && !grown {
            let fate = if stats.error.is_some() {
                Fate::Failed
            } else {
                Fate::New
            };
            self.finish_state(index, stats, fate);
            return;
        }
        let Some(tail_hash) = lines.get_ref().window_hash(consumed) else {
            stats.error = Some("internal error: identity window lost; nothing recorded".into());
            self.finish_state(index, stats, Fate::Failed);
            return;
        };
        let record = Record {
            id: resume.known.as_ref().map(|k| k.id),
            path: &plan.path,
            size: plan.size,
            mtime: sp.mtime,
            format: Some(format.name()),
            gzip: plan.gzip,
            head: &sp.head,
            consumed,
            tail_hash,
            stats: &stats,
        };
        let fate = match (&resume.known, grown) {
            _ if stats.error.is_some() => Fate::Failed,
            (None, _) => Fate::New,
            (Some(_), true) => Fate::Grown,
            (Some(_), false) => Fate::Duplicate,
        };
        let run_events = stats.events;
        match state.commit(&record, &self.agg, self.ctx.catalogue) {
            Ok((row, mut total)) => {
                total.examples = std::mem::take(&mut stats.examples);
                self.ingested.push((index, total, fate, Some(row)));
                self.tick();
                self.new_events += run_events;
            }
            Err(e) => {
                stats.error = Some(format!("writing the state: {e:#}; nothing recorded"));
                self.finish_state(index, stats, Fate::Failed);
            }
        }
    }

    fn finish_state(&mut self, index: usize, stats: FileStats, fate: Fate) {
        self.ingested.push((index, stats, fate, None));
        self.tick();
    }

    /// Progress: one more input done.
    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.ctx
            .bar
            .set_message(format!("{done}/{} files", self.total));
    }
}
