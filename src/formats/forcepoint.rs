//! Forcepoint (formerly Websense) Web Security / Content Gateway transaction logs in the SIEM
//! integration's CEF format, plain or behind a syslog header.
//!
//! Spec: Forcepoint Web Security "SIEM Integration Guide", CEF (ArcSight) format
//! (<https://www.websense.com/content/support/library/web/v76/siem/siem.pdf>, the format
//! string is unchanged in v8.x), and the sample published on Trellix's Forcepoint field-mapping
//! page (<https://docs.trellix.com/docs/forcepoint-websense-log-format-and-field-mapping>):
//!
//! `<13>Mar 06 12:55:48 192.0.2.1 CEF:0|Forcepoint|Security|7.7.0|9|Transaction permitted|1| act=permitted app=http dvc=… dst=… dhost=test.host.com dpt=80 src=192.0.2.4 spt=2209 suser=LDAP://192.0.2.4 OU\=User,DC\=example,DC\=com/sanitized … rt=1362603348000 in=727 out=554 requestMethod=GET … request=http://test.host.com/path`
//!
//! | key | use |
//! |---|---|
//! | header vendor `Forcepoint` or `Websense` | the line is a Forcepoint record |
//! | `rt` (epoch milliseconds; seconds when 10 digits or fewer) | `ts` |
//! | `dhost`, else `request` | `host` |
//! | `request` (the full URL) | `path` |
//! | `suser`: `LDAP://server DN/Name` or `WinNT://DOMAIN/name` → the part after the last `/` | `user` |
//! | `src` | `client` |
//! | `out` (bytes sent by the client; `in` is bytes received) | `bytes_out` |
//! | `act` (`permitted`, `blocked`) | `action` |
//!
//! Quirks: CEF from other vendors in the same stream is well-formed but ignored; so is a
//! Forcepoint record without `dhost` or `request`. `suser=-` (unauthenticated) is no user, so
//! the client address stands in. The reader of the CEF syntax is shared with `checkpoint`
//! (`cef.rs`).

use super::cef::Cef;
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_u64;

/// Forcepoint Web Security SIEM CEF.
pub struct Forcepoint;

impl LogFormat for Forcepoint {
    fn name(&self) -> &'static str {
        "forcepoint"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Forcepoint (Websense) Web Security SIEM export in CEF, plain or syslog-wrapped"
    }
    fn fields(&self) -> &'static str {
        "rt, suser, src, dhost or request, out, act"
    }
    fn spec_url(&self) -> &'static str {
        "https://www.websense.com/content/support/library/web/v76/siem/siem.pdf"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/forcepoint/forcepoint-cef.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| Some(Cef::parse(line).is_some_and(|c| is_forcepoint(&c))))
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(ForcepointParser)
    }
    fn reads_syslog(&self) -> bool {
        // `CEF:` is found wherever the header puts it; the generic unwrapper would take `CEF`
        // for the syslog tag and cut the record in two.
        true
    }
}

fn is_forcepoint(cef: &Cef) -> bool {
    cef.vendor.eq_ignore_ascii_case(b"Forcepoint") || cef.vendor.eq_ignore_ascii_case(b"Websense")
}

/// CEF `rt`: milliseconds since the epoch (seconds when 10 digits or fewer).
pub(super) fn receipt_time(v: &[u8]) -> Option<i64> {
    let n = i64::try_from(parse_u64(v)?).ok()?;
    Some(if v.len() > 10 { n / 1000 } else { n })
}

/// The user in a Forcepoint `suser`: the name after the directory path.
fn user_of(suser: &[u8]) -> Option<&[u8]> {
    let v = present(suser)?;
    let directory = v.starts_with(b"LDAP://") || v.starts_with(b"WinNT://");
    let name = match memchr::memrchr(b'/', v) {
        Some(i) if directory => &v[i + 1..],
        _ => v,
    };
    present(name.trim_ascii())
}

struct ForcepointParser;

impl LineParser for ForcepointParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let cef = Cef::parse(line).ok_or(ParseError::Unrecognized("Forcepoint CEF"))?;
        if !is_forcepoint(&cef) {
            return Ok(Parsed::Ignored);
        }
        let mut e = Event {
            source: SourceKind::Proxy,
            ..Event::default()
        };
        let (mut dhost, mut request) = (None, None);
        for (k, v) in cef.pairs() {
            match k {
                b"rt" => e.ts = Some(receipt_time(v).ok_or(ParseError::BadTimestamp)?),
                b"dhost" => dhost = present(v),
                b"request" => request = present(v),
                b"suser" => e.user = user_of(v),
                b"src" => e.client = present(v),
                b"out" => e.bytes_out = Some(parse_u64(v).ok_or(ParseError::BadNumber("out"))?),
                b"act" => {
                    let blocked = v.eq_ignore_ascii_case(b"blocked") || v.eq_ignore_ascii_case(b"denied");
                    e.action = if blocked { Action::Blocked } else { Action::Allowed };
                }
                _ => {}
            }
        }
        let Some(host) = dhost.or(request) else {
            return Ok(Parsed::Ignored);
        };
        e.host = host;
        e.path = request;
        Ok(Parsed::Event(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with};

    fn event(line: &str) -> Event<'_> {
        event_with(ForcepointParser, line)
    }

    #[test]
    fn the_vendor_sample_line() {
        let e = event(
            r"<13>Mar 06 12:55:48 192.0.2.1 CEF:0|Forcepoint|Security|7.7.0|9|Transaction permitted|1| act=permitted app=http dvc=192.0.2.2 dst=192.0.2.3 dhost=test.host.com dpt=80 src=192.0.2.4 spt=2209 suser=LDAP://192.0.2.4 OU\=User,DC\=example,DC\=com/sanitized destinationTranslatedPort=51101 rt=1362603348000 in=727 out=554 requestMethod=GET requestClientApplication=Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0) reason=- cs1Label=Policy cs1=role-8**Test Standard ,role-8**Test Standard cs2Label=DynCat cs2=0 cs3Label=ContentType cs3=text/plain;charset\=UTF-8 cn1Label=DispositionCode cn1=1026 cn2Label=ScanDuration cn2=1 request=http://test.host.com/path",
        );
        assert_eq!(e.ts, Some(1_362_603_348));
        assert_eq!(e.host, b"test.host.com");
        assert_eq!(e.path, Some(&b"http://test.host.com/path"[..]));
        assert_eq!(e.user, Some(&b"sanitized"[..]));
        assert_eq!(e.client, Some(&b"192.0.2.4"[..]));
        assert_eq!((e.bytes_out, e.action), (Some(554), Action::Allowed));
    }

    #[test]
    fn blocked_winnt_user_and_no_user() {
        let e = event(
            "CEF:0|Websense|Security|8.5.4|transaction:blocked|Transaction blocked|7|act=blocked app=https src=10.1.2.3 suser=WinNT://CORP/alice rt=1795511700 out=512 request=https://claude.ai/",
        );
        assert_eq!((e.host, e.user), (&b"https://claude.ai/"[..], Some(&b"alice"[..])));
        assert_eq!((e.ts, e.action), (Some(1_795_511_700), Action::Blocked));
        let e = event("CEF:0|Forcepoint|Security|8.5|x|y|1|suser=- dhost=chatgpt.com src=10.0.0.9");
        assert_eq!((e.user, e.action), (None, Action::Unknown));
    }

    #[test]
    fn other_vendors_hostless_and_junk() {
        let p = |l| parse_with(ForcepointParser, l);
        assert_eq!(p("CEF:0|Infoblox|NIOS|8.6|RPZ|x|7|src=1.2.3.4"), Ok(Parsed::Ignored));
        assert_eq!(p("CEF:0|Forcepoint|Security|8.5|x|y|1|src=1.2.3.4"), Ok(Parsed::Ignored));
        assert_eq!(p("not cef"), Err(ParseError::Unrecognized("Forcepoint CEF")));
        assert_eq!(
            p("CEF:0|Forcepoint|Security|8.5|x|y|1|rt=soon dhost=a.com"),
            Err(ParseError::BadTimestamp)
        );
        assert_eq!(
            p("CEF:0|Forcepoint|Security|8.5|x|y|1|out=lots dhost=a.com"),
            Err(ParseError::BadNumber("out"))
        );
    }
}
