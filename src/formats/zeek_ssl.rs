//! Zeek `ssl.log` (TLS handshakes), the default tab-separated (TSV) writer.
//!
//! Spec: <https://docs.zeek.org/en/master/logs/ssl.html>; header directives as for every Zeek
//! TSV log (`#separator`, `#unset_field`, `#empty_field`, `#path ssl`, `#fields …`), read by
//! the shared reader in `zeek.rs`, so columns are found by name.
//!
//! | field | use |
//! |---|---|
//! | `ts` | `ts` (epoch seconds, or ISO 8601) |
//! | `id.orig_h` | `client` |
//! | `server_name` (the client's SNI) | `host`; unset (no SNI) means no host: the line is ignored |
//!
//! Quirks: the log has no user and no byte counts (those are in `conn.log`, joined by `uid`),
//! so `user` and `bytes_out` are absent. Zeek watches the wire, so `action` is allowed (the
//! handshake was attempted) whatever `established` says. Connections without SNI (often
//! internal services by IP) are common and ignored. Without a `#fields` line the Zeek 6
//! default column order is assumed.

use super::zeek::{ZeekTsv, sniff_header};
use super::{LineParser, LogFormat};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// Zeek ssl.log, TSV.
pub struct ZeekSsl;

impl LogFormat for ZeekSsl {
    fn name(&self) -> &'static str {
        "zeek-ssl"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Zeek ssl.log (TLS SNI), tab-separated with #fields header"
    }
    fn fields(&self) -> &'static str {
        "ts, id.orig_h, server_name"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.zeek.org/en/master/logs/ssl.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/zeek-ssl/ssl.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        match sniff_header(head, b"ssl", &[b"id.orig_h", b"server_name", b"cipher"]) {
            (true, true) => 100,
            (false, true) | (true, false) => 90,
            (false, false) => 0,
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(ZeekSslParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// The Zeek 6 default ssl.log layout, for files whose header was stripped.
const DEFAULT_FIELDS: &[u8] = b"ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsni_matches_cert";

/// The columns read, by name; all required.
const NAMES: [&[u8]; 3] = [b"ts", b"id.orig_h", b"server_name"];
const CLIENT: usize = 1;
const SNI: usize = 2;

struct ZeekSslParser {
    tsv: ZeekTsv<3>,
}

impl Default for ZeekSslParser {
    fn default() -> Self {
        ZeekSslParser {
            tsv: ZeekTsv::new(NAMES, 3, DEFAULT_FIELDS),
        }
    }
}

impl LineParser for ZeekSslParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(ts) = self.tsv.row(line, "server_name")? else {
            return Ok(Parsed::Meta);
        };
        let tsv = &self.tsv;
        let Some(host) = tsv.get(line, SNI) else {
            return Ok(Parsed::Ignored);
        };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            client: tsv.get(line, CLIENT),
            host,
            action: Action::Allowed,
            source: SourceKind::Proxy,
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

    fn run(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut ZeekSslParser::default(), text);
        let seen = t.events.into_iter().map(|e| (e.ts, e.client.unwrap_or_default(), e.host));
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn sni_unset_and_short_rows() {
        let text = "#fields\tts\tuid\tid.orig_h\tserver_name\n\
                    1700000000.5\tC1\t10.0.0.1\tgemini.google.com\n\
                    1700000001.5\tC2\t10.0.0.2\t-\n\
                    1700000002.5\tC3\n\
                    soon\tC4\t10.0.0.4\tclaude.ai\n";
        let (ev, ignored, errors) = run(text);
        assert_eq!(
            ev,
            vec![(
                Some(1_700_000_000),
                "10.0.0.1".into(),
                "gemini.google.com".into()
            )]
        );
        assert_eq!((ignored, errors), (1, 2));
    }

    #[test]
    fn header_without_server_name_is_an_error_per_line() {
        let (ev, _, errors) = run("#fields\tts\tid.orig_h\n1700000000\t10.0.0.1\n");
        assert_eq!((ev.len(), errors), (0, 1));
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) =
            crate::testutil::shared("real-logs/proxy-zeek-ssl/brimdata-wrccdc2018-ssl.log")
        else {
            return;
        };
        let (ev, ignored, errors) = run(&text);
        assert_eq!((ev.len(), ignored, errors), (146, 1117, 0));
        assert_eq!(
            ev[0],
            (
                Some(1_521_911_720),
                "10.47.1.100".into(),
                "ise.wrccdc.org".into()
            )
        );
        assert_eq!(ZeekSsl.sniff(text.as_bytes()), 100);
        assert_eq!(
            crate::formats::detect(text.as_bytes())
                .map(|f| f.name())
                .ok(),
            Some("zeek-ssl")
        );
    }
}
