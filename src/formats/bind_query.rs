//! BIND 9 `named` query log (the `queries` category), and the `security` category's
//! denied-query lines, with or without a syslog envelope.
//!
//! Spec: BIND 9 ARM, logging statement (`print-time`, `print-category`, `print-severity`):
//! <https://bind9.readthedocs.io/en/latest/reference.html#logging-block>. A query line is
//!
//! `19-Oct-2022 05:34:02.425 queries: info: client @0x7f97e40eb500 192.168.1.90#64727 (ocsp.digicert.com): query: ocsp.digicert.com IN A + (192.168.1.10)`
//!
//! | part | use |
//! |---|---|
//! | date (`print-time`: default `dd-Mon-yyyy hh:mm:ss.mmm`, or ISO 8601) | `ts` (read as UTC) |
//! | `queries:` / `info:` (`print-category`, `print-severity`) | skipped |
//! | `@0x…` client object (BIND ≥ 9.11) | skipped |
//! | `IP#port` | `client` |
//! | `(name)` and `view NAME:` | skipped |
//! | `query: NAME CLASS TYPE flags (server)` | `host` = NAME, allowed |
//! | `query (cache) 'NAME/TYPE/CLASS' denied` | `host` = NAME, blocked |
//!
//! Quirks: Infoblox NIOS (its syslog query and response logging) writes `client IP#port: UDP:
//! query: NAME IN A response: …`, handled by the same rule, sometimes after its category
//! (`infoblox-responses: 14-Apr-2022 …`); the BIND time is looked for anywhere before
//! `client `, so such lines, and lines behind a syslog header the envelope reader declines,
//! keep their own time. Other `client` lines (zone transfers, updates) and other named messages are
//! well-formed but name no queried host: ignored. A syslog envelope (RFC 3164/5424) is removed
//! first; BIND's own timestamp is preferred over the envelope's.

use memchr::memmem;

use super::{LineParser, LogFormat, score_lines, syslog};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_bind_time, parse_iso8601};

/// BIND 9 query log.
pub struct BindQuery;

impl LogFormat for BindQuery {
    fn name(&self) -> &'static str {
        "bind-query"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "BIND 9 named query log (queries/security categories), plain or syslog-wrapped"
    }
    fn fields(&self) -> &'static str {
        "time, client IP#port, query name, denied"
    }
    fn spec_url(&self) -> &'static str {
        "https://bind9.readthedocs.io/en/latest/reference.html#logging-block"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/bind-query/query.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| Some(client_at(line).is_some()))
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(BindParser)
    }
    fn reads_syslog(&self) -> bool {
        true
    }
}

/// Where `client [@0x…] IP#port` starts, and the rest after the port.
fn client_at(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memmem::find(line, b"client ")?;
    let mut rest = &line[at + 7..];
    if rest.starts_with(b"@0x") {
        let sp = memchr::memchr(b' ', rest)?;
        rest = &rest[sp + 1..];
    }
    let hash = memchr::memchr(b'#', rest)?;
    let ip = &rest[..hash];
    let valid_ip = !ip.is_empty()
        && ip.len() <= 45
        && ip.iter().all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b'%'));
    let port_len = rest[hash + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    (valid_ip && port_len > 0).then(|| (ip, &rest[hash + 1 + port_len..]))
}

struct BindParser;

/// The line's own timestamp, after an optional syslog envelope.
fn leading_time(s: &[u8]) -> Option<i64> {
    parse_bind_time(s)
        .or_else(|| parse_iso8601(s))
        .map(|(t, _)| t)
}

/// A BIND `dd-Mon-yyyy hh:mm:ss.mmm` time anywhere before `client `. Infoblox NIOS puts its
/// category first (`infoblox-responses: 14-Apr-2022 16:17:20.046 client …`), and relays write
/// headers the envelope reader declines (`Oct 4 10:18:07 host 10.0.0.1 named[10750]: …`, day
/// not space-padded, two host fields).
fn time_before_client(s: &[u8]) -> Option<i64> {
    let prefix = &s[..memmem::find(s, b"client ")?];
    (0..prefix.len().saturating_sub(10))
        .filter(|&p| prefix[p + 2] == b'-' && prefix[p + 6] == b'-' && (p == 0 || prefix[p - 1] == b' '))
        .find_map(|p| parse_bind_time(&prefix[p..]))
        .map(|(t, _)| t)
}

impl LineParser for BindParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let envelope = syslog::strip(line);
        let body = envelope.map_or(line, |e| e.msg);
        let own = leading_time(body).or_else(|| time_before_client(body));
        let ts = own.or(envelope.and_then(|e| e.ts));
        // A time written but not read is a bad time, not an undated query: the line opens with
        // a number (BIND's `print-time`), or no time was found and a number stands before
        // `client ` (a syslog header too mangled to remove).
        let signed = body.strip_prefix(b"-").unwrap_or(body);
        let opens_with_number = signed.first().is_some_and(u8::is_ascii_digit);
        let before_client = memmem::find(body, b"client ").map(|i| &body[..i]);
        let numbered = before_client.is_some_and(|p| p.iter().any(u8::is_ascii_digit));
        if own.is_none() && (opens_with_number || (ts.is_none() && numbered)) {
            return Err(ParseError::BadTimestamp);
        }
        let Some((client, rest)) = client_at(body) else {
            // A named message without a client: well-formed if it has a time or an envelope.
            return if ts.is_some() || envelope.is_some() {
                Ok(Parsed::Ignored)
            } else {
                Err(ParseError::Unrecognized("BIND query log"))
            };
        };
        let (host, action) = if let Some(i) = memmem::find(rest, b"query: ") {
            let name = &rest[i + 7..];
            let end = memchr::memchr(b' ', name).unwrap_or(name.len());
            (&name[..end], Action::Allowed)
        } else if let Some(i) = memmem::find(rest, b"query (cache) '").map(|i| i + 15).or_else(|| memmem::find(rest, b"query '").map(|i| i + 7)) {
            let quoted = &rest[i..];
            let end = memchr::memchr2(b'/', b'\'', quoted).unwrap_or(quoted.len());
            (&quoted[..end], Action::Blocked)
        } else {
            return Ok(Parsed::Ignored);
        };
        if host.is_empty() {
            return Err(ParseError::MissingField("query name"));
        }
        Ok(Parsed::Event(Event {
            ts,
            client: Some(client),
            host,
            action,
            source: SourceKind::Dns,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, tally};

    fn event(line: &str) -> Event<'_> {
        event_with(BindParser, line)
    }

    #[test]
    fn query_lines_with_every_prefix() {
        let bare = event("client @0x7f97e40eb500 192.168.1.90#64727 (claude.ai): query: claude.ai IN A + (192.168.1.10)");
        assert_eq!((bare.ts, bare.host, bare.client), (None, &b"claude.ai"[..], Some(&b"192.168.1.90"[..])));
        let full = event("24-Nov-2026 09:15:00.123 queries: info: client @0x7f97e40eb500 10.0.0.5#5353 (chatgpt.com): view internal: query: chatgpt.com IN AAAA -E(0)K (10.0.0.1)");
        assert_eq!(full.ts, Some(1_795_511_700));
        assert_eq!(full.host, b"chatgpt.com");
        let old = event("24-Nov-2026 09:15:00.123 client 10.0.0.6#5353: query: gemini.google.com IN A +");
        assert_eq!((old.host, old.client), (&b"gemini.google.com"[..], Some(&b"10.0.0.6"[..])));
        let v6 = event("client @0x1 2003:f8:733:b600::22#62449 (x.ai): query: x.ai IN A +");
        assert_eq!(v6.client, Some(&b"2003:f8:733:b600::22"[..]));
    }

    #[test]
    fn syslog_wrapped_and_infoblox() {
        let e = event("<30>Apr 14 16:16:05 10.50.1.227 named[2588]: queries: client @0x7f97e40eb500 192.168.1.90#64727 (ocsp.digicert.com): query: ocsp.digicert.com IN A + (192.168.1.10)");
        assert_eq!((e.ts, e.host), (None, &b"ocsp.digicert.com"[..]));
        let e = event("<30>Apr 14 16:16:05 10.50.1.227 named[2588]: client 10.120.20.32#42386: UDP: query: a2.foo.com IN A response: NOERROR +AED a2.foo.com. 28800 IN A 1.1.1.1;");
        assert_eq!(e.host, b"a2.foo.com");
    }

    #[test]
    fn infoblox_category_first_and_unpadded_syslog_days() {
        let e = event("<30>Apr 14 16:17:20 10.50.1.227 named[2588]: infoblox-responses: 14-Apr-2022 16:17:20.046 client 192.168.1.90#57738: UDP: query: settings-win.data.microsoft.com IN A response: REFUSED -");
        assert_eq!((e.ts, e.host), (Some(1_649_953_040), &b"settings-win.data.microsoft.com"[..]));
        let e = event("<30>Oct 4 10:18:07 a1.foo.com 89.160.20.112 named[10750]: 04-Oct-2022 10:18:07.834 client 89.160.20.128#59605: UDP: query: chatgpt.com IN A response: NOERROR +");
        assert_eq!((e.ts, e.host, e.client), (Some(1_664_878_687), &b"chatgpt.com"[..], Some(&b"89.160.20.128"[..])));
    }

    #[test]
    fn real_infoblox_nios_sample() {
        let Some(text) = crate::testutil::shared("real-logs/dns-infoblox/elastic-integrations-infoblox_nios-test-dns.log") else {
            return;
        };
        let t = tally(&mut BindParser, &text);
        // Every line is read: 12 queries, the rest named messages without a queried host (zone
        // transfers, notifies, DNSSEC validation, one RPZ CEF record). The BIND time is kept
        // wherever it was logged; queries behind an RFC 3164 header alone have no year, so no
        // time.
        assert_eq!((t.events.len(), t.ignored, t.errors), (12, 16, 0));
        assert_eq!(t.events.iter().filter(|e| e.ts.is_some()).count(), 8);
        assert!(BindQuery.sniff(text.as_bytes()) >= 60);
        assert_eq!(super::super::detect(text.as_bytes()).map(|f| f.name()).ok(), Some("bind-query"));
    }

    #[test]
    fn denied_queries_are_blocked_events_and_transfers_ignored() {
        let e = event("19-Oct-2022 05:34:02.425 client @0x7f65100ee4d8 192.168.1.1#3076 (example.com): query (cache) 'example.com/ANY/IN' denied");
        assert_eq!((e.host, e.action), (&b"example.com"[..], Action::Blocked));
        let e = event("Nov 13 10:59:46 keira named[2075772]: 19-Oct-2022 05:34:03.425 client 104.219.136.31#3076 (example.com): query 'example.com/ANY/IN' denied");
        assert_eq!((e.ts, e.host), (Some(1_666_157_643), &b"example.com"[..]));
        assert_eq!(
            BindParser.parse(b"03-Nov-2022 13:37:23.345 error: client @0x7f7b200091e8 ::1#62465 (example.com): zone transfer 'example.com/AXFR/IN' denied"),
            Ok(Parsed::Ignored)
        );
        assert_eq!(
            BindParser.parse(b"random words"),
            Err(ParseError::Unrecognized("BIND query log"))
        );
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        for rel in [
            "real-logs/dns-bind-security/crowdsec-hub-bind9-logs.log",
            "real-logs/dns-bind-security/crowdsec-hub-bind9-syslog.log",
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            let t = tally(&mut BindParser, &text);
            assert_eq!(t.events.len() + t.ignored, text.lines().count(), "{rel}");
            assert_eq!(BindQuery.sniff(text.as_bytes()), 100, "{rel}");
        }
    }
}
