//! Azure Firewall application rule and DNS proxy logs, as JSON lines: the diagnostic-setting
//! records written to a storage account or Event Hub (`{"category":…,"time":…,"properties":…}`)
//! and rows exported from Log Analytics, in the legacy `AzureDiagnostics` table (`msg_s`) or
//! the resource-specific tables (`AZFWApplicationRule`, `AZFWDnsQuery`).
//!
//! Spec: <https://learn.microsoft.com/en-us/azure/firewall/monitor-firewall-reference>
//! (categories and the legacy `msg` text), and the table references
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/azfwapplicationrule>,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/azfwdnsquery>.
//!
//! | record | host | client | action |
//! |---|---|---|---|
//! | `AzureFirewallApplicationRule` `msg` / `msg_s`: `HTTPS request from IP:PORT to FQDN:PORT. [Url: URL.] Action: Allow\|Deny. …` | FQDN (Url as `path`) | IP | `Deny` = blocked |
//! | `AZFWApplicationRule`: `Fqdn`, `TargetUrl`, `SourceIp`, `Action` | `Fqdn` (`TargetUrl` as `path`) | `SourceIp` | `Deny` = blocked |
//! | `AzureFirewallDnsProxy` `msg`: `DNS Request: IP:PORT - ID TYPE CLASS NAME. proto …` | NAME (source dns) | IP | allowed |
//! | `AZFWDnsQuery`: `QueryName`, `SourceIp` | `QueryName` (source dns) | `SourceIp` | allowed |
//!
//! Time: `time` (diagnostics) or `TimeGenerated` (Log Analytics). Records of other categories
//! (network and NAT rules, threat intelligence, IDPS, aggregations) and application rule
//! records without a target (`SNI TLS extension was missing`) are ignored. The firewall logs
//! no user; bytes are not in these records.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Stash};
use super::json_paths::{AnyTime, de_time, required_time};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};

/// Azure Firewall application rule and DNS proxy logs.
pub struct AzureFirewall;

impl LogFormat for AzureFirewall {
    fn name(&self) -> &'static str {
        "azure-firewall"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Proxy
    }
    fn about(&self) -> &'static str {
        "Azure Firewall application rule and DNS proxy logs, JSON (diagnostic settings, AzureDiagnostics or AZFW* tables)"
    }
    fn fields(&self) -> &'static str {
        "time/TimeGenerated, category/Category/Type, msg/msg_s (request from, to, Url, Action; DNS Request), Fqdn, TargetUrl, QueryName, SourceIp, Action"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/azure/firewall/monitor-firewall-reference"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/azure-firewall/firewall.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            let has = |needle: &[u8]| memmem::find(line, needle).is_some();
            Some(line.first() == Some(&b'{') && (has(b"\"AzureFirewall") || has(b"\"AZFW")))
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(AzureFirewallParser::default())
    }
}

/// The structured fields, under `properties` (diagnostics) or at the top (Log Analytics).
#[derive(Deserialize, Default)]
#[allow(non_snake_case)]
struct Fields<'a> {
    #[serde(borrow)]
    msg: Option<Cow<'a, str>>,
    #[serde(borrow)]
    Fqdn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    TargetUrl: Option<Cow<'a, str>>,
    #[serde(borrow)]
    QueryName: Option<Cow<'a, str>>,
    #[serde(borrow)]
    SourceIp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    Action: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Record<'a> {
    #[serde(default, deserialize_with = "de_time")]
    time: Option<AnyTime>,
    #[serde(default, deserialize_with = "de_time")]
    TimeGenerated: Option<AnyTime>,
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    Category: Option<Cow<'a, str>>,
    #[serde(rename = "Type", borrow)]
    table: Option<Cow<'a, str>>,
    #[serde(borrow)]
    properties: Option<Fields<'a>>,
    #[serde(borrow)]
    msg_s: Option<Cow<'a, str>>,
    #[serde(flatten, borrow)]
    top: Fields<'a>,
}

/// An address without its `:port` (`[v6]:port` loses its brackets too).
fn without_port(s: &str) -> &str {
    if let Some(v6) = s.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    match s.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => s,
    }
}

/// The word after `label` in `msg`, up to a space, its final `.` removed.
fn word_after<'m>(msg: &'m str, label: &str) -> Option<&'m str> {
    let at = msg.find(label)? + label.len();
    let word = msg[at..].split(' ').next()?;
    Some(word.strip_suffix('.').unwrap_or(word)).filter(|w| !w.is_empty())
}

/// What one record names.
struct Target<'m> {
    host: &'m str,
    client: Option<&'m str>,
    path: Option<&'m str>,
    blocked: bool,
    source: SourceKind,
}

/// Reads an application rule `msg`: `HTTPS request from IP:PORT to FQDN:PORT. Url: …. Action: Deny. …`.
fn app_rule_msg(msg: &str) -> Option<Target<'_>> {
    let client = word_after(msg, " request from ").map(without_port);
    let host = word_after(msg, " to ")?;
    Some(Target {
        host,
        client,
        path: word_after(msg, ". Url: "),
        blocked: word_after(msg, "Action: ").is_some_and(|a| a.eq_ignore_ascii_case("deny")),
        source: SourceKind::Proxy,
    })
}

/// Reads a DNS proxy `msg`: `DNS Request: IP:PORT - ID TYPE CLASS NAME. proto …`.
fn dns_proxy_msg(msg: &str) -> Option<Target<'_>> {
    let rest = msg.strip_prefix("DNS Request: ")?;
    let mut words = rest.split(' ');
    let client = words.next().map(without_port);
    let host = words.nth(4)?;
    Some(Target {
        host,
        client,
        path: None,
        blocked: false,
        source: SourceKind::Dns,
    })
}

#[derive(Default)]
struct AzureFirewallParser {
    stash: Stash,
}

impl LineParser for AzureFirewallParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record<'_>>(line, "Azure Firewall JSON")? else {
            return Ok(Parsed::Meta);
        };
        let kind = rec.category.as_deref().or(rec.Category.as_deref());
        let kind = kind.or(rec.table.as_deref()).unwrap_or("");
        let f = rec.properties.as_ref().unwrap_or(&rec.top);
        let msg = f.msg.as_deref().or(rec.msg_s.as_deref()).unwrap_or("");
        let target = match kind {
            "AzureFirewallApplicationRule" => app_rule_msg(msg),
            "AzureFirewallDnsProxy" => dns_proxy_msg(msg),
            "AZFWApplicationRule" => f.Fqdn.as_deref().map(|host| Target {
                host,
                client: f.SourceIp.as_deref(),
                path: f.TargetUrl.as_deref(),
                blocked: f.Action.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("deny")),
                source: SourceKind::Proxy,
            }),
            "AZFWDnsQuery" => f.QueryName.as_deref().map(|host| Target {
                host,
                client: f.SourceIp.as_deref(),
                path: None,
                blocked: false,
                source: SourceKind::Dns,
            }),
            _ => None,
        };
        let Some(t) = target else {
            return Ok(Parsed::Ignored);
        };
        let ts = required_time(rec.time.or(rec.TimeGenerated), "time")?;
        let st = &mut self.stash;
        st.clear();
        let Some(host) = st.put(Some(t.host)) else {
            return Ok(Parsed::Ignored);
        };
        let client = st.put(t.client);
        let path = st.put(t.path);
        let st = &self.stash;
        Ok(Parsed::Event(Event {
            ts: Some(ts),
            client: st.get(client),
            host: st.get(Some(host)).unwrap_or_default(),
            action: if t.blocked {
                Action::Blocked
            } else {
                Action::Allowed
            },
            source: t.source,
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
    fn the_four_record_shapes() {
        let text = r#"{"category":"AzureFirewallApplicationRule","operationName":"AzureFirewallApplicationRuleLog","properties":{"msg":"HTTPS request from 10.1.0.4:5000 to chatgpt.com:443. Action: Allow. Rule Collection: ai. Rule: allow-ai"},"time":"2026-11-24T09:00:00.1234567Z"}
{"TimeGenerated":"2026-11-24T09:00:00Z","Category":"AzureFirewallApplicationRule","Type":"AzureDiagnostics","msg_s":"HTTP  request from 10.1.0.5:50776 to claude.ai:80. Url: claude.ai/api/upload. Action: Deny. No rule matched. Proceeding with default action"}
{"TimeGenerated":"2026-11-24T09:00:00Z","Type":"AZFWApplicationRule","Protocol":"HTTPS","SourceIp":"10.1.0.6","SourcePort":5001,"DestinationPort":443,"Fqdn":"gemini.google.com","TargetUrl":"","Action":"Allow"}
{"category":"AZFWDnsQuery","properties":{"QueryName":"api.openai.com.","QueryType":"A","SourceIp":"10.1.0.7","SourcePort":47785},"time":"2026-11-24T09:00:00Z"}
{"category":"AzureFirewallDnsProxy","properties":{"msg":"DNS Request: 10.1.0.8:61248 - 6513 A IN copilot.microsoft.com. udp 43 false 512 NOERROR qr,rd,ra 145 0.002846368s"},"time":"2026-11-24T09:00:00Z"}
{"category":"AzureFirewallApplicationRule","properties":{"msg":"HTTPS request from 10.0.0.1:6065. Action: Deny. Reason: SNI TLS extension was missing."},"time":"2026-11-24T09:00:00Z"}
{"category":"AzureFirewallNetworkRule","properties":{"msg":"TCP request from 10.0.0.1:6065 to 1.2.3.4:443. Action: Allow."},"time":"2026-11-24T09:00:00Z"}
{"category":"AZFWDnsQuery","properties":{"QueryName":"claude.ai.","SourceIp":"10.1.0.7"},"time":"noon"}
"#;
        let t = tally(&mut AzureFirewallParser::default(), text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (5, 2, 1));
        let seen: Vec<_> = t
            .events
            .iter()
            .map(|e| (e.client.as_deref().unwrap(), e.host.as_str(), e.action, e.source))
            .collect();
        use Action::*;
        use SourceKind::*;
        assert_eq!(
            seen,
            [
                ("10.1.0.4", "chatgpt.com:443", Allowed, Proxy),
                ("10.1.0.5", "claude.ai:80", Blocked, Proxy),
                ("10.1.0.6", "gemini.google.com", Allowed, Proxy),
                ("10.1.0.7", "api.openai.com.", Allowed, Dns),
                ("10.1.0.8", "copilot.microsoft.com.", Allowed, Dns),
            ]
        );
        assert!(t.events.iter().all(|e| e.ts == Some(1_795_510_800)));
    }

    #[test]
    fn real_vendor_samples() {
        // (file, events, ignored): one application rule record has no target (no SNI).
        for (file, events, ignored) in [
            ("real-logs/proxy-azure-firewall/elastic-integrations-azure-firewall_logs-test-applicationrules-raw.log", 5, 1),
            ("real-logs/proxy-azure-firewall/elastic-integrations-azure-firewall_logs-test-dnsproxyrules-raw.log", 3, 0),
            ("real-logs/proxy-azure-firewall/elastic-integrations-azure-firewall_logs-test-dns-query-structured-raw.log", 1, 0),
        ] {
            if vendor_sample(AzureFirewallParser::default(), "azure-firewall", file, (events, ignored, 0)).is_none() {
                return;
            }
        }
    }
}
