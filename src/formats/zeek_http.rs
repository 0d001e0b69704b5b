//! Zeek `http.log`, the default tab-separated (TSV) writer (Bro 2.x and Zeek).
//!
//! Spec: <https://docs.zeek.org/en/master/logs/http.html>; header directives as for every
//! Zeek TSV log (`#separator`, `#unset_field`, `#empty_field`, `#path http`, `#fields …`),
//! read by the shared reader in `zeek.rs`, so columns are found by name.
//!
//! | field | use |
//! |---|---|
//! | `ts` | `ts` (epoch seconds, or ISO 8601) |
//! | `id.orig_h` | `client` |
//! | `host` (the request's `Host` header) | `host`; unset means no host: the line is ignored |
//! | `request_body_len` (uncompressed body bytes the client sent) | `bytes_out` |
//! | `username` (HTTP basic auth), if set | `user` |
//! | `uri` (the request target: a path, or an absolute URL through a proxy) | `path` |
//!
//! Quirks: Zeek watches the wire; it neither allows nor blocks, so `action` is allowed (the
//! request was made). Bro 2.x files carry older columns (`filename`, `md5`,
//! `extraction_file`) and newer ones add `version`, `origin`, `orig_fuids`…: only the columns
//! above matter. Without a `#fields` line the current Zeek default column order is assumed.
//! HTTPS is not in `http.log` (see `zeek-ssl`).

use super::zeek::{ZeekTsv, sniff_header};
use super::{LineParser, LogFormat};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_u64;

/// Zeek http.log, TSV.
pub struct ZeekHttp;

impl LogFormat for ZeekHttp {
    fn name(&self) -> &'static str {
        "zeek-http"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Zeek http.log, tab-separated with #fields header"
    }
    fn fields(&self) -> &'static str {
        "ts, id.orig_h, host, request_body_len, username"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.zeek.org/en/master/logs/http.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/zeek-http/http.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        match sniff_header(head, b"http", &[b"id.orig_h", b"host", b"uri", b"method"]) {
            (true, true) => 100,
            (false, true) | (true, false) => 90,
            (false, false) => 0,
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(ZeekHttpParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// The Zeek 6 default http.log layout, for files whose header was stripped.
const DEFAULT_FIELDS: &[u8] = b"ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types";

/// The columns read, by name; the first three are required.
const NAMES: [&[u8]; 6] = [
    b"ts",
    b"id.orig_h",
    b"host",
    b"request_body_len",
    b"username",
    b"uri",
];
const CLIENT: usize = 1;
const HOST: usize = 2;
const BYTES_OUT: usize = 3;
const USER: usize = 4;
const URI: usize = 5;

struct ZeekHttpParser {
    tsv: ZeekTsv<6>,
}

impl Default for ZeekHttpParser {
    fn default() -> Self {
        ZeekHttpParser {
            tsv: ZeekTsv::new(NAMES, 3, DEFAULT_FIELDS),
        }
    }
}

impl LineParser for ZeekHttpParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(ts) = self.tsv.row(line, "host")? else {
            return Ok(Parsed::Meta);
        };
        let tsv = &self.tsv;
        let Some(host) = tsv.get(line, HOST) else {
            return Ok(Parsed::Ignored);
        };
        let bytes_out = match tsv.get(line, BYTES_OUT) {
            Some(b) => Some(parse_u64(b).ok_or(ParseError::BadNumber("request_body_len"))?),
            None => None,
        };
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: tsv.get(line, USER),
            client: tsv.get(line, CLIENT),
            host,
            bytes_out,
            action: Action::Allowed,
            source: SourceKind::Proxy,
            path: tsv.get(line, URI),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    /// (ts, user, client, host, bytes_out) of each event.
    type Seen = (
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        Option<u64>,
    );

    fn run(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut ZeekHttpParser::default(), text);
        let seen = t.events.into_iter().map(|e| (e.ts, e.user, e.client, e.host, e.bytes_out));
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn reordered_header_user_and_unset_host() {
        let text = "#separator \\x09\n#unset_field\t-\n#fields\tusername\tts\tid.orig_h\thost\trequest_body_len\n\
                    alice\t1700000000.25\t10.1.1.1\tchatgpt.com\t5120\n\
                    -\t1700000001.0\t10.1.1.2\t-\t0\n\
                    -\t1700000002.0\t10.1.1.3\tapi.openai.com\tlots\n\
                    -\t1700000003.0\t10.1.1.4\n";
        let (ev, ignored, errors) = run(text);
        assert_eq!(
            ev,
            vec![(
                Some(1_700_000_000),
                Some("alice".into()),
                Some("10.1.1.1".into()),
                "chatgpt.com".into(),
                Some(5120)
            )]
        );
        assert_eq!((ignored, errors), (1, 2));
    }

    #[test]
    fn headerless_uses_default_layout() {
        let line = "1700000000.1\tCx\t10.0.0.7\t51000\t104.18.32.47\t80\t1\tPOST\tclaude.ai\t/api\t-\t1.1\tcurl/8.5\t-\t2048\t100\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-";
        let (ev, _, errors) = run(line);
        assert_eq!(errors, 0);
        assert_eq!((ev[0].3.as_str(), ev[0].4), ("claude.ai", Some(2048)));
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) = crate::testutil::shared(
            "real-logs/proxy-zeek-http/zeek-btest-bro2-using_bro_sandbox_01-http.log",
        ) else {
            return;
        };
        let (ev, ignored, errors) = run(&text);
        let data = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!((data, ev.len(), ignored, errors), (14, 14, 0, 0));
        assert_eq!(
            ev[0],
            (
                Some(1_300_475_168),
                None,
                Some("141.142.220.118".into()),
                "bits.wikimedia.org".into(),
                Some(0)
            )
        );
        assert_eq!(ZeekHttp.sniff(text.as_bytes()), 100);
        assert_eq!(
            crate::formats::detect(text.as_bytes())
                .map(|f| f.name())
                .ok(),
            Some("zeek-http")
        );
    }
}
