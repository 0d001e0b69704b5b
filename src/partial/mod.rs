//! Partial aggregates: what `scan --emit-partial` writes and `merge` reads, so that shadowai can
//! be the map step of a distributed engine (Spark, a Kubernetes Indexed Job) and the reduce
//! step stays exact.
//!
//! # Format, version 3
//! UTF-8 text, one record per line, fields separated by TAB. Field 1 is the format version
//! (`2`), field 2 the record kind, then the kind's key fields, then its value fields. Every
//! line stands alone, so an engine may shuffle, split and regroup records freely: any multiset
//! of records is a valid partial, and merging combines records of equal kind and key with the
//! rules below, which are associative and commutative. A reader refuses a line of another
//! version (naming file and line) instead of guessing, and checks every record before it
//! combines it (`records::check`: counts that add up, times on their day, known names; see
//! docs/scaling-out.md "Validation"), so a damaged partial never reaches a report.
//!
//! Text fields are bytes from the logs: `%`, control bytes (TAB, LF, CR…), DEL and bytes that
//! are not UTF-8 are written `%XX` (upper-case hex); everything else as is. Numbers are
//! decimal; an empty number is "none" (an event without a timestamp has no day).
//!
//! | kind | key | values (merge rule) |
//! |---|---|---|
//! | `meta` | name | value (must agree) |
//! | `file` | path | format, gzip, lines, events, matched, ignored, skipped, out_of_window, examples, error, size, mtime, head_len, head_hash, consumed, tail_hash (an input may appear once) |
//! | `usage` | day, user, tool_id | events (sum), bytes_out (sum), first (min), last (max), incidental (sum) |
//! | `seen` | user, tool_id, device\|process, name | — |
//! | `cover` | source, day | — |
//! | `cand` | day, registrable domain, host, user | events (sum), first (min), last (max), reasons (bit or) |
//! | `day` | day | events (sum), first (min), last (max), attributed (sum), unattributed (sum) |
//! | `ipusage` | client, time, tool_id | events (sum), bytes_out (sum), incidental (sum) |
//! | `ipcand` | client, time, registrable domain, host | events (sum), reasons (bit or) |
//! | `ipseen` | client, time, tool_id, device\|process, name | — |
//!
//! `incidental` counts the events among `events` that are only incidental to the tool (an
//! embed, a shared link, a docs page: see `signatures::Evidence`); the others are use.
//!
//! `meta` names: `catalogue` (fingerprint of the patterns, roles, path rules and executables matched, see
//! [`Catalogue::matching_digest`]), `since` and `until` (Unix seconds or empty),
//! `keep-user-domain` (0/1), `identity` (`deferred`, or `applied` followed by LF and the
//! `--identity` files, one per line as `sha256sum` prints them: `HASH  PATH`). `examples` are `LINE:REASON` joined by LF.
//!
//! The `ip*` kinds hold events that name only a client address, at the second they happened,
//! when the scan had no `--identity`: a lease is an interval in time, so only the event time
//! lets `merge --identity` name the user exactly as `scan --identity` would have. Without
//! `--identity` they fold into `usage`, `cand` and `seen` under the address, as a scan does.
//! Passing `--identity` to the scans instead keeps partials small.

mod records;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use records::open;
use records::{
    CAND, COVER, DAY, FILE, IPCAND, IPSEEN, IPUSAGE, Key, META, Origins, RecordLine, SEEN, Sorted,
    USAGE, Val, bytes, day_key, escape, fields, i, int_field, join, key_day, key_int, parse_int, t,
    text, u,
};

use crate::aggregate::{Agg, Cell, FileStats};
use crate::event::SourceKind;
use crate::exit::UsageError;
use crate::hash::HashedFile;
use crate::identity::Identity;
use crate::pipeline::Scan;
use crate::signatures::{Catalogue, ToolId};
use crate::time::day_of;

/// A set of records, combined by key; written sorted, so equal contents are equal bytes.
#[derive(Debug, Default)]
pub struct Partial {
    records: BTreeMap<Key, Vec<Val>>,
    /// Where the records naming tools and settings were read, for errors found later.
    origins: Origins,
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
    /// The `--identity` files applied at scan time, with their SHA-256 (empty when not
    /// recorded); `None` when resolution was deferred.
    pub identity: Option<Vec<HashedFile>>,
}

/// A source kind by its report name.
fn source_kind(name: &[u8]) -> Option<SourceKind> {
    [SourceKind::Dns, SourceKind::Proxy, SourceKind::Endpoint]
        .into_iter()
        .find(|k| k.as_str().as_bytes() == name)
}

/// The `identity` meta value: `deferred`, or `applied` and the files, one per line as
/// `sha256sum` prints them (`HASH  PATH`), so a merged report's manifest names them as the
/// scan's would.
fn identity_value(files: Option<&[HashedFile]>) -> String {
    match files {
        None => "deferred".to_string(),
        Some(files) => std::iter::once("applied".to_string())
            .chain(files.iter().map(|f| format!("{}  {}", f.sha256, f.path)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// One file line of the `identity` meta value: `HASH  PATH`, or a bare path.
fn identity_file(line: &str) -> HashedFile {
    match line.split_once("  ") {
        Some((hash, path)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            HashedFile {
                path: path.to_string(),
                sha256: hash.to_string(),
            }
        }
        _ => HashedFile {
            path: line.to_string(),
            sha256: String::new(),
        },
    }
}

/// Writes the partial aggregate of a scan's results.
///
/// # Performance
/// Lines are formatted straight from the aggregates into one buffer and sorted there: the
/// scan's records have distinct keys, so nothing needs combining, and a partial of a million
/// records costs one sort instead of a million map insertions.
pub fn write_scan(
    scan: &Scan,
    catalogue: &Catalogue,
    meta: &Meta,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut out = Sorted::default();
    let mut line = RecordLine::default();
    let tool = |t: ToolId| catalogue.tools[t as usize].id.as_bytes();
    let identity = identity_value(meta.identity.as_deref());
    let keep = if meta.keep_user_domain { "1" } else { "0" };
    let (since, until) = (int_field(meta.since), int_field(meta.until));
    for (name, value) in [
        (
            "catalogue",
            meta.catalogue.as_deref().unwrap_or_default().as_bytes(),
        ),
        ("since", &since[..]),
        ("until", &until[..]),
        ("keep-user-domain", keep.as_bytes()),
        ("identity", identity.as_bytes()),
    ] {
        line.start(META);
        line.text(name.as_bytes());
        line.text(value);
        out.push(META, &mut line);
    }
    for f in one_per_path(&scan.files) {
        file_line(&mut line, &f);
        out.push(FILE, &mut line);
    }
    let agg = &scan.agg;
    for (k, c) in agg.usage.cells() {
        line.start(USAGE);
        line.int(k.day.map(i64::from));
        line.text(agg.usage.name(k.user));
        line.text(tool(k.tool));
        line.num(c.events);
        line.uploaded(c.bytes_out, c.bytes_measured);
        line.int(c.first);
        line.int(c.last);
        line.num(c.incidental);
        out.push(USAGE, &mut line);
    }
    let mut seen = |kind: u8, head: &dyn Fn(&mut RecordLine), s: &crate::aggregate::SeenOn| {
        for (what, set) in [("device", &s.devices), ("process", &s.processes)] {
            for v in set {
                head(&mut line);
                line.text(what.as_bytes());
                line.text(v);
                out.push(kind, &mut line);
            }
        }
    };
    for ((user, tid), s) in agg.usage.seen_on() {
        seen(
            SEEN,
            &|l: &mut RecordLine| {
                l.start(SEEN);
                l.text(agg.usage.name(*user));
                l.text(tool(*tid));
            },
            s,
        );
    }
    for ((ip, ts, tid), s) in &agg.deferred.seen_on {
        seen(
            IPSEEN,
            &|l: &mut RecordLine| {
                l.start(IPSEEN);
                l.text(ip);
                l.int(*ts);
                l.text(tool(*tid));
            },
            s,
        );
    }
    for (source, day) in &agg.coverage {
        line.start(COVER);
        line.text(source.as_str().as_bytes());
        line.int(Some(i64::from(*day)));
        out.push(COVER, &mut line);
    }
    for ((day, domain, host, user), (c, reasons)) in &agg.detail.candidates {
        line.start(CAND);
        line.int(day.map(i64::from));
        line.text(domain);
        line.text(host);
        line.text(user);
        line.num(c.events);
        line.int(c.first);
        line.int(c.last);
        line.num(u64::from(*reasons));
        out.push(CAND, &mut line);
    }
    for (day, d) in &agg.detail.days {
        line.start(DAY);
        line.int(day.map(i64::from));
        line.num(d.cell.events);
        line.int(d.cell.first);
        line.int(d.cell.last);
        line.num(d.attributed);
        line.num(d.unattributed);
        out.push(DAY, &mut line);
    }
    for ((ip, ts, tid), c) in &agg.deferred.usage {
        line.start(IPUSAGE);
        line.text(ip);
        line.int(*ts);
        line.text(tool(*tid));
        line.num(c.events);
        line.uploaded(c.bytes_out, c.bytes_measured);
        line.num(c.incidental);
        out.push(IPUSAGE, &mut line);
    }
    for ((ip, ts, domain, host), (events, reasons)) in &agg.deferred.candidates {
        line.start(IPCAND);
        line.text(ip);
        line.int(*ts);
        line.text(domain);
        line.text(host);
        line.num(*events);
        line.num(u64::from(*reasons));
        out.push(IPCAND, &mut line);
    }
    out.write(w)
}

/// The scan's files with one entry per path, in first-seen order. The walk yields each file
/// once, but two walk errors may name one path: one record with both counts, never two records
/// of one input. Found by hash, not by searching the list, since a scan may read 100,000 files.
fn one_per_path(files: &[FileStats]) -> Vec<FileStats> {
    let mut index: HashMap<&Path, usize> = HashMap::with_capacity(files.len());
    let mut out: Vec<FileStats> = Vec::with_capacity(files.len());
    for f in files {
        match index.get(f.path.as_path()) {
            Some(&i) => out[i].merge_chunk(f, 0),
            None => {
                index.insert(&f.path, out.len());
                out.push(f.clone());
            }
        }
    }
    out
}

/// A file's `file` record.
fn file_line(line: &mut RecordLine, f: &FileStats) {
    let examples = f
        .examples
        .iter()
        .map(|(n, why)| format!("{n}:{why}"))
        .collect::<Vec<_>>()
        .join("\n");
    line.start(FILE);
    line.text(crate::paths::to_bytes(&f.path));
    line.text(f.format.unwrap_or_default().as_bytes());
    line.num(u64::from(f.gzip));
    for n in [
        f.lines,
        f.events,
        f.matched,
        f.ignored,
        f.skipped,
        f.out_of_window,
    ] {
        line.num(n);
    }
    line.text(examples.as_bytes());
    line.text(f.error.as_deref().unwrap_or_default().as_bytes());
    line.int(f.size.and_then(|s| i64::try_from(s).ok()));
    line.int(f.mtime);
    let id = f.stream.as_ref();
    let n = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok());
    line.int(n(id.map(|s| s.head_len)));
    line.text(id.map_or(&b""[..], |s| s.head_hash.as_bytes()));
    line.int(n(id.map(|s| s.consumed)));
    line.text(id.map_or(&b""[..], |s| s.tail_hash.as_bytes()));
    line.text(f.sha256.as_deref().unwrap_or_default().as_bytes());
}

impl Partial {
    /// The settings recorded in the partial; `None` for a setting no record names (a
    /// subset of records split off by an engine). Every `meta` record was checked when read,
    /// so each value has its setting's form.
    pub fn meta(&self) -> Meta {
        let get = |name: &str| {
            self.records
                .get(&(META, escape(name.as_bytes())))
                .and_then(|v| v.first())
                .map(t)
        };
        let text_of = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        let int_of = |name: &str| get(name).and_then(|v| parse_int(&v).ok().flatten());
        let identity = get("identity").map(text_of);
        let identity = match identity.as_deref() {
            None | Some("deferred") => None,
            Some(v) => Some(v.split('\n').skip(1).map(identity_file).collect()),
        };
        Meta {
            catalogue: get("catalogue").map(text_of).filter(|s| !s.is_empty()),
            since: int_of("since"),
            until: int_of("until"),
            keep_user_domain: get("keep-user-domain").is_some_and(|v| v == b"1"),
            identity,
        }
    }

    /// `FILE:LINE` of the first `meta` record of setting `name` read, to name the partial a
    /// setting came from.
    pub fn meta_origin(&self, name: &str) -> Option<String> {
        self.origins.meta(name)
    }

    /// Names the users of deferred client-address records: through `identity` at the event
    /// time when given (counting attributed and unattributed events as a scan does), else the
    /// address itself. Afterwards the partial has no `ip*` records and, with an identity,
    /// says it was applied.
    pub fn resolve(&mut self, identity: Option<&Identity>) {
        // The client-address kinds sort last.
        let deferred = self.records.split_off(&(IPUSAGE, Box::default()));
        for ((kind, key), values) in deferred {
            let key = fields(&key);
            let ip = bytes(key[0]);
            let ts = key_int(key[1]);
            let leased = identity.and_then(|id| id.lookup(&ip, ts));
            let user = escape(leased.unwrap_or(&ip));
            let day = day_key(ts.map(day_of));
            match kind {
                IPUSAGE => {
                    let events = values[0].clone();
                    self.put(
                        USAGE,
                        &[&day, &user, key[2]],
                        vec![
                            events.clone(),
                            values[1].clone(),
                            Val::N(ts),
                            Val::N(ts),
                            values[2].clone(),
                        ],
                    );
                    if identity.is_some() {
                        let zero = Val::N(Some(0));
                        let (a, n) = if leased.is_some() {
                            (events, zero.clone())
                        } else {
                            (zero.clone(), events)
                        };
                        self.put(DAY, &[&day], vec![zero, Val::N(None), Val::N(None), a, n]);
                    }
                }
                IPCAND => self.put(
                    CAND,
                    &[&day, key[2], key[3], &user],
                    vec![values[0].clone(), Val::N(ts), Val::N(ts), values[1].clone()],
                ),
                _ => self.put(SEEN, &[&user, key[2], key[3], key[4]], Vec::new()),
            }
        }
        if let Some(id) = identity {
            self.records.insert(
                (META, escape(b"identity")),
                vec![text(identity_value(Some(&id.files)).as_bytes())],
            );
        }
    }

    /// Keeps the [`crate::aggregate::MAX_SEEN`] smallest names per user × tool × kind (by
    /// their bytes, as a scan keeps them), so a merged partial stays as small as a scanned one.
    pub fn cap_seen(&mut self) {
        // (kind, user × tool × kind) → (name's bytes, record key)
        let mut groups: BTreeMap<Key, Vec<(Vec<u8>, Key)>> = BTreeMap::new();
        for (kind, key) in self.records.keys() {
            let cut = match *kind {
                SEEN => 3,
                IPSEEN => 4,
                _ => continue,
            };
            let f = fields(key);
            groups
                .entry((*kind, join(&f[..cut])))
                .or_default()
                .push((bytes(f[cut]), (*kind, key.clone())));
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
    /// `Report::build` or the state: tool ids are looked up in `catalogue`.
    pub fn into_scan(self, catalogue: &Catalogue) -> anyhow::Result<Scan> {
        let ids: std::collections::HashMap<&[u8], ToolId> = catalogue
            .tools
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((t.id.as_bytes(), ToolId::try_from(i).ok()?)))
            .collect();
        let origins = &self.origins;
        let tool = |k: &[u8]| -> anyhow::Result<ToolId> {
            let id = bytes(k);
            ids.get(id.as_slice()).copied().ok_or_else(|| {
                let at = origins.tool(k).map(|at| format!("{at}: ")).unwrap_or_default();
                UsageError(format!(
                    "{at}tool `{}` is not in this catalogue: give merge the same --signatures and --register as the scans",
                    String::from_utf8_lossy(&id)
                ))
                .into()
            })
        };
        let mut agg = Agg::default();
        let mut files = Vec::new();
        for ((kind, key), v) in self.records {
            let key = fields(&key);
            match kind {
                FILE => files.push(file_stats(crate::paths::from_bytes(&bytes(key[0])), &v)),
                USAGE => {
                    let cell = Cell {
                        events: u(&v[0]),
                        bytes_out: u(&v[1]),
                        first: i(&v[2]),
                        last: i(&v[3]),
                        incidental: u(&v[4]),
                        bytes_measured: matches!(v[1], Val::N(Some(_))),
                    };
                    agg.usage
                        .add_cell(&bytes(key[1]), tool(key[2])?, key_day(key[0]), &cell);
                }
                SEEN => {
                    let (user, value) = (bytes(key[0]), bytes(key[3]));
                    let t = tool(key[1])?;
                    if bytes(key[2]) == b"device" {
                        agg.usage.add_seen_on(&user, t, Some(&value), None);
                    } else {
                        agg.usage.add_seen_on(&user, t, None, Some(&value));
                    }
                }
                COVER => {
                    if let (Some(s), Some(d)) = (source_kind(&bytes(key[0])), key_day(key[1])) {
                        agg.coverage.insert((s, d));
                    }
                }
                CAND => {
                    let cell = Cell {
                        events: u(&v[0]),
                        first: i(&v[1]),
                        last: i(&v[2]),
                        ..Cell::default()
                    };
                    let reasons = u32::try_from(u(&v[3])).unwrap_or(0);
                    let (domain, host, user) = (bytes(key[1]), bytes(key[2]), bytes(key[3]));
                    agg.add_candidate_row(&domain, &host, &user, &cell, reasons);
                    let k = (
                        key_day(key[0]),
                        domain.into_boxed_slice(),
                        host.into_boxed_slice(),
                        user.into_boxed_slice(),
                    );
                    let d = agg.detail.candidates.entry(k).or_default();
                    d.0.merge(&cell);
                    d.1 |= reasons;
                }
                DAY => {
                    let day = key_day(key[0]);
                    let cell = Cell {
                        events: u(&v[0]),
                        first: i(&v[1]),
                        last: i(&v[2]),
                        ..Cell::default()
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
        warning: None,
        sha256: Some(String::from_utf8_lossy(&t(&v[16])).into_owned()).filter(|h| !h.is_empty()),
        duplicate: None,
        size: i(&v[10]).and_then(|s| u64::try_from(s).ok()),
        mtime: i(&v[11]),
        stream: match (i(&v[12]), i(&v[14])) {
            (Some(head_len), Some(consumed)) => Some(crate::aggregate::StreamId {
                head_len: u64::try_from(head_len).unwrap_or(0),
                head_hash: String::from_utf8_lossy(&t(&v[13])).into_owned(),
                consumed: u64::try_from(consumed).unwrap_or(0),
                tail_hash: String::from_utf8_lossy(&t(&v[15])).into_owned(),
            }),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::records::tests::{read, written};
    use super::*;

    #[test]
    fn a_written_scan_reads_back_to_the_same_bytes() {
        let mut agg = Agg::default();
        agg.usage.add(
            b"al\tice",
            0,
            Some(100),
            Some(5),
            crate::signatures::Evidence::Use,
        );
        agg.usage
            .add(b"a", 1, None, None, crate::signatures::Evidence::Incidental);
        agg.usage
            .add_seen_on(b"a", 1, Some(b"pc\xff"), Some(b"chrome.exe"));
        agg.detail.candidates.insert(
            (
                Some(0),
                b"x.ai"[..].into(),
                b"a.x.ai"[..].into(),
                b"a"[..].into(),
            ),
            (Cell::default(), 3),
        );
        agg.deferred.usage.insert(
            (b"10.0.0.1"[..].into(), Some(7), 0),
            crate::aggregate::DeferredCount {
                events: 2,
                bytes_out: 0,
                bytes_measured: false,
                incidental: 1,
            },
        );
        let scan = Scan {
            agg,
            files: vec![FileStats {
                path: PathBuf::from("logs/a b.log"),
                lines: 1,
                skipped: 1,
                examples: vec![(3, "bad timestamp".into())],
                ..FileStats::default()
            }],
        };
        let psl = crate::discovery::load_psl(None).unwrap();
        let catalogue = Catalogue::embedded(&psl).unwrap();
        let mut text = Vec::new();
        write_scan(&scan, &catalogue, &Meta::default(), &mut text).unwrap();
        let mut p = Partial::default();
        p.read("t", &text[..]).unwrap();
        let mut again = Vec::new();
        p.write(&mut again).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&text),
            String::from_utf8_lossy(&again)
        );
        let round = p.into_scan(&catalogue);
        assert!(round.is_err(), "ip records must be resolved first");
        let mut p = Partial::default();
        p.read("t", &text[..]).unwrap();
        p.resolve(None);
        let round = p.into_scan(&catalogue).unwrap();
        assert_eq!(
            round.files[0].examples,
            vec![(3, "bad timestamp".to_string())]
        );
        let cell = |user: &[u8], tool, day| *round.agg.usage.get(user, tool, day).unwrap();
        assert_eq!(cell(b"al\tice", 0, Some(0)).bytes_out, 5);
        assert_eq!(cell(b"10.0.0.1", 0, Some(0)).events, 2);
        assert_eq!(cell(b"10.0.0.1", 0, Some(0)).incidental, 1);
        assert_eq!(cell(b"a", 1, None).incidental, 1);
        assert_eq!(round.agg.candidates[&b"x.ai"[..]].reasons.0, 3);
    }

    #[test]
    fn each_path_gives_one_file_record_with_the_counts_of_all_its_entries() {
        let stats = |path: &str, lines: u64, error: Option<&str>| FileStats {
            path: PathBuf::from(path),
            lines,
            skipped: lines,
            error: error.map(str::to_string),
            ..FileStats::default()
        };
        let files: Vec<FileStats> = (0..3_000)
            .map(|i| stats(&format!("logs/{i}.log"), 1, None))
            .chain([
                stats("logs/7.log", 2, Some("read error")),
                stats("logs//7.log", 4, None),
            ])
            .collect();
        let one = one_per_path(&files);
        assert_eq!(one.len(), 3_000);
        assert!(
            one.iter()
                .enumerate()
                .all(|(i, f)| f.path == Path::new(&format!("logs/{i}.log")))
        );
        let seven = &one[7];
        assert_eq!((seven.lines, seven.skipped), (7, 7));
        assert_eq!(seven.error.as_deref(), Some("read error"));
    }

    #[test]
    fn seen_names_are_capped_per_user_and_tool_by_their_bytes() {
        let mut text = String::new();
        for n in 0..12 {
            // %FF (a non-UTF-8 byte) sorts after every letter as a byte, before them escaped.
            let name = if n == 0 {
                "%FF".to_string()
            } else {
                format!("d{n:02}")
            };
            text.push_str(&format!("3\tseen\tab\tc\tdevice\t{name}\n"));
        }
        text.push_str("3\tseen\ta\tbc\tdevice\tzz\n");
        let mut p = read(&text).unwrap();
        p.cap_seen();
        let out = written(&p);
        assert!(
            out.contains("\ta\tbc\tdevice\tzz\n"),
            "another user × tool keeps its name"
        );
        assert!(!out.contains("%FF"), "the largest bytes go first: {out}");
        assert!(out.contains("d08") && !out.contains("d09"), "{out}");
    }

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
        let text = "3\tipusage\t10.0.0.5\t1500\tchatgpt\t2\t0\t1\n3\tipusage\t10.0.0.5\t2500\tchatgpt\t1\t9\t0\n3\tipusage\t10.0.0.9\t2500\tchatgpt\t4\t0\t4\n";
        let mut p = read(text).unwrap();
        p.resolve(Some(&id));
        let out = written(&p);
        assert!(
            out.contains("3\tusage\t0\talice\tchatgpt\t2\t0\t1500\t1500\t1\n"),
            "{out}"
        );
        assert!(
            out.contains("3\tusage\t0\tbob\tchatgpt\t1\t9\t2500\t2500\t0\n"),
            "{out}"
        );
        assert!(
            out.contains("3\tusage\t0\t10.0.0.9\tchatgpt\t4\t0\t2500\t2500\t4\n"),
            "{out}"
        );
        assert!(out.contains("3\tday\t0\t0\t\t\t3\t4\n"), "{out}");
        // The meta names the lease file with its hash, as `sha256sum` would.
        assert_eq!(p.meta().identity, Some(id.files.clone()));
        assert_eq!(id.files[0].sha256.len(), 64);
        let mut plain = read(text).unwrap();
        plain.resolve(None);
        assert!(written(&plain).contains("3\tusage\t0\t10.0.0.5\tchatgpt\t3\t9\t1500\t2500\t1\n"));
        assert_eq!(plain.meta().identity, None);
    }
}
