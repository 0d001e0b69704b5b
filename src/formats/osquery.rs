//! osquery result logs (`osqueryd.results.log`, the filesystem logger plugin, and the same
//! JSON shipped by other logger plugins): one scheduled-query result per line.
//!
//! Spec: <https://osquery.readthedocs.io/en/stable/deployment/logging/>. Differential lines are
//! `{"name", "hostIdentifier", "calendarTime", "unixTime", "action": "added"|"removed",
//! "columns": {…}, "decorations": {…}}`; snapshot lines carry `"snapshot": [{…}, …]` instead.
//! Which columns exist depends on the query; for DNS/socket-style queries
//! (`process_open_sockets` joined with `dns_cache`, `curl`, ETW/ES DNS tables, …):
//!
//! | key | use |
//! |---|---|
//! | columns `remote_hostname`, `hostname`, `fqdn`, `domain`, `query`, `host` (first present) | `host`; rows without one are ignored |
//! | columns `path`, else `name` | `process` |
//! | columns `username`, else `user` | `user` |
//! | `hostIdentifier` | `device` |
//! | `unixTime` (number or string) | `ts` |
//!
//! Quirks: every column value is a string. `action: "removed"` rows report a row that went
//! away, not new activity: ignored. A snapshot line holds many rows but yields one event, the
//! first row naming a host (a limitation of one event per line; schedule such queries as
//! differential). JSON `\/` escapes are decoded.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Bools, Stash};
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Parsed, SourceKind};
use crate::time::parse_epoch;

/// osquery result log, JSON lines.
pub struct Osquery;

impl LogFormat for Osquery {
    fn name(&self) -> &'static str {
        "osquery"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "osquery result log (differential or snapshot JSON lines) of DNS/socket queries"
    }
    fn fields(&self) -> &'static str {
        "hostIdentifier, unixTime, columns remote_hostname/hostname/fqdn/domain/query/host, path/name, username/user"
    }
    fn spec_url(&self) -> &'static str {
        "https://osquery.readthedocs.io/en/stable/deployment/logging/"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/osquery/osqueryd.results.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            Some(
                line.starts_with(b"{")
                    && (memmem::find(line, b"\"hostIdentifier\"").is_some()
                        || memmem::find(line, b"\"calendarTime\"").is_some())
                    && memmem::find(line, b"\"unixTime\"").is_some()
                    && (memmem::find(line, b"\"columns\"").is_some()
                        || memmem::find(line, b"\"snapshot\"").is_some()),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(OsqueryParser::default())
    }
}

#[derive(Deserialize)]
struct Columns<'a> {
    #[serde(borrow)]
    remote_hostname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    hostname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    fqdn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    domain: Option<Cow<'a, str>>,
    #[serde(borrow)]
    query: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    path: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    username: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<Cow<'a, str>>,
}

impl Columns<'_> {
    fn host(&self) -> Option<&str> {
        [
            &self.remote_hostname,
            &self.hostname,
            &self.fqdn,
            &self.domain,
            &self.query,
            &self.host,
        ]
        .into_iter()
        .filter_map(|c| c.as_deref())
        .find(|v| present(v.trim().as_bytes()).is_some())
    }
}

/// `unixTime`: epoch seconds as a number or a string; `UnixTime(None)` when it is written but
/// is no number an `i64` holds (a bad time, not an absent one).
struct UnixTime(Option<i64>);

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<UnixTime, D::Error> {
        json::number_or_string(d, |s| parse_epoch(s.trim().as_bytes()), Bools::Reject).map(UnixTime)
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "hostIdentifier", borrow)]
    host_identifier: Option<Cow<'a, str>>,
    #[serde(rename = "unixTime", default)]
    unix_time: Option<UnixTime>,
    #[serde(borrow)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow)]
    columns: Option<Columns<'a>>,
    #[serde(borrow)]
    snapshot: Option<Vec<Columns<'a>>>,
}

#[derive(Default)]
struct OsqueryParser {
    stash: Stash,
}

impl LineParser for OsqueryParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(r) = json::object::<Record>(line, "osquery")? else {
            return Ok(Parsed::Meta);
        };
        if r.columns.is_none() && r.snapshot.is_none() {
            return Err(ParseError::MissingField("columns"));
        }
        if r.action.as_deref() == Some("removed") {
            return Ok(Parsed::Ignored);
        }
        let row = r
            .columns
            .iter()
            .chain(r.snapshot.iter().flatten())
            .find(|c| c.host().is_some());
        let Some(row) = row else {
            return Ok(Parsed::Ignored);
        };
        let st = &mut self.stash;
        st.clear();
        let Some(host) = st.put(row.host()) else {
            return Ok(Parsed::Ignored);
        };
        let process = st.put(row.path.as_deref().or(row.name.as_deref()));
        let user = st.put(row.username.as_deref().or(row.user.as_deref()));
        let device = st.put(r.host_identifier.as_deref());
        let ts = match r.unix_time {
            Some(UnixTime(t)) => Some(t.ok_or(ParseError::BadTimestamp)?),
            None => None,
        };
        Ok(Parsed::Event(
            self.stash.endpoint_event(ts, host, user, device, process),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::formats;

    /// (ts, host, user, device, process).
    type Seen = (Option<i64>, String, String, String, String);

    fn parse_all(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut OsqueryParser::default(), text);
        let seen = t.events.into_iter().map(|e| {
            let d = |v: Option<String>| v.unwrap_or_default();
            (e.ts, e.host, d(e.user), d(e.device), d(e.process))
        });
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn differential_snapshot_removed_and_hostless() {
        let diff = r#"{"name":"dns_sockets","hostIdentifier":"mbp-alice","unixTime":1709629920,"action":"added","columns":{"remote_hostname":"chatgpt.com","path":"\/Applications\/ChatGPT.app\/Contents\/MacOS\/ChatGPT","username":"alice"}}"#;
        let snap = r#"{"name":"dns_cache","hostIdentifier":"pc2","unixTime":"1709629921","action":"snapshot","snapshot":[{"name":"x","type":"A"},{"name":"y","domain":"claude.ai","user":"bob"}]}"#;
        let removed = diff.replace("\"added\"", "\"removed\"");
        let hostless = r#"{"name":"mounts","hostIdentifier":"h","unixTime":1,"action":"added","columns":{"path":"/"}}"#;
        let (ev, ig, er) = parse_all(&[diff, snap, &removed, hostless, "", "{}", "x"].join("\n"));
        assert_eq!((ig, er), (2, 2));
        assert_eq!(
            ev[0],
            (
                Some(1_709_629_920),
                "chatgpt.com".into(),
                "alice".into(),
                "mbp-alice".into(),
                "/Applications/ChatGPT.app/Contents/MacOS/ChatGPT".into()
            )
        );
        assert_eq!(
            (ev[1].0, ev[1].1.as_str(), ev[1].2.as_str()),
            (Some(1_709_629_921), "claude.ai", "bob")
        );
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        for (file, lines) in [
            (
                "real-logs/endpoint-osquery-json/beats-osquery-result-test.log",
                2,
            ),
            (
                "real-logs/endpoint-osquery-json/beats-osquery-osqueryd.results.darwin-head28.log",
                28,
            ),
        ] {
            let Some(text) = crate::testutil::shared(file) else {
                return;
            };
            // Compliance and inventory queries: well-formed, but none names a visited host.
            assert_eq!(parse_all(&text), (vec![], lines, 0), "{file}");
            assert_eq!(
                formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("osquery")
            );
        }
    }
}
