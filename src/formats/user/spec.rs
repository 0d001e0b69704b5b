//! The TOML spec of user-defined formats (`--format-file`), read and checked into a
//! [`UserFormat`]. Every mistake is a usage error naming the file, the format and the field:
//! `formats.toml: format "acme": field "time.format": unknown format "foo" (…)`.

use std::path::Path;
use std::sync::Arc;

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use super::clock::{TimeFormat, parse_zone};
use super::pick::Trie;
use super::{ActionMap, Compiled, Detect, SLOT_NAMES, SLOTS, Slot, Syntax, TimeSpec, UserFormat};
use crate::event::{Action, Parsed, SourceKind};
use crate::exit::UsageError;
use crate::formats::{FORMATS, LogFormat, MIN_SCORE};

/// The compiled size a spec's regex may take (the `regex` crate's own default is 10 MiB):
/// a spec is configuration, but a pattern such as `\w{1000}{1000}` should fail at load, not
/// take the memory of every worker.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The longest pattern text accepted.
const MAX_PATTERN: usize = 8 << 10;

/// A spec file: one or more `[[format]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    kind: String,
    about: Option<String>,
    spec_url: Option<String>,
    sample: Option<String>,
    comment: Option<String>,
    detect: Option<RawDetect>,
    regex: Option<RawRegex>,
    delimited: Option<RawDelimited>,
    json: Option<RawJson>,
    time: Option<RawTime>,
    #[serde(default)]
    fields: RawFields,
    action: Option<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetect {
    header: Option<String>,
    regex: Option<String>,
    lines: Option<usize>,
    min_percent: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegex {
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelimited {
    separator: String,
    quote: Option<String>,
    columns: Option<Vec<String>>,
    #[serde(default)]
    header: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJson {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTime {
    field: String,
    format: String,
    zone: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFields {
    user: Option<String>,
    client: Option<String>,
    device: Option<String>,
    process: Option<String>,
    host: Option<String>,
    url: Option<String>,
    bytes_out: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    field: String,
    #[serde(default)]
    allowed: Vec<String>,
    #[serde(default)]
    blocked: Vec<String>,
    other: Option<String>,
}

/// Reads the spec file at `path`: its formats, checked.
pub(super) fn read(path: &Path, taken: &[&str]) -> anyhow::Result<Vec<UserFormat>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    compile(&text, &path.display().to_string(), taken).map_err(|e| UsageError(e).into())
}

/// The formats of a spec file's `text`; `file` names it in errors and in `shadowai formats`,
/// `taken` holds the user-format names already loaded (built-in names are always taken).
pub(crate) fn compile(text: &str, file: &str, taken: &[&str]) -> Result<Vec<UserFormat>, String> {
    let parsed: File = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    if parsed.format.is_empty() {
        return Err(format!("{file}: no [[format]] table"));
    }
    let mut out: Vec<UserFormat> = Vec::new();
    for raw in parsed.format {
        let name = raw.name.clone();
        let clash = taken.contains(&name.as_str()) || out.iter().any(|f| f.name == name);
        let err = |field: &str, msg: String| {
            format!("{file}: format \"{name}\": field \"{field}\": {msg}")
        };
        if clash {
            return Err(err(
                "name",
                "a format of that name is already loaded".into(),
            ));
        }
        out.push(one(raw, file).map_err(|(field, msg)| err(&field, msg))?);
    }
    Ok(out)
}

/// A field error: the dotted field and what is wrong with it.
type FieldError = (String, String);

fn bad<T>(field: &str, msg: impl Into<String>) -> Result<T, FieldError> {
    Err((field.to_string(), msg.into()))
}

fn leak(s: String) -> &'static str {
    // Formats live as long as the process (the registry hands out `&'static dyn LogFormat`,
    // and a run loads a handful of specs once), so their strings are leaked, not owned.
    String::leak(s)
}

fn one(raw: Raw, file: &str) -> Result<UserFormat, FieldError> {
    let name = raw.name;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"-_.".contains(&c))
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if !name_ok {
        return bad(
            "name",
            "must be 1-64 of a-z, 0-9, -, _ and . (starting with a letter or digit)",
        );
    }
    if FORMATS.iter().any(|f| f.name() == name) {
        return bad(
            "name",
            format!(
                "\"{name}\" is a built-in format (see `shadowai formats`); choose another name"
            ),
        );
    }
    let kind = match raw.kind.as_str() {
        "dns" => SourceKind::Dns,
        "proxy" => SourceKind::Proxy,
        "endpoint" => SourceKind::Endpoint,
        other => {
            return bad(
                "kind",
                format!(
                    "unknown kind \"{other}\" (dns, proxy or endpoint; a firewall that logs the hosts it passes is proxy)"
                ),
            );
        }
    };
    let comment = match raw.comment {
        Some(c) if c.is_empty() => return bad("comment", "must not be empty"),
        c => c.map(|c| c.into_bytes().into_boxed_slice()),
    };

    // Field names per slot, as written in the spec.
    let mut map: [Option<String>; SLOTS] = Default::default();
    map[Slot::Time as usize] = raw.time.as_ref().map(|t| t.field.clone());
    let f = raw.fields;
    for (slot, v) in [
        (Slot::User, f.user),
        (Slot::Client, f.client),
        (Slot::Device, f.device),
        (Slot::Process, f.process),
        (Slot::Host, f.host),
        (Slot::Url, f.url),
        (Slot::BytesOut, f.bytes_out),
    ] {
        map[slot as usize] = v;
    }
    map[Slot::Action as usize] = raw.action.as_ref().map(|a| a.field.clone());
    if map[Slot::Host as usize].is_none() && map[Slot::Url as usize].is_none() {
        return bad(
            "fields.host",
            "a format needs fields.host or fields.url (the host reached is what is counted)",
        );
    }
    for (slot, v) in map.iter().enumerate() {
        if v.as_deref() == Some("") {
            return bad(&field_key(slot), "must name a field");
        }
    }

    let syntax = match (raw.regex, raw.delimited, raw.json) {
        (Some(r), None, None) => regex_syntax(&r.pattern, &map)?,
        (None, Some(d), None) => delimited_syntax(d, &map)?,
        (None, None, Some(RawJson {})) => {
            let paths = map
                .iter()
                .enumerate()
                .filter_map(|(slot, v)| Some((slot, v.as_deref()?)));
            for (slot, p) in paths.clone() {
                if p.split('.').any(str::is_empty) {
                    return bad(
                        &field_key(slot),
                        format!("\"{p}\" is not a field path (a.b.c)"),
                    );
                }
            }
            Syntax::Json(Trie::new(paths))
        }
        _ => {
            return bad(
                "regex",
                "give exactly one of [format.regex], [format.delimited] or [format.json]",
            );
        }
    };

    let time = match raw.time {
        None => None,
        Some(t) => Some(TimeSpec {
            format: TimeFormat::parse(&t.format).or_else(|e| bad("time.format", e))?,
            offset: parse_zone(t.zone.as_deref().unwrap_or("UTC"))
                .or_else(|e| bad("time.zone", e))?,
        }),
    };
    let action = match raw.action {
        None => None,
        Some(a) => {
            let other = match a.other.as_deref().unwrap_or("unknown") {
                "allowed" => Action::Allowed,
                "blocked" => Action::Blocked,
                "unknown" => Action::Unknown,
                o => {
                    return bad(
                        "action.other",
                        format!("\"{o}\" is not allowed, blocked or unknown"),
                    );
                }
            };
            if a.allowed.is_empty() && a.blocked.is_empty() {
                return bad(
                    "action.allowed",
                    "list the values meaning allowed, blocked, or both",
                );
            }
            for v in a.allowed.iter().chain(&a.blocked) {
                if v.is_empty() || v == "*" {
                    return bad("action.blocked", "values must not be empty or a lone *");
                }
            }
            Some(ActionMap {
                allowed: a.allowed.into_iter().map(String::into_bytes).collect(),
                blocked: a.blocked.into_iter().map(String::into_bytes).collect(),
                other,
            })
        }
    };

    let detect = match raw.detect {
        None => Detect::Parse { lines: 20, min: 80 },
        Some(d) => {
            let lines = d.lines.unwrap_or(20);
            let min = d.min_percent.unwrap_or(80);
            if !(1..=64).contains(&lines) {
                return bad("detect.lines", "must be 1 to 64");
            }
            if !(MIN_SCORE..=100).contains(&min) {
                return bad("detect.min_percent", format!("must be {MIN_SCORE} to 100"));
            }
            match (d.header, d.regex) {
                (Some(h), None) if !h.is_empty() => {
                    Detect::Header(h.into_bytes().into_boxed_slice())
                }
                (None, Some(r)) => Detect::Regex {
                    re: build_regex(&r).or_else(|e| bad("detect.regex", e))?,
                    lines,
                    min,
                },
                (None, None) => Detect::Parse { lines, min },
                _ => {
                    return bad(
                        "detect.header",
                        "give detect.header (a non-empty first line) or detect.regex, not both",
                    );
                }
            }
        }
    };

    let fields: Vec<String> = map
        .iter()
        .enumerate()
        .filter_map(|(slot, v)| Some(format!("{} ({})", SLOT_NAMES[slot], v.as_deref()?)))
        .collect();
    let format = UserFormat {
        name: leak(name.clone()),
        kind,
        about: leak(
            raw.about
                .unwrap_or_else(|| format!("user-defined format from {file}")),
        ),
        fields: leak(fields.join(", ")),
        spec_url: leak(raw.spec_url.unwrap_or_default()),
        sample: leak(raw.sample.clone().unwrap_or_default()),
        origin: leak(file.to_string()),
        c: Arc::new(Compiled {
            name: leak(name),
            kind,
            comment,
            syntax,
            time,
            action,
            both_host_and_url: map[Slot::Host as usize].is_some()
                && map[Slot::Url as usize].is_some(),
            detect,
        }),
    };
    if let Some(sample) = raw.sample {
        check_sample(&format, &sample)?;
    }
    Ok(format)
}

/// The spec key of a slot's mapping.
fn field_key(slot: usize) -> String {
    match slot {
        s if s == Slot::Time as usize => "time.field".into(),
        s if s == Slot::Action as usize => "action.field".into(),
        s => format!("fields.{}", SLOT_NAMES[s]),
    }
}

/// A regex with the size limits of a spec.
fn build_regex(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_PATTERN {
        return Err(format!("longer than {MAX_PATTERN} bytes"));
    }
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

fn regex_syntax(pattern: &str, map: &[Option<String>; SLOTS]) -> Result<Syntax, FieldError> {
    // Anchored at the start: a line is read from its first byte, and an unanchored pattern
    // would also be tried from every later offset of a line it does not fit.
    let re = build_regex(&format!("^(?:{pattern})")).or_else(|e| bad("regex.pattern", e))?;
    let mut groups = [None; SLOTS];
    for (slot, field) in map.iter().enumerate() {
        let Some(field) = field else { continue };
        let index = re.capture_names().position(|n| n == Some(field.as_str()));
        match index {
            Some(i) => groups[slot] = Some(i),
            None => {
                return bad(
                    &field_key(slot),
                    format!(
                        "\"{field}\" is not a named group of regex.pattern (write (?P<{field}>…))"
                    ),
                );
            }
        }
    }
    Ok(Syntax::Regex { re, groups })
}

fn one_byte(field: &str, s: &str) -> Result<u8, FieldError> {
    let s = match s {
        "\\t" | "tab" => "\t",
        s => s,
    };
    match s.as_bytes() {
        [b] if b.is_ascii() && *b != b'\n' && *b != b'\r' => Ok(*b),
        _ => bad(field, format!("\"{s}\" is not one ASCII character")),
    }
}

fn delimited_syntax(d: RawDelimited, map: &[Option<String>; SLOTS]) -> Result<Syntax, FieldError> {
    let separator = one_byte("delimited.separator", &d.separator)?;
    let quote = match d.quote.as_deref() {
        None | Some("") => None,
        Some(q) => Some(one_byte("delimited.quote", q)?),
    };
    if quote == Some(separator) {
        return bad("delimited.quote", "must differ from the separator");
    }
    let columns = match (d.columns, d.header) {
        (Some(c), false) if !c.is_empty() => Some(c),
        (None, true) => None,
        _ => {
            return bad(
                "delimited.columns",
                "give columns = [...] or header = true (names from the first line), one of them",
            );
        }
    };
    let mut fixed = [None; SLOTS];
    if let Some(columns) = &columns {
        for (slot, field) in map.iter().enumerate() {
            let Some(field) = field else { continue };
            match columns.iter().position(|c| c == field) {
                Some(i) => fixed[slot] = Some(i),
                None => {
                    return bad(
                        &field_key(slot),
                        format!("\"{field}\" is not one of delimited.columns"),
                    );
                }
            }
        }
    }
    Ok(Syntax::Delimited {
        separator,
        quote,
        fixed: columns.is_some().then_some(fixed),
        names: map.clone(),
    })
}

/// The spec's own sample must be recognized by its detection and parse line by line: a spec
/// that cannot read the example its author pasted fails at load, not silently at night.
fn check_sample(f: &UserFormat, sample: &str) -> Result<(), FieldError> {
    // As the scan sees it: detection also tries the head without syslog envelopes, and each
    // line is parsed without its envelope.
    let inner = crate::formats::unwrapped(sample.as_bytes());
    let score = f
        .sniff(sample.as_bytes())
        .max(inner.map_or(0, |i| f.sniff(&i)));
    if score < MIN_SCORE {
        return bad(
            "sample",
            format!("the format's detection does not recognize its own sample (score {score})"),
        );
    }
    let mut parser = f.new_parser();
    let mut events = 0;
    for (i, line) in sample.lines().enumerate() {
        let line =
            crate::formats::unwrap_envelope(line.as_bytes()).map_or(line.as_bytes(), |e| e.msg);
        match parser.parse(line) {
            Ok(Parsed::Event(_)) => events += 1,
            Ok(_) => {}
            Err(e) => return bad("sample", format!("line {}: {e}", i + 1)),
        }
    }
    if events == 0 {
        return bad("sample", "no line of it is an event (a line with a host)");
    }
    Ok(())
}
