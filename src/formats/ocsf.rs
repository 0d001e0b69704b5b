//! Open Cybersecurity Schema Framework (OCSF) events as NDJSON: Amazon Security Lake (Route 53
//! Resolver, VPC Flow Logs), and any producer writing OCSF 1.x JSON.
//!
//! Spec: <https://schema.ocsf.io/> classes DNS Activity (4003,
//! <https://schema.ocsf.io/classes/dns_activity>), HTTP Activity (4002,
//! <https://schema.ocsf.io/classes/http_activity>) and Network Activity (4001,
//! <https://schema.ocsf.io/classes/network_activity>).
//!
//! | field | use |
//! |---|---|
//! | `class_uid` | 4003, 4002, 4001; other classes are ignored |
//! | `time` (epoch milliseconds), else `time_dt` | `ts` |
//! | 4003 `query.hostname` (with its trailing dot) | `host` (source dns) |
//! | 4002 `http_request.url.hostname`, else `url_string`; `http_request.url.path` | `host`, `path` (source proxy) |
//! | 4001 `tls.sni` | `host` (source proxy); a flow without SNI is ignored |
//! | `traffic.bytes_out` (4002, 4001) | `bytes_out` |
//! | `actor.user.name` | `user` |
//! | `src_endpoint.ip` | `client` |
//! | `src_endpoint.hostname`, else `device.hostname` | `device` |
//! | `actor.process.file.path`, else `actor.process.name` | `process` (the event is then an endpoint event) |
//! | `action_id` 2 (Denied), `disposition_id` 2 (Blocked) or 6 (Dropped) | blocked, else allowed |
//!
//! Quirks: every DNS Activity record is one event, whatever its activity (Security Lake writes
//! Route 53 lookups as one `Response`, `Refuse` or `Fail` record each, never a separate
//! `Query`). Parquet exports converted to JSON keep `null`s, which read as absent.
//! `traffic.bytes_out` is what the source sent to the destination: the upload.

use memchr::memmem;

use super::json::Stash;
use super::json_paths::{AnyTime, Val, pick, required_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// OCSF JSON.
pub struct Ocsf;

/// The paths read, in the order of the `P_*` indexes below.
const PATHS: [&str; 17] = [
    "class_uid",
    "time",
    "time_dt",
    "query.hostname",
    "http_request.url.hostname",
    "http_request.url.url_string",
    "http_request.url.path",
    "traffic.bytes_out",
    "tls.sni",
    "actor.user.name",
    "src_endpoint.ip",
    "src_endpoint.hostname",
    "device.hostname",
    "actor.process.file.path",
    "actor.process.name",
    "action_id",
    "disposition_id",
];
const P_CLASS: usize = 0;
const P_TIME: usize = 1;
const P_TIME_DT: usize = 2;
const P_QUERY: usize = 3;
const P_URL_HOST: usize = 4;
const P_URL_STRING: usize = 5;
const P_URL_PATH: usize = 6;
const P_BYTES_OUT: usize = 7;
const P_SNI: usize = 8;
const P_USER: usize = 9;
const P_SRC_IP: usize = 10;
const P_SRC_HOST: usize = 11;
const P_DEVICE: usize = 12;
const P_PROCESS_PATH: usize = 13;
const P_PROCESS_NAME: usize = 14;
const P_ACTION_ID: usize = 15;
const P_DISPOSITION_ID: usize = 16;

impl LogFormat for Ocsf {
    fn name(&self) -> &'static str {
        "ocsf"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "OCSF JSON (Amazon Security Lake and others): DNS Activity 4003, HTTP Activity 4002, Network Activity 4001 with TLS SNI"
    }
    fn fields(&self) -> &'static str {
        "class_uid, time, query.hostname, http_request.url.hostname, tls.sni, traffic.bytes_out, actor.user.name, src_endpoint.ip/hostname, action_id/disposition_id"
    }
    fn spec_url(&self) -> &'static str {
        "https://schema.ocsf.io/classes/dns_activity"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/ocsf/security-lake.ndjson")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            Some(line.first() == Some(&b'{') && has(b"\"class_uid\":") && has(b"\"metadata\":"))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(OcsfParser::default())
    }
}

#[derive(Default)]
struct OcsfParser {
    stash: Stash,
}

impl LineParser for OcsfParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(v) = pick(line, &PATHS, "OCSF JSON")? else {
            return Ok(Parsed::Meta);
        };
        let s = |i: usize| v[i].as_ref().and_then(Val::str);
        let n = |i: usize| v[i].as_ref().and_then(Val::count);
        let (host, path, source) = match n(P_CLASS) {
            Some(4003) => (s(P_QUERY), None, SourceKind::Dns),
            Some(4002) => (
                s(P_URL_HOST).or(s(P_URL_STRING)),
                s(P_URL_PATH).or(s(P_URL_STRING)),
                SourceKind::Proxy,
            ),
            Some(4001) => (s(P_SNI), None, SourceKind::Proxy),
            Some(_) => return Ok(Parsed::Ignored),
            None => return Err(ParseError::MissingField("class_uid")),
        };
        let Some(host) = host else {
            return Ok(Parsed::Ignored);
        };
        let time = v[P_TIME].as_ref().filter(|t| !matches!(t, Val::Other));
        let ts = match time.or(v[P_TIME_DT].as_ref()) {
            Some(t) => required_time(Some(AnyTime::of(t)), "time")?,
            None => return Err(ParseError::MissingField("time")),
        };
        let process = s(P_PROCESS_PATH).or(s(P_PROCESS_NAME));
        let blocked = n(P_ACTION_ID) == Some(2) || matches!(n(P_DISPOSITION_ID), Some(2 | 6));
        let bytes_out = match source {
            SourceKind::Dns => None,
            _ => n(P_BYTES_OUT),
        };
        let st = &mut self.stash;
        st.clear();
        let host = st.put(Some(host));
        let user = st.put(s(P_USER));
        let client = st.put(s(P_SRC_IP));
        let device = st.put(s(P_SRC_HOST).or(s(P_DEVICE)));
        let path = st.put(path);
        let process = st.put(process);
        let st = &self.stash;
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: st.get(user),
            client: st.get(client),
            host: st.get(host).unwrap_or_default(),
            bytes_out,
            action: if blocked {
                Action::Blocked
            } else {
                Action::Allowed
            },
            source: if process.is_some() {
                SourceKind::Endpoint
            } else {
                source
            },
            device: st.get(device),
            process: st.get(process),
            path: st.get(path),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{tally, vendor_sample};

    #[test]
    fn the_three_classes_and_the_others() {
        let text = r#"{"metadata":{"version":"1.1.0"},"class_uid":4003,"time":1795510800000,"query":{"hostname":"chatgpt.com.","type":"A"},"src_endpoint":{"ip":"10.5.0.3","hostname":"ws-3"},"actor":{"user":{"name":"gina"}},"disposition_id":2}
{"metadata":{"version":"1.1.0"},"class_uid":4002,"time":1795510800000,"http_request":{"url":{"hostname":"claude.ai","path":"/api/upload","url_string":"https://claude.ai/api/upload"}},"traffic":{"bytes_out":9000,"bytes_in":100},"src_endpoint":{"ip":"10.5.0.4"}}
{"metadata":{"version":"1.1.0"},"class_uid":4001,"time":1795510800000,"tls":{"sni":"api.openai.com"},"traffic":{"bytes_out":512},"src_endpoint":{"ip":"10.5.0.5"},"action_id":1}
{"metadata":{"version":"1.1.0"},"class_uid":4001,"time":1795510800000,"traffic":{"bytes_out":40},"src_endpoint":{"ip":"10.5.0.5"}}
{"metadata":{"version":"1.1.0"},"class_uid":3002,"time":1795510800000,"actor":{"user":{"name":"gina"}}}
{"metadata":{"version":"1.1.0"},"time":1795510800000}
{"metadata":{"version":"1.1.0"},"class_uid":4003,"query":{"hostname":"x.com."}}
{"metadata":{"version":"1.1.0"},"class_uid":4003,"time":null,"time_dt":"2026-11-24T09:00:00Z","query":{"hostname":"x.com."}}
"#;
        let t = tally(&mut OcsfParser::default(), text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (4, 2, 2));
        let e = &t.events;
        assert!(e.iter().all(|e| e.ts == Some(1_795_510_800)));
        assert_eq!(
            (e[0].host.as_str(), e[0].user.as_deref(), e[0].device.as_deref()),
            ("chatgpt.com.", Some("gina"), Some("ws-3"))
        );
        assert_eq!((e[0].source, e[0].action), (SourceKind::Dns, Action::Blocked));
        assert_eq!((e[1].host.as_str(), e[1].bytes_out), ("claude.ai", Some(9000)));
        assert_eq!((e[2].host.as_str(), e[2].bytes_out), ("api.openai.com", Some(512)));
        assert_eq!(e[2].action, Action::Allowed);
    }

    #[test]
    fn real_vendor_samples() {
        // (file, events, ignored): Route 53 lookups are events; VPC flows have no host.
        for (file, events, ignored) in [
            ("real-logs/siem-ocsf-json/aws-samples-security-lake-ocsf-validation-route53-dns-activity.ndjson", 4, 0),
            ("real-logs/siem-ocsf-json/aws-samples-security-lake-ocsf-validation-vpcflow-network-activity.ndjson", 0, 4),
            ("real-logs/siem-ocsf-json/elastic-integrations-amazon_security_lake-test-dns-activity.log", 1, 0),
        ] {
            if vendor_sample(OcsfParser::default(), "ocsf", file, (events, ignored, 0)).is_none() {
                return;
            }
        }
    }
}
