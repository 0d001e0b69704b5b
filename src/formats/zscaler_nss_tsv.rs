//! Zscaler Internet Access (ZIA) Nanolog Streaming Service (NSS / Cloud NSS) **web** feed in
//! its text output: the tab-separated feed output type, and the quoted comma-separated
//! default template Zscaler's documentation shows. The JSON feed is `zscaler_nss`.
//!
//! Spec: <https://help.zscaler.com/zia/nss-feed-output-format-web-logs> (fields, and the default
//! web feed example `"Mon Jun 20 15:29:11 2022","new-gre","HTTP","ebay.com/","Blocked",…`) and
//! <https://help.zscaler.com/zia/nss-feed-output-format> ("use tabs as field delimiters";
//! `%s{time}\t%s{login}\t%s{proto}\n` gives one tab-separated record per line). The default
//! web template, 34 fields, is assumed to be:
//!
//! ```text
//! 0 time  1 login  2 proto  3 eurl  4 action  5 appname  6 appclass  7 reqsize  8 respsize
//! 9-10 (two numbers)  11 urlclass  12 urlsupercat  13 urlcat  14 malwarecat  15 threatname
//! 16 riskscore  17 dlpeng  18 dlpdict  19 location  20 dept  21 cip  22 sip  23 reqmethod
//! 24 respcode  25 ua  26 ereferer  27 ruletype  28 rulelabel  29 contenttype
//! 30 unscannabletype  31 deviceowner  32 devicehostname  33 keyprotectiontype
//! ```
//!
//! Feeds are customer-defined, so columns are found by shape, anchored on the default order:
//!
//! | NSS field | found as | use |
//! |---|---|---|
//! | `time` (`Mon Jun 20 15:29:11 2022`, feed zone, read as UTC) | the first field in C `ctime` form | `ts` |
//! | `login` | the field right after `time`, unless that is the protocol | `user` |
//! | `proto` | the first field after `time` that is `HTTP`, `HTTPS`, `SSL`, `FTP`, `TUNNEL`… | (anchor) |
//! | `eurl` / `url` / `hostname` | the field right after `proto` if host-shaped, else the first host-shaped field (a `.` or `/`, no space or `@`, not a bare IP) | `host` |
//! | `action` | the first field after the host that is `Allowed`, `Blocked` or `Caution` | `action` |
//! | `reqsize` | action+3, when action+1/+2 are not numbers and action+3/+4 are (`appname appclass reqsize respsize`, as in the default) | `bytes_out` |
//! | `cip` | the first field after the host that is an IP address (`cip` precedes `sip` in the default) | `client` |
//! | `devicehostname` | field 32, only in 34-field (default) lines | `device` |
//!
//! Quirks: `None`, `NA`, `N/A`, `-` and empty values mean absent; a line whose host field is
//! absent (`None`) is ignored. Fields may be wrapped in `"` (the default template quotes
//! them); a line starting with `"` and holding no tab is split as quoted CSV. NSS hex-encodes
//! control characters and spaces in URLs (`%20`), so a URL never holds a tab. Lines with no
//! `ctime` field or no protocol field are errors: use the JSON feed for templates without them.

use std::cell::RefCell;
use std::net::IpAddr;

use super::csv_fields::CsvSplitter;
use super::zscaler_nss::{parse_ctime, web_action};
use super::{LineParser, LogFormat, present, score_lines, split_fields};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_u64;

/// Zscaler ZIA NSS web feed, tab-separated (or quoted CSV) text.
pub struct ZscalerNssTsv;

/// Fields read per line at most; the rest of a longer line is left in the last one.
const MAX_FIELDS: usize = 64;
/// Field count of the default web feed template.
const DEFAULT_FIELDS: usize = 34;
/// `devicehostname` in the default template.
const DEFAULT_DEVICE: usize = 32;

impl LogFormat for ZscalerNssTsv {
    fn name(&self) -> &'static str {
        "zscaler-nss-tsv"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Zscaler ZIA NSS web feed, tab-separated (default template; quoted CSV too)"
    }
    fn fields(&self) -> &'static str {
        "time, login, proto, eurl/url, action, reqsize, cip, devicehostname (found by shape)"
    }
    fn spec_url(&self) -> &'static str {
        "https://help.zscaler.com/zia/nss-feed-output-format-web-logs"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/zscaler-nss-tsv/nss-web.tsv")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let csv = RefCell::new(CsvSplitter::skipping_spaces());
        score_lines(head, |line| {
            let mut csv = csv.borrow_mut();
            let (f, n) = split(&mut csv, line);
            let f = &f[..n];
            Some(
                n >= 5
                    && f.first().is_some_and(|t| parse_ctime(unquote(t)).is_some())
                    && f.iter().skip(1).take(3).any(|p| is_proto(unquote(p)))
                    && f.iter().any(|a| is_action(unquote(a))),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(NssTsvParser::default())
    }
}

/// Splits a line on tabs, or as quoted CSV when it opens with `"` and has no tab (spaces
/// opening a field skipped, so `"a", "b"` reads as `"a","b"`).
fn split<'a>(csv: &'a mut CsvSplitter, line: &'a [u8]) -> ([&'a [u8]; MAX_FIELDS], usize) {
    if line.first() == Some(&b'"') && memchr::memchr(b'\t', line).is_none() {
        let fields = csv.split(line, MAX_FIELDS);
        let mut out: [&[u8]; MAX_FIELDS] = [&[]; MAX_FIELDS];
        for (dst, src) in out.iter_mut().zip(fields.iter()) {
            *dst = src;
        }
        (out, fields.len())
    } else {
        split_fields::<MAX_FIELDS>(line, b'\t', false)
    }
}

/// A field without surrounding spaces and `"` quotes.
fn unquote(f: &[u8]) -> &[u8] {
    let f = f.trim_ascii();
    match f {
        [b'"', inner @ .., b'"'] => inner,
        _ => f,
    }
}

/// `None` for the placeholders NSS writes for "no value".
fn value(f: &[u8]) -> Option<&[u8]> {
    match present(f)? {
        b"None" | b"NA" | b"N/A" => None,
        v => Some(v),
    }
}

/// `%s{proto}`: `HTTP`, `HTTPS`, `SSL`, `FTP`, `HTTP_PROXY`, `TUNNEL`, `TUNNEL_SSL`, `DNSOVERHTTPS`…
fn is_proto(f: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 5] = [b"HTTP", b"SSL", b"FTP", b"TUNNEL", b"DNS"];
    f.len() <= 16
        && PREFIXES.iter().any(|p| f.starts_with(p))
        && f.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

fn is_action(f: &[u8]) -> bool {
    matches!(f, b"Allowed" | b"Blocked" | b"Caution")
}

fn is_ip(f: &[u8]) -> bool {
    std::str::from_utf8(f).is_ok_and(|s| s.parse::<IpAddr>().is_ok())
}

/// A URL or host name as NSS logs it: `chatgpt.com/`, `claude.ai:443`, `10.1.2.3/x`.
fn is_hostish(f: &[u8]) -> bool {
    let has = |c| memchr::memchr(c, f).is_some();
    !f.is_empty()
        && (has(b'.') || has(b'/'))
        && !f.iter().any(|&c| c == b' ' || c == b'@' || c == b'\t')
        && f.first().is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'[')
        && !is_ip(f)
        && parse_u64(f).is_none()
}

struct NssTsvParser {
    csv: CsvSplitter,
}

impl Default for NssTsvParser {
    fn default() -> Self {
        NssTsvParser {
            csv: CsvSplitter::skipping_spaces(),
        }
    }
}

impl LineParser for NssTsvParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Ok(Parsed::Meta);
        }
        let (raw, n) = split(&mut self.csv, line);
        let mut f: [&[u8]; MAX_FIELDS] = [&[]; MAX_FIELDS];
        for (dst, src) in f.iter_mut().zip(&raw[..n]) {
            *dst = unquote(src);
        }
        let f = &f[..n];
        let unrecognized = ParseError::Unrecognized("Zscaler NSS tab-separated");
        let (t_at, ts) = f
            .iter()
            .enumerate()
            .find_map(|(i, v)| parse_ctime(v).map(|t| (i, t)))
            .ok_or(unrecognized)?;
        let proto_at = (t_at + 1..n)
            .find(|&i| f.get(i).is_some_and(|p| is_proto(p)))
            .ok_or(ParseError::MissingField("proto"))?;
        let user = if proto_at > t_at + 1 {
            f.get(t_at + 1).and_then(|u| value(u))
        } else {
            None
        };
        let host_at = match f.get(proto_at + 1) {
            Some(h) if value(h).is_none() || is_hostish(h) => proto_at + 1,
            _ => (t_at + 1..n)
                .find(|&i| i != proto_at && f.get(i).is_some_and(|h| is_hostish(h)))
                .ok_or(ParseError::MissingField("url"))?,
        };
        let Some(host) = f.get(host_at).and_then(|h| value(h)) else {
            return Ok(Parsed::Ignored);
        };
        let after = |from: usize, pred: fn(&[u8]) -> bool| {
            (from..n).find(|&i| f.get(i).is_some_and(|v| pred(v)))
        };
        let action_at = after(host_at + 1, is_action);
        let action = action_at
            .and_then(|i| f.get(i))
            .map_or(Action::Unknown, |a| web_action(a));
        let bytes_out = action_at.and_then(|a| {
            let num = |k: usize| f.get(a + k).and_then(|v| parse_u64(v));
            match (num(1), num(2), num(3), num(4)) {
                (None, None, Some(req), Some(_)) => Some(req),
                _ => None,
            }
        });
        let client = after(host_at + 1, is_ip).and_then(|i| f.get(i).copied());
        let device = if n == DEFAULT_FIELDS {
            f.get(DEFAULT_DEVICE).and_then(|d| value(d))
        } else {
            None
        };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user,
            client,
            host,
            bytes_out,
            action,
            source: SourceKind::Proxy,
            device,
            process: None,
            path: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::formats;

    /// The default web feed example from Zscaler's "NSS Feed Output Format: Web Logs" page.
    const DOC_CSV: &str = r#""Mon Jun 20 15:29:11 2022","new-gre","HTTP","ebay.com/","Blocked","Ebay","Consumer Apps","72","14061","0","0","Productivity Loss","Shopping and Auctions","Online Shopping","None","None","0","None","None","new-gre","Default Department","172.17.3.49","66.211.175.229","GET","403","curl/7.68.0","None","FwFilter","Firewall_1","Other","None","NA","NA","N/A""#;

    fn parse_one(line: &str) -> Result<Parsed<'_>, ParseError> {
        // The event borrows from the line and the parser: a fresh parser per call, kept.
        let p: &'static mut NssTsvParser = Box::leak(Box::default());
        p.parse(line.as_bytes())
    }

    fn event(line: &str) -> Event<'_> {
        match parse_one(line) {
            Ok(Parsed::Event(e)) => e,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn tsv(csv: &str) -> String {
        csv.split("\",\"")
            .map(|f| f.trim_matches('"'))
            .collect::<Vec<_>>()
            .join("\t")
    }

    #[test]
    fn vendor_default_example_as_csv_and_tsv() {
        let tab = tsv(DOC_CSV);
        assert_eq!(tab.split('\t').count(), DEFAULT_FIELDS);
        for line in [DOC_CSV, tab.as_str()] {
            let e = event(line);
            assert_eq!(e.ts, Some(1_655_738_951), "{line}");
            assert_eq!(e.user, Some(&b"new-gre"[..]));
            assert_eq!(e.host, b"ebay.com/");
            assert_eq!(e.action, Action::Blocked);
            assert_eq!(e.bytes_out, Some(72));
            assert_eq!(e.client, Some(&b"172.17.3.49"[..]));
            assert_eq!(e.device, None);
            assert_eq!(e.source, SourceKind::Proxy);
        }
        assert_eq!(ZscalerNssTsv.sniff(tab.as_bytes()), 100);
        assert_eq!(ZscalerNssTsv.sniff(DOC_CSV.as_bytes()), 100);
        assert_eq!(
            formats::detect(DOC_CSV.as_bytes()).map(|f| f.name()).ok(),
            Some("zscaler-nss-tsv")
        );
    }

    #[test]
    fn short_and_reordered_templates() {
        // The doc's own `%s{time}\t%s{login}\t%s{proto}` example, plus url and action.
        let e = event("Mon Nov 24 09:00:03 2026\talice@corp.example\tHTTPS\tclaude.ai/api\tAllowed");
        assert_eq!(e.user, Some(&b"alice@corp.example"[..]));
        assert_eq!((e.host, e.action), (&b"claude.ai/api"[..], Action::Allowed));
        assert_eq!((e.bytes_out, e.client), (None, None));
        // A custom order: cip before the url, the url not right after proto.
        let e = event(
            "Mon Nov 24 09:00:03 2026\tSSL\t10.1.2.3\tCONNECT\tgemini.google.com:443\tBlocked\t1200",
        );
        assert_eq!(e.user, None);
        assert_eq!(e.host, b"gemini.google.com:443");
        assert_eq!(e.action, Action::Blocked);
        assert_eq!(e.client, None);
        // Padded day and quoted tab-separated fields.
        let e = event("\"Mon Nov  3 09:00:03 2026\"\t\"NA\"\t\"HTTP\"\t\"api.openai.com/v1\"\t\"Caution\"");
        assert_eq!(e.ts, Some(1_793_696_403));
        assert_eq!((e.user, e.action), (None, Action::Allowed));
    }

    #[test]
    fn ignored_meta_and_errors() {
        assert_eq!(
            parse_one("Mon Nov 24 09:00:03 2026\tbob@x\tHTTPS\tNone\tAllowed"),
            Ok(Parsed::Ignored)
        );
        assert_eq!(parse_one("  \r"), Ok(Parsed::Meta));
        assert!(parse_one("hello\tworld").is_err());
        assert!(parse_one("Mon Nov 24 09:00:03 2026\tbob@x\tclaude.ai").is_err());
        assert!(parse_one("Mon Nov 24 09:00:03 2026\tbob@x\tHTTPS\tno host here\tx y").is_err());
        assert!(parse_one("\"\"\"\t\"").is_err());
        assert!(parse_one(&format!("x{}x", "\t".repeat(200))).is_err());
    }

    #[test]
    fn sample_parses_fully() {
        let text = ZscalerNssTsv.sample();
        let t = tally(&mut NssTsvParser::default(), text);
        for e in &t.events {
            assert!(e.user.is_some() && e.client.is_some() && e.bytes_out.is_some());
            assert!(e.device.is_some(), "{e:?}");
        }
        let blocked = t.events.iter().filter(|e| e.action == Action::Blocked);
        assert_eq!((t.meta, t.errors), (0, 0));
        assert_eq!(
            (text.lines().count(), t.events.len(), t.ignored, blocked.count()),
            (20, 19, 1, 3)
        );
    }

    #[test]
    fn real_vendor_samples_of_other_formats_are_not_claimed() {
        // No tab-separated NSS file is among the vendor samples; the JSON feeds must not
        // look like this format.
        for rel in [
            "real-logs/proxy-zscaler-nss/elastic-integrations-zscaler_zia-test-web.log",
            "real-logs/dns-zscaler-nss/elastic-integrations-zscaler_zia-test-dns-head2.log",
            "real-logs/proxy-umbrella-csv/elastic-integrations-cisco_umbrella-test-umbrella-proxylogs.log",
            "real-logs/proxy-squid/elastic-integrations-squid-test-access.log",
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            assert_eq!(ZscalerNssTsv.sniff(text.as_bytes()), 0, "{rel}");
        }
    }
}
