//! Windows Server DNS analytical events (the ETW channel
//! `Microsoft-Windows-DNSServer/Analytical`) as PowerShell exports them:
//! `Get-WinEvent … | ConvertTo-Json` (pretty-printed, one member per line), one compact object
//! per line (`… | ForEach-Object { $_ | ConvertTo-Json -Compress }`), or `Export-Csv`.
//!
//! Spec: Microsoft, "DNS logging and diagnostics", analytic event table
//! (<https://learn.microsoft.com/en-us/windows-server/networking/dns/dns-logging-and-diagnostics>).
//! Event 256 is
//!
//! `QUERY_RECEIVED: TCP=0; InterfaceIP=192.168.51.11; Source=192.168.1.101; RD=1; QNAME=www.abayoumy.tech.; QTYPE=1; XID=30291; Port=57943; Flags=256; PacketData=0x…`
//!
//! and the exported record carries it as its `Message`, beside `Id` and `TimeCreated`:
//!
//! | member / column | use |
//! |---|---|
//! | `Message` starting `QUERY_RECEIVED:` (event 256) | the query; every other event is ignored |
//! | `QNAME=` in the message | `host` |
//! | `Source=` in the message | `client` |
//! | `TimeCreated`: `\/Date(ms)\/` (Windows PowerShell 5.1 JSON), ISO 8601 (PowerShell 7), or the CSV's culture format | `ts` |
//!
//! Quirks: one query yields events 256 (received), 257/258 (response) and, when the server
//! recurses, 260/261 (its own upstream query): only 256 is counted, so a query is one event.
//! This is not the DNS *debug* log (`dns.log`, read by `windows-dns`). In the pretty JSON a
//! record spans many lines: its event is reported on the line that completes it (the later of
//! `Message` and `TimeCreated`), the others are structure; a compact object per line is a
//! record of its own. A whole array compressed onto one line is one line longer than the line
//! cap for any real export: export one object per line instead. `Export-Csv` writes
//! `TimeCreated` in the exporting machine's culture, as local time: `M/d/yyyy h:mm:ss tt`
//! (day first when the first number exceeds 12), `dd.MM.yyyy HH:mm:ss` and ISO are read, as UTC.
//! DNS policy denials appear only on the response events, so queries carry no action.

use memchr::memmem;

use super::csv_fields::CsvSplitter;
use super::{LineParser, LogFormat};
use crate::error::ParseError;
use crate::event::{Event, Parsed, SourceKind};
use crate::time::{parse_iso8601, parse_u64, unix_seconds};

/// Windows DNS Server analytical (ETW) events exported by `Get-WinEvent`.
pub struct WindowsDnsAnalytical;

/// The analytical events' message names (the text before the `:`).
const EVENT_NAMES: [&[u8]; 8] = [
    b"QUERY_RECEIVED:",
    b"RESPONSE_SUCCESS:",
    b"RESPONSE_FAILURE:",
    b"IGNORED_QUERY:",
    b"RECURSE_QUERY_OUT:",
    b"RECURSE_RESPONSE_IN:",
    b"RECURSE_QUERY_TIMEOUT:",
    b"INTERNAL_LOOKUP_CNAME:",
];

impl LogFormat for WindowsDnsAnalytical {
    fn name(&self) -> &'static str {
        "windows-dns-analytical"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Dns
    }
    fn about(&self) -> &'static str {
        "Windows Server DNS analytical ETW events (256 QUERY_RECEIVED) exported by Get-WinEvent as JSON or CSV"
    }
    fn fields(&self) -> &'static str {
        "Message (QNAME, Source), TimeCreated"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/windows-server/networking/dns/dns-logging-and-diagnostics"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/windows-dns-analytical/analytical.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        // A pretty-printed record is 40 lines of which one holds the message: judge the head
        // as a whole, not line by line.
        let events = head
            .split(|&b| b == b'\n')
            .filter(|l| message_of_line(l).is_some_and(|m| EVENT_NAMES.iter().any(|n| m.starts_with(n))))
            .count();
        let provider = memmem::find(head, b"Microsoft-Windows-DNSServer").is_some();
        match (events, provider) {
            (0, _) => 0,
            (_, true) => 100,
            (_, false) => 80,
        }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(EtwParser::default())
    }
    fn stateful(&self) -> bool {
        true
    }
}

/// The `Message` of a JSON line (`"Message":  "…"`) or a CSV row (its first quoted field
/// holding an event name), raw (JSON escapes left in: none occurs in the fields read).
fn message_of_line(line: &[u8]) -> Option<&[u8]> {
    if let Some(v) = json_member(line, b"\"Message\":") {
        return json_string(v);
    }
    let at = EVENT_NAMES.iter().filter_map(|n| memmem::find(line, n)).min()?;
    Some(&line[at..])
}

/// What follows `key` (with its quotes and colon) in `line`, spaces skipped.
fn json_member<'l>(line: &'l [u8], key: &[u8]) -> Option<&'l [u8]> {
    let at = memmem::find(line, key)?;
    Some(line[at + key.len()..].trim_ascii_start())
}

/// The raw content of the JSON string opening `v`.
fn json_string(v: &[u8]) -> Option<&[u8]> {
    let v = v.strip_prefix(b"\"")?;
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'\\' => i += 2,
            b'"' => return Some(&v[..i]),
            _ => i += 1,
        }
    }
    Some(v)
}

/// The value of `key=` in an analytical message (`…; QNAME=chatgpt.com.; …`).
fn message_value<'m>(msg: &'m [u8], key: &[u8]) -> Option<&'m [u8]> {
    let mut from = 0;
    while let Some(i) = memmem::find(&msg[from..], key) {
        let at = from + i;
        if at == 0 || matches!(msg[at - 1], b' ' | b';' | b':') {
            let v = &msg[at + key.len()..];
            let end = memchr::memchr(b';', v).unwrap_or(v.len());
            let v = v[..end].trim_ascii();
            return (!v.is_empty()).then_some(v);
        }
        from = at + key.len();
    }
    None
}

/// `TimeCreated` as exported: `\/Date(1795511700123)\/`, ISO 8601, `11/24/2026 9:15:00 AM`,
/// `24.11.2026 09:15:00`.
fn time_created(v: &[u8]) -> Option<i64> {
    if let Some(at) = memmem::find(v, b"Date(") {
        let digits = &v[at + 5..];
        let neg = digits.first() == Some(&b'-');
        let digits = if neg { &digits[1..] } else { digits };
        let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
        let ms = i64::try_from(parse_u64(&digits[..n])?).ok()?;
        return Some(if neg { -ms } else { ms }.div_euclid(1000));
    }
    if let Some((t, _)) = parse_iso8601(v) {
        return Some(t);
    }
    let (date, clock) = v.trim_ascii().split_at(v.trim_ascii().iter().position(|&c| c == b' ')?);
    let sep = if date.contains(&b'/') { b'/' } else { b'.' };
    let mut parts = date.split(|&c| c == sep).map(parse_u64);
    let (a, b, y) = (parts.next()??, parts.next()??, parts.next()??);
    let (mut month, mut day) = if sep == b'.' { (b, a) } else { (a, b) };
    if sep == b'/' && month > 12 {
        (month, day) = (day, month);
    }
    let clock = clock.trim_ascii();
    let (hms, ampm) = match clock.iter().position(|&c| c == b' ') {
        Some(i) => (&clock[..i], Some(clock[i + 1..].trim_ascii())),
        None => (clock, None),
    };
    let mut t = hms.split(|&c| c == b':').map(parse_u64);
    let (mut hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    match ampm {
        Some(p) if p.eq_ignore_ascii_case(b"PM") && hh < 12 => hh += 12,
        Some(p) if p.eq_ignore_ascii_case(b"AM") && hh == 12 => hh = 0,
        _ => {}
    }
    let n = |x: u64| u32::try_from(x).ok();
    unix_seconds(i64::try_from(y).ok()?, n(month)?, n(day)?, n(hh)?, n(mm)?, n(ss)?)
}

/// Column positions in an `Export-Csv` header.
#[derive(Clone, Copy, Debug)]
struct Columns {
    message: usize,
    time: usize,
}

/// What a pretty-printed record has shown so far.
#[derive(Default)]
struct Pending {
    /// The message was seen: whether it was a query, with its name and source copied.
    message: Option<bool>,
    /// `TimeCreated` was seen (and read).
    time: Option<i64>,
}

#[derive(Default)]
struct EtwParser {
    csv: CsvSplitter,
    columns: Option<Columns>,
    pending: Pending,
    qname: Vec<u8>,
    source: Vec<u8>,
}

/// Copies a message's query name and source into `qname` and `source`; whether it was a
/// query (event 256) with a name.
fn take_message(qname: &mut Vec<u8>, source: &mut Vec<u8>, msg: &[u8]) -> bool {
    qname.clear();
    source.clear();
    let query = msg.trim_ascii_start().starts_with(b"QUERY_RECEIVED:");
    let Some(name) = message_value(msg, b"QNAME=").filter(|_| query) else {
        return false;
    };
    qname.extend_from_slice(name);
    if let Some(src) = message_value(msg, b"Source=") {
        source.extend_from_slice(src);
    }
    true
}

impl EtwParser {
    fn event(&self, ts: Option<i64>) -> Parsed<'_> {
        Parsed::Event(Event {
            ts,
            client: (!self.source.is_empty()).then_some(&self.source[..]),
            host: &self.qname,
            source: SourceKind::Dns,
            ..Event::default()
        })
    }

    fn csv_row<'a>(&'a mut self, cols: Columns, line: &[u8]) -> Result<Parsed<'a>, ParseError> {
        let fields = self.csv.split(line, cols.message.max(cols.time) + 1);
        let (msg, time) = (fields.get(cols.message), fields.get(cols.time));
        if fields.len() <= cols.message.max(cols.time) {
            return Err(ParseError::MissingField("TimeCreated"));
        }
        let ts = match time.trim_ascii() {
            b"" => None,
            t => Some(time_created(t).ok_or(ParseError::BadTimestamp)?),
        };
        if take_message(&mut self.qname, &mut self.source, msg) {
            Ok(self.event(ts))
        } else {
            Ok(Parsed::Ignored)
        }
    }

    fn header(&mut self, line: &[u8]) -> Option<Columns> {
        let fields = self.csv.split(line, 64);
        let find = |name: &[u8]| (0..fields.len()).find(|&i| fields.get(i).eq_ignore_ascii_case(name));
        Some(Columns {
            message: find(b"Message")?,
            time: find(b"TimeCreated")?,
        })
    }
}

impl LineParser for EtwParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#TYPE") {
            return Ok(Parsed::Meta);
        }
        if trimmed.starts_with(b"\"Message\",") || trimmed.starts_with(b"Message,") {
            self.columns = self.header(trimmed);
            return Ok(Parsed::Meta);
        }
        if let Some(cols) = self.columns
            && !trimmed.starts_with(b"{")
        {
            return self.csv_row(cols, trimmed);
        }
        // JSON: a compact object is a record of its own; a top-level `{` opens a new one.
        let indent = line.len() - line.trim_ascii_start().len();
        let compact = trimmed.starts_with(b"{") && (trimmed.ends_with(b"}") || trimmed.ends_with(b"},"));
        if compact || (trimmed == b"{" && indent <= 4) {
            self.pending = Pending::default();
        }
        if let Some(v) = json_member(trimmed, b"\"Message\":") {
            let msg = json_string(v).unwrap_or_default();
            let query = take_message(&mut self.qname, &mut self.source, msg);
            self.pending.message = Some(query);
        }
        if let Some(v) = json_member(trimmed, b"\"TimeCreated\":") {
            let raw = json_string(v).unwrap_or(v);
            match time_created(raw) {
                Some(t) => self.pending.time = Some(t),
                None => {
                    self.pending = Pending::default();
                    return Err(ParseError::BadTimestamp);
                }
            }
        }
        let done = match (self.pending.message, self.pending.time) {
            (Some(query), Some(t)) => Some((query, Some(t))),
            (Some(query), None) if compact => Some((query, None)),
            _ => None,
        };
        if let Some((query, ts)) = done {
            self.pending = Pending::default();
            return Ok(if query { self.event(ts) } else { Parsed::Ignored });
        }
        let structure = trimmed.starts_with(b"\"") || trimmed.iter().all(|c| b"{}[],".contains(c));
        if structure || compact {
            Ok(Parsed::Meta)
        } else {
            Err(ParseError::Unrecognized("Get-WinEvent export"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;

    const QUERY: &str = "QUERY_RECEIVED: TCP=0; InterfaceIP=192.168.51.11; Source=192.168.1.101; RD=1; QNAME=www.abayoumy.tech.; QTYPE=1; XID=30291; Port=57943; Flags=256; PacketData=0x7653010000010000000000000377777708616261796F756D7904746563680000010001";

    #[test]
    fn pretty_json_records_span_lines() {
        let text = format!(
            "[\n    {{\n        \"Message\":  \"{QUERY}\",\n        \"Id\":  256,\n        \"ProviderName\":  \"Microsoft-Windows-DNSServer\",\n        \"TimeCreated\":  \"\\/Date(1795511700123)\\/\",\n        \"Properties\":  [\n                           {{\n                               \"Value\":  0\n                           }}\n                       ]\n    }},\n    {{\n        \"TimeCreated\":  \"2026-11-24T10:15:01+01:00\",\n        \"Message\":  \"RECURSE_QUERY_OUT: TCP=0; Destination=8.8.8.8; QNAME=x.tech.; QTYPE=1\"\n    }}\n]\n"
        );
        let t = tally(&mut EtwParser::default(), &text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (1, 1, 0));
        let e = &t.events[0];
        assert_eq!(e.ts, Some(1_795_511_700));
        assert_eq!(e.host, "www.abayoumy.tech.");
        assert_eq!(e.client.as_deref(), Some("192.168.1.101"));
        assert_eq!(WindowsDnsAnalytical.sniff(text.as_bytes()), 100);
    }

    #[test]
    fn compact_objects_and_csv() {
        let compact = format!(
            "{{\"Message\":\"{QUERY}\",\"Id\":256,\"TimeCreated\":\"2026-11-24T09:15:00Z\"}}\n{{\"Message\":\"{QUERY}\",\"Id\":256}}\n"
        );
        let t = tally(&mut EtwParser::default(), &compact);
        assert_eq!(t.events.iter().map(|e| e.ts).collect::<Vec<_>>(), [Some(1_795_511_700), None]);
        let csv = format!(
            "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\"\n\"{QUERY}\",\"256\",\"Microsoft-Windows-DNSServer\",\"11/24/2026 9:15:00 AM\"\n\"{QUERY}\",\"256\",\"Microsoft-Windows-DNSServer\",\"24.11.2026 21:15:00\"\n\"RESPONSE_SUCCESS: TCP=0; QNAME=a.b.\",\"257\",\"Microsoft-Windows-DNSServer\",\"11/24/2026 9:15:00 PM\"\n\"{QUERY}\",\"256\",\"Microsoft-Windows-DNSServer\",\"someday\"\n"
        );
        let t = tally(&mut EtwParser::default(), &csv);
        assert_eq!((t.meta, t.ignored, t.errors), (2, 1, 1));
        assert_eq!(
            t.events.iter().map(|e| e.ts).collect::<Vec<_>>(),
            [Some(1_795_511_700), Some(1_795_511_700 + 12 * 3600)]
        );
        assert_eq!(WindowsDnsAnalytical.sniff(csv.as_bytes()), 100);
    }

    #[test]
    fn times_and_junk() {
        assert_eq!(time_created(b"\\/Date(1795511700123)\\/"), Some(1_795_511_700));
        assert_eq!(time_created(b"12/11/2026 12:00:00 AM"), Some(1_796_947_200));
        assert_eq!(time_created(b"13/11/2026 00:00:00"), time_created(b"11/13/2026 00:00:00"));
        assert_eq!(time_created(b"garbage"), None);
        let t = tally(&mut EtwParser::default(), "hello world\n}\n");
        assert_eq!((t.errors, t.meta), (1, 1));
        assert_eq!(WindowsDnsAnalytical.sniff(b"hello\n"), 0);
    }
}
