//! Fortinet FortiGate (FortiOS 6.x/7.x) logs in the default `key=value` syslog format:
//! UTM web filter, DNS filter, application control and antivirus logs, and forward-traffic
//! logs, with or without a syslog header.
//!
//! Spec: FortiOS Log Message Reference, "Log schema structure" and the per-type field lists,
//! <https://docs.fortinet.com/document/fortigate/7.4.0/fortios-log-message-reference/357866/log-message-fields>.
//! A line is `date=2019-05-13 time=16:29:45 logid="0316013056" type="utm" subtype="webfilter" …`:
//!
//! | key | use |
//! |---|---|
//! | `eventtime` (epoch in s, ms, µs or ns, by digit count) | `ts` |
//! | else `date` + `time` (+ `tz` `-0700`; local time, read as UTC without `tz`) | `ts` |
//! | `hostname` (webfilter, app-ctrl, traffic with web logging) | `host` |
//! | `qname` (utm/dns) | `host` |
//! | `url` when it is a full URL (antivirus: `http://h/p`); a bare path (`/`) is not a host | `host` |
//! | `url` (webfilter: the path, `/…`; or the full URL) | `path` |
//! | `srcip` | `client` |
//! | `user`, else `unauthuser` (`N/A` = none) | `user` |
//! | `sentbyte` | `bytes_out` |
//! | `action` (`blocked`, `block`, `deny`, `dropped`, `reset`…), `utmaction="block"` | `action` |
//! | `subtype="dns"` | `source` = DNS, else proxy |
//!
//! Quirks: values are double-quoted when FortiOS quotes them (strings) and bare otherwise
//! (numbers, IPs); a `\"` inside quotes is escaped. Anything before the first `key=` (an RFC
//! 3164/5424 header, `<PRI>`) is skipped. Lines without a host key (event/vpn, system events,
//! traffic without `hostname`) are well-formed but ignored. CEF-formatted FortiGate output is
//! not handled.

use memchr::memchr;

use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_u64, unix_seconds};

/// FortiGate key=value logs.
pub struct Fortigate;

impl LogFormat for Fortigate {
    fn name(&self) -> &'static str {
        "fortigate"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Fortinet FortiGate key=value logs (webfilter, dns, app-ctrl, traffic), plain or syslog-wrapped"
    }
    fn fields(&self) -> &'static str {
        "eventtime or date/time/tz, srcip, user/unauthuser, hostname/qname/url, sentbyte, action"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.fortinet.com/document/fortigate/7.4.0/fortios-log-message-reference/357866/log-message-fields"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/fortigate/fortigate.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            Some(names_each(
                line,
                [&[b"logid"], &[b"type"], &[b"date", b"eventtime"]],
            ))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(FortigateParser)
    }
    fn reads_syslog(&self) -> bool {
        true
    }
}

/// Whether the `key=value` line names a key of each of `groups` (any one of a group's keys will
/// do). Shared by the sniffers of the `key=value` firewalls (`fortigate`, `sophos-firewall`),
/// which tell their lines by the keys they name; a fixed array keeps it allocation-free.
pub(super) fn names_each<const N: usize>(line: &[u8], groups: [&[&[u8]]; N]) -> bool {
    let mut seen = [false; N];
    for (k, _) in Pairs::new(line) {
        for (seen, group) in seen.iter_mut().zip(groups) {
            *seen |= group.contains(&k);
        }
    }
    seen.iter().all(|&s| s)
}

/// Iterates over the `key=value` pairs of a line, quotes removed from the values. Words
/// without `=` (a syslog header) are skipped. Shared with `sophos_firewall`, which writes the
/// same syntax.
pub(super) struct Pairs<'a> {
    rest: &'a [u8],
}

impl<'a> Pairs<'a> {
    pub(super) fn new(line: &'a [u8]) -> Self {
        // `<189>date=…`: drop a syslog PRI glued to the first key.
        let rest = match line {
            [b'<', tail @ ..] => match memchr(b'>', tail) {
                Some(i) if i <= 3 => &tail[i + 1..],
                _ => line,
            },
            _ => line,
        };
        Pairs { rest }
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let s = self.rest.trim_ascii_start();
            if s.is_empty() {
                self.rest = s;
                return None;
            }
            let word_end = memchr(b' ', s).unwrap_or(s.len());
            let Some(eq) = memchr(b'=', &s[..word_end]) else {
                self.rest = &s[word_end..];
                continue;
            };
            let key = &s[..eq];
            let after = &s[eq + 1..];
            if let [b'"', quoted @ ..] = after {
                // Closing quote: the first `"` not preceded by a backslash.
                let mut i = 0;
                let end = loop {
                    match memchr(b'"', &quoted[i..]) {
                        Some(k) if k + i > 0 && quoted[k + i - 1] == b'\\' => i += k + 1,
                        Some(k) => break Some(k + i),
                        None => break None,
                    }
                };
                let end = end.unwrap_or(quoted.len());
                self.rest = quoted.get(end + 1..).unwrap_or_default();
                return Some((key, &quoted[..end]));
            }
            let end = memchr(b' ', after).unwrap_or(after.len());
            self.rest = &after[end..];
            return Some((key, &after[..end]));
        }
    }
}

/// `eventtime`: seconds, milliseconds, microseconds or nanoseconds since the epoch.
fn eventtime(v: &[u8]) -> Option<i64> {
    let n = parse_u64(v)?;
    let secs = match v.len() {
        0..=11 => n,
        12..=14 => n / 1_000,
        15..=17 => n / 1_000_000,
        _ => n / 1_000_000_000,
    };
    i64::try_from(secs).ok()
}

/// `date=2019-05-13` + `time=11:45:03` (+ `tz="-0700"`).
pub(super) fn date_time(date: &[u8], time: &[u8], tz: Option<&[u8]>) -> Option<i64> {
    let num = |b: &[u8], r: std::ops::Range<usize>| {
        b.get(r)
            .and_then(parse_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    if date.len() != 10 || date[4] != b'-' || date[7] != b'-' || time.len() < 8 {
        return None;
    }
    let (y, m, d) = (num(date, 0..4)?, num(date, 5..7)?, num(date, 8..10)?);
    let (hh, mm, ss) = (num(time, 0..2)?, num(time, 3..5)?, num(time, 6..8)?);
    let local = unix_seconds(i64::from(y), m, d, hh, mm, ss)?;
    let offset = match tz {
        Some([sign @ (b'+' | b'-'), rest @ ..]) if rest.len() >= 4 => {
            let digits: [u8; 4] = match rest {
                [a, b, b':', c, d, ..] => [*a, *b, *c, *d],
                [a, b, c, d, ..] => [*a, *b, *c, *d],
                _ => return Some(local),
            };
            // Two digits each: at most 99 hours and 99 minutes, no overflow.
            let h = parse_u64(&digits[..2]).map_or(0, |h| h.min(99) as i64);
            let m = parse_u64(&digits[2..]).map_or(0, |m| m.min(99) as i64);
            let off = h * 3600 + m * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => 0,
    };
    local.checked_sub(offset)
}

fn none_if_na(v: &[u8]) -> Option<&[u8]> {
    match v {
        b"" | b"N/A" | b"-" => None,
        v => Some(v),
    }
}

struct FortigateParser;

impl LineParser for FortigateParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let mut e = Event {
            source: SourceKind::Proxy,
            ..Event::default()
        };
        let (mut logid, mut date, mut time, mut tz, mut etime) = (false, None, None, None, None);
        let (mut hostname, mut qname, mut url, mut path) = (None, None, None, None);
        let (mut user, mut unauth, mut action, mut utmaction) = (None, None, None, None);
        for (k, v) in Pairs::new(line) {
            match k {
                b"logid" => logid = true,
                b"date" => date = Some(v),
                b"time" => time = Some(v),
                b"tz" => tz = Some(v),
                b"eventtime" => etime = Some(v),
                b"hostname" => hostname = none_if_na(v),
                b"qname" => qname = none_if_na(v),
                b"url" => {
                    path = none_if_na(v);
                    url = path.filter(|u| !u.starts_with(b"/"));
                }
                b"srcip" => e.client = none_if_na(v),
                b"user" => user = none_if_na(v),
                b"unauthuser" => unauth = none_if_na(v),
                b"sentbyte" => {
                    e.bytes_out = Some(parse_u64(v).ok_or(ParseError::BadNumber("sentbyte"))?)
                }
                b"action" => action = Some(v),
                b"utmaction" => utmaction = Some(v),
                b"subtype" if v == b"dns" => e.source = SourceKind::Dns,
                _ => {}
            }
        }
        if !logid && date.is_none() && etime.is_none() {
            return Err(ParseError::Unrecognized("FortiGate key=value"));
        }
        let Some(host) = hostname.or(qname).or(url) else {
            return Ok(Parsed::Ignored);
        };
        e.host = host;
        e.path = path;
        e.user = user.or(unauth);
        e.ts = match (etime.and_then(eventtime), date, time) {
            (Some(t), _, _) => Some(t),
            (None, Some(d), Some(t)) => Some(date_time(d, t, tz).ok_or(ParseError::BadTimestamp)?),
            _ => None,
        };
        e.action = match (action, utmaction) {
            (Some(b"blocked" | b"block" | b"deny" | b"dropped" | b"reset"), _) => Action::Blocked,
            (_, Some(b"block")) => Action::Blocked,
            (Some(_), _) => Action::Allowed,
            (None, _) => Action::Unknown,
        };
        Ok(Parsed::Event(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with, tally};

    fn parse(line: &str) -> Result<Parsed<'_>, ParseError> {
        parse_with(FortigateParser, line)
    }

    fn event(line: &str) -> Event<'_> {
        event_with(FortigateParser, line)
    }

    #[test]
    fn webfilter_line_from_the_elastic_sample() {
        let e = event(
            r#"date=2019-05-13 time=16:29:45 logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" vd="vdom1" eventtime=1557790184975119738 policyid=1 sessionid=381780 srcip=10.1.100.11 srcport=44258 srcintf="port12" srcintfrole="undefined" dstip=89.160.20.112 dstport=80 dstintf="port11" dstintfrole="undefined" proto=6 service="HTTP" hostname="morrishittu.ddns.net" profile="test-webfilter" action="blocked" reqtype="direct" url="/" sentbyte=84 rcvdbyte=0 direction="outgoing" msg="URL belongs to a denied category in policy" method="domain" cat=26 catdesc="Malicious Websites""#,
        );
        assert_eq!(e.ts, Some(1_557_790_184));
        assert_eq!(e.host, b"morrishittu.ddns.net");
        assert_eq!(e.client, Some(&b"10.1.100.11"[..]));
        assert_eq!(e.bytes_out, Some(84));
        assert_eq!(e.action, Action::Blocked);
        assert_eq!(e.source, SourceKind::Proxy);
    }

    #[test]
    fn syslog_header_user_tz_and_dns() {
        let e = event(
            r#"<189>Nov 24 10:15:00 fw01 date=2026-11-24 time=10:15:00 devname="FGT60F" logid="0316013057" type="utm" subtype="webfilter" tz="+0100" srcip=10.1.2.3 user="alice" hostname="chatgpt.com" url="https://chatgpt.com/backend-api/conversation" action="passthrough" sentbyte=40960 msg="URL belongs to an allowed category \"AI\" in policy""#,
        );
        assert_eq!(e.ts, Some(1_795_511_700));
        assert_eq!((e.host, e.user), (&b"chatgpt.com"[..], Some(&b"alice"[..])));
        assert_eq!((e.bytes_out, e.action), (Some(40960), Action::Allowed));
        let e = event(
            r#"<185>date=2026-11-24 time=09:15:00 logid="1501054802" type="utm" subtype="dns" srcip=10.1.2.4 unauthuser="bob" qname="claude.ai" qtype="A" action="block""#,
        );
        assert_eq!(
            (e.ts, e.host, e.source),
            (Some(1_795_511_700), &b"claude.ai"[..], SourceKind::Dns)
        );
        assert_eq!((e.user, e.action), (Some(&b"bob"[..]), Action::Blocked));
        let e = event(
            r#"logid="0211008192" type="utm" subtype="virus" eventtime=1557773103767 url="http://172.16.200.55/virus/eicar.com" action="blocked""#,
        );
        assert_eq!(
            (e.ts, e.host),
            (
                Some(1_557_773_103),
                &b"http://172.16.200.55/virus/eicar.com"[..]
            )
        );
    }

    #[test]
    fn hostless_ignored_and_junk_errors() {
        assert_eq!(
            parse(
                r#"date=2024-10-14 time=13:46:40 eventtime=1728938800841267391 tz="-0700" logid="1234567890" type="event" subtype="vpn" action="ssl-login-fail" user="N/A" msg="SSL user failed to logged in""#
            ),
            Ok(Parsed::Ignored)
        );
        assert_eq!(
            parse("just some words"),
            Err(ParseError::Unrecognized("FortiGate key=value"))
        );
        assert_eq!(
            parse(r#"date=2026-11-24 time=99:00:00 logid="1" hostname="a.com""#),
            Err(ParseError::BadTimestamp)
        );
        assert_eq!(
            parse(r#"logid="1" date=2026-11-24 hostname="a.com" sentbyte=lots"#),
            Err(ParseError::BadNumber("sentbyte"))
        );
        assert_eq!(parse(""), Ok(Parsed::Meta));
        // Unterminated quotes and stray `=` never panic.
        let _ = parse(r#"logid="1 hostname="#);
        let _ = parse(r#"<1>= =" ="\"#);
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        for (rel, lines, events) in [
            (
                "real-logs/proxy-fortigate/elastic-integrations-fortinet_fortigate-test-fortinet-7-4-lines45-55.log",
                11,
                7,
            ),
            (
                "real-logs/proxy-fortigate/crowdsec-hub-fortinet-vpn-bf.log",
                9,
                0,
            ),
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            let t = tally(&mut FortigateParser, &text);
            for e in &t.events {
                assert!(e.ts.is_some() && e.client.is_some(), "{e:?}");
            }
            assert_eq!(
                (t.events.len(), t.ignored, t.meta, t.errors),
                (events, lines - events, 0, 0),
                "{rel}"
            );
            assert_eq!(Fortigate.sniff(text.as_bytes()), 100, "{rel}");
            assert_eq!(
                super::super::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("fortigate"),
                "{rel}"
            );
        }
    }
}
