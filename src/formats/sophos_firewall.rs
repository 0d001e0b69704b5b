//! Sophos Firewall (SFOS, formerly XG Firewall) web filter logs: `log_type="Content Filtering"`
//! with `log_component="HTTP"`, in the syslog `key=value` format, v17/18.0 and v18.5+ layouts.
//!
//! Spec: Sophos Firewall "Syslog descriptions" (log types, `log_id` layout, per-type fields;
//! <https://docs.sophos.com/nsg/sophos-firewall/20.0/syslog/index.html>, "Web filter, content
//! filter");
//! samples in Elastic's `sophos` integration tests
//! (`packages/sophos/data_stream/xg/_dev/test/pipeline/test-sophos-18-5-content-filtering-http.log`,
//! `test-xg-cfilter-new.log`):
//!
//! `device="SFW" date=2016-12-02 time=18:27:03 timezone="GMT" … log_type="Content Filtering" log_component="HTTP" log_subtype="Allowed" … user_name="rich" … url="http://floater.baldrys.ca/adsenum.exe" … src_ip=192.168.73.220 … sent_bytes=0 recv_bytes=15940 domain=floater.baldrys.ca …`
//!
//! `Nov 16 00:28:51 sophos device_name="SFW" timestamp="2021-11-15T18:28:51-0600" … log_type="Content Filtering" log_component="HTTP" log_subtype="Allowed" … url="https://hls14.asiancdn.net" src_ip="192.168.2.111" … bytes_sent=19591 bytes_received=2856085 domain="hls14.asiancdn.net" …`
//!
//! | key | use |
//! |---|---|
//! | `timestamp` (ISO 8601 with offset, v18.5+), else `date` + `time` (read as UTC) | `ts` |
//! | `domain`, else `url` | `host` |
//! | `url` | `path` |
//! | `user_name` (also `user`) | `user` |
//! | `src_ip` | `client` |
//! | `bytes_sent` (v18.5+), else `sent_bytes`: bytes from the client | `bytes_out` |
//! | `log_subtype` (`Denied` = blocked; `Allowed`, `Warned` = allowed) | `action` |
//!
//! Quirks: the old layout's `timezone` is a zone *name* (`GMT`, `IST`) that cannot be resolved
//! without a zone database, so its times are read as UTC, like other local-time formats.
//! Lines of other log types (Firewall, IPS, Application filter, Anti-Virus) and Content
//! Filtering lines without a URL or domain are well-formed and ignored. The `key=value` syntax
//! (quoted or bare values, syslog header words skipped) is FortiGate's, read by the same
//! splitter.

use super::fortigate::{Pairs, date_time, names_each};
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_iso8601, parse_u64};

/// Sophos Firewall web filter logs.
pub struct SophosFirewall;

impl LogFormat for SophosFirewall {
    fn name(&self) -> &'static str {
        "sophos-firewall"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Sophos Firewall (SFOS/XG) key=value logs: Content Filtering (web), plain or syslog-wrapped"
    }
    fn fields(&self) -> &'static str {
        "timestamp or date/time, user_name, src_ip, domain/url, bytes_sent/sent_bytes, log_subtype"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.sophos.com/nsg/sophos-firewall/20.0/syslog/index.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/sophos-firewall/sophos.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            Some(names_each(
                line,
                [&[b"log_id"], &[b"log_type"], &[b"device", b"device_name"]],
            ))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SophosParser)
    }
    fn reads_syslog(&self) -> bool {
        // Header words hold no `=` and are skipped by the splitter; the generic unwrapper could
        // cut a value holding `: `.
        true
    }
}

struct SophosParser;

impl LineParser for SophosParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let mut e = Event {
            source: SourceKind::Proxy,
            ..Event::default()
        };
        let (mut log_type, mut component, mut subtype) = (None, None, None);
        let (mut timestamp, mut date, mut time) = (None, None, None);
        let (mut domain, mut url, mut user, mut new_bytes, mut old_bytes) =
            (None, None, None, None, None);
        for (k, v) in Pairs::new(line) {
            match k {
                b"log_type" => log_type = Some(v),
                b"log_component" => component = Some(v),
                b"log_subtype" => subtype = Some(v),
                b"timestamp" => timestamp = Some(v),
                b"date" => date = Some(v),
                b"time" => time = Some(v),
                b"domain" => domain = present(v.trim_ascii()),
                b"url" => url = present(v),
                b"user_name" | b"user" => user = user.or(present(v)),
                b"src_ip" => e.client = present(v),
                b"bytes_sent" => new_bytes = Some(v),
                b"sent_bytes" => old_bytes = Some(v),
                _ => {}
            }
        }
        let Some(log_type) = log_type else {
            return Err(ParseError::Unrecognized("Sophos Firewall key=value"));
        };
        let web = log_type == b"Content Filtering"
            && component.is_some_and(|c| c.eq_ignore_ascii_case(b"HTTP") || c.eq_ignore_ascii_case(b"HTTPS"));
        let host = domain.or(url);
        let (true, Some(host)) = (web, host) else {
            return Ok(Parsed::Ignored);
        };
        e.host = host;
        e.path = url;
        e.user = user;
        e.ts = match (timestamp, date, time) {
            (Some(t), _, _) => Some(parse_iso8601(t).map(|(t, _)| t).ok_or(ParseError::BadTimestamp)?),
            (None, Some(d), Some(t)) => Some(date_time(d, t, None).ok_or(ParseError::BadTimestamp)?),
            _ => None,
        };
        if let Some(b) = new_bytes.or(old_bytes) {
            e.bytes_out = Some(parse_u64(b).ok_or(ParseError::BadNumber("bytes_sent"))?);
        }
        e.action = match subtype {
            Some(s) if s.eq_ignore_ascii_case(b"Denied") => Action::Blocked,
            Some(_) => Action::Allowed,
            None => Action::Unknown,
        };
        Ok(Parsed::Event(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with, tally};

    fn event(line: &str) -> Event<'_> {
        event_with(SophosParser, line)
    }

    #[test]
    fn old_layout_from_the_elastic_sample() {
        let e = event(
            r#"device="SFW" date=2016-12-02 time=18:26:43 timezone="GMT" device_name="SFVUNL" device_id=C01001K234RXPA1 log_id=050902616002 log_type="Content Filtering" log_component="HTTP" log_subtype="Denied" priority=Information fw_rule_id=2 user_name="rich" user_gp="Clientless Open Group" iap=13 category="None" category_type="" url="http://floater.baldrys.ca/badb.exe" contenttype="application/octet-stream" override_token="" src_ip=192.168.73.220 dst_ip=67.43.156.13 protocol="TCP" src_port=54110 dst_port=80 sent_bytes=0 recv_bytes=1594715 domain=floater.baldrys.ca exceptions= activityname="" reason="pending""#,
        );
        assert_eq!(e.ts, Some(1_480_703_203));
        assert_eq!((e.host, e.user), (&b"floater.baldrys.ca"[..], Some(&b"rich"[..])));
        assert_eq!(e.path, Some(&b"http://floater.baldrys.ca/badb.exe"[..]));
        assert_eq!((e.client, e.bytes_out), (Some(&b"192.168.73.220"[..]), Some(0)));
        assert_eq!(e.action, Action::Blocked);
    }

    #[test]
    fn new_layout_with_a_syslog_header() {
        let e = event(
            r#"Nov 16 00:29:06 sophos device_name="SFW" timestamp="2021-11-15T18:29:06-0600" device_model="SFVH" device_serial_id="C01001BQC8TFFFF" log_id=050901616001 log_type="Content Filtering" log_component="HTTP" log_subtype="Allowed" log_version=1 severity="Information" fw_rule_id="12" web_policy_id=12 http_category="General Business" http_category_type="Acceptable" url="http://info.cspserver.net/api/v1/connect-test" content_type="application/octet-stream" src_ip="192.168.2.112" dst_ip="89.160.20.156" protocol="TCP" src_port=54640 dst_port=80 bytes_sent=77 bytes_received=249 domain="info.cspserver.net" http_status="200""#,
        );
        assert_eq!(e.ts, Some(1_637_022_546));
        assert_eq!((e.host, e.user), (&b"info.cspserver.net"[..], None));
        assert_eq!((e.bytes_out, e.action), (Some(77), Action::Allowed));
    }

    #[test]
    fn other_log_types_are_ignored_and_junk_is_an_error() {
        let p = |l| parse_with(SophosParser, l);
        assert_eq!(
            p(r#"device_name="SFW" timestamp="2021-11-15T18:28:48-0600" log_id=054402617051 log_type="Content Filtering" log_component="Application" log_subtype="Denied" app_name="Torrent Clients P2P" src_ip="192.168.2.32""#),
            Ok(Parsed::Ignored)
        );
        assert_eq!(p(r#"device="SFW" log_type="Firewall" src_ip=1.2.3.4"#), Ok(Parsed::Ignored));
        assert_eq!(p("hello"), Err(ParseError::Unrecognized("Sophos Firewall key=value")));
        assert_eq!(
            p(r#"log_type="Content Filtering" log_component="HTTP" timestamp="then" domain="a.com""#),
            Err(ParseError::BadTimestamp)
        );
    }

    #[test]
    fn elastic_cfilter_sample_as_published() {
        // The first five lines of test-xg-cfilter-new.log: one Application line, four HTTP.
        let text = r#"Nov 16 00:28:48 sophos device_name="SFW" timestamp="2021-11-15T18:28:48-0600" device_model="SFVH" device_serial_id="C01001BQC8TFFFF" log_id=054402617051 log_type="Content Filtering" log_component="Application" log_subtype="Denied" log_version=1 severity="Information" fw_rule_id="12" app_filter_policy_id=6 app_name="Torrent Clients P2P" app_risk=5 app_technology="P2P" app_category="P2P" src_ip="192.168.2.32" src_country="R1" dst_ip="192.168.1.15" dst_country="R1" protocol="UDP" src_port=44740 dst_port=22083 app_resolved_by="Signature" app_is_cloud="FALSE" qualifier="New"
Nov 16 00:28:51 sophos device_name="SFW" timestamp="2021-11-15T18:28:51-0600" device_model="SFVH" device_serial_id="C01001BQC8TFFFF" log_id=050901616001 log_type="Content Filtering" log_component="HTTP" log_subtype="Allowed" log_version=1 severity="Information" fw_rule_id="12" web_policy_id=12 http_category="Content Delivery" http_category_type="Acceptable" url="https://hls14.asiancdn.net" src_ip="192.168.2.111" dst_ip="89.160.20.156" protocol="TCP" src_port=50931 dst_port=443 bytes_sent=19591 bytes_received=2856085 domain="hls14.asiancdn.net" http_status="0" con_id=173026752 app_is_cloud="FALSE" used_quota="0" src_zone_type="LAN" src_zone="LAN" dst_zone_type="WAN" dst_zone="WAN" src_country="R1" dst_country="USA"
"#;
        let t = tally(&mut SophosParser, text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (1, 1, 0));
        assert_eq!(t.events[0].bytes_out, Some(19591));
        assert_eq!(SophosFirewall.sniff(text.as_bytes()), 100);
    }
}
