//! Suricata EVE JSON (`eve.json`): `dns`, `tls` and `http` records.
//!
//! Spec: <https://docs.suricata.io/en/latest/output/eve/eve-json-format.html> (record types
//! and fields), and for DNS version 3 (Suricata 8)
//! <https://docs.suricata.io/en/latest/upgrade/8.0-dns-logging-changes.html>.
//!
//! | field | use |
//! |---|---|
//! | `event_type` | `dns`, `tls`, `http`; every other type (`flow`, `alert`, `stats`, `fileinfo`, `anomaly`, …) is ignored |
//! | `timestamp` (ISO 8601 with offset, `-0500`) | `ts` |
//! | `src_ip` (`dest_ip` for a v3 DNS response) | `client` |
//! | dns v1/v2 `type: query` + `rrname` | `host` (source dns) |
//! | dns v3 `type: request` + `queries[0].rrname` | `host` (source dns) |
//! | dns v2 `type: answer` / v3 `type: response` | `host` only in a file that logs no requests (see below) |
//! | tls `sni` | `host` (source proxy) |
//! | http `hostname`, `url` | `host`, `path` (source proxy) |
//!
//! One DNS lookup, one event. Suricata logs a lookup as a request record and a response
//! record, both on by default (`dns.requests`/`dns.responses`, or v2 `query`/`answer`); a
//! deployment may turn either off. So the request records are counted, and response
//! records only until the parser has seen a request: a file written with requests off
//! counts its responses, one with both counts each lookup once. (A response whose request was
//! logged in the previous file, before a rotation, can open a file and is then counted a
//! second time: at most the few lookups in flight at the rotation. For this the parser keeps
//! state, so a file is read by one worker, start to end.) Pre-v2 answer records (no
//! `version`: Suricata 4 writes one per answer RR, a CNAME chain as several lines) are never
//! counted. A v3 response's `src_ip` is the resolver (Suricata ticket 6400), so its client is
//! `dest_ip`.
//!
//! Not used: http `length` (the response body size, not an upload; an http record has no
//! request size). `alert` records carry the `tls`/`http`/`dns` object of the flow that
//! alerted; counting them too would count that flow twice. Suricata watches the wire and logs
//! no user; every event is allowed.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Stash, non_empty};
use super::json_paths::{AnyTime, de_time, required_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// Suricata EVE JSON.
pub struct SuricataEve;

impl LogFormat for SuricataEve {
    fn name(&self) -> &'static str {
        "suricata-eve"
    }
    fn kind(&self) -> SourceKind {
        // Mixed: dns records are DNS events, tls and http records proxy events.
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Suricata EVE JSON (eve.json): dns (v1-v3), tls SNI and http records"
    }
    fn fields(&self) -> &'static str {
        "event_type, timestamp, src_ip (dest_ip of a v3 response), dns rrname/queries[].rrname, tls.sni, http.hostname + url"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.suricata.io/en/latest/output/eve/eve-json-format.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/suricata-eve/eve.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            // An Elasticsearch document of a Suricata record keeps `event_type` under
            // `suricata.eve`: that is ECS, not EVE.
            Some(
                line.first() == Some(&b'{')
                    && has(b"\"event_type\":")
                    && has(b"\"timestamp\":")
                    && !has(b"\"ecs\":"),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(EveParser::default())
    }
    fn stateful(&self) -> bool {
        // Whether responses count depends on whether the file logs requests.
        true
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(default, deserialize_with = "de_time")]
    timestamp: Option<AnyTime>,
    #[serde(borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    src_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dest_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dns: Option<Dns<'a>>,
    #[serde(borrow)]
    tls: Option<Tls<'a>>,
    #[serde(borrow)]
    http: Option<Http<'a>>,
}

#[derive(Deserialize)]
struct Dns<'a> {
    #[serde(default, deserialize_with = "json::de_num")]
    version: Option<u64>,
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    rrname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    queries: Option<Vec<Query<'a>>>,
}

#[derive(Deserialize)]
struct Query<'a> {
    #[serde(borrow)]
    rrname: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Tls<'a> {
    #[serde(borrow)]
    sni: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Http<'a> {
    #[serde(borrow)]
    hostname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
}

#[derive(Default)]
struct EveParser {
    stash: Stash,
    /// A DNS request record has been read: responses are its duplicates from now on.
    requests_logged: bool,
}

/// What a DNS record is.
enum DnsRole<'r, 'a> {
    /// A request: always one lookup.
    Request(Option<&'r Cow<'a, str>>),
    /// A v2 answer or v3 response: one lookup unless requests are logged.
    Response(Option<&'r Cow<'a, str>>),
    /// A pre-v2 per-RR answer, or a type this parser does not know.
    Other,
}

fn dns_role<'r, 'a>(d: &'r Dns<'a>) -> DnsRole<'r, 'a> {
    let first_query = || {
        d.queries
            .as_ref()
            .and_then(|q| q.first())
            .and_then(|q| q.rrname.as_ref())
    };
    match (d.kind.as_deref(), d.version) {
        (Some("request"), _) => DnsRole::Request(first_query()),
        (Some("query"), _) => DnsRole::Request(d.rrname.as_ref()),
        (Some("response"), _) => DnsRole::Response(first_query().or(d.rrname.as_ref())),
        (Some("answer"), Some(2..)) => DnsRole::Response(d.rrname.as_ref()),
        _ => DnsRole::Other,
    }
}

impl LineParser for EveParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record<'_>>(line, "Suricata EVE")? else {
            return Ok(Parsed::Meta);
        };
        let (host, path, client, source) = match (rec.event_type.as_deref(), &rec) {
            (Some("dns"), Record { dns: Some(d), .. }) => match dns_role(d) {
                DnsRole::Request(name) => {
                    self.requests_logged = true;
                    (name, None, rec.src_ip.as_ref(), SourceKind::Dns)
                }
                DnsRole::Response(_) if self.requests_logged => return Ok(Parsed::Ignored),
                DnsRole::Response(name) => {
                    let v3 = d.kind.as_deref() == Some("response");
                    let client = if v3 { &rec.dest_ip } else { &rec.src_ip };
                    (name, None, client.as_ref(), SourceKind::Dns)
                }
                DnsRole::Other => return Ok(Parsed::Ignored),
            },
            (Some("tls"), Record { tls: Some(t), .. }) => {
                (t.sni.as_ref(), None, rec.src_ip.as_ref(), SourceKind::Proxy)
            }
            (Some("http"), Record { http: Some(h), .. }) => (
                h.hostname.as_ref(),
                h.url.as_ref(),
                rec.src_ip.as_ref(),
                SourceKind::Proxy,
            ),
            _ => return Ok(Parsed::Ignored),
        };
        let Some(host) = non_empty(host.cloned()) else {
            return Ok(Parsed::Ignored);
        };
        let ts = required_time(rec.timestamp, "timestamp")?;
        let s = &mut self.stash;
        s.clear();
        let host = s.put(Some(&host));
        let client = s.put(client.map(|c| c.as_ref()));
        let path = s.put(path.map(|p| p.as_ref()));
        let s = &self.stash;
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            client: s.get(client),
            host: s.get(host).unwrap_or_default(),
            action: Action::Allowed,
            source,
            path: s.get(path),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Tally, tally};

    fn run(text: &str) -> Tally {
        tally(&mut EveParser::default(), text)
    }

    /// (client, host, source) of each event.
    fn seen(t: &Tally) -> Vec<(String, String, SourceKind)> {
        t.events
            .iter()
            .map(|e| (e.client.clone().unwrap(), e.host.clone(), e.source))
            .collect()
    }

    #[test]
    fn v2_query_and_answer_are_one_event() {
        let text = r#"{"timestamp":"2022-02-08T09:40:31.064321-0500","flow_id":1,"event_type":"dns","src_ip":"10.2.8.102","src_port":49278,"dest_ip":"10.2.8.8","dest_port":53,"proto":"UDP","dns":{"type":"query","id":22761,"rrname":"chatgpt.com","rrtype":"A","tx_id":0,"opcode":0}}
{"timestamp":"2022-02-08T09:40:31.195265-0500","flow_id":1,"event_type":"dns","src_ip":"10.2.8.102","src_port":49278,"dest_ip":"10.2.8.8","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":22761,"rrname":"chatgpt.com","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"chatgpt.com","rrtype":"A","ttl":60,"rdata":"104.18.32.47"}]}}
"#;
        let t = run(text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (1, 1, 0));
        assert_eq!(t.events[0].ts, Some(1_644_331_231));
        assert_eq!(
            seen(&t),
            [("10.2.8.102".into(), "chatgpt.com".into(), SourceKind::Dns)]
        );
    }

    #[test]
    fn v3_request_and_response_are_one_event_and_responses_alone_count() {
        let request = r#"{"timestamp":"2026-11-24T09:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"10.0.0.53","dns":{"version":3,"type":"request","tx_id":0,"id":7,"flags":"100","rd":true,"opcode":0,"rcode":"NOERROR","queries":[{"rrname":"claude.ai","rrtype":"A"}]}}"#;
        let response = r#"{"timestamp":"2026-11-24T09:00:00.020000+0000","event_type":"dns","src_ip":"10.0.0.53","dest_ip":"10.0.0.5","dns":{"version":3,"type":"response","tx_id":0,"id":7,"flags":"8180","qr":true,"rcode":"NOERROR","queries":[{"rrname":"claude.ai","rrtype":"A"}],"answers":[{"rrname":"claude.ai","rrtype":"A","ttl":60,"rdata":"160.79.104.10"}]}}"#;
        let both = run(&format!("{request}\n{response}\n{request}\n{response}\n"));
        assert_eq!((both.events.len(), both.ignored), (2, 2));
        // Requests off: each response is the lookup, and its client is the dest_ip.
        let alone = run(&format!("{response}\n{response}\n"));
        assert_eq!(
            seen(&alone),
            vec![("10.0.0.5".into(), "claude.ai".into(), SourceKind::Dns); 2]
        );
    }

    #[test]
    fn pre_v2_answers_tls_http_and_other_records() {
        let text = r#"{"timestamp":"2019-06-26T15:01:52.000000+0000","event_type":"dns","src_ip":"10.0.0.53","dest_ip":"10.0.0.9","dns":{"type":"answer","id":1,"rrname":"www.bing.com","rrtype":"CNAME","ttl":60,"rdata":"x.net"}}
{"timestamp":"2026-11-24T09:00:00+0000","event_type":"tls","src_ip":"10.0.0.6","dest_ip":"1.2.3.4","tls":{"sni":"gemini.google.com","version":"TLS 1.3"}}
{"timestamp":"2026-11-24T09:00:00+0000","event_type":"tls","src_ip":"10.0.0.6","dest_ip":"1.2.3.4","tls":{"version":"TLS 1.3"}}
{"timestamp":"2026-11-24T09:00:00+0000","event_type":"http","src_ip":"10.0.0.7","dest_ip":"1.2.3.4","http":{"hostname":"www.perplexity.ai","url":"\/search?q=x","length":1814,"status":200}}
{"timestamp":"2026-11-24T09:00:00+0000","event_type":"alert","src_ip":"10.0.0.7","dest_ip":"1.2.3.4","alert":{"signature":"x"},"tls":{"sni":"chatgpt.com"}}
{"timestamp":"2026-11-24T09:00:00+0000","event_type":"flow","src_ip":"10.0.0.7","dest_ip":"1.2.3.4","flow":{"bytes_toserver":100}}
{"timestamp":"2026-11-24T09:00:00+0000","event_type":"stats","stats":{"uptime":10}}
{"timestamp":"yesterday","event_type":"tls","src_ip":"10.0.0.6","tls":{"sni":"claude.ai"}}
{"event_type":"tls","src_ip":"10.0.0.6","tls":{"sni":"claude.ai"}}
not json
"#;
        let t = run(text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (2, 5, 3));
        assert_eq!(
            seen(&t),
            [
                ("10.0.0.6".into(), "gemini.google.com".into(), SourceKind::Proxy),
                ("10.0.0.7".into(), "www.perplexity.ai".into(), SourceKind::Proxy),
            ]
        );
        assert_eq!(t.events[1].bytes_out, None, "http.length is the response");
    }

    #[test]
    fn real_vendor_samples() {
        // (file, lines, events, ignored): every query is one event; answers follow queries.
        for (file, lines, events, ignored) in [
            ("real-logs/nids-suricata-eve/josevnz-SuricataLog-eve-2-head300.json", 300, 143, 157),
            ("real-logs/nids-suricata-eve/elastic-integrations-suricata-test-eve-small.log", 12, 5, 7),
            ("real-logs/nids-suricata-eve/elastic-integrations-suricata-test-eve-dns-4-1-4.log", 24, 8, 16),
        ] {
            let Some(text) = crate::testutil::shared(file) else {
                return;
            };
            let t = run(&text);
            assert_eq!(
                (text.lines().count(), t.events.len(), t.ignored, t.errors),
                (lines, events, ignored, 0),
                "{file}"
            );
            let got = crate::formats::detect(text.as_bytes()).map(|f| f.name());
            assert_eq!(got.ok(), Some("suricata-eve"), "{file}");
        }
    }
}
