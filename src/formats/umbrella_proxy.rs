//! Cisco Umbrella Secure Web Gateway (proxy) logs, CSV as exported to S3, log format
//! versions v5 to v12 (columns are only ever appended, so older rows are a prefix).
//!
//! Spec: <https://docs.umbrella.com/deployment-umbrella/docs/proxy-log-formats>. A row is
//! `"2017-10-02 23:52:53","TheComputerName","192.192.192.135","1.1.1.91","3.4.5.6","","ALLOWED","http://google.com/the.js","www.google.com","Mozilla/5.0 …","200","562","1489",…`:
//!
//! | # | column | use |
//! |---|---|---|
//! | 0 | Timestamp (UTC) | `ts` |
//! | 1 | Identities (most granular) | `user` when it looks like a user |
//! | 2 | Internal Client IP | `client` |
//! | 3 | External Client IP | `client` when there is no internal IP |
//! | 4 | Destination IP | – |
//! | 5 | Content Type | – |
//! | 6 | Verdict (`ALLOWED`, `BLOCKED`, `WARNED`…) | `action` |
//! | 7 | URL | `host` |
//! | 8 | Referer | – |
//! | 9 | User-Agent | – |
//! | 10 | Status Code | – |
//! | 11 | Request Size (bytes sent by the client) | `bytes_out` |
//! | 12 | Response Size | – |
//! | 21 | Identity Type (`AD Users`, `Roaming Computer`, `Networks`…) | user test |
//!
//! The user rule is the one of `umbrella-dns`: an identity with `@` (the address in
//! parentheses when there is one) or of a user identity type. Quirks: every field is quoted,
//! some rows have a space after the separating comma, empty sizes are absent.

use std::cell::RefCell;

use super::csv_fields::CsvSplitter;
use super::umbrella_dns::{identity_user, is_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_iso8601, parse_u64};

/// Cisco Umbrella proxy log CSV.
pub struct UmbrellaProxy;

impl LogFormat for UmbrellaProxy {
    fn name(&self) -> &'static str {
        "umbrella-proxy"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Cisco Umbrella SWG/proxy logs, S3-export CSV (v5 and later)"
    }
    fn fields(&self) -> &'static str {
        "timestamp, identity (+type), internal IP, verdict, URL, request size"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.umbrella.com/deployment-umbrella/docs/proxy-log-formats"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/umbrella-proxy/proxylogs.csv")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let csv = RefCell::new(CsvSplitter::skipping_spaces());
        score_lines(head, |line| {
            let mut csv = csv.borrow_mut();
            let f = csv.split(line, COLS);
            Some(
                f.len() >= 13
                    && line.starts_with(b"\"")
                    && is_time(f.get(0))
                    && is_verdict(f.get(6))
                    && memchr::memmem::find(f.get(7), b"://").is_some(),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(UmbrellaProxyParser::default())
    }
}

const COLS: usize = 23;

fn is_verdict(f: &[u8]) -> bool {
    !f.is_empty() && f.len() <= 12 && f.iter().all(u8::is_ascii_uppercase)
}

struct UmbrellaProxyParser {
    csv: CsvSplitter,
}

impl Default for UmbrellaProxyParser {
    fn default() -> Self {
        UmbrellaProxyParser {
            csv: CsvSplitter::skipping_spaces(),
        }
    }
}

impl LineParser for UmbrellaProxyParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let f = self.csv.split(line, COLS);
        let n = f.len();
        if n < 13 {
            return Err(ParseError::MissingField("url"));
        }
        let ts = parse_iso8601(f.get(0))
            .map(|(t, _)| t)
            .ok_or(ParseError::BadTimestamp)?;
        let action = match f.get(6) {
            b"BLOCKED" => Action::Blocked,
            b"" => Action::Unknown,
            _ => Action::Allowed,
        };
        if f.get(7).is_empty() {
            return Ok(Parsed::Ignored);
        }
        let bytes_out = match f.get(11) {
            b"" => None,
            b => Some(parse_u64(b).ok_or(ParseError::BadNumber("request size"))?),
        };
        let kind = if n > 21 { f.get(21) } else { &[][..] };
        let nonempty = |b: &'a [u8]| (!b.is_empty()).then_some(b);
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: identity_user(f.get(1), kind),
            client: nonempty(f.get(2)).or(nonempty(f.get(3))),
            host: f.get(7),
            bytes_out,
            action,
            source: SourceKind::Proxy,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, tally};

    fn event(line: &str) -> Event<'_> {
        event_with(UmbrellaProxyParser::default(), line)
    }

    #[test]
    fn rows_from_the_elastic_sample_and_users() {
        let e = event(
            r#""2017-10-02 23:52:53","TheComputerName","192.192.192.135","1.1.1.91", "3.4.5.6","","ALLOWED","http://google.com/the.js","www.google.com","Mozilla/5.0 (Macintosh)","200","562","1489","","","Search Engines","","","","","","Roaming Computer","","TheComputerName, ADSite,Network","Roaming Computer, Site, Network","GET""#,
        );
        assert_eq!(e.ts, Some(1_506_988_373));
        assert_eq!(e.host, b"http://google.com/the.js");
        assert_eq!((e.user, e.client), (None, Some(&b"192.192.192.135"[..])));
        assert_eq!((e.bytes_out, e.action), (Some(562), Action::Allowed));
        let e = event(
            r#""2026-11-24 09:00:04","Smith, Alice (alice@corp.example)","10.20.1.15","203.0.113.10","104.18.32.47","application/json","BLOCKED","https://chatgpt.com/backend-api/conversation","","Mozilla/5.0","403","48213","1200","","","Generative AI","","","","","","AD Users""#,
        );
        assert_eq!(e.user, Some(&b"alice@corp.example"[..]));
        assert_eq!(e.action, Action::Blocked);
        let e = event(
            r#""2023-03-08 10:21:28","NetworkName","","101.102.103.104","202.203.204.205","","ALLOWED","http://analyticsnew.overwolf.com/",""," ","200","","","","","Games","","","","","","Networks""#,
        );
        assert_eq!(
            (e.client, e.bytes_out),
            (Some(&b"101.102.103.104"[..]), None)
        );
    }

    #[test]
    fn bad_rows() {
        let mut p = UmbrellaProxyParser::default();
        assert_eq!(
            p.parse(b"\"a\",\"b\""),
            Err(ParseError::MissingField("url"))
        );
        assert_eq!(
            p.parse(br#""2017-10-02 23:52:53","a","b","c","d","","ALLOWED","http://x/","","","200","lots","1""#),
            Err(ParseError::BadNumber("request size"))
        );
        assert_eq!(p.parse(b"  "), Ok(Parsed::Meta));
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) = crate::testutil::shared(
            "real-logs/proxy-umbrella-csv/elastic-integrations-cisco_umbrella-test-umbrella-proxylogs.log",
        ) else {
            return;
        };
        let t = tally(&mut UmbrellaProxyParser::default(), &text);
        assert_eq!((t.ignored, t.meta, t.errors), (0, 0, 0));
        assert_eq!((text.lines().count(), t.events.len()), (9, 9));
        assert_eq!(UmbrellaProxy.sniff(text.as_bytes()), 100);
        assert_eq!(
            super::super::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("umbrella-proxy")
        );
    }
}
