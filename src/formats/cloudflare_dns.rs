//! Cloudflare Zero Trust Gateway DNS logs, as Logpush writes them (dataset `gateway_dns`,
//! NDJSON).
//!
//! Spec: <https://developers.cloudflare.com/logs/reference/log-fields/account/gateway_dns/>;
//! the values of `ResolverDecision`:
//! <https://developers.cloudflare.com/cloudflare-one/insights/logs/gateway-logs/#resolver-decisions>.
//!
//! | field | use |
//! |---|---|
//! | `Datetime` (Unix nanoseconds by default; Unix seconds or RFC 3339 as the job's `timestamp_format` says) | `ts` |
//! | `QueryName` | `host` |
//! | `Email` (not the `non_identity@…` placeholder) | `user` |
//! | `SrcIP` | `client` |
//! | `DeviceName` | `device` |
//! | `ResolverDecision` `blocked…` | blocked, else allowed |
//!
//! Quirks: a Logpush job sends only the fields it was set up with, so every field but
//! `QueryName` and `Datetime` may be missing. Traffic from a proxy endpoint or a service
//! token carries `Email` `non_identity@<team>.cloudflareaccess.com`: no person, so no user.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Stash};
use super::json_paths::{AnyTime, de_time, required_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// Cloudflare Gateway DNS Logpush.
pub struct CloudflareDns;

impl LogFormat for CloudflareDns {
    fn name(&self) -> &'static str {
        "cloudflare-gateway-dns"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "Cloudflare Zero Trust Gateway DNS logs, Logpush NDJSON (gateway_dns)"
    }
    fn fields(&self) -> &'static str {
        "Datetime (Unix ns/s or RFC 3339), QueryName, Email, SrcIP, DeviceName, ResolverDecision"
    }
    fn spec_url(&self) -> &'static str {
        "https://developers.cloudflare.com/logs/reference/log-fields/account/gateway_dns/"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/cloudflare-gateway-dns/gateway_dns.ndjson")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            Some(
                line.first() == Some(&b'{')
                    && has(b"\"QueryName\":")
                    && has(b"\"Datetime\":")
                    && (has(b"\"SrcIP\":") || has(b"\"ResolverDecision\":") || has(b"\"Email\":")),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(CloudflareDnsParser::default())
    }
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Record<'a> {
    #[serde(default, deserialize_with = "de_time")]
    Datetime: Option<AnyTime>,
    #[serde(borrow)]
    QueryName: Option<Cow<'a, str>>,
    #[serde(borrow)]
    Email: Option<Cow<'a, str>>,
    #[serde(borrow)]
    SrcIP: Option<Cow<'a, str>>,
    #[serde(borrow)]
    DeviceName: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ResolverDecision: Option<Cow<'a, str>>,
}

/// The user of a Gateway record: its `Email`, unless that is the placeholder of traffic
/// without an identity.
pub(super) fn person(email: Option<&str>) -> Option<&str> {
    email.filter(|e| !e.starts_with("non_identity@"))
}

#[derive(Default)]
struct CloudflareDnsParser {
    stash: Stash,
}

impl LineParser for CloudflareDnsParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record<'_>>(line, "Cloudflare Gateway DNS")? else {
            return Ok(Parsed::Meta);
        };
        let ts = required_time(rec.Datetime, "Datetime")?;
        let st = &mut self.stash;
        st.clear();
        let Some(host) = st.put(rec.QueryName.as_deref()) else {
            return Ok(Parsed::Ignored);
        };
        let user = st.put(person(rec.Email.as_deref()));
        let client = st.put(rec.SrcIP.as_deref());
        let device = st.put(rec.DeviceName.as_deref());
        let blocked = rec
            .ResolverDecision
            .as_deref()
            .is_some_and(|d| d.starts_with("blocked"));
        let st = &self.stash;
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            user: st.get(user),
            client: st.get(client),
            host: st.get(Some(host)).unwrap_or_default(),
            action: if blocked {
                Action::Blocked
            } else {
                Action::Allowed
            },
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
    fn every_datetime_encoding_and_the_decision() {
        let text = r#"{"Datetime":1795510800123456789,"QueryName":"chatgpt.com","SrcIP":"198.51.100.7","Email":"ivy@example.com","DeviceName":"MBP-IVY","ResolverDecision":"blockedByCategory"}
{"Datetime":1795510800,"QueryName":"claude.ai","SrcIP":"198.51.100.7","Email":"non_identity@acme.cloudflareaccess.com","ResolverDecision":"allowedOnNoPolicyMatch"}
{"Datetime":"2026-11-24T09:00:00Z","QueryName":"gemini.google.com"}
{"Datetime":"2026-11-24T09:00:00Z","QueryName":""}
{"Datetime":"soon","QueryName":"claude.ai"}
{"QueryName":"claude.ai"}
"#;
        let t = tally(&mut CloudflareDnsParser::default(), text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (3, 1, 2));
        let e = &t.events;
        assert!(e.iter().all(|e| e.ts == Some(1_795_510_800)));
        assert_eq!(
            (e[0].user.as_deref(), e[0].device.as_deref(), e[0].action),
            (Some("ivy@example.com"), Some("MBP-IVY"), Action::Blocked)
        );
        assert_eq!((e[1].user.as_deref(), e[1].action), (None, Action::Allowed));
        assert_eq!((e[2].host.as_str(), e[2].client.as_deref()), ("gemini.google.com", None));
    }

    #[test]
    fn real_vendor_sample() {
        let file = "real-logs/proxy-cloudflare-gateway/elastic-integrations-cloudflare_logpush-test-pipeline-gateway-dns.log";
        let Some(t) = vendor_sample(CloudflareDnsParser::default(), "cloudflare-gateway-dns", file, (1, 0, 0)) else {
            return;
        };
        assert_eq!(
            (t.events[0].host.as_str(), t.events[0].user.as_deref()),
            ("security.ubuntu.com", Some("user@test.com"))
        );
    }
}
