//! Apache httpd / nginx "combined" and "common" access log, as a forward proxy writes it
//! (Apache `mod_proxy` with `ProxyRequests On`, nginx as a forward proxy, Squid with
//! `logformat combined`), plus the virtual-host-prefixed and X-Forwarded-For variants.
//!
//! Spec: Apache `mod_log_config` (<https://httpd.apache.org/docs/current/logs.html#combined>):
//! `LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"" combined`;
//! `common` stops after `%b`; `vhost_combined` prefixes `%v:%p`. nginx's predefined `combined`
//! (<https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format>) is the same shape.
//!
//! `[vhost[:port]] [xff, xff,] client ident user [10/Oct/2000:13:55:36 -0700] "GET http://host/path HTTP/1.1" 200 2326 "referer" "UA"`
//!
//! | part | use |
//! |---|---|
//! | `%v[:%p]` virtual host (optional first token) | `host` for origin-form requests |
//! | X-Forwarded-For list (`a, b,` or `"a, b"`) before `%h` | `client` = its first address |
//! | `%h` remote address | `client` when there is no X-Forwarded-For list |
//! | `%l` ident | – |
//! | `%u` authenticated user, `-` if none | `user` |
//! | `%t` `[dd/Mon/yyyy:hh:mm:ss ±hhmm]` | `ts`, converted to UTC |
//! | `%r` request line: absolute URL, or `CONNECT host:443` | `host` (the URL's path is read from it) |
//! | `%r` origin-form target (`/path`) after a vhost prefix | `path` |
//! | `%>s` status | `action`: 403, 407, 451 = blocked, else allowed |
//! | `%b` bytes sent *to* the client | – (not an upload size: `bytes_out` is absent) |
//!
//! Quirks: an origin-form request (`GET /path`) names no external host; the line is ignored
//! unless a vhost prefix names the server. Empty (`""`) or binary junk requests are ignored.
//! A log may miss the ident field (`client - [time]`); nginx/Apache error-log lines mixed into
//! an access log (`2021/12/01 13:53:33 [error] …`, `[Thu Oct 13 …] [core:error] …`) are ignored.
//! A syslog envelope (nginx `access_log syslog:`) is removed first.

use memchr::{memchr, memmem};

use super::{LineParser, LogFormat, present, score_lines, syslog};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_month, parse_u64, unix_seconds};

/// Apache / nginx combined and common access log.
pub struct Combined;

impl LogFormat for Combined {
    fn name(&self) -> &'static str {
        "combined"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Apache/nginx combined or common access log of a forward proxy (vhost and X-Forwarded-For variants)"
    }
    fn fields(&self) -> &'static str {
        "time, client (or first X-Forwarded-For), user, request URL or CONNECT host:port, vhost, status"
    }
    fn spec_url(&self) -> &'static str {
        "https://httpd.apache.org/docs/current/logs.html#combined"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/combined/access.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            if is_error_log(line) {
                return None;
            }
            // The request is followed by its status: `[time] "alice" 10.0.0.1 200 "GET …"`
            // (Skyhigh Web Gateway behind a syslog header) is not an access line.
            Some(split_access(line).is_some_and(|a| {
                request(a.rest).is_some_and(|(_, after)| {
                    let after = after.trim_ascii_start();
                    parse_u64(&after[..memchr(b' ', after).unwrap_or(after.len())]).is_some()
                })
            }))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(CombinedParser)
    }
    fn reads_syslog(&self) -> bool {
        true
    }
}

/// The parts of an access line: the tokens before the time, the time, and what follows it.
struct Access<'a> {
    prefix: &'a [u8],
    ts: i64,
    rest: &'a [u8],
}

/// Finds ` [dd/Mon/yyyy:hh:mm:ss ±hhmm] ` and splits the line around it.
fn split_access(line: &[u8]) -> Option<Access<'_>> {
    let mut from = 0;
    // The time is the first `[` that parses as one; a vhost or user never contains `[` in
    // practice, but try a few in case.
    for _ in 0..4 {
        let open = from + memchr(b'[', line.get(from..)?)?;
        if open > 0
            && line.get(open - 1) == Some(&b' ')
            && let Some(ts) = line.get(open + 1..open + 27).and_then(parse_clf_time)
            && line.get(open + 27) == Some(&b']')
        {
            let rest = line.get(open + 28..)?;
            return Some(Access {
                prefix: line[..open - 1].trim_ascii(),
                ts,
                rest: rest.trim_ascii_start(),
            });
        }
        from = open + 1;
    }
    None
}

/// `10/Oct/2000:13:55:36 -0700` to Unix seconds UTC.
pub(super) fn parse_clf_time(b: &[u8]) -> Option<i64> {
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| parse_u64(&b[r]).and_then(|v| u32::try_from(v).ok());
    let (d, mon, y) = (n(0..2)?, parse_month(&b[3..6])?, n(7..11)?);
    let local = unix_seconds(i64::from(y), mon, d, n(12..14)?, n(15..17)?, n(18..20)?)?;
    let off = i64::from(n(22..24)?) * 3600 + i64::from(n(24..26)?) * 60;
    match b[21] {
        b'+' => local.checked_sub(off),
        b'-' => local.checked_add(off),
        _ => None,
    }
}

/// nginx `2021/12/01 13:53:33 [error] …` or Apache `[Thu Oct 13 12:24:49.880562 2022] [mod:level] …`.
fn is_error_log(line: &[u8]) -> bool {
    let nginx = line.len() > 21
        && line[4] == b'/'
        && line[7] == b'/'
        && line[10] == b' '
        && line[13] == b':'
        && line[19] == b' '
        && line[20] == b'['
        && line[..4].iter().all(u8::is_ascii_digit);
    let apache = line.first() == Some(&b'[')
        && line.get(4) == Some(&b' ')
        && line.get(1..8).and_then(|s| parse_month(&s[4..7])).is_some()
        && memmem::find(line, b"] [").is_some();
    nginx || apache
}

/// An IP address literal (v4 or v6), as `%h` or an X-Forwarded-For entry.
fn is_ip(tok: &[u8]) -> bool {
    std::str::from_utf8(tok).is_ok_and(|s| s.parse::<std::net::IpAddr>().is_ok())
}

/// `(client, user, vhost)`.
type Who<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, Option<&'a [u8]>);

/// Client, user and vhost from the tokens before the time.
fn who(prefix: &[u8]) -> Who<'_> {
    // Tokens, with a quoted X-Forwarded-For list kept whole.
    let mut toks: [&[u8]; 16] = [&[]; 16];
    let mut n = 0;
    let mut s = prefix;
    while !s.is_empty() && n < toks.len() {
        let end = if s[0] == b'"' {
            memchr(b'"', &s[1..]).map_or(s.len(), |i| i + 2)
        } else {
            memchr(b' ', s).unwrap_or(s.len())
        };
        toks[n] = &s[..end];
        n += 1;
        s = s[end..].trim_ascii_start();
    }
    let toks = &toks[..n];
    let (addrs, user) = match toks {
        [] => return (None, None, None),
        [_client] => (&toks[..1], None),
        // `client user` with the ident missing.
        [_, user] => (&toks[..1], present(user)),
        [addrs @ .., _ident, user] => (addrs, present(user)),
    };
    let (vhost, addrs) = match addrs {
        [first, rest @ ..]
            if !rest.is_empty()
                && !first.ends_with(b",")
                && first.first() != Some(&b'"')
                && !is_ip(first) =>
        {
            (present(first), rest)
        }
        _ => (None, addrs),
    };
    // The first address of the group is the originating client.
    let client = addrs.first().and_then(|first| {
        let first = first.strip_prefix(b"\"").unwrap_or(first);
        let end = memchr::memchr2(b',', b'"', first).unwrap_or(first.len());
        present(first[..end].trim_ascii())
    });
    (client, user, vhost)
}

/// The request line `"METHOD target PROTO"` and the rest after its closing quote.
fn request(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = rest.strip_prefix(b"\"")?;
    let mut i = 0;
    loop {
        let q = i + memchr(b'"', body.get(i..)?)?;
        if q > 0 && body[q - 1] == b'\\' {
            i = q + 1;
            continue;
        }
        return Some((&body[..q], &body[q + 1..]));
    }
}

struct CombinedParser;

impl LineParser for CombinedParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        if is_error_log(line) {
            return Ok(Parsed::Ignored);
        }
        let access = match split_access(line) {
            Some(a) => a,
            None => syslog::strip(line)
                .and_then(|e| split_access(e.msg))
                .ok_or(ParseError::Unrecognized("combined access log"))?,
        };
        let (req, after) = request(access.rest).ok_or(ParseError::MissingField("request"))?;
        let status = after.trim_ascii_start();
        let status = &status[..memchr(b' ', status).unwrap_or(status.len())];
        let status = parse_u64(status).ok_or(ParseError::BadNumber("status"))?;
        let (client, user, vhost) = who(access.prefix);
        let mut parts = req.split(|&c| c == b' ').filter(|p| !p.is_empty());
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
            // `""` or a binary probe: well-formed, but no request to speak of.
            return Ok(Parsed::Ignored);
        };
        let (host, path) = if method == b"CONNECT" || memmem::find(target, b"://").is_some() {
            (target, None)
        } else if let Some(v) = vhost {
            (v, Some(target))
        } else {
            return Ok(Parsed::Ignored);
        };
        Ok(Parsed::Event(Event {
            ts: Some(access.ts),
            user,
            client,
            host,
            path,
            action: if matches!(status, 403 | 407 | 451) {
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
    use crate::testutil::{event_with, parse_with, tally};
    use crate::formats;

    fn parse(line: &str) -> Result<Parsed<'_>, ParseError> {
        parse_with(CombinedParser, line)
    }

    fn event(line: &str) -> Event<'_> {
        event_with(CombinedParser, line)
    }

    #[test]
    fn forward_proxy_absolute_url_and_connect() {
        let e = event(
            r#"10.0.0.5 - alice [10/Oct/2000:13:55:36 -0700] "GET http://chatgpt.com/backend-api HTTP/1.1" 200 2326 "-" "Mozilla/5.0 (X11)""#,
        );
        assert_eq!(e.ts, Some(971_211_336));
        assert_eq!(e.host, b"http://chatgpt.com/backend-api");
        assert_eq!(
            (e.client, e.user),
            (Some(&b"10.0.0.5"[..]), Some(&b"alice"[..]))
        );
        assert_eq!((e.action, e.bytes_out), (Action::Allowed, None));
        let e = event(
            r#"2001:db8::7 - - [24/Nov/2026:10:15:00 +0100] "CONNECT claude.ai:443 HTTP/1.1" 407 0 "-" "curl/8.5.0""#,
        );
        assert_eq!((e.host, e.user), (&b"claude.ai:443"[..], None));
        assert_eq!(e.client, Some(&b"2001:db8::7"[..]));
        assert_eq!(e.action, Action::Blocked);
        assert_eq!(e.ts, Some(1_795_511_700));
    }

    #[test]
    fn common_format_and_missing_ident() {
        let e = event(
            r#"10.0.0.9 - bob [24/Nov/2026:09:15:00 +0000] "GET http://gemini.google.com/app HTTP/1.0" 200 1513"#,
        );
        assert_eq!(e.host, b"http://gemini.google.com/app");
        let e = event(
            r#"10.0.0.9 - [24/Nov/2026:09:15:00 +0000] "CONNECT api.openai.com:443 HTTP/1.1" 200 100 "-" "x""#,
        );
        assert_eq!((e.client, e.user), (Some(&b"10.0.0.9"[..]), None));
    }

    #[test]
    fn vhost_prefix_and_forwarded_for() {
        let e = event(
            r#"website.com:443 1.2.3.4 - - [25/Oct/2021:11:05:52 +0200] "GET /web/.well-known HTTP/1.1" 403 6963 "abc.com" "UA""#,
        );
        assert_eq!(
            (e.host, e.client, e.path),
            (
                &b"website.com:443"[..],
                Some(&b"1.2.3.4"[..]),
                Some(&b"/web/.well-known"[..])
            )
        );
        let e = event(
            r#""10.5.102.222, 199.96.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET http://copilot.microsoft.com/ HTTP/1.1" 200 25507 "-" "x""#,
        );
        assert_eq!(e.client, Some(&b"10.5.102.222"[..]));
        let e = event(
            r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET http://claude.ai/ HTTP/1.1" 200 571 "-" "x""#,
        );
        assert_eq!(e.client, Some(&b"10.0.0.2"[..]));
        let e = event(
            r#"10.9.9.9 10.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET http://claude.ai/ HTTP/1.1" 200 571 "-" "x""#,
        );
        assert_eq!(e.client, Some(&b"10.9.9.9"[..]));
    }

    #[test]
    fn origin_form_empty_requests_and_error_logs_are_ignored() {
        for line in [
            r#"85.181.35.98 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "x""#,
            r#"127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] "" 400 0 "-" "-""#,
            r#"1.2.3.4 - - [12/Apr/2018:09:48:40 +0200] "\x16\x03\x01\x02\x00\x01" 400 157 "-" "-""#,
            r#"2021/12/01 13:53:33 [error] 31#31: *46 open() failed, client: 172.17.0.1, request: "GET / HTTP/1.1""#,
            "[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [pid 10:tid 1] [client 31.33.58.75:50229] AH01618: user sss not found: /",
        ] {
            assert_eq!(parse(line), Ok(Parsed::Ignored), "{line}");
        }
        assert_eq!(parse(""), Ok(Parsed::Meta));
    }

    #[test]
    fn syslog_wrapped_and_junk() {
        let e = event(
            r#"<190>Nov 24 10:15:00 gw nginx: 10.0.0.5 - - [24/Nov/2026:10:15:00 +0000] "CONNECT chatgpt.com:443 HTTP/1.1" 200 0 "-" "x""#,
        );
        assert_eq!(e.host, b"chatgpt.com:443");
        assert_eq!(
            parse("hello world"),
            Err(ParseError::Unrecognized("combined access log"))
        );
        assert_eq!(
            parse(r#"1.2.3.4 - - [32/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1"#),
            Err(ParseError::Unrecognized("combined access log"))
        );
        assert_eq!(
            parse(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET http://a/ HTTP/1.1" abc 1"#),
            Err(ParseError::BadNumber("status"))
        );
        assert_eq!(
            parse(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET http://a/"#),
            Err(ParseError::MissingField("request"))
        );
    }

    #[test]
    fn real_vendor_samples() {
        // (file, lines, events, ignored): web-server logs, so origin-form requests are ignored
        // and only vhost-prefixed lines become events.
        for (rel, lines, events, ignored) in [
            (
                "real-logs/proxy-combined/beats-nginx-access-test.log",
                7,
                0,
                7,
            ),
            (
                "real-logs/proxy-combined/crowdsec-hub-nginx_http-logs.log",
                9,
                3,
                6,
            ),
            (
                "real-logs/proxy-combined/crowdsec-hub-apache2-logs.log",
                9,
                2,
                7,
            ),
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            let t = tally(&mut CombinedParser, &text);
            assert_eq!((t.meta, t.errors), (0, 0), "{rel}");
            assert_eq!(
                (text.lines().count(), t.events.len(), t.ignored),
                (lines, events, ignored),
                "{rel}"
            );
            assert_eq!(Combined.sniff(text.as_bytes()), 100, "{rel}");
            assert_eq!(
                formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("combined")
            );
        }
    }
}
