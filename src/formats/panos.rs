//! Palo Alto Networks PAN-OS firewall logs in the default syslog CSV format: TRAFFIC and
//! THREAT (subtype `url`, the URL-filtering log), with or without a syslog header.
//!
//! Spec: PAN-OS syslog field descriptions,
//! <https://docs.paloaltonetworks.com/pan-os/10-2/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions>
//! (threat-log-fields, traffic-log-fields). A line is
//! `Nov 30 16:44:36 PA-220 1,2018/11/30 16:44:36,012801096514,THREAT,url,…`:
//!
//! | # | field | use |
//! |---|---|---|
//! | 0 | FUTURE_USE (`1`) | – |
//! | 1 | Receive Time `2018/11/30 16:44:36` | `ts` fallback |
//! | 3 | Type (`TRAFFIC`, `THREAT`, `SYSTEM`, …) | only `THREAT` can name a host |
//! | 4 | Subtype (`url`, `vulnerability`, `end`, …) | only `url` names a visited host |
//! | 6 | Generated Time | `ts` (firewall local time, read as UTC) |
//! | 7 | Source Address | `client` |
//! | 12 | Source User (`corp\alice`) | `user` |
//! | 30 | Action (`alert`, `allow`, `block-url`, `reset-both`, `deny`, `drop`…) | `action` |
//! | 31 | THREAT: URL/Filename, quoted (`"chatgpt.com/"`) | `host` |
//! | 32 | TRAFFIC: Bytes Sent | `bytes_out` (TRAFFIC lines are ignored: no host) |
//!
//! Quirks: the syslog header varies (RFC 3164 without a tag, RFC 3339 time, a `<PRI>`), so the
//! CSV is found by its receive-time field `,YYYY/MM/DD hh:mm:ss,` rather than by parsing the
//! header; an RFC 3339 header time (with its offset) is preferred over the zone-less CSV time.
//! Fields are quoted when they contain commas. TRAFFIC logs carry no host name, and other
//! THREAT subtypes name a threat or file rather than a visited site: both are ignored, as are
//! SYSTEM/CONFIG/GLOBALPROTECT and other log types.

use std::cell::RefCell;

use super::csv_fields::CsvSplitter;
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_iso8601, parse_u64, unix_seconds};

/// PAN-OS syslog CSV.
pub struct Panos;

impl LogFormat for Panos {
    fn name(&self) -> &'static str {
        "panos"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Palo Alto PAN-OS syslog CSV: THREAT/url (URL filtering); TRAFFIC is read but has no host"
    }
    fn fields(&self) -> &'static str {
        "generated time, source address, source user, action, URL (THREAT/url)"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.paloaltonetworks.com/pan-os/10-2/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions/threat-log-fields"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/panos/panos.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let csv = RefCell::new(CsvSplitter::default());
        score_lines(head, |line| {
            let Some(start) = csv_start(line) else {
                return Some(false);
            };
            let mut csv = csv.borrow_mut();
            let f = csv.split(&line[start..], 5);
            Some(f.len() == 5 && is_serial(f.get(2)) && KNOWN_TYPES.contains(&f.get(3)))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(PanosParser::default())
    }
    fn reads_syslog(&self) -> bool {
        true
    }
}

const KNOWN_TYPES: &[&[u8]] = &[
    b"TRAFFIC",
    b"THREAT",
    b"SYSTEM",
    b"CONFIG",
    b"HIPMATCH",
    b"GLOBALPROTECT",
    b"USERID",
    b"AUTH",
    b"DECRYPTION",
    b"TUNNEL",
    b"CORRELATION",
    b"IPTAG",
    b"SCTP",
];

/// Firewall serial numbers are alphanumeric (`012801096514`, `0009C101317`).
fn is_serial(f: &[u8]) -> bool {
    !f.is_empty() && f.len() <= 20 && f.iter().all(u8::is_ascii_alphanumeric)
}

/// `YYYY/MM/DD hh:mm:ss` at the start of `b`.
fn panos_time(b: &[u8]) -> Option<i64> {
    let b = b.get(..19)?;
    if b[4] != b'/' || b[7] != b'/' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| {
        b.get(r)
            .and_then(parse_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    unix_seconds(i64::from(y), mo, d, n(11..13)?, n(14..16)?, n(17..19)?)
}

/// Where the CSV record starts: the field before the first `,YYYY/MM/DD hh:mm:ss,` (the
/// receive time), after the last space preceding it.
fn csv_start(line: &[u8]) -> Option<usize> {
    for comma in memchr::memchr_iter(b',', line) {
        let after = &line[comma + 1..];
        if after.get(19) == Some(&b',') && panos_time(after).is_some() {
            let head = &line[..comma];
            return Some(memchr::memrchr(b' ', head).map_or(0, |sp| sp + 1));
        }
        if comma > 64 {
            // The receive time is the second field; a header is never this long.
            return None;
        }
    }
    None
}

fn action_of(a: &[u8]) -> Action {
    if a.starts_with(b"block") || a.starts_with(b"reset") || a.starts_with(b"drop") || a == b"deny"
    {
        Action::Blocked
    } else if a.is_empty() {
        Action::Unknown
    } else {
        Action::Allowed
    }
}

#[derive(Default)]
struct PanosParser {
    csv: CsvSplitter,
}

impl LineParser for PanosParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let start = csv_start(line).ok_or(ParseError::Unrecognized("PAN-OS CSV"))?;
        let f = self.csv.split(line.get(start..).unwrap_or_default(), 34);
        let n = f.len();
        if n < 5 || !is_serial(f.get(2)) {
            return Err(ParseError::Unrecognized("PAN-OS CSV"));
        }
        if f.get(3) != b"THREAT" {
            if f.get(3) == b"TRAFFIC" && n < 33 {
                return Err(ParseError::MissingField("bytes_sent"));
            }
            return Ok(Parsed::Ignored);
        }
        if n < 32 {
            return Err(ParseError::MissingField("url"));
        }
        if f.get(4) != b"url" {
            return Ok(Parsed::Ignored);
        }
        let Some(host) = present(f.get(31)) else {
            return Ok(Parsed::Ignored);
        };
        // An RFC 3339 syslog header carries the zone; the CSV times do not.
        let header = line.get(..start).unwrap_or_default();
        let header = match header.first() {
            Some(b'<') => memchr::memchr(b'>', header).map_or(header, |i| &header[i + 1..]),
            _ => header,
        };
        let ts = parse_iso8601(header)
            .map(|(t, _)| t)
            .or_else(|| panos_time(f.get(6)))
            .or_else(|| panos_time(f.get(1)));
        Ok(Parsed::Event(Event {
            ts,
            user: present(f.get(12)),
            client: present(f.get(7)),
            host,
            action: action_of(f.get(30)),
            source: SourceKind::Proxy,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{parse_with, tally};

    fn parse(line: &str) -> Result<Parsed<'_>, ParseError> {
        parse_with(PanosParser::default(), line)
    }

    #[test]
    fn threat_url_line_from_the_elastic_sample() {
        let Parsed::Event(e) = parse(r#"Nov 30 16:44:36 PA-220 1,2018/11/30 16:44:36,012801096514,THREAT,url,2049,2018/11/30 16:44:36,192.168.15.224,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,2018/11/30 16:44:36,28191,1,52984,443,37679,443,0x403000,tcp,alert,"consent.cmp.oath.com/",(9999),Web-URL-Allowlist,informational,client-to-server,7726,0x0,192.168.0.0-192.168.255.255,United States,0,,0,,,0,,,,,,,,0,0,0,0,0,,PA-220,,,,,0,,0,,N/A,N/A,AppThreat-0-0,0x0,0,4294967295,,"#).unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.ts, Some(1_543_596_276));
        assert_eq!(e.host, b"consent.cmp.oath.com/");
        assert_eq!(e.client, Some(&b"192.168.15.224"[..]));
        assert_eq!(e.user, None);
        assert_eq!(e.action, Action::Allowed);
    }

    #[test]
    fn blocked_url_with_user_pri_and_iso_header() {
        let Parsed::Event(e) = parse(r#"<14>2026-11-24T10:15:00+01:00 fw01 1,2026/11/24 10:15:00,0009C101317,THREAT,url,2561,2026/11/24 10:15:00,10.1.2.3,104.18.32.47,198.51.100.7,104.18.32.47,Block-GenAI,corp\alice,,openai-chatgpt,vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd,2026/11/24 10:15:00,1234,1,50123,443,40123,443,0x8000,tcp,block-url,"chatgpt.com/backend-api/conversation",(9999),"artificial-intelligence,high-risk",informational,client-to-server"#).unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.ts, Some(1_795_511_700));
        assert_eq!(e.user, Some(&br"corp\alice"[..]));
        assert_eq!(e.host, b"chatgpt.com/backend-api/conversation");
        assert_eq!(e.action, Action::Blocked);
        for (a, want) in [
            (&b"reset-both"[..], Action::Blocked),
            (b"deny", Action::Blocked),
            (b"drop", Action::Blocked),
            (b"continue", Action::Allowed),
        ] {
            assert_eq!(action_of(a), want);
        }
    }

    #[test]
    fn traffic_and_other_threats_are_ignored_junk_is_an_error() {
        assert_eq!(
            parse(
                "Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,2018/11/30 16:09:07,192.168.15.207,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,apple-maps,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,2018/11/30 16:09:07,22751,1,55113,443,16418,443,0x400053,tcp,allow,7734,1758,5976,36,2018/11/30 15:59:04,586,computer-and-internet-info,0"
            ),
            Ok(Parsed::Ignored)
        );
        assert_eq!(
            parse(
                "1,2026/11/24 10:00:00,0009C101317,SYSTEM,general,0,2026/11/24 10:00:00,,general,,0,0,general,informational,msg"
            ),
            Ok(Parsed::Ignored)
        );
        assert_eq!(
            parse("1,2026/11/24 10:00:00,0009C101317,TRAFFIC,end,1,2026/11/24"),
            Err(ParseError::MissingField("bytes_sent"))
        );
        assert_eq!(
            parse("hello, world"),
            Err(ParseError::Unrecognized("PAN-OS CSV"))
        );
        assert_eq!(parse(""), Ok(Parsed::Meta));
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        for (rel, lines, events) in [
            (
                "real-logs/proxy-panw-csv/elastic-integrations-panw-panos-traffic-sample-head34.log",
                34,
                0,
            ),
            (
                "real-logs/proxy-panw-csv/elastic-integrations-panw-panos-threat-url-no-xff-sample.log",
                1,
                1,
            ),
            (
                "real-logs/proxy-panw-csv/crowdsec-hub-palo-alto-threat.log",
                2,
                0,
            ),
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            let t = tally(&mut PanosParser::default(), &text);
            assert_eq!(
                (t.events.len(), t.ignored, t.meta, t.errors),
                (events, lines - events, 0, 0),
                "{rel}"
            );
            assert_eq!(Panos.sniff(text.as_bytes()), 100, "{rel}");
            assert_eq!(
                super::super::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("panos"),
                "{rel}"
            );
        }
    }
}
