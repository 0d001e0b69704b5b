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
//! record's own path decides the mapping. Zeek's own JSON writer (`LogAscii::use_json=T`, the
//! most common deployment) writes no path key, epoch `ts` (ISO 8601 with
//! `LogAscii::json_timestamps=JSON::TS_ISO8601`); then the keys decide: a host key (`query`,
//! `host`, `server_name`) with a key only its log writes always (dns `RD`/`rejected`/`rcode`/…,
//! http `trans_depth`/`method`/…, ssl `established`/`resumed`/`version`/…), else the host key
//! alone; a record without one (conn.log, files.log) is ignored. Unset fields are simply absent; records of a known
//! path without their host field (no SNI, no `Host` header, no query name) are ignored. Zeek
//! watches the wire, so http and ssl records are allowed. Values with JSON escapes are
//! copied into buffers the parser owns; everything else is borrowed from the line.

use std::borrow::Cow;

use memchr::memmem;
use serde::de::IgnoredAny;
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
        "Zeek dns/http/ssl logs as NDJSON (Zeek's JSON writer without _path, json-streaming-logs _path or RockNSM @stream)"
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
    // Keys read for their presence only, to tell the logs apart (see [`Log::infer`]). Zeek's
    // own JSON writer (`LogAscii::use_json=T`) writes no `_path`, and `query`, `host` or
    // `server_name` alone could be another log's key (software.log has a `host`); each log
    // writes some fields always (`&default` in its Zeek record type: dns `RD`/`rejected`,
    // http `trans_depth`, ssl `established`/`resumed`), which decide. Plain fields, not a
    // `#[serde(flatten)]` struct: flattening buffers every other key of the line.
    qtype_name: Option<IgnoredAny>,
    rcode: Option<IgnoredAny>,
    trans_id: Option<IgnoredAny>,
    #[serde(rename = "RD")]
    rd: Option<IgnoredAny>,
    method: Option<IgnoredAny>,
    trans_depth: Option<IgnoredAny>,
    status_code: Option<IgnoredAny>,
    user_agent: Option<IgnoredAny>,
    version: Option<IgnoredAny>,
    cipher: Option<IgnoredAny>,
    established: Option<IgnoredAny>,
    resumed: Option<IgnoredAny>,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Log {
    Dns,
    Http,
    Ssl,
    Other,
}

impl Log {
    /// The log of a record without `_path`: the one whose host key and one of whose
    /// always-written keys it has; when that is not one log, the host key alone (`query`,
    /// then `server_name`, then `host`). Records with no host key (conn.log, files.log, …)
    /// are `Other`, ignored and counted.
    fn infer(rec: &Record<'_>) -> Log {
        let any = |keys: &[&Option<IgnoredAny>]| keys.iter().any(|k| k.is_some());
        let dns = rec.query.is_some()
            && (rec.rejected.is_some()
                || any(&[&rec.qtype_name, &rec.rcode, &rec.trans_id, &rec.rd]));
        let http = rec.host.is_some()
            && any(&[
                &rec.method,
                &rec.trans_depth,
                &rec.status_code,
                &rec.user_agent,
            ]);
        let ssl = rec.server_name.is_some()
            && any(&[&rec.version, &rec.cipher, &rec.established, &rec.resumed]);
        match (dns, http, ssl) {
            (true, false, false) => Log::Dns,
            (false, true, false) => Log::Http,
            (false, false, true) => Log::Ssl,
            _ if rec.query.is_some() => Log::Dns,
            _ if rec.server_name.is_some() => Log::Ssl,
            _ if rec.host.is_some() => Log::Http,
            _ => Log::Other,
        }
    }
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
            None => Log::infer(&rec),
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

    /// Issue 19: Zeek's own JSON writer, without `_path`, epoch or ISO 8601 `ts`; conn.log
    /// records (no host) are ignored and counted, not errors.
    #[test]
    fn issue_19_zeek_json_writer_without_path() {
        let text = r#"{"ts":1795510800.305988,"uid":"CAcJw21BbVedgFnYH3","id.orig_h":"10.20.1.15","id.orig_p":38339,"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","trans_id":15209,"query":"chatgpt.com","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"rejected":false}
{"ts":"2026-11-24T09:00:00.305988Z","uid":"CsT8uV0wX2yZ4aB10","id.orig_h":"10.20.1.16","id.orig_p":49800,"id.resp_h":"160.79.104.10","id.resp_p":443,"version":"TLSv13","cipher":"TLS_AES_128_GCM_SHA256","server_name":"claude.ai","resumed":false,"established":true}
{"ts":1795510800.1,"uid":"CCNp8v1SNzY7v9d1Ih","id.orig_h":"10.20.1.17","id.orig_p":62995,"id.resp_h":"10.0.5.20","id.resp_p":3128,"trans_depth":1,"method":"POST","host":"api.openai.com","uri":"/v1/chat/completions","version":"1.1","request_body_len":4812,"status_code":200}
{"ts":1795510800.2,"uid":"CwT5uV0wX2yZ4aB02","id.orig_h":"10.20.1.15","id.orig_p":52311,"id.resp_h":"104.18.32.47","id.resp_p":443,"proto":"tcp","service":"ssl","duration":30.7,"orig_bytes":18233,"resp_bytes":64120,"conn_state":"SF"}
"#;
        assert_eq!(
            crate::formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("zeek-json")
        );
        let (ev, ignored, errors) = run(text);
        assert_eq!((ignored, errors), (1, 0));
        let got: Vec<_> = ev.iter().map(|e| (e.0, e.3.as_str(), e.4, e.6)).collect();
        let t = 1_795_510_800;
        assert_eq!(
            got,
            vec![
                (t, "chatgpt.com", None, SourceKind::Dns),
                (t, "claude.ai", None, SourceKind::Proxy),
                (t, "api.openai.com", Some(4812), SourceKind::Proxy),
            ]
        );
    }

    #[test]
    fn a_records_own_keys_outweigh_the_order_of_host_keys() {
        let keys = |line: &str| {
            let rec: Record = serde_json::from_str(line).unwrap();
            Log::infer(&rec)
        };
        // An http record that also names a `query` parameter key is http, by `trans_depth`.
        assert_eq!(
            keys(r#"{"host":"chatgpt.com","query":"q=1","trans_depth":1}"#),
            Log::Http
        );
        assert_eq!(keys(r#"{"query":"a.com","RD":true}"#), Log::Dns);
        assert_eq!(keys(r#"{"server_name":"a.com","established":true}"#), Log::Ssl);
        // No log's own keys: the host key alone, as before.
        assert_eq!(keys(r#"{"host":"a.com"}"#), Log::Http);
        assert_eq!(keys(r#"{"proto":"tcp","service":"dns"}"#), Log::Other);
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

    /// Issue 19: real lines of Zeek's JSON writer (no `_path`), from Elastic's Zeek
    /// integration tests. Each file ends with Splunk REST-export copies of a record (another
    /// shape, no `ts`): those are skipped lines, named, not silently dropped.
    #[test]
    fn issue_19_real_zeek_json_writer_files() {
        // (file, lines, events, ignored, skipped)
        for (file, lines, events, ignored, skipped) in [
            ("elastic-integrations-zeek-test-dns.log", 8, 7, 0, 1),
            // Five records without a `Host` header.
            ("elastic-integrations-zeek-test-http.log", 8, 2, 5, 1),
            // Three handshakes without SNI.
            ("elastic-integrations-zeek-test-ssl.log", 12, 7, 3, 2),
        ] {
            let Some(text) = crate::testutil::shared(&format!("real-logs/nids-zeek-json-writer/{file}"))
            else {
                return;
            };
            let (ev, ign, errors) = run(&text);
            assert_eq!(
                (text.lines().count(), ev.len(), ign, errors),
                (lines, events, ignored, skipped),
                "{file}"
            );
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
