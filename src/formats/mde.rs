//! Microsoft Defender for Endpoint `DeviceNetworkEvents` rows as JSON lines: Advanced Hunting
//! streaming API records (Event Hub / storage: `{"category": "AdvancedHunting-DeviceNetworkEvents",
//! "properties": {…}}`) and flat exports of Advanced Hunting / Sentinel query results.
//!
//! Spec: <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkevents-table>;
//! streaming API record shape:
//! <https://learn.microsoft.com/en-us/defender-endpoint/raw-data-export-event-hub>.
//!
//! | column | use |
//! |---|---|
//! | `RemoteUrl` | `host`; for `DnsConnectionInspected` / `HttpConnectionInspected` rows without one, `AdditionalFields.query` / `.host` |
//! | `AdditionalFields.uri` of `HttpConnectionInspected` rows | `path` |
//! | `Timestamp` (RFC 3339, 7 fraction digits), else `TimeGenerated` / the record's `time` | `ts` |
//! | `DeviceName` | `device` |
//! | `InitiatingProcessAccountDomain` + `InitiatingProcessAccountName` | `user` as `domain\name` |
//! | `InitiatingProcessFolderPath`, else `InitiatingProcessFileName` | `process` |
//! | `LocalIP` | `client` |
//! | `ActionType` | `…Blocked` → blocked; `ConnectionSuccess`, `…Inspected`, … → allowed; `ConnectionFailed` → unknown |
//!
//! Quirks: rows without a host (most `ConnectionSuccess` to bare IPs, other tables such as
//! `DeviceProcessEvents`) are ignored; a `category` / `Type` naming another table is ignored.
//! `AdditionalFields` is an object in streamed records and a JSON string in some exports: both
//! are read. Event Hub batches (`{"records": [ … ]}` on one line) must be split into one record
//! per line first. The CSV export is the `mde-csv` format.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Maybe, Stash};
use super::{LineParser, LogFormat, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_iso8601;

/// Microsoft Defender for Endpoint DeviceNetworkEvents as JSON lines.
pub struct Mde;

impl LogFormat for Mde {
    fn name(&self) -> &'static str {
        "mde"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "Microsoft Defender for Endpoint DeviceNetworkEvents, JSON lines (streaming API or export)"
    }
    fn fields(&self) -> &'static str {
        "Timestamp, DeviceName, ActionType, RemoteUrl, LocalIP, InitiatingProcessFolderPath, InitiatingProcessAccountDomain/Name"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkevents-table"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/mde/DeviceNetworkEvents.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        score_lines(head, |line| {
            Some(
                line.starts_with(b"{")
                    && memmem::find(line, b"\"DeviceName\"").is_some()
                    && memmem::find(line, b"\"ActionType\"").is_some()
                    // Sentinel / Log Analytics rows may carry only `TimeGenerated`.
                    && (memmem::find(line, b"\"Timestamp\"").is_some()
                        || memmem::find(line, b"\"TimeGenerated\"").is_some()),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(MdeParser::default())
    }
}

#[derive(Deserialize)]
struct Additional<'a> {
    #[serde(borrow)]
    query: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AdditionalField<'a> {
    Obj(#[serde(borrow)] Additional<'a>),
    Str(#[serde(borrow)] Cow<'a, str>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Row<'a> {
    #[serde(rename = "Timestamp", borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "TimeGenerated", borrow)]
    time_generated: Option<Cow<'a, str>>,
    #[serde(rename = "DeviceName", borrow)]
    device: Option<Cow<'a, str>>,
    #[serde(rename = "ActionType", borrow)]
    action_type: Option<Cow<'a, str>>,
    #[serde(rename = "RemoteUrl", borrow)]
    remote_url: Option<Cow<'a, str>>,
    #[serde(rename = "LocalIP", borrow)]
    local_ip: Option<Cow<'a, str>>,
    #[serde(rename = "InitiatingProcessFolderPath", borrow)]
    folder_path: Option<Cow<'a, str>>,
    #[serde(rename = "InitiatingProcessFileName", borrow)]
    file_name: Option<Cow<'a, str>>,
    #[serde(rename = "InitiatingProcessAccountDomain", borrow)]
    account_domain: Option<Cow<'a, str>>,
    #[serde(rename = "InitiatingProcessAccountName", borrow)]
    account_name: Option<Cow<'a, str>>,
    #[serde(rename = "AdditionalFields", borrow)]
    additional: Option<AdditionalField<'a>>,
    /// Sentinel's table name.
    #[serde(rename = "Type", borrow)]
    table: Option<Maybe<Cow<'a, str>>>,
}

/// A streamed record, or a flat row (then `properties` is absent and the row is the line).
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    properties: Option<Row<'a>>,
}

#[derive(Default)]
struct MdeParser {
    stash: Stash,
}

pub(super) fn action_of(t: &str) -> Action {
    if t.contains("Blocked") {
        Action::Blocked
    } else if t == "ConnectionFailed" || t.is_empty() {
        Action::Unknown
    } else {
        Action::Allowed
    }
}

impl LineParser for MdeParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(rec) = json::object::<Record>(line, "mde")? else {
            return Ok(Parsed::Meta);
        };
        if rec
            .category
            .as_deref()
            .is_some_and(|c| !c.ends_with("DeviceNetworkEvents"))
        {
            return Ok(Parsed::Ignored);
        }
        let row: Row = match rec.properties {
            Some(p) => p,
            None => serde_json::from_slice(line.trim_ascii())
                .map_err(|_| ParseError::Unrecognized("mde"))?,
        };
        let table = row.table.as_ref().and_then(Maybe::get).map(|t| t.as_ref());
        if table.is_some_and(|t| t != "DeviceNetworkEvents") {
            return Ok(Parsed::Ignored);
        }
        let action_type = row.action_type.as_deref().unwrap_or("");
        let st = &mut self.stash;
        st.clear();
        let mut host = st.put(row.remote_url.as_deref());
        let mut path = None;
        if action_type.ends_with("ConnectionInspected") {
            let parsed;
            let add = match &row.additional {
                Some(AdditionalField::Obj(a)) => Some(a),
                Some(AdditionalField::Str(s)) => {
                    parsed = serde_json::from_str::<Additional>(s).ok();
                    parsed.as_ref()
                }
                _ => None,
            };
            if let Some(a) = add {
                if host.is_none() {
                    host = st.put(a.query.as_deref().or(a.host.as_deref()));
                }
                path = st.put(a.uri.as_deref());
            }
        }
        let Some(host) = host else {
            return Ok(Parsed::Ignored);
        };
        let device = st.put(row.device.as_deref());
        let client = st.put(row.local_ip.as_deref());
        let process = st.put(row.folder_path.as_deref().or(row.file_name.as_deref()));
        let user = match row.account_name.as_deref() {
            Some(name) => st.join(&[row.account_domain.as_deref(), Some(name)], b'\\'),
            None => None,
        };
        let written = row
            .timestamp
            .as_deref()
            .or(row.time_generated.as_deref())
            .or(rec.time.as_deref());
        let ts = match written {
            Some(t) => Some(parse_iso8601(t.as_bytes()).ok_or(ParseError::BadTimestamp)?.0),
            None => None,
        };
        let st = &self.stash;
        Ok(Parsed::Event(Event {
            client: st.get(client),
            action: action_of(action_type),
            path: st.get(path),
            ..st.endpoint_event(ts, host, user, device, process)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::formats;

    type Seen = (Option<i64>, String, String, String, String, Action);

    fn parse_all(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut MdeParser::default(), text);
        let seen = t.events.into_iter().map(|e| {
            let d = |v: Option<String>| v.unwrap_or_default();
            (e.ts, e.host, d(e.user), d(e.device), d(e.process), e.action)
        });
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn streamed_and_flat_rows() {
        let streamed = r#"{"category":"AdvancedHunting-DeviceNetworkEvents","time":"2024-03-05T09:12:30Z","properties":{"Timestamp":"2024-03-05T09:12:00.9814521Z","DeviceName":"wks-017.corp.example","ActionType":"ConnectionSuccess","RemoteUrl":"chatgpt.com","LocalIP":"10.20.4.21","InitiatingProcessFileName":"chrome.exe","InitiatingProcessFolderPath":"c:\\program files\\google\\chrome\\application\\chrome.exe","InitiatingProcessAccountDomain":"corp","InitiatingProcessAccountName":"alice"}}"#;
        let flat = r#"{"Timestamp":"2024-03-05T09:13:00Z","DeviceName":"pc2","ActionType":"ConnectionFailed","RemoteUrl":"claude.ai","InitiatingProcessFileName":"claude.exe","InitiatingProcessAccountName":"bob","Type":"DeviceNetworkEvents"}"#;
        let dns_str = r#"{"Timestamp":"2024-03-05T09:14:00Z","DeviceName":"pc3","ActionType":"DnsConnectionInspected","RemoteUrl":"","AdditionalFields":"{\"query\":\"gemini.google.com\",\"qtype_name\":\"A\"}"}"#;
        let no_url = r#"{"Timestamp":"2024-03-05T09:14:00Z","DeviceName":"pc3","ActionType":"ConnectionSuccess","RemoteUrl":""}"#;
        let other = r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2024-03-05T09:14:00Z","RemoteUrl":"x.example"}}"#;
        let (ev, ig, er) =
            parse_all(&[streamed, flat, dns_str, no_url, other, "", "{", "x"].join("\r\n"));
        assert_eq!((ig, er), (2, 2));
        assert_eq!(
            ev[0],
            (
                Some(1_709_629_920),
                "chatgpt.com".into(),
                r"corp\alice".into(),
                "wks-017.corp.example".into(),
                r"c:\program files\google\chrome\application\chrome.exe".into(),
                Action::Allowed
            )
        );
        assert_eq!(
            (ev[1].2.as_str(), ev[1].4.as_str(), ev[1].5),
            ("bob", "claude.exe", Action::Unknown)
        );
        assert_eq!(ev[2].1, "gemini.google.com");
    }

    /// `HttpConnectionInspected` rows carry the request path in `AdditionalFields.uri`, as an
    /// object or a JSON string; it decides the evidence of tools with path rules (issue 18).
    /// Issue 19: a Log Analytics export of `DeviceNetworkEvents` whose query projected
    /// `TimeGenerated` and not `Timestamp` is recognized and read.
    #[test]
    fn issue_19_log_analytics_rows_with_time_generated_only() {
        let text = r#"{"TenantId":"5b3c8f1e-2d4a-4f6b-9c1d-7e8f9a0b1c2d","TimeGenerated":"2026-11-24T09:15:00.1234567Z","DeviceName":"wks-017.corp.example","ActionType":"ConnectionSuccess","RemoteUrl":"chatgpt.com","LocalIP":"10.20.1.15","InitiatingProcessFileName":"chrome.exe","InitiatingProcessAccountDomain":"corp","InitiatingProcessAccountName":"alice","Type":"DeviceNetworkEvents"}
"#;
        assert_eq!(
            formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("mde")
        );
        let (ev, ignored, errors) = parse_all(text);
        assert_eq!((ev.len(), ignored, errors), (1, 0, 0));
        assert_eq!(ev[0].0, Some(1_795_511_700));
        assert_eq!(ev[0].1, "chatgpt.com");
    }

    #[test]
    fn inspected_http_rows_carry_their_path() {
        let obj = r#"{"Timestamp":"2024-03-05T09:15:00Z","DeviceName":"pc4","ActionType":"HttpConnectionInspected","RemoteUrl":"","AdditionalFields":{"direction":"Out","host":"chatgpt.com","method":"GET","uri":"/share/6812a0f3","version":"1.1"}}"#;
        let string = r#"{"Timestamp":"2024-03-05T09:15:00Z","DeviceName":"pc4","ActionType":"HttpConnectionInspected","RemoteUrl":"chatgpt.com","AdditionalFields":"{\"host\":\"chatgpt.com\",\"uri\":\"/backend-api/conversation\"}"}"#;
        let plain = r#"{"Timestamp":"2024-03-05T09:15:00Z","DeviceName":"pc4","ActionType":"ConnectionSuccess","RemoteUrl":"chatgpt.com","AdditionalFields":{"uri":"/ignored"}}"#;
        let mut p = MdeParser::default();
        let mut path = |line: &str| match p.parse(line.as_bytes()) {
            Ok(Parsed::Event(e)) => (
                String::from_utf8_lossy(e.host).into_owned(),
                e.path.map(|p| String::from_utf8_lossy(p).into_owned()),
            ),
            other => panic!("{other:?}"),
        };
        assert_eq!(path(obj), ("chatgpt.com".into(), Some("/share/6812a0f3".into())));
        assert_eq!(
            path(string),
            ("chatgpt.com".into(), Some("/backend-api/conversation".into()))
        );
        assert_eq!(path(plain), ("chatgpt.com".into(), None));
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        let Some(hub) = crate::testutil::shared(
            "real-logs/endpoint-mde-json/elastic-integrations-m365_defender-test-device-DeviceNetworkEvents-lines14-15.log",
        ) else {
            return;
        };
        let (ev, ig, er) = parse_all(&hub);
        assert_eq!((ev.len(), ig, er), (2, 0, 0));
        assert_eq!(ev[0].1, "subdomain.domain.tld");
        assert_eq!(ev[0].2, r"corporatedomain\username");
        assert_eq!(ev[1].1, "janeslaptop1.corporatedomain");
        assert_eq!(Mde.sniff(hub.as_bytes()), 100);

        let Some(otrf) = crate::testutil::shared(
            "real-logs/endpoint-mde-json/otrf-GoldenSAMLADFSMailAccess-Microsoft365DefenderEvents.json",
        ) else {
            return;
        };
        let (ev, ig, er) = parse_all(&otrf);
        assert_eq!((ev.len(), ig, er), (0, 9, 0));
        assert_eq!(
            formats::detect(otrf.as_bytes()).map(|f| f.name()).ok(),
            Some("mde")
        );
    }
}
