//! AWS Route 53 VPC Resolver query logs, NDJSON (format version 1.1), as delivered to S3,
//! CloudWatch Logs or Firehose.
//!
//! Spec: <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html>;
//! example: <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-example-json.html>.
//!
//! | field | use |
//! |---|---|
//! | `query_timestamp` (ISO 8601, UTC) | `ts` |
//! | `query_name` (trailing dot) | `host` |
//! | `srcaddr` | `client` |
//! | `srcids.instance` (EC2 instance id) | `device` |
//! | `firewall_rule_action` (DNS Firewall: `BLOCK`, `ALERT`, `ALLOW`) | `BLOCK` = blocked, else allowed |
//! | `query_type`, `rcode`, `answers`, `vpc_id`, `account_id`, … | – |
//!
//! Quirks: keys come in any order (the DNS Firewall example puts `srcaddr` first); `srcids` is
//! `{}` when the source is not an instance (then `device` is absent); values with JSON escapes
//! are copied into buffers the parser owns, everything else is borrowed from the line.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, keep, non_empty};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_iso8601;

/// Route 53 Resolver query logs.
pub struct Route53;

impl LogFormat for Route53 {
    fn name(&self) -> &'static str {
        "route53"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "AWS Route 53 Resolver query logs, NDJSON (with DNS Firewall actions)"
    }
    fn fields(&self) -> &'static str {
        "query_timestamp, query_name, srcaddr, srcids.instance, firewall_rule_action"
    }
    fn spec_url(&self) -> &'static str {
        "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/route53/resolver-query.log")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            Some(
                line.starts_with(b"{")
                    && memmem::find(line, b"\"query_name\"").is_some()
                    && memmem::find(line, b"\"query_timestamp\"").is_some()
                    && memmem::find(line, b"\"srcaddr\"").is_some(),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(Route53Parser::default())
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    query_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    query_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    srcaddr: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    srcids: Option<SrcIds<'a>>,
    #[serde(borrow, default)]
    firewall_rule_action: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct SrcIds<'a> {
    #[serde(borrow, default)]
    instance: Option<Cow<'a, str>>,
}

/// Reused buffers for values that had JSON escapes.
#[derive(Default)]
struct Route53Parser {
    host: Vec<u8>,
    client: Vec<u8>,
    device: Vec<u8>,
}

impl LineParser for Route53Parser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record<'a>>(line, "Route 53 Resolver JSON")? else {
            return Ok(Parsed::Meta);
        };
        let ts = match rec.query_timestamp {
            Some(t) => Some(
                parse_iso8601(t.as_bytes())
                    .ok_or(ParseError::BadTimestamp)?
                    .0,
            ),
            None => None,
        };
        let name = non_empty(rec.query_name).ok_or(ParseError::MissingField("query_name"))?;
        let action = match rec.firewall_rule_action.as_deref() {
            Some("BLOCK") => Action::Blocked,
            _ => Action::Allowed,
        };
        let Route53Parser {
            host,
            client,
            device,
        } = self;
        Ok(Parsed::Event(Event {
            ts,
            client: non_empty(rec.srcaddr).map(|v| keep(v, client)),
            host: keep(name, host),
            action,
            source: SourceKind::Dns,
            device: non_empty(rec.srcids.and_then(|s| s.instance)).map(|v| keep(v, device)),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{event_with, parse_with, tally};
    use crate::formats;

    fn parse(line: &str) -> Result<Parsed<'_>, ParseError> {
        parse_with(Route53Parser::default(), line)
    }

    fn event(line: &str) -> Event<'_> {
        event_with(Route53Parser::default(), line)
    }

    #[test]
    fn query_with_instance() {
        let e = event(
            r#"{"version":"1.100000","account_id":"626345947581","region":"us-east-1","vpc_id":"vpc-01e31a7c","query_timestamp":"2026-11-24T09:15:00Z","query_name":"chatgpt.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"104.18.32.47","Type":"A","Class":"IN"}],"srcaddr":"172.31.86.159","srcport":"48701","transport":"UDP","srcids":{"instance":"i-079c44232510ca8ff"}}"#,
        );
        assert_eq!(e.ts, Some(1_795_511_700));
        assert_eq!(e.host, b"chatgpt.com.");
        assert_eq!(e.client, Some(&b"172.31.86.159"[..]));
        assert_eq!(e.device, Some(&b"i-079c44232510ca8ff"[..]));
        assert_eq!((e.action, e.source), (Action::Allowed, SourceKind::Dns));
    }

    #[test]
    fn firewall_block_empty_srcids_and_escapes() {
        let e = event(
            r#"{"srcaddr":"4.5.64.102","firewall_rule_action":"BLOCK","query_name":"claude.ai.","srcids":{},"query_timestamp":"2021-02-04T17:51:55Z"}"#,
        );
        assert_eq!((e.action, e.device), (Action::Blocked, None));
        let e = event(
            r#"{"srcaddr":"10.0.0.1","query_name":"api\u002eopenai.com.","query_timestamp":"2021-02-04T17:51:55Z"}"#,
        );
        assert_eq!(e.host, b"api.openai.com.");
    }

    #[test]
    fn bad_lines() {
        assert_eq!(parse(""), Ok(Parsed::Meta));
        assert_eq!(
            parse("not json"),
            Err(ParseError::Unrecognized("Route 53 Resolver JSON"))
        );
        assert_eq!(
            parse(r#"{"query_name":"x."#),
            Err(ParseError::Unrecognized("Route 53 Resolver JSON"))
        );
        assert_eq!(
            parse(r#"{"srcaddr":"10.0.0.1"}"#),
            Err(ParseError::MissingField("query_name"))
        );
        assert_eq!(
            parse(r#"{"query_name":"a.","query_timestamp":"yesterday"}"#),
            Err(ParseError::BadTimestamp)
        );
    }

    #[test]
    fn real_vendor_sample() {
        let rel = "real-logs/dns-route53-json/elastic-integrations-aws-route53_resolver_logs-test-route53.log";
        let Some(text) = crate::testutil::shared(rel) else {
            return;
        };
        let t = tally(&mut Route53Parser::default(), &text);
        let ev = &t.events;
        assert!(ev.iter().all(|e| e.ts.is_some() && e.client.is_some()));
        let blocked = ev.iter().filter(|e| e.action == Action::Blocked).count();
        assert_eq!((t.ignored, t.meta, t.errors), (0, 0, 0));
        assert_eq!((text.lines().count(), ev.len(), blocked), (34, 34, 1));
        assert!(ev.iter().any(|e| e.device.is_some()));
        assert_eq!(Route53.sniff(text.as_bytes()), 100);
        assert_eq!(
            formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("route53")
        );
    }
}
