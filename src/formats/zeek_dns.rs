//! Zeek `dns.log`, the default tab-separated (TSV) writer.
//!
//! Spec: <https://docs.zeek.org/en/master/logs/dns.html> and the ASCII writer's header
//! (<https://docs.zeek.org/en/master/frameworks/logging.html>). The file starts with
//! directives: `#separator \x09`, `#set_separator ,`, `#empty_field (empty)`,
//! `#unset_field -`, `#path dns`, `#fields ts uid id.orig_h … query …`, `#types …`.
//! Columns are found by name from `#fields` (the shared reader in `zeek.rs`), so reordered or
//! extra columns still parse.
//!
//! | field | use |
//! |---|---|
//! | `ts` | `ts` (epoch seconds, or ISO 8601 with `json_timestamps`-style settings) |
//! | `id.orig_h` | `client` (DNS has no user: the client address is the user) |
//! | `query` | `host`; unset (`-`) or empty means no host: the line is ignored |
//! | `rejected` | `T` marks a refused query: `action` blocked |
//!
//! Quirks: rotated logs concatenated together repeat the header (`#close`, then `#open` and
//! `#fields` again), possibly with other columns; every `#fields` line resets the layout.
//! Without any `#fields` line, the default Zeek `dns.log` column order is assumed.

use super::zeek::ZeekTsv;
use super::{LineParser, LogFormat, score_lines, split_fields};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_epoch;

/// Zeek dns.log, TSV.
pub struct ZeekDns;

impl LogFormat for ZeekDns {
    fn name(&self) -> &'static str {
        "zeek-dns"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "Zeek dns.log, tab-separated with #fields header"
    }
    fn fields(&self) -> &'static str {
        "ts, id.orig_h, query, rejected"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.zeek.org/en/master/logs/dns.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/zeek-dns/dns.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let mut path_dns = false;
        let mut fields_dns = false;
        for line in head.split(|&b| b == b'\n') {
            if line.starts_with(b"#path") && line[5..].trim_ascii() == b"dns" {
                path_dns = true;
            }
            if line.starts_with(b"#fields") {
                let has = |name: &[u8]| line.split(|&b| b == b'\t').any(|f| f == name);
                fields_dns = has(b"query") && has(b"id.orig_h") && has(b"qtype_name");
            }
        }
        match (path_dns, fields_dns) {
            (true, true) => 100,
            (false, true) | (true, false) => 90,
            (false, false) => {
                // Headerless: tab-separated lines whose first column is an epoch.
                let score = score_lines(head, |line| {
                    let (f, n) = split_fields::<24>(line, b'\t', false);
                    Some(n >= 23 && parse_epoch(f[0]).is_some() && f[6].len() <= 4)
                });
                score.min(70)
            }
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(ZeekDnsParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// The default dns.log layout, for files whose header was stripped.
const DEFAULT_FIELDS: &[u8] = b"ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected";

/// The columns read, by name; the first three are required.
const NAMES: [&[u8]; 4] = [b"ts", b"id.orig_h", b"query", b"rejected"];
const CLIENT: usize = 1;
const QUERY: usize = 2;
const REJECTED: usize = 3;

struct ZeekDnsParser {
    tsv: ZeekTsv<4>,
}

impl Default for ZeekDnsParser {
    fn default() -> Self {
        ZeekDnsParser {
            tsv: ZeekTsv::new(NAMES, 3, DEFAULT_FIELDS),
        }
    }
}

impl LineParser for ZeekDnsParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(ts) = self.tsv.row(line, "query")? else {
            return Ok(Parsed::Meta);
        };
        let tsv = &self.tsv;
        let Some(query) = tsv.get(line, QUERY) else {
            return Ok(Parsed::Ignored);
        };
        let rejected = tsv.get(line, REJECTED) == Some(b"T");
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            client: tsv.get(line, CLIENT),
            host: query,
            action: if rejected {
                Action::Blocked
            } else {
                Action::Allowed
            },
            source: SourceKind::Dns,
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    /// (ts, client, host) of each event.
    type Seen = (Option<i64>, String, String);

    fn events(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut ZeekDnsParser::default(), text);
        let seen = t.events.into_iter().map(|e| (e.ts, e.client.unwrap_or_default(), e.host));
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn reordered_columns_and_custom_unset() {
        let text = "#separator \\x09\n#unset_field\tNONE\n#fields\tquery\tfoo\tid.orig_h\tts\n\
                    claude.ai\tx\t10.1.1.1\t1700000000.5\nNONE\tx\t10.1.1.2\t1700000001.0\n";
        let (ev, ignored, errors) = events(text);
        assert_eq!(
            ev,
            vec![(Some(1_700_000_000), "10.1.1.1".into(), "claude.ai".into())]
        );
        assert_eq!((ignored, errors), (1, 0));
    }

    #[test]
    fn other_separator_and_headerless_default() {
        let text = "#separator ,\n#fields,ts,id.orig_h,query\n1700000000,10.0.0.9,chatgpt.com\n";
        let (ev, _, _) = events(text);
        assert_eq!(ev[0].2, "chatgpt.com");
        let line = "1521911720.865716\tC1\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\t1\t0.1\tise.wrccdc.org\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t-\t-\tF";
        let (ev, _, errors) = events(line);
        assert_eq!(
            (ev[0].1.as_str(), ev[0].2.as_str(), errors),
            ("10.47.1.100", "ise.wrccdc.org", 0)
        );
    }

    #[test]
    fn short_rows_are_errors() {
        let (_, _, errors) = events("#fields\tts\tid.orig_h\tquery\n1700000000\t10.0.0.1\n");
        assert_eq!(errors, 1);
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) =
            crate::testutil::shared("real-logs/dns-zeek-tsv/brimdata-wrccdc2018-dns.log")
        else {
            return;
        };
        let (ev, ignored, errors) = events(&text);
        let data = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(errors, 0);
        assert_eq!(ev.len() + ignored, data);
        assert_eq!(
            ev[0],
            (
                Some(1_521_911_720),
                "10.47.1.100".into(),
                "ise.wrccdc.org".into()
            )
        );
        assert_eq!(ZeekDns.sniff(text.as_bytes()), 100);
    }
}
