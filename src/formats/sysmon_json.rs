//! Sysmon DNS-query (event 22) and network-connection (event 3) events as JSON lines, as
//! Winlogbeat, NXLog and the Security-Datasets (Mordor) exports write them.
//!
//! Spec: Sysmon event schema, <https://learn.microsoft.com/en-us/sysinternals/downloads/sysmon>
//! (events 3 `NetworkConnect` and 22 `DnsQuery`); Winlogbeat's field layout,
//! <https://www.elastic.co/guide/en/beats/winlogbeat/current/exported-fields-winlog.html> and its
//! Sysmon module (`x-pack/winlogbeat/module/sysmon`). One JSON object per line, in one of
//! three shapes:
//!
//! * Winlogbeat 7/8: `{"@timestamp", "event": {"code": "22"}, "winlog": {"event_id": "22" | 22,
//!   "channel", "computer_name", "event_data": {"QueryName", "Image", "User", "UtcTime", …}}}`.
//!   After the Elastic ingest pipeline `event_data` is gone and the ECS copies are read:
//!   `dns.question.name`, `destination.domain`, `process.executable`, `user.domain`/`user.name`.
//! * Winlogbeat 6: the same, with `event_id`, `computer_name`, `log_name`, `event_data` at top level.
//! * Flat (NXLog `im_msvistalog`, Security-Datasets): `EventID`, `Channel`, `Hostname` or
//!   `Computer`, and the event data keys (`QueryName`, `Image`, `User`, …) at top level.
//!
//! | Sysmon field | use |
//! |---|---|
//! | `EventID` / `winlog.event_id` / `event.code` | 22 or 3; any other id is ignored |
//! | `QueryName` (22), `DestinationHostname` (3) | `host`; empty or `-` is ignored |
//! | `Image` | `process` |
//! | `User` (Sysmon ≥ 11 on event 22) | `user`, raw (`CORP\alice`, `NT AUTHORITY\SYSTEM`) |
//! | `Computer` / `Hostname` / `winlog.computer_name` | `device` |
//! | `UtcTime` (`2019-12-05 01:49:28.817`, UTC), else `@timestamp` | `ts` |
//!
//! Quirks: `winlog.user` is the account Sysmon itself runs as (always SYSTEM), not the user of
//! the event, so it is never read. A `Channel` other than Sysmon's means the id is another
//! provider's: ignored. Security-Datasets files use CRLF line endings. Values with JSON escapes
//! (every Windows path) are unescaped by serde into a `Cow`, then copied into a buffer the
//! parser reuses, which the event borrows.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::json::{self, Maybe, Stash, de_num};
use super::{LineParser, LogFormat, present, score_lines};
use crate::error::ParseError;
use crate::event::{Parsed, SourceKind};
use crate::time::parse_iso8601;

/// Sysmon events 22 and 3 as JSON lines.
pub struct SysmonJson;

impl LogFormat for SysmonJson {
    fn name(&self) -> &'static str {
        "sysmon-json"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Endpoint
    }
    fn about(&self) -> &'static str {
        "Sysmon DnsQuery (22) and NetworkConnect (3) as JSON lines: Winlogbeat, NXLog, Security-Datasets"
    }
    fn fields(&self) -> &'static str {
        "EventID, QueryName/DestinationHostname, Image, User, Computer, UtcTime"
    }
    fn spec_url(&self) -> &'static str {
        "https://learn.microsoft.com/en-us/sysinternals/downloads/sysmon"
    }
    fn sample(&self) -> &'static str {
        include_str!("../../sample-logs/sysmon-json/sysmon.json")
    }
    fn sniff(&self, head: &[u8]) -> u8 {
        if memmem::find(head, b"Microsoft-Windows-Sysmon").is_none() {
            return 0;
        }
        score_lines(head, |line| {
            Some(
                line.starts_with(b"{")
                    && (memmem::find(line, b"\"EventID\"").is_some()
                        || memmem::find(line, b"\"event_id\"").is_some())
                    // Sentinel's `WindowsEvent` / `Event` rows (`sentinel-sysmon`).
                    && memmem::find(line, b"\"EventData\"").is_none(),
            )
        })
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        Box::new(SysmonJsonParser::default())
    }
}

/// The Sysmon event data keys, flat or under `event_data`. Shared with `sentinel-sysmon`,
/// whose `EventData` object holds the same keys under the same names: one definition keeps the
/// two formats reading the same fields of the same event.
#[derive(Deserialize, Default)]
pub(super) struct Data<'a> {
    #[serde(rename = "QueryName", borrow)]
    pub(super) query_name: Option<Cow<'a, str>>,
    #[serde(rename = "DestinationHostname", borrow)]
    pub(super) dest_host: Option<Cow<'a, str>>,
    #[serde(rename = "Image", borrow)]
    pub(super) image: Option<Cow<'a, str>>,
    #[serde(rename = "User", borrow)]
    pub(super) user: Option<Cow<'a, str>>,
    #[serde(rename = "UtcTime", borrow)]
    pub(super) utc_time: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Winlog<'a> {
    #[serde(default, deserialize_with = "de_num")]
    event_id: Option<u64>,
    #[serde(borrow)]
    channel: Option<Cow<'a, str>>,
    #[serde(borrow)]
    computer_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_data: Option<Data<'a>>,
}

#[derive(Deserialize)]
struct EcsEvent {
    #[serde(default, deserialize_with = "de_num")]
    code: Option<u64>,
}

#[derive(Deserialize)]
struct EcsName<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct EcsUser<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    domain: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct EcsDns<'a> {
    #[serde(borrow)]
    question: Option<EcsName<'a>>,
}

#[derive(Deserialize)]
struct EcsDomain<'a> {
    #[serde(borrow)]
    domain: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct EcsProcess<'a> {
    #[serde(borrow)]
    executable: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

/// One line, any of the three shapes.
#[derive(Deserialize)]
struct Record<'a> {
    // Flat (NXLog, Security-Datasets).
    #[serde(rename = "EventID", default, deserialize_with = "de_num")]
    event_id_flat: Option<u64>,
    #[serde(rename = "Channel", borrow)]
    channel_flat: Option<Cow<'a, str>>,
    #[serde(rename = "Hostname", borrow)]
    hostname: Option<Cow<'a, str>>,
    #[serde(rename = "Computer", borrow)]
    computer: Option<Cow<'a, str>>,
    #[serde(rename = "QueryName", borrow)]
    query_name: Option<Cow<'a, str>>,
    #[serde(rename = "DestinationHostname", borrow)]
    dest_host: Option<Cow<'a, str>>,
    #[serde(rename = "Image", borrow)]
    image: Option<Cow<'a, str>>,
    #[serde(rename = "User", borrow)]
    user_flat: Option<Cow<'a, str>>,
    #[serde(rename = "UtcTime", borrow)]
    utc_time: Option<Cow<'a, str>>,
    // Winlogbeat 6 at top level.
    #[serde(default, deserialize_with = "de_num")]
    event_id: Option<u64>,
    #[serde(borrow)]
    log_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    computer_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_data: Option<Data<'a>>,
    // Winlogbeat 7/8 and ECS.
    #[serde(borrow)]
    winlog: Option<Winlog<'a>>,
    event: Option<Maybe<EcsEvent>>,
    #[serde(borrow)]
    dns: Option<Maybe<EcsDns<'a>>>,
    #[serde(borrow)]
    destination: Option<Maybe<EcsDomain<'a>>>,
    #[serde(borrow)]
    process: Option<Maybe<EcsProcess<'a>>>,
    #[serde(borrow)]
    user: Option<Maybe<EcsUser<'a>>>,
    #[serde(rename = "@timestamp", borrow)]
    timestamp: Option<Cow<'a, str>>,
}

/// The first present value of a data key, over the places event data may sit.
fn pick<'d>(
    data: &[Option<&'d Data<'_>>],
    f: for<'x> fn(&'x Data<'_>) -> Option<&'x str>,
) -> Option<&'d str> {
    data.iter()
        .flatten()
        .find_map(|d| f(d).filter(|v| present(v.trim().as_bytes()).is_some()))
}

#[derive(Default)]
struct SysmonJsonParser {
    stash: Stash,
}

fn s<'c>(c: &'c Option<Cow<'_, str>>) -> Option<&'c str> {
    c.as_deref()
}

impl LineParser for SysmonJsonParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let Some(r) = json::object::<Record>(line, "sysmon-json")? else {
            return Ok(Parsed::Meta);
        };
        // Flattening with serde would buffer every other key; move the flat keys out instead.
        let flat = Data {
            query_name: r.query_name,
            dest_host: r.dest_host,
            image: r.image,
            user: r.user_flat,
            utc_time: r.utc_time,
        };
        let wl = r.winlog.as_ref();
        let id = r
            .event_id_flat
            .or(wl.and_then(|w| w.event_id))
            .or(r.event_id)
            .or(r.event.as_ref().and_then(|e| e.get()).and_then(|e| e.code))
            .ok_or(ParseError::MissingField("EventID"))?;
        let channel = s(&r.channel_flat)
            .or(wl.and_then(|w| s(&w.channel)))
            .or(s(&r.log_name));
        if channel.is_some_and(|c| !c.contains("Sysmon")) || !(id == 22 || id == 3) {
            return Ok(Parsed::Ignored);
        }
        // Event data: flat keys first, then `winlog.event_data`, then Winlogbeat 6's.
        let data = [
            Some(&flat),
            wl.and_then(|w| w.event_data.as_ref()),
            r.event_data.as_ref(),
        ];
        let pick = |f| pick(&data, f);
        let ecs_host = if id == 22 {
            r.dns
                .as_ref()
                .and_then(Maybe::get)
                .and_then(|d| d.question.as_ref())
                .and_then(|q| s(&q.name))
        } else {
            r.destination
                .as_ref()
                .and_then(Maybe::get)
                .and_then(|d| s(&d.domain))
        };
        let host = if id == 22 {
            pick(|d| s(&d.query_name))
        } else {
            pick(|d| s(&d.dest_host))
        };
        let st = &mut self.stash;
        st.clear();
        let Some(host) = st.put(host.or(ecs_host)) else {
            return Ok(Parsed::Ignored);
        };
        let ecs_proc = r.process.as_ref().and_then(Maybe::get);
        let process = st.put(
            pick(|d| s(&d.image))
                .or(ecs_proc.and_then(|p| s(&p.executable)))
                .or(ecs_proc.and_then(|p| s(&p.name))),
        );
        let user = match pick(|d| s(&d.user)) {
            Some(u) => st.put(Some(u)),
            None => {
                let u = r.user.as_ref().and_then(Maybe::get);
                match u.and_then(|u| s(&u.name)) {
                    Some(name) => st.join(&[u.and_then(|u| s(&u.domain)), Some(name)], b'\\'),
                    None => None,
                }
            }
        };
        let device = st.put(
            s(&r.computer)
                .or(s(&r.hostname))
                .or(wl.and_then(|w| s(&w.computer_name)))
                .or(s(&r.computer_name)),
        );
        let ts = match pick(|d| s(&d.utc_time)).or(s(&r.timestamp)) {
            Some(t) => Some(parse_iso8601(t.as_bytes()).ok_or(ParseError::BadTimestamp)?.0),
            None => None,
        };
        Ok(Parsed::Event(
            self.stash.endpoint_event(ts, host, user, device, process),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tally;
    use crate::formats;

    /// (ts, user, host, device, process) of each event, then (ignored, errors).
    type Seen = (Option<i64>, String, String, String, String);

    fn events(text: &str) -> (Vec<Seen>, usize, usize) {
        let t = tally(&mut SysmonJsonParser::default(), text);
        let seen = t.events.into_iter().map(|e| {
            let d = |v: Option<String>| v.unwrap_or_default();
            (e.ts, d(e.user), e.host, d(e.device), d(e.process))
        });
        (seen.collect(), t.ignored, t.errors)
    }

    #[test]
    fn winlogbeat_nested_event_22() {
        let line = r#"{"@timestamp":"2024-03-05T09:12:01.100Z","event":{"code":"22","provider":"Microsoft-Windows-Sysmon"},"host":{"name":"wks-017.corp.example"},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"WKS-017.corp.example","event_id":"22","event_data":{"QueryName":"chatgpt.com","Image":"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe","User":"CORP\\alice","UtcTime":"2024-03-05 09:12:00.981"},"user":{"domain":"NT AUTHORITY","name":"SYSTEM"}}}"#;
        let (ev, ig, er) = events(line);
        assert_eq!((ig, er), (0, 0));
        assert_eq!(ev[0].0, Some(1_709_629_920));
        assert_eq!(ev[0].1, r"CORP\alice");
        assert_eq!(ev[0].2, "chatgpt.com");
        assert_eq!(ev[0].3, "WKS-017.corp.example");
        assert_eq!(
            ev[0].4,
            r"C:\Program Files\Google\Chrome\Application\chrome.exe"
        );
    }

    #[test]
    fn winlogbeat_numeric_id_ecs_only_and_v6() {
        // After the ingest pipeline: no event_data, ECS copies, user split in two.
        let ecs = r#"{"@timestamp":"2024-03-05T09:12:00.981Z","dns":{"question":{"name":"claude.ai"}},"event":{"code":"22"},"process":{"executable":"C:\\x\\a.exe","name":"a.exe"},"user":{"domain":"CORP","name":"bob"},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"PC1","event_id":22}}"#;
        let v6 = r#"{"event_id":3,"log_name":"Microsoft-Windows-Sysmon/Operational","computer_name":"PC2","event_data":{"DestinationHostname":"api.openai.com","Image":"C:\\py.exe","User":"CORP\\carol","UtcTime":"2024-03-05 09:00:00.000"}}"#;
        let other = r#"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","event_data":{"Image":"C:\\x.exe"}}}"#;
        let sec = r#"{"EventID":3,"Channel":"Security","DestinationHostname":"x.example"}"#;
        let (ev, ig, er) = events(&[ecs, v6, other, sec].join("\n"));
        assert_eq!((ig, er), (2, 0));
        assert_eq!(
            (ev[0].1.as_str(), ev[0].2.as_str(), ev[0].4.as_str()),
            (r"CORP\bob", "claude.ai", r"C:\x\a.exe")
        );
        assert_eq!(
            (ev[1].1.as_str(), ev[1].2.as_str(), ev[1].3.as_str()),
            (r"CORP\carol", "api.openai.com", "PC2")
        );
    }

    #[test]
    fn flat_event_3_without_hostname_is_ignored() {
        let a = r#"{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","DestinationHostname":"-","Hostname":"H"}"#;
        let b = r#"{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","DestinationHostname":"","Hostname":"H"}"#;
        let c = r#"{"EventID":3,"host":"logstash-1","Channel":"Microsoft-Windows-Sysmon/Operational","DestinationHostname":"gemini.google.com","Hostname":"H","User":"NT AUTHORITY\\SYSTEM"}"#;
        let (ev, ig, er) = events(&[a, b, c, "", "not json", "{\"EventID\":"].join("\r\n"));
        assert_eq!((ev.len(), ig, er), (1, 2, 2));
        assert_eq!(
            (ev[0].1.as_str(), ev[0].3.as_str(), ev[0].0),
            (r"NT AUTHORITY\SYSTEM", "H", None)
        );
    }

    #[test]
    fn real_vendor_samples_parse_fully() {
        let Some(cmstp) = crate::testutil::shared(
            "real-logs/endpoint-sysmon-json/otrf-psh_cmstp_execution_bypassuac-lines769-1015.json",
        ) else {
            return;
        };
        let (ev, ig, er) = events(&cmstp);
        assert_eq!((ev.len(), ig, er), (203, 44, 0));
        assert_eq!(ev[0].2, "dw8wjz3q0i4gj.cloudfront.net");
        assert_eq!(ev[0].3, "WORKSTATION5");
        assert!(ev[0].4.ends_with(r"\MsMpEng.exe"));
        assert_eq!(
            formats::detect(cmstp.as_bytes()).map(|f| f.name()).ok(),
            Some("sysmon-json")
        );

        let Some(cov) = crate::testutil::shared(
            "real-logs/endpoint-sysmon-json/otrf-covenant_psremoting_grunt-sysmon-eid3-eid22-filtered.json",
        ) else {
            return;
        };
        let (ev, ig, er) = events(&cov);
        assert_eq!((ev.len(), ig, er), (143, 1, 0));
        assert_eq!(ev[0].1, r"NT AUTHORITY\SYSTEM");
        assert_eq!(ev[0].3, "HFDC01.shire.com");
        assert_eq!(ev[0].0, Some(1_575_510_568));
        assert!(ev.iter().any(|e| e.1 == r"shire\pgustavo"));
        assert_eq!(SysmonJson.sniff(cov.as_bytes()), 100);
    }
}
