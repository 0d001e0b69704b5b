//! Windows Server DNS debug log (`dns.log`, "Log packets for debugging" in the DNS console,
//! `Set-DnsServerDiagnostics`).
//!
//! Spec: the file's own "Message logging key" header; the log levels are in MS-DNSP 2.2.9.1.1
//! `DNS_LOG_LEVELS` (<https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dnsp/fc6275ba-b4d3-4e81-9417-03d004369075>).
//! A packet line is
//!
//! `11/24/2026 9:15:00 AM 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv 10.0.0.5        a1b2   Q [0001   D   NOERROR] A      (7)chatgpt(3)com(0)`
//!
//! | # | field | use |
//! |---|---|---|
//! | 1-2 | date, time (server locale, local time) | `ts` (read as UTC) |
//! | 3-4 | thread id, context (`PACKET`) | only `PACKET` lines are data |
//! | 5 | internal packet id | – |
//! | 6-7 | `UDP`/`TCP`, `Snd`/`Rcv` | a query the server *received* (`Rcv`) is a client lookup |
//! | 8 | remote IP | `client` |
//! | 9 | xid | – |
//! | 10-11 | `R` (response) or blank (query), opcode `Q`/`N`/`U`/`?` | events only for `Q` queries |
//! | 12-14 | `[flags hex  flag chars  rcode]` | – |
//! | 15 | question type | – |
//! | 16 | question name, `(7)chatgpt(3)com(0)` | `host`, decoded to `chatgpt.com` |
//!
//! Quirks: the date and time follow the server's locale. Read: US `M/D/YYYY h:mm:ss AM|PM`
//! (the default), the same in 24-hour form, ISO-like `YYYY-MM-DD HH:MM:SS`, and dotted
//! `D.M.YYYY HH:MM:SS` (or `HH.MM.SS`) as written by German/Nordic/Russian locales. A
//! slash date is read month first; if its first number is above 12 it is taken as day first
//! (en-GB, fr-FR), so day-first dates with a day up to 12 are misread: use a US locale on the
//! server or convert. Other locales' AM/PM markers are not recognized (the line then has no
//! timestamp but still counts). Windows Server 2003 wrote the name dotted
//! (`.www.example.com.`); both forms are read. Responses (`R Q`), sent packets (the server's
//! own recursion to forwarders), updates and notifies are ignored, so each client lookup counts
//! once. The header, the "details" packet dumps and indented lines are metadata. DNS has no
//! user: the client address is what identifies the requester.

use memchr::memmem;

use super::{LineParser, LogFormat, score_lines, split_fields};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_u64, unix_seconds};

/// Windows DNS Server debug log.
pub struct WindowsDns;

impl LogFormat for WindowsDns {
    fn name(&self) -> &'static str {
        "windows-dns"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "Windows Server DNS debug log (dns.log, PACKET lines)"
    }
    fn fields(&self) -> &'static str {
        "date and time, Snd/Rcv, remote IP, query/response and opcode, question name"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dnsp/fc6275ba-b4d3-4e81-9417-03d004369075"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/windows-dns/dns.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        if memmem::find(head, b"DNS Server log file creation at").is_some()
            || memmem::find(head, b"Message logging key (for packets").is_some()
        {
            return 100;
        }
        score_lines(head, |line| {
            if is_meta(line) {
                return None;
            }
            Some(packet(line).is_some())
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(WindowsDnsParser::default())
    }
}

/// Header, field key and "details" dump lines.
fn is_meta(line: &[u8]) -> bool {
    line.trim_ascii().is_empty()
        || line.first().is_some_and(u8::is_ascii_whitespace)
        || line.starts_with(b"DNS Server log")
        || line.starts_with(b"Log file wrap")
        || line.starts_with(b"Message logging key")
        || line.starts_with(b"UDP ")
        || line.starts_with(b"TCP ")
}

/// A packet line split at `PACKET`: the time part before it and the fields after it.
struct Packet<'a> {
    when: &'a [u8],
    after: &'a [u8],
}

fn packet(line: &[u8]) -> Option<Packet<'_>> {
    let at = memmem::find(line, b" PACKET ")?;
    let when = &line[..at];
    // `date time [AM|PM] thread`: the date starts with a digit.
    if !when.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let sp = memchr::memrchr(b' ', when)?;
    Some(Packet {
        when: &when[..sp],
        after: &line[at + 8..],
    })
}

/// Three numbers separated by `sep` (`11/24/2026`, `9:15:00`).
fn triple(b: &[u8], sep: u8) -> Option<(u32, u32, u32)> {
    let mut it = b.split(|&c| c == sep);
    let mut next = || -> Option<u32> {
        let f = it.next()?;
        (f.len() <= 4).then_some(())?;
        parse_u64(f).and_then(|n| u32::try_from(n).ok())
    };
    let t = (next()?, next()?, next()?);
    it.next().is_none().then_some(t)
}

/// `11/24/2026 9:15:00 AM`, `24.11.2026 09:15:00`, `2026-11-24 09:15:00` to Unix seconds.
/// `Some(None)` for a 12-hour time with another locale's marker (`vorm.`): the hour is
/// unknown, but the line is sound. `None` for a time that does not read.
fn parse_when(when: &[u8]) -> Option<Option<i64>> {
    let (f, n) = split_fields::<4>(when, b' ', true);
    if !(2..=3).contains(&n) {
        return None;
    }
    let (y, m, d) = if let Some(t) = triple(f[0], b'/') {
        let (a, b, y) = t;
        if a > 12 && b <= 12 {
            (y, b, a)
        } else {
            (y, a, b)
        }
    } else if let Some((d, m, y)) = triple(f[0], b'.') {
        (y, m, d)
    } else {
        triple(f[0], b'-')?
    };
    let (mut hh, mm, ss) = triple(f[1], b':').or_else(|| triple(f[1], b'.'))?;
    if n == 3 {
        match f[2] {
            b"AM" | b"am" if (1..=12).contains(&hh) => hh %= 12,
            b"PM" | b"pm" if (1..=12).contains(&hh) => hh = hh % 12 + 12,
            b"AM" | b"am" | b"PM" | b"pm" => return None,
            marker if marker.first().is_some_and(u8::is_ascii_alphabetic) => return Some(None),
            _ => return None,
        }
    }
    if !(1000..=9999).contains(&y) {
        return None;
    }
    unix_seconds(i64::from(y), m, d, hh, mm, ss).map(Some)
}

/// Decodes `(7)chatgpt(3)com(0)` into `out` as `chatgpt.com`; a dotted name
/// (`.www.example.com.`) is copied without its outer dots.
fn decode_name(raw: &[u8], out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    if raw.first() != Some(&b'(') {
        let trimmed = raw.strip_prefix(b".").unwrap_or(raw);
        let trimmed = trimmed.strip_suffix(b".").unwrap_or(trimmed);
        out.extend_from_slice(trimmed);
        return (!out.is_empty()).then_some(());
    }
    let mut s = raw;
    while !s.is_empty() {
        let rest = s.strip_prefix(b"(")?;
        let close = memchr::memchr(b')', rest)?;
        // A DNS label is at most 63 bytes; larger counts are corrupt (and must not overflow).
        let len = usize::try_from(parse_u64(&rest[..close])?)
            .ok()
            .filter(|&l| l <= 63)?;
        if len == 0 {
            break;
        }
        let label = rest.get(close + 1..close + 1 + len)?;
        if !out.is_empty() {
            out.push(b'.');
        }
        out.extend_from_slice(label);
        s = &rest[close + 1 + len..];
    }
    (!out.is_empty()).then_some(())
}

#[derive(Default)]
struct WindowsDnsParser {
    host: Vec<u8>,
}

impl LineParser for WindowsDnsParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let line = line.trim_ascii_end();
        if is_meta(line) {
            return Ok(Parsed::Meta);
        }
        let Some(p) = packet(line) else {
            // A dated non-packet line (`… 0E60 Note: …`, `EVENT`) is well-formed.
            let date = line.split(|&c| c == b' ').next().unwrap_or_default();
            let dated = triple(date, b'/')
                .or_else(|| triple(date, b'.'))
                .or_else(|| triple(date, b'-'))
                .is_some();
            return if dated {
                Ok(Parsed::Ignored)
            } else {
                Err(ParseError::Unrecognized("Windows DNS debug log"))
            };
        };
        // A packet line always opens with its date: one that does not read is a bad time.
        let ts = parse_when(p.when).ok_or(ParseError::BadTimestamp)?;
        // `id proto dir ip xid [R] opcode [flags chars rcode] type name`
        let (f, n) = split_fields::<6>(p.after, b' ', true);
        if n < 6 {
            return Err(ParseError::MissingField("remote IP"));
        }
        let (dir, client, rest) = (f[2], f[3], f[5]);
        let open = memchr::memchr(b'[', rest).ok_or(ParseError::MissingField("flags"))?;
        let close = memchr::memchr(b']', rest).ok_or(ParseError::MissingField("flags"))?;
        let kind = rest[..open].trim_ascii();
        if dir != b"Rcv" || kind != b"Q" {
            return Ok(Parsed::Ignored);
        }
        let (q, qn) = split_fields::<3>(rest.get(close + 1..).unwrap_or_default(), b' ', true);
        if qn < 2 {
            return Err(ParseError::MissingField("question name"));
        }
        decode_name(q[1].trim_ascii(), &mut self.host)
            .ok_or(ParseError::MissingField("question name"))?;
        Ok(Parsed::Event(Event {
            ts,
            client: Some(client),
            host: &self.host,
            action: Action::Allowed,
            source: SourceKind::Dns,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with, tally};
    use crate::time::fmt_rfc3339;

    fn parse(line: &str) -> Result<Parsed<'_>, ParseError> {
        parse_with(WindowsDnsParser::default(), line)
    }

    fn event(line: &str) -> Event<'_> {
        event_with(WindowsDnsParser::default(), line)
    }

    #[test]
    fn received_queries_are_events() {
        let e = event(
            "11/24/2026 9:15:00 AM 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv 10.0.0.5        a1b2   Q [0001   D   NOERROR] A      (7)chatgpt(3)com(0)",
        );
        assert_eq!(e.host, b"chatgpt.com");
        assert_eq!(e.client, Some(&b"10.0.0.5"[..]));
        assert_eq!(e.ts, Some(1_795_511_700));
        let e = event(
            "6/5/2013 10:00:32 PM 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b47   Q [0001   D   NOERROR] AAAA   (6)claude(2)ai(0)",
        );
        assert_eq!(fmt_rfc3339(e.ts.unwrap()), "2013-06-05T22:00:32Z");
        assert_eq!(e.host, b"claude.ai");
        let e = event(
            "4/15/2014 12:16:00 AM 0710 PACKET  0000000028FB94C0 UDP  Rcv 10.1.2.3        8857   Q [0001   D   NOERROR] A      .gemini.google.com.",
        );
        assert_eq!(
            (e.host, fmt_rfc3339(e.ts.unwrap()).as_str()),
            (&b"gemini.google.com"[..], "2014-04-15T00:16:00Z")
        );
        let e = event(
            "2026-11-24 09:15:00 0E60 PACKET  000000D1F3B2A0E0 TCP Rcv fe80::1          a1b3   Q [0001   D   NOERROR] HTTPS  (3)api(6)openai(3)com(0)",
        );
        assert_eq!(
            (e.client, e.ts),
            (Some(&b"fe80::1"[..]), Some(1_795_511_700))
        );
        let e = event(
            "24.11.2026 09.15.00 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv 10.0.0.7 a1b4   Q [0001   D   NOERROR] A      (7)copilot(9)microsoft(3)com(0)",
        );
        assert_eq!(
            (e.host, e.ts),
            (&b"copilot.microsoft.com"[..], Some(1_795_511_700))
        );
        let e = event(
            "24/11/2026 21:15:00 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv 10.0.0.7 a1b4   Q [0001   D   NOERROR] A      (2)a1(0)",
        );
        assert_eq!(fmt_rfc3339(e.ts.unwrap()), "2026-11-24T21:15:00Z");
    }

    #[test]
    fn responses_sends_updates_and_notes_are_ignored() {
        for line in [
            "4/21/2017 7:52:03 AM 06B0 PACKET  00000000028657F0 UDP Snd 10.2.0.1        6590 R Q [8081   DR  NOERROR] A      (7)example(3)com(0)",
            "4/21/2014 7:18:36 AM 0714 PACKET  000000002CC599A0 UDP  Snd 8.8.8.8         3434   Q [1001   D   NOERROR] A      .cdn-controltag.krxd.net.",
            "4/21/2017 7:52:03 AM 06B0 PACKET  00000000028657F0 UDP Rcv 10.2.0.9        6591 R Q [8081   DR  NOERROR] A      (7)example(3)com(0)",
            "4/21/2017 7:52:03 AM 06B0 PACKET  00000000028657F0 UDP Rcv 10.2.0.9        6592   U [0028       NOERROR] SOA    (4)corp(7)example(3)com(0)",
            "11/24/2026 9:15:00 AM 0E60 Note: got GQCS failure on a dead socket context status=995, socket=524, pcon=000000D1F3B2A0E0, state=-1, IP=0.0.0.0",
        ] {
            assert_eq!(parse(line), Ok(Parsed::Ignored), "{line}");
        }
    }

    #[test]
    fn header_and_junk() {
        for line in [
            "DNS Server log file creation at 11/24/2026 9:14:59 AM",
            "Log file wrap at 11/24/2026 9:14:59 AM",
            "",
            "Message logging key (for packets - other items use a subset of these fields):",
            "\tField #  Information         Values",
            "\t   16     Question Name",
            "UDP question info at 000000D1F3B2A0E0",
            "  Socket = 508",
        ] {
            assert_eq!(parse(line), Ok(Parsed::Meta), "{line}");
        }
        assert_eq!(
            parse("hello world"),
            Err(ParseError::Unrecognized("Windows DNS debug log"))
        );
        assert_eq!(
            parse("11/24/2026 9:15:00 AM 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv"),
            Err(ParseError::MissingField("remote IP"))
        );
        assert_eq!(
            parse(
                "11/24/2026 9:15:00 AM 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv 10.0.0.5 a1b2   Q [0001   D   NOERROR] A      (9)chatgpt(3)com(0)"
            ),
            Err(ParseError::MissingField("question name"))
        );
        // An unknown AM/PM marker loses the time, not the event.
        let e = event(
            "11/24/2026 9:15:00 vorm. 0E60 PACKET  000000D1F3B2A0E0 UDP Rcv 10.0.0.5 a1b2   Q [0001   D   NOERROR] A      (7)chatgpt(3)com(0)",
        );
        assert_eq!(e.ts, None);
    }

    #[test]
    fn sample_parses_and_detects() {
        let text = WindowsDns.sample();
        let t = tally(&mut WindowsDnsParser::default(), text);
        assert_eq!(t.errors, 0);
        assert!(t.events.len() >= 10 && t.ignored > 0 && t.meta > 0);
        assert_eq!(WindowsDns.sniff(text.as_bytes()), 100);
        // Headerless (a tail of the file) still detects.
        let body: String = text
            .lines()
            .filter(|l| l.contains(" PACKET "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(WindowsDns.sniff(body.as_bytes()), 100);
        assert_eq!(
            crate::formats::detect(body.as_bytes())
                .map(|f| f.name())
                .ok(),
            Some("windows-dns")
        );
    }
}
