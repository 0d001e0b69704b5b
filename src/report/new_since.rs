//! `new-since-last-run.csv` (and `.jsonl` with `--jsonl`): what a `--state` run found that the
//! state did not hold before it, for the on-call engineer who will not read fourteen days of
//! reports every morning.
//!
//! Two kinds of row: `tool`, a catalogue tool no one in the organization had been seen using
//! in the stored days; `user`, a (person, tool) pair first seen in this run where the tool is
//! tier 3 or 4 (a new person on an approved tool is not news). "Before" is the state as this
//! run found it, so the memory is the days the state keeps: a tool last used before
//! `--retain` aged its days out is new again when it comes back. Written by every run with
//! `--state` (header only when nothing is new, so a cron job can test the line count); a run
//! without `--state` has no last run and writes no such file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Staged;
use super::csv_out::CsvWriter;
use super::jsonl::{primary_domain, put, put_str};
use crate::policy::{Policy, Tier};
use crate::pseudonym::Users;
use crate::signatures::Catalogue;
use crate::state::SeenPairs;
use crate::time::fmt_rfc3339;

/// The CSV file's name in `--out`.
pub const CSV_FILE: &str = "new-since-last-run.csv";
/// The JSONL file's name in `--out` (with `--jsonl`).
pub const JSONL_FILE: &str = "new-since-last-run.jsonl";
/// Both, for the runs that write neither and remove stale copies.
pub const FILES: [&str; 2] = [CSV_FILE, JSONL_FILE];

/// One row of `new-since-last-run.csv`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct NewRow {
    /// `tool` or `user`.
    pub kind: &'static str,
    /// Tool slug.
    pub tool_id: String,
    /// Tool name.
    pub tool: String,
    /// Policy tier, written as its number.
    pub tier: Tier,
    /// The person (as the reports show users); empty for `tool` rows.
    pub user: String,
    /// RFC 3339 of the earliest event; empty when the events had no timestamp.
    pub first_seen: String,
}

/// What is new in `after` (the state once this run's data is in) against `before` (the state
/// as the run found it): tools first, then people, each by tool id and user. Pairs of tools
/// the catalogue no longer has are left out (the reports leave them out too).
pub fn new_rows(
    before: &SeenPairs,
    after: &SeenPairs,
    catalogue: &Catalogue,
    policy: &Policy,
    users: &Users,
) -> Vec<NewRow> {
    let known_tools: std::collections::HashSet<&str> =
        before.keys().map(|(_, t)| t.as_str()).collect();
    let mut new_tools: BTreeMap<&str, Option<i64>> = BTreeMap::new();
    let mut rows = Vec::new();
    for ((user, tool_id), &first) in after {
        if before.contains_key(&(user.clone(), tool_id.clone())) {
            continue;
        }
        let Some(t) = catalogue.tool_by_id(tool_id) else {
            continue;
        };
        let tier = policy.tier(t);
        if !known_tools.contains(tool_id.as_str()) {
            let f = new_tools.entry(tool_id.as_str()).or_insert(first);
            *f = match (*f, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if tier.number() >= 3 {
            rows.push(NewRow {
                kind: "user",
                tool_id: tool_id.clone(),
                tool: catalogue.tools[t as usize].name.clone(),
                tier,
                user: users.show(user),
                first_seen: first.map(fmt_rfc3339).unwrap_or_default(),
            });
        }
    }
    rows.sort_by(|a, b| (&a.tool_id, &a.user).cmp(&(&b.tool_id, &b.user)));
    let tools = new_tools.into_iter().filter_map(|(id, first)| {
        let t = catalogue.tool_by_id(id)?;
        Some(NewRow {
            kind: "tool",
            tool_id: id.to_string(),
            tool: catalogue.tools[t as usize].name.clone(),
            tier: policy.tier(t),
            user: String::new(),
            first_seen: first.map(fmt_rfc3339).unwrap_or_default(),
        })
    });
    tools.chain(rows).collect()
}

/// The header of `new-since-last-run.csv`.
const HEADER: [&str; 6] = ["kind", "tool_id", "tool", "tier", "user", "first_seen"];

fn write_csv(rows: &[NewRow], w: &mut dyn Write) -> anyhow::Result<()> {
    let mut out = CsvWriter::new(w);
    out.serialized(&HEADER, rows)?;
    out.flush()?;
    Ok(())
}

/// One row as an ECS object, like the other JSONL exports (see docs/siem.md).
fn ecs(catalogue: &Catalogue, r: &NewRow) -> Value {
    let mut m = Map::new();
    put_str(&mut m, "@timestamp", &r.first_seen);
    put(&mut m, "event.kind", "event");
    put(&mut m, "event.category", json!(["web"]));
    put(&mut m, "event.type", json!(["info"]));
    put(&mut m, "event.module", "shadowai");
    put(&mut m, "event.dataset", "shadowai.new_since_last_run");
    put(
        &mut m,
        "event.action",
        if r.kind == "tool" {
            "new-tool"
        } else {
            "new-user-of-tool"
        },
    );
    put_str(&mut m, "event.start", &r.first_seen);
    put_str(&mut m, "user.name", &r.user);
    if let Some(d) = primary_domain(catalogue, &r.tool_id) {
        put(&mut m, "url.domain", d);
    }
    put(&mut m, "shadowai.new.kind", r.kind);
    put(&mut m, "shadowai.tool.id", r.tool_id.as_str());
    put(&mut m, "shadowai.tool.name", r.tool.as_str());
    put(&mut m, "shadowai.tool.tier", r.tier.number());
    Value::Object(m)
}

/// The staged files of a `--state` run, created with the other outputs before anything is read.
pub struct NewOut(Staged);

impl NewOut {
    /// Creates the temporary file(s) in `dir`.
    pub fn create(dir: &Path, jsonl: bool) -> anyhow::Result<NewOut> {
        let names = if jsonl {
            &[CSV_FILE, JSONL_FILE][..]
        } else {
            &[CSV_FILE][..]
        };
        Ok(NewOut(Staged::create(dir, names.iter().copied())?))
    }

    /// Writes the rows and renames the files into place.
    pub fn write(self, rows: &[NewRow], catalogue: &Catalogue) -> anyhow::Result<()> {
        self.0.write_each(|i, w| {
            if i == 0 {
                return write_csv(rows, w);
            }
            for r in rows {
                serde_json::to_writer(&mut *w, &ecs(catalogue, r))?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
    }
}

/// The end-of-run line: how much is new.
pub fn summary_line(rows: &[NewRow]) -> String {
    let tools = rows.iter().filter(|r| r.kind == "tool").count();
    format!(
        "shadowai: new since the last run: {tools} tool(s), {} person × tier-3/4 tool pair(s) ({CSV_FILE})",
        rows.len() - tools
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_state_did_not_hold_and_people_only_on_tier_3_or_4() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let catalogue = Catalogue::embedded(&psl).unwrap();
        let policy = Policy {
            register: None,
            rows: vec![None; catalogue.tools.len()],
            upload_threshold: 1 << 20,
        };
        let pair = |u: &str, t: &str| (u.as_bytes().to_vec().into_boxed_slice(), t.to_string());
        let before: SeenPairs = [(pair("alice", "chatgpt"), Some(100))]
            .into_iter()
            .collect();
        let mut after = before.clone();
        after.insert(pair("bob", "chatgpt"), Some(300));
        after.insert(pair("bob", "claude"), Some(200));
        after.insert(pair("carol", "claude"), None);
        after.insert(pair("carol", "no-such-tool"), Some(1));
        let rows = new_rows(&before, &after, &catalogue, &policy, &Users::plain());
        let got: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.kind,
                    r.tool_id.as_str(),
                    r.user.as_str(),
                    r.first_seen.as_str(),
                )
            })
            .collect();
        // Without a register every tool is tier 4: every new pair is a `user` row.
        assert_eq!(
            got,
            vec![
                ("tool", "claude", "", "1970-01-01T00:03:20Z"),
                ("user", "chatgpt", "bob", "1970-01-01T00:05:00Z"),
                ("user", "claude", "bob", "1970-01-01T00:03:20Z"),
                ("user", "claude", "carol", ""),
            ]
        );
        assert!(new_rows(&after, &after, &catalogue, &policy, &Users::plain()).is_empty());
        assert_eq!(
            summary_line(&rows),
            "shadowai: new since the last run: 1 tool(s), 3 person × tier-3/4 tool pair(s) (new-since-last-run.csv)"
        );
    }
}
