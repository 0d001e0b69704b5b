//! The one reader of ArcSight Common Event Format (CEF) lines, shared by the formats whose
//! vendors export CEF (Forcepoint Web Security, Check Point Log Exporter).
//!
//! Spec: Micro Focus "ArcSight Common Event Format (CEF) Implementation Standard", rev. 25,
//! <https://www.microfocus.com/documentation/arcsight/arcsight-smartconnectors-8.4/pdfdoc/cef-implementation-standard/cef-implementation-standard.pdf>.
//! A line is
//!
//! `[syslog header] CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`
//!
//! - The header has seven `|`-separated fields; `\|` and `\\` inside them are escapes.
//! - The extension is `key=value` pairs separated by spaces. A value runs to the space before
//!   the next `key=`, so values hold spaces (`requestClientApplication=Mozilla/5.0 (X11; …)`);
//!   a `=` inside a value is written `\=`. Keys are letters, digits, `_`, `.`, `[` and `]`.
//!
//! Quirks: vendors do not always escape `=` in values (`request=https://h/?a=b`); a `=` is only
//! taken as a new key when the word before it is a bare key preceded by a space, so such a URL
//! stays one value. Values are returned as logged, escapes included (`\=`, `\\`): unescaping
//! would copy every value, and no field read from them (a host, an address, a user name after
//! its last backslash, a number) is changed by an escape.

use memchr::memmem;

/// One CEF record, borrowed from its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cef<'a> {
    /// Device Vendor (`Forcepoint`, `Check Point`).
    pub vendor: &'a [u8],
    /// Device Product (`Security`, `VPN-1 & FireWall-1`).
    pub product: &'a [u8],
    /// The extension: the `key=value` pairs after the seventh `|`.
    pub extension: &'a [u8],
}

impl<'a> Cef<'a> {
    /// The record in `line`, whatever precedes `CEF:` (a syslog header), or `None` when the
    /// line holds no `CEF:` with its seven header fields.
    pub(super) fn parse(line: &'a [u8]) -> Option<Cef<'a>> {
        let at = memmem::find(line, b"CEF:")?;
        let mut rest = &line[at + 4..];
        let mut header: [&[u8]; 7] = [&[]; 7];
        for field in &mut header {
            let end = unescaped(rest, b'|')?;
            *field = &rest[..end];
            rest = &rest[end + 1..];
        }
        Some(Cef {
            vendor: header[1].trim_ascii(),
            product: header[2].trim_ascii(),
            extension: rest,
        })
    }

    /// The extension's `key=value` pairs, in order.
    pub(super) fn pairs(&self) -> Pairs<'a> {
        Pairs {
            ext: self.extension,
            next: next_key(self.extension, 0),
        }
    }
}

/// The position of the first `sep` in `s` not preceded by a backslash escape.
fn unescaped(s: &[u8], sep: u8) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            c if c == sep => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'[' | b']')
}

/// The next key at or after `from`: where it starts and where its `=` is. A key is a run of
/// key bytes opening the extension or following a space, ended by an unescaped `=`.
fn next_key(ext: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < ext.len() {
        match ext[i] {
            b'\\' => i += 2,
            b'=' => {
                let start = ext[from..i]
                    .iter()
                    .rposition(|&c| !is_key_byte(c))
                    .map_or(from, |p| from + p + 1);
                let opens = start == 0 || ext[start - 1] == b' ';
                if start < i && opens {
                    return Some((start, i));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Iterates over the `key=value` pairs of a CEF extension.
pub(super) struct Pairs<'a> {
    ext: &'a [u8],
    /// The next key's start and `=` position.
    next: Option<(usize, usize)>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (start, eq) = self.next?;
        let key = &self.ext[start..eq];
        self.next = next_key(self.ext, eq + 1);
        let end = self.next.map_or(self.ext.len(), |(s, _)| s);
        Some((key, self.ext[eq + 1..end].trim_ascii()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> Vec<(String, String)> {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Cef::parse(line.as_bytes())
            .unwrap()
            .pairs()
            .map(|(k, v)| (s(k), s(v)))
            .collect()
    }

    #[test]
    fn header_and_extension_of_a_syslog_wrapped_forcepoint_line() {
        // The Forcepoint Web Security sample as Trellix's field-mapping page prints it.
        let line = r"<13>Mar 06 12:55:48 192.0.2.1 CEF:0|Forcepoint|Security|7.7.0|9|Transaction permitted|1| act=permitted app=http dvc=192.0.2.2 dst=192.0.2.3 dhost=test.host.com dpt=80 src=192.0.2.4 spt=2209 suser=LDAP://192.0.2.4 OU\=User,DC\=example,DC\=com/sanitized rt=1362603348000 in=727 out=554 requestMethod=GET requestClientApplication=Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1) reason=- cs3Label=ContentType cs3=text/plain;charset\=UTF-8 request=http://test.host.com/path?a=b";
        let cef = Cef::parse(line.as_bytes()).unwrap();
        assert_eq!(
            (cef.vendor, cef.product),
            (&b"Forcepoint"[..], &b"Security"[..])
        );
        let got = pairs(line);
        let get = |k: &str| {
            got.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("act"), Some("permitted"));
        assert_eq!(
            get("suser"),
            Some(r"LDAP://192.0.2.4 OU\=User,DC\=example,DC\=com/sanitized")
        );
        assert_eq!(
            get("requestClientApplication"),
            Some("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1)")
        );
        assert_eq!(get("cs3"), Some(r"text/plain;charset\=UTF-8"));
        // An unescaped `=` inside a URL does not start a key.
        assert_eq!(get("request"), Some("http://test.host.com/path?a=b"));
        assert_eq!(got.len(), 18);
    }

    #[test]
    fn escaped_pipes_and_broken_lines() {
        let cef = Cef::parse(br"CEF:0|Ven\|dor|Prod|1|2|n|3|k=v").unwrap();
        assert_eq!(cef.vendor, br"Ven\|dor");
        assert!(Cef::parse(b"CEF:0|only|four|fields").is_none());
        assert!(Cef::parse(b"no cef here").is_none());
        assert_eq!(pairs("CEF:0|a|b|c|d|e|f|").len(), 0);
        assert_eq!(pairs("CEF:0|a|b|c|d|e|f|=x ==y a= b=\\").len(), 2);
    }
}
