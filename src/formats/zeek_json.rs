//! Zeek logs as NDJSON (one JSON object per line): `dns`, `http` and `ssl`.
//!
//! Spec: Zeek's JSON output (`LogAscii::use_json = T`,
//! <https://docs.zeek.org/en/master/log-formats.html#zeek-json-format-logs>), the
//! corelight `json-streaming-logs` package (adds `_path` and `_write_ts`, writes ISO 8601
//! `ts`), and the RockNSM/Kafka shape (adds `@stream`, `@system`, `@proc`, epoch `ts`, and
//! writes `id_orig_h` with underscores because dots upset Elasticsearch).
//!
//! | field | use |
//! |---|---|
//! | `_path` / `@stream` (else guessed from the keys) | which log: `dns`, `http`, `ssl`; others are ignored |
//! | `ts` (ISO 8601 string or epoch number) | `ts` |
//! | `id.orig_h` / `id_orig_h` | `client` |
//! | dns `query` | `host` (source dns); `rejected: true` → `action` blocked |
//! | http `host` | `host` (source proxy) |
//! | http `request_body_len` | `bytes_out` |
//! | http `username` | `user` |
//! | http `uri` | `path` |
//! | ssl `server_name` (SNI) | `host` (source proxy) |
//!
//! Quirks: one file can mix logs (a Kafka topic or a `zeek.json` with all streams), so the
//! record's own path decides the mapping. Plain Zeek JSON has no path key; then `query` means
//! dns, `server_name` ssl and `host` http. Unset fields are simply absent; records of a known
//! path without their host field (no SNI, no `Host` header, no query name) are ignored. Zeek
//! watches the wire, so http and ssl records are allowed. Values with JSON escapes are
//! copied into buffers the parser owns; everything else is borrowed from the line.

use std::borrow::Cow;

use memchr::memmem;
use serde::{Deserialize, Deserializer};

use super::json::{self, Bools, keep, non_empty};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_iso8601;

/// Zeek dns/http/ssl logs as NDJSON.
pub struct ZeekJson;

impl LogFormat for ZeekJson {
    fn name(&self) -> &'static str {
        "zeek-json"
    }
    fn kind(&self) -> SourceKind {
        // Mixed: dns records are DNS events, http and ssl records proxy events.
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Zeek dns/http/ssl logs as NDJSON (json-streaming-logs _path or RockNSM @stream)"
    }
    fn fields(&self) -> &'static str {
        "_path/@stream, ts, id.orig_h/id_orig_h, query (dns), host + request_body_len + username (http), server_name (ssl)"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.zeek.org/en/master/log-formats.html#zeek-json-format-logs"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/zeek-json/zeek.ndjson")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            Some(
                line.first() == Some(&b'{')
                    && has(b"\"ts\":")
                    && has(b"\"uid\":\"")
                    && (has(b"\"id.orig_h\":\"") || has(b"\"id_orig_h\":\"")),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(ZeekJsonParser::default())
    }
}

/// A Zeek `ts`: epoch seconds as a JSON number, or an ISO 8601 string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ts(Option<i64>);

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ts, D::Error> {
        json::number_or_string(
            d,
            |s| parse_iso8601(s.as_bytes()).map(|(t, _)| t),
            Bools::Reject,
        )
        .map(Ts)
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "_path", alias = "@stream", borrow)]
    path: Option<Cow<'a, str>>,
    ts: Option<Ts>,
    #[serde(rename = "id.orig_h", alias = "id_orig_h", borrow)]
    orig_h: Option<Cow<'a, str>>,
    #[serde(borrow)]
    query: Option<Cow<'a, str>>,
    rejected: Option<bool>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    request_body_len: Option<u64>,
    #[serde(borrow)]
    username: Option<Cow<'a, str>>,
    #[serde(borrow)]
    server_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
}

/// Reused buffers for values that had JSON escapes.
#[derive(Default)]
struct ZeekJsonParser {
    host: Vec<u8>,
    client: Vec<u8>,
    user: Vec<u8>,
    uri: Vec<u8>,
}

/// Which Zeek log a record is from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Log {
    Dns,
    Http,
    Ssl,
    Other,
}

impl LineParser for ZeekJsonParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record<'a>>(line, "Zeek JSON")? else {
            return Ok(Parsed::Meta);
        };
        let log = match rec.path.as_deref() {
            Some("dns") => Log::Dns,
            Some("http") => Log::Http,
            Some("ssl") => Log::Ssl,
            Some(_) => Log::Other,
            None if rec.query.is_some() => Log::Dns,
            None if rec.server_name.is_some() => Log::Ssl,
            None if rec.host.is_some() => Log::Http,
            None => Log::Other,
        };
        let ts = match rec.ts {
            Some(Ts(Some(t))) => t,
            Some(Ts(None)) => return Err(ParseError::BadTimestamp),
            None => return Err(ParseError::MissingField("ts")),
        };
        let host = match log {
            Log::Dns => rec.query,
            Log::Http => rec.host,
            Log::Ssl => rec.server_name,
            Log::Other => return Ok(Parsed::Ignored),
        };
        let Some(host) = non_empty(host) else {
            return Ok(Parsed::Ignored);
        };
        let ZeekJsonParser {
            host: host_buf,
            client,
            user,
            uri,
        } = self;
        let (source, action, bytes_out, username, path) = match log {
            Log::Dns if rec.rejected == Some(true) => {
                (SourceKind::Dns, Action::Blocked, None, None, None)
            }
            Log::Dns => (SourceKind::Dns, Action::Allowed, None, None, None),
            Log::Http => (
                SourceKind::Proxy,
                Action::Allowed,
                rec.request_body_len,
                rec.username,
                rec.uri,
            ),
            _ => (SourceKind::Proxy, Action::Allowed, None, None, None),
        };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: non_empty(username).map(|v| keep(v, user)),
            client: non_empty(rec.orig_h).map(|v| keep(v, client)),
            host: keep(host, host_buf),
            bytes_out,
            action,
            source,
            path: non_empty(path).map(|v| keep(v, uri)),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    /// (ts, user, client, host, bytes_out, action, source) of each event.
    type Seen = (
        i64,
        Option<String>,
        Option<String>,
        String,
        Option<u64>,
        Action,
        SourceKind,
    );

    /// Events, ignored, errors.
    fn run(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut ZeekJsonParser::default(), text);
        let seen = t.events.into_iter().map(|e| {
            let ts = e.ts.unwrap();
            (ts, e.user, e.client, e.host, e.bytes_out, e.action, e.source)
        });
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn both_shapes_and_all_three_logs() {
        let text = r#"{"_path":"http","ts":"2026-11-24T09:00:00.5Z","uid":"C1","id.orig_h":"10.0.0.1","host":"chatgpt.com","request_body_len":4096,"username":"CORP\\alice"}
{"@stream":"ssl","ts":1795510800.25,"uid":"C2","id_orig_h":"10.0.0.2","server_name":"claude.ai"}
{"@stream":"dns","ts":1795510800,"uid":"C3","id_orig_h":"10.0.0.3","query":"api.openai.com","rejected":true}
{"_path":"conn","ts":"2026-11-24T09:00:00Z","uid":"C4","id.orig_h":"10.0.0.4"}
{"_path":"ssl","ts":"2026-11-24T09:00:00Z","uid":"C5","id.orig_h":"10.0.0.5"}
{"ts":1795510800.0,"uid":"C6","id.orig_h":"10.0.0.6","query":"gemini.google.com","qtype_name":"A"}
"#;
        let (ev, ignored, errors) = run(text);
        assert_eq!((ignored, errors), (2, 0));
        let t = 1_795_510_800;
        assert_eq!(
            ev,
            vec![
                (
                    t,
                    Some("CORP\\alice".into()),
                    Some("10.0.0.1".into()),
                    "chatgpt.com".into(),
                    Some(4096),
                    Action::Allowed,
                    SourceKind::Proxy
                ),
                (
                    t,
                    None,
                    Some("10.0.0.2".into()),
                    "claude.ai".into(),
                    None,
                    Action::Allowed,
                    SourceKind::Proxy
                ),
                (
                    t,
                    None,
                    Some("10.0.0.3".into()),
                    "api.openai.com".into(),
                    None,
                    Action::Blocked,
                    SourceKind::Dns
                ),
                (
                    t,
                    None,
                    Some("10.0.0.6".into()),
                    "gemini.google.com".into(),
                    None,
                    Action::Allowed,
                    SourceKind::Dns
                ),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_errors() {
        let text = "not json\n{\"_path\":\"dns\"\n{\"_path\":\"dns\",\"query\":\"a.com\"}\n{\"_path\":\"dns\",\"ts\":\"yesterday\",\"query\":\"a.com\"}\n{\"_path\":\"dns\",\"ts\":1e300,\"query\":\"a.com\"}\n\n";
        let (ev, ignored, errors) = run(text);
        assert_eq!((ev.len(), ignored, errors), (0, 0, 5));
    }

    #[test]
    fn real_vendor_samples() {
        // (file, lines, events, ignored)
        for (file, lines, events, ignored) in [
            (
                "real-logs/dns-zeek-json/brimdata-wrccdc2018-dns.json",
                388,
                388,
                0,
            ),
            (
                "real-logs/dns-zeek-json/otrf-apt29-day2-NEWYORK_dns.log",
                153,
                153,
                0,
            ),
            (
                "real-logs/proxy-zeek-http/otrf-apt29-day1-SCRANTON_http.log",
                62,
                62,
                0,
            ),
            (
                "real-logs/proxy-zeek-ssl/brimdata-wrccdc2018-ssl.json",
                397,
                83,
                314,
            ),
            (
                "real-logs/proxy-zeek-ssl/otrf-apt29-day1-NASHUA_ssl.log",
                118,
                118,
                0,
            ),
        ] {
            let Some(text) = crate::testutil::shared(file) else {
                return;
            };
            let (ev, ign, errors) = run(&text);
            assert_eq!(
                (text.lines().count(), ev.len(), ign, errors),
                (lines, events, ignored, 0),
                "{file}"
            );
            assert_eq!(ZeekJson.sniff(text.as_bytes()), 100, "{file}");
            assert_eq!(
                crate::formats::detect(text.as_bytes())
                    .map(|f| f.name())
                    .ok(),
                Some("zeek-json"),
                "{file}"
            );
        }
    }
}
