//! The day aggregates (`usage`, `seen_on`, `coverage`, `candidates`, `days`): written with
//! each input's ledger row, aged out by `--retain`, read back for a report window.

use std::collections::HashMap;

use rusqlite::params;
use rustc_hash::FxHashSet;

use super::{State, to_i64, to_u64};
use crate::aggregate::{Agg, Cell, Day, UserId};
use crate::event::SourceKind;
use crate::signatures::{Catalogue, ToolId};

/// The `day` stored for events without a timestamp: SQLite has no `NULL` in primary keys
/// worth relying on (NULLs are all distinct there), so a sentinel keeps upserts exact.
pub const NO_DAY: i64 = i32::MIN as i64;

/// `first`/`last` merged in SQL: `min`/`max` of two values where either may be NULL.
const FIRST: &str = "first = coalesce(min(first, excluded.first), first, excluded.first)";
const LAST: &str = "last = coalesce(max(last, excluded.last), last, excluded.last)";

/// (user, tool id) → earliest event time (`None`: only events without a timestamp).
pub type SeenPairs = HashMap<(Box<[u8]>, String), Option<i64>>;

fn day_key(d: Day) -> i64 {
    d.map_or(NO_DAY, i64::from)
}

impl State {
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

    /// Every (user, tool id) pair of use the stored days hold (some event not incidental:
    /// contact without use is nobody's news), with its earliest event time: what "new since
    /// the last run" is judged against (read before a run adds its data, and again after,
    /// before `--retain` ages anything out).
    pub fn seen_pairs(&self) -> anyhow::Result<SeenPairs> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT user, tool_id, min(first) FROM usage GROUP BY user, tool_id
             HAVING sum(events) > sum(incidental)",
        )?;
        let mut rows = st.query([])?;
        let mut seen = SeenPairs::new();
        while let Some(r) = rows.next()? {
            let user: Vec<u8> = r.get(0)?;
            seen.insert((user.into_boxed_slice(), r.get(1)?), r.get(2)?);
        }
        Ok(seen)
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
            "SELECT day, user, tool_id, events, bytes_out, first, last, incidental FROM usage WHERE {in_window}"
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
                incidental: to_u64(r.get(7)?),
                bytes_measured: r.get::<_, Option<i64>>(4)?.is_some(),
            };
            agg.usage.add_cell(&user, t, day, &cell);
        }
        let pairs: FxHashSet<(UserId, ToolId)> =
            agg.usage.cells().map(|(k, _)| (k.user, k.tool)).collect();
        let mut st = conn.prepare("SELECT user, tool_id, kind, value FROM seen_on")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let tool: String = r.get(1)?;
            let Some(&t) = ids.get(tool.as_str()) else {
                continue;
            };
            let user: Vec<u8> = r.get(0)?;
            // Only pairs with usage in the window: the report lists them beside that usage.
            if !agg.usage.id(&user).is_some_and(|u| pairs.contains(&(u, t))) {
                continue;
            }
            let kind: String = r.get(2)?;
            let value: Vec<u8> = r.get(3)?;
            match kind.as_str() {
                "device" => agg.usage.add_seen_on(&user, t, Some(&value), None),
                _ => agg.usage.add_seen_on(&user, t, None, Some(&value)),
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
                first: r.get(4)?,
                last: r.get(5)?,
                ..Cell::default()
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
                    first: r.get(1)?,
                    last: r.get(2)?,
                    ..Cell::default()
                });
            }
            agg.attributed += to_u64(r.get(3)?);
            agg.unattributed += to_u64(r.get(4)?);
        }
        Ok((agg, unknown))
    }
}

/// Adds a run's aggregates to the day tables (inside the caller's transaction).
pub(super) fn write_aggregates(
    tx: &rusqlite::Transaction,
    agg: &Agg,
    catalogue: &Catalogue,
) -> anyhow::Result<()> {
    let tool_id = |t: ToolId| catalogue.tools.get(t as usize).map(|t| t.id.as_str());
    let mut st = tx.prepare_cached(&format!(
        "INSERT INTO usage (day, user, tool_id, events, bytes_out, first, last, incidental)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (day, user, tool_id) DO UPDATE SET events = events + excluded.events,
             incidental = incidental + excluded.incidental,
             bytes_out = CASE WHEN bytes_out IS NULL THEN excluded.bytes_out
                 WHEN excluded.bytes_out IS NULL THEN bytes_out
                 ELSE MIN(bytes_out, {MAX} - excluded.bytes_out) + excluded.bytes_out END,
             {FIRST}, {LAST}",
        MAX = i64::MAX
    ))?;
    for (k, c) in agg.usage.cells() {
        let Some(tid) = tool_id(k.tool) else { continue };
        st.execute(params![
            day_key(k.day),
            agg.usage.name(k.user),
            tid,
            to_i64(c.events),
            // NULL: no source measured uploads ("not measured", not 0).
            c.bytes_measured.then(|| to_i64(c.bytes_out)),
            c.first,
            c.last,
            to_i64(c.incidental)
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO seen_on (user, tool_id, kind, value) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for ((user, tool), s) in agg.usage.seen_on() {
        let Some(tid) = tool_id(*tool) else { continue };
        let user = agg.usage.name(*user);
        for d in &s.devices {
            st.execute(params![user, tid, "device", &d[..]])?;
        }
        for p in &s.processes {
            st.execute(params![user, tid, "process", &p[..]])?;
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
