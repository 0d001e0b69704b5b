//! W3C Extended Log File Format, driven by its `#Fields:` header: Symantec/Broadcom (Blue Coat)
//! ProxySG ELFF access logs, Microsoft IIS, Netskope transaction events, and any other W3C
//! writer.
//!
//! Spec: W3C Working Draft WD-logfile-960323, <https://www.w3.org/TR/WD-logfile.html>; ProxySG
//! field names in the SGOS "Access Log Formats" reference; IIS in
//! <https://learn.microsoft.com/en-us/windows/win32/http/w3c-logging>; Netskope in "Transaction
//! Event Fields" (<https://docs.netskope.com/en/transaction-event-fields/>: formats 1 and 2 are
//! W3C with `cs-username`, `cs-host`, `cs-uri`, `cs-bytes` = bytes from the client, and `x-…`
//! fields this reader needs none of). Directives start with
//! `#` (`#Software:`, `#Version:`, `#Date:`, `#Fields:`, `#Remark:`); data lines hold one value
//! per `#Fields:` name, separated by spaces (tabs accepted), `-` for "no value".
//!
//! | field | use |
//! |---|---|
//! | `date` + `time` (UTC) | `ts`; without a `date` column, the date of the last `#Date:` |
//! | `c-ip` | `client` |
//! | `cs-username`, else `cs-userdn`, else `cs(Username)` | `user` |
//! | `cs-host`, else `cs(Host)`, else an absolute `cs-uri`, else `r-dns` / `r-host` | `host` |
//! | `cs-uri-path` (ProxySG), else `cs-uri-stem` (IIS), else `cs-uri` | `path` |
//! | `cs-bytes` (bytes received from the client) | `bytes_out` |
//! | `sc-filter-result` (`DENIED` / `PROXIED`, `OBSERVED`), else `s-action` (`TCP_DENIED`…) | `action` |
//!
//! Quirks: every `#Fields:` line resets the layout (IIS appends a new header whenever its
//! field set changes, so one file can hold several). ProxySG quotes values with spaces
//! (`"Mozilla/5.0 (…)"`, `"Web Ads/Analytics"`), so splitting respects double quotes (`""`
//! inside is a literal quote); IIS writes `+` for spaces instead. Rows may carry extra or
//! missing trailing columns: what can be read is read, but a row too short to reach the host
//! column is an error. A layout without any host column (IIS with only `s-sitename`, which
//! names the site, not a host) yields ignored lines. Without any `#Fields:` line (syslog-fed
//! ProxySG), the ProxySG `main` layout is assumed. Field names compare case-insensitively.

use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{days_from_civil, parse_u64};

/// W3C extended log (ProxySG ELFF, IIS).
pub struct W3c;

impl LogFormat for W3c {
    fn name(&self) -> &'static str {
        "w3c"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "W3C extended log with #Fields: header (Blue Coat/Symantec ProxySG ELFF, Microsoft IIS, Netskope transaction events)"
    }
    fn fields(&self) -> &'static str {
        "date, time, c-ip, cs-username, cs-host (or cs-uri), cs-bytes, sc-filter-result / s-action"
    }
    fn spec_url(&self) -> &'static str {
        "https://www.w3.org/TR/WD-logfile.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/w3c/proxysg-main.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let mut fields = false;
        let mut directive = false;
        for line in head.split(|&b| b == b'\n').take(256) {
            if let Some(names) = line.strip_prefix(b"#Fields:") {
                let has = |n: &[u8]| {
                    names
                        .split(|&b| b == b' ' || b == b'\t')
                        .any(|f| f.trim_ascii().eq_ignore_ascii_case(n))
                };
                if has(b"time")
                    && (has(b"c-ip") || has(b"cs-host") || has(b"cs-uri-stem") || has(b"cs-uri"))
                {
                    fields = true;
                }
            } else if line.starts_with(b"#Version:") || line.starts_with(b"#Software:") {
                directive = true;
            }
        }
        match (fields, directive) {
            (true, true) => 100,
            (true, false) => 95,
            _ => {
                // Headerless ProxySG `main`: date, time, time-taken, c-ip, sc-status, s-action.
                let score = score_lines(head, |line| {
                    if line.first() == Some(&b'#') {
                        return None;
                    }
                    let mut cols = Vec::new();
                    split_w3c(line, 26, &mut cols);
                    let col = |i: usize| cols.get(i).map_or(&b""[..], |&(b, e)| &line[b..e]);
                    Some(
                        cols.len() >= 20
                            && parse_date(col(0)).is_some()
                            && parse_clock(col(1)).is_some()
                            && is_action(col(5)),
                    )
                });
                score.min(70)
            }
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(W3cParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// `TCP_NC_MISS`, `TUNNELED`, `TCP_DENIED`: an uppercase ProxySG cache action.
fn is_action(f: &[u8]) -> bool {
    f.len() >= 4 && f.iter().all(|c| c.is_ascii_uppercase() || *c == b'_')
}

/// The ProxySG `main` format, for files fed without their header.
const DEFAULT_FIELDS: &[u8] = b"date time time-taken c-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-username cs-auth-group s-hierarchy s-supplier-name rs(Content-Type) cs(Referer) cs(User-Agent) sc-filter-result cs-categories x-virus-id s-ip";

/// Column positions of the fields we read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Layout {
    date: Option<usize>,
    time: Option<usize>,
    client: Option<usize>,
    /// `cs-username`, `cs-userdn`, `cs(Username)`, best first.
    user: [Option<usize>; 3],
    /// `cs-host`, `cs(Host)`, `cs-uri`, `r-dns`, `r-host`, best first.
    host: [Option<usize>; 5],
    /// `cs-uri-path`, `cs-uri-stem`, `cs-uri`, best first.
    path: [Option<usize>; 3],
    bytes_out: Option<usize>,
    filter_result: Option<usize>,
    s_action: Option<usize>,
    /// The first host column present: rows must reach it.
    need: Option<usize>,
    /// One past the largest index we read.
    width: usize,
    /// How many columns the `#Fields:` line names.
    columns: usize,
}

impl Layout {
    fn from_fields(names: &[u8]) -> Layout {
        let mut l = Layout::default();
        let names = names
            .split(|&b| b == b' ' || b == b'\t')
            .filter(|n| !n.is_empty());
        for (i, name) in names.enumerate() {
            l.columns = i + 1;
            let slot = match name.to_ascii_lowercase().as_slice() {
                b"date" => &mut l.date,
                b"time" => &mut l.time,
                b"c-ip" => &mut l.client,
                b"cs-username" => &mut l.user[0],
                b"cs-userdn" => &mut l.user[1],
                b"cs(username)" => &mut l.user[2],
                b"cs-host" => &mut l.host[0],
                b"cs(host)" => &mut l.host[1],
                b"cs-uri" => {
                    l.path[2].get_or_insert(i);
                    &mut l.host[2]
                }
                b"cs-uri-path" => &mut l.path[0],
                b"cs-uri-stem" => &mut l.path[1],
                b"r-dns" => &mut l.host[3],
                b"r-host" => &mut l.host[4],
                b"cs-bytes" => &mut l.bytes_out,
                b"sc-filter-result" => &mut l.filter_result,
                b"s-action" => &mut l.s_action,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        l.need = l.host.iter().flatten().next().copied();
        let all = [
            l.date,
            l.time,
            l.client,
            l.bytes_out,
            l.filter_result,
            l.s_action,
        ];
        l.width = all
            .iter()
            .chain(&l.user)
            .chain(&l.host)
            .chain(&l.path)
            .flatten()
            .map(|i| i + 1)
            .max()
            .unwrap_or(0);
        l
    }
}

/// Splits a W3C data line on runs of spaces/tabs into at most `max` `(start, end)` ranges;
/// a value opening with `"` runs to the next lone `"` and is returned without its quotes.
fn split_w3c(line: &[u8], max: usize, cols: &mut Vec<(usize, usize)>) {
    cols.clear();
    let is_sep = |c: u8| c == b' ' || c == b'\t';
    let mut i = 0;
    while cols.len() < max {
        while line.get(i).is_some_and(|&c| is_sep(c)) {
            i += 1;
        }
        if i >= line.len() {
            return;
        }
        if line[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            loop {
                match memchr::memchr(b'"', &line[j..]) {
                    Some(k) if line.get(j + k + 1) == Some(&b'"') => j += k + 2,
                    Some(k) => {
                        cols.push((start, j + k));
                        i = j + k + 1;
                        break;
                    }
                    None => {
                        cols.push((start, line.len()));
                        return;
                    }
                }
            }
        } else {
            let end = line[i..]
                .iter()
                .position(|&c| is_sep(c))
                .map_or(line.len(), |k| i + k);
            cols.push((i, end));
            i = end;
        }
    }
}

/// `2024-03-22` (IIS 5 also wrote `2007-4-11`): the day number.
fn parse_date(b: &[u8]) -> Option<i64> {
    let mut parts = b.split(|&c| c == b'-');
    let y = parse_u64(parts.next().filter(|p| p.len() == 4)?)?;
    let m = parse_u64(parts.next().filter(|p| (1..=2).contains(&p.len()))?)?;
    let d = parse_u64(parts.next().filter(|p| (1..=2).contains(&p.len()))?)?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y as i64, m as u32, d as u32))
}

/// `16:16:01` or `16:16:01.123`: seconds into the day.
fn parse_clock(b: &[u8]) -> Option<i64> {
    let b = match memchr::memchr(b'.', b) {
        Some(dot) => &b[..dot],
        None => b,
    };
    let mut parts = b.split(|&c| c == b':');
    let mut secs = 0;
    for limit in [24, 60, 61] {
        let p = parts.next().filter(|p| (1..=2).contains(&p.len()))?;
        let n = parse_u64(p)?;
        if n >= limit {
            return None;
        }
        secs = secs * 60 + n.min(59) as i64;
    }
    parts.next().is_none().then_some(secs)
}

/// Earlier layouts remembered per file (IIS rewrites its header on every restart).
const MAX_LAYOUTS: usize = 16;

struct W3cParser {
    layout: Layout,
    /// Layouts of earlier `#Fields:` lines, newest last.
    earlier: Vec<Layout>,
    /// The date of the last `#Date:` directive, for layouts without a `date` column.
    header_day: Option<i64>,
    cols: Vec<(usize, usize)>,
}

impl Default for W3cParser {
    fn default() -> Self {
        W3cParser {
            layout: Layout::from_fields(DEFAULT_FIELDS),
            earlier: Vec::new(),
            header_day: None,
            cols: Vec::with_capacity(32),
        }
    }
}

impl W3cParser {
    fn directive(&mut self, line: &[u8]) {
        if let Some(names) = line.strip_prefix(b"#Fields:") {
            self.layout = Layout::from_fields(names);
            self.earlier.retain(|l| *l != self.layout);
            if self.earlier.len() == MAX_LAYOUTS {
                self.earlier.remove(0);
            }
            self.earlier.push(self.layout);
        } else if let Some(date) = line.strip_prefix(b"#Date:") {
            let date = date.trim_ascii();
            let end = date.iter().position(|&c| c == b' ').unwrap_or(date.len());
            self.header_day = parse_date(&date[..end]);
        }
    }

    fn value<'a>(&self, line: &'a [u8], i: Option<usize>) -> Option<&'a [u8]> {
        let (b, e) = *self.cols.get(i?)?;
        present(line.get(b..e)?)
    }
}

impl LineParser for W3cParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let line = line.trim_ascii_end();
        if line.first() == Some(&b'#') {
            self.directive(line);
            return Ok(Parsed::Meta);
        }
        if line.trim_ascii().is_empty() {
            return Ok(Parsed::Meta);
        }
        let mut l = self.layout;
        split_w3c(line, l.width, &mut self.cols);
        if l.need.is_some_and(|need| self.cols.len() <= need) {
            // Too short for this layout. IIS keeps writing rows in an earlier layout after a
            // restart appended a new `#Fields:` header: use an earlier layout of exactly this
            // many columns, if there is one.
            split_w3c(line, usize::MAX, &mut self.cols);
            let n = self.cols.len();
            l = *self
                .earlier
                .iter()
                .rev()
                .find(|e| e.columns == n)
                .ok_or(ParseError::MissingField("cs-host"))?;
            split_w3c(line, l.width, &mut self.cols);
        }
        let Some(need) = l.need else {
            // No host column at all (IIS with only s-sitename): well-formed, nothing to report.
            return Ok(Parsed::Ignored);
        };
        if self.cols.len() <= need {
            return Err(ParseError::MissingField("cs-host"));
        }
        let day = match l.date {
            Some(_) => {
                let d = self
                    .value(line, l.date)
                    .ok_or(ParseError::MissingField("date"))?;
                Some(parse_date(d).ok_or(ParseError::BadTimestamp)?)
            }
            None => self.header_day,
        };
        let clock = match self.value(line, l.time) {
            Some(t) => Some(parse_clock(t).ok_or(ParseError::BadTimestamp)?),
            None => None,
        };
        let ts = day
            .zip(clock)
            .and_then(|(d, s)| d.checked_mul(86_400)?.checked_add(s));
        let host = l.host.iter().find_map(|&i| {
            let v = self.value(line, i)?;
            // IIS-style `cs-uri` can be a bare path: no host in it.
            (i != l.host[2] || v.first() != Some(&b'/')).then_some(v)
        });
        let Some(host) = host else {
            return Ok(Parsed::Ignored);
        };
        let bytes_out = match self.value(line, l.bytes_out) {
            Some(b) => Some(parse_u64(b).ok_or(ParseError::BadNumber("cs-bytes"))?),
            None => None,
        };
        let action = match (
            self.value(line, l.filter_result),
            self.value(line, l.s_action),
        ) {
            (Some(b"DENIED"), _) => Action::Blocked,
            (Some(b"PROXIED" | b"OBSERVED"), _) => Action::Allowed,
            (_, Some(a)) if memchr::memmem::find(a, b"DENIED").is_some() => Action::Blocked,
            (_, Some(_)) => Action::Allowed,
            _ => Action::Unknown,
        };
        Ok(Parsed::Event(Event {
            ts,
            user: l.user.iter().find_map(|&i| self.value(line, i)),
            client: self.value(line, l.client),
            host,
            bytes_out,
            action,
            source: SourceKind::Proxy,
            path: l.path.iter().find_map(|&i| self.value(line, i)),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    /// (ts, user, client, host, bytes_out, action) of each event.
    type Seen = (
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        Option<u64>,
        Action,
    );

    /// Events, ignored count, error count.
    fn run(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut W3cParser::default(), text);
        let seen = t.events.into_iter().map(|e| (e.ts, e.user, e.client, e.host, e.bytes_out, e.action));
        (seen.collect(), t.ignored, t.errors)
    }

    const SG_FIELDS: &str = "#Fields: date time time-taken c-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-username cs-auth-group s-supplier-name rs(Content-Type) cs(Referer) cs(User-Agent) sc-filter-result cs-categories x-virus-id s-ip";

    #[test]
    fn proxysg_quoted_values_and_denied() {
        let text = format!(
            "{SG_FIELDS}\n2016-11-07 13:13:54 44 172.28.51.1 407 TCP_DENIED 2251 492 GET http clients5.example.com 80 /complete/search ?hl=de - - - - - \"Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko\" DENIED \"Search Engines/Portals\" - 192.168.165.34\n\
             2024-03-22 16:16:01 382 10.82.255.36 200 TCP_TUNNELED 39 356 CONNECT tcp chatgpt.com 443 / - jdoe - - - - - OBSERVED \"Chat/Instant Messaging\" - 142.182.19.21\n"
        );
        let (ev, ignored, errors) = run(&text);
        assert_eq!((ignored, errors), (0, 0));
        assert_eq!(
            ev[0],
            (
                Some(1_478_524_434),
                None,
                Some("172.28.51.1".into()),
                "clients5.example.com".into(),
                Some(492),
                Action::Blocked
            )
        );
        assert_eq!(ev[1].1.as_deref(), Some("jdoe"));
        assert_eq!(
            (ev[1].3.as_str(), ev[1].5),
            ("chatgpt.com", Action::Allowed)
        );
    }

    #[test]
    fn netskope_transaction_events_read_as_w3c() {
        // Netskope's format 1 header; `x-cs-userip` (the device address) is not read: `c-ip`
        // is the client as Netskope saw it, and the user is in `cs-username` anyway.
        let text = include_str!("../../sample-logs/w3c/netskope-transactions.log");
        assert_eq!(super::super::detect(text.as_bytes()).map(|f| f.name()).ok(), Some("w3c"));
        let (ev, ignored, errors) = run(text);
        assert_eq!((ev.len(), ignored, errors), (4, 0, 0));
        assert_eq!(
            ev[1],
            (
                Some(1_794_301_240),
                Some("alice@corp.example".into()),
                Some("203.0.113.10".into()),
                "chatgpt.com".into(),
                Some(48213),
                Action::Unknown
            )
        );
        assert_eq!(ev[3].4, Some(9120));
    }

    #[test]
    fn split_respects_quotes() {
        let line = b"a \"b c\" \"d \"\"e\"\"\"  f \"unterminated g";
        let mut cols = Vec::new();
        split_w3c(line, 10, &mut cols);
        let got: Vec<&[u8]> = cols.iter().map(|&(b, e)| &line[b..e]).collect();
        assert_eq!(
            got,
            vec![&b"a"[..], b"b c", b"d \"\"e\"\"", b"f", b"unterminated g"]
        );
    }

    #[test]
    fn iis_without_date_column_uses_header_date_and_cs_uri() {
        let text = "#Version: 1.0\n#Date: 2007-4-11 15:53:49\n#Fields: time c-ip cs-method cs-uri cs-bytes\n\
                    15:53:49 10.0.0.1 GET https://claude.ai/new 1200\n15:53:50 10.0.0.1 GET /index.htm 10\n";
        let (ev, ignored, errors) = run(text);
        assert_eq!((ignored, errors), (1, 0));
        assert_eq!(ev[0].0, Some(1_176_306_829));
        assert_eq!(
            (ev[0].3.as_str(), ev[0].4, ev[0].5),
            ("https://claude.ai/new", Some(1200), Action::Unknown)
        );
    }

    #[test]
    fn bad_rows_are_errors_not_panics() {
        let text = "#Fields: date time c-ip cs-host cs-bytes\n2024-13-01 00:00:00 1.2.3.4 a.com 1\n\
                    2024-01-01 00:00:00 1.2.3.4 a.com many\n2024-01-01 00:00:00\n\"\n2024-01-01 25:00:00 1.2.3.4 a.com 1\n";
        let (ev, _, errors) = run(text);
        assert_eq!((ev.len(), errors), (0, 5));
    }

    #[test]
    fn headerless_proxysg_main() {
        let line = "2016-11-07 13:13:54 44 172.28.51.1 200 TCP_NC_MISS 2251 492 GET https gemini.google.com 443 /app - alice - - - - - \"Mozilla/5.0\" PROXIED \"AI\" - 192.168.165.34";
        let (ev, _, errors) = run(line);
        assert_eq!(errors, 0);
        assert_eq!(
            (ev[0].1.as_deref(), ev[0].3.as_str()),
            (Some("alice"), "gemini.google.com")
        );
        assert!(W3c.sniff(line.as_bytes()) >= 60);
    }

    #[test]
    fn real_bluecoat_samples() {
        for (file, lines, events) in [
            (
                "real-logs/proxy-w3c-bluecoat/elastic-integrations-proxysg-sample_logs-proxysg.log",
                11,
                5,
            ),
            (
                "real-logs/proxy-w3c-bluecoat/elastic-integrations-proxysg-test-proxy-main.log",
                17,
                11,
            ),
        ] {
            let Some(text) = crate::testutil::shared(file) else {
                return;
            };
            assert_eq!(text.lines().count(), lines);
            let (ev, ignored, errors) = run(&text);
            assert_eq!((ev.len(), ignored, errors), (events, 0, 0), "{file}");
            assert!(
                ev.iter()
                    .all(|e| e.1.as_deref() == Some("aeinstein") && e.4.is_some())
            );
            assert_eq!(W3c.sniff(text.as_bytes()), 100);
            assert_eq!(
                crate::formats::detect(text.as_bytes())
                    .map(|f| f.name())
                    .ok(),
                Some("w3c")
            );
        }
        let text = crate::testutil::shared(
            "real-logs/proxy-w3c-bluecoat/elastic-integrations-proxysg-sample_logs-proxysg.log",
        )
        .unwrap();
        let (ev, _, _) = run(&text);
        assert_eq!(ev[0].0, Some(1_711_124_161));
        assert_eq!(ev[0].3, "pixel.tapad.com");
        assert_eq!(
            (ev[0].4, ev[0].2.as_deref()),
            (Some(969), Some("10.82.255.36"))
        );
    }

    #[test]
    fn real_iis_sample() {
        let Some(text) =
            crate::testutil::shared("real-logs/proxy-w3c-iis/beats-iis-access-test.log")
        else {
            return;
        };
        let (ev, ignored, errors) = run(&text);
        // Header 1 has no host column: 1 ignored. Headers 2 and 3: one event each. The last two
        // rows are in header 1's 15-column layout under header 3: read with header 1, ignored.
        assert_eq!((ev.len(), ignored, errors), (2, 3, 0));
        assert_eq!(
            ev[0],
            (
                Some(1_514_797_811),
                None,
                Some("127.0.0.1".into()),
                "example.com".into(),
                Some(456),
                Action::Unknown
            )
        );
        assert_eq!(W3c.sniff(text.as_bytes()), 100);
    }
}
