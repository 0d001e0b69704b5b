//! The ledger: the `inputs` table, one row per decompressed stream read, with how far it was
//! read (`consumed`), its identity hashes and its cumulative counts. A row and the aggregates
//! of what it added commit in one transaction.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use super::aggregates::write_aggregates;
use super::{State, to_i64, to_u64};
use crate::aggregate::{Agg, FileStats};
use crate::exit::UsageError;
use crate::input::stream::{self, WINDOW};
use crate::signatures::Catalogue;

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
    crate::time::fmt_rfc3339(crate::time::now())
}

impl State {
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
                    warning: None,
                    sha256: None,
                    duplicate: None,
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
                    warning: s.warning.clone(),
                    sha256: None,
                    duplicate: None,
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

    /// Whether some input ever read holds a data line (an event or an ignored line): a state
    /// without one has nothing to report (issue 17). One query, however long the ledger.
    pub fn has_data(&self) -> anyhow::Result<bool> {
        let conn = self.conn();
        Ok(conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM inputs WHERE events > 0 OR ignored > 0)",
            [],
            |r| r.get(0),
        )?)
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
                warning: None,
                sha256: None,
                duplicate: None,
                examples: Vec::new(),
                size: None,
                mtime: None,
                stream: None,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
