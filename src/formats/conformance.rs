//! Tests every registered format through [`FORMATS`], so a new format is covered by adding it
//! to the registry, with no test to copy:
//!
//! - its sample parses to its golden, `tests/golden/formats/<name>.jsonl`: one JSON object per
//!   sample line, so every line is accounted for (an event with all its fields, an ignored
//!   line, a header, or an error);
//! - no truncated or mangled sample line makes its parser panic;
//! - no extreme number in a sample line makes its parser panic or yields a counted event with
//!   an implausible time.
//!
//! The last two also run over user-defined formats (`--format-file`): the specs of
//! tests/data/formats/fixtures.toml (regex, delimited with a header or columns, JSON paths)
//! and the worked example in examples/formats/, with their samples.
//!
//! `SHADOWAI_BLESS=1 cargo test --lib conformance` rewrites the goldens (and removes those of
//! formats no longer registered), naming each file it changed. A golden records what the parser
//! does, not what it should do: read the diff before committing it.

use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use serde_json::{Value, json};

use super::{FORMATS, LogFormat, admit, unwrap_envelope};
use crate::event::{Action, Event, Parsed};
use crate::time::Plausible;

/// The environment variable that makes the golden test rewrite the goldens.
const BLESS: &str = "SHADOWAI_BLESS";

/// Where the goldens live, from the repository root.
const GOLDEN_DIR: &str = "tests/golden/formats";

/// Bytes as text (UTF-8, lossy), or `null`.
fn text(bytes: Option<&[u8]>) -> Value {
    bytes.map_or(Value::Null, |b| String::from_utf8_lossy(b).into())
}

/// One event as a JSON object: every field, the time in RFC 3339 so a wrong zone shows. The
/// `path` is written only where the format logs one apart from the host.
fn event_json(line: usize, e: &Event) -> Value {
    let action = match e.action {
        Action::Allowed => "allowed",
        Action::Blocked => "blocked",
        Action::Unknown => "unknown",
    };
    let mut v = json!({
        "line": line,
        "ts": e.ts.map(crate::time::fmt_rfc3339),
        "user": text(e.user),
        "client": text(e.client),
        "device": text(e.device),
        "host": text(Some(e.host)),
        "bytes_out": e.bytes_out,
        "action": action,
        "source": e.source.as_str(),
        "process": text(e.process),
    });
    if let (Some(path), Some(obj)) = (e.path, v.as_object_mut()) {
        obj.insert("path".into(), text(Some(path)));
    }
    v
}

/// What `format`'s parser makes of each line of its sample, one JSON object a line.
///
/// Lines are fed as the scan feeds them: a syslog envelope is removed first unless the format
/// reads envelopes itself, and the envelope's time stands in for a missing event time.
fn golden_of(format: &dyn LogFormat) -> String {
    let mut parser = format.new_parser();
    let mut out = String::new();
    for (i, line) in format.sample().lines().enumerate() {
        let line_no = i + 1;
        let envelope = if format.reads_syslog() {
            None
        } else {
            unwrap_envelope(line.as_bytes())
        };
        let (bytes, envelope_ts) = envelope.map_or((line.as_bytes(), None), |e| (e.msg, e.ts));
        let value = match parser.parse(bytes) {
            Ok(Parsed::Event(mut e)) => {
                e.ts = e.ts.or(envelope_ts);
                event_json(line_no, &e)
            }
            Ok(Parsed::Ignored) => json!({ "line": line_no, "ignored": true }),
            Ok(Parsed::Meta) => json!({ "line": line_no, "meta": true }),
            Err(why) => json!({ "line": line_no, "error": why.to_string() }),
        };
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out
}

/// Where `want` and `got` first differ, as a readable report; `None` when they are equal.
fn first_difference(name: &str, sample: &str, want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let at = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let show = |l: Option<&&str>| l.map_or("(no line)".to_string(), |l| l.to_string());
    Some(format!(
        "{name} differs at line {} ({} lines expected, {} parsed):\n  sample:   {}\n  expected: {}\n  actual:   {}",
        at + 1,
        w.len(),
        g.len(),
        show(sample.lines().collect::<Vec<_>>().get(at)),
        show(w.get(at)),
        show(g.get(at)),
    ))
}

/// Writes to the real stderr, past the test harness's capture: blessing should say what it
/// changed even when the tests pass.
fn tell(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

#[test]
fn samples_parse_to_their_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN_DIR);
    let bless = std::env::var_os(BLESS).is_some();
    let mut failures = Vec::new();
    for f in FORMATS {
        let file = format!("{}.jsonl", f.name());
        let (path, shown) = (dir.join(&file), format!("{GOLDEN_DIR}/{file}"));
        let got = golden_of(*f);
        let want = std::fs::read_to_string(&path).ok();
        if bless {
            if want.as_deref() != Some(got.as_str()) {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &got).unwrap();
                tell(&format!("blessed {shown}"));
            }
            continue;
        }
        match want {
            None => failures.push(format!("{shown}: missing")),
            Some(want) => failures.extend(first_difference(&shown, f.sample(), &want, &got)),
        }
    }
    // A golden whose format left the registry would otherwise linger unchecked.
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let registered = file
            .strip_suffix(".jsonl")
            .is_some_and(|name| FORMATS.iter().any(|f| f.name() == name));
        if registered {
            continue;
        }
        if bless {
            std::fs::remove_file(entry.path()).unwrap();
            tell(&format!("removed {GOLDEN_DIR}/{file}"));
        } else {
            failures.push(format!("{GOLDEN_DIR}/{file}: no format of that name"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\n{BLESS}=1 cargo test --lib conformance rewrites the goldens; check the diff first",
        failures.join("\n\n")
    );
}

/// Mangled versions of one line: a few deterministic edits where a parser is most likely to
/// go wrong, each with a label for the failure message.
fn mutations(line: &[u8]) -> Vec<(String, Vec<u8>)> {
    /// Edit positions per line, at most: lines run to 2 KB and each position costs 5 parses.
    const POSITIONS: usize = 16;
    /// Fields doubled, and dropped, per separator, at most.
    const FIELDS: usize = 12;
    let mut out = Vec::new();
    // Positions next to punctuation (field and quote boundaries), spread over the line.
    let edges: Vec<usize> = (0..=line.len())
        .filter(|&p| {
            let punct = |b: Option<&u8>| b.is_some_and(|b| !b.is_ascii_alphanumeric());
            punct(line.get(p)) || p.checked_sub(1).is_some_and(|q| punct(line.get(q)))
        })
        .collect();
    let step = edges.len().div_ceil(POSITIONS).max(1);
    for &p in edges.iter().step_by(step) {
        for ins in ["\"", "\t", ",", "\\"] {
            let mut m = line.to_vec();
            m.splice(p..p, ins.bytes());
            out.push((format!("{ins:?} inserted at byte {p}"), m));
        }
        if p < line.len() {
            let mut m = line.to_vec();
            m[p] ^= 0x80;
            out.push((format!("byte {p} flipped"), m));
        }
    }
    for sep in [b' ', b'\t', b','] {
        let fields: Vec<&[u8]> = line.split(|&b| b == sep).collect();
        if fields.len() < 2 {
            continue;
        }
        for k in 0..fields.len().min(FIELDS) {
            let mut doubled = fields.clone();
            doubled.insert(k, fields[k]);
            out.push((
                format!("field {k} (split on {:?}) doubled", char::from(sep)),
                doubled.join(&sep),
            ));
            let mut dropped = fields.clone();
            dropped.remove(k);
            out.push((
                format!("field {k} (split on {:?}) dropped", char::from(sep)),
                dropped.join(&sep),
            ));
        }
    }
    out
}

/// Data lines mangled per format, at most, spread over the sample; every header line is.
const LINES: usize = 16;

/// Cut positions per line, at most: every byte of a short line, evenly spread on a long one.
const CUTS: usize = 128;

/// Truncations of `line`, kept from the start and from the end (a read that began mid-line).
fn truncations(line: &[u8]) -> Vec<(String, Vec<u8>)> {
    let step = line.len().div_ceil(CUTS).max(1);
    (0..=line.len())
        .step_by(step)
        .flat_map(|cut| {
            [
                (format!("only the first {cut} bytes"), line[..cut].to_vec()),
                (
                    format!("the first {cut} bytes cut off"),
                    line[cut..].to_vec(),
                ),
            ]
        })
        .collect()
}

/// No sample line, truncated or mangled, makes its format's parser panic (`Ok` and `Err` are
/// both fine). The work is capped to about a second in a debug build: every header line and up
/// to [`LINES`] data lines of each sample, at most [`CUTS`] truncations and a few dozen
/// mutations of each. A parser's state changes only on header lines ([`Parsed::Meta`]), so one
/// parser serves all the variants of a data line; after a variant of a header, or a variant
/// taken for one, the next data line is parsed too (a mangled `#fields` must not make the
/// columns that follow panic), and a fresh parser is set up.
#[test]
fn truncated_and_mangled_lines_never_panic() {
    for f in FORMATS.iter().copied().chain(super::user::test_fixtures()) {
        let sample: Vec<&[u8]> = f.sample().lines().map(str::as_bytes).collect();
        let mut parser = f.new_parser();
        let meta: Vec<bool> = sample
            .iter()
            .map(|l| matches!(parser.parse(l), Ok(Parsed::Meta)))
            .collect();
        let data: Vec<usize> = (0..sample.len()).filter(|&i| !meta[i]).collect();
        let picked: Vec<usize> = (0..LINES.min(data.len()))
            .map(|k| data[k * data.len() / LINES.min(data.len())])
            .collect();
        for i in (0..sample.len()).filter(|i| meta[*i] || picked.contains(i)) {
            let line = sample[i];
            let next = data.iter().find(|&&d| d > i).or(data.last());
            // A parser that has seen the headers above line `i`, as in a real file.
            let primed = || {
                let mut p = f.new_parser();
                for h in (0..i).filter(|&h| meta[h]) {
                    let _ = p.parse(sample[h]);
                }
                p
            };
            let mut p = primed();
            for (what, variant) in truncations(line).into_iter().chain(mutations(line)) {
                let run = catch_unwind(AssertUnwindSafe(|| {
                    let parsed_as_header = matches!(p.parse(&variant), Ok(Parsed::Meta));
                    let header = meta[i] || parsed_as_header;
                    if let Some(&d) = next.filter(|_| header) {
                        let _ = p.parse(sample[d]);
                    }
                    header
                }));
                match run {
                    Ok(false) => {}
                    Ok(true) => p = primed(),
                    Err(_) => panic!(
                        "{} panicked on sample line {}, {what}: {:?}",
                        f.name(),
                        i + 1,
                        String::from_utf8_lossy(&variant)
                    ),
                }
            }
        }
    }
}

/// Values written over the numbers of a sample line: past every integer type, the edges of
/// `u64` and `i64`, the Unix seconds of day 2^31 (issue 23: one such Squid time panicked the
/// report) and a negative one past it (a Zeek JSON `ts`), and zero (1970).
const EXTREMES: [&str; 8] = [
    "99999999999999999999",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "185542587187200",
    "-185542587187300",
    "0",
    "1e300",
];

/// One variant of a line: what was done, the bytes, and whether only one field changed.
type Variant = (String, Vec<u8>, bool);

/// Variants of `line` with extreme numbers: each run of digits, then all of them at once,
/// replaced by each of [`EXTREMES`]; and each quoted value holding a digit (a JSON time or
/// count written as a string) replaced by each extreme, bare and quoted.
fn extremes(line: &[u8]) -> Vec<Variant> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i].is_ascii_digit() {
            let start = i;
            while line.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            runs.push(start..i);
        } else {
            i += 1;
        }
    }
    let mut quoted = Vec::new();
    let mut open = None;
    for (i, &b) in line.iter().enumerate() {
        if b != b'"' || (i > 0 && line[i - 1] == b'\\') {
            continue;
        }
        match open.take() {
            None => open = Some(i),
            Some(start) if line[start..i].iter().any(u8::is_ascii_digit) => {
                quoted.push(start..i + 1)
            }
            Some(_) => {}
        }
    }
    let replace = |ranges: &[std::ops::Range<usize>], with: &[u8]| {
        let mut out = Vec::with_capacity(line.len() + ranges.len() * with.len());
        let mut at = 0;
        for r in ranges {
            out.extend_from_slice(&line[at..r.start]);
            out.extend_from_slice(with);
            at = r.end;
        }
        out.extend_from_slice(&line[at..]);
        out
    };
    let mut out = Vec::new();
    for x in EXTREMES {
        for r in &runs {
            out.push((
                format!("digits at byte {} replaced by {x}", r.start),
                replace(std::slice::from_ref(r), x.as_bytes()),
                true,
            ));
        }
        out.push((
            format!("every run of digits replaced by {x}"),
            replace(&runs, x.as_bytes()),
            false,
        ));
        for r in &quoted {
            out.push((
                format!("quoted value at byte {} replaced by {x}", r.start),
                replace(std::slice::from_ref(r), x.as_bytes()),
                true,
            ));
            out.push((
                format!("quoted value at byte {} replaced by \"{x}\"", r.start),
                replace(std::slice::from_ref(r), format!("\"{x}\"").as_bytes()),
                true,
            ));
        }
    }
    out
}

/// No number in a sample line (up to [`LINES`] data lines of each sample, spread over it),
/// however large or negative, makes a parser panic (debug
/// builds panic on integer overflow), and no event it yields reaches the counts with a time
/// outside [`Plausible`]: each variant goes through [`admit`], as every line of a scan does,
/// so a time past day 2^31 or before 1990 must end as a skipped line. Issue 23: a Squid time
/// of `185542587187200` and a Zeek JSON `ts` of `-185542587187300` crashed the report.
///
/// Nor may one bad number turn a dated line into an undated event (a time the parser could
/// not read is a bad time, not an absent one), which would bypass the rule. With every number
/// replaced at once a line may lose the shape that says it has a time at all (its envelope),
/// so that check is made on single-field variants only.
#[test]
fn extreme_numbers_never_panic_nor_count() {
    let plausible = Plausible::from_clock();
    let mut failures = Vec::new();
    for f in FORMATS.iter().copied().chain(super::user::test_fixtures()) {
        let sample: Vec<&[u8]> = f.sample().lines().map(str::as_bytes).collect();
        let mut parser = f.new_parser();
        let meta: Vec<bool> = sample
            .iter()
            .map(|l| matches!(parser.parse(l), Ok(Parsed::Meta)))
            .collect();
        let primed = |i: usize| {
            let mut p = f.new_parser();
            for h in (0..i).filter(|&h| meta[h]) {
                let _ = p.parse(sample[h]);
            }
            p
        };
        let data: Vec<usize> = (0..sample.len()).filter(|&i| !meta[i]).collect();
        let picked =
            (0..LINES.min(data.len())).map(|k| data[k * data.len() / LINES.min(data.len())]);
        for i in picked {
            let mut p = primed(i);
            let dated = matches!(
                admit(p.parse(sample[i]), None, plausible),
                Ok(Parsed::Event(Event { ts: Some(_), .. }))
            );
            for (what, variant, single) in extremes(sample[i]) {
                let run = catch_unwind(AssertUnwindSafe(|| {
                    let envelope = if f.reads_syslog() {
                        None
                    } else {
                        unwrap_envelope(&variant)
                    };
                    let (bytes, envelope_ts) =
                        envelope.map_or((&variant[..], None), |e| (e.msg, e.ts));
                    match admit(p.parse(bytes), envelope_ts, plausible) {
                        Ok(Parsed::Event(e)) => Ok(e.ts),
                        Ok(Parsed::Meta) => Err(true),
                        _ => Err(false),
                    }
                }));
                let shown = || String::from_utf8_lossy(&variant).into_owned();
                match run {
                    Err(_) => failures.push(format!(
                        "{} panicked on sample line {}, {what}: {:?}",
                        f.name(),
                        i + 1,
                        shown()
                    )),
                    Ok(Ok(Some(ts))) if !plausible.contains(ts) => failures.push(format!(
                        "{} counted time {ts} from sample line {}, {what}: {:?}",
                        f.name(),
                        i + 1,
                        shown()
                    )),
                    Ok(Ok(None)) if dated && single => failures.push(format!(
                        "{} lost the time of sample line {}, {what}: {:?}",
                        f.name(),
                        i + 1,
                        shown()
                    )),
                    // A variant taken for a header changed the parser's columns.
                    Ok(Err(true)) => p = primed(i),
                    Ok(_) => {}
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
