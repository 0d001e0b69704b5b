//! Cloudflare Zero Trust Gateway HTTP logs, as Logpush writes them (dataset `gateway_http`,
//! NDJSON).
//!
//! Spec: <https://developers.cloudflare.com/logs/reference/log-fields/account/gateway_http/>.
//!
//! | field | use |
//! |---|---|
//! | `Datetime` (Unix nanoseconds by default; Unix seconds or RFC 3339 as the job's `timestamp_format` says) | `ts` |
//! | `HTTPHost`, else `URL` | `host` |
//! | `URL` | `path` |
//! | `Email` (not the `non_identity@…` placeholder) | `user` |
//! | `SourceInternalIP`, else `SourceIP` | `client` |
//! | `DeviceName` | `device` |
//! | `Action` `block` | blocked, else allowed |
//!
//! Choices: `SourceInternalIP` (the device's LAN address, logged for GRE/IPsec on-ramps) names
//! the client better than `SourceIP` (its public or egress address), so it is preferred; a
//! DHCP `--identity` file knows LAN addresses. The dataset records no request size (only
//! `BlockedFileSize`, of a blocked download), so there are no bytes out.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::cloudflare_dns::person;
use super::json::{self, Stash};
use super::json_paths::{AnyTime, de_time, required_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// Cloudflare Gateway HTTP Logpush.
pub struct CloudflareHttp;

impl LogFormat for CloudflareHttp {
    fn name(&self) -> &'static str {
        "cloudflare-gateway-http"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Cloudflare Zero Trust Gateway HTTP logs, Logpush NDJSON (gateway_http)"
    }
    fn fields(&self) -> &'static str {
        "Datetime (Unix ns/s or RFC 3339), HTTPHost/URL, Email, SourceInternalIP/SourceIP, DeviceName, Action"
    }
    fn spec_url(&self) -> &'static str {
        "https://developers.cloudflare.com/logs/reference/log-fields/account/gateway_http/"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/cloudflare-gateway-http/gateway_http.ndjson")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            Some(
                line.first() == Some(&b'{')
                    && has(b"\"HTTPHost\":")
                    && has(b"\"Datetime\":")
                    && (has(b"\"SourceIP\":") || has(b"\"Email\":") || has(b"\"URL\":")),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(CloudflareHttpParser::default())
    }
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Record<'a> {
    #[serde(default, deserialize_with = "de_time")]
    Datetime: Option<AnyTime>,
    #[serde(borrow)]
    HTTPHost: Option<Cow<'a, str>>,
    #[serde(borrow)]
    URL: Option<Cow<'a, str>>,
    #[serde(borrow)]
    Email: Option<Cow<'a, str>>,
    #[serde(borrow)]
    SourceIP: Option<Cow<'a, str>>,
    #[serde(borrow)]
    SourceInternalIP: Option<Cow<'a, str>>,
    #[serde(borrow)]
    DeviceName: Option<Cow<'a, str>>,
    #[serde(borrow)]
    Action: Option<Cow<'a, str>>,
}

#[derive(Default)]
struct CloudflareHttpParser {
    stash: Stash,
}

impl LineParser for CloudflareHttpParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record<'_>>(line, "Cloudflare Gateway HTTP")? else {
            return Ok(Parsed::Meta);
        };
        let ts = required_time(rec.Datetime, "Datetime")?;
        let st = &mut self.stash;
        st.clear();
        let Some(host) = st
            .put(rec.HTTPHost.as_deref())
            .or_else(|| st.put(rec.URL.as_deref()))
        else {
            return Ok(Parsed::Ignored);
        };
        let path = st.put(rec.URL.as_deref());
        let user = st.put(person(rec.Email.as_deref()));
        let client = st
            .put(rec.SourceInternalIP.as_deref())
            .or_else(|| st.put(rec.SourceIP.as_deref()));
        let device = st.put(rec.DeviceName.as_deref());
        let blocked = rec
            .Action
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("block"));
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
            source: SourceKind::Proxy,
            device: st.get(device),
            path: st.get(path),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{tally, vendor_sample};

    #[test]
    fn host_client_and_action() {
        let text = r#"{"Datetime":1795510800000000000,"Action":"block","HTTPHost":"chatgpt.com","URL":"https://chatgpt.com/backend-api/conversation","Email":"jack@example.com","SourceIP":"203.0.113.9","SourceInternalIP":"192.168.1.23","DeviceName":"LT-JACK"}
{"Datetime":"2026-11-24T09:00:00Z","Action":"allow","URL":"https://claude.ai/new","SourceIP":"203.0.113.9"}
{"Datetime":"2026-11-24T09:00:00Z","Action":"allow","HTTPHost":"","SourceIP":"203.0.113.9"}
{"Action":"allow","HTTPHost":"claude.ai"}
"#;
        let t = tally(&mut CloudflareHttpParser::default(), text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (2, 1, 1));
        let e = &t.events;
        assert_eq!(
            (e[0].client.as_deref(), e[0].action, e[0].bytes_out),
            (Some("192.168.1.23"), Action::Blocked, None)
        );
        assert_eq!(
            (e[1].host.as_str(), e[1].client.as_deref(), e[1].action),
            ("https://claude.ai/new", Some("203.0.113.9"), Action::Allowed)
        );
    }

    #[test]
    fn real_vendor_sample_in_three_time_encodings() {
        let file = "real-logs/proxy-cloudflare-gateway/elastic-integrations-cloudflare_logpush-test-pipeline-gateway-http.log";
        let Some(t) = vendor_sample(CloudflareHttpParser::default(), "cloudflare-gateway-http", file, (3, 0, 0)) else {
            return;
        };
        let ts: Vec<_> = t.events.iter().map(|e| e.ts).collect();
        assert_eq!(ts, vec![Some(1_683_147_305); 3]);
    }
}
