//! Skyhigh Secure Web Gateway (formerly McAfee Web Gateway, MWG 7.x–12.x) `access.log`, as the
//! default "Access Log" rule of the Log Handler writes it, with its `#` header line.
//!
//! Spec: Skyhigh Secure Web Gateway documentation, "Access log rule set" (the properties the
//! default rule logs, <https://success.myshn.net/Skyhigh_Secure_Web_Gateway_(On_Prem)/Monitoring/Logging/Access_log_rule_set>)
//! and "Configure log file Encryption and log field Anonymization" (a header with
//! `bytes_from_client`, <https://success.skyhighsecurity.com/Skyhigh_Secure_Web_Gateway_(On_Prem)/Best_Practices/Logging_and_Monitoring/Configure_log_file_Encryption_and_log_field_Anonymization>).
//! The default rule writes a header naming the properties, then one line per request:
//!
//! `#time_stamp "auth_user" src_ip status_code "req_line" "categories" "rep_level" "media_type" bytes_to_client "user_agent" "virus_name" "block_res"`
//!
//! `[14/Oct/2018:23:59:42 -0300] "joao" 10.1.2.3 200 "CONNECT a.wunderlist.com:443 HTTP/1.1" "Interactive Web Applications" "Minimal Risk" "" 492 "Mozilla/5.0 (…)" "" "0"`
//!
//! Later templates add `bytes_from_client` after `bytes_to_client` and `"application_name"`
//! at the end; the columns are taken from the header, so either reads.
//!
//! | property | use |
//! |---|---|
//! | `time_stamp` `[dd/Mon/yyyy:hh:mm:ss ±zzzz]` | `ts` |
//! | `auth_user` (`""` when not authenticated) | `user` |
//! | `src_ip` | `client` |
//! | `req_line` `METHOD URL HTTP/1.1` (else a `url` column) | `host`, `path` |
//! | `bytes_from_client` (where the template logs it) | `bytes_out` |
//! | `block_res` (block reason ID; `0` = not blocked) | `action` |
//!
//! Quirks: without a header the default layout above is assumed, or the
//! `bytes_from_client` one when the tenth column is a bare number. Values are double-quoted
//! and not escaped; a quoted value ends at a `"` followed by a space or the line's end, so a
//! user agent holding quotes stays one value. A line whose request names no URL is ignored.

use memchr::memchr;

use super::combined::parse_clf_time;
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_u64;

/// Skyhigh (McAfee) Web Gateway access.log.
pub struct SkyhighSwg;

impl LogFormat for SkyhighSwg {
    fn name(&self) -> &'static str {
        "skyhigh-swg"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Skyhigh Secure Web Gateway / McAfee Web Gateway access.log (default template, #time_stamp header)"
    }
    fn fields(&self) -> &'static str {
        "time_stamp, auth_user, src_ip, req_line (or url), bytes_from_client, block_res (by header)"
    }
    fn spec_url(&self) -> &'static str {
        "https://success.myshn.net/Skyhigh_Secure_Web_Gateway_(On_Prem)/Monitoring/Logging/Access_log_rule_set"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/skyhigh-swg/access.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            if line.starts_with(b"#time_stamp ") {
                return Some(true);
            }
            let mut cols = Vec::new();
            tokens(line, 6, &mut cols);
            let col = |i: usize| cols.get(i).map_or(&b""[..], |&(b, e)| &line[b..e]);
            Some(
                line.first() == Some(&b'[')
                    && parse_clf_time(col(0)).is_some()
                    && line.get(cols.get(1).map_or(0, |c| c.0).saturating_sub(1)) == Some(&b'"')
                    && col(3).len() == 3
                    && col(3).iter().all(u8::is_ascii_digit)
                    && col(4).first().is_some_and(u8::is_ascii_uppercase),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SkyhighParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// Splits `line` into at most `max` values: `[…]`, `"…"` (brackets and quotes removed) or bare
/// words, separated by single spaces. Pushes `(start, end)` ranges into `out`.
fn tokens(line: &[u8], max: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut i = 0;
    while i < line.len() && out.len() < max {
        match line[i] {
            b' ' => i += 1,
            b'[' => {
                let end = memchr(b']', &line[i..]).map_or(line.len(), |e| i + e);
                out.push((i + 1, end));
                i = end + 1;
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let end = loop {
                    match memchr(b'"', &line[j..]) {
                        Some(k) if matches!(line.get(j + k + 1), None | Some(b' ')) => break j + k,
                        Some(k) => j += k + 1,
                        None => break line.len(),
                    }
                };
                out.push((start, end));
                i = end + 1;
            }
            _ => {
                let end = memchr(b' ', &line[i..]).map_or(line.len(), |e| i + e);
                out.push((i, end));
                i = end;
            }
        }
    }
}

/// Column positions of the properties read.
#[derive(Clone, Copy, Debug, Default)]
struct Layout {
    time: Option<usize>,
    user: Option<usize>,
    client: Option<usize>,
    req_line: Option<usize>,
    url: Option<usize>,
    bytes_out: Option<usize>,
    block: Option<usize>,
    columns: usize,
}

const DEFAULT: &[u8] = br#"#time_stamp "auth_user" src_ip status_code "req_line" "categories" "rep_level" "media_type" bytes_to_client "user_agent" "virus_name" "block_res""#;
const WITH_UPLOAD: &[u8] = br#"#time_stamp "auth_user" src_ip status_code "req_line" "categories" "rep_level" "media_type" bytes_to_client bytes_from_client "user_agent" "virus_name" "block_res" "application_name""#;

/// Columns past which nothing is read.
const MAX_COLUMNS: usize = 64;

impl Layout {
    fn from_header(header: &[u8]) -> Layout {
        let names = header.strip_prefix(b"#").unwrap_or(header);
        let mut cols = Vec::new();
        tokens(names, MAX_COLUMNS, &mut cols);
        let mut l = Layout {
            columns: cols.len(),
            ..Layout::default()
        };
        for (i, &(b, e)) in cols.iter().enumerate() {
            let slot = match &names[b..e] {
                b"time_stamp" => &mut l.time,
                b"auth_user" => &mut l.user,
                b"src_ip" => &mut l.client,
                b"req_line" => &mut l.req_line,
                b"url" => &mut l.url,
                b"bytes_from_client" => &mut l.bytes_out,
                b"block_res" => &mut l.block,
                _ => continue,
            };
            *slot = slot.or(Some(i));
        }
        l
    }
}

#[derive(Default)]
struct SkyhighParser {
    /// From the header line; `None` until one is seen (then guessed per line).
    layout: Option<Layout>,
    cols: Vec<(usize, usize)>,
}

impl LineParser for SkyhighParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return Ok(Parsed::Meta);
        }
        if trimmed.first() == Some(&b'#') {
            if trimmed.starts_with(b"#time_stamp") {
                self.layout = Some(Layout::from_header(trimmed));
            }
            return Ok(Parsed::Meta);
        }
        let layout = match self.layout {
            Some(l) => l,
            None => {
                tokens(line, 10, &mut self.cols);
                let bare_tenth = self.cols.get(9).is_some_and(|&(b, _)| line.get(b.wrapping_sub(1)) == Some(&b' '));
                Layout::from_header(if bare_tenth { WITH_UPLOAD } else { DEFAULT })
            }
        };
        tokens(line, layout.columns.max(1), &mut self.cols);
        let cols = &self.cols;
        let col = |i: Option<usize>| i.and_then(|i| cols.get(i)).map(|&(b, e)| &line[b..e]);
        let time = col(layout.time).ok_or(ParseError::MissingField("time_stamp"))?;
        let ts = parse_clf_time(time).ok_or(ParseError::BadTimestamp)?;
        let url = match col(layout.req_line) {
            // `GET http://h/p HTTP/1.1`: the second word.
            Some(req) => req.split(|&c| c == b' ').nth(1),
            None => col(layout.url),
        };
        let Some(url) = url.and_then(present) else {
            if layout.req_line.is_some_and(|i| i >= cols.len()) {
                return Err(ParseError::MissingField("req_line"));
            }
            return Ok(Parsed::Ignored);
        };
        let bytes_out = match col(layout.bytes_out).and_then(present) {
            Some(b) => Some(parse_u64(b).ok_or(ParseError::BadNumber("bytes_from_client"))?),
            None => None,
        };
        let action = match col(layout.block) {
            Some(b"0" | b"") => Action::Allowed,
            Some(_) => Action::Blocked,
            None => Action::Unknown,
        };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: col(layout.user).and_then(present),
            client: col(layout.client).and_then(present),
            host: url,
            path: Some(url),
            bytes_out,
            action,
            source: SourceKind::Proxy,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    const HEADER: &str = r#"#time_stamp "auth_user" src_ip status_code "req_line" "categories" "rep_level" "media_type" bytes_to_client "user_agent" "virus_name" "block_res""#;

    #[test]
    fn default_template_with_its_header() {
        let mut p = SkyhighParser::default();
        assert_eq!(p.parse(HEADER.as_bytes()), Ok(Parsed::Meta));
        let line = r#"[14/Oct/2018:23:59:42 -0300] "joao" 0:0:0:0:0:0:0:0 200 "CONNECT a.wunderlist.com:443 HTTP/1.1" "Interactive Web Applications" "Minimal Risk" "" 492 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/69.0.3497.100 Safari/537.36" "" "0""#;
        let Ok(Parsed::Event(e)) = p.parse(line.as_bytes()) else {
            panic!("not an event")
        };
        assert_eq!(e.ts, Some(1_539_572_382));
        assert_eq!((e.host, e.user), (&b"a.wunderlist.com:443"[..], Some(&b"joao"[..])));
        assert_eq!((e.client, e.action), (Some(&b"0:0:0:0:0:0:0:0"[..]), Action::Allowed));
        assert_eq!(e.bytes_out, None);
    }

    #[test]
    fn upload_template_guessed_without_a_header_and_blocks() {
        let mut p = SkyhighParser::default();
        let line = r#"[24/Nov/2026:10:15:00 +0100] "" 10.1.2.3 403 "POST https://chat.deepseek.com/api/v0/chat HTTP/1.1" "Generative AI" "Unverified" "text/html" 3120 88123 "Mozilla/5.0 (Windows; "Edge")" "" "10" "DeepSeek""#;
        let Ok(Parsed::Event(e)) = p.parse(line.as_bytes()) else {
            panic!("not an event")
        };
        assert_eq!((e.ts, e.user), (Some(1_795_511_700), None));
        assert_eq!(e.host, b"https://chat.deepseek.com/api/v0/chat");
        assert_eq!((e.bytes_out, e.action), (Some(88123), Action::Blocked));
    }

    #[test]
    fn bad_lines() {
        let t = tally(
            &mut SkyhighParser::default(),
            &format!("{HEADER}\n[yesterday] \"\" 1.2.3.4 200 \"GET http://a/ HTTP/1.1\"\n[14/Oct/2018:23:59:42 -0300] \"\" 1.2.3.4 200 \"\" \"\" \"\" \"\" 1 \"\" \"\" \"0\"\n[14/Oct/2018:23:59:42 -0300] \"\" 1.2.3.4\n"),
        );
        assert_eq!((t.meta, t.errors, t.ignored, t.events.len()), (1, 2, 1, 0));
    }
}
