//! Check Point (Quantum gateways, R80.20 and later) URL Filtering and Application Control logs
//! as the Log Exporter sends them: its `syslog` format, or CEF.
//!
//! Spec: Check Point sk122323 "Log Exporter - Check Point log export"
//! (<https://support.checkpoint.com/results/sk/sk122323>: the `syslog` and `cef` formats and
//! their field names); samples in Elastic's `checkpoint`
//! integration tests (`packages/checkpoint/data_stream/firewall/_dev/test/pipeline/`) and the
//! beats CEF module (`x-pack/filebeat/module/cef/log/test/checkpoint.log`). The syslog format
//! is RFC 5424 whose structured data holds the fields:
//!
//! `<134>1 2026-09-30T06:14:07Z gw-hq-01 CheckPoint 26144 - [action:"Accept"; …; time:"1790748847"; …; product:"URL Filtering"; resource:"https://chatgpt.com/backend-api/conversation"; src:"10.20.14.37"; src_user_name:"Dana Levi (dlevi)"; …]`
//!
//! | field (syslog) | CEF key | use |
//! |---|---|---|
//! | `time` (epoch seconds) | `rt` (epoch ms) | `ts` |
//! | `resource` (URL; the bare site without HTTPS inspection) | `request` | `host`, `path` |
//! | `appi_name` when it is a host name (uncategorized sites), without `resource` | `dhost` | `host` |
//! | `src` | `src` | `client` |
//! | `src_user_name`, else `user`: `Full Name (account)` → `account` | `suser`, else `duser` | `user` |
//! | `client_outbound_bytes`, else `sent_bytes` | `out` | `bytes_out` |
//! | `action` (`Drop`, `Reject`, `Block`, `Prevent`, `Redirect` = blocked) | `act` | `action` |
//!
//! Quirks: Log Exporter escapes `"`, `;` and `]` inside values with a backslash; repeated keys
//! (`rule_name`, one per matched layer) are read once each, the last winning, which never
//! matters for the keys above. Firewall (connection) logs carry no `resource`: well-formed,
//! ignored. `appi_name` names an application (`ChatGPT`) for categorized sites, so it is only a
//! host when it looks like one. The CEF reader is shared with `forcepoint` (`cef.rs`).

use memchr::{memchr, memmem};

use super::cef::Cef;
use super::forcepoint::receipt_time;
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_u64;

/// Check Point Log Exporter, syslog or CEF.
pub struct Checkpoint;

impl LogFormat for Checkpoint {
    fn name(&self) -> &'static str {
        "checkpoint"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Check Point Log Exporter (syslog or CEF): URL Filtering and Application Control"
    }
    fn fields(&self) -> &'static str {
        "time/rt, src, src_user_name/suser, resource/request (or a host-like appi_name), client_outbound_bytes/out, action/act"
    }
    fn spec_url(&self) -> &'static str {
        "https://support.checkpoint.com/results/sk/sk122323"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/checkpoint/checkpoint.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            if let Some(cef) = Cef::parse(line) {
                return Some(is_checkpoint(&cef));
            }
            let mut keys = 0;
            for (k, _) in exporter_pairs(line) {
                if matches!(k, b"action" | b"origin" | b"product" | b"time" | b"loguid") {
                    keys += 1;
                }
            }
            Some(keys >= 3)
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(CheckpointParser)
    }
    fn reads_syslog(&self) -> bool {
        // The fields are the RFC 5424 structured data, which the generic unwrapper drops.
        true
    }
}

fn is_checkpoint(cef: &Cef) -> bool {
    cef.vendor.eq_ignore_ascii_case(b"Check Point")
}

/// The `key:"value"` pairs of a Log Exporter syslog line: the `[…]` after the header, pairs
/// separated by `; `, a backslash escaping the next byte inside a value.
fn exporter_pairs(line: &[u8]) -> ExporterPairs<'_> {
    // The first `[` directly followed by a key and `:"`.
    let mut rest: &[u8] = &[];
    let mut from = 0;
    while let Some(i) = memchr(b'[', &line[from..]) {
        let after = &line[from + i + 1..];
        let key_len = after.iter().take_while(|c| is_key_byte(**c)).count();
        if key_len > 0 && after[key_len..].starts_with(b":\"") {
            rest = after;
            break;
        }
        from += i + 1;
    }
    ExporterPairs { rest }
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

struct ExporterPairs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for ExporterPairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.rest.trim_ascii_start();
        let colon = memchr(b':', s)?;
        let key = &s[..colon];
        let value = s[colon + 1..].strip_prefix(b"\"")?;
        if key.is_empty() || !key.iter().all(|c| is_key_byte(*c)) {
            self.rest = &[];
            return None;
        }
        let mut i = 0;
        let end = loop {
            match value.get(i) {
                Some(b'\\') => i += 2,
                Some(b'"') => break i,
                Some(_) => i += 1,
                None => break value.len(),
            }
        };
        let end = end.min(value.len());
        let tail = value.get(end + 1..).unwrap_or_default();
        self.rest = tail.strip_prefix(b";").unwrap_or(&[]);
        Some((key, &value[..end]))
    }
}

/// `Full Name (account)` → `account`; any other name as it is.
fn account(name: &[u8]) -> Option<&[u8]> {
    let name = present(name.trim_ascii())?;
    if let [.., b')'] = name
        && let Some(open) = memchr::memrchr(b'(', name)
    {
        return present(name[open + 1..name.len() - 1].trim_ascii());
    }
    Some(name)
}

/// `appi_name` is a host only when it reads as one: `shiptrack-updates.xyz`, not `ChatGPT`.
fn host_like(v: &[u8]) -> bool {
    memchr(b'.', v).is_some()
        && v.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
}

fn action_of(v: &[u8]) -> Action {
    const BLOCKED: [&[u8]; 5] = [b"drop", b"reject", b"block", b"prevent", b"redirect"];
    if BLOCKED.iter().any(|b| v.eq_ignore_ascii_case(b)) {
        Action::Blocked
    } else {
        Action::Allowed
    }
}

struct CheckpointParser;

impl CheckpointParser {
    fn cef<'a>(cef: &Cef<'a>) -> Result<Parsed<'a>, ParseError> {
        if !is_checkpoint(cef) {
            return Ok(Parsed::Ignored);
        }
        let mut e = Event {
            source: SourceKind::Proxy,
            ..Event::default()
        };
        let (mut request, mut dhost, mut suser, mut duser) = (None, None, None, None);
        for (k, v) in cef.pairs() {
            match k {
                b"rt" => e.ts = Some(receipt_time(v).ok_or(ParseError::BadTimestamp)?),
                b"request" => request = present(v),
                b"dhost" => dhost = present(v),
                b"suser" => suser = account(v),
                b"duser" => duser = account(v),
                b"src" => e.client = present(v),
                b"out" => e.bytes_out = Some(parse_u64(v).ok_or(ParseError::BadNumber("out"))?),
                b"act" => e.action = action_of(v),
                _ => {}
            }
        }
        let Some(host) = request.or(dhost) else {
            return Ok(Parsed::Ignored);
        };
        e.host = host;
        e.path = request;
        e.user = suser.or(duser);
        Ok(Parsed::Event(e))
    }
}

impl LineParser for CheckpointParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        if memmem::find(line, b"CEF:").is_some()
            && let Some(cef) = Cef::parse(line)
        {
            return Self::cef(&cef);
        }
        let mut e = Event {
            source: SourceKind::Proxy,
            ..Event::default()
        };
        let (mut any, mut resource, mut appi, mut src_user, mut user) =
            (false, None, None, None, None);
        let (mut outbound, mut sent) = (None, None);
        for (k, v) in exporter_pairs(line) {
            any = true;
            match k {
                b"time" => {
                    let t = parse_u64(v).and_then(|t| i64::try_from(t).ok());
                    e.ts = Some(t.ok_or(ParseError::BadTimestamp)?);
                }
                b"resource" => resource = present(v),
                b"appi_name" => appi = present(v).filter(|v| host_like(v)),
                b"src" => e.client = present(v),
                b"src_user_name" => src_user = account(v),
                b"user" => user = account(v),
                b"client_outbound_bytes" => outbound = Some(v),
                b"sent_bytes" => sent = Some(v),
                b"action" => e.action = action_of(v),
                _ => {}
            }
        }
        if !any {
            return Err(ParseError::Unrecognized("Check Point Log Exporter"));
        }
        let Some(host) = resource.or(appi) else {
            return Ok(Parsed::Ignored);
        };
        e.host = host;
        e.path = resource;
        e.user = src_user.or(user);
        if let Some(b) = outbound.or(sent) {
            e.bytes_out = Some(parse_u64(b).ok_or(ParseError::BadNumber("client_outbound_bytes"))?);
        }
        Ok(Parsed::Event(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with};

    fn event(line: &str) -> Event<'_> {
        event_with(CheckpointParser, line)
    }

    #[test]
    fn url_filtering_syslog_line() {
        let e = event(
            r#"<134>1 2026-09-30T06:14:07Z gw-hq-01 CheckPoint 26144 - [action:"Accept"; flags:"411908"; ifdir:"outbound"; ifname:"eth1"; logid:"0"; loguid:"{0x6abca8af,0x1c,0x100014ac,0x3c8a91d2}"; origin:"10.20.0.1"; originsicname:"CN=gw-hq-01,O=mgmt-hq.acme.local.x7k2pq"; sequencenum:"1"; time:"1790748847"; version:"5"; __policy_id_tag:"product=VPN-1 & FireWall-1[db_tag={6A1E3F52};mgmt=mgmt-hq;date=1790661600;policy_name=Corp_Policy\]"; appi_name:"ChatGPT"; dst:"198.51.100.77"; product:"URL Filtering"; proto:"6"; resource:"https://chatgpt.com/backend-api/conversation"; s_port:"52144"; service:"443"; src:"10.20.14.37"; src_machine_name:"WS-FIN-0142"; src_user_name:"Dana Levi (dlevi)"; client_outbound_bytes:"48213"; web_client_type:"Other: Python-urllib/3.11"]"#,
        );
        assert_eq!(e.ts, Some(1_790_748_847));
        assert_eq!(e.host, b"https://chatgpt.com/backend-api/conversation");
        assert_eq!((e.user, e.client), (Some(&b"dlevi"[..]), Some(&b"10.20.14.37"[..])));
        assert_eq!((e.bytes_out, e.action), (Some(48213), Action::Allowed));
    }

    #[test]
    fn host_like_app_names_blocks_and_hostless_lines() {
        let e = event(
            r#"[action:"Block"; time:"1790748847"; appi_name:"shiptrack-updates.xyz"; src:"10.0.0.5"; user:"Levi, Dana (dlevi)"; sent_bytes:"10"]"#,
        );
        assert_eq!((e.host, e.action), (&b"shiptrack-updates.xyz"[..], Action::Blocked));
        assert_eq!((e.user, e.bytes_out), (Some(&b"dlevi"[..]), Some(10)));
        let p = |l| parse_with(CheckpointParser, l);
        assert_eq!(p(r#"[action:"Accept"; time:"1"; appi_name:"ChatGPT"]"#), Ok(Parsed::Ignored));
        assert_eq!(p(r#"[action:"Drop"; origin:"1.2.3.4"; src:"1.1.1.1"]"#), Ok(Parsed::Ignored));
        assert_eq!(p("junk"), Err(ParseError::Unrecognized("Check Point Log Exporter")));
        assert_eq!(p(r#"[time:"noon"; resource:"a.com"]"#), Err(ParseError::BadTimestamp));
        let _ = p(r#"[a:"\"#);
        let _ = p(r#"[a:"x"; b:"#);
    }

    #[test]
    fn cef_lines_from_the_beats_sample_and_with_a_url() {
        let p = |l| parse_with(CheckpointParser, l);
        // beats x-pack/filebeat/module/cef/log/test/checkpoint.log, line 1: a firewall record.
        assert_eq!(
            p("CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|https|Unknown|act=Accept destinationTranslatedAddress=0.0.0.0 rt=1543270652000 spt=49363 dpt=443 dst=52.173.84.157 product=VPN-1 & FireWall-1 proto=6 service_id=https src=192.168.101.100"),
            Ok(Parsed::Ignored)
        );
        let e = event(
            "CEF:0|Check Point|URL Filtering|Check Point|Log|https|Unknown|act=Block rt=1795511700000 src=10.1.2.3 suser=Bob Smith (bsmith) request=https://claude.ai/new out=900",
        );
        assert_eq!((e.ts, e.host), (Some(1_795_511_700), &b"https://claude.ai/new"[..]));
        assert_eq!((e.user, e.action, e.bytes_out), (Some(&b"bsmith"[..]), Action::Blocked, Some(900)));
    }
}
