//! Host and user normalization, shared by every format so that `Chat.OpenAI.com:443`,
//! `https://chat.openai.com/c/1` and `chat.openai.com.` all count as one host, and
//! `CORP\Alice`, `alice@corp.example` and `ALICE` as one user.
//!
//! Both functions write into a caller-owned scratch buffer: they run per event in the hot
//! loop, and the buffer is reused across lines.

use memchr::{memchr, memchr3, memrchr};

/// The hostname inside a logged host, `host:port` or URL, as a sub-slice: scheme, userinfo,
/// path, query, port and trailing dots removed. IPv6 literals come back without brackets and
/// are otherwise left alone. Case is untouched (see [`lowercase_into`]).
///
/// # Performance
/// Runs once per event: one pass over the bytes (`Marks`) finds the scheme's colon, the
/// path, the userinfo and the port together (two for a URL, whose host is measured again
/// after its scheme). Four `memchr` calls, each with its own setup for a twenty-byte host,
/// cost three times as long.
pub fn host_part(raw: &[u8]) -> &[u8] {
    let mut s = raw.trim_ascii();
    let mut marks = Marks::of(s);
    // A scheme ends at the first colon, followed by `//`, with only scheme characters before
    // it. A colon after any other mark has a `/`, `?`, `#` or `@` before it: no scheme.
    if let Some(rest) = marks.first_colon.and_then(|i| after_scheme(s, i)) {
        s = rest;
        marks = Marks::of(s);
    }
    let mut host = &s[marks.host_start..marks.end];
    if host.first() == Some(&b'[') {
        return match memchr(b']', host) {
            Some(end) => &host[1..end],
            None => host,
        };
    }
    // One colon is a port; more than one is a bare IPv6 literal, left whole.
    if marks.colons == 1
        && let Some(i) = marks.port_colon
    {
        host = &s[marks.host_start..i];
    }
    while let [rest @ .., b'.'] = host {
        host = rest;
    }
    host
}

/// What follows `scheme://` when the colon at `colon` (the first in `s`) ends a scheme: only
/// scheme characters before it, `//` after it.
fn after_scheme(s: &[u8], colon: usize) -> Option<&[u8]> {
    let scheme = s[..colon]
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    (scheme && s[colon + 1..].starts_with(b"//")).then(|| &s[colon + 3..])
}

/// Where a logged host's parts begin and end, found in one pass.
struct Marks {
    /// The first colon, when no `/`, `?`, `#` or `@` comes before it.
    first_colon: Option<usize>,
    /// After the last `@` before the path (the userinfo's end), else 0.
    host_start: usize,
    /// The first `/`, `?` or `#` (the path, query or fragment), else the end.
    end: usize,
    /// Colons between `host_start` and `end`, and the first of them.
    colons: usize,
    port_colon: Option<usize>,
}

/// What a byte is to [`Marks::of`]: 0 for a byte that ends nothing.
const MARK: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b':' as usize] = 1;
    t[b'@' as usize] = 2;
    t[b'/' as usize] = 3;
    t[b'?' as usize] = 3;
    t[b'#' as usize] = 3;
    t
};

impl Marks {
    fn of(s: &[u8]) -> Marks {
        let mut m = Marks {
            first_colon: None,
            host_start: 0,
            end: s.len(),
            colons: 0,
            port_colon: None,
        };
        let mut marked = false;
        for (i, &c) in s.iter().enumerate() {
            match MARK[c as usize] {
                0 => continue,
                1 => {
                    if !marked {
                        m.first_colon = Some(i);
                    }
                    if m.colons == 0 {
                        m.port_colon = Some(i);
                    }
                    m.colons += 1;
                }
                2 => {
                    m.host_start = i + 1;
                    m.colons = 0;
                    m.port_colon = None;
                }
                _ => {
                    m.end = i;
                    break;
                }
            }
            marked = true;
        }
        m
    }
}

/// The path inside a logged URL, `host/path` or bare path, without query or fragment:
/// `https://chatgpt.com/share/x?y=1` and `chatgpt.com/share/x` give `/share/x`; a host,
/// `host:port` (a `CONNECT`) or DNS name gives none. Case is kept: paths are case-sensitive.
///
/// # Performance
/// Runs only for events of tools with path rules: a few `memchr`, no allocation.
pub fn path_part(raw: &[u8]) -> Option<&[u8]> {
    let s = raw.trim_ascii();
    let from = if s.first() == Some(&b'/') && s.get(1) != Some(&b'/') {
        s
    } else {
        let mut t = s;
        if let Some(rest) = memchr(b':', t).and_then(|i| after_scheme(t, i)) {
            t = rest;
        } else if let Some(rest) = t.strip_prefix(b"//") {
            t = rest;
        }
        let i = memchr3(b'/', b'?', b'#', t)?;
        if t[i] != b'/' {
            return None;
        }
        &t[i..]
    };
    let end = memchr::memchr2(b'?', b'#', from).unwrap_or(from.len());
    Some(&from[..end])
}

/// Clears `out` and writes `s` lowercased (ASCII only: punycode and UTF-8 pass through).
pub fn lowercase_into(out: &mut Vec<u8>, s: &[u8]) {
    out.clear();
    out.extend(s.iter().map(u8::to_ascii_lowercase));
}

/// Clears `out` and writes the normalized user name: lowercase, `DOMAIN\name` → `name`
/// (also Squid's URL-encoded `DOMAIN%5Cname`), `name@domain` → `name`, unless `keep_domain`.
pub fn user_into(out: &mut Vec<u8>, raw: &[u8], keep_domain: bool) {
    let mut s = raw.trim_ascii();
    if let [b'"', inner @ .., b'"'] = s {
        s = inner;
    }
    if !keep_domain {
        if let Some(i) = memrchr(b'\\', s) {
            s = &s[i + 1..];
        } else if let Some(i) =
            memchr(b'%', s).and_then(|_| s.windows(3).rposition(|w| w.eq_ignore_ascii_case(b"%5c")))
        {
            s = &s[i + 3..];
        }
        if let Some(i) = memchr(b'@', s) {
            // `@domain` with nothing before it is not a user part; keep it whole.
            if i > 0 {
                s = &s[..i];
            }
        }
    }
    lowercase_into(out, s);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(raw: &str) -> String {
        let mut out = Vec::new();
        lowercase_into(&mut out, host_part(raw.as_bytes()));
        String::from_utf8(out).unwrap()
    }

    fn user(raw: &str, keep: bool) -> String {
        let mut out = Vec::new();
        user_into(&mut out, raw.as_bytes(), keep);
        String::from_utf8(out).unwrap()
    }

    /// The four-`memchr` version `host_part` replaced: the reference it must agree with.
    fn host_part_by_memchr(raw: &[u8]) -> &[u8] {
        let mut s = raw.trim_ascii();
        if let Some(rest) = memchr(b':', s).and_then(|i| after_scheme(s, i)) {
            s = rest;
        }
        if let Some(i) = memchr3(b'/', b'?', b'#', s) {
            s = &s[..i];
        }
        if let Some(i) = memrchr(b'@', s) {
            s = &s[i + 1..];
        }
        if s.first() == Some(&b'[') {
            return match memchr(b']', s) {
                Some(end) => &s[1..end],
                None => s,
            };
        }
        if let Some(i) = memchr(b':', s)
            && memchr(b':', &s[i + 1..]).is_none()
        {
            s = &s[..i];
        }
        while let [rest @ .., b'.'] = s {
            s = rest;
        }
        s
    }

    #[test]
    fn host_part_agrees_with_the_memchr_version() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"a.Z9:/@?#[]+- x_";
        let shapes: [&[u8]; 6] = [b"", b"https://", b"h:", b"u:p@", b"[::1]", b"ftp+x.y-z://"];
        for _ in 0..50_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut line = shapes[(rng % 6) as usize].to_vec();
            let len = ((rng >> 8) % 24) as usize;
            line.extend(
                (0..len).map(|k| alphabet[((rng >> (k % 48 + 12)) as usize ^ k) % alphabet.len()]),
            );
            assert_eq!(
                host_part(&line),
                host_part_by_memchr(&line),
                "{:?}",
                String::from_utf8_lossy(&line)
            );
        }
    }

    #[test]
    fn hosts_from_every_shape() {
        assert_eq!(host("Chat.OpenAI.com"), "chat.openai.com");
        assert_eq!(host("chat.openai.com:443"), "chat.openai.com");
        assert_eq!(host("https://chat.openai.com/c/123?x=1"), "chat.openai.com");
        assert_eq!(host("http://user:pw@claude.ai:8080/path"), "claude.ai");
        assert_eq!(host("chatgpt.com."), "chatgpt.com");
        assert_eq!(host("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(host("2001:db8::1"), "2001:db8::1");
        assert_eq!(host("xn--80ak6aa92e.com"), "xn--80ak6aa92e.com");
        assert_eq!(host("claude.ai?q=1"), "claude.ai");
        assert_eq!(host(" gemini.google.com "), "gemini.google.com");
    }

    #[test]
    fn paths_from_every_shape() {
        let path =
            |raw: &str| path_part(raw.as_bytes()).map(|p| String::from_utf8(p.to_vec()).unwrap());
        assert_eq!(
            path("https://chatgpt.com/share/abc?x=1#f").as_deref(),
            Some("/share/abc")
        );
        assert_eq!(
            path("http://user:pw@claude.ai:8080/api/x").as_deref(),
            Some("/api/x")
        );
        assert_eq!(
            path("chatgpt.com/backend-api/conversation").as_deref(),
            Some("/backend-api/conversation")
        );
        assert_eq!(path("/embed.min.js").as_deref(), Some("/embed.min.js"));
        assert_eq!(
            path("[2001:db8::1]:443/Share/X").as_deref(),
            Some("/Share/X")
        );
        assert_eq!(
            path("//cdn.botpress.cloud/webchat/v2/inject.js").as_deref(),
            Some("/webchat/v2/inject.js")
        );
        assert_eq!(path("https://chatgpt.com/").as_deref(), Some("/"));
        assert_eq!(path("https://chatgpt.com?q=/share/"), None);
        assert_eq!(path("chatgpt.com:443"), None);
        assert_eq!(path("chatgpt.com"), None);
        assert_eq!(path("2001:db8::1"), None);
        assert_eq!(path(""), None);
    }

    #[test]
    fn users_lose_their_domain_unless_asked() {
        assert_eq!(user("CORP\\Alice", false), "alice");
        assert_eq!(user("CORP%5cBob", false), "bob");
        assert_eq!(user("Carol@Corp.Example", false), "carol");
        assert_eq!(user("CORP\\Alice", true), "corp\\alice");
        assert_eq!(user("Carol@Corp.Example", true), "carol@corp.example");
        assert_eq!(user("\"dave\"", false), "dave");
        assert_eq!(user("@odd", false), "@odd");
    }
}
