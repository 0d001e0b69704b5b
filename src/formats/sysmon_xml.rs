//! Sysmon DNS-query (event 22) and network-connection (event 3) events as Windows event XML,
//! one `<Event>` per line, as `wevtutil qe Microsoft-Windows-Sysmon/Operational /f:xml` writes
//! them (and EVTX-to-XML exports that keep one event per line).
//!
//! Spec: Windows event schema, <https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-schema>;
//! Sysmon event data, <https://learn.microsoft.com/en-us/sysinternals/downloads/sysmon>. A line is
//!
//! `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' …/><EventID>22</EventID>…<TimeCreated SystemTime='2024-03-05T09:12:01.1234567Z'/>…<Computer>WKS-017</Computer>…</System><EventData><Data Name='QueryName'>chatgpt.com</Data>…</EventData></Event>`
//!
//! | element | use |
//! |---|---|
//! | `<EventID>` | 22 or 3; any other id is ignored |
//! | `<Data Name='QueryName'>` (22), `<Data Name='DestinationHostname'>` (3) | `host`; empty or `-` is ignored |
//! | `<Data Name='Image'>` | `process` |
//! | `<Data Name='User'>` | `user`, raw (`CORP\alice`) |
//! | `<Computer>` | `device` |
//! | `<Data Name='UtcTime'>`, else `<TimeCreated SystemTime=…>` | `ts` |
//!
//! Quirks: `wevtutil` quotes attributes with `'`, PowerShell's `ToXml()` with `"`: both are
//! accepted. Values are XML-escaped (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;`) and
//! decoded into a buffer the parser reuses. A `<Events>` root, `</Events>` and `<?xml …?>`
//! lines are not data. Limitation: pretty-printed XML, where one event spans several lines, is
//! not supported (such lines are reported as unrecognized); re-export one event per line.
//! Events of other providers are ignored. No XML parser is used: the layout is flat.

use memchr::memmem;

use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::{parse_iso8601, parse_u64};

/// Sysmon events 22 and 3 as one-line Windows event XML.
pub struct SysmonXml;

impl LogFormat for SysmonXml {
    fn name(&self) -> &'static str {
        "sysmon-xml"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "Sysmon DnsQuery (22) and NetworkConnect (3) as event XML, one <Event> per line (wevtutil /f:xml)"
    }
    fn fields(&self) -> &'static str {
        "EventID, QueryName/DestinationHostname, Image, User, Computer, UtcTime/TimeCreated"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-schema"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/sysmon-xml/sysmon.xml")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        if memmem::find(head, b"Microsoft-Windows-Sysmon").is_none() {
            return 0;
        }
        score_lines(head, |line| match event_start(line) {
            Some(ev) => Some(memmem::find(ev, b"<EventID").is_some()),
            None if is_meta(line) => None,
            None => Some(false),
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SysmonXmlParser::default())
    }
}

/// The line from its `<Event>` / `<Event xmlns=…>` tag on, after an optional `<Events>` root.
fn event_start(line: &[u8]) -> Option<&[u8]> {
    let l = line
        .strip_prefix(b"<Events>")
        .unwrap_or(line)
        .trim_ascii_start();
    (l.starts_with(b"<Event>") || l.starts_with(b"<Event ")).then_some(l)
}

/// The XML declaration and the root's open and close tags.
fn is_meta(line: &[u8]) -> bool {
    line.starts_with(b"<?xml") || line.starts_with(b"<Events") || line.starts_with(b"</Events")
}

/// The text of the first `<tag …>text</tag>`.
fn element<'l>(ev: &'l [u8], tag: &[u8]) -> Option<&'l [u8]> {
    let mut from = 0;
    while let Some(i) = memmem::find(ev.get(from..)?, tag) {
        let at = from + i + tag.len();
        match ev.get(at) {
            Some(b'>' | b' ') => {
                let rest = ev.get(at..)?;
                let gt = memchr::memchr(b'>', rest)?;
                if rest.get(gt.wrapping_sub(1)) == Some(&b'/') {
                    return None; // `<Computer/>`
                }
                let text = rest.get(gt + 1..)?;
                return Some(&text[..memchr::memchr(b'<', text).unwrap_or(text.len())]);
            }
            _ => from = at,
        }
    }
    None
}

/// The text of `<Data Name='name'>text</Data>` (either quote).
pub(super) fn data<'l>(ev: &'l [u8], name: &[u8]) -> Option<&'l [u8]> {
    let mut from = 0;
    while let Some(i) = memmem::find(ev.get(from..)?, b"Name=") {
        let at = from + i + 5;
        let q = *ev.get(at)?;
        let rest = ev.get(at + 1..)?;
        if (q == b'\'' || q == b'"')
            && rest.starts_with(name)
            && rest.get(name.len()) == Some(&q)
            && rest.get(name.len() + 1) == Some(&b'>')
        {
            let text = rest.get(name.len() + 2..)?;
            return Some(&text[..memchr::memchr(b'<', text).unwrap_or(text.len())]);
        }
        from = at;
    }
    None
}

/// The value of attribute `attr` of the first `<tag`.
pub(super) fn attribute<'l>(ev: &'l [u8], tag: &[u8], attr: &[u8]) -> Option<&'l [u8]> {
    let t = memmem::find(ev, tag)?;
    let rest = ev.get(t..)?;
    let rest = rest.get(..memchr::memchr(b'>', rest)?)?;
    let a = memmem::find(rest, attr)?;
    let q = *rest.get(a + attr.len())?;
    let v = rest.get(a + attr.len() + 1..)?;
    Some(&v[..memchr::memchr(q, v)?])
}

/// Appends `s` to `out` with XML entities decoded; unknown entities are kept as written.
pub(super) fn decode_into(out: &mut Vec<u8>, mut s: &[u8]) {
    while let Some(amp) = memchr::memchr(b'&', s) {
        out.extend_from_slice(&s[..amp]);
        let rest = &s[amp..];
        let semi = memchr::memchr(b';', rest).filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let name = &rest[1..i];
            let c = match name {
                b"amp" => '&',
                b"lt" => '<',
                b"gt" => '>',
                b"quot" => '"',
                b"apos" => '\'',
                [b'#', b'x' | b'X', hex @ ..] => {
                    char::from_u32(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)?
                }
                [b'#', dec @ ..] => char::from_u32(u32::try_from(parse_u64(dec)?).ok()?)?,
                _ => return None,
            };
            Some((c, i + 1))
        });
        match decoded {
            Some((c, used)) => {
                let mut tmp = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                s = &rest[used..];
            }
            None => {
                out.push(b'&');
                s = &rest[1..];
            }
        }
    }
    out.extend_from_slice(s);
}

#[derive(Default)]
struct SysmonXmlParser {
    buf: Vec<u8>,
}

impl SysmonXmlParser {
    /// Decodes a present value into the buffer; returns its range.
    fn put(&mut self, v: Option<&[u8]>) -> Option<std::ops::Range<usize>> {
        let v = present(v?.trim_ascii())?;
        let start = self.buf.len();
        decode_into(&mut self.buf, v);
        Some(start..self.buf.len())
    }
}

impl LineParser for SysmonXmlParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let line = line.trim_ascii();
        if line.is_empty() || (is_meta(line) && event_start(line).is_none()) {
            return Ok(Parsed::Meta);
        }
        let ev = event_start(line).ok_or(ParseError::Unrecognized("sysmon-xml"))?;
        let id = element(ev, b"<EventID")
            .and_then(|v| parse_u64(v.trim_ascii()))
            .ok_or(ParseError::MissingField("EventID"))?;
        let provider = attribute(ev, b"<Provider", b"Name=").unwrap_or_default();
        if !(id == 22 || id == 3) || memmem::find(provider, b"Sysmon").is_none() {
            return Ok(Parsed::Ignored);
        }
        let host = data(
            ev,
            if id == 22 {
                b"QueryName"
            } else {
                b"DestinationHostname"
            },
        );
        self.buf.clear();
        let Some(host) = self.put(host) else {
            return Ok(Parsed::Ignored);
        };
        let user = self.put(data(ev, b"User"));
        let process = self.put(data(ev, b"Image"));
        let device = self.put(element(ev, b"<Computer"));
        let written =
            data(ev, b"UtcTime").or_else(|| attribute(ev, b"<TimeCreated", b"SystemTime="));
        let ts = match written {
            Some(t) => Some(parse_iso8601(t.trim_ascii()).ok_or(ParseError::BadTimestamp)?.0),
            None => None,
        };
        let get = |r: Option<std::ops::Range<usize>>| r.and_then(|r| self.buf.get(r));
        Ok(Parsed::Event(Event {
            ts,
            user: get(user),
            host: get(Some(host)).unwrap_or_default(),
            action: Action::Allowed,
            source: SourceKind::Endpoint,
            device: get(device),
            process: get(process),
            ..Event::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::formats;

    const DNS: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>22</EventID><Version>5</Version><Level>4</Level><Task>22</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2024-03-05T09:12:01.1234567Z'/><EventRecordID>88210</EventRecordID><Correlation/><Execution ProcessID='3112' ThreadID='4020'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WKS-017.corp.example</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data><Data Name='UtcTime'>2024-03-05 09:12:00.981</Data><Data Name='ProcessGuid'>{3f1c2a9e-6b11-65e6-a001-000000000a00}</Data><Data Name='ProcessId'>4100</Data><Data Name='QueryName'>chatgpt.com</Data><Data Name='QueryStatus'>0</Data><Data Name='QueryResults'>::ffff:104.18.32.47;</Data><Data Name='Image'>C:\\Program Files\\R&amp;D Tools\\chrome.exe</Data><Data Name='User'>CORP\\alice</Data></EventData></Event>";

    fn one(line: &str) -> Result<Parsed<'static>, ParseError> {
        // The parser is dropped at the end: events are reduced to a default event.
        let mut p = SysmonXmlParser::default();
        Ok(match p.parse(line.as_bytes())? {
            Parsed::Event(_) => Parsed::Event(Event::default()),
            Parsed::Ignored => Parsed::Ignored,
            Parsed::Meta => Parsed::Meta,
        })
    }

    #[test]
    fn dns_query_with_entities() {
        let mut p = SysmonXmlParser::default();
        let Ok(Parsed::Event(e)) = p.parse(DNS.as_bytes()) else {
            panic!("not an event")
        };
        assert_eq!(e.host, b"chatgpt.com");
        assert_eq!(e.user, Some(&br"CORP\alice"[..]));
        assert_eq!(
            e.process,
            Some(&br"C:\Program Files\R&D Tools\chrome.exe"[..])
        );
        assert_eq!(e.device, Some(&b"WKS-017.corp.example"[..]));
        assert_eq!(e.ts, Some(1_709_629_920));
    }

    #[test]
    fn double_quotes_event_3_and_time_created_fallback() {
        let line = r#"<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon"/><EventID>3</EventID><TimeCreated SystemTime="2024-03-05T09:12:00.5Z"/><Computer>PC2</Computer></System><EventData><Data Name="Image">C:\py.exe</Data><Data Name="DestinationHostname">api.openai.com</Data><Data Name="User">CORP\carol</Data></EventData></Event>"#;
        let mut p = SysmonXmlParser::default();
        let Ok(Parsed::Event(e)) = p.parse(line.as_bytes()) else {
            panic!("not an event")
        };
        assert_eq!(
            (e.host, e.ts),
            (&b"api.openai.com"[..], Some(1_709_629_920))
        );
        assert_eq!(decode(b"a&lt;b&#62;&#x41;&bogus;&"), "a<b>A&bogus;&");
    }

    fn decode(s: &[u8]) -> String {
        let mut v = Vec::new();
        decode_into(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn other_ids_empty_hosts_meta_and_garbage() {
        let ignored_id = DNS.replace("<EventID>22<", "<EventID>1<");
        let no_host = DNS.replace(
            "<Data Name='QueryName'>chatgpt.com</Data>",
            "<Data Name='QueryName'/>",
        );
        let dash = DNS
            .replace("<EventID>22<", "<EventID>3<")
            .replace("QueryName'>chatgpt.com", "DestinationHostname'>-");
        let other_provider =
            DNS.replace("Microsoft-Windows-Sysmon'", "Microsoft-Windows-DNS-Client'");
        for l in [&ignored_id, &no_host, &dash, &other_provider] {
            assert_eq!(one(l), Ok(Parsed::Ignored), "{l}");
        }
        for l in ["<Events>", "</Events>", "<?xml version='1.0'?>", ""] {
            assert_eq!(one(l), Ok(Parsed::Meta));
        }
        assert!(one("  <System>").is_err());
        assert!(one("<Event><System></System></Event>").is_err());
        assert!(one("<Event><EventID>22").is_ok());
        assert!(one("<Event Name='").is_err());
    }

    #[test]
    fn sample_detects_and_parses() {
        let text = SysmonXml.sample();
        let t = tally(&mut SysmonXmlParser::default(), text);
        assert_eq!((t.events.len(), t.ignored, t.errors), (13, 2, 0));
        assert_eq!(
            formats::detect(text.as_bytes()).map(|f| f.name()).ok(),
            Some("sysmon-xml")
        );
    }
}
