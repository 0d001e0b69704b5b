//! dnsmasq query log (`log-queries`), including Pi-hole's `pihole.log`, which is dnsmasq's
//! log written by pihole-FTL.
//!
//! Spec: dnsmasq(8) `--log-queries[=extra|=proto]` and `--log-facility`
//! (<https://thekelleys.org.uk/dnsmasq/docs/dnsmasq-man.html>); Pi-hole's log is described at
//! <https://docs.pi-hole.net/ftldns/dnsmasq_warn/> and <https://docs.pi-hole.net/core/pihole-command/#tail>.
//! A line is `Jun 12 16:13:28 dnsmasq[421]: query[A] chatgpt.com from 10.86.32.102`.
//!
//! | part | use |
//! |---|---|
//! | `Mmm dd hh:mm:ss` (syslog style, no year) | – (`ts` is `None`: the year is unknown) |
//! | `dnsmasq[pid]:` tag (optionally after a syslog host name) | recognizes the line |
//! | `query[TYPE] NAME from CLIENT` | `host` = NAME, `client` = CLIENT, action unknown |
//! | `forwarded`, `reply`, `cached`, `config`, `/etc/hosts`, `gravity blocked`, `… denied`, … | ignored |
//!
//! Quirks: each lookup logs one `query[…]` line and then one or more outcome lines (`forwarded`,
//! `reply`, `cached`, `gravity blocked`…); only the query line is an event, so a lookup counts
//! once. Because the outcome is on a later line, the action is `Unknown` (blocking is not
//! correlated back to the query). `log-queries=extra` prefixes a serial and `addr/port`
//! (`12 10.0.0.5/53122 query[A] …`), which is skipped. pihole.log also holds pihole-FTL lines
//! (`2025-06-12 16:14:07.109 EST [50/T54] INFO: …`, `[2025-06-20 04:16:38.501 EST 49] …`) and
//! gravity-update output (`  [i] …`, `[✓] …`): ignored. `dnsmasq-dhcp[pid]:` lines are ignored.

use memchr::memmem;

use super::{LineParser, LogFormat, score_lines, syslog};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_month;

/// dnsmasq / Pi-hole query log.
pub struct Dnsmasq;

impl LogFormat for Dnsmasq {
    fn name(&self) -> &'static str {
        "dnsmasq"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "dnsmasq log-queries / Pi-hole pihole.log (query[TYPE] name from client)"
    }
    fn fields(&self) -> &'static str {
        "query name, client address (no year in the time, so no timestamp)"
    }
    fn spec_url(&self) -> &'static str {
        "https://thekelleys.org.uk/dnsmasq/docs/dnsmasq-man.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/dnsmasq/pihole.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            if is_pihole_noise(line) {
                return None;
            }
            Some(message(line).is_some())
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(DnsmasqParser)
    }
    fn reads_syslog(&self) -> bool {
        true
    }
}

/// Whether the tag is `dnsmasq`, `dnsmasq[pid]`, `dnsmasq-dhcp[pid]`, `pihole-FTL[pid]`.
fn is_dnsmasq_tag(tag: &[u8]) -> bool {
    let name = &tag[..memchr::memchr(b'[', tag).unwrap_or(tag.len())];
    name.starts_with(b"dnsmasq") || name == b"pihole-FTL"
}

/// The message after `Mmm dd hh:mm:ss [host] dnsmasq[pid]: `, and whether it is dnsmasq-dhcp.
fn message(line: &[u8]) -> Option<(&[u8], bool)> {
    parse_month(line.get(..3)?)?;
    let clock = line.get(4..15)?;
    let shape = line.get(3) == Some(&b' ')
        && clock[2] == b' '
        && clock[5] == b':'
        && clock[8] == b':'
        && line.get(15) == Some(&b' ');
    if !shape {
        return None;
    }
    let mut rest = line.get(16..)?;
    // Up to two tokens: an optional syslog host name, then the tag ending in `:`.
    for _ in 0..2 {
        let sp = memchr::memchr(b' ', rest)?;
        let tok = &rest[..sp];
        if let Some(tag) = tok.strip_suffix(b":")
            && is_dnsmasq_tag(tag)
        {
            return Some((&rest[sp + 1..], tag.starts_with(b"dnsmasq-dhcp")));
        }
        rest = &rest[sp + 1..];
    }
    None
}

/// pihole-FTL and gravity lines that land in pihole.log.
fn is_pihole_noise(line: &[u8]) -> bool {
    let t = line.trim_ascii_start();
    let ftl = |s: &[u8]| {
        s.len() > 20
            && s[4] == b'-'
            && s[7] == b'-'
            && s[10] == b' '
            && s[13] == b':'
            && s[..4].iter().all(u8::is_ascii_digit)
    };
    ftl(t)
        || t.strip_prefix(b"[").is_some_and(ftl)
        || t.starts_with(b"[i]")
        || t.starts_with(b"[\xe2\x9c\x93]")
        || t.starts_with(b"[\xe2\x9c\x97]")
        || memmem::find(t, b"#033[K").is_some()
}

/// `query[TYPE] NAME from CLIENT`, possibly after the `extra` serial and `addr/port`.
fn query(msg: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = if msg.starts_with(b"query[") {
        0
    } else {
        memmem::find(msg, b" query[")? + 1
    };
    let rest = &msg[at..];
    let close = memchr::memchr(b']', rest)?;
    let rest = rest.get(close + 1..)?.strip_prefix(b" ")?;
    let sp = memchr::memchr(b' ', rest)?;
    let name = &rest[..sp];
    let client = rest[sp..].strip_prefix(b" from ")?;
    let client = &client[..memchr::memchr(b' ', client).unwrap_or(client.len())];
    Some((name, client))
}

struct DnsmasqParser;

impl LineParser for DnsmasqParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let (msg, dhcp) = match message(line) {
            Some(m) => m,
            None => {
                if is_pihole_noise(line) {
                    return Ok(Parsed::Ignored);
                }
                // RFC 5424 / ISO envelopes from a syslog relay.
                match syslog::strip(line) {
                    Some(e) if e.ts.is_some() && query(e.msg).is_some() => (e.msg, false),
                    _ => return Err(ParseError::Unrecognized("dnsmasq log")),
                }
            }
        };
        if dhcp {
            return Ok(Parsed::Ignored);
        }
        let Some((host, client)) = query(msg) else {
            return Ok(Parsed::Ignored);
        };
        if host.is_empty() {
            return Err(ParseError::MissingField("query name"));
        }
        Ok(Parsed::Event(Event {
            ts: None,
            client: Some(client),
            host,
            action: Action::Unknown,
            source: SourceKind::Dns,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with, tally};
    use crate::formats;

    fn parse(line: &str) -> Result<Parsed<'_>, ParseError> {
        parse_with(DnsmasqParser, line)
    }

    fn event(line: &str) -> Event<'_> {
        event_with(DnsmasqParser, line)
    }

    #[test]
    fn query_lines() {
        let e = event("Jun 12 16:13:28 dnsmasq[421]: query[A] chatgpt.com from 10.86.32.102");
        assert_eq!(
            (e.host, e.client),
            (&b"chatgpt.com"[..], Some(&b"10.86.32.102"[..]))
        );
        assert_eq!(
            (e.ts, e.action, e.source),
            (None, Action::Unknown, SourceKind::Dns)
        );
        let e = event(
            "Jul  7 19:39:41 dnsmasq[536]: query[AAAA] claude.ai from fe80::1c2:3ff:fe4d:5e6f",
        );
        assert_eq!(e.client, Some(&b"fe80::1c2:3ff:fe4d:5e6f"[..]));
        let e = event(
            "Nov 24 09:15:00 dnsmasq[536]: 1234 10.0.0.5/53122 query[HTTPS] gemini.google.com from 10.0.0.5",
        );
        assert_eq!(e.host, b"gemini.google.com");
        let e =
            event("Nov 24 09:15:00 router dnsmasq[536]: query[A] api.openai.com from 192.168.1.20");
        assert_eq!(e.host, b"api.openai.com");
        let e = event(
            "<30>1 2026-11-24T09:15:00Z router dnsmasq 536 - - query[A] claude.ai from 10.0.0.7",
        );
        assert_eq!(e.client, Some(&b"10.0.0.7"[..]));
    }

    #[test]
    fn outcomes_and_noise_are_ignored() {
        for line in [
            "Jun 12 00:00:12 dnsmasq[50]: reply chatgpt.com is 104.18.32.47",
            "Jun 12 16:13:43 dnsmasq[50]: forwarded chatgpt.com to 8.8.8.8",
            "Jun 12 16:15:27 dnsmasq[50]: gravity blocked fake.org is 0.0.0.0",
            "Jul  7 19:39:44 dnsmasq[536]: dnssec-query[DS] ttvnw.net to 208.67.222.222",
            "Jun 12 16:13:28 dnsmasq-dhcp[421]: DHCPACK(br-lan) 192.168.1.100 aa:bb:cc:dd:ee:ff phone",
            "2025-06-12 16:14:07.109 EST [50/T54] INFO: Terminating database thread",
            "[2025-06-20 04:16:38.501 EST 49] Authentication required, redirecting to /admin/login",
            "  [i] Cleaning up stray matter...",
        ] {
            assert_eq!(parse(line), Ok(Parsed::Ignored), "{line}");
        }
        assert_eq!(parse(""), Ok(Parsed::Meta));
        assert_eq!(parse("hello"), Err(ParseError::Unrecognized("dnsmasq log")));
        assert_eq!(
            parse("Jun 12 16:13:28 sshd[421]: query[A] x from y"),
            Err(ParseError::Unrecognized("dnsmasq log"))
        );
    }

    #[test]
    fn real_pihole_sample() {
        let rel = "real-logs/dns-dnsmasq/simple_template_log_parser-pihole_sample_log.log";
        let Some(text) = crate::testutil::shared(rel) else {
            return;
        };
        let t = tally(&mut DnsmasqParser, &text);
        assert!(t.events.iter().all(|e| e.host == "queried_website.com"));
        assert_eq!(
            (text.lines().count(), t.events.len(), t.ignored, t.meta, t.errors),
            (35, 1, 33, 1, 0)
        );
        assert!(Dnsmasq.sniff(text.as_bytes()) >= 90);
        assert_eq!(
            formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("dnsmasq")
        );
    }
}
