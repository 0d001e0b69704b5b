//! Cisco Secure Web Appliance (WSA, formerly IronPort) access logs in the native (Squid-based)
//! format, as written to disk or pushed by syslog (`… ACCESS_LOGS: Info: 1726597763.348 …`).
//!
//! Spec: Cisco "Understand Secure Web Appliance Accesslogs"
//! (<https://www.cisco.com/c/en/us/support/docs/security/secure-web-appliance/225832-understand-secure-web-appliance.html>)
//! and the AsyncOS user guide's "Access Log File" chapter. Its sample:
//!
//! `1726597763.348 68855 192.168.1.10 TCP_MISS/200 97645 TCP_CONNECT 10.37.145.84:443 "AMOJARRA\amirhossein@WCCPrealm" DIRECT/www.cisco.com - PASSTHRU_CUSTOMCAT_7-DP_site-IdP_Site-NONE-NONE-NONE-DefaultGroup-NONE <"C_Cisc",-,-,…> - -`
//!
//! | # | field | use |
//! |---|---|---|
//! | 0 | `%t` time, Unix seconds.millis | `ts` |
//! | 1 | `%e` elapsed ms | – |
//! | 2 | `%a` client address | `client` |
//! | 3 | `%w/%h` result code / HTTP status (`TCP_DENIED/403`) | `action` |
//! | 4 | `%s` bytes sent to the client | – (not an upload size) |
//! | 5 | `%2r` method (`GET`, `CONNECT`, `TCP_CONNECT`) | – |
//! | 6 | `%1r` URL: `http://h/p`, `tunnel://h:443/`, `h:443` | `host` |
//! | 7 | `%A` user and realm, `"DOMAIN\user@realm"`, `"user@realm"` or `-` | `user` (quotes and `@realm` removed) |
//! | 8 | `%H/%d` hierarchy / server | – |
//! | 9 | `%M` MIME type | – |
//! | 10 | `%X…` ACL decision tag, `POLICY_TAG-Group-Identity-…` | `action`: `BLOCK_…`, `DROP_…` = blocked |
//! | 11 | `<…>` scanning verdicts (quoted values may hold spaces) | – |
//!
//! Quirks: the first ten fields are Squid's, so a WSA log is recognized by its decision tag,
//! and `squid` declines lines that carry one. The native format records no request size, so
//! `bytes_out` is absent (the W3C access-log variant is read by `w3c` where it has
//! `cs-bytes`). The realm after the last `@` names the authentication scheme, not the user's
//! domain: it is removed (`--keep-user-domain` keeps `CORP\alice`, not `CORP\alice@realm`); a
//! UPN user logs as `alice@corp.example@realm` and keeps its own `@`.

use memchr::{memchr, memmem};

use super::{LineParser, LogFormat, present, score_lines, split_fields};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_epoch;

/// Cisco Secure Web Appliance native access log.
pub struct CiscoWsa;

impl LogFormat for CiscoWsa {
    fn name(&self) -> &'static str {
        "cisco-wsa"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Cisco Secure Web Appliance (WSA/IronPort) native access log, plain or syslog-pushed"
    }
    fn fields(&self) -> &'static str {
        "time, client address, result code, URL or CONNECT host:port, user@realm, ACL decision tag"
    }
    fn spec_url(&self) -> &'static str {
        "https://www.cisco.com/c/en/us/support/docs/security/secure-web-appliance/225832-understand-secure-web-appliance.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/cisco-wsa/aclog.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| Some(is_wsa_line(record(line))))
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(WsaParser)
    }
    fn reads_syslog(&self) -> bool {
        // Pushed lines carry one or two syslog headers and `Info:`; the record is found after
        // the `Info: ` marker, which the generic unwrapper would not remove.
        true
    }
}

/// The record of a line: after `Info: ` when a syslog push put a header before it.
fn record(line: &[u8]) -> &[u8] {
    if line.first().is_some_and(u8::is_ascii_digit) {
        return line;
    }
    let window = &line[..line.len().min(160)];
    match memmem::find(window, b"Info: ") {
        Some(i) => &line[i + 6..],
        None => line,
    }
}

/// `DEFAULT_CASE_12-DefaultGroup-…`, `BLOCK_WEBCAT_12-…`, `PASSTHRU_CUSTOMCAT_7-…`: an
/// uppercase policy tag, then the policy names, at least four more `-`-separated parts.
fn is_decision_tag(f: &[u8]) -> bool {
    let Some(dash) = memchr(b'-', f) else {
        return false;
    };
    dash >= 4
        && f[..dash].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && memchr::memchr_iter(b'-', f).count() >= 4
}

/// Whether a line is a WSA access record: Squid's leading fields, then a decision tag.
/// `squid` asks this to leave WSA logs to this format.
pub(super) fn is_wsa_line(line: &[u8]) -> bool {
    let (f, n) = split_fields::<12>(line, b' ', true);
    // A quoted user name with spaces would shift the tag; look at the next fields too.
    n >= 11
        && memchr(b'.', f[0]).is_some()
        && parse_epoch(f[0]).is_some()
        && f[3].contains(&b'/')
        && f[10..n.min(12)].iter().any(|t| is_decision_tag(t))
}

fn is_blocked(result: &[u8], tag: &[u8]) -> bool {
    result.starts_with(b"TCP_DENIED")
        || result.starts_with(b"UDP_DENIED")
        || tag.starts_with(b"BLOCK_")
        || tag.starts_with(b"DROP_")
}

/// `"CORP\alice@realm"` → `CORP\alice`; `-` → none.
fn user_of(f: &[u8]) -> Option<&[u8]> {
    let mut u = f;
    if let [b'"', inner @ .., b'"'] = u {
        u = inner;
    }
    if let Some(at) = memchr::memrchr(b'@', u) {
        u = &u[..at];
    }
    present(u)
}

struct WsaParser;

impl LineParser for WsaParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let (f, n) = split_fields::<12>(record(line), b' ', true);
        if n < 7 {
            return Err(ParseError::MissingField("url"));
        }
        let ts = parse_epoch(f[0]).ok_or(ParseError::BadTimestamp)?;
        if !f[3].contains(&b'/') {
            return Err(ParseError::MissingField("result code"));
        }
        let url = f[6];
        if present(url).is_none() || url.starts_with(b"error:") {
            return Ok(Parsed::Ignored);
        }
        let tag = f[10..n.max(10)]
            .iter()
            .copied()
            .find(|t| is_decision_tag(t))
            .unwrap_or_default();
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: if n > 7 { user_of(f[7]) } else { None },
            client: present(f[2]),
            host: url,
            action: if is_blocked(f[3], tag) {
                Action::Blocked
            } else {
                Action::Allowed
            },
            source: SourceKind::Proxy,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with};

    fn event(line: &str) -> Event<'_> {
        event_with(WsaParser, line)
    }

    #[test]
    fn cisco_documentation_sample() {
        let e = event(
            r#"1726597763.348 68855 192.168.1.10 TCP_MISS/200 97645 TCP_CONNECT 10.37.145.84:443 "AMOJARRA\amirhossein@WCCPrealm" DIRECT/www.cisco.com - PASSTHRU_CUSTOMCAT_7-DP_site-IdP_Site-NONE-NONE-NONE-DefaultGroup-NONE <"C_Cisc",-,-,"-",-,-,-,-,"-",-,-,-,"-",-,-,"-","-",-,-,"-",-,"-","-","-","-","-","-","-",11.35,0,-,"-","-",-,"-",-,-,"-","-",-,-,"-",-,-> - -"#,
        );
        assert_eq!(e.ts, Some(1_726_597_763));
        assert_eq!(e.host, b"10.37.145.84:443");
        assert_eq!(e.user, Some(&br"AMOJARRA\amirhossein"[..]));
        assert_eq!((e.client, e.action), (Some(&b"192.168.1.10"[..]), Action::Allowed));
        assert!(is_wsa_line(b"1726597763.348 68855 192.168.1.10 TCP_MISS/200 97645 TCP_CONNECT 10.37.145.84:443 - DIRECT/www.cisco.com - PASSTHRU_CUSTOMCAT_7-DP_site-IdP_Site-NONE-NONE-NONE-DefaultGroup-NONE <x> - -"));
    }

    #[test]
    fn syslog_pushed_lines_and_blocks() {
        // The shape of a syslog push (SEKOIA.IO's published cisco_wsa sample).
        let e = event(
            r#"<38>Sep 26 11:36:04 10.55.90.60 <14>Sep 26 11:36:06 ACCESS_LOGS: Info: 1649097617.352 7 1.2.3.4 TCP_MISS/302 779 HEAD http://example.g1.com/release2/x.crx3 - DIRECT/example.g1.com text/html DEFAULT_CASE_12-DefaultGroup-Internal_network-NONE-NONE-NONE-DefaultGroup-NONE <"IW_infr",6.8,1,"-",-,-,-,-,"-",-,-,-,"-",-,-,"-","-",-,-,"IW_infr",-,"-","Infrastructure and Content Delivery Networks","-","Unknown","Unknown","-","-",890.29,0,-,"-","-",-,"-",-,-,"-","-",-,-,"-",-> - -"#,
        );
        assert_eq!((e.ts, e.user), (Some(1_649_097_617), None));
        assert_eq!(e.host, b"http://example.g1.com/release2/x.crx3");
        let e = event(
            "1795511700.001 12 10.1.2.3 TCP_DENIED/403 0 CONNECT tunnel://chat.deepseek.com:443/ \"bob@CorpRealm\" NONE/- - BLOCK_WEBCAT_12-Staff-Corp_ID-NONE-NONE-NONE-DefaultGroup-NONE <\"IW_ai\",-> - -",
        );
        assert_eq!((e.action, e.user), (Action::Blocked, Some(&b"bob"[..])));
        let e = event("1795511700.001 12 10.1.2.3 TCP_MISS/200 0 GET http://a.com/ - NONE/- - BLOCK_ADMIN_CONNECT-A-B-C-D-E <x> - -");
        assert_eq!(e.action, Action::Blocked);
    }

    #[test]
    fn squid_lines_are_not_wsa_and_junk_errors() {
        assert!(!is_wsa_line(
            b"1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/175.16.199.115 -"
        ));
        let p = |l| parse_with(WsaParser, l);
        assert_eq!(p("garbage"), Err(ParseError::MissingField("url")));
        assert_eq!(p("x 1 1.2.3.4 TCP_MISS/200 1 GET http://a/ - - -"), Err(ParseError::BadTimestamp));
        assert_eq!(p("Info: "), Err(ParseError::MissingField("url")));
    }
}
