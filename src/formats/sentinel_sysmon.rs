//! Sysmon DNS-query (event 22) and network-connection (event 3) events exported from
//! Microsoft Sentinel / Log Analytics as JSON lines: rows of the `WindowsEvent` table (Azure
//! Monitor Agent) and of the legacy `Event` table (Log Analytics / MMA agent). The CSV export
//! of the same tables is `sentinel-sysmon-csv`, which shares the reading of `EventData` below.
//!
//! Spec: Azure Monitor Logs table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/windowsevent>
//! (`EventData` *dynamic*: the event data as an object, which query results and exports write
//! as a JSON string; `Provider`, `Channel`, `Computer`, `EventID`, `TimeCreated`,
//! `TimeGenerated`) and
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/event>
//! (`EventData` a *string*: the raw event XML `<DataItem …><EventData><Data Name=…>`; `Source`,
//! `EventLog`, `Computer`, `EventID`, `RenderedDescription`, `TimeGenerated`); Sysmon's event
//! data, <https://learn.microsoft.com/en-us/sysinternals/downloads/sysmon>.
//!
//! | column | use |
//! |---|---|
//! | `EventID` | 22 or 3; any other id is ignored |
//! | `Provider` (WindowsEvent) / `Source` (Event) | another provider's event is ignored |
//! | `EventData` `QueryName` (22), `DestinationHostname` (3) | `host`; empty or `-` is ignored |
//! | `EventData` `Image` | `process` |
//! | `EventData` `User` | `user`, raw (`CORP\alice`) |
//! | `Computer` | `device` |
//! | `EventData` `UtcTime`, else `TimeCreated`, else the `<DataItem time=…>` of the XML, else `TimeGenerated` | `ts` |
//!
//! Quirks: `EventData` is read as a JSON object, a JSON string holding an object (what the
//! `WindowsEvent` export writes) or a string holding the event XML (the `Event` table), and its
//! values are unescaped into a buffer the parser reuses. `UserName` of the `Event` table is the
//! account Sysmon runs as (SYSTEM), not the user of the event, so it is never read (as
//! `sysmon-json` never reads `winlog.user`). A row whose `EventData` is null (Log Analytics
//! could not parse the event; `RawEventData` holds it) names no host: ignored, like any row
//! without a host. These exports share `EventID` and `Microsoft-Windows-Sysmon` with the
//! `sysmon-json` shapes; a key `EventData` tells them apart (Winlogbeat writes `event_data`,
//! NXLog and Security-Datasets flat keys).

use std::borrow::Cow;
use std::ops::Range;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, de_num};
use super::sysmon_json::Data;
use super::sysmon_xml::{attribute, data, decode_into};
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_iso8601;

/// Sysmon events 22 and 3 from Sentinel's `WindowsEvent` or `Event` table, JSON lines.
pub struct SentinelSysmon;

impl LogFormat for SentinelSysmon {
    fn name(&self) -> &'static str {
        "sentinel-sysmon"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "Sysmon DnsQuery (22) and NetworkConnect (3) from Microsoft Sentinel / Log Analytics (WindowsEvent or Event table), JSON lines"
    }
    fn fields(&self) -> &'static str {
        "EventID, Provider/Source, Computer, EventData (JSON or XML: QueryName/DestinationHostname, Image, User, UtcTime), TimeCreated/TimeGenerated"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/windowsevent"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/sentinel-sysmon/WindowsEvent.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        if memmem::find(head, b"Microsoft-Windows-Sysmon").is_none() {
            return 0;
        }
        score_lines(head, |line| {
            Some(
                line.starts_with(b"{")
                    && memmem::find(line, b"\"EventID\"").is_some()
                    && memmem::find(line, b"\"EventData\"").is_some(),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SentinelSysmonParser::default())
    }
}

/// `EventData`: an object, or a string holding JSON or XML.
#[derive(Deserialize)]
#[serde(untagged)]
enum EventDataField<'a> {
    Obj(#[serde(borrow)] Data<'a>),
    Str(#[serde(borrow)] Cow<'a, str>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "EventID", default, deserialize_with = "de_num")]
    id: Option<u64>,
    #[serde(rename = "Provider", borrow)]
    provider: Option<Cow<'a, str>>,
    #[serde(rename = "Source", borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(rename = "Computer", borrow)]
    computer: Option<Cow<'a, str>>,
    #[serde(rename = "TimeCreated", borrow)]
    time_created: Option<Cow<'a, str>>,
    #[serde(rename = "TimeGenerated", borrow)]
    time_generated: Option<Cow<'a, str>>,
    #[serde(rename = "EventData", borrow)]
    event_data: Option<EventDataField<'a>>,
}

/// A reused buffer holding one row's values, unescaped, addressed by ranges.
#[derive(Default)]
pub(super) struct Values {
    buf: Vec<u8>,
}

impl Values {
    /// Empties the buffer for the next row.
    pub(super) fn clear(&mut self) {
        self.buf.clear();
    }
    /// Copies a present value (not empty, not `-`) in.
    pub(super) fn put(&mut self, v: Option<&[u8]>) -> Option<Range<usize>> {
        let v = present(v?.trim_ascii())?;
        let start = self.buf.len();
        self.buf.extend_from_slice(v);
        Some(start..self.buf.len())
    }
    /// Copies a present XML text in, its entities decoded.
    fn put_xml(&mut self, v: Option<&[u8]>) -> Option<Range<usize>> {
        let v = present(v?.trim_ascii())?;
        let start = self.buf.len();
        decode_into(&mut self.buf, v);
        Some(start..self.buf.len())
    }
    /// The bytes of a range.
    pub(super) fn get(&self, r: &Option<Range<usize>>) -> Option<&[u8]> {
        r.clone().and_then(|r| self.buf.get(r))
    }
}

/// What this tool reads of a Sysmon event's data, as ranges in [`Values`].
#[derive(Default)]
pub(super) struct Sysmon {
    /// `QueryName` (22) or `DestinationHostname` (3).
    pub(super) host: Option<Range<usize>>,
    pub(super) image: Option<Range<usize>>,
    pub(super) user: Option<Range<usize>>,
    /// `UtcTime`: the event's own time, in UTC.
    pub(super) utc_time: Option<Range<usize>>,
    /// The `time` of the `Event` table's `<DataItem>` wrapper: collection time, with its offset.
    pub(super) item_time: Option<Range<usize>>,
}

fn from_data(id: u64, d: &Data<'_>, v: &mut Values) -> Sysmon {
    let put = |v: &mut Values, s: &Option<Cow<'_, str>>| v.put(s.as_deref().map(str::as_bytes));
    Sysmon {
        host: put(v, if id == 22 { &d.query_name } else { &d.dest_host }),
        image: put(v, &d.image),
        user: put(v, &d.user),
        utc_time: put(v, &d.utc_time),
        item_time: None,
    }
}

/// Reads `EventData` written as text: a JSON object (`WindowsEvent`) or the event XML
/// (`Event`). Anything else names no host.
pub(super) fn read_event_data(
    id: u64,
    text: &[u8],
    v: &mut Values,
    what: &'static str,
) -> Result<Sysmon, ParseError> {
    let text = text.trim_ascii();
    match text.first() {
        Some(b'{') => {
            let d: Data =
                serde_json::from_slice(text).map_err(|_| ParseError::Unrecognized(what))?;
            Ok(from_data(id, &d, v))
        }
        Some(b'<') => {
            let host = data(
                text,
                if id == 22 {
                    b"QueryName"
                } else {
                    b"DestinationHostname"
                },
            );
            Ok(Sysmon {
                host: v.put_xml(host),
                image: v.put_xml(data(text, b"Image")),
                user: v.put_xml(data(text, b"User")),
                utc_time: v.put_xml(data(text, b"UtcTime")),
                item_time: v.put(attribute(text, b"<DataItem", b"time=")),
            })
        }
        _ => Ok(Sysmon::default()),
    }
}

/// Whether a provider or source column names another provider than Sysmon.
pub(super) fn other_provider(p: Option<&[u8]>) -> bool {
    p.and_then(|p| present(p.trim_ascii()))
        .is_some_and(|p| memmem::find(p, b"Sysmon").is_none())
}

/// The event of a row: its time is the first of `UtcTime`, `times` (the table's time columns in
/// order of preference) that is present; `parse_time` reads the table's columns. `None` when
/// the row names no host.
pub(super) fn event<'v>(
    v: &'v Values,
    s: &Sysmon,
    device: &Option<Range<usize>>,
    times: &[Option<Range<usize>>],
    parse_time: fn(&[u8]) -> Option<i64>,
) -> Result<Option<Event<'v>>, ParseError> {
    let Some(host) = v.get(&s.host) else {
        return Ok(None);
    };
    let ts = match v.get(&s.utc_time) {
        Some(t) => Some(parse_iso8601(t).ok_or(ParseError::BadTimestamp)?.0),
        None => match times.iter().find_map(|t| v.get(t)) {
            Some(t) => Some(parse_time(t).ok_or(ParseError::BadTimestamp)?),
            None => None,
        },
    };
    Ok(Some(Event {
        ts,
        user: v.get(&s.user),
        host,
        action: Action::Allowed,
        source: SourceKind::Endpoint,
        device: v.get(device),
        process: v.get(&s.image),
        ..Event::default()
    }))
}

/// A column's bytes.
fn bytes<'c>(c: &'c Option<Cow<'_, str>>) -> Option<&'c [u8]> {
    c.as_deref().map(str::as_bytes)
}

#[derive(Default)]
struct SentinelSysmonParser {
    values: Values,
}

fn iso(t: &[u8]) -> Option<i64> {
    parse_iso8601(t).map(|(t, _)| t)
}

impl LineParser for SentinelSysmonParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(r) = json::object::<Record>(line, "sentinel-sysmon")? else {
            return Ok(Parsed::Meta);
        };
        let id = r.id.ok_or(ParseError::MissingField("EventID"))?;
        if !(id == 22 || id == 3)
            || other_provider(bytes(&r.provider))
            || other_provider(bytes(&r.source))
        {
            return Ok(Parsed::Ignored);
        }
        let v = &mut self.values;
        v.clear();
        let s = match &r.event_data {
            Some(EventDataField::Obj(d)) => from_data(id, d, v),
            Some(EventDataField::Str(t)) => read_event_data(id, t.as_bytes(), v, "sentinel-sysmon")?,
            Some(EventDataField::Other(_)) | None => Sysmon::default(),
        };
        let device = v.put(bytes(&r.computer));
        let times = [
            v.put(bytes(&r.time_created)),
            s.item_time.clone(),
            v.put(bytes(&r.time_generated)),
        ];
        let v = &self.values;
        Ok(match event(v, &s, &device, &times, iso)? {
            Some(e) => Parsed::Event(e),
            None => Parsed::Ignored,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats;
    use crate::testutil::{Owned, tally};

    fn run(text: &str) -> (Vec<Owned>, usize, usize) {
        let t = tally(&mut SentinelSysmonParser::default(), text);
        (t.events, t.ignored, t.errors)
    }

    #[test]
    fn windows_event_with_event_data_as_a_json_string_or_object() {
        let text = concat!(
            r#"{"TimeGenerated":"2026-11-24T09:15:02.101Z","Computer":"WKS-017.corp.example","EventID":22,"Provider":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","EventData":"{\"RuleName\":\"-\",\"UtcTime\":\"2026-11-24 09:15:00.123\",\"QueryName\":\"chatgpt.com\",\"Image\":\"C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe\",\"User\":\"CORP\\\\alice\"}","Type":"WindowsEvent"}"#,
            "\n",
            r#"{"TimeGenerated":"2026-11-24T09:16:02Z","TimeCreated":"2026-11-24T09:16:00Z","Computer":"WKS-018","EventID":"3","Provider":"Microsoft-Windows-Sysmon","EventData":{"DestinationHostname":"api.openai.com","Image":"C:\\Tools\\python.exe","User":"CORP\\bob"},"Type":"WindowsEvent"}"#,
            "\n",
            r#"{"TimeGenerated":"2026-11-24T09:17:00Z","Computer":"WKS-018","EventID":1,"Provider":"Microsoft-Windows-Sysmon","EventData":"{\"Image\":\"C:\\\\x.exe\"}"}"#,
            "\n",
            r#"{"TimeGenerated":"2026-11-24T09:17:00Z","Computer":"WKS-018","EventID":22,"Provider":"Microsoft-Windows-DNS-Client","EventData":"{\"QueryName\":\"claude.ai\"}"}"#,
            "\n",
            r#"{"TimeGenerated":"2026-11-24T09:17:00Z","Computer":"WKS-018","EventID":22,"Provider":"Microsoft-Windows-Sysmon","EventData":null,"RawEventData":"<Event/>"}"#,
            "\n",
        );
        let (ev, ignored, errors) = run(text);
        assert_eq!((ignored, errors), (3, 0));
        assert_eq!(
            ev,
            vec![
                Owned {
                    ts: Some(1_795_511_700),
                    user: Some("CORP\\alice".into()),
                    host: "chatgpt.com".into(),
                    source: SourceKind::Endpoint,
                    action: Action::Allowed,
                    device: Some("WKS-017.corp.example".into()),
                    process: Some(
                        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe".into()
                    ),
                    ..Owned::default()
                },
                Owned {
                    ts: Some(1_795_511_760),
                    user: Some("CORP\\bob".into()),
                    host: "api.openai.com".into(),
                    source: SourceKind::Endpoint,
                    action: Action::Allowed,
                    device: Some("WKS-018".into()),
                    process: Some("C:\\Tools\\python.exe".into()),
                    ..Owned::default()
                },
            ]
        );
    }

    #[test]
    fn event_table_with_event_data_as_xml() {
        let text = r#"{"TimeGenerated":"2023-11-24T07:27:06.255Z","Source":"Microsoft-Windows-Sysmon","EventLog":"Microsoft-Windows-Sysmon/Operational","Computer":"WindowsEventLog","EventID":22,"UserName":"NT AUTHORITY\\SYSTEM","EventData":"<DataItem type=\"System.XmlData\" time=\"2023-11-24T12:57:06.2557261+05:30\"><EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><Data Name=\"RuleName\">-</Data><Data Name=\"QueryName\">gemini.google.com</Data><Data Name=\"Image\">C:\\Apps\\R&amp;D\\app.exe</Data><Data Name=\"User\">CORP\\carol</Data></EventData></DataItem>","RenderedDescription":"Dns query: …","Type":"Event"}
"#;
        let (ev, ignored, errors) = run(text);
        assert_eq!((ignored, errors), (0, 0));
        assert_eq!(
            ev,
            vec![Owned {
                // No UtcTime: the DataItem's time, with its +05:30 offset, is 07:27:06 UTC.
                ts: Some(1_700_810_826),
                user: Some("CORP\\carol".into()),
                host: "gemini.google.com".into(),
                source: SourceKind::Endpoint,
                action: Action::Allowed,
                device: Some("WindowsEventLog".into()),
                process: Some("C:\\Apps\\R&D\\app.exe".into()),
                ..Owned::default()
            }]
        );
    }

    #[test]
    fn malformed_rows_are_errors() {
        let text = concat!(
            "not json\n",
            r#"{"Computer":"x","EventData":"{\"QueryName\":\"a.com\"}"}"#,
            "\n",
            r#"{"EventID":22,"EventData":"{\"QueryName\":\"a.com\",\"UtcTime\":\"yesterday\"}"}"#,
            "\n",
            r#"{"EventID":22,"EventData":"{\"QueryName\":\"a.com\""}"#,
            "\n",
        );
        let (ev, ignored, errors) = run(text);
        assert_eq!((ev.len(), ignored, errors), (0, 0, 4));
    }

    /// Issue 19: these rows were recognized as `sysmon-json`, and every one ignored.
    #[test]
    fn issue_19_sentinel_rows_are_not_sysmon_json() {
        let sample = SentinelSysmon.sample().as_bytes();
        assert_eq!(formats::by_name("sysmon-json").map(|f| f.sniff(sample)), Some(0));
        assert_eq!(
            formats::detect(sample).map(|f| f.name()).ok(),
            Some("sentinel-sysmon")
        );
        let (ev, _, errors) = run(SentinelSysmon.sample());
        assert!(ev.len() >= 5 && errors == 0, "{} events", ev.len());
    }
}
