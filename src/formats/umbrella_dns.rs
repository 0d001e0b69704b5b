//! Cisco Umbrella DNS logs, CSV as exported to S3 (Cisco-managed or own bucket), all log
//! format versions (10 columns in v1, 13 and more later).
//!
//! Spec: <https://docs.umbrella.com/deployment-umbrella/docs/dns-log-formats> (log formats and
//! versioning). A row is
//! `"2020-07-23 23:49:54","elasticuser","elasticuser,Elastic Machine","192.168.1.1","81.2.69.144","Allowed","1 (A)","NOERROR","www.elastic.co.","Software/Technology",…`:
//!
//! | # | column | use |
//! |---|---|---|
//! | 0 | Timestamp (UTC, `YYYY-MM-DD hh:mm:ss`) | `ts` |
//! | 1 | Most Granular Identity | `user` when it looks like a user (see below) |
//! | 2 | Identities (comma list) | – |
//! | 3 | Internal IP | `client` |
//! | 4 | External IP | – |
//! | 5 | Action (`Allowed` / `Blocked`) | `action` |
//! | 6 | QueryType (`1 (A)`) | – (detection) |
//! | 7 | ResponseCode | – |
//! | 8 | Domain (`www.elastic.co.`) | `host` |
//! | 9 | Categories | – |
//! | 10 | Most Granular Identity Type (v3+) (`AD Users`, `Roaming Computers`, `Networks`…) | user test |
//!
//! The identity is a user when it contains `@` or its type names users (`AD Users`, `Users`);
//! for AD users logged as `Last, First (first.last@example.com)` the address in parentheses is
//! taken. Otherwise `user` is absent and reports fall back to the internal IP. Quirks: every
//! field is quoted and may contain commas; some exporters put a space after the separating
//! comma; empty domains are ignored.

use std::cell::RefCell;

use super::csv_fields::CsvSplitter;
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_iso8601;

/// Cisco Umbrella DNS log CSV.
pub struct UmbrellaDns;

impl LogFormat for UmbrellaDns {
    fn name(&self) -> &'static str {
        "umbrella-dns"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "Cisco Umbrella DNS logs, S3-export CSV (10 to 16 columns)"
    }
    fn fields(&self) -> &'static str {
        "timestamp, most granular identity (+type), internal IP, action, domain"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.umbrella.com/deployment-umbrella/docs/dns-log-formats"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/umbrella-dns/dnslogs.csv")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let csv = RefCell::new(CsvSplitter::skipping_spaces());
        score_lines(head, |line| {
            let mut csv = csv.borrow_mut();
            let f = csv.split(line, 12);
            Some(
                f.len() >= 10
                    && line.starts_with(b"\"")
                    && is_time(f.get(0))
                    && matches!(f.get(5), b"Allowed" | b"Blocked")
                    && is_query_type(f.get(6)),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(UmbrellaDnsParser::default())
    }
}

/// `2020-07-23 23:49:54`.
pub(super) fn is_time(f: &[u8]) -> bool {
    f.len() == 19 && parse_iso8601(f).is_some()
}

/// `1 (A)`, `28 (AAAA)`.
fn is_query_type(f: &[u8]) -> bool {
    let digits = f.iter().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && f.get(digits..digits + 2) == Some(b" (") && f.ends_with(b")")
}

/// The user an Umbrella identity names, if it names one: the address in
/// `Last, First (first.last@example.com)`, any identity with `@`, or an identity whose type
/// names users.
pub(super) fn identity_user<'a>(identity: &'a [u8], kind: &[u8]) -> Option<&'a [u8]> {
    if identity.is_empty() {
        return None;
    }
    if memchr::memchr(b'@', identity).is_some() {
        if let (Some(open), true) = (memchr::memrchr(b'(', identity), identity.ends_with(b")")) {
            let inner = &identity[open + 1..identity.len() - 1];
            if memchr::memchr(b'@', inner).is_some() {
                return Some(inner);
            }
        }
        return Some(identity);
    }
    let user_type = memchr::memmem::find(kind, b"Users").is_some()
        || memchr::memmem::find(kind, b"User").is_some() && kind.len() <= 16;
    user_type.then_some(identity)
}

struct UmbrellaDnsParser {
    csv: CsvSplitter,
}

impl Default for UmbrellaDnsParser {
    fn default() -> Self {
        UmbrellaDnsParser {
            csv: CsvSplitter::skipping_spaces(),
        }
    }
}

impl LineParser for UmbrellaDnsParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let f = self.csv.split(line, 12);
        let n = f.len();
        if n < 10 {
            return Err(ParseError::MissingField("domain"));
        }
        let ts = parse_iso8601(f.get(0))
            .map(|(t, _)| t)
            .ok_or(ParseError::BadTimestamp)?;
        let action = match f.get(5) {
            b"Allowed" => Action::Allowed,
            b"Blocked" => Action::Blocked,
            _ => Action::Unknown,
        };
        if f.get(8).is_empty() {
            return Ok(Parsed::Ignored);
        }
        let kind = if n > 10 { f.get(10) } else { &[][..] };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: identity_user(f.get(1), kind),
            client: (!f.get(3).is_empty()).then_some(f.get(3)),
            host: f.get(8),
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
        event_with(UmbrellaDnsParser::default(), line)
    }

    #[test]
    fn rows_of_every_version() {
        let e = event(
            r#""2020-07-23 23:50:25","elasticuser","elasticuser,Elastic Machine","192.168.1.1","67.43.156.12","Blocked","1 (A)","NOERROR","elastic.co.","Chat,Instant Messaging,Block List,Application","AD Users","AD Users, Roaming Computers","BlockedCategories""#,
        );
        assert_eq!(e.ts, Some(1_595_548_225));
        assert_eq!((e.host, e.action), (&b"elastic.co."[..], Action::Blocked));
        assert_eq!(e.user, Some(&b"elasticuser"[..]));
        assert_eq!(e.client, Some(&b"192.168.1.1"[..]));
        let e = event(
            r#""2015-01-16 17:48:41","ActiveDirectoryUserName", "ActiveDirectoryUserName,ADSite,Network", "10.10.1.100","81.2.69.144","Allowed","1 (A)", "NOERROR","chatgpt.com.", "Chat,Photo Sharing,Social Networking,Allow List""#,
        );
        assert_eq!((e.host, e.user), (&b"chatgpt.com."[..], None));
        assert_eq!(e.client, Some(&b"10.10.1.100"[..]));
        let e = event(
            r#""2023-05-05 12:50:00","Pa_redacted, De_redacted (De_redacted.Pa_redacted@example.com)","x","2a02:cf40::1","2a02:cf40::2","Allowed","28 (AAAA)","NOERROR","claude.ai.","Application","AD Users","AD Users,Anyconnect Roaming Client","Allow List""#,
        );
        assert_eq!(e.user, Some(&b"De_redacted.Pa_redacted@example.com"[..]));
        let e = event(
            r#""2023-03-28 10:50:02","Users-Internal","Users-Internal,Default Site","192.168.1.1","81.2.69.144","Allowed","1 (A)","NOERROR","api.openai.com.","x","Internal Networks","Internal Networks,Sites,Networks","""#,
        );
        assert_eq!(e.user, None);
    }

    #[test]
    fn bad_rows() {
        let mut p = UmbrellaDnsParser::default();
        assert_eq!(p.parse(b"a,b"), Err(ParseError::MissingField("domain")));
        assert_eq!(
            p.parse(br#""yesterday","a","b","c","d","Allowed","1 (A)","NOERROR","x.com.","y""#),
            Err(ParseError::BadTimestamp)
        );
        assert_eq!(
            p.parse(br#""2020-07-23 23:49:54","a","b","c","d","Allowed","1 (A)","NOERROR","","y""#),
            Ok(Parsed::Ignored)
        );
        assert_eq!(p.parse(b""), Ok(Parsed::Meta));
        let _ = p.parse(br#""unterminated,"#);
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) = crate::testutil::shared(
            "real-logs/dns-umbrella-csv/elastic-integrations-cisco_umbrella-test-umbrella-dnslogs.log",
        ) else {
            return;
        };
        let t = tally(&mut UmbrellaDnsParser::default(), &text);
        assert_eq!((t.ignored, t.meta, t.errors), (0, 0, 0));
        assert_eq!((text.lines().count(), t.events.len()), (15, 15));
        assert_eq!(UmbrellaDns.sniff(text.as_bytes()), 100);
        assert_eq!(
            super::super::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("umbrella-dns")
        );
    }
}
