//! Syslog envelopes (RFC 3164 and RFC 5424), so a format's lines are recognized whether the
//! daemon wrote them to a file directly or a syslog relay wrapped them first.
//!
//! RFC 3164: `<30>Apr 14 16:16:05 host tag[pid]: msg` (PRI optional, no year, so no usable
//! timestamp: the inner line's own time is used). RFC 5424:
//! `<165>1 2026-11-24T10:00:00.003Z host app procid msgid [sd] msg`. rsyslog's high-precision
//! template `2026-11-24T10:00:00+01:00 host tag: msg` is handled like 5424.

use crate::time::{parse_iso8601, parse_month};

/// A syslog envelope removed from a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The header's timestamp where it has a year (5424, ISO); `None` for RFC 3164.
    pub ts: Option<i64>,
    /// The sending host.
    pub host: &'a [u8],
    /// The message after the header.
    pub msg: &'a [u8],
}

/// Splits a syslog header off `line`, or `None` if it has none.
pub fn strip(line: &[u8]) -> Option<Envelope<'_>> {
    let mut s = line;
    if let [b'<', rest @ ..] = s {
        let close = rest.iter().take(4).position(|&c| c == b'>')?;
        if close == 0 || !rest[..close].iter().all(u8::is_ascii_digit) {
            return None;
        }
        s = &rest[close + 1..];
    }
    if let [b'1', b' ', rest @ ..] = s {
        return rfc5424(rest);
    }
    if let Some((ts, used)) = parse_iso8601(s) {
        let (host, msg) = host_and_tag(s.get(used..)?.strip_prefix(b" ")?)?;
        return Some(Envelope {
            ts: Some(ts),
            host,
            msg,
        });
    }
    // RFC 3164: `Mmm dd hh:mm:ss ` with the day space-padded.
    parse_month(s.get(..3)?)?;
    let clock = s.get(4..15)?;
    let ok = clock[2] == b' ' && clock[5] == b':' && clock[8] == b':' && s.get(15) == Some(&b' ');
    if !ok {
        return None;
    }
    let (host, msg) = host_and_tag(&s[16..])?;
    Some(Envelope {
        ts: None,
        host,
        msg,
    })
}

/// `host tag[pid]: msg` or `host tag: msg`.
fn host_and_tag(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = memchr::memchr(b' ', s)?;
    let host = &s[..sp];
    let rest = &s[sp + 1..];
    let colon = memchr::memmem::find(rest, b": ")?;
    // A tag is one token: no space before the colon.
    if memchr::memchr(b' ', &rest[..colon]).is_some() {
        return None;
    }
    Some((host, &rest[colon + 2..]))
}

fn rfc5424(s: &[u8]) -> Option<Envelope<'_>> {
    let mut parts = s.splitn(6, |&c| c == b' ');
    let ts = parse_iso8601(parts.next()?).map(|(t, _)| t);
    let host = parts.next()?;
    let (_app, _proc, _msgid) = (parts.next()?, parts.next()?, parts.next()?);
    let rest = parts.next().unwrap_or_default();
    let msg = if let Some(after) = rest.strip_prefix(b"-") {
        after.strip_prefix(b" ").unwrap_or(after)
    } else if rest.first() == Some(&b'[') {
        // Structured data: skip `[...]` groups; `]` inside values is escaped as `\]`.
        let mut i = 0;
        while rest.get(i) == Some(&b'[') {
            let mut j = i + 1;
            while j < rest.len() && !(rest[j] == b']' && rest[j - 1] != b'\\') {
                j += 1;
            }
            i = j + 1;
        }
        let after = rest.get(i..).unwrap_or_default();
        after.strip_prefix(b" ").unwrap_or(after)
    } else {
        rest
    };
    Some(Envelope { ts, host, msg })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3164_with_and_without_pri() {
        let e = strip(b"<30>Apr 14 16:16:05 10.50.1.227 named[2588]: queries: client x").unwrap();
        assert_eq!(
            (e.ts, e.host, e.msg),
            (None, &b"10.50.1.227"[..], &b"queries: client x"[..])
        );
        let e = strip(b"Nov 13 10:59:46 keira named[2075772]: 19-Oct-2022 05:34:02.425 client")
            .unwrap();
        assert_eq!(e.msg, b"19-Oct-2022 05:34:02.425 client");
        let e = strip(b"Nov  3 01:02:03 h dnsmasq: query[A] x from y").unwrap();
        assert_eq!(e.msg, b"query[A] x from y");
    }

    #[test]
    fn rfc5424_and_iso() {
        let e = strip(b"<165>1 2026-11-24T10:00:00.003Z gw named 12 - - client a#1: query: b IN A")
            .unwrap();
        assert_eq!(e.ts, Some(1_795_514_400));
        assert_eq!(e.msg, b"client a#1: query: b IN A");
        let e =
            strip(br#"<165>1 2026-11-24T10:00:00Z gw app - ID47 [x@1 a="b\]c"] hello"#).unwrap();
        assert_eq!(e.msg, b"hello");
        let e = strip(b"2026-11-24T11:00:00+01:00 gw named[1]: msg").unwrap();
        assert_eq!((e.ts, e.msg), (Some(1_795_514_400), &b"msg"[..]));
    }

    #[test]
    fn plain_lines_have_no_envelope() {
        assert_eq!(
            strip(b"1157689312.049   5006 10.105.21.199 TCP_MISS/200"),
            None
        );
        assert_eq!(strip(b"19-Oct-2022 05:34:02.425 client @0x7f65"), None);
        assert_eq!(strip(b"<notpri> hello"), None);
    }
}
