//! Sysmon DNS-query (event 22) and network-connection (event 3) events in a CSV export of
//! Microsoft Sentinel / Log Analytics ("Export to CSV" of a query on the `Event` or
//! `WindowsEvent` table). The JSON-lines export is `sentinel-sysmon`, whose reading of
//! `EventData` this format shares.
//!
//! Spec: Azure Monitor Logs table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/event> and
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/windowsevent>;
//! the export's shape as seen in Microsoft's own samples (Azure-Sentinel `Sample Data/ASIM/
//! Microsoft_Sysmon_Dns_IngestedLogs.csv`): a header line naming the columns, a time column
//! with its display zone (`"TimeGenerated [Local Time]"` or `[UTC]`), RFC 4180 quoting (the
//! `EventData` XML with its quotes doubled).
//!
//! | column | use |
//! |---|---|
//! | `EventID` | 22 or 3; any other id is ignored |
//! | `Source` (Event) / `Provider` (WindowsEvent) | another provider's event is ignored |
//! | `EventData` (XML or JSON) `QueryName` (22), `DestinationHostname` (3) | `host` |
//! | `EventData` `Image` | `process` |
//! | `EventData` `User` | `user`, raw |
//! | `Computer` | `device` |
//! | `EventData` `UtcTime`, else `TimeCreated`, else `<DataItem time=…>`, else `TimeGenerated` | `ts` |
//!
//! Quirks: columns are found by name (a query may project any subset, in any order), a unit
//! suffix (`TimeGenerated [UTC]`) is dropped. `UtcTime` is what is read in practice; a
//! `TimeGenerated` in the exporter's local time (`11/24/2023, 12:57:06.255 PM`) has no zone and
//! is read as UTC, as the formats that log local time are. A quoted value spanning lines (a
//! multi-line `Message`) breaks its row into errors: leave `Message` out of the query.

use std::ops::Range;

use memchr::memmem;

use super::csv_fields::CsvSplitter;
use super::mde_csv::{export_time, header_line, header_names};
use super::sentinel_sysmon::{Values, event, other_provider, read_event_data};
use super::{LineParser, LogFormat, present};
use crate::error::ParseError;
use crate::event::{Parsed, SourceKind};
use crate::time::parse_u64;

/// Sysmon events 22 and 3 from Sentinel's `Event` or `WindowsEvent` table, CSV export.
pub struct SentinelSysmonCsv;

impl LogFormat for SentinelSysmonCsv {
    fn name(&self) -> &'static str {
        "sentinel-sysmon-csv"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "Sysmon DnsQuery (22) and NetworkConnect (3) from Microsoft Sentinel / Log Analytics (Event or WindowsEvent table), CSV export"
    }
    fn fields(&self) -> &'static str {
        "EventID, Source/Provider, Computer, EventData (XML or JSON: QueryName/DestinationHostname, Image, User, UtcTime), TimeGenerated (by header)"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/event"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/sentinel-sysmon-csv/Event.csv")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let Some(header) = header_line(head) else {
            return 0;
        };
        match Columns::from_header(&mut CsvSplitter::default(), header) {
            Some(_) if memmem::find(head, b"Microsoft-Windows-Sysmon").is_some() => 100,
            // A Log Analytics event export, of no Sysmon event in its first lines.
            Some(_) => 70,
            None => 0,
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SentinelSysmonCsvParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// Where the columns this format reads are, by index.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Columns {
    id: Option<usize>,
    data: Option<usize>,
    computer: Option<usize>,
    source: Option<usize>,
    provider: Option<usize>,
    time_created: Option<usize>,
    time_generated: Option<usize>,
}

impl Columns {
    /// The columns named by `line`, if it is an event-table header: it names `EventID` and
    /// `EventData`, and is not a JSON object.
    fn from_header(csv: &mut CsvSplitter, line: &[u8]) -> Option<Columns> {
        let mut c = Columns::default();
        for (i, name) in header_names(csv, line)? {
            let slot = match name {
                b"EventID" => &mut c.id,
                b"EventData" => &mut c.data,
                b"Computer" => &mut c.computer,
                b"Source" => &mut c.source,
                b"Provider" => &mut c.provider,
                b"TimeCreated" => &mut c.time_created,
                b"TimeGenerated" => &mut c.time_generated,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        (c.id.is_some() && c.data.is_some()).then_some(c)
    }
}

#[derive(Default)]
struct SentinelSysmonCsvParser {
    cols: Option<Columns>,
    csv: CsvSplitter,
    values: Values,
}

impl LineParser for SentinelSysmonCsvParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Ok(Parsed::Meta);
        }
        let SentinelSysmonCsvParser { cols, csv, values } = self;
        if let Some(c) = Columns::from_header(csv, line) {
            *cols = Some(c);
            return Ok(Parsed::Meta);
        }
        let c = cols.ok_or(ParseError::MissingField("header"))?;
        let f = csv.split(line, usize::MAX);
        let cell = |col: Option<usize>| col.and_then(|i| (i < f.len()).then(|| f.get(i)));
        let id = cell(c.id)
            .ok_or(ParseError::MissingField("EventID"))
            .and_then(|v| parse_u64(v.trim_ascii()).ok_or(ParseError::BadNumber("EventID")))?;
        if !(id == 22 || id == 3) || other_provider(cell(c.source)) || other_provider(cell(c.provider))
        {
            return Ok(Parsed::Ignored);
        }
        values.clear();
        let data = cell(c.data).and_then(|d| present(d.trim_ascii()));
        let s = match data {
            Some(d) => read_event_data(id, d, values, "sentinel-sysmon-csv")?,
            None => return Ok(Parsed::Ignored),
        };
        let device = values.put(cell(c.computer));
        let times: [Option<Range<usize>>; 3] = [
            values.put(cell(c.time_created)),
            s.item_time.clone(),
            values.put(cell(c.time_generated)),
        ];
        let values: &'a Values = values;
        Ok(match event(values, &s, &device, &times, export_time)? {
            Some(e) => Parsed::Event(e),
            None => Parsed::Ignored,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats;
    use crate::testutil::{Owned, shared, tally};

    fn run(text: &str) -> (Vec<Owned>, usize, usize) {
        let t = tally(&mut SentinelSysmonCsvParser::default(), text);
        (t.events, t.ignored, t.errors)
    }

    #[test]
    fn windows_event_csv_with_json_event_data_and_a_projected_header() {
        let text = concat!(
            "\u{feff}\"TimeGenerated [UTC]\",Computer,EventID,Provider,EventData\n",
            "\"2026-11-24T09:15:02.101Z\",WKS-017,22,Microsoft-Windows-Sysmon,\"{\"\"QueryName\"\":\"\"chatgpt.com\"\",\"\"Image\"\":\"\"C:\\\\chrome.exe\"\",\"\"User\"\":\"\"CORP\\\\alice\"\"}\"\n",
            "\"2026-11-24T09:16:00Z\",WKS-017,5,Microsoft-Windows-Sysmon,\"{}\"\n",
            "\"2026-11-24T09:16:00Z\",WKS-017,22,Microsoft-Windows-DNS-Client,\"{\"\"QueryName\"\":\"\"x.com\"\"}\"\n",
            "\"11/24/2026, 9:17:00.000 AM\",WKS-017,3,Microsoft-Windows-Sysmon,\"{\"\"DestinationHostname\"\":\"\"claude.ai\"\"}\"\n",
            "\"2026-11-24T09:16:00Z\",WKS-017,twenty-two,Microsoft-Windows-Sysmon,\"{}\"\n",
        );
        let (ev, ignored, errors) = run(text);
        assert_eq!((ignored, errors), (2, 1));
        let got: Vec<_> = ev
            .iter()
            .map(|e| (e.ts, e.host.as_str(), e.user.as_deref(), e.device.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Some(1_795_511_702),
                    "chatgpt.com",
                    Some("CORP\\alice"),
                    Some("WKS-017")
                ),
                (Some(1_795_511_820), "claude.ai", None, Some("WKS-017")),
            ]
        );
    }

    #[test]
    fn rows_before_a_header_are_errors() {
        let (ev, ignored, errors) = run("WKS-017,22,\"<x/>\"\n");
        assert_eq!((ev.len(), ignored, errors), (0, 0, 1));
    }

    /// Issue 19: Microsoft's own Sentinel samples of Sysmon in the `Event` table (EID 22 and
    /// EID 3), exported to CSV, read as events with Sysmon's UTC time.
    #[test]
    fn real_vendor_samples() {
        // (file, lines, events, ignored, first host, first time)
        for (file, lines, events, ignored, host, ts) in [
            (
                "real-logs/endpoint-sysmon-sentinel/azure-sentinel-Microsoft_Sysmon_Dns_IngestedLogs-head8.csv",
                8,
                7,
                0,
                "gcs.prod.monitoring.core.windows.net",
                "2023-11-24T07:27:05Z",
            ),
            (
                "real-logs/endpoint-sysmon-sentinel/azure-sentinel-Microsoft_Sysmon_NetworkSession_IngestedLogs-head6.csv",
                6,
                0,
                5,
                "",
                "",
            ),
        ] {
            let Some(text) = shared(file) else {
                return;
            };
            let (ev, ign, errors) = run(&text);
            assert_eq!(
                (text.lines().count(), ev.len(), ign, errors),
                (lines, events, ignored, 0),
                "{file}"
            );
            if let Some(first) = ev.first() {
                assert_eq!(first.host, host);
                assert_eq!(first.ts.map(crate::time::fmt_rfc3339).as_deref(), Some(ts));
                assert_eq!(first.device.as_deref(), Some("WindowsEventLog"));
            }
            assert_eq!(
                formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("sentinel-sysmon-csv"),
                "{file}"
            );
        }
    }
}
