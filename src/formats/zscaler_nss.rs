//! Zscaler Internet Access (ZIA) Nanolog Streaming Service (NSS / Cloud NSS) feeds in the JSON
//! feed output format: the web feed (`zscalernss-web`) and the DNS feed (`zscalernss-dns`).
//!
//! Spec: NSS feed output format fields,
//! <https://help.zscaler.com/zia/nss-feed-output-format-web-logs> and
//! <https://help.zscaler.com/zia/nss-feed-output-format-dns-logs>; the Splunk/Elastic JSON
//! templates wrap every record as `{"sourcetype":"zscalernss-web","event":{…}}`. Every value
//! is written as a JSON string (`"reqsize":"600"`), numbers are accepted too.
//!
//! | NSS field | use |
//! |---|---|
//! | `epochtime`, else `time` / `datetime` (`Fri Dec 31 07:07:07 2021`) | `ts` |
//! | `login` (web), `login` or `user` (DNS) | `user` |
//! | `cip` (web), `clt_sip` / `cip` (DNS) | `client` |
//! | `hostname` / `host` / `ehost`, else `eurl` / `url` (web) | `host` |
//! | `eurl`, else `url` (web: `host/path`) | `path` |
//! | `dns_req` (DNS) | `host` |
//! | `reqsize` (web: request size, the upload) | `bytes_out` |
//! | `action` (`Allowed` / `Blocked`), `reqaction` / `resaction` (`REQ_BLOCK`, …) | `action` |
//! | `devicehostname` | `device` |
//!
//! Quirks: feeds are customer-defined, so any of these fields may be absent; a record without
//! the `sourcetype`/`event` wrapper is read as the event itself. `None`, `NA` and empty values
//! mean absent. The `time` field is in the feed's configured zone (usually GMT); `epochtime`
//! is preferred when the feed has it. JSON escapes (`\/`) are undone into a buffer the parser
//! reuses. The tab-separated NSS web feed is the `zscaler-nss-tsv` format.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Deserializer};

use super::json::{self, Bools};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_epoch, parse_month, parse_u64, unix_seconds};

/// Zscaler ZIA NSS web and DNS feeds, JSON.
pub struct ZscalerNss;

impl LogFormat for ZscalerNss {
    fn name(&self) -> &'static str {
        "zscaler-nss"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Zscaler ZIA NSS web and DNS feeds, JSON (sourcetype zscalernss-web / zscalernss-dns)"
    }
    fn fields(&self) -> &'static str {
        "time/epochtime, login, cip, hostname/eurl/url or dns_req, reqsize, action/reqaction, devicehostname"
    }
    fn spec_url(&self) -> &'static str {
        "https://help.zscaler.com/zia/nss-feed-output-format-web-logs"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/zscaler-nss/nss-web.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            if !line.starts_with(b"{") {
                return Some(false);
            }
            let tagged = memchr::memmem::find(line, b"\"zscalernss-").is_some();
            // Unwrapped records: a few NSS-specific key names together.
            let keys = |names: &[&[u8]]| {
                names
                    .iter()
                    .all(|k| memchr::memmem::find(line, k).is_some())
            };
            let bare = keys(&[b"\"cip\"", b"\"reqsize\"", b"\"urlcat\""])
                || keys(&[b"\"dns_req\"", b"\"reqaction\""]);
            Some(tagged || bare)
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(NssParser::default())
    }
}

/// The `{"sourcetype":…,"event":{…}}` wrapper.
#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(borrow, default)]
    event: Option<Record<'a>>,
}

/// The fields read from one NSS record; the rest are skipped by serde.
#[derive(Deserialize, Default)]
struct Record<'a> {
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    datetime: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "number")]
    epochtime: Option<u64>,
    #[serde(borrow, default)]
    login: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    clt_sip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    hostname: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ehost: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    eurl: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dns_req: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "number")]
    reqsize: Option<u64>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reqaction: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    resaction: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    devicehostname: Option<Cow<'a, str>>,
}

/// A number written as a JSON number or a string of digits (a `.fraction` is cut off); other
/// strings and booleans are `None`.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    json::number_or_string(
        d,
        |s| parse_epoch(s.trim().as_bytes()).and_then(|n| u64::try_from(n).ok()),
        Bools::Absent,
    )
}

/// Where a string of the event lives: in the line, or unescaped in the parser's scratch.
#[derive(Clone)]
enum Span<'a> {
    Line(&'a [u8]),
    Scratch(Range<usize>),
}

#[derive(Default)]
struct NssParser {
    scratch: Vec<u8>,
}

/// `None`, `NA`, `N/A`, `-` and empty strings mean "no value" in NSS feeds.
fn value<'r, 'a>(v: &'r Option<Cow<'a, str>>) -> Option<&'r Cow<'a, str>> {
    v.as_ref()
        .filter(|s| !matches!(s.trim(), "" | "-" | "None" | "NA" | "N/A"))
}

/// Keeps a borrowed value as a line slice; copies an unescaped one into `scratch`.
fn span<'a>(v: Option<&Cow<'a, str>>, scratch: &mut Vec<u8>) -> Option<Span<'a>> {
    match v? {
        Cow::Borrowed(s) => Some(Span::Line(s.as_bytes())),
        Cow::Owned(s) => {
            let start = scratch.len();
            scratch.extend_from_slice(s.as_bytes());
            Some(Span::Scratch(start..scratch.len()))
        }
    }
}

fn resolve<'a>(s: Option<Span<'a>>, scratch: &'a [u8]) -> Option<&'a [u8]> {
    match s? {
        Span::Line(b) => Some(b),
        Span::Scratch(r) => scratch.get(r),
    }
}

/// C `ctime` style, as NSS writes `%s{time}`: `Fri Dec 31 07:07:07 2021` (day may be padded).
/// Shared with the tab-separated feed (`zscaler_nss_tsv`).
pub(super) fn parse_ctime(s: &[u8]) -> Option<i64> {
    let mut it = s
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty());
    let _weekday = it.next()?;
    let month = parse_month(it.next()?)?;
    let day = u32::try_from(parse_u64(it.next()?)?).ok()?;
    let clock = it.next()?;
    let year = i64::try_from(parse_u64(it.next()?)?).ok()?;
    if clock.len() != 8 || clock[2] != b':' || clock[5] != b':' {
        return None;
    }
    let two = |r: std::ops::Range<usize>| parse_u64(&clock[r]).and_then(|n| u32::try_from(n).ok());
    unix_seconds(year, month, day, two(0..2)?, two(3..5)?, two(6..8)?)
}

/// The web feed's `action` value: `Blocked` / `Allowed` (any case; `Caution` is allowed).
/// Shared with the tab-separated feed (`zscaler_nss_tsv`).
pub(super) fn web_action(a: &[u8]) -> Action {
    const BLOCKED: [&[u8]; 4] = [b"blocked", b"block", b"denied", b"deny"];
    const ALLOWED: [&[u8]; 3] = [b"allowed", b"allow", b"caution"];
    if BLOCKED.iter().any(|w| a.eq_ignore_ascii_case(w)) {
        Action::Blocked
    } else if ALLOWED.iter().any(|w| a.eq_ignore_ascii_case(w)) {
        Action::Allowed
    } else {
        Action::Unknown
    }
}

fn action_of(r: &Record<'_>) -> Action {
    if let Some(a) = value(&r.action) {
        return web_action(a.as_bytes());
    }
    let dns = [value(&r.reqaction), value(&r.resaction)];
    if dns.iter().flatten().any(|a| a.contains("BLOCK")) {
        Action::Blocked
    } else if dns.iter().flatten().any(|a| a.contains("ALLOW")) {
        Action::Allowed
    } else {
        Action::Unknown
    }
}

impl LineParser for NssParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(wrapped) = json::object::<Wrapper<'a>>(line, "Zscaler NSS JSON")? else {
            return Ok(Parsed::Meta);
        };
        let rec = match wrapped.event {
            Some(r) => r,
            None => serde_json::from_slice(line.trim_ascii())
                .map_err(|_| ParseError::Unrecognized("Zscaler NSS JSON"))?,
        };
        let is_dns = rec.dns_req.is_some();
        let host = if is_dns {
            value(&rec.dns_req)
        } else {
            value(&rec.hostname)
                .or(value(&rec.host))
                .or(value(&rec.ehost))
                .or(value(&rec.eurl))
                .or(value(&rec.url))
        };
        let Some(host) = host else {
            return Ok(Parsed::Ignored);
        };
        let ts = match rec.epochtime.and_then(|n| i64::try_from(n).ok()) {
            Some(t) => Some(t),
            None => match value(&rec.time).or(value(&rec.datetime)) {
                Some(t) => Some(parse_ctime(t.as_bytes()).ok_or(ParseError::BadTimestamp)?),
                None => None,
            },
        };
        let action = action_of(&rec);
        self.scratch.clear();
        let s = &mut self.scratch;
        let host = span(Some(host), s);
        let user = span(value(&rec.login).or(value(&rec.user)), s);
        let client = span(value(&rec.cip).or(value(&rec.clt_sip)), s);
        let device = span(value(&rec.devicehostname), s);
        // The web feed's `hostname` has no path; its `eurl` / `url` (`host/path`) does.
        let path = if is_dns {
            None
        } else {
            span(value(&rec.eurl).or(value(&rec.url)), s)
        };
        let scratch: &'a [u8] = &self.scratch;
        let Some(host) = resolve(host, scratch) else {
            return Ok(Parsed::Ignored);
        };
        Ok(Parsed::Event(Event {
            ts,
            user: resolve(user, scratch),
            client: resolve(client, scratch),
            host,
            bytes_out: if is_dns { None } else { rec.reqsize },
            action,
            source: if is_dns {
                SourceKind::Dns
            } else {
                SourceKind::Proxy
            },
            device: resolve(device, scratch),
            process: None,
            path: resolve(path, scratch),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    fn event(line: &str) -> Event<'static> {
        let p = Box::leak(Box::new(NssParser::default()));
        match p.parse(Box::leak(line.to_owned().into_boxed_str()).as_bytes()) {
            Ok(Parsed::Event(e)) => e,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn web_record_from_the_elastic_sample() {
        let e = event(
            r#"{ "sourcetype" : "zscalernss-web", "event" :{"time":"Fri Dec 31 07:07:07 2021","login":"test@example.com","proto":"HTTPS","eurl":"chatgpt.com/backend-api/conversation","action":"Blocked","reqsize":"218","respsize":"14230","cip":"81.2.69.193","sip":"89.160.20.156","reqmethod":"POST","devicehostname":"TestMachine35"}}"#,
        );
        assert_eq!(e.ts, Some(1_640_934_427));
        assert_eq!(e.user, Some(&b"test@example.com"[..]));
        assert_eq!(e.client, Some(&b"81.2.69.193"[..]));
        assert_eq!(e.host, b"chatgpt.com/backend-api/conversation");
        assert_eq!(e.bytes_out, Some(218));
        assert_eq!(e.action, Action::Blocked);
        assert_eq!(e.source, SourceKind::Proxy);
        assert_eq!(e.device, Some(&b"TestMachine35"[..]));
    }

    #[test]
    fn escapes_numbers_and_hostname_preference() {
        let e = event(
            r#"{"sourcetype":"zscalernss-web","event":{"epochtime":1795511700,"login":"a\u0040b.com","hostname":"claude.ai","url":"https:\/\/claude.ai\/api","action":"Allowed","reqsize":5120}}"#,
        );
        assert_eq!(e.ts, Some(1_795_511_700));
        assert_eq!(e.user, Some(&b"a@b.com"[..]));
        assert_eq!(e.host, b"claude.ai");
        assert_eq!(e.bytes_out, Some(5120));
        assert_eq!(e.action, Action::Allowed);
        let e = event(r#"{"event":{"url":"https:\/\/gemini.google.com\/app","login":"None"}}"#);
        assert_eq!(
            (e.host, e.user),
            (&b"https://gemini.google.com/app"[..], None)
        );
    }

    #[test]
    fn dns_records_and_unwrapped_records() {
        let e = event(
            r#"{"sourcetype":"zscalernss-dns","event":{"datetime":"Mon Oct  6 22:55:48 2025","dns_req":"api.openai.com","reqaction":"REQ_BLOCK","clt_sip":"10.1.2.3","login":"jdoe@corp.example"}}"#,
        );
        assert_eq!(e.source, SourceKind::Dns);
        assert_eq!(e.action, Action::Blocked);
        assert_eq!(e.host, b"api.openai.com");
        assert_eq!(e.client, Some(&b"10.1.2.3"[..]));
        assert_eq!(e.bytes_out, None);
        let e = event(r#"{"dns_req":"claude.ai","reqaction":"REQ_ALLOW","user":"x@y"}"#);
        assert_eq!((e.host, e.action), (&b"claude.ai"[..], Action::Allowed));
    }

    #[test]
    fn ignored_meta_and_errors() {
        let mut p = NssParser::default();
        assert_eq!(
            p.parse(br#"{"sourcetype":"zscalernss-web","event":{"login":"a","eurl":"None"}}"#),
            Ok(Parsed::Ignored)
        );
        assert_eq!(p.parse(b"  "), Ok(Parsed::Meta));
        assert!(p.parse(b"{not json").is_err());
        assert!(p.parse(b"hello").is_err());
        assert_eq!(
            p.parse(br#"{"event":{"time":"yesterday","eurl":"a.com"}}"#),
            Err(ParseError::BadTimestamp)
        );
        assert!(p.parse(br#"{"event":{"eurl":5}}"#).is_err());
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        for (rel, lines, kind) in [
            (
                "real-logs/proxy-zscaler-nss/elastic-integrations-zscaler_zia-test-web.log",
                6,
                SourceKind::Proxy,
            ),
            (
                "real-logs/dns-zscaler-nss/elastic-integrations-zscaler_zia-test-dns-head2.log",
                2,
                SourceKind::Dns,
            ),
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            let t = tally(&mut NssParser::default(), &text);
            for e in &t.events {
                assert_eq!(e.source, kind);
                assert!(e.user.is_some() && e.client.is_some() && e.ts.is_some());
            }
            assert_eq!((t.ignored, t.meta, t.errors), (0, 0, 0), "{rel}");
            assert_eq!((text.lines().count(), t.events.len()), (lines, lines), "{rel}");
            assert_eq!(ZscalerNss.sniff(text.as_bytes()), 100, "{rel}");
            assert_eq!(
                super::super::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("zscaler-nss")
            );
        }
    }
}
