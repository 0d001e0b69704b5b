//! How a user-defined format reads its time field: RFC 3339, Unix seconds (or milli-, micro-,
//! nanoseconds), or a strftime pattern, in a fixed zone when the text carries none.
//!
//! Why only fixed offsets and no zone names: the binary carries no time-zone database, and a
//! zone name read without one would be wrong for half of each year (daylight saving). A log
//! written in local time with daylight saving should be re-exported in UTC, or given the
//! offset of the period it covers.
//!
//! Every number is read without overflow and every calendar value is range-checked
//! ([`unix_seconds`]), so no field a log holds can panic or wrap; a value that does not read
//! is `None`, which the parser reports as a bad timestamp.

use crate::time::{parse_epoch, parse_iso8601, parse_month, parse_u64, unix_seconds};

/// How the time field is written.
#[derive(Clone, Debug)]
pub(super) enum TimeFormat {
    /// RFC 3339 / ISO 8601 (`2026-11-24T09:15:00Z`, a space for the `T`, optional fraction
    /// and offset).
    Rfc3339,
    /// Unix time in seconds, nanoseconds or anything between: the divisor to seconds, and
    /// whether a fraction is allowed (seconds only).
    Epoch(i64),
    /// A strftime pattern, compiled.
    Pattern(Vec<Item>),
}

/// One piece of a strftime pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Item {
    /// A byte that must be there.
    Lit(u8),
    /// One or more spaces or tabs (a space in the pattern).
    Blank,
    /// `%Y`: a four-digit year.
    Year,
    /// `%y`: a two-digit year, 1970-2069.
    Year2,
    /// `%m`: month 1-12.
    Month,
    /// `%b`, `%h`, `%B`: a month name, three letters or in full.
    MonthName,
    /// `%d`, `%e`: day of month (`%e` may be space-padded).
    Day,
    /// `%H`: hour 0-23.
    Hour,
    /// `%I`: hour 1-12, with `%p`.
    Hour12,
    /// `%M`: minute.
    Minute,
    /// `%S`: second.
    Second,
    /// `%f`: fraction digits (dropped).
    Fraction,
    /// `%p`: AM or PM.
    AmPm,
    /// `%z`: `Z`, `±hh`, `±hhmm` or `±hh:mm`.
    Offset,
    /// `%Z`: `UTC`, `GMT` or `Z` (named zones are refused at load; see the module doc).
    Utc,
    /// `%a`, `%A`: a weekday name (read and ignored).
    Weekday,
    /// `%s`: Unix seconds.
    Epoch,
}

impl TimeFormat {
    /// `rfc3339`, `epoch`, `epoch_ms`, `epoch_us`, `epoch_ns`, or a pattern holding `%`.
    pub(super) fn parse(s: &str) -> Result<TimeFormat, String> {
        Ok(match s {
            "rfc3339" | "iso8601" => TimeFormat::Rfc3339,
            "epoch" => TimeFormat::Epoch(1),
            "epoch_ms" => TimeFormat::Epoch(1_000),
            "epoch_us" => TimeFormat::Epoch(1_000_000),
            "epoch_ns" => TimeFormat::Epoch(1_000_000_000),
            p if p.contains('%') => TimeFormat::Pattern(compile(p)?),
            other => {
                return Err(format!(
                    "unknown format \"{other}\" (rfc3339, epoch, epoch_ms, epoch_us, epoch_ns, or a strftime pattern such as \"%d/%b/%Y:%H:%M:%S %z\")"
                ));
            }
        })
    }

    /// Unix seconds of `b`; `offset` (seconds east of UTC) applies when `b` carries no zone.
    pub(super) fn read(&self, b: &[u8], offset: i64) -> Option<i64> {
        match self {
            TimeFormat::Rfc3339 => {
                let (t, used) = parse_iso8601(b)?;
                if used != b.len() {
                    return None;
                }
                // The date's own dashes sit before byte 10; a sign or Z after it is a zone.
                let zoned = b[10..]
                    .iter()
                    .any(|c| matches!(c, b'+' | b'-' | b'Z' | b'z'));
                Some(if zoned { t } else { t.checked_sub(offset)? })
            }
            TimeFormat::Epoch(1) => parse_epoch(b),
            TimeFormat::Epoch(div) => {
                let int = b.split(|&c| c == b'.').next()?;
                let n = i64::try_from(parse_u64(int)?).ok()?;
                Some(n / div)
            }
            TimeFormat::Pattern(items) => read_pattern(items, b, offset),
        }
    }
}

/// `UTC`, `Z`, `GMT`, `+01:00`, `-0500`, `+05`: seconds east of UTC.
pub(super) fn parse_zone(s: &str) -> Result<i64, String> {
    if matches!(s, "UTC" | "utc" | "Z" | "GMT") {
        return Ok(0);
    }
    offset(s.as_bytes())
        .filter(|&(_, used)| used == s.len())
        .map(|(o, _)| o)
        .ok_or_else(|| {
            format!(
                "unknown zone \"{s}\": use UTC or a fixed offset such as +01:00 (zone names are not supported: no time-zone database is built in)"
            )
        })
}

/// A `±hh[[:]mm]` offset or `Z` at the start of `b`: seconds east of UTC and bytes used.
fn offset(b: &[u8]) -> Option<(i64, usize)> {
    let sign = match b.first()? {
        b'Z' | b'z' => return Some((0, 1)),
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hh = two(b, 1)?;
    let (mm, used) = match b.get(3) {
        Some(b':') => (two(b, 4)?, 6),
        Some(c) if c.is_ascii_digit() => (two(b, 3)?, 5),
        _ => (0, 3),
    };
    (hh <= 23 && mm <= 59).then_some((sign * i64::from(hh * 3600 + mm * 60), used))
}

fn two(b: &[u8], at: usize) -> Option<u32> {
    parse_u64(b.get(at..at + 2)?).map(|n| n as u32)
}

/// Compiles a strftime pattern; unknown directives are an error naming them.
fn compile(p: &str) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    let mut bytes = p.bytes();
    while let Some(c) = bytes.next() {
        if c == b' ' || c == b'\t' {
            if out.last() != Some(&Item::Blank) {
                out.push(Item::Blank);
            }
            continue;
        }
        if c != b'%' {
            out.push(Item::Lit(c));
            continue;
        }
        let d = bytes
            .next()
            .ok_or_else(|| format!("pattern \"{p}\" ends with a lone %"))?;
        match d {
            b'Y' => out.push(Item::Year),
            b'y' => out.push(Item::Year2),
            b'm' => out.push(Item::Month),
            b'b' | b'h' | b'B' => out.push(Item::MonthName),
            b'd' | b'e' => out.push(Item::Day),
            b'H' => out.push(Item::Hour),
            b'I' => out.push(Item::Hour12),
            b'M' => out.push(Item::Minute),
            b'S' => out.push(Item::Second),
            b'f' => out.push(Item::Fraction),
            b'p' => out.push(Item::AmPm),
            b'z' => out.push(Item::Offset),
            b'Z' => out.push(Item::Utc),
            b'a' | b'A' => out.push(Item::Weekday),
            b's' => out.push(Item::Epoch),
            b'T' => out.extend([
                Item::Hour,
                Item::Lit(b':'),
                Item::Minute,
                Item::Lit(b':'),
                Item::Second,
            ]),
            b'F' => out.extend([
                Item::Year,
                Item::Lit(b'-'),
                Item::Month,
                Item::Lit(b'-'),
                Item::Day,
            ]),
            b'%' => out.push(Item::Lit(b'%')),
            other => {
                return Err(format!(
                    "pattern \"{p}\": unknown directive %{} (known: %Y %y %m %b %B %h %d %e %H %I %M %S %f %p %z %Z %a %A %s %T %F %%)",
                    char::from(other)
                ));
            }
        }
    }
    let has = |i: Item| out.contains(&i);
    if !(has(Item::Epoch) || has(Item::Year) || has(Item::Year2)) {
        return Err(format!(
            "pattern \"{p}\" has no year (%Y, %y) nor %s: a time without a year cannot be placed"
        ));
    }
    if has(Item::Hour12) != has(Item::AmPm) {
        return Err(format!("pattern \"{p}\": %I and %p go together"));
    }
    Ok(out)
}

/// Up to `max` digits at `b[*at..]` (at least one), as a number.
fn digits(b: &[u8], at: &mut usize, max: usize) -> Option<u32> {
    let start = *at;
    while *at < b.len() && *at - start < max && b[*at].is_ascii_digit() {
        *at += 1;
    }
    if *at == start {
        return None;
    }
    parse_u64(&b[start..*at]).and_then(|n| u32::try_from(n).ok())
}

/// A run of ASCII letters at `b[*at..]`.
fn letters<'a>(b: &'a [u8], at: &mut usize) -> &'a [u8] {
    let start = *at;
    while b.get(*at).is_some_and(u8::is_ascii_alphabetic) {
        *at += 1;
    }
    &b[start..*at]
}

fn read_pattern(items: &[Item], b: &[u8], default_offset: i64) -> Option<i64> {
    let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (None, None, None, 0, 0, 0);
    let (mut pm, mut off, mut epoch) = (None, None, None);
    let mut at = 0;
    for item in items {
        match *item {
            Item::Lit(c) => {
                if b.get(at) != Some(&c) {
                    return None;
                }
                at += 1;
            }
            Item::Blank => {
                let start = at;
                while matches!(b.get(at), Some(b' ' | b'\t')) {
                    at += 1;
                }
                if at == start {
                    return None;
                }
            }
            Item::Year => y = Some(i64::from(digits(b, &mut at, 4)?)),
            Item::Year2 => {
                let yy = i64::from(digits(b, &mut at, 2)?);
                y = Some(if yy < 70 { 2000 + yy } else { 1900 + yy });
            }
            Item::Month => mo = Some(digits(b, &mut at, 2)?),
            Item::MonthName => {
                let name = letters(b, &mut at);
                mo = Some(parse_month(name.get(..3)?)?);
            }
            Item::Day => {
                if b.get(at) == Some(&b' ') {
                    at += 1;
                }
                d = Some(digits(b, &mut at, 2)?);
            }
            Item::Hour | Item::Hour12 => h = digits(b, &mut at, 2)?,
            Item::Minute => mi = digits(b, &mut at, 2)?,
            Item::Second => s = digits(b, &mut at, 2)?,
            Item::Fraction => {
                let start = at;
                while b.get(at).is_some_and(u8::is_ascii_digit) {
                    at += 1;
                }
                if at == start {
                    return None;
                }
            }
            Item::AmPm => {
                pm = Some(match letters(b, &mut at).to_ascii_uppercase().as_slice() {
                    b"AM" => false,
                    b"PM" => true,
                    _ => return None,
                });
            }
            Item::Offset => {
                let (o, used) = offset(b.get(at..)?)?;
                off = Some(o);
                at += used;
            }
            Item::Utc => {
                let name = letters(b, &mut at);
                if !matches!(name, b"UTC" | b"GMT" | b"Z") {
                    return None;
                }
                off = Some(0);
            }
            Item::Weekday => {
                if letters(b, &mut at).len() < 3 {
                    return None;
                }
            }
            Item::Epoch => {
                let start = at;
                while b.get(at).is_some_and(u8::is_ascii_digit) {
                    at += 1;
                }
                epoch = Some(parse_epoch(&b[start..at])?);
            }
        }
    }
    if at != b.len() {
        return None;
    }
    if let Some(t) = epoch {
        return Some(t);
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = h % 12 + if pm { 12 } else { 0 };
    }
    let local = unix_seconds(y?, mo?, d?, h, mi, s)?;
    local.checked_sub(off.unwrap_or(default_offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(fmt: &str, text: &str, zone: &str) -> Option<i64> {
        TimeFormat::parse(fmt)
            .unwrap()
            .read(text.as_bytes(), parse_zone(zone).unwrap())
    }

    #[test]
    fn named_formats() {
        let t = 1_794_215_700; // 2026-11-09T09:15:00Z
        assert_eq!(read("rfc3339", "2026-11-09T09:15:00Z", "UTC"), Some(t));
        assert_eq!(
            read("rfc3339", "2026-11-09 10:15:00.5+01:00", "UTC"),
            Some(t)
        );
        // No zone in the text: the spec's zone applies.
        assert_eq!(read("rfc3339", "2026-11-09T10:15:00", "+01:00"), Some(t));
        assert_eq!(read("rfc3339", "2026-11-09T09:15:00Zjunk", "UTC"), None);
        assert_eq!(read("epoch", "1794215700.123", "+05:00"), Some(t));
        assert_eq!(read("epoch_ms", "1794215700123", "UTC"), Some(t));
        assert_eq!(read("epoch_ns", "1794215700123456789", "UTC"), Some(t));
        assert_eq!(read("epoch", "99999999999999999999", "UTC"), None);
        assert_eq!(read("epoch_ms", "-5", "UTC"), None);
    }

    #[test]
    fn strftime_patterns() {
        let t = 1_794_215_700;
        let apache = "%d/%b/%Y:%H:%M:%S %z";
        assert_eq!(read(apache, "09/Nov/2026:10:15:00 +0100", "UTC"), Some(t));
        assert_eq!(read("%F %T", "2026-11-09 04:15:00", "-05:00"), Some(t));
        assert_eq!(
            read("%m/%d/%Y %I:%M:%S %p", "11/09/2026 9:15:00 AM", "UTC"),
            Some(t)
        );
        assert_eq!(
            read("%m/%d/%Y %I:%M:%S %p", "11/09/2026 12:15:00 AM", "UTC"),
            Some(t - 9 * 3600)
        );
        assert_eq!(
            read(
                "%a %b %e %T %Y %Z",
                "Mon Nov  9 09:15:00 2026 UTC",
                "+03:00"
            ),
            Some(t)
        );
        assert_eq!(
            read(
                "%Y-%m-%dT%H:%M:%S.%fZ",
                "2026-11-09T09:15:00.123456Z",
                "UTC"
            ),
            Some(t)
        );
        assert_eq!(read("%y%m%d %H%M%S", "261109 091500", "UTC"), Some(t));
        // Out of range, trailing bytes, a wrong literal, huge numbers.
        assert_eq!(read("%F %T", "2026-13-09 09:15:00", "UTC"), None);
        assert_eq!(read("%F %T", "2026-11-09 09:15:00 extra", "UTC"), None);
        assert_eq!(read("%F %T", "2026/11/09 09:15:00", "UTC"), None);
        assert_eq!(read("%F %T", "99999-11-09 09:15:00", "UTC"), None);
        assert_eq!(read("%s", "1794215700", "+01:00"), Some(t));
    }

    #[test]
    fn bad_specs_say_why() {
        assert!(
            TimeFormat::parse("foo")
                .unwrap_err()
                .contains("unknown format \"foo\"")
        );
        assert!(TimeFormat::parse("%Q").unwrap_err().contains("%Q"));
        assert!(TimeFormat::parse("%H:%M").unwrap_err().contains("no year"));
        assert!(TimeFormat::parse("%Y %I").unwrap_err().contains("%p"));
        assert!(
            parse_zone("Europe/Paris")
                .unwrap_err()
                .contains("fixed offset")
        );
        assert_eq!(parse_zone("-05:30"), Ok(-(5 * 3600 + 1800)));
        assert_eq!(parse_zone("+0100"), Ok(3600));
        assert!(parse_zone("+25:00").is_err());
    }
}
