//! Microsoft Defender for Endpoint `DeviceNetworkEvents` as a CSV export of an Advanced Hunting
//! query result (the Defender portal's "Export"; Sentinel / Log Analytics exports of the same
//! table read too). The JSON variants are `mde`.
//!
//! Spec: <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkevents-table>
//! (columns `Timestamp`, `DeviceId`, `DeviceName`, `ActionType`, `RemoteIP`, `RemotePort`,
//! `RemoteUrl`, `LocalIP`, `LocalPort`, `Protocol`, …, `InitiatingProcessFileName`,
//! `InitiatingProcessFolderPath`, `InitiatingProcessAccountDomain`,
//! `InitiatingProcessAccountName`, …). A query may project any subset in any order, so the
//! header line drives the parse: columns are found by name, extra columns are skipped.
//!
//! | column | use |
//! |---|---|
//! | `RemoteUrl` (empty → the row is ignored) | `host` |
//! | `Timestamp`, else `TimeGenerated` | `ts` |
//! | `DeviceName` | `device` |
//! | `InitiatingProcessAccountDomain` + `InitiatingProcessAccountName` | `user` as `domain\name` (or the name alone) |
//! | `InitiatingProcessFolderPath`, else `InitiatingProcessFileName` | `process` |
//! | `LocalIP` | `client` |
//! | `ActionType` | as `mde`: `…Blocked` → blocked; `ConnectionFailed` → unknown; others → allowed |
//! | `Type` (Sentinel) | rows of another table are ignored |
//!
//! Quirks (assumed, not seen in a vendor sample): RFC 4180 quoting (`"a,b"`, `""` for a quote);
//! a UTF-8 BOM before the header; header names with a unit suffix (`Timestamp [UTC]`, as Log
//! Analytics writes); times as ISO 8601 (`2026-11-24T09:15:00.1234567Z`) or US-style
//! `11/24/2026 9:15:00 AM` / `11/24/2026, 9:15:00.000 AM`, both read as UTC (Advanced Hunting
//! times are UTC). A quoted value spanning lines (a command line with a newline) breaks
//! that row into errors. `DnsConnectionInspected` rows without a `RemoteUrl` are ignored: the
//! `AdditionalFields` JSON inside the CSV is not read here (the `mde` JSON format reads it).

use memchr::memchr;

use super::csv_fields::CsvSplitter;
use super::mde::action_of;
use super::{LineParser, LogFormat, present};
use crate::error::ParseError;
use crate::event::{Event, Parsed, SourceKind};
use crate::time::{parse_iso8601, parse_u64, unix_seconds};

/// Microsoft Defender for Endpoint DeviceNetworkEvents, CSV export with a header line.
pub struct MdeCsv;

impl LogFormat for MdeCsv {
    fn name(&self) -> &'static str {
        "mde-csv"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "Microsoft Defender for Endpoint DeviceNetworkEvents, Advanced Hunting CSV export"
    }
    fn fields(&self) -> &'static str {
        "Timestamp, DeviceName, ActionType, RemoteUrl, LocalIP, InitiatingProcessFolderPath/FileName, InitiatingProcessAccountDomain/Name (by header)"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkevents-table"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/mde-csv/DeviceNetworkEvents.csv")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        let Some(header) = header_line(head) else {
            return 0;
        };
        match Columns::from_header(&mut CsvSplitter::default(), header) {
            Some(c) if c.url.is_some() && c.action.is_some() => 100,
            Some(_) => 70,
            None => 0,
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(MdeCsvParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// Where the columns this format reads are, by index.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Columns {
    ts: Option<usize>,
    time_generated: Option<usize>,
    device: Option<usize>,
    action: Option<usize>,
    url: Option<usize>,
    local_ip: Option<usize>,
    folder: Option<usize>,
    file: Option<usize>,
    domain: Option<usize>,
    account: Option<usize>,
    table: Option<usize>,
}

impl Columns {
    /// The columns named by `line`, if it is a DeviceNetworkEvents-style header: it names
    /// `DeviceName` and a time column, and is not a JSON object.
    fn from_header(csv: &mut CsvSplitter, line: &[u8]) -> Option<Columns> {
        let mut c = Columns::default();
        for (i, name) in header_names(csv, line)? {
            let slot = match name {
                b"Timestamp" => &mut c.ts,
                b"TimeGenerated" => &mut c.time_generated,
                b"DeviceName" => &mut c.device,
                b"ActionType" => &mut c.action,
                b"RemoteUrl" => &mut c.url,
                b"LocalIP" => &mut c.local_ip,
                b"InitiatingProcessFolderPath" => &mut c.folder,
                b"InitiatingProcessFileName" => &mut c.file,
                b"InitiatingProcessAccountDomain" => &mut c.domain,
                b"InitiatingProcessAccountName" => &mut c.account,
                b"Type" => &mut c.table,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        (c.device.is_some() && (c.ts.is_some() || c.time_generated.is_some())).then_some(c)
    }
}

/// A row's values for the columns read: absent ones (see [`value`]) are `None`, except the
/// action type, kept as written.
#[derive(Default)]
struct Row<'a> {
    ts: Option<&'a [u8]>,
    device: Option<&'a [u8]>,
    action: Option<&'a [u8]>,
    url: Option<&'a [u8]>,
    local_ip: Option<&'a [u8]>,
    process: Option<&'a [u8]>,
    file: Option<&'a [u8]>,
    domain: Option<&'a [u8]>,
    account: Option<&'a [u8]>,
    table: Option<&'a [u8]>,
}

#[derive(Default)]
struct MdeCsvParser {
    cols: Option<Columns>,
    /// Splits the lines; the event's values live in it.
    csv: CsvSplitter,
    /// The user joined as `domain\name`, for the current line.
    user: Vec<u8>,
}

/// `None` for absent values: empty, `-`, or only spaces.
fn value(v: &[u8]) -> Option<&[u8]> {
    present(v.trim_ascii())
}

/// US-style export times: `11/24/2026 9:15:00 AM`, `11/24/2026, 9:15:00.000 PM`, or 24-hour
/// without the AM/PM marker.
fn parse_us_time(b: &[u8]) -> Option<i64> {
    let mut parts = b
        .split(|&c| c == b' ' || c == b',')
        .filter(|p| !p.is_empty());
    let mut date = parts.next()?.split(|&c| c == b'/');
    let m = parse_u64(date.next()?)?;
    let d = parse_u64(date.next()?)?;
    let y = parse_u64(date.next()?)?;
    let clock = parts.next()?;
    let clock = match memchr(b'.', clock) {
        Some(k) => clock.get(..k)?,
        None => clock,
    };
    let mut hms = clock.split(|&c| c == b':');
    let mut h = parse_u64(hms.next()?)?;
    let mi = parse_u64(hms.next()?)?;
    let s = hms.next().map_or(Some(0), parse_u64)?;
    match parts.next() {
        Some(p) if p.eq_ignore_ascii_case(b"AM") && (1..=12).contains(&h) => h %= 12,
        Some(p) if p.eq_ignore_ascii_case(b"PM") && (1..=12).contains(&h) => h = h % 12 + 12,
        Some(_) => return None,
        None => {}
    }
    if !(1..=9999).contains(&y) || date.next().is_some() || hms.next().is_some() {
        return None;
    }
    let small = |n: u64| u32::try_from(n).ok();
    unix_seconds(
        i64::try_from(y).ok()?,
        small(m)?,
        small(d)?,
        small(h)?,
        small(mi)?,
        small(s)?,
    )
}

/// Export times: ISO 8601, or the portal's US-style local time. Shared by the portal exports
/// (`mde-csv`, `sentinel-sysmon-csv`): the same "Export" writes both.
pub(super) fn export_time(v: &[u8]) -> Option<i64> {
    parse_iso8601(v)
        .map(|(t, _)| t)
        .or_else(|| parse_us_time(v))
}

/// The first non-blank line of a file's head: where a portal export has its header line.
/// Shared by the portal exports' sniffing (`mde-csv`, `sentinel-sysmon-csv`).
pub(super) fn header_line(head: &[u8]) -> Option<&[u8]> {
    head.split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty())
}

/// The column names of a portal export's header `line`, with their indexes: a UTF-8 BOM before
/// the header is skipped and a unit suffix dropped (`Timestamp [UTC]`, as Log Analytics writes,
/// names `Timestamp`). `None` when the line cannot be a header: a JSON object, or no comma.
/// Shared by the portal exports (`mde-csv`, `sentinel-sysmon-csv`): Defender and Log Analytics
/// write their headers the same way, only the columns looked for differ.
pub(super) fn header_names<'c>(
    csv: &'c mut CsvSplitter,
    line: &[u8],
) -> Option<impl Iterator<Item = (usize, &'c [u8])> + use<'c>> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line).trim_ascii();
    if line.first() == Some(&b'{') || memchr(b',', line).is_none() {
        return None;
    }
    let names = csv.split(line, usize::MAX).iter().enumerate();
    Some(names.map(|(i, name)| {
        let name = match memchr::memmem::find(name, b" [") {
            Some(k) => &name[..k],
            None => name,
        };
        (i, name.trim_ascii())
    }))
}

impl LineParser for MdeCsvParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Ok(Parsed::Meta);
        }
        let MdeCsvParser { cols, csv, user } = self;
        if let Some(c) = Columns::from_header(csv, line) {
            *cols = Some(c);
            return Ok(Parsed::Meta);
        }
        let c = cols.ok_or(ParseError::MissingField("header"))?;
        let Some(url_at) = c.url else {
            // A table or projection without RemoteUrl: nothing here names a host.
            return Ok(Parsed::Ignored);
        };
        let fields = csv.split(line, usize::MAX);
        if fields.len() <= url_at {
            return Err(ParseError::MissingField("RemoteUrl"));
        }
        let mut row = Row::default();
        for (i, f) in fields.iter().enumerate() {
            let is = |col: Option<usize>| col == Some(i);
            if is(c.url) {
                row.url = value(f);
            } else if is(c.ts) || (c.ts.is_none() && is(c.time_generated)) {
                row.ts = value(f);
            } else if is(c.device) {
                row.device = value(f);
            } else if is(c.action) {
                // Trimmed only, not `value`: `-` reads as allowed, as any unknown type.
                row.action = Some(f.trim_ascii());
            } else if is(c.local_ip) {
                row.local_ip = value(f);
            } else if is(c.folder) {
                row.process = value(f);
            } else if is(c.file) {
                row.file = value(f);
            } else if is(c.domain) {
                row.domain = value(f);
            } else if is(c.account) {
                row.account = value(f);
            } else if is(c.table) {
                row.table = value(f);
            }
        }
        if row.table.is_some_and(|t| t != b"DeviceNetworkEvents") {
            return Ok(Parsed::Ignored);
        }
        let ts = match row.ts {
            Some(t) => Some(export_time(t).ok_or(ParseError::BadTimestamp)?),
            None => None,
        };
        let action = action_of(
            row.action
                .and_then(|a| std::str::from_utf8(a).ok())
                .unwrap_or(""),
        );
        let Some(host) = row.url else {
            return Ok(Parsed::Ignored);
        };
        let user = match (row.domain, row.account) {
            (_, None) => None,
            (None, name) => name,
            (Some(domain), Some(name)) => {
                user.clear();
                user.extend_from_slice(domain);
                user.push(b'\\');
                user.extend_from_slice(name);
                let user: &'a Vec<u8> = user;
                Some(user.as_slice())
            }
        };
        Ok(Parsed::Event(Event {
            ts,
            user,
            client: row.local_ip,
            host,
            action,
            source: SourceKind::Endpoint,
            device: row.device,
            process: row.process.or(row.file),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::event::Action;
    use crate::formats;

    type Seen = (Option<i64>, String, String, String, String, String, Action);

    fn parse_all(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut MdeCsvParser::default(), text);
        let seen = t.events.into_iter().map(|e| {
            let d = |v: Option<String>| v.unwrap_or_default();
            (e.ts, e.host, d(e.user), d(e.device), d(e.process), d(e.client), e.action)
        });
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn portal_export_rows() {
        let text = "\u{feff}Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,Protocol,InitiatingProcessFileName,InitiatingProcessFolderPath,InitiatingProcessAccountDomain,InitiatingProcessAccountName,AdditionalFields\r\n\
            \"2026-11-24T09:15:00.1234567Z\",\"a1b2\",\"wks-017.corp.example\",\"ConnectionSuccess\",\"104.18.32.47\",\"443\",\"chatgpt.com\",\"10.20.4.21\",\"Tcp\",\"chrome.exe\",\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\",\"corp\",\"alice\",\"{\"\"direction\"\":\"\"Out\"\"}\"\r\n\
            2026-11-24T09:16:00Z,a1b2,pc2,ConnectionFailed,160.79.104.10,443,claude.ai,,Tcp,claude.exe,,,bob,\r\n\
            \"11/24/2026 9:17:05 PM\",\"c3\",\"pc3\",\"ConnectionSuccess\",\"10.0.0.5\",\"445\",\"\",\"10.0.0.9\",\"Tcp\",\"System\",\"\",\"\",\"\",\"\"\r\n\
            \"11/24/2026, 12:05:00.000 AM\",\"c3\",\"pc3\",\"NetworkSignatureInspected\",\"1.2.3.4\",\"80\",\"say \"\"hi\"\".example\",\"10.0.0.9\",\"Tcp\",\"curl.exe\",\"\",\"corp\",\"\",\"\"\r\n\
            \"yesterday\",\"c3\",\"pc3\",\"ConnectionSuccess\",\"1.2.3.4\",\"80\",\"x.example\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n\
            \"2026-11-24T09:16:00Z\",\"short\"\r\n";
        let (ev, ig, er) = parse_all(text);
        assert_eq!((ev.len(), ig, er), (3, 1, 2));
        assert_eq!(
            ev[0],
            (
                Some(1_795_511_700),
                "chatgpt.com".into(),
                r"corp\alice".into(),
                "wks-017.corp.example".into(),
                r"C:\Program Files\Google\Chrome\Application\chrome.exe".into(),
                "10.20.4.21".into(),
                Action::Allowed
            )
        );
        assert_eq!(
            (ev[1].2.as_str(), ev[1].4.as_str(), ev[1].5.as_str(), ev[1].6),
            ("bob", "claude.exe", "", Action::Unknown)
        );
        assert_eq!(ev[2].0, Some(1_795_478_700));
        assert_eq!((ev[2].1.as_str(), ev[2].2.as_str()), ("say \"hi\".example", ""));
    }

    #[test]
    fn header_order_suffixes_and_other_tables() {
        let text = "RemoteUrl,DeviceName,TimeGenerated [UTC],Type,ActionType\n\
            gemini.google.com,LT-1,\"11/24/2026, 9:15:00.000 AM\",DeviceNetworkEvents,HttpConnectionInspected\n\
            x.example,LT-1,2026-11-24T09:15:00Z,DeviceProcessEvents,ProcessCreated\n";
        let (ev, ig, er) = parse_all(text);
        assert_eq!((ev.len(), ig, er), (1, 1, 0));
        assert_eq!(
            (ev[0].0, ev[0].1.as_str(), ev[0].3.as_str(), ev[0].6),
            (Some(1_795_511_700), "gemini.google.com", "LT-1", Action::Allowed)
        );
        // No header yet: an error, not a guess.
        assert!(MdeCsvParser::default().parse(b"a,b,c").is_err());
        // A projection without RemoteUrl: rows are ignored.
        let (ev, ig, er) = parse_all("Timestamp,DeviceName\n2026-11-24T09:15:00Z,pc\n");
        assert_eq!((ev.len(), ig, er), (0, 1, 0));
    }

    #[test]
    fn us_times() {
        assert_eq!(parse_us_time(b"1/1/1970 12:00:00 AM"), Some(0));
        assert_eq!(parse_us_time(b"1/1/1970 12:00:01 PM"), Some(43_201));
        assert_eq!(parse_us_time(b"1/1/1970 13:00"), Some(46_800));
        assert_eq!(parse_us_time(b"1/1/1970 13:00:00 PM"), None);
        assert_eq!(parse_us_time(b"13/1/1970 1:00:00"), None);
        assert_eq!(parse_us_time(b"1/1/1970"), None);
    }

    #[test]
    fn sample_parses_and_real_json_exports_are_not_claimed() {
        let (ev, ig, er) = parse_all(MdeCsv.sample());
        assert_eq!(er, 0);
        assert_eq!((ev.len(), ig), (19, 1));
        assert_eq!(ev.iter().filter(|e| e.6 == Action::Blocked).count(), 1);
        assert_eq!(ev[0].2, r"corp\alice");
        assert!(ev.iter().all(|e| e.0.is_some() && !e.3.is_empty() && !e.4.is_empty()));
        // No CSV export is among the vendor samples; the JSON ones must stay `mde`.
        for rel in [
            "real-logs/endpoint-mde-json/elastic-integrations-m365_defender-test-device-DeviceNetworkEvents-lines14-15.log",
            "real-logs/endpoint-mde-json/otrf-GoldenSAMLADFSMailAccess-Microsoft365DefenderEvents.json",
        ] {
            let Some(text) = crate::testutil::shared(rel) else {
                return;
            };
            assert_eq!(MdeCsv.sniff(text.as_bytes()), 0, "{rel}");
            assert_eq!(
                formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
                Some("mde")
            );
        }
    }
}
