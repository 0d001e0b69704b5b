//! Incremental reading into the `--state` database: only what is new is read (unchanged files
//! are not opened, known streams resume where they stopped), each input committed with its
//! ledger row in one transaction. Shares the workers and parsing of the in-memory scan.

use std::path::{Path, PathBuf};

use super::*;
use crate::aggregate::{Duplicate, Overlap};

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
pub(super) type Ingested = (usize, FileStats, Fate, Option<i64>);

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
    let found = input::inputs(&ctx.config.inputs, ctx.config.shard, &ctx.own);
    let held = AtomicUsize::new(0);
    let mut plans: Vec<StatePlan> = found
        .into_par_iter()
        .map(|f| {
            let sp = state_plan(ctx, state, f);
            sp.plan.keep_handle(&held);
            sp
        })
        .collect();
    // Inputs of one content in this run are read once, as without a state; the ledger then
    // recognizes a copy of what an earlier run read.
    let mut refs: Vec<&mut Plan> = plans.iter_mut().map(|sp| &mut sp.plan).collect();
    for i in duplicates::settle(&mut refs, ctx.config.min_expansion) {
        plans[i].fate = Some(Fate::Duplicate);
    }
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
    // Inputs that are one stream (a log and its compressed copy, the one read on an earlier
    // night) share a ledger row: its cumulative counts are listed once, under the first, so
    // summary totals stay true; the others are listed as its duplicates.
    let mut listed: std::collections::HashMap<i64, PathBuf> = std::collections::HashMap::new();
    let (mut files, fates): (Vec<FileStats>, Vec<Fate>) = files
        .into_iter()
        .flatten()
        .map(|(stats, fate, row)| {
            let Some(row) = row else {
                return (stats, fate);
            };
            if let Some(first) = listed.get(&row) {
                let zero = FileStats {
                    path: stats.path,
                    format: stats.format,
                    gzip: stats.gzip,
                    error: stats.error,
                    duplicate: Some(Duplicate {
                        of: first.clone(),
                        overlap: Overlap::Stream,
                    }),
                    ..FileStats::default()
                };
                return (zero, fate);
            }
            listed.insert(row, stats.path.clone());
            (stats, fate)
        })
        .unzip();
    crate::aggregate::settle_duplicates(&mut files);
    Ingest {
        files,
        fates,
        events,
    }
}

/// Plans one input for ingest: skipped without opening when the ledger has it with the same
/// path, size and mtime; otherwise detected as usual, plus its raw first [`input::stream::WINDOW`]
/// decompressed bytes.
fn state_plan(ctx: &Context, state: &State, found: input::Found) -> StatePlan {
    let meta = match &found {
        input::Found::File(p) => size_and_mtime(p).and_then(|(size, mtime)| Some((size, mtime?))),
        _ => None,
    };
    if let (input::Found::File(path), Some((size, mtime))) = (&found, meta) {
        match state.unchanged(path, size, mtime) {
            Ok(Some((row, stats))) => {
                return StatePlan {
                    plan: Plan::finished(path, size, Some(mtime), stats.gzip, stats),
                    mtime,
                    head: Vec::new(),
                    fate: Some(Fate::Unchanged),
                    row: Some(row),
                };
            }
            Ok(None) => {}
            Err(e) => {
                let stats = FileStats {
                    path: path.clone(),
                    error: Some(format!("reading the state: {e:#}")),
                    ..FileStats::default()
                };
                return StatePlan {
                    plan: Plan::finished(path, size, Some(mtime), false, stats),
                    mtime,
                    head: Vec::new(),
                    fate: Some(Fate::Failed),
                    row: None,
                };
            }
        }
    }
    if let input::Found::Stream(path) = &found {
        // The ledger knows a stream by reading it again from an earlier end; a pipe is read
        // once. Refused, so that nothing is counted twice.
        let stats = FileStats {
            path: path.clone(),
            error: Some(
                "a stream (named pipe or device) cannot be read into --state, which resumes \
                 files where they stopped; copy it to a file first"
                    .into(),
            ),
            ..FileStats::default()
        };
        return StatePlan {
            plan: Plan::finished(path, 0, None, false, stats),
            mtime: 0,
            head: Vec::new(),
            fate: Some(Fate::Failed),
            row: None,
        };
    }
    let plan = plan(ctx, found);
    // Size and mtime as the handle saw them, like everything read through it.
    let mtime = plan.mtime.or(meta.map(|m| m.1)).unwrap_or(0);
    let mut head = Vec::new();
    if plan.done.is_none() {
        match plan.handle() {
            Ok(h) => head = input::stream::first_window(&h, ctx.config.min_expansion),
            Err(e) => {
                let stats = FileStats {
                    path: plan.path.clone(),
                    gzip: plan.gzip,
                    error: Some(describe_io(&e, plan.gzip)),
                    ..FileStats::default()
                };
                return StatePlan {
                    plan: Plan::finished(&plan.path, plan.size, plan.mtime, plan.gzip, stats),
                    mtime,
                    head,
                    fate: Some(Fate::Failed),
                    row: None,
                };
            }
        }
        plan.left.store(1, Ordering::Release);
    }
    let fate = plan.done.as_ref().map(|d| {
        if d.error.is_some() {
            Fate::Failed
        } else if d.duplicate.is_some() {
            Fate::Duplicate
        } else {
            // Empty or skipped: nothing to read, nothing to record.
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
    /// Bytes ignored after a gzip's last member, once read to the end.
    trailing: Arc<OnceLock<String>>,
}

impl Plan {
    /// A plan with nothing to read: its statistics are final.
    pub(super) fn finished(
        path: &Path,
        size: u64,
        mtime: Option<i64>,
        gzip: bool,
        stats: FileStats,
    ) -> Plan {
        Plan {
            path: path.to_path_buf(),
            size,
            mtime,
            format: None,
            gzip,
            done: Some(stats),
            source: Source::None,
            left: AtomicUsize::new(0),
            head_key: None,
            sha256: OnceLock::new(),
            chunk_hash: None,
        }
    }
}

impl Worker<'_> {
    /// Opens the decompressed stream of `plan` (through its handle `file`) positioned at
    /// stream offset `from`, keeping the bytes before `from` that the identity window needs;
    /// `None` when the stream is shorter.
    fn open_at(&self, file: &Handle, plan: &Plan, from: u64) -> io::Result<Option<Resume>> {
        let min_expansion = self.ctx.config.min_expansion;
        let (tail, trailing) = if plan.gzip {
            let opened = file.open_at(0, &self.ctx.bar, min_expansion)?;
            let mut tail = Tail::new(input::in_background(opened.reader), 0);
            if !tail.skip_to(from)? {
                return Ok(None);
            }
            (tail, opened.trailing)
        } else {
            if from > plan.size {
                return Ok(None);
            }
            let opened = file.open_at(from, &self.ctx.bar, min_expansion)?;
            (Tail::new(opened.reader, from), opened.trailing)
        };
        Ok(Some(Resume {
            known: None,
            tail,
            trailing,
        }))
    }

    /// Finds the ledger row this stream continues (head and tail window match), if any.
    fn resume(&self, state: &State, sp: &StatePlan, file: &Handle) -> Result<Resume, String> {
        let known = state
            .candidates(&sp.head)
            .map_err(|e| format!("reading the state: {e:#}"))?;
        for k in known {
            let window_start = k.consumed.saturating_sub(input::stream::WINDOW as u64);
            let Some(mut r) = self
                .open_at(file, &sp.plan, window_start)
                .map_err(|e| describe_io(&e, sp.plan.gzip))?
            else {
                continue;
            };
            // A stream shorter than what was consumed is a rewritten log: not this row.
            if !r
                .tail
                .skip_to(k.consumed)
                .map_err(|e| describe_io(&e, sp.plan.gzip))?
            {
                continue;
            }
            if r.tail.window_hash(k.consumed).as_deref() == Some(k.tail_hash.as_str()) {
                r.known = Some(k);
                return Ok(r);
            }
        }
        self.open_at(file, &sp.plan, 0)
            .map_err(|e| describe_io(&e, sp.plan.gzip))?
            .ok_or_else(|| "file vanished while reading".to_string())
    }

    /// Reads what is new in one input and commits it with its ledger row, then closes it.
    fn run_state(&mut self, state: &State, sp: &StatePlan, index: usize) {
        self.ingest_one(state, sp, index);
        sp.plan.task_done(|_| {});
    }

    fn ingest_one(&mut self, state: &State, sp: &StatePlan, index: usize) {
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
        let resume = match plan
            .handle()
            .map_err(|e| describe_io(&e, plan.gzip))
            .and_then(|file| Ok((self.resume(state, sp, &file)?, file)))
        {
            Ok(r) => r,
            Err(msg) => {
                stats.error = Some(msg);
                self.finish_state(index, stats, Fate::Failed);
                return;
            }
        };
        let (resume, file) = resume;
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
        let read = self
            .lines(&mut lines, format, prelude, None, &mut stats, &mut physical)
            .and_then(|()| file.check());
        match read {
            Ok(()) => stats.warning = resume.trailing.get().cloned(),
            // What was read before the error still counts and is recorded with its offset,
            // so a gzip completed later resumes right there.
            Err(e) => stats.error = Some(describe_io(&e, plan.gzip)),
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
