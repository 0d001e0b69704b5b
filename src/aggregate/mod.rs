//! The aggregates a scan builds: usage per user × tool × day, discovery candidates per
//! registrable domain, per-file statistics and per-source day coverage.
//!
//! Every aggregate has an exact, commutative `merge`, so any split of the work (files,
//! chunks of a file, threads) gives the same totals, and reports sort before writing, so the
//! output is byte-identical at any thread count.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::PathBuf;

use crate::discovery::Reasons;
use crate::error::ParseError;
use crate::event::SourceKind;
use crate::signatures::{Evidence, ToolId};

mod usage;

pub use usage::{Key, Pairs, Usage, UserId};

/// A UTC day number (days since 1970-01-01), or `None` for events without a timestamp.
pub type Day = Option<i32>;

/// Skipped-line examples kept per file.
pub const MAX_EXAMPLES: usize = 5;

/// Counters for one group of events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Events counted.
    pub events: u64,
    /// Uploaded bytes, summed where the format records them.
    pub bytes_out: u64,
    /// Whether any event came from a source that records uploaded bytes: without one,
    /// `bytes_out` is 0 because nothing measured it, and the reports say "not measured"
    /// (partials and the state database keep it as an empty / NULL `bytes_out`).
    pub bytes_measured: bool,
    /// Earliest timestamp.
    pub first: Option<i64>,
    /// Latest timestamp.
    pub last: Option<i64>,
    /// Of the events, those only incidental to the tool (see [`Evidence`]); the rest are use.
    /// Counted this way round so that stored aggregates without the count read as use.
    pub incidental: u64,
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b)
}

impl Cell {
    /// Counts one event.
    pub fn add(&mut self, ts: Option<i64>, bytes_out: Option<u64>) {
        self.events += 1;
        // Byte counts come from the log: two absurd ones must not overflow (saturate instead).
        self.bytes_out = self.bytes_out.saturating_add(bytes_out.unwrap_or(0));
        self.bytes_measured |= bytes_out.is_some();
        self.first = min_opt(self.first, ts);
        self.last = max_opt(self.last, ts);
    }

    /// Counts one usage event with its evidence.
    pub fn add_usage(&mut self, ts: Option<i64>, bytes_out: Option<u64>, evidence: Evidence) {
        self.add(ts, bytes_out);
        if evidence == Evidence::Incidental {
            self.incidental += 1;
        }
    }

    /// The uploaded bytes, `None` when no source measured them.
    pub fn uploaded(&self) -> Option<u64> {
        self.bytes_measured.then_some(self.bytes_out)
    }

    /// Events that are evidence of use.
    pub fn use_events(&self) -> u64 {
        self.events.saturating_sub(self.incidental)
    }

    /// `use` when any of the events is use, else `incidental`.
    pub fn evidence(&self) -> Evidence {
        if self.use_events() > 0 {
            Evidence::Use
        } else {
            Evidence::Incidental
        }
    }

    /// Adds another cell's counts.
    pub fn merge(&mut self, o: &Cell) {
        self.events += o.events;
        self.incidental += o.incidental;
        self.bytes_out = self.bytes_out.saturating_add(o.bytes_out);
        self.bytes_measured |= o.bytes_measured;
        self.first = min_opt(self.first, o.first);
        self.last = max_opt(self.last, o.last);
    }
}

/// An unmatched registrable domain that looks like AI.
#[derive(Clone, Debug, Default)]
pub struct Candidate {
    /// Distinct hosts seen under it.
    pub hosts: FxHashSet<Box<[u8]>>,
    /// Distinct users.
    pub users: FxHashSet<Box<[u8]>>,
    /// Counts and times.
    pub cell: Cell,
    /// Union of the hosts' signals.
    pub reasons: Reasons,
}

/// What became of one input file (or one chunk of it, before merging).
#[derive(Clone, Debug, Default)]
pub struct FileStats {
    /// The input.
    pub path: PathBuf,
    /// The format it was read as.
    pub format: Option<&'static str>,
    /// Whether it was gzip.
    pub gzip: bool,
    /// Data lines read (headers, comments and blank lines excluded).
    pub lines: u64,
    /// Lines that became events.
    pub events: u64,
    /// Events that matched a catalogue tool.
    pub matched: u64,
    /// Well-formed lines without a host.
    pub ignored: u64,
    /// Events outside `--since`/`--until`, not counted.
    pub out_of_window: u64,
    /// Malformed lines.
    pub skipped: u64,
    /// The first few skipped lines: (1-based line number, reason). The reason is kept as text
    /// (at most [`MAX_EXAMPLES`] per file) so that partial aggregates can carry it.
    pub examples: Vec<(u64, String)>,
    /// Why the file could not be (fully) read.
    pub error: Option<String>,
    /// Something the reader of the reports should know that lost nothing: a special file
    /// skipped in a folder, bytes ignored after a gzip's last member.
    pub warning: Option<String>,
    /// Size in bytes when planned (recorded in partials, so `merge --state` knows the input).
    pub size: Option<u64>,
    /// Modification time in nanoseconds since the epoch when planned.
    pub mtime: Option<i64>,
    /// The decompressed stream's identity in the state ledger, for inputs of a partial
    /// (`merge --state` records it; see `state`).
    pub stream: Option<StreamId>,
    /// Set when another input holds this one's content: this one was not read and counts
    /// nothing.
    pub duplicate: Option<Duplicate>,
    /// SHA-256 (hex) of the stored bytes (a gzip's compressed bytes), when this run read the
    /// whole file without error: the evidence manifest ties the reports to their inputs.
    pub sha256: Option<String>,
}

/// An input not read because another input holds its content (issue 17: a log and its gzip
/// copy side by side counted twice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// The input read instead.
    pub of: PathBuf,
    /// How this input's content is in that one.
    pub overlap: Overlap,
}

/// How a duplicate's content is in the input read, from the weakest claim to the strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Overlap {
    /// The same decompressed content: a gzip copy, a copy, a link.
    Same,
    /// Its whole content is the start of the other's: a copy taken before the log grew.
    Start,
    /// The `--state` ledger holds both as one stream (the other was read on an earlier run).
    Stream,
}

impl Duplicate {
    /// What stderr says of the duplicate, after its path.
    pub fn message(&self) -> String {
        let of = self.of.display();
        match self.overlap {
            Overlap::Same => format!("same content as {of}; read once"),
            Overlap::Start => format!(
                "its content is the start of {of} (a copy taken before that log grew); read once, as part of it"
            ),
            Overlap::Stream => format!("the same log as {of} in the state; counted once"),
        }
    }
}

/// Points every duplicate at the input actually read: a duplicate of a duplicate (a symlink to
/// a gzip copy, a copy of a log the state knows under another name) names the input its chain
/// ends at, with the strongest overlap met on the way.
pub fn settle_duplicates(files: &mut [FileStats]) {
    let of: FxHashMap<PathBuf, Duplicate> = files
        .iter()
        .filter_map(|f| Some((f.path.clone(), f.duplicate.clone()?)))
        .collect();
    for f in files.iter_mut() {
        let Some(d) = &mut f.duplicate else { continue };
        // At most one step per input: a chain that loops (it cannot) would end here.
        for _ in 0..of.len() {
            match of.get(&d.of) {
                Some(next) if next.of != f.path => {
                    d.of = next.of.clone();
                    d.overlap = d.overlap.max(next.overlap);
                }
                _ => break,
            }
        }
    }
}

/// How the `--state` ledger knows a decompressed stream: the hash of its first
/// `head_len` bytes, and of the (up to) 64 KiB that end at `consumed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamId {
    /// Bytes hashed at the start: `min(64 KiB, consumed)`.
    pub head_len: u64,
    /// SHA-256 (hex) of the first `head_len` bytes.
    pub head_hash: String,
    /// Decompressed bytes read.
    pub consumed: u64,
    /// SHA-256 (hex) of the window ending at `consumed`.
    pub tail_hash: String,
}

/// Sorts inputs by path, component by component: the order a walk of one folder yields, and
/// one that does not depend on how the inputs were split between scans.
pub fn sort_files(files: &mut [FileStats]) {
    files.sort_by(|a, b| a.path.cmp(&b.path));
}

impl FileStats {
    /// The warning for an input read as a known format whose every data line came to nothing
    /// (issue 19): Sentinel's Sysmon rows read as `sysmon-json`, every line ignored, made a
    /// green report from no data. Not for an empty input (no data line: nothing to doubt), a
    /// failed one (its error says more) or a duplicate (not read).
    pub fn no_event_warning(&self) -> Option<String> {
        let format = self.format?;
        (self.events == 0 && self.lines > 0 && self.error.is_none() && self.duplicate.is_none())
            .then(|| {
                format!(
                    "format {format} recognized, {} {}, none with a host: is this the right format?",
                    self.lines,
                    if self.lines == 1 { "line" } else { "lines" }
                )
            })
    }

    /// Every warning of the input, for `summary.json`: the reader's (a special file, gzip
    /// padding) and [`FileStats::no_event_warning`].
    pub fn warnings(&self) -> Option<String> {
        match (&self.warning, self.no_event_warning()) {
            (Some(w), Some(n)) => Some(format!("{w}; {n}")),
            (w, n) => w.clone().or(n),
        }
    }

    /// Counts a skipped line, keeping it as an example while there is room.
    pub fn skip(&mut self, line: u64, why: ParseError) {
        self.lines += 1;
        self.skipped += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push((line, why.to_string()));
        }
    }

    /// Adds the counts of a later chunk of the same file, whose lines start after
    /// `line_offset` physical lines.
    pub fn merge_chunk(&mut self, o: &FileStats, line_offset: u64) {
        self.lines += o.lines;
        self.events += o.events;
        self.matched += o.matched;
        self.ignored += o.ignored;
        self.out_of_window += o.out_of_window;
        self.skipped += o.skipped;
        for (l, why) in &o.examples {
            if self.examples.len() < MAX_EXAMPLES {
                self.examples.push((l + line_offset, why.clone()));
            }
        }
        if self.error.is_none() {
            self.error.clone_from(&o.error);
        }
        if self.warning.is_none() {
            self.warning.clone_from(&o.warning);
        }
    }
}

/// Devices or processes kept per user × tool, at most; an audit wants to know which machine
/// and which program talked to the service, not an unbounded list.
pub const MAX_SEEN: usize = 8;

/// Where endpoint events of a user × tool came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeenOn {
    /// Device names, sorted, at most [`MAX_SEEN`].
    pub devices: BTreeSet<Box<[u8]>>,
    /// Process file names, sorted, at most [`MAX_SEEN`].
    pub processes: BTreeSet<Box<[u8]>>,
}

/// Inserts while under the cap. Keeping the smallest names makes the kept set independent of
/// the order events arrive in, so output is identical at any thread count.
fn insert_capped(set: &mut BTreeSet<Box<[u8]>>, v: &[u8]) {
    if set.contains(v) {
        return;
    }
    if set.len() == MAX_SEEN {
        match set.last() {
            Some(last) if **last > *v => {
                set.pop_last();
            }
            _ => return,
        }
    }
    set.insert(v.into());
}

impl SeenOn {
    /// Notes a device and a process, keeping the smallest names.
    pub fn add(&mut self, device: Option<&[u8]>, process: Option<&[u8]>) {
        if let Some(d) = device {
            insert_capped(&mut self.devices, d);
        }
        if let Some(p) = process {
            insert_capped(&mut self.processes, p);
        }
    }

    pub(crate) fn merge(&mut self, o: SeenOn) {
        for d in o.devices {
            insert_capped(&mut self.devices, &d);
        }
        for p in o.processes {
            insert_capped(&mut self.processes, &p);
        }
    }
}

/// Everything a scan has counted so far.
#[derive(Debug, Default)]
pub struct Agg {
    /// Usage of catalogue tools, and the devices and processes behind endpoint usage.
    pub usage: Usage,
    /// Discovery candidates by registrable domain.
    pub candidates: FxHashMap<Box<[u8]>, Candidate>,
    /// Days with data, per source kind.
    pub coverage: BTreeSet<(SourceKind, i32)>,
    /// Earliest and latest event time over all events.
    pub window: Cell,
    /// Matched events whose user came from `--identity` lease history.
    pub attributed: u64,
    /// Matched events left with a client address (no user in the log, no lease found).
    pub unattributed: u64,
    /// Per-day detail kept only for `--state` and `--emit-partial` (see [`DayDetail`]).
    pub detail: DayDetail,
    /// Client-address events kept at their second for `--emit-partial` without `--identity`
    /// (see [`Deferred`]); empty otherwise.
    pub deferred: Deferred,
}

/// A deferred event's client address (lowercase), time and tool.
pub type ToolAt = (Box<[u8]>, Option<i64>, ToolId);

/// A deferred event's client address, time, registrable domain and host.
pub type HostAt = (Box<[u8]>, Option<i64>, Box<[u8]>, Box<[u8]>);

/// A deferred event group's counts: events, uploaded bytes, and how many of the events are
/// incidental.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeferredCount {
    /// Events.
    pub events: u64,
    /// Uploaded bytes.
    pub bytes_out: u64,
    /// Whether a source measured them ([`Cell::bytes_measured`]).
    pub bytes_measured: bool,
    /// Incidental events among them.
    pub incidental: u64,
}

/// Events that name only a client address, kept at the second they happened, so that a later
/// `merge --identity` can find the lease held at that time, exactly as `scan --identity`
/// would have. Filled only when a partial is emitted without `--identity`.
#[derive(Debug, Default)]
pub struct Deferred {
    /// (address, time, tool) → counts.
    pub usage: FxHashMap<ToolAt, DeferredCount>,
    /// (address, time, registrable domain, host) → (events, reasons).
    pub candidates: FxHashMap<HostAt, (u64, u32)>,
    /// (address, time, tool) → devices and processes.
    pub seen_on: FxHashMap<ToolAt, SeenOn>,
}

impl Deferred {
    fn merge(&mut self, o: Deferred) {
        merge_map(&mut self.usage, o.usage, |mine, c| {
            mine.events += c.events;
            mine.bytes_out = mine.bytes_out.saturating_add(c.bytes_out);
            mine.bytes_measured |= c.bytes_measured;
            mine.incidental += c.incidental;
        });
        merge_map(&mut self.candidates, o.candidates, |mine, (e, r)| {
            mine.0 += e;
            mine.1 |= r;
        });
        merge_map(&mut self.seen_on, o.seen_on, SeenOn::merge);
    }
}

/// A candidate row of the state: (day, registrable domain, host, user).
pub type CandidateKey = (Day, Box<[u8]>, Box<[u8]>, Box<[u8]>);

/// What the in-memory aggregates keep for the whole run but the state must keep per day, so
/// that a report over any window can be rebuilt from the database: candidates per
/// (day, domain, host, user) and per-day totals. Filled only when the scan writes a state.
#[derive(Debug, Default)]
pub struct DayDetail {
    /// (day, registrable domain, host, user) → counts and the union of the host's signals.
    pub candidates: FxHashMap<CandidateKey, (Cell, u32)>,
    /// Per day: event times (all events, matched or not) and attribution counts.
    pub days: FxHashMap<Day, DayTotal>,
}

/// One day's totals over all events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayTotal {
    /// Earliest and latest event time (events counts every event with a timestamp).
    pub cell: Cell,
    /// Matched events named through `--identity`.
    pub attributed: u64,
    /// Matched events left with a client address.
    pub unattributed: u64,
}

impl Agg {
    /// Adds a candidate row kept per day (state, partials) to the whole-run candidates.
    pub fn add_candidate_row(
        &mut self,
        domain: &[u8],
        host: &[u8],
        user: &[u8],
        cell: &Cell,
        reasons: u32,
    ) {
        let c = self.candidates.entry(domain.into()).or_default();
        c.hosts.insert(host.into());
        c.users.insert(user.into());
        c.cell.merge(cell);
        c.reasons.0 |= reasons;
    }

    /// Counts one event to an unmatched, AI-looking host.
    pub fn add_candidate(
        &mut self,
        domain: &[u8],
        host: &[u8],
        user: &[u8],
        reasons: Reasons,
        ts: Option<i64>,
    ) {
        let c = match self.candidates.get_mut(domain) {
            Some(c) => c,
            None => self.candidates.entry(domain.into()).or_default(),
        };
        if !c.hosts.contains(host) {
            c.hosts.insert(host.into());
        }
        if !c.users.contains(user) {
            c.users.insert(user.into());
        }
        c.reasons.0 |= reasons.0;
        c.cell.add(ts, None);
    }

    /// Adds everything `o` counted.
    pub fn merge(&mut self, o: Agg) {
        self.usage.merge(o.usage);
        merge_map(&mut self.candidates, o.candidates, |mine, c| {
            mine.hosts.extend(c.hosts);
            mine.users.extend(c.users);
            mine.cell.merge(&c.cell);
            mine.reasons.0 |= c.reasons.0;
        });
        self.coverage.extend(o.coverage);
        self.window.merge(&o.window);
        self.attributed += o.attributed;
        self.unattributed += o.unattributed;
        merge_map(
            &mut self.detail.candidates,
            o.detail.candidates,
            |mine, (c, r)| {
                mine.0.merge(&c);
                mine.1 |= r;
            },
        );
        merge_map(&mut self.detail.days, o.detail.days, |mine, t| {
            mine.cell.merge(&t.cell);
            mine.attributed += t.attributed;
            mine.unattributed += t.unattributed;
        });
        self.deferred.merge(o.deferred);
    }
}

/// Merges the map `o` into `mine`, entry by entry with `f`, moving the smaller map into the
/// larger one: every merge here is commutative, so which side holds the result does not
/// matter.
///
/// # Performance
/// Workers' maps meet in rayon's reduce, often one full map with an empty one; moving a full
/// map entry by entry into an empty one cost 16 % of writing a Zeek DNS partial (perf).
fn merge_map<K: std::hash::Hash + Eq, V: Default>(
    mine: &mut FxHashMap<K, V>,
    mut o: FxHashMap<K, V>,
    f: impl Fn(&mut V, V),
) {
    if mine.len() < o.len() {
        std::mem::swap(mine, &mut o);
    }
    for (k, v) in o {
        f(mine.entry(k).or_default(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_order_independent() {
        let (u, i) = (Evidence::Use, Evidence::Incidental);
        let mut a = Agg::default();
        a.usage.add(b"alice", 1, Some(100), Some(5), i);
        a.usage.add(b"alice", 1, Some(90_000), None, u);
        let mut b = Agg::default();
        b.usage.add(b"alice", 1, Some(50), Some(7), u);
        b.usage.add(b"bob", 2, None, None, i);
        let mut ab = Agg::default();
        ab.merge(a);
        let mut ba = Agg::default();
        ba.merge(b);
        let cell = *ba.usage.get(b"alice", 1, Some(0)).unwrap();
        assert_eq!(
            cell,
            Cell {
                events: 1,
                bytes_out: 7,
                bytes_measured: true,
                first: Some(50),
                last: Some(50),
                incidental: 0,
            }
        );
        ab.merge(ba);
        let day0 = *ab.usage.get(b"alice", 1, Some(0)).unwrap();
        assert_eq!(
            day0,
            Cell {
                events: 2,
                bytes_out: 12,
                bytes_measured: true,
                first: Some(50),
                last: Some(100),
                incidental: 1,
            }
        );
        assert_eq!(
            day0.evidence(),
            Evidence::Use,
            "one use event makes the cell use"
        );
        assert_eq!(ab.usage.get(b"alice", 1, Some(1)).unwrap().events, 1);
        let bob = *ab.usage.get(b"bob", 2, None).unwrap();
        assert_eq!((bob.events, bob.use_events()), (1, 0));
        assert_eq!(bob.evidence(), Evidence::Incidental);
    }

    #[test]
    fn seen_on_keeps_the_smallest_names_whatever_the_order() {
        let names: Vec<Vec<u8>> = (0..20u8).map(|i| vec![b'a' + i]).collect();
        let mut fwd = Agg::default();
        let mut rev = Agg::default();
        for n in &names {
            fwd.usage.add_seen_on(b"u", 1, Some(n), None);
        }
        for n in names.iter().rev() {
            rev.usage.add_seen_on(b"u", 1, Some(n), None);
        }
        let (fwd, rev) = (
            fwd.usage.seen(b"u", 1).unwrap(),
            rev.usage.seen(b"u", 1).unwrap(),
        );
        assert_eq!(fwd, rev);
        assert_eq!(fwd.devices.len(), MAX_SEEN);
        assert_eq!(&fwd.devices.first().unwrap()[..], b"a");
    }

    #[test]
    fn chunk_examples_are_renumbered() {
        let mut a = FileStats::default();
        a.skip(3, ParseError::BadTimestamp);
        let mut b = FileStats::default();
        b.skip(2, ParseError::TooLong);
        a.merge_chunk(&b, 10);
        assert_eq!(
            a.examples,
            vec![
                (3, ParseError::BadTimestamp.to_string()),
                (12, ParseError::TooLong.to_string())
            ]
        );
        assert_eq!((a.lines, a.skipped), (2, 2));
    }
}
