use super::*;
use crate::formats::detect_among;
use crate::testutil::{Owned, tally};

const FIXTURES: &str = include_str!("../../../tests/data/formats/fixtures.toml");
const BARRACUDA: &str = include_str!("../../../examples/formats/barracuda-wsg.toml");

fn compiled(text: &str) -> Vec<UserFormat> {
    compile(text, "formats.toml", &[]).unwrap()
}

fn fixture(name: &str) -> UserFormat {
    compiled(FIXTURES)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap()
}

fn error(text: &str) -> String {
    compile(text, "formats.toml", &[]).err().unwrap()
}

const MINIMAL: &str = r#"
[[format]]
name = "acme"
kind = "proxy"
[format.regex]
pattern = '(?P<t>\d+) (?P<h>\S+)'
[format.time]
field = "t"
format = "epoch"
[format.fields]
host = "h"
"#;

#[test]
fn errors_name_the_file_the_format_and_the_field() {
    assert!(compile(MINIMAL, "formats.toml", &[]).is_ok());
    let cases = [
        (
            MINIMAL.replace("\"epoch\"", "\"foo\""),
            "formats.toml: format \"acme\": field \"time.format\": unknown format \"foo\"",
        ),
        (
            MINIMAL.replace("name = \"acme\"", "name = \"squid\""),
            "field \"name\": \"squid\" is a built-in format",
        ),
        (
            MINIMAL.replace("kind = \"proxy\"", "kind = \"firewall\""),
            "field \"kind\": unknown kind \"firewall\"",
        ),
        (
            MINIMAL.replace("host = \"h\"", "host = \"hst\""),
            "field \"fields.host\": \"hst\" is not a named group",
        ),
        (
            MINIMAL.replace("host = \"h\"", "user = \"h\""),
            "field \"fields.host\": a format needs",
        ),
        (
            MINIMAL.replace("'(?P<t>", "'(?P<t>[").to_string(),
            "field \"regex.pattern\"",
        ),
        (
            MINIMAL.replace("[format.time]", "[format.json]\n[format.time]"),
            "give exactly one of",
        ),
        (
            MINIMAL.replace(
                "format = \"epoch\"",
                "format = \"epoch\"\nzone = \"Europe/Paris\"",
            ),
            "field \"time.zone\": unknown zone \"Europe/Paris\"",
        ),
        (
            MINIMAL.replace("[format.fields]", "[format.fields]\nbytes = \"x\""),
            "formats.toml: TOML parse error",
        ),
        (
            format!("{MINIMAL}[format.action]\nfield = \"h\"\n"),
            "field \"action.allowed\"",
        ),
        (
            MINIMAL.replace("\\d+)", "\\w{1000}{1000})"),
            "field \"regex.pattern\"",
        ),
    ];
    for (text, want) in cases {
        let got = error(&text);
        assert!(got.contains(want), "{got:?} lacks {want:?}");
    }
    // Two formats of one name, in one file or across files.
    let twice = format!("{MINIMAL}{MINIMAL}");
    assert!(error(&twice).contains("field \"name\": a format of that name is already loaded"));
    assert!(
        compile(MINIMAL, "b.toml", &["acme"])
            .err()
            .unwrap()
            .starts_with("b.toml: format \"acme\"")
    );
}

#[test]
fn a_sample_that_does_not_parse_fails_the_spec() {
    let text = MINIMAL.replace(
        "kind = \"proxy\"",
        "kind = \"proxy\"\nsample = \"\"\"\n1795511700 chatgpt.com\nyesterday chatgpt.com\n\"\"\"",
    );
    let got = error(&text);
    assert!(got.contains("field \"sample\""), "{got}");
    let text = MINIMAL.replace(
        "kind = \"proxy\"",
        "kind = \"proxy\"\nsample = \"1795511700 chatgpt.com\"",
    );
    assert!(compile(&text, "f.toml", &[]).is_ok());
}

#[test]
fn the_worked_example_reads_barracuda_lines_through_their_syslog_header() {
    let f = compiled(BARRACUDA).pop().unwrap();
    let text = include_str!("../../../examples/formats/barracuda-wsg.log");
    let lines: String = text
        .lines()
        .map(|l| {
            format!(
                "{}\n",
                crate::formats::unwrap_envelope(l.as_bytes())
                    .map_or(l.to_string(), |e| String::from_utf8_lossy(e.msg)
                        .into_owned())
            )
        })
        .collect();
    let t = tally(&mut *f.new_parser(), &lines);
    assert_eq!(t.events.len(), 10);
    let blocked = &t.events[7];
    assert_eq!(
        (
            blocked.user.as_deref(),
            blocked.action,
            blocked.host.as_str()
        ),
        (
            Some("alice"),
            Action::Blocked,
            "http://downloads.example.net/setup.exe"
        )
    );
    assert_eq!(t.events[8].action, Action::Unknown, "WARNED is neither");
    assert_eq!(t.events[6].user, None, "[-] is no user");
    assert_eq!(t.events[0].ts, Some(1_795_511_702));
}

#[test]
fn json_paths_nested_flat_and_mixed() {
    let f = fixture("fixture-json");
    let t = tally(&mut *f.new_parser(), f.sample());
    assert_eq!(t.events.len(), 2);
    assert_eq!(
        t.events[0],
        Owned {
            ts: Some(1_795_508_100),
            user: Some(r"CORP\ann".into()),
            client: None,
            host: "chatgpt.com".into(),
            bytes_out: Some(1024),
            action: Action::Allowed,
            source: SourceKind::Endpoint,
            device: Some("LT-042".into()),
            process: Some(r"C:\Program Files\Google\Chrome\chrome.exe".into()),
        }
    );
    assert_eq!(
        (t.events[1].action, t.events[1].bytes_out),
        (Action::Blocked, Some(77))
    );
    assert_eq!(t.ignored, 1, "a record without the host path is ignored");
}

#[test]
fn delimited_with_a_header_and_quotes() {
    let f = fixture("fixture-csv");
    assert!(f.stateful());
    let mut p = f.new_parser();
    let t = tally(&mut *p, f.sample());
    assert_eq!(t.events.len(), 2);
    let e = &t.events[0];
    assert_eq!(e.user.as_deref(), Some("ann, corp"));
    assert_eq!(e.ts, Some(1_795_511_700), "10:15 at +01:00 is 09:15Z");
    assert_eq!(e.bytes_out, Some(2048));
    assert_eq!(t.events[1].host, "https://gemini.google.com/app?q=a,b");
    assert_eq!(t.events[1].action, Action::Blocked);
    assert_eq!(t.ignored, 1);
    // A header repeated (files concatenated) is a header again, not a bad line.
    assert_eq!(
        p.parse(b"Date,User Name,Source,URL,Sent Bytes,Decision"),
        Ok(Parsed::Meta)
    );
    // A header without the URL column: every data line says so.
    let mut p = f.new_parser();
    assert_eq!(p.parse(b"Date,User Name,Source"), Ok(Parsed::Meta));
    assert_eq!(p.parse(b"x,y,z"), Err(ParseError::MissingField("host")));
}

#[test]
fn delimited_with_columns_and_epoch_ms() {
    let f = fixture("fixture-tsv");
    assert!(!f.stateful());
    let t = tally(&mut *f.new_parser(), f.sample());
    assert_eq!(t.events.len(), 2);
    assert_eq!(
        (t.events[0].ts, t.events[1].host.as_str()),
        (Some(1_795_511_700), "claude.ai.")
    );
    assert_eq!(
        f.new_parser().parse(b"nope\t10.0.0.1\tchatgpt.com"),
        Err(ParseError::BadTimestamp)
    );
}

#[test]
fn action_values_match_whole_or_by_prefix_ignoring_case() {
    let map = ActionMap {
        allowed: vec![b"TCP_MISS*".to_vec(), b"allow".to_vec()],
        blocked: vec![b"TCP_DENIED*".to_vec()],
        other: Action::Unknown,
    };
    assert_eq!(map.of(b"tcp_denied/403"), Action::Blocked);
    assert_eq!(map.of(b"TCP_MISS/200"), Action::Allowed);
    assert_eq!(map.of(b"ALLOW"), Action::Allowed);
    assert_eq!(map.of(b"allowed"), Action::Unknown);
}

/// `&'static` copies of formats, as the registry holds them.
fn leaked(formats: Vec<UserFormat>) -> Vec<&'static dyn LogFormat> {
    formats
        .into_iter()
        .map(|f| &*Box::leak(Box::new(f)) as &'static dyn LogFormat)
        .collect()
}

#[test]
fn user_formats_detect_after_the_builtins() {
    let user = leaked(compiled(FIXTURES));
    let barracuda = leaked(compiled(BARRACUDA));
    let detect = |head: &str, user: &[&'static dyn LogFormat]| {
        detect_among(head.as_bytes(), crate::formats::FORMATS, user).map(|f| f.name())
    };
    for f in &user {
        assert_eq!(detect(f.sample(), &user).ok(), Some(f.name()));
    }
    let wsg = include_str!("../../../examples/formats/barracuda-wsg.log");
    assert_eq!(detect(wsg, &barracuda).ok(), Some("barracuda-wsg"));
    assert!(detect(wsg, &[]).is_err(), "no built-in reads it");
    // A spec that would take every line never takes a file a built-in recognizes.
    let greedy = leaked(compiled(
        &MINIMAL.replace(r"'(?P<t>\d+) (?P<h>\S+)'", r"'(?P<t>\d+)\S* +(?P<h>.*)'"),
    ));
    let squid = crate::formats::by_name("squid").unwrap().sample();
    assert!(greedy[0].sniff(squid.as_bytes()) >= 80);
    assert_eq!(detect(squid, &greedy).ok(), Some("squid"));
}

#[test]
fn detection_thresholds() {
    let f = compiled(BARRACUDA).pop().unwrap();
    let good =
        "1795511702 10.0.0.1 1.2.3.4 text/html 10.0.0.1 https://a/ 1 BYF ALLOWED CLEAN [a]\n";
    let other = "something else entirely\n";
    assert_eq!(f.sniff(good.repeat(10).as_bytes()), 100);
    assert_eq!(
        f.sniff(format!("{}{}", good.repeat(8), other.repeat(2)).as_bytes()),
        80
    );
    // Below min_percent: at most 50, under what identifies a format.
    assert_eq!(
        f.sniff(format!("{}{}", good.repeat(7), other.repeat(3)).as_bytes()),
        50
    );
    // Only the first `lines` (20) lines count.
    assert_eq!(
        f.sniff(format!("{}{}", good.repeat(20), other.repeat(20)).as_bytes()),
        100
    );
    let csv = fixture("fixture-csv");
    assert_eq!(csv.sniff(b"Date,User Name,Source,URL,Sent Bytes\n"), 100);
    assert_eq!(csv.sniff(b"\n\nDate,User Name\n"), 0);
}

#[test]
fn hostile_lines_are_errors_not_panics() {
    for f in compiled(FIXTURES).into_iter().chain(compiled(BARRACUDA)) {
        let mut p = f.new_parser();
        for line in [
            &b"{"[..],
            b"{\"a\":",
            b"\xff\xfe{\"ts\":1}",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            b"\"\"\"\"\"",
            b"\t\t\t\t",
            b"99999999999999999999 x",
        ] {
            let _ = p.parse(line);
        }
        let deep = "{\"a\":".repeat(10_000);
        assert!(p.parse(deep.as_bytes()).is_err(), "{}", f.name);
    }
}
