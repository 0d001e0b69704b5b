//! The log formats: one module per vendor format, each a static [`LogFormat`] descriptor that
//! can sniff a file head and build a per-file [`LineParser`].
//!
//! Adding a format is one file in this folder, one line in the `formats!` list below, a sample in
//! `sample-logs/<name>/` and its tests; see CONTRIBUTING.md. The registry macro declares the
//! module and lists it in [`FORMATS`] in one place, so the two can never drift apart.
#![deny(missing_docs)]

use crate::error::ParseError;
use crate::event::{Parsed, SourceKind};
use crate::time::Plausible;

mod cef;
#[cfg(test)]
mod conformance;
mod csv_fields;
pub(crate) mod json;
mod json_paths;
pub mod syslog;
pub mod user;
mod zeek;

/// What the scan counts of one parsed line: the event takes its own time, or else its syslog
/// envelope's (`envelope_ts`), and an event whose time lies outside `plausible` becomes a
/// skipped line (`ParseError::ImplausibleTime`). Events without a time are kept.
///
/// The one place the rule is applied: every way of reading (whole files, chunks, `--state`
/// resumes, `--emit-partial`) goes through it, so no implausible time reaches the aggregates
/// and no report walks a span of days a single corrupt line made up.
pub fn admit<'a>(
    parsed: Result<Parsed<'a>, ParseError>,
    envelope_ts: Option<i64>,
    plausible: Plausible,
) -> Result<Parsed<'a>, ParseError> {
    match parsed? {
        Parsed::Event(mut e) => {
            e.ts = e.ts.or(envelope_ts);
            match e.ts {
                Some(ts) if !plausible.contains(ts) => Err(ParseError::ImplausibleTime),
                _ => Ok(Parsed::Event(e)),
            }
        }
        other => Ok(other),
    }
}

/// A static description of one log format.
pub trait LogFormat: Sync {
    /// Short name, used by `--format` and in reports: `squid`, `zeek-dns`, …
    fn name(&self) -> &'static str;
    /// What kind of sensor writes it.
    fn kind(&self) -> SourceKind;
    /// One line for `shadowai formats`.
    fn about(&self) -> &'static str;
    /// The fields it reads, for `shadowai formats` and docs/formats.md.
    fn fields(&self) -> &'static str;
    /// The vendor's format documentation.
    fn spec_url(&self) -> &'static str;
    /// The sample under `sample-logs/`, compiled in for `shadowai formats` and the tests.
    fn sample(&self) -> &'static str;
    /// How sure (0..=100) this format is that `head` (whole lines, decompressed) is its own.
    fn sniff(&self, head: &[u8]) -> u8;
    /// A parser for one file (or one chunk of a file).
    fn new_parser(&self) -> Box<dyn LineParser>;
    /// Whether a parser learns from header lines (Zeek `#fields`, W3C `#Fields:`). Files of
    /// such formats are read start to end by one worker instead of in parallel chunks.
    fn stateful(&self) -> bool {
        false
    }
    /// Whether the parser reads syslog envelopes itself (it needs the header: dnsmasq's tag,
    /// PAN-OS's receive time). For every other format, lines wrapped in an RFC 3164/5424
    /// envelope are unwrapped before `sniff` and `parse` (see [`unwrap_envelope`]).
    fn reads_syslog(&self) -> bool {
        false
    }
    /// The spec file a user-defined format was loaded from (`--format-file`); `None` for the
    /// built-ins.
    fn origin(&self) -> Option<&'static str> {
        None
    }
}

/// Parses the lines of one file, in order.
pub trait LineParser: Send {
    /// Turns one line (without its newline) into an event, a non-event, or an error. The
    /// event may borrow from the line or from the parser (JSON formats unescape into a buffer
    /// the parser owns and reuses).
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError>;
}

/// Declares the format modules and the [`FORMATS`] registry from one list.
macro_rules! formats {
    ($($module:ident :: $ty:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every supported format, in the order `shadowai formats` lists them.
        pub const FORMATS: &[&dyn LogFormat] = &[$(&$module::$ty),*];
    };
}

formats! {
    squid::Squid,
    zeek_dns::ZeekDns,
    bind_query::BindQuery,
    combined::Combined,
    dnsmasq::Dnsmasq,
    route53::Route53,
    windows_dns::WindowsDns,
    w3c::W3c,
    zeek_http::ZeekHttp,
    zeek_ssl::ZeekSsl,
    zeek_json::ZeekJson,
    zscaler_nss::ZscalerNss,
    zscaler_nss_tsv::ZscalerNssTsv,
    panos::Panos,
    fortigate::Fortigate,
    umbrella_dns::UmbrellaDns,
    umbrella_proxy::UmbrellaProxy,
    sysmon_json::SysmonJson,
    sysmon_xml::SysmonXml,
    crowdstrike::Crowdstrike,
    mde::Mde,
    mde_csv::MdeCsv,
    osquery::Osquery,
    sentinel_sysmon::SentinelSysmon,
    sentinel_sysmon_csv::SentinelSysmonCsv,
    suricata_eve::SuricataEve,
    ecs::Ecs,
    ocsf::Ocsf,
    cloudflare_dns::CloudflareDns,
    cloudflare_http::CloudflareHttp,
    azure_firewall::AzureFirewall,
    gcp_dns::GcpDns,
    cisco_wsa::CiscoWsa,
    skyhigh_swg::SkyhighSwg,
    forcepoint::Forcepoint,
    checkpoint::Checkpoint,
    sophos_firewall::SophosFirewall,
    windows_dns_analytical::WindowsDnsAnalytical,
}

/// The format table of docs/formats.md, generated from the registry so the two cannot disagree.
pub fn markdown_table() -> String {
    let mut t = String::from("| name | kind | what | fields read |\n|---|---|---|---|\n");
    for f in FORMATS {
        t.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.name(),
            f.kind().as_str(),
            f.about(),
            f.fields()
        ));
    }
    t
}

/// The user-defined formats of this run (`--format-file`), set once when the command starts.
static USER_FORMATS: std::sync::OnceLock<Vec<&'static dyn LogFormat>> = std::sync::OnceLock::new();

/// Adds the user-defined formats to the registry for the rest of the process. A process runs
/// one command, which loads its spec files once; a second call changes nothing.
fn install_user(formats: Vec<&'static dyn LogFormat>) {
    let _ = USER_FORMATS.set(formats);
}

/// The user-defined formats loaded by `--format-file`, in load order.
pub fn user_formats() -> &'static [&'static dyn LogFormat] {
    USER_FORMATS.get().map_or(&[], Vec::as_slice)
}

/// Every format this run knows: the built-ins, then the user-defined ones.
pub fn all() -> impl Iterator<Item = &'static dyn LogFormat> {
    FORMATS
        .iter()
        .copied()
        .chain(user_formats().iter().copied())
}

/// The format named `name` (built-in or user-defined), if there is one.
pub fn by_name(name: &str) -> Option<&'static dyn LogFormat> {
    all().find(|f| f.name() == name)
}

/// The lowest sniff score that identifies a format.
pub(crate) const MIN_SCORE: u8 = 60;
/// How far ahead of the runner-up the winner must be.
const MIN_LEAD: u8 = 20;

/// Why a file's format could not be told from its head.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// No format scored enough.
    #[error("no known log format recognized{}; use --format NAME (see `shadowai formats`)", best_guess(.0))]
    Unknown(Vec<(&'static str, u8)>),
    /// Two formats scored too close to call.
    #[error("ambiguous log format: {} (scores {}); use --format NAME", names(.0), scores(.0))]
    Ambiguous(Vec<(&'static str, u8)>),
}

fn best_guess(scores: &[(&'static str, u8)]) -> String {
    match scores.first() {
        Some((name, s)) if *s > 0 => format!(" (closest: {name}, score {s})"),
        _ => String::new(),
    }
}

fn names(scores: &[(&'static str, u8)]) -> String {
    scores
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(" or ")
}

fn scores(scores: &[(&'static str, u8)]) -> String {
    scores
        .iter()
        .map(|(_, s)| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The syslog envelope of a line, if it has one. Cheap when it has none: only lines opening
/// with `<PRI>`, an RFC 3164 month or an ISO `…T…` time are looked at, so the formats' own
/// date-first lines (W3C, BIND) are never mistaken for an envelope.
pub fn unwrap_envelope(line: &[u8]) -> Option<syslog::Envelope<'_>> {
    let first = *line.first()?;
    let plausible = first == b'<' || first.is_ascii_uppercase() || line.get(10) == Some(&b'T');
    if plausible { syslog::strip(line) } else { None }
}

/// `head` with every syslog envelope removed, if any line had one.
fn unwrapped(head: &[u8]) -> Option<Vec<u8>> {
    let mut any = false;
    let mut out = Vec::with_capacity(head.len());
    for line in head.split(|&b| b == b'\n') {
        match unwrap_envelope(line) {
            Some(e) => {
                any = true;
                out.extend_from_slice(e.msg);
            }
            None => out.extend_from_slice(line),
        }
        out.push(b'\n');
    }
    any.then_some(out)
}

/// Every format's score for `head`, best first (built-ins before user-defined formats, and
/// registry order, among equals): its sniff of the lines as they are, or of the lines without
/// their syslog envelopes when that is higher and the format does not read envelopes itself.
/// What `shadowai formats --detect` shows; [`detect`] decides on the same scores.
pub fn score_all(head: &[u8]) -> Vec<(&'static dyn LogFormat, u8)> {
    let mut scored = scores_of(head, FORMATS);
    scored.extend(scores_of(head, user_formats()));
    scored.sort_by_key(|s| std::cmp::Reverse(s.1));
    scored
}

/// The scores of `formats` for `head`, in their order.
fn scores_of(head: &[u8], formats: &[&'static dyn LogFormat]) -> Vec<(&'static dyn LogFormat, u8)> {
    let inner = unwrapped(head);
    let score = |f: &dyn LogFormat| match &inner {
        Some(inner) if !f.reads_syslog() => f.sniff(head).max(f.sniff(inner)),
        _ => f.sniff(head),
    };
    formats.iter().map(|f| (*f, score(*f))).collect()
}

/// The lowest score that identifies a format, and how far ahead of the runner-up it must be.
pub const THRESHOLDS: (u8, u8) = (MIN_SCORE, MIN_LEAD);

/// Picks the format of a file from its head: the best score wins if it is at least
/// `MIN_SCORE` and `MIN_LEAD` ahead of the runner-up.
///
/// The built-ins are tried first, and a file one of them recognizes is read as it whatever
/// a user-defined format scores: adding a `--format-file` never changes how a file read
/// before is read (`--format NAME` overrides). Only when no built-in wins do the user
/// formats join, under the same rule against every score.
pub fn detect(head: &[u8]) -> Result<&'static dyn LogFormat, DetectError> {
    detect_among(head, FORMATS, user_formats())
}

/// [`detect`] over the given built-in and user-defined formats.
fn detect_among(
    head: &[u8],
    builtin: &[&'static dyn LogFormat],
    user: &[&'static dyn LogFormat],
) -> Result<&'static dyn LogFormat, DetectError> {
    let mut scored = scores_of(head, builtin);
    match pick(&mut scored) {
        Err(_) if !user.is_empty() => {
            scored.extend(scores_of(head, user));
            pick(&mut scored)
        }
        picked => picked,
    }
}

/// The winner of `scored`, by the rule of [`detect`].
fn pick(
    scored: &mut [(&'static dyn LogFormat, u8)],
) -> Result<&'static dyn LogFormat, DetectError> {
    scored.sort_by_key(|s| std::cmp::Reverse(s.1));
    let Some(&(best, best_score)) = scored.first() else {
        return Err(DetectError::Unknown(Vec::new()));
    };
    let runner_up = scored.get(1).map_or(0, |s| s.1);
    let summary = || {
        scored
            .iter()
            .map(|(f, s)| (f.name(), *s))
            .collect::<Vec<_>>()
    };
    if best_score < MIN_SCORE {
        return Err(DetectError::Unknown(summary()));
    }
    if best_score - runner_up < MIN_LEAD {
        let close = scored
            .iter()
            .filter(|(_, s)| best_score - s < MIN_LEAD)
            .map(|(f, s)| (f.name(), *s))
            .collect();
        return Err(DetectError::Ambiguous(close));
    }
    Ok(best)
}

/// Lines a sniffer looks at, at most.
const SNIFF_LINES: usize = 64;

/// Scores `head` as the percentage of its non-blank lines (up to [`SNIFF_LINES`]) that `pred`
/// accepts. `pred` returns `None` for lines that should not count either way (comments).
pub(crate) fn score_lines(head: &[u8], pred: impl Fn(&[u8]) -> Option<bool>) -> u8 {
    let (mut seen, mut hit) = (0u32, 0u32);
    for line in head.split(|&b| b == b'\n').map(<[u8]>::trim_ascii) {
        if line.is_empty() {
            continue;
        }
        match pred(line) {
            Some(true) => hit += 1,
            Some(false) => {}
            None => continue,
        }
        seen += 1;
        if seen as usize == SNIFF_LINES {
            break;
        }
    }
    (hit * 100).checked_div(seen).unwrap_or(0) as u8
}

/// Splits `line` on `sep` into at most `N` fields; runs of `sep` count as one when
/// `collapse` (Squid pads with spaces). Returns the fields and how many were found; the last
/// field holds the unsplit remainder when there are more than `N`.
///
/// # Performance
/// Runs on every line of most formats. Separators are found eight bytes at a time
/// ([`Separators`]); a byte loop over the line was a sixth of a Squid scan, and a `memchr` call
/// per field costs more in setup than it saves on fields this short.
pub(crate) fn split_fields<const N: usize>(
    line: &[u8],
    sep: u8,
    collapse: bool,
) -> ([&[u8]; N], usize) {
    let mut out: [&[u8]; N] = [&[]; N];
    let mut seps = Separators::new(line, sep);
    let (mut n, mut i, len) = (0, 0, line.len());
    loop {
        if collapse {
            while i < len && line[i] == sep {
                i += 1;
            }
            if i == len {
                return (out, n);
            }
        }
        if n == N - 1 {
            out[n] = &line[i..];
            return (out, N);
        }
        let start = i;
        i = seps.next_from(i).unwrap_or(len);
        out[n] = &line[start..i];
        n += 1;
        if i == len {
            return (out, n);
        }
        i += 1;
    }
}

/// The positions of one byte in a line, in order, found a word (eight bytes) at a time.
struct Separators<'a> {
    line: &'a [u8],
    /// The byte in every lane.
    splat: u64,
    /// Offset of the word in `mask`.
    word: usize,
    /// The high bit of each lane of that word holding the byte, positions already passed
    /// cleared.
    mask: u64,
}

impl<'a> Separators<'a> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

    fn new(line: &'a [u8], sep: u8) -> Self {
        let splat = u64::from(sep) * 0x0101_0101_0101_0101;
        let mut s = Separators {
            line,
            splat,
            word: 0,
            mask: 0,
        };
        s.mask = s.matches(0);
        s
    }

    /// The lanes of the word at `at` that hold the byte (exact: no false positives).
    fn matches(&self, at: usize) -> u64 {
        let rest = &self.line[at.min(self.line.len())..];
        let (x, valid) = match rest.first_chunk::<8>() {
            Some(w) => (u64::from_le_bytes(*w), u64::MAX),
            None => {
                let mut w = [0u8; 8];
                w[..rest.len()].copy_from_slice(rest);
                // Lanes past the end hold no byte, whatever the padding equals.
                let valid = (1u64 << (8 * rest.len())) - 1;
                (u64::from_le_bytes(w), valid)
            }
        };
        let x = x ^ self.splat;
        let zero = !(((x & Self::LOW7).wrapping_add(Self::LOW7)) | x | Self::LOW7);
        zero & valid
    }

    /// The first position at or after `from` holding the byte.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        if from >= self.word + 8 {
            self.word = from & !7;
            self.mask = self.matches(self.word);
        }
        if from > self.word {
            // Lanes before `from` (at most seven) are passed.
            self.mask &= !((1u64 << (8 * (from - self.word))) - 1);
        }
        loop {
            if self.mask != 0 {
                return Some(self.word + self.mask.trailing_zeros() as usize / 8);
            }
            self.word += 8;
            if self.word >= self.line.len() {
                return None;
            }
            self.mask = self.matches(self.word);
        }
    }
}

/// `None` for the placeholders logs write for "no value".
pub(crate) fn present(field: &[u8]) -> Option<&[u8]> {
    match field {
        b"" | b"-" | b"(empty)" => None,
        f => Some(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_samples_detect_as_themselves() {
        for f in FORMATS {
            assert_eq!(FORMATS.iter().filter(|g| g.name() == f.name()).count(), 1);
            let got = detect(f.sample().as_bytes()).map(|g| g.name());
            assert_eq!(got.ok(), Some(f.name()), "sample of {}", f.name());
        }
    }

    #[test]
    fn syslog_wrapped_lines_are_detected_as_their_inner_format() {
        for f in FORMATS.iter().filter(|f| !f.reads_syslog()) {
            let wrapped: String = f
                .sample()
                .lines()
                .map(|l| format!("<134>1 2026-11-24T10:00:00Z relay app - - - {l}\n"))
                .collect();
            let got = detect(wrapped.as_bytes()).map(|g| g.name());
            assert_eq!(got.ok(), Some(f.name()), "wrapped sample of {}", f.name());
        }
    }

    #[test]
    fn docs_table_matches_the_registry() {
        let doc = include_str!("../../docs/formats.md");
        assert!(
            doc.contains(&markdown_table()),
            "docs/formats.md's format table is stale: paste `shadowai formats --markdown`"
        );
    }

    #[test]
    fn garbage_is_not_detected() {
        assert!(matches!(
            detect(b"hello world\nthis is not a log\n"),
            Err(DetectError::Unknown(_))
        ));
        assert!(matches!(detect(b""), Err(DetectError::Unknown(_))));
    }

    /// The splitter as it was, one byte at a time: the reference for the fast one.
    fn split_bytewise(line: &[u8], sep: u8, collapse: bool, max: usize) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let (mut i, len) = (0, line.len());
        loop {
            if collapse {
                while i < len && line[i] == sep {
                    i += 1;
                }
                if i == len {
                    return out;
                }
            }
            if out.len() == max - 1 {
                out.push(&line[i..]);
                return out;
            }
            let start = i;
            while i < len && line[i] != sep {
                i += 1;
            }
            out.push(&line[start..i]);
            if i == len {
                return out;
            }
            i += 1;
        }
    }

    #[test]
    fn split_fields_agrees_with_a_byte_loop() {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"  ab\t,\0\xff\x80";
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let len = (rng % 40) as usize;
            let line: Vec<u8> = (0..len)
                .map(|k| alphabet[((rng >> (k % 50)) as usize + k * 7) % alphabet.len()])
                .collect();
            for (sep, collapse) in [
                (b' ', true),
                (b' ', false),
                (b'\t', false),
                (0u8, false),
                (0x80, true),
            ] {
                let (f, n) = split_fields::<5>(&line, sep, collapse);
                assert_eq!(
                    &f[..n],
                    split_bytewise(&line, sep, collapse, 5).as_slice(),
                    "{line:?} on {sep:?}"
                );
            }
        }
    }

    #[test]
    fn split_fields_collapses_runs() {
        let (f, n) = split_fields::<4>(b"  a   b c", b' ', true);
        assert_eq!(n, 3);
        assert_eq!(&f[..n], &[&b"a"[..], b"b", b"c"]);
        let (f, n) = split_fields::<2>(b"a\tb\tc", b'\t', false);
        assert_eq!((n, f[1]), (2, &b"b\tc"[..]));
        let (f, n) = split_fields::<3>(b"a\t\tc", b'\t', false);
        assert_eq!(&f[..n], &[&b"a"[..], b"", b"c"]);
    }
}
