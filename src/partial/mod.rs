//! Partial aggregates: what `scan --emit-partial` writes and `merge` reads, so that shadowai can
//! be the map step of a distributed engine (Spark, a Kubernetes Indexed Job) and the reduce
//! step stays exact.
//!
//! # Format, version 1
//! UTF-8 text, one record per line, fields separated by TAB. Field 1 is the format version
//! (`1`), field 2 the record kind, then the kind's key fields, then its value fields. Every
//! line stands alone, so an engine may shuffle, split and regroup records freely: any multiset
//! of records is a valid partial, and merging combines records of equal kind and key with the
//! rules below, which are associative and commutative. A reader refuses a line of another
//! version (naming file and line) instead of guessing.
//!
//! Text fields are bytes from the logs: `%`, control bytes (TAB, LF, CR…), DEL and bytes that
//! are not UTF-8 are written `%XX` (upper-case hex); everything else as is. Numbers are
//! decimal; an empty number is "none" (an event without a timestamp has no day).
//!
//! | kind | key | values (merge rule) |
//! |---|---|---|
//! | `meta` | name | value (must agree) |
//! | `file` | path | format, gzip, lines, events, matched, ignored, skipped, out_of_window, examples, error, size, mtime (an input may appear once) |
//! | `usage` | day, user, tool_id | events (sum), bytes_out (sum), first (min), last (max) |
//! | `seen` | user, tool_id, device\|process, name | — |
//! | `cover` | source, day | — |
//! | `cand` | day, registrable domain, host, user | events (sum), first (min), last (max), reasons (bit or) |
//! | `day` | day | events (sum), first (min), last (max), attributed (sum), unattributed (sum) |
//! | `ipusage` | client, time, tool_id | events (sum), bytes_out (sum) |
//! | `ipcand` | client, time, registrable domain, host | events (sum), reasons (bit or) |
//! | `ipseen` | client, time, tool_id, device\|process, name | — |
//!
//! `meta` names: `catalogue` (fingerprint of the patterns and executables matched, see
//! [`Catalogue::matching_digest`]), `since` and `until` (Unix seconds or empty),
//! `keep-user-domain` (0/1), `identity` (`deferred`, or `applied` followed by LF and the
//! `--identity` files). `examples` are `LINE:REASON` joined by LF.
//!
//! The `ip*` kinds hold events that name only a client address, at the second they happened,
//! when the scan had no `--identity`: a lease is an interval in time, so only the event time
//! lets `merge --identity` name the user exactly as `scan --identity` would have. Without
//! `--identity` they fold into `usage`, `cand` and `seen` under the address, as a scan does.
//! Passing `--identity` to the scans instead keeps partials small.

mod records;

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use records::{
    CAND, COVER, DAY, FILE, IPCAND, IPSEEN, IPUSAGE, Key, META, SEEN, USAGE, Val, bytes, day_key,
    escape, i, int_field, key_day, key_int, num, parse_int, t, text, u,
};
pub use records::{VERSION, open};

use crate::aggregate::{Agg, Cell, FileStats};
use crate::event::SourceKind;
use crate::exit::UsageError;
use crate::identity::Identity;
use crate::pipeline::Scan;
use crate::signatures::{Catalogue, ToolId};
use crate::time::day_of;

/// A set of records, combined by key; written sorted, so equal contents are equal bytes.
#[derive(Debug, Default)]
pub struct Partial {
    records: BTreeMap<Key, Vec<Val>>,
}

/// The settings a partial was scanned with, which every partial merged must share.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Meta {
    /// [`Catalogue::matching_digest`] of the scan's catalogue.
    pub catalogue: Option<String>,
    /// `--since`.
    pub since: Option<i64>,
    /// `--until`.
    pub until: Option<i64>,
    /// `--keep-user-domain`.
    pub keep_user_domain: bool,
    /// The `--identity` files applied at scan time; `None` when resolution was deferred.
    pub identity: Option<Vec<String>>,
}

/// A source kind by its report name.
fn source_kind(name: &[u8]) -> Option<SourceKind> {
    [SourceKind::Dns, SourceKind::Proxy, SourceKind::Endpoint]
        .into_iter()
        .find(|k| k.as_str().as_bytes() == name)
}

impl Partial {
    /// The partial aggregate of a scan's results.
    pub fn from_scan(scan: &Scan, catalogue: &Catalogue, meta: &Meta) -> Partial {
        let mut p = Partial::default();
        p.put_meta(meta);
        for f in &scan.files {
            p.put_file(f);
        }
        let tool = |t: ToolId| escape(catalogue.tools[usize::from(t)].id.as_bytes());
        let agg = &scan.agg;
        for (user, cells) in &agg.usage {
            for (&(tid, day), c) in cells {
                p.put(
                    USAGE,
                    vec![day_key(day), escape(user), tool(tid)],
                    vec![
                        num(c.events),
                        num(c.bytes_out),
                        Val::N(c.first),
                        Val::N(c.last),
                    ],
                );
            }
        }
        for ((user, tid), s) in &agg.seen_on {
            for (kind, set) in [("device", &s.devices), ("process", &s.processes)] {
                for v in set {
                    p.put(
                        SEEN,
                        vec![escape(user), tool(*tid), escape(kind.as_bytes()), escape(v)],
                        Vec::new(),
                    );
                }
            }
        }
        for (source, day) in &agg.coverage {
            p.put(
                COVER,
                vec![escape(source.as_str().as_bytes()), day_key(Some(*day))],
                Vec::new(),
            );
        }
        for ((day, domain, host, user), (c, reasons)) in &agg.detail.candidates {
            p.put(
                CAND,
                vec![day_key(*day), escape(domain), escape(host), escape(user)],
                vec![
                    num(c.events),
                    Val::N(c.first),
                    Val::N(c.last),
                    num(u64::from(*reasons)),
                ],
            );
        }
        for (day, d) in &agg.detail.days {
            p.put(
                DAY,
                vec![day_key(*day)],
                vec![
                    num(d.cell.events),
                    Val::N(d.cell.first),
                    Val::N(d.cell.last),
                    num(d.attributed),
                    num(d.unattributed),
                ],
            );
        }
        let deferred = &agg.deferred;
        for ((ip, ts, tid), (events, bytes_out)) in &deferred.usage {
            p.put(
                IPUSAGE,
                vec![escape(ip), int_field(*ts), tool(*tid)],
                vec![num(*events), num(*bytes_out)],
            );
        }
        for ((ip, ts, domain, host), (events, reasons)) in &deferred.candidates {
            p.put(
                IPCAND,
                vec![escape(ip), int_field(*ts), escape(domain), escape(host)],
                vec![num(*events), num(u64::from(*reasons))],
            );
        }
        for ((ip, ts, tid), s) in &deferred.seen_on {
            for (kind, set) in [("device", &s.devices), ("process", &s.processes)] {
                for v in set {
                    p.put(
                        IPSEEN,
                        vec![
                            escape(ip),
                            int_field(*ts),
                            tool(*tid),
                            escape(kind.as_bytes()),
                            escape(v),
                        ],
                        Vec::new(),
                    );
                }
            }
        }
        p
    }

    fn put_meta(&mut self, meta: &Meta) {
        let mut entry = |name: &str, value: &[u8]| {
            self.put(META, vec![escape(name.as_bytes())], vec![text(value)]);
        };
        entry(
            "catalogue",
            meta.catalogue.as_deref().unwrap_or_default().as_bytes(),
        );
        entry("since", &int_field(meta.since));
        entry("until", &int_field(meta.until));
        entry(
            "keep-user-domain",
            if meta.keep_user_domain { b"1" } else { b"0" },
        );
        let identity = match &meta.identity {
            None => "deferred".to_string(),
            Some(files) => std::iter::once("applied".to_string())
                .chain(files.iter().cloned())
                .collect::<Vec<_>>()
                .join("\n"),
        };
        entry("identity", identity.as_bytes());
    }

    fn put_file(&mut self, f: &FileStats) {
        let (key, values) = file_record(f);
        if self.add(FILE, key.clone(), values).is_err()
            && let Some(v) = self.records.get_mut(&(FILE, key))
        {
            // The walk yields each file once, but two walk errors may name one path: keep
            // both counts under it rather than drop one.
            let mut stats = file_stats(f.path.clone(), v);
            stats.merge_chunk(f, 0);
            *v = file_record(&stats).1;
        }
    }

    /// The settings recorded in the partial; `None` for a setting no record names (a
    /// subset of records split off by an engine).
    pub fn meta(&self) -> anyhow::Result<Meta> {
        let get = |name: &str| {
            self.records
                .get(&(META, vec![escape(name.as_bytes())]))
                .and_then(|v| v.first())
                .map(t)
        };
        let text_of = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        let int_of = |name: &str| -> anyhow::Result<Option<i64>> {
            match get(name) {
                None => Ok(None),
                Some(v) => {
                    parse_int(&v).map_err(|()| anyhow::anyhow!("meta `{name}` is not a number"))
                }
            }
        };
        let identity = get("identity").map(text_of);
        let identity = match identity.as_deref() {
            None | Some("deferred") => None,
            Some(v) => Some(v.split('\n').skip(1).map(str::to_string).collect()),
        };
        Ok(Meta {
            catalogue: get("catalogue").map(text_of).filter(|s| !s.is_empty()),
            since: int_of("since")?,
            until: int_of("until")?,
            keep_user_domain: get("keep-user-domain").is_some_and(|v| v == b"1"),
            identity,
        })
    }

    /// Names the users of deferred client-address records: through `identity` at the event
    /// time when given (counting attributed and unattributed events as a scan does), else the
    /// address itself. Afterwards the partial has no `ip*` records and, with an identity,
    /// says it was applied.
    pub fn resolve(&mut self, identity: Option<(&Identity, &[String])>) {
        // The client-address kinds sort last.
        let deferred = self.records.split_off(&(IPUSAGE, Vec::new()));
        for ((kind, key), values) in deferred {
            let ip = bytes(&key[0]);
            let ts = key_int(&key[1]);
            let leased = identity.and_then(|(id, _)| id.lookup(&ip, ts));
            let user = escape(leased.unwrap_or(&ip));
            let day = day_key(ts.map(day_of));
            match kind {
                IPUSAGE => {
                    let events = values[0].clone();
                    self.put(
                        USAGE,
                        vec![day.clone(), user, key[2].clone()],
                        vec![events.clone(), values[1].clone(), Val::N(ts), Val::N(ts)],
                    );
                    if identity.is_some() {
                        let (a, n) = if leased.is_some() {
                            (events, Val::N(Some(0)))
                        } else {
                            (Val::N(Some(0)), events)
                        };
                        self.put(
                            DAY,
                            vec![day],
                            vec![Val::N(Some(0)), Val::N(None), Val::N(None), a, n],
                        );
                    }
                }
                IPCAND => self.put(
                    CAND,
                    vec![day, key[2].clone(), key[3].clone(), user],
                    vec![values[0].clone(), Val::N(ts), Val::N(ts), values[1].clone()],
                ),
                _ => self.put(
                    SEEN,
                    vec![user, key[2].clone(), key[3].clone(), key[4].clone()],
                    Vec::new(),
                ),
            }
        }
        if let Some((_, files)) = identity {
            let value = std::iter::once("applied")
                .chain(files.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("\n");
            self.records.insert(
                (META, vec![escape(b"identity")]),
                vec![text(value.as_bytes())],
            );
        }
    }

    /// Keeps the [`crate::aggregate::MAX_SEEN`] smallest names per user × tool × kind (by
    /// their bytes, as a scan keeps them), so a merged partial stays as small as a scanned one.
    pub fn cap_seen(&mut self) {
        let mut groups: BTreeMap<Key, Vec<(Vec<u8>, Key)>> = BTreeMap::new();
        for (kind, key) in self.records.keys() {
            let cut = match *kind {
                SEEN => 3,
                IPSEEN => 4,
                _ => continue,
            };
            groups
                .entry((*kind, key[..cut].to_vec()))
                .or_default()
                .push((bytes(&key[cut]), (*kind, key.clone())));
        }
        for (_, mut names) in groups {
            if names.len() > crate::aggregate::MAX_SEEN {
                names.sort();
                for (_, k) in &names[crate::aggregate::MAX_SEEN..] {
                    self.records.remove(k);
                }
            }
        }
    }

    /// The aggregates and file list of a fully resolved partial, for
    /// [`crate::report::Report::build`] or the state: tool ids are looked up in `catalogue`.
    pub fn into_scan(self, catalogue: &Catalogue) -> anyhow::Result<Scan> {
        let ids: std::collections::HashMap<&[u8], ToolId> = catalogue
            .tools
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((t.id.as_bytes(), ToolId::try_from(i).ok()?)))
            .collect();
        let tool = |k: &[u8]| -> anyhow::Result<ToolId> {
            let id = bytes(k);
            ids.get(id.as_slice()).copied().ok_or_else(|| {
                UsageError(format!(
                    "the partials name tool `{}`, which this catalogue lacks: give merge the same --signatures and --register as the scans",
                    String::from_utf8_lossy(&id)
                ))
                .into()
            })
        };
        let mut agg = Agg::default();
        let mut files = Vec::new();
        for ((kind, key), v) in self.records {
            match kind {
                FILE => files.push(file_stats(
                    PathBuf::from(std::ffi::OsStr::from_bytes(&bytes(&key[0]))),
                    &v,
                )),
                USAGE => {
                    let cell = Cell {
                        events: u(&v[0]),
                        bytes_out: u(&v[1]),
                        first: i(&v[2]),
                        last: i(&v[3]),
                    };
                    agg.usage
                        .entry(bytes(&key[1]).into_boxed_slice())
                        .or_default()
                        .entry((tool(&key[2])?, key_day(&key[0])))
                        .or_default()
                        .merge(&cell);
                }
                SEEN => {
                    let (user, value) = (bytes(&key[0]), bytes(&key[3]));
                    let t = tool(&key[1])?;
                    if bytes(&key[2]) == b"device" {
                        agg.add_seen_on(&user, t, Some(&value), None);
                    } else {
                        agg.add_seen_on(&user, t, None, Some(&value));
                    }
                }
                COVER => {
                    if let (Some(s), Some(d)) = (source_kind(&bytes(&key[0])), key_day(&key[1])) {
                        agg.coverage.insert((s, d));
                    }
                }
                CAND => {
                    let cell = Cell {
                        events: u(&v[0]),
                        bytes_out: 0,
                        first: i(&v[1]),
                        last: i(&v[2]),
                    };
                    let reasons = u32::try_from(u(&v[3])).unwrap_or(0);
                    let (domain, host, user) = (bytes(&key[1]), bytes(&key[2]), bytes(&key[3]));
                    agg.add_candidate_row(&domain, &host, &user, &cell, reasons);
                    let k = (
                        key_day(&key[0]),
                        domain.into_boxed_slice(),
                        host.into_boxed_slice(),
                        user.into_boxed_slice(),
                    );
                    let d = agg.detail.candidates.entry(k).or_default();
                    d.0.merge(&cell);
                    d.1 |= reasons;
                }
                DAY => {
                    let day = key_day(&key[0]);
                    let cell = Cell {
                        events: u(&v[0]),
                        bytes_out: 0,
                        first: i(&v[1]),
                        last: i(&v[2]),
                    };
                    if day.is_some() {
                        agg.window.merge(&Cell { events: 0, ..cell });
                    }
                    let (attributed, unattributed) = (u(&v[3]), u(&v[4]));
                    agg.attributed += attributed;
                    agg.unattributed += unattributed;
                    let d = agg.detail.days.entry(day).or_default();
                    d.cell.merge(&cell);
                    d.attributed += attributed;
                    d.unattributed += unattributed;
                }
                IPUSAGE | IPCAND | IPSEEN => {
                    anyhow::bail!("internal error: client-address records left unresolved")
                }
                _ => {}
            }
        }
        crate::aggregate::sort_files(&mut files);
        Ok(Scan { agg, files })
    }
}

/// A file's `file` record: its key and values.
fn file_record(f: &FileStats) -> (Vec<Box<[u8]>>, Vec<Val>) {
    let examples = f
        .examples
        .iter()
        .map(|(line, why)| format!("{line}:{why}"))
        .collect::<Vec<_>>()
        .join("\n");
    let values = vec![
        text(f.format.unwrap_or_default().as_bytes()),
        num(u64::from(f.gzip)),
        num(f.lines),
        num(f.events),
        num(f.matched),
        num(f.ignored),
        num(f.skipped),
        num(f.out_of_window),
        text(examples.as_bytes()),
        text(f.error.as_deref().unwrap_or_default().as_bytes()),
        Val::N(f.size.and_then(|s| i64::try_from(s).ok())),
        Val::N(f.mtime),
    ];
    (vec![escape(f.path.as_os_str().as_bytes())], values)
}

/// A `file` record's values as statistics.
fn file_stats(path: PathBuf, v: &[Val]) -> FileStats {
    let format = t(&v[0]);
    let examples = t(&v[8]);
    let error = t(&v[9]);
    FileStats {
        path,
        format: std::str::from_utf8(&format)
            .ok()
            .and_then(crate::formats::by_name)
            .map(|f| f.name()),
        gzip: u(&v[1]) != 0,
        lines: u(&v[2]),
        events: u(&v[3]),
        matched: u(&v[4]),
        ignored: u(&v[5]),
        skipped: u(&v[6]),
        out_of_window: u(&v[7]),
        examples: String::from_utf8_lossy(&examples)
            .split('\n')
            .filter_map(|e| {
                let (line, why) = e.split_once(':')?;
                Some((line.parse().ok()?, why.to_string()))
            })
            .collect(),
        error: (!error.is_empty()).then(|| String::from_utf8_lossy(&error).into_owned()),
        size: i(&v[10]).and_then(|s| u64::try_from(s).ok()),
        mtime: i(&v[11]),
    }
}

#[cfg(test)]
mod tests {
    use super::records::tests::{read, written};
    use super::*;

    #[test]
    fn deferred_addresses_resolve_through_leases_at_the_event_time() {
        let dir = tempfile::tempdir().unwrap();
        let leases = dir.path().join("leases.csv");
        std::fs::write(
            &leases,
            "ip,user,start,end\n10.0.0.5,alice,1000,1999\n10.0.0.5,bob,2000,2999\n",
        )
        .unwrap();
        let id = Identity::read(&[leases]).unwrap();
        let text = "1\tipusage\t10.0.0.5\t1500\tchatgpt\t2\t0\n1\tipusage\t10.0.0.5\t2500\tchatgpt\t1\t9\n1\tipusage\t10.0.0.9\t2500\tchatgpt\t4\t0\n";
        let mut p = read(text).unwrap();
        p.resolve(Some((&id, &["leases.csv".to_string()])));
        let out = written(&p);
        assert!(
            out.contains("1\tusage\t0\talice\tchatgpt\t2\t0\t1500\t1500\n"),
            "{out}"
        );
        assert!(
            out.contains("1\tusage\t0\tbob\tchatgpt\t1\t9\t2500\t2500\n"),
            "{out}"
        );
        assert!(
            out.contains("1\tusage\t0\t10.0.0.9\tchatgpt\t4\t0\t2500\t2500\n"),
            "{out}"
        );
        assert!(out.contains("1\tday\t0\t0\t\t\t3\t4\n"), "{out}");
        assert_eq!(
            p.meta().unwrap().identity,
            Some(vec!["leases.csv".to_string()])
        );
        let mut plain = read(text).unwrap();
        plain.resolve(None);
        assert!(written(&plain).contains("1\tusage\t0\t10.0.0.5\tchatgpt\t3\t9\t1500\t2500\n"));
        assert_eq!(plain.meta().unwrap().identity, None);
    }
}
