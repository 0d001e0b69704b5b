//! Squid native `access.log` (`logformat squid`, the default).
//!
//! Spec: <https://wiki.squid-cache.org/Features/LogFormat>; format codes in
//! <http://www.squid-cache.org/Doc/config/logformat/>. The default is
//! `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`:
//!
//! | # | field | use |
//! |---|---|---|
//! | 0 | `1157689312.049` time, Unix seconds.millis | `ts` |
//! | 1 | elapsed ms, space-padded | – |
//! | 2 | client address | `client` |
//! | 3 | `TCP_MISS/200` result code / HTTP status | `action` (`TCP_DENIED` = blocked) |
//! | 4 | bytes sent *to* the client | – (not an upload size) |
//! | 5 | method | – |
//! | 6 | URL; `host:port` for `CONNECT` | `host` |
//! | 7 | user name (auth or ident), `-` if none | `user` |
//! | 8 | hierarchy/peer | – |
//! | 9 | MIME type | – |
//!
//! Quirks: fields are separated by runs of spaces; configs may append fields (referrer, user
//! agent), which are ignored; the native format records no request size, so `bytes_out` is
//! absent; `error:…` pseudo-URLs (failed transactions) name no host.

use super::{LineParser, LogFormat, present, score_lines, split_fields};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_epoch;

/// The Squid native access log.
pub struct Squid;

impl LogFormat for Squid {
    fn name(&self) -> &'static str {
        "squid"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Squid native access.log (logformat squid)"
    }
    fn fields(&self) -> &'static str {
        "time, client address, result code, URL or CONNECT host:port, user"
    }
    fn spec_url(&self) -> &'static str {
        "https://wiki.squid-cache.org/Features/LogFormat"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/squid/access.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let (f, n) = split_fields::<9>(line, b' ', true);
            Some(
                n >= 7
                    && memchr::memchr(b'.', f[0]).is_some()
                    && parse_epoch(f[0]).is_some()
                    && f[1].iter().all(u8::is_ascii_digit)
                    && is_result_code(f[3])
                    // Cisco WSA writes Squid's fields and then its ACL decision tag.
                    && !super::cisco_wsa::is_wsa_line(line),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SquidParser)
    }
}

/// `TCP_MISS/200`, `NONE_NONE/000`, `TAG_NONE/503`: uppercase tag, slash, digits.
fn is_result_code(f: &[u8]) -> bool {
    match memchr::memchr(b'/', f) {
        Some(i) => {
            i > 0
                && f[..i].iter().all(|c| c.is_ascii_uppercase() || *c == b'_')
                && f[i + 1..].iter().all(u8::is_ascii_digit)
        }
        None => false,
    }
}

struct SquidParser;

impl LineParser for SquidParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let (f, n) = split_fields::<9>(line, b' ', true);
        if n < 7 {
            return Err(ParseError::MissingField("url"));
        }
        let ts = parse_epoch(f[0]).ok_or(ParseError::BadTimestamp)?;
        if !is_result_code(f[3]) {
            return Err(ParseError::MissingField("result code"));
        }
        let url = f[6];
        if url.starts_with(b"error:") || present(url).is_none() {
            return Ok(Parsed::Ignored);
        }
        let action = if f[3].starts_with(b"TCP_DENIED") || f[3].starts_with(b"UDP_DENIED") {
            Action::Blocked
        } else {
            Action::Allowed
        };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: if n > 7 { present(f[7]) } else { None },
            client: present(f[2]),
            host: url,
            action,
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
        parse_with(SquidParser, line)
    }

    #[test]
    fn connect_line_from_the_elastic_sample() {
        let Parsed::Event(e) = parse(
            "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/175.16.199.115 -",
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.ts, Some(1_157_689_312));
        assert_eq!(e.host, b"login.yahoo.com:443");
        assert_eq!(e.user, Some(&b"badeyek"[..]));
        assert_eq!(e.client, Some(&b"10.105.21.199"[..]));
        assert_eq!(e.action, Action::Allowed);
    }

    #[test]
    fn anonymous_denied_and_ipv6() {
        let Parsed::Event(e) = parse(
            "1700000000.123      0 2001:db8::7 TCP_DENIED/407 3900 GET http://chatgpt.com/ - HIER_NONE/- text/html",
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.user, None);
        assert_eq!(e.client, Some(&b"2001:db8::7"[..]));
        assert_eq!(e.action, Action::Blocked);
        assert_eq!(e.host, b"http://chatgpt.com/");
    }

    #[test]
    fn error_urls_are_ignored_and_junk_is_an_error() {
        assert_eq!(
            parse("1700000000.123 0 10.0.0.1 NONE_NONE/000 0 NONE error:transaction-end-before-headers - HIER_NONE/- -"),
            Ok(Parsed::Ignored)
        );
        assert_eq!(parse("garbage line"), Err(ParseError::MissingField("url")));
        assert_eq!(
            parse("yesterday 1 10.0.0.1 TCP_MISS/200 1 GET http://a/ - - -"),
            Err(ParseError::BadTimestamp)
        );
        assert_eq!(parse("   "), Ok(Parsed::Meta));
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) = crate::testutil::shared("real-logs/proxy-squid/elastic-integrations-squid-test-access.log")
        else {
            return;
        };
        let t = tally(&mut SquidParser, &text);
        assert_eq!(text.lines().count(), 100);
        assert_eq!(t.events.len(), 100);
        assert_eq!(Squid.sniff(text.as_bytes()), 100);
    }
}
