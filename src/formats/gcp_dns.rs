//! Google Cloud DNS query logs: Cloud Logging `LogEntry` JSON, one per line, as a log sink
//! writes them to Cloud Storage (or Pub/Sub subscribers save them).
//!
//! Spec: <https://cloud.google.com/dns/docs/monitoring#dns-log-record-format> (the
//! `jsonPayload` fields) and the `LogEntry` envelope,
//! <https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry>.
//!
//! | field | use |
//! |---|---|
//! | `timestamp` (RFC 3339, nanoseconds), else `receiveTimestamp` | `ts` |
//! | `jsonPayload.queryName` (with its trailing dot) | `host` |
//! | `jsonPayload.sourceIP` | `client` |
//! | `jsonPayload.vmInstanceName` (`project.instance` of the VM that asked) | `device` |
//!
//! Quirks: Cloud DNS logs the lookups of VMs, GKE pods and inbound forwarding (`sourceType`
//! `gce-vm`, `internet`, `inbound-forwarding`); only a VM has an instance name. Cloud DNS
//! answers every query it logs (response policies rewrite, they do not refuse), so every
//! event is allowed. `gcloud logging read --format=json` prints one JSON array, not lines:
//! use a sink, or `--format='json(…)'` per entry with `jq -c '.[]'`.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Stash};
use super::json_paths::{AnyTime, de_time, required_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// Google Cloud DNS query logs.
pub struct GcpDns;

impl LogFormat for GcpDns {
    fn name(&self) -> &'static str {
        "gcp-dns"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "Google Cloud DNS query logs, Cloud Logging LogEntry JSON lines (log sink export)"
    }
    fn fields(&self) -> &'static str {
        "timestamp, jsonPayload.queryName, jsonPayload.sourceIP, jsonPayload.vmInstanceName"
    }
    fn spec_url(&self) -> &'static str {
        "https://cloud.google.com/dns/docs/monitoring#dns-log-record-format"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/gcp-dns/dns_queries.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            Some(line.first() == Some(&b'{') && has(b"\"jsonPayload\":") && has(b"\"queryName\":"))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(GcpDnsParser::default())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    #[serde(default, deserialize_with = "de_time")]
    timestamp: Option<AnyTime>,
    #[serde(default, deserialize_with = "de_time")]
    receive_timestamp: Option<AnyTime>,
    #[serde(borrow)]
    json_payload: Option<Payload<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(borrow)]
    query_name: Option<Cow<'a, str>>,
    #[serde(rename = "sourceIP", borrow)]
    source_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    vm_instance_name: Option<Cow<'a, str>>,
}

#[derive(Default)]
struct GcpDnsParser {
    stash: Stash,
}

impl LineParser for GcpDnsParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(entry) = json::object::<Entry<'_>>(line, "Cloud Logging entry")? else {
            return Ok(Parsed::Meta);
        };
        let Some(p) = entry.json_payload else {
            return Ok(Parsed::Ignored);
        };
        let st = &mut self.stash;
        st.clear();
        let Some(host) = st.put(p.query_name.as_deref()) else {
            return Ok(Parsed::Ignored);
        };
        let ts = required_time(entry.timestamp.or(entry.receive_timestamp), "timestamp")?;
        let client = st.put(p.source_ip.as_deref());
        let device = st.put(p.vm_instance_name.as_deref());
        let st = &self.stash;
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            client: st.get(client),
            host: st.get(Some(host)).unwrap_or_default(),
            action: Action::Allowed,
            source: SourceKind::Dns,
            device: st.get(device),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{tally, vendor_sample};

    #[test]
    fn entries_with_and_without_a_query() {
        let text = r#"{"insertId":"a1","jsonPayload":{"queryName":"chatgpt.com.","queryType":"A","sourceIP":"10.6.0.4","vmInstanceName":"123.build-agent-1"},"resource":{"type":"dns_query"},"timestamp":"2026-11-24T09:00:00.341873447Z"}
{"insertId":"a2","jsonPayload":{"queryName":"claude.ai.","sourceIP":"10.6.0.9","sourceType":"inbound-forwarding"},"receiveTimestamp":"2026-11-24T09:00:00Z"}
{"insertId":"a3","jsonPayload":{"message":"other"},"timestamp":"2026-11-24T09:00:00Z"}
{"insertId":"a4","timestamp":"2026-11-24T09:00:00Z"}
{"insertId":"a5","jsonPayload":{"queryName":"claude.ai."},"timestamp":"not a time"}
"#;
        let t = tally(&mut GcpDnsParser::default(), text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (2, 2, 1));
        let e = &t.events;
        assert!(e.iter().all(|e| e.ts == Some(1_795_510_800)));
        assert_eq!(
            (e[0].host.as_str(), e[0].client.as_deref(), e[0].device.as_deref()),
            ("chatgpt.com.", Some("10.6.0.4"), Some("123.build-agent-1"))
        );
        assert_eq!(e[1].device, None);
    }

    #[test]
    fn real_vendor_sample() {
        let file = "real-logs/dns-gcp-cloud-dns/elastic-integrations-gcp-dns-test-dns.log";
        vendor_sample(GcpDnsParser::default(), "gcp-dns", file, (5, 0, 0));
    }
}
