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
//! The schema is documented in docs/nightly.md ("Schema") for analysts using `sqlite3` or
//! DuckDB; this module owns it and every SQL statement.
//!
//! `ledger` holds the `inputs` table (what was read of which stream); `aggregates` the day
//! tables (what was found, by day). How a stream is identified is the input layer's
//! ([`crate::input::stream`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension};

use crate::exit::UsageError;

mod aggregates;
mod ledger;

pub use aggregates::SeenPairs;
pub use ledger::{Fate, Known, Record};

/// Schema version in `meta`; a database of a newer version is refused, not guessed at, and
/// one of an older version is migrated ([`migrate`]).
const SCHEMA_VERSION: &str = "2";

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
    incidental INT NOT NULL DEFAULT 0, PRIMARY KEY (day, user, tool_id));
CREATE TABLE IF NOT EXISTS seen_on (
    user BLOB, tool_id TEXT, kind TEXT, value BLOB, PRIMARY KEY (user, tool_id, kind, value));
CREATE TABLE IF NOT EXISTS coverage (source TEXT, day INT, PRIMARY KEY (source, day));
CREATE TABLE IF NOT EXISTS candidates (
    day INT, domain BLOB, host BLOB, user BLOB, events INT, first INT, last INT, reasons INT,
    PRIMARY KEY (day, domain, host, user));
CREATE TABLE IF NOT EXISTS days (
    day INT PRIMARY KEY, events INT, first INT, last INT, attributed INT, unattributed INT);
";

/// Brings a schema 1 database to the current schema in one transaction: `usage` gains the
/// `incidental` count (issue 18). The rows stored before were counted without evidence and
/// stay use (`incidental` 0), as they were reported; new rows carry their evidence.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         ALTER TABLE usage ADD COLUMN incidental INT NOT NULL DEFAULT 0;
         UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema';
         COMMIT;"
    ))
}

/// An open state database, locked for this process.
pub struct State {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Held for the whole run; the kernel drops the lock when the process dies, so a run
    /// killed with SIGKILL never leaves a stale lock behind.
    _lock: File,
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
            Some("1") => migrate(&conn)
                .with_context(|| format!("migrating {} from schema 1", path.display()))?,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema 1 database (before evidence) opens as schema 2, its usage rows kept as use;
    /// a newer schema is still refused.
    #[test]
    fn a_schema_1_state_is_migrated_and_its_usage_stays_use() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("old.db");
        {
            let conn = Connection::open(&db).unwrap();
            conn.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
                 INSERT INTO meta VALUES ('schema', '1');
                 CREATE TABLE usage (day INT, user BLOB, tool_id TEXT, events INT, bytes_out INT,
                     first INT, last INT, PRIMARY KEY (day, user, tool_id));
                 INSERT INTO usage VALUES (20000, x'616c696365', 'chatgpt', 3, 0, 1728000000, 1728000100);",
            )
            .unwrap();
        }
        let state = State::open(&db).unwrap();
        let conn = state.conn();
        let (schema, incidental): (String, i64) = conn
            .query_row(
                "SELECT (SELECT value FROM meta WHERE key = 'schema'), incidental FROM usage",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((schema.as_str(), incidental), (SCHEMA_VERSION, 0));
        drop(conn);
        drop(state);
        let conn = Connection::open(&db).unwrap();
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema'", [])
            .unwrap();
        drop(conn);
        let err = State::open(&db).err().unwrap().to_string();
        assert!(err.contains("state schema version 9"), "{err}");
    }

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
