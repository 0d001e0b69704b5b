//! CrowdStrike Falcon sensor events as NDJSON: Falcon Data Replicator (FDR) files and the
//! same raw events streamed to a SIEM, one JSON object per line.
//!
//! Spec: Falcon "Events Data Dictionary" (in the Falcon console, Docs → Events Data
//! Dictionary); the public field list used by Elastic's integration,
//! <https://www.elastic.co/docs/reference/integrations/crowdstrike> (FDR data stream).
//!
//! | field | use |
//! |---|---|
//! | `event_simpleName` | `DnsRequest` / `SuspiciousDnsRequest` are read; `NetworkConnectIP4/IP6` only if they carry a `DomainName`; everything else is ignored |
//! | `DomainName` | `host` |
//! | `ContextTimeStamp` (epoch seconds, `1625677475.806`), else `timestamp` (epoch ms) | `ts` |
//! | `ComputerName`, else `aid` (agent id) | `device` |
//! | `UserName` (where the event or an enrichment carries it) | `user` |
//! | `ImageFileName`, else `ContextImageFileName` | `process` |
//!
//! Quirks: FDR writes every value as a string, including numbers; some pipelines convert
//! them back to numbers, so both are accepted. `DnsRequest` carries no process path or user
//! in FDR (they live in the `ProcessRollup2` event of the same `ContextProcessId`, which we do
//! not join), so those stay empty unless the exporter enriched the line.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Bools, Stash};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Parsed, SourceKind};

/// CrowdStrike Falcon FDR NDJSON.
pub struct Crowdstrike;

impl LogFormat for Crowdstrike {
    fn name(&self) -> &'static str {
        "crowdstrike"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "CrowdStrike Falcon Data Replicator (FDR) NDJSON: DnsRequest events"
    }
    fn fields(&self) -> &'static str {
        "event_simpleName, DomainName, ContextTimeStamp/timestamp, ComputerName/aid, UserName, ImageFileName"
    }
    fn spec_url(&self) -> &'static str {
        "https://www.elastic.co/docs/reference/integrations/crowdstrike"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/crowdstrike/fdr.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            Some(
                line.starts_with(b"{")
                    && memmem::find(line, b"\"event_simpleName\"").is_some()
                    && (memmem::find(line, b"\"aid\"").is_some()
                        || memmem::find(line, b"\"cid\"").is_some()),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(CrowdstrikeParser::default())
    }
}

/// A number written as a JSON number or a numeric string (`"1625677475.806"`).
fn de_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    json::number_or_string(
        d,
        |s| s.trim().parse().ok().filter(|x: &f64| x.is_finite()),
        Bools::Reject,
    )
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "event_simpleName", borrow)]
    simple_name: Option<Cow<'a, str>>,
    #[serde(rename = "DomainName", borrow)]
    domain_name: Option<Cow<'a, str>>,
    #[serde(rename = "ContextTimeStamp", default, deserialize_with = "de_f64")]
    context_ts: Option<f64>,
    #[serde(default, deserialize_with = "de_f64")]
    timestamp: Option<f64>,
    #[serde(rename = "ComputerName", borrow)]
    computer: Option<Cow<'a, str>>,
    #[serde(borrow)]
    aid: Option<Cow<'a, str>>,
    #[serde(rename = "UserName", borrow)]
    user: Option<Cow<'a, str>>,
    #[serde(rename = "ImageFileName", borrow)]
    image: Option<Cow<'a, str>>,
    #[serde(rename = "ContextImageFileName", borrow)]
    context_image: Option<Cow<'a, str>>,
}

#[derive(Default)]
struct CrowdstrikeParser {
    stash: Stash,
}

impl LineParser for CrowdstrikeParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(r) = json::object::<Record>(line, "crowdstrike")? else {
            return Ok(Parsed::Meta);
        };
        let name = r
            .simple_name
            .as_deref()
            .ok_or(ParseError::MissingField("event_simpleName"))?;
        let wanted = name.ends_with("DnsRequest") || name.starts_with("NetworkConnectIP");
        let st = &mut self.stash;
        st.clear();
        let host = if wanted {
            st.put(r.domain_name.as_deref())
        } else {
            None
        };
        let Some(host) = host else {
            return Ok(Parsed::Ignored);
        };
        let device = st.put(r.computer.as_deref().or(r.aid.as_deref()));
        let user = st.put(r.user.as_deref());
        let process = st.put(r.image.as_deref().or(r.context_image.as_deref()));
        // Seconds past 10^12 (year 33,000) or before 1970 are no time: a bad value, which
        // the cast below (saturating) must never see.
        let ts = match r.context_ts.or(r.timestamp.map(|ms| ms / 1000.0)) {
            Some(t) if (0.0..1e12).contains(&t) => Some(t as i64),
            Some(_) => return Err(ParseError::BadTimestamp),
            None => None,
        };
        Ok(Parsed::Event(
            self.stash.endpoint_event(ts, host, user, device, process),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::formats;

    /// (ts, host, device, user).
    type Seen = (Option<i64>, String, String, String);

    fn parse_all(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut CrowdstrikeParser::default(), text);
        let seen = t.events.into_iter().map(|e| {
            let d = |v: Option<String>| v.unwrap_or_default();
            (e.ts, e.host, d(e.device), d(e.user))
        });
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn dns_request_and_fallbacks() {
        let a = r#"{"event_simpleName":"DnsRequest","ContextTimeStamp":"1709629920.806","DomainName":"claude.ai","aid":"4f1e","ComputerName":"MBP-ALICE","UserName":"alice","timestamp":"1709629921111"}"#;
        let b = r#"{"event_simpleName":"DnsRequest","DomainName":"chatgpt.com","aid":"4f1e","timestamp":1709629921111}"#;
        let c =
            r#"{"event_simpleName":"NetworkConnectIP4","RemoteAddressIP4":"1.2.3.4","aid":"4f1e"}"#;
        let d = r#"{"event_simpleName":"ProcessRollup2","DomainName":"x","aid":"4f1e"}"#;
        let (ev, ig, er) = parse_all(&[a, b, c, d, "", "[1]", "{\"aid\":\"x\"}"].join("\n"));
        assert_eq!((ig, er), (2, 2));
        assert_eq!(
            ev[0],
            (
                Some(1_709_629_920),
                "claude.ai".into(),
                "MBP-ALICE".into(),
                "alice".into()
            )
        );
        assert_eq!(
            ev[1],
            (
                Some(1_709_629_921),
                "chatgpt.com".into(),
                "4f1e".into(),
                String::new()
            )
        );
    }

    #[test]
    fn real_vendor_sample_parses_fully() {
        let Some(text) = crate::testutil::shared(
            "real-logs/endpoint-crowdstrike-json/elastic-integrations-crowdstrike-fdr-test-fdr-head23.log",
        ) else {
            return;
        };
        let (ev, ig, er) = parse_all(&text);
        assert_eq!((ev.len(), ig, er), (1, 22, 0));
        assert_eq!(
            ev[0],
            (
                Some(1_625_677_475),
                "jss.dom1.com".into(),
                "ffffffff7ecf4e61bba14ca5ac5d17b1".into(),
                String::new()
            )
        );
        assert_eq!(
            formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("crowdstrike")
        );
    }
}
