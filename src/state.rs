//! `--state`: the SQLite database that makes nightly runs incremental.
//!
//! A nightly run over a growing archive must add exactly the new data: new files, the grown
//! tail of the active log, and nothing for a log that logrotate renamed or compressed. The
//! ledger (`inputs`) therefore identifies a *decompressed stream* by its content, not its name:
//! the hash of its first 64 KiB (`head_hash`) and of the 64 KiB that end where the last run
//! stopped (`tail_hash`). A file whose head and tail window match a ledger row is that stream;
//! reading resumes at `consumed`. Per-day aggregates live beside the ledger, and each input's
//! aggregates commit in the same transaction as its ledger row, so a run killed at any moment
//! leaves either a file's whole contribution or none of it.
//!
//! The schema is documented in README.md ("Nightly runs") for analysts using `sqlite3` or
//! DuckDB; this module owns it and every SQL statement.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};

use crate::aggregate::{Agg, Cell, Day, FileStats};
use crate::event::SourceKind;
use crate::exit::UsageError;
use crate::input::stream::{self, WINDOW};
use crate::signatures::{Catalogue, ToolId};

/// The `day` stored for events without a timestamp: SQLite has no `NULL` in primary keys
/// worth relying on (NULLs are all distinct there), so a sentinel keeps upserts exact.
pub const NO_DAY: i64 = i32::MIN as i64;

/// Schema version in `meta`; a database with another version is refused, not guessed at.
const SCHEMA_VERSION: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS inputs (
    id INTEGER PRIMARY KEY, path TEXT, size INT, mtime INT, format TEXT, gzip INT,
    head_len INT, head_hash TEXT, consumed INT, tail_hash TEXT,
    lines INT, events INT, matched INT, ignored INT, skipped INT, out_of_window INT,
    error TEXT, first_ingest TEXT, last_ingest TEXT);
CREATE INDEX IF NOT EXISTS inputs_head ON inputs(head_len, head_hash);
CREATE INDEX IF NOT EXISTS inputs_path ON inputs(path, size, mtime);
CREATE TABLE IF NOT EXISTS usage (
    day INT, user BLOB, tool_id TEXT, events INT, bytes_out INT, first INT, last INT,
    PRIMARY KEY (day, user, tool_id));
CREATE TABLE IF NOT EXISTS seen_on (
    user BLOB, tool_id TEXT, kind TEXT, value BLOB, PRIMARY KEY (user, tool_id, kind, value));
CREATE TABLE IF NOT EXISTS coverage (source TEXT, day INT, PRIMARY KEY (source, day));
CREATE TABLE IF NOT EXISTS candidates (
    day INT, domain BLOB, host BLOB, user BLOB, events INT, first INT, last INT, reasons INT,
    PRIMARY KEY (day, domain, host, user));
CREATE TABLE IF NOT EXISTS days (
    day INT PRIMARY KEY, events INT, first INT, last INT, attributed INT, unattributed INT);
";

/// `first`/`last` merged in SQL: `min`/`max` of two values where either may be NULL.
const FIRST: &str = "first = coalesce(min(first, excluded.first), first, excluded.first)";
const LAST: &str = "last = coalesce(max(last, excluded.last), last, excluded.last)";

/// An open state database, locked for this process.
pub struct State {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Held for the whole run; the kernel drops the lock when the process dies, so a run
    /// killed with SIGKILL never leaves a stale lock behind.
    _lock: File,
}

/// A ledger row that may be the stream being read.
#[derive(Clone, Debug)]
pub struct Known {
    /// Row id.
    pub id: i64,
    /// Decompressed bytes counted so far.
    pub consumed: u64,
    /// Hash of the window that ends at `consumed`.
    pub tail_hash: String,
}

/// How a run treated one input (for the closing summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Not seen before.
    New,
    /// A known stream that grew: only the new lines were read.
    Grown,
    /// Same path, size and mtime as last run: not opened.
    Unchanged,
    /// A known stream under another name or compressed, with nothing new.
    Duplicate,
    /// Could not be read.
    Failed,
}

/// What to record for one input after reading it.
pub struct Record<'a> {
    /// The ledger row this stream resumed, if any.
    pub id: Option<i64>,
    /// Path this run.
    pub path: &'a Path,
    /// File size and mtime (Unix seconds), for the cheap "unchanged" check.
    pub size: u64,
    /// Modification time.
    pub mtime: i64,
    /// Format name.
    pub format: Option<&'static str>,
    /// Whether gzip.
    pub gzip: bool,
    /// The stream's first bytes (up to [`WINDOW`]).
    pub head: &'a [u8],
    /// Decompressed bytes counted, in all runs.
    pub consumed: u64,
    /// Hash of the window ending at `consumed`.
    pub tail_hash: String,
    /// This run's counts for the input.
    pub stats: &'a FileStats,
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    crate::time::fmt_rfc3339(secs)
}

fn day_key(d: Day) -> i64 {
    d.map_or(NO_DAY, i64::from)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: Option<i64>) -> u64 {
    v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

impl State {
    /// Opens (creating if needed) the database at `path`, after taking the lock
    /// `PATH.lock`. A second run on the same state is refused with a message naming the lock.
    pub fn open(path: &Path) -> anyhow::Result<State> {
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening lock file {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                anyhow::bail!(
                    "{} is in use by another shadowai run (lock held on {}); not starting a second one",
                    path.display(),
                    lock_path.display()
                )
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", lock_path.display()));
            }
        }
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        // WAL + NORMAL: a committed transaction survives the process being killed (only a
        // power loss may lose the last commits, never corrupt the database).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("creating the schema in {}", path.display()))?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match version.as_deref() {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                    [SCHEMA_VERSION],
                )?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(UsageError(format!(
                    "{}: state schema version {v}, this shadowai reads version {SCHEMA_VERSION}",
                    path.display()
                ))
                .into());
            }
        }
        Ok(State {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cumulative statistics of the row recorded with this exact path, size and mtime:
    /// such a file has not changed since it was read and is not opened again.
    pub fn unchanged(
        &self,
        path: &Path,
        size: u64,
        mtime: i64,
    ) -> anyhow::Result<Option<(i64, FileStats)>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(
            "SELECT format, gzip, lines, events, matched, ignored, skipped, out_of_window, error, id
             FROM inputs WHERE path = ?1 AND size = ?2 AND mtime = ?3 LIMIT 1",
        )?;
        let row = st
            .query_row(params![path.to_string_lossy(), to_i64(size), mtime], |r| {
                let format: Option<String> = r.get(0)?;
                let stats = FileStats {
                    path: path.to_path_buf(),
                    format: format
                        .as_deref()
                        .and_then(crate::formats::by_name)
                        .map(|f| f.name()),
                    gzip: r.get::<_, i64>(1)? != 0,
                    lines: to_u64(r.get(2)?),
                    events: to_u64(r.get(3)?),
                    matched: to_u64(r.get(4)?),
                    ignored: to_u64(r.get(5)?),
                    skipped: to_u64(r.get(6)?),
                    out_of_window: to_u64(r.get(7)?),
                    error: r.get(8)?,
                    examples: Vec::new(),
                    size: Some(size),
                    mtime: Some(mtime),
                    stream: None,
                };
                Ok((r.get(9)?, stats))
            })
            .optional()?;
        Ok(row)
    }

    /// Ledger rows whose head matches the start of `head` (a stream's first bytes), largest
    /// `consumed` first. A row's head covers `min(WINDOW, consumed)` bytes, so every distinct
    /// head length no longer than `head` is tried.
    pub fn candidates(&self, head: &[u8]) -> anyhow::Result<Vec<Known>> {
        let conn = self.conn();
        let mut lens: Vec<usize> = conn
            .prepare_cached("SELECT DISTINCT head_len FROM inputs WHERE head_len <= ?1")?
            .query_map([head.len() as i64], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter_map(|l| usize::try_from(l).ok())
            .filter(|&l| l > 0 && l <= head.len())
            .collect();
        lens.sort_unstable();
        let mut out = Vec::new();
        let mut st = conn.prepare_cached(
            "SELECT id, consumed, tail_hash FROM inputs WHERE head_len = ?1 AND head_hash = ?2",
        )?;
        for (len, h) in stream::prefix_hashes(head, &lens) {
            let rows = st.query_map(params![len as i64, h], |r| {
                Ok(Known {
                    id: r.get(0)?,
                    consumed: to_u64(r.get(1)?),
                    tail_hash: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        out.sort_by(|a, b| b.consumed.cmp(&a.consumed).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Records one input: its ledger row and its aggregates, in one transaction. Returns the
    /// row id and the input's cumulative statistics.
    pub fn commit(
        &self,
        rec: &Record,
        agg: &Agg,
        catalogue: &Catalogue,
    ) -> anyhow::Result<(i64, FileStats)> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // The head read at planning may be shorter than what was consumed (the file grew
        // meanwhile): the identity is then the shorter prefix, still a prefix of the stream.
        let head_len = usize::try_from(rec.consumed)
            .unwrap_or(usize::MAX)
            .min(WINDOW)
            .min(rec.head.len());
        let head_hash = stream::hash(&rec.head[..head_len]);
        let s = rec.stats;
        let now = now();
        let path = rec.path.to_string_lossy();
        // One upsert: a new stream (no id yet) gets a fresh row; a known one adds this run's
        // counts to its cumulative ones and moves its identity window forward.
        let id: i64 = tx.query_row(
            "INSERT INTO inputs (id, path, size, mtime, format, gzip, head_len, head_hash,
             consumed, tail_hash, lines, events, matched, ignored, skipped, out_of_window,
             error, first_ingest, last_ingest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?18)
             ON CONFLICT(id) DO UPDATE SET path = excluded.path, size = excluded.size,
             mtime = excluded.mtime, format = excluded.format, gzip = excluded.gzip,
             head_len = excluded.head_len, head_hash = excluded.head_hash,
             consumed = excluded.consumed, tail_hash = excluded.tail_hash,
             lines = lines + excluded.lines, events = events + excluded.events,
             matched = matched + excluded.matched, ignored = ignored + excluded.ignored,
             skipped = skipped + excluded.skipped,
             out_of_window = out_of_window + excluded.out_of_window,
             error = excluded.error, last_ingest = excluded.last_ingest
             RETURNING id",
            params![
                rec.id,
                path,
                to_i64(rec.size),
                rec.mtime,
                rec.format,
                rec.gzip,
                head_len as i64,
                head_hash,
                to_i64(rec.consumed),
                rec.tail_hash,
                to_i64(s.lines),
                to_i64(s.events),
                to_i64(s.matched),
                to_i64(s.ignored),
                to_i64(s.skipped),
                to_i64(s.out_of_window),
                s.error,
                now,
            ],
            |row| row.get(0),
        )?;
        write_aggregates(&tx, agg, catalogue)?;
        let total = tx.query_row(
            "SELECT lines, events, matched, ignored, skipped, out_of_window FROM inputs WHERE id = ?1",
            [id],
            |r| {
                Ok(FileStats {
                    path: rec.path.to_path_buf(),
                    format: rec.format,
                    gzip: rec.gzip,
                    lines: to_u64(r.get(0)?),
                    events: to_u64(r.get(1)?),
                    matched: to_u64(r.get(2)?),
                    ignored: to_u64(r.get(3)?),
                    skipped: to_u64(r.get(4)?),
                    out_of_window: to_u64(r.get(5)?),
                    examples: s.examples.clone(),
                    error: s.error.clone(),
                    size: Some(rec.size),
                    mtime: Some(rec.mtime),
                    stream: None,
                })
            },
        )?;
        tx.commit()?;
        Ok((id, total))
    }

    /// Adds the merge of partial aggregates (`merge --state`): a ledger row per input and the
    /// aggregates, in one transaction. An input is in the ledger already when a row has its
    /// path, size and mtime (as a nightly scan knows unchanged files) or its stream (a renamed
    /// or compressed copy). When every input is, the merge was done before and nothing is added
    /// (`Ok(false)`); when only some are, or an input starts like a stored stream but differs
    /// in length (a log that grew), merging would count data twice: it is refused, naming them.
    pub fn commit_merge(
        &self,
        files: &[FileStats],
        agg: &Agg,
        catalogue: &Catalogue,
    ) -> anyhow::Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let (mut known, mut overlapping) = (Vec::new(), Vec::new());
        {
            let mut same_file = tx.prepare_cached(
                "SELECT 1 FROM inputs WHERE path = ?1 AND size = ?2 AND mtime = ?3 LIMIT 1",
            )?;
            let mut same_start = tx.prepare_cached(
                "SELECT consumed, tail_hash FROM inputs WHERE head_len = ?1 AND head_hash = ?2",
            )?;
            for f in files {
                let name = f.path.display().to_string();
                let key = params![
                    f.path.to_string_lossy(),
                    to_i64(f.size.unwrap_or(0)),
                    f.mtime.unwrap_or(0)
                ];
                if same_file.exists(key)? {
                    known.push(name);
                    continue;
                }
                let Some(id) = &f.stream else { continue };
                let rows: Vec<(i64, Option<String>)> = same_start
                    .query_map(params![to_i64(id.head_len), id.head_hash], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?
                    .collect::<Result<_, _>>()?;
                if rows.iter().any(|(consumed, tail)| {
                    *consumed == to_i64(id.consumed) && tail.as_deref() == Some(&id.tail_hash)
                }) {
                    known.push(name);
                } else if !rows.is_empty() {
                    overlapping.push(name);
                }
            }
        }
        if !overlapping.is_empty() {
            return Err(UsageError(format!(
                "{}: starts like a stream {} holds, with another length (a log that grew?); merging would count its common part twice: read growing logs with `scan --state`",
                overlapping.join(", "),
                self.path.display()
            ))
            .into());
        }
        if !files.is_empty() && known.len() == files.len() {
            return Ok(false);
        }
        if !known.is_empty() {
            return Err(UsageError(format!(
                "{}: already in {} (the same file, or a copy of its content); merging these partials would count them twice",
                known.join(", "),
                self.path.display()
            ))
            .into());
        }
        let now = now();
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO inputs (path, size, mtime, format, gzip, lines, events, matched,
                 ignored, skipped, out_of_window, error, first_ingest, last_ingest, head_len,
                 head_hash, consumed, tail_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15,
                 ?16, ?17)",
            )?;
            for f in files {
                let id = f.stream.as_ref();
                st.execute(params![
                    f.path.to_string_lossy(),
                    to_i64(f.size.unwrap_or(0)),
                    f.mtime.unwrap_or(0),
                    f.format,
                    f.gzip,
                    to_i64(f.lines),
                    to_i64(f.events),
                    to_i64(f.matched),
                    to_i64(f.ignored),
                    to_i64(f.skipped),
                    to_i64(f.out_of_window),
                    f.error,
                    now,
                    id.map(|s| to_i64(s.head_len)),
                    id.map(|s| s.head_hash.as_str()),
                    id.map(|s| to_i64(s.consumed)),
                    id.map(|s| s.tail_hash.as_str()),
                ])?;
            }
        }
        write_aggregates(&tx, agg, catalogue)?;
        tx.commit()?;
        Ok(true)
    }

    /// The latest day with data (usage, coverage or any event), if any.
    pub fn latest_day(&self) -> anyhow::Result<Option<i32>> {
        let conn = self.conn();
        let d: Option<i64> = conn.query_row(
            "SELECT max(d) FROM (SELECT max(day) AS d FROM days WHERE day <> ?1
             UNION ALL SELECT max(day) FROM usage WHERE day <> ?1
             UNION ALL SELECT max(day) FROM coverage)",
            [NO_DAY],
            |r| r.get(0),
        )?;
        Ok(d.and_then(|d| i32::try_from(d).ok()))
    }

    /// Deletes the day rows before `keep_from` (days since the epoch). Rows of events without
    /// a timestamp have no day to age by and are kept; devices/processes are dropped with the
    /// last usage row of their user × tool.
    pub fn retain(&self, keep_from: i32) -> anyhow::Result<u64> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut n = 0;
        for table in ["usage", "candidates", "days"] {
            n += tx.execute(
                &format!("DELETE FROM {table} WHERE day <> ?1 AND day < ?2"),
                params![NO_DAY, i64::from(keep_from)],
            )?;
        }
        n += tx.execute(
            "DELETE FROM coverage WHERE day < ?1",
            [i64::from(keep_from)],
        )?;
        tx.execute(
            "DELETE FROM seen_on WHERE NOT EXISTS (SELECT 1 FROM usage u
             WHERE u.user = seen_on.user AND u.tool_id = seen_on.tool_id)",
            [],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// Rebuilds the aggregates of days `from..=to` (and of events without a timestamp, which
    /// belong to every window) from the state, for [`crate::report::Report::build`].
    /// Usage of tools no longer in the catalogue is left out and counted in the return value.
    pub fn load(&self, from: i32, to: i32, catalogue: &Catalogue) -> anyhow::Result<(Agg, u64)> {
        let conn = self.conn();
        let ids: HashMap<&str, ToolId> = catalogue
            .tools
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((t.id.as_str(), ToolId::try_from(i).ok()?)))
            .collect();
        let (from, to) = (i64::from(from), i64::from(to));
        let in_window = "(day = ?1 OR day BETWEEN ?2 AND ?3)";
        let mut agg = Agg::default();
        let mut unknown = 0u64;
        let mut st = conn.prepare(&format!(
            "SELECT day, user, tool_id, events, bytes_out, first, last FROM usage WHERE {in_window}"
        ))?;
        let mut rows = st.query(params![NO_DAY, from, to])?;
        while let Some(r) = rows.next()? {
            let tool: String = r.get(2)?;
            let Some(&t) = ids.get(tool.as_str()) else {
                unknown += 1;
                continue;
            };
            let day: i64 = r.get(0)?;
            let day = if day == NO_DAY {
                None
            } else {
                i32::try_from(day).ok()
            };
            let user: Vec<u8> = r.get(1)?;
            let cell = Cell {
                events: to_u64(r.get(3)?),
                bytes_out: to_u64(r.get(4)?),
                first: r.get(5)?,
                last: r.get(6)?,
            };
            agg.usage
                .entry(user.into_boxed_slice())
                .or_default()
                .entry((t, day))
                .or_default()
                .merge(&cell);
        }
        let mut st = conn.prepare("SELECT user, tool_id, kind, value FROM seen_on")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let tool: String = r.get(1)?;
            let Some(&t) = ids.get(tool.as_str()) else {
                continue;
            };
            let user: Vec<u8> = r.get(0)?;
            // Only pairs with usage in the window: the report lists them beside that usage.
            if !agg
                .usage
                .get(&user[..])
                .is_some_and(|m| m.keys().any(|k| k.0 == t))
            {
                continue;
            }
            let kind: String = r.get(2)?;
            let value: Vec<u8> = r.get(3)?;
            match kind.as_str() {
                "device" => agg.add_seen_on(&user, t, Some(&value), None),
                _ => agg.add_seen_on(&user, t, None, Some(&value)),
            }
        }
        let mut st =
            conn.prepare("SELECT source, day FROM coverage WHERE day BETWEEN ?1 AND ?2")?;
        let mut rows = st.query(params![from, to])?;
        while let Some(r) = rows.next()? {
            let source: String = r.get(0)?;
            let kind = match source.as_str() {
                "dns" => SourceKind::Dns,
                "proxy" => SourceKind::Proxy,
                _ => SourceKind::Endpoint,
            };
            let day: i64 = r.get(1)?;
            if let Ok(d) = i32::try_from(day) {
                agg.coverage.insert((kind, d));
            }
        }
        let mut st = conn.prepare(&format!(
            "SELECT domain, host, user, events, first, last, reasons FROM candidates WHERE {in_window}"
        ))?;
        let mut rows = st.query(params![NO_DAY, from, to])?;
        while let Some(r) = rows.next()? {
            let domain: Vec<u8> = r.get(0)?;
            let host: Vec<u8> = r.get(1)?;
            let user: Vec<u8> = r.get(2)?;
            let cell = Cell {
                events: to_u64(r.get(3)?),
                bytes_out: 0,
                first: r.get(4)?,
                last: r.get(5)?,
            };
            let reasons = u32::try_from(r.get::<_, i64>(6)?).unwrap_or(0);
            agg.add_candidate_row(&domain, &host, &user, &cell, reasons);
        }
        let mut st = conn.prepare(&format!(
            "SELECT day, first, last, attributed, unattributed FROM days WHERE {in_window}"
        ))?;
        let mut rows = st.query(params![NO_DAY, from, to])?;
        while let Some(r) = rows.next()? {
            let day: i64 = r.get(0)?;
            if day != NO_DAY {
                agg.window.merge(&Cell {
                    events: 0,
                    bytes_out: 0,
                    first: r.get(1)?,
                    last: r.get(2)?,
                });
            }
            agg.attributed += to_u64(r.get(3)?);
            agg.unattributed += to_u64(r.get(4)?);
        }
        Ok((agg, unknown))
    }

    /// Every ledger row as cumulative statistics, by path (for `shadowai report`).
    pub fn all_files(&self) -> anyhow::Result<Vec<FileStats>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT path, format, gzip, lines, events, matched, ignored, skipped, out_of_window, error
             FROM inputs ORDER BY path, id",
        )?;
        let rows = st.query_map([], |r| {
            let format: Option<String> = r.get(1)?;
            Ok(FileStats {
                path: PathBuf::from(r.get::<_, String>(0)?),
                format: format
                    .as_deref()
                    .and_then(crate::formats::by_name)
                    .map(|f| f.name()),
                gzip: r.get::<_, i64>(2)? != 0,
                lines: to_u64(r.get(3)?),
                events: to_u64(r.get(4)?),
                matched: to_u64(r.get(5)?),
                ignored: to_u64(r.get(6)?),
                skipped: to_u64(r.get(7)?),
                out_of_window: to_u64(r.get(8)?),
                error: r.get(9)?,
                examples: Vec::new(),
                size: None,
                mtime: None,
                stream: None,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Adds a run's aggregates to the day tables (inside the caller's transaction).
fn write_aggregates(
    tx: &rusqlite::Transaction,
    agg: &Agg,
    catalogue: &Catalogue,
) -> anyhow::Result<()> {
    let tool_id = |t: ToolId| catalogue.tools.get(usize::from(t)).map(|t| t.id.as_str());
    let mut st = tx.prepare_cached(&format!(
        "INSERT INTO usage (day, user, tool_id, events, bytes_out, first, last)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (day, user, tool_id) DO UPDATE SET events = events + excluded.events,
             bytes_out = bytes_out + excluded.bytes_out, {FIRST}, {LAST}"
    ))?;
    for (user, cells) in &agg.usage {
        for (&(tool, day), c) in cells {
            let Some(tid) = tool_id(tool) else { continue };
            st.execute(params![
                day_key(day),
                &user[..],
                tid,
                to_i64(c.events),
                to_i64(c.bytes_out),
                c.first,
                c.last
            ])?;
        }
    }
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO seen_on (user, tool_id, kind, value) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for ((user, tool), s) in &agg.seen_on {
        let Some(tid) = tool_id(*tool) else { continue };
        for d in &s.devices {
            st.execute(params![&user[..], tid, "device", &d[..]])?;
        }
        for p in &s.processes {
            st.execute(params![&user[..], tid, "process", &p[..]])?;
        }
    }
    let mut st =
        tx.prepare_cached("INSERT OR IGNORE INTO coverage (source, day) VALUES (?1, ?2)")?;
    for (source, day) in &agg.coverage {
        st.execute(params![source.as_str(), i64::from(*day)])?;
    }
    let mut st = tx.prepare_cached(&format!(
        "INSERT INTO candidates (day, domain, host, user, events, first, last, reasons)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (day, domain, host, user) DO UPDATE SET
             events = events + excluded.events, reasons = reasons | excluded.reasons,
             {FIRST}, {LAST}"
    ))?;
    for ((day, domain, host, user), (c, reasons)) in &agg.detail.candidates {
        st.execute(params![
            day_key(*day),
            &domain[..],
            &host[..],
            &user[..],
            to_i64(c.events),
            c.first,
            c.last,
            i64::from(*reasons)
        ])?;
    }
    let mut st = tx.prepare_cached(&format!(
        "INSERT INTO days (day, events, first, last, attributed, unattributed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (day) DO UPDATE SET events = events + excluded.events,
             attributed = attributed + excluded.attributed,
             unattributed = unattributed + excluded.unattributed, {FIRST}, {LAST}"
    ))?;
    for (day, t) in &agg.detail.days {
        st.execute(params![
            day_key(*day),
            to_i64(t.cell.events),
            t.cell.first,
            t.cell.last,
            to_i64(t.attributed),
            to_i64(t.unattributed)
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_open_is_refused_naming_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let first = State::open(&db).unwrap();
        let err = State::open(&db).err().unwrap().to_string();
        assert!(err.contains("s.db.lock"), "{err}");
        drop(first);
        State::open(&db).unwrap();
    }
}
