//! Timestamps: the few shapes log formats use, parsed from bytes straight to Unix seconds (UTC).
//!
//! Why not a date crate: parsing runs once per log line, and the shapes are fixed (epoch,
//! ISO 8601, BIND's `19-Oct-2022 05:34:02.425`, syslog's `Nov 13 10:59:46`). The only calendar
//! arithmetic needed is days-from-civil, Howard Hinnant's public-domain algorithm, a dozen
//! lines that never allocate. Formatting happens only in reports.
//!
//! Nothing here can overflow, whatever the input: a log line is untrusted, and a hostile or
//! corrupt time must end as a skipped line, never as a panic (debug builds) or a silently
//! wrapped value (release builds). Parsed times outside [`Plausible`] are not counted at all
//! (the rule is applied where events are consumed, `formats::admit`).

/// 1990-01-01T00:00:00Z: the earliest plausible event time. Nothing the tool reads predates
/// it; an earlier time is a zeroed clock or a corrupt field.
pub const EARLIEST_PLAUSIBLE: i64 = 631_152_000;

/// How far past the run's clock an event may lie: a sensor's clock runs a little ahead, a
/// log written in a zone east of UTC and read as UTC looks up to 14 hours ahead.
pub const FUTURE_SLACK: i64 = 86_400;

/// Years beyond this (either sign) are never computed with: [`days_from_civil`] clamps to it
/// and [`unix_seconds`] rejects it, so no day or second count can overflow an `i64`.
const MAX_YEAR: i64 = 1_000_000;

/// The system clock in Unix seconds; a clock before 1970 reads as 1970.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The event times a run counts: from [`EARLIEST_PLAUSIBLE`] to one day past the run's clock.
///
/// Why: one hostile or corrupt time (year 5,000,000, or 1970 from a zeroed clock) would
/// otherwise widen the audit window to millions of days, which every report walks day by
/// day. The clock is read once per run, so every worker applies the same bound and the
/// output does not depend on the thread count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plausible {
    /// Earliest counted time (Unix seconds, inclusive).
    pub earliest: i64,
    /// Latest counted time (Unix seconds, inclusive).
    pub latest: i64,
}

impl Plausible {
    /// The bounds for a run whose clock reads `now` (Unix seconds).
    pub fn at(now: i64) -> Self {
        Plausible {
            earliest: EARLIEST_PLAUSIBLE,
            latest: now.saturating_add(FUTURE_SLACK),
        }
    }

    /// The bounds for a run starting now.
    pub fn from_clock() -> Self {
        Plausible::at(now())
    }

    /// Whether an event at `ts` is counted.
    pub fn contains(self, ts: i64) -> bool {
        (self.earliest..=self.latest).contains(&ts)
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date. Years beyond ±1,000,000 are clamped
/// (no log has them; parsers reject them through [`unix_seconds`]), so the result always fits
/// a day count times 86,400 in an `i64`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = y.clamp(-MAX_YEAR, MAX_YEAR);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number from [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The UTC day number of a Unix time, saturated to the `i32` range (a counted event is always
/// well inside it; stored or merged values need not be).
pub fn day_of(ts: i64) -> i32 {
    let day = ts.div_euclid(86_400);
    i32::try_from(day).unwrap_or(if day < 0 { i32::MIN } else { i32::MAX })
}

/// Unix seconds of a civil date and time (UTC). `None` when a field is out of range or the
/// year is beyond ±1,000,000: whatever digits a line holds, nothing overflows. A leap second
/// (`:60`) reads as `:59`.
pub fn unix_seconds(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<i64> {
    let ok = valid(m, d, hh, mm, ss) && (-MAX_YEAR..=MAX_YEAR).contains(&y);
    ok.then(|| days_from_civil(y, m, d) * 86_400 + i64::from(hh * 3600 + mm * 60 + ss.min(59)))
}

/// `YYYY-MM-DD` of a day number.
pub fn fmt_day(day: i32) -> String {
    let (y, m, d) = civil_from_days(day as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 UTC, second precision: `2026-11-24T09:15:00Z`.
pub fn fmt_rfc3339(ts: i64) -> String {
    match rfc3339_text(ts) {
        Some(text) => text.as_str().to_string(),
        None => rfc3339_by_format(ts),
    }
}

/// [`fmt_rfc3339`] through `format!`: for the years [`rfc3339_text`] does not write.
fn rfc3339_by_format(ts: i64) -> String {
    let secs = ts.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        fmt_day(day_of(ts)),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The text of [`fmt_rfc3339`] in a buffer of its own, for years 0 to 9999 (`None` beyond).
///
/// # Performance
/// Every per-user row and finding writes two times: through `format!` they were a sixth of
/// the instructions spent writing the reports (callgrind); digits set in place cost a
/// tenth of that and allocate nothing.
fn rfc3339_text(ts: i64) -> Option<Rfc3339> {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let y = u32::try_from(y).ok().filter(|y| *y <= 9999)?;
    let secs = ts.rem_euclid(86_400) as u32;
    let mut b = *b"0000-00-00T00:00:00Z";
    for (at, v) in [
        (0, y / 100),
        (2, y % 100),
        (5, m),
        (8, d),
        (11, secs / 3600),
        (14, secs / 60 % 60),
        (17, secs % 60),
    ] {
        b[at] = b'0' + (v / 10) as u8;
        b[at + 1] = b'0' + (v % 10) as u8;
    }
    Some(Rfc3339(b))
}

/// `YYYY-MM-DDThh:mm:ssZ`, ASCII digits in place.
struct Rfc3339([u8; 20]);

impl Rfc3339 {
    fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A time the reports write as RFC 3339 ([`fmt_rfc3339`]), or as nothing when unknown.
///
/// # Performance
/// Kept as seconds and formatted as it is written: every per-user row and finding holds
/// two, and at 30,000 people two formatted strings per row were a fifth of the report's
/// memory. Orders as its text does (unknown first, then by time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub Option<i64>);

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ts) => match rfc3339_text(ts) {
                Some(text) => f.write_str(text.as_str()),
                None => f.write_str(&rfc3339_by_format(ts)),
            },
            None => Ok(()),
        }
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The time a report is generated, Unix seconds: `SOURCE_DATE_EPOCH` when it holds Unix
/// seconds (the reproducible-builds convention, so that two runs over the same inputs write
/// byte-identical outputs), else the clock. A value that is not a number is ignored.
pub fn generated() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        })
}

/// Parses ASCII digits to a number; `None` on anything else or overflow.
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    Some(n)
}

/// `1157689312.049` or `1157689312`: Unix seconds, fraction dropped.
pub fn parse_epoch(b: &[u8]) -> Option<i64> {
    let int = match memchr::memchr(b'.', b) {
        Some(dot) => {
            if !b[dot + 1..].iter().all(u8::is_ascii_digit) {
                return None;
            }
            &b[..dot]
        }
        None => b,
    };
    parse_u64(int).and_then(|n| i64::try_from(n).ok())
}

/// `Jan`..`Dec` (any case) to 1..=12.
pub fn parse_month(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    if b.len() != 3 {
        return None;
    }
    let lower = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    MONTHS
        .iter()
        .position(|m| **m == lower)
        .map(|i| i as u32 + 1)
}

fn num(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let s = b.get(at..at + len)?;
    parse_u64(s).map(|n| n as u32)
}

fn valid(m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> bool {
    (1..=12).contains(&m) && (1..=31).contains(&d) && hh < 24 && mm < 60 && ss <= 60
}

/// `HH:MM:SS` at `at`.
fn clock(b: &[u8], at: usize) -> Option<(u32, u32, u32)> {
    if b.get(at + 2) != Some(&b':') || b.get(at + 5) != Some(&b':') {
        return None;
    }
    Some((num(b, at, 2)?, num(b, at + 3, 2)?, num(b, at + 6, 2)?))
}

/// ISO 8601 / RFC 3339: `2026-11-24T09:15:00`, optional fraction, then `Z`, `±HH:MM`, `±HHMM`
/// or nothing (taken as UTC). A space may replace the `T`. Returns seconds and bytes consumed.
pub fn parse_iso8601(b: &[u8]) -> Option<(i64, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let y = i64::from(num(b, 0, 4)?);
    let (hh, mm, ss) = clock(b, 11)?;
    let mut t = unix_seconds(y, num(b, 5, 2)?, num(b, 8, 2)?, hh, mm, ss)?;
    let mut i = 19;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(b, i + 1, 2)?;
            let (om, used) = if b.get(i + 3) == Some(&b':') {
                (num(b, i + 4, 2)?, 6)
            } else {
                (
                    num(b, i + 3, 2).unwrap_or(0),
                    if num(b, i + 3, 2).is_some() { 5 } else { 3 },
                )
            };
            let off = i64::from(oh * 3600 + om * 60);
            t += if sign == b'+' { -off } else { off };
            i += used;
        }
        _ => {}
    }
    Some((t, i))
}

/// The forms `--since` and `--until` accept, for the message that refuses any other.
pub const WINDOW_FORMS: &str = "2026-11-09 (a whole day), 2026-11-09T08:00:00 (UTC), \
     2026-11-09T08:00:00Z, 2026-11-09T08:00:00+01:00 (a fraction of a second may follow the \
     seconds; a space may replace the T)";

/// Days in month `m` of year `y` (proleptic Gregorian); `None` for a month outside 1..=12.
fn days_in_month(y: i64, m: u32) -> Option<u32> {
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    Some(match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    })
}

/// An ISO 8601 calendar date, `YYYY-MM-DD` exactly, as days since the epoch; `None` for
/// anything else, a day the month lacks (`2026-02-30`) included.
///
/// Why so strict: an audit window typed as `09/11/2026` is 9 November to half the world and
/// 11 September to the other half. Read either way it yields a confident report of the
/// wrong weeks, so only the order no one misreads is accepted.
pub fn parse_iso_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (i64::from(num(b, 0, 4)?), num(b, 5, 2)?, num(b, 8, 2)?);
    (d >= 1 && d <= days_in_month(y, m)?).then(|| days_from_civil(y, m, d) as i32)
}

/// A bound of the audit window (`--since`, `--until`): an ISO 8601 date (its first second,
/// or with `end_of_day` its last) or date and time, in UTC unless a zone is given. Anything
/// else is refused with the accepted forms ([`WINDOW_FORMS`]).
pub fn parse_window_bound(s: &str, end_of_day: bool) -> Result<i64, String> {
    if let Some(day) = parse_iso_date(s) {
        return Ok(i64::from(day) * 86_400 + if end_of_day { 86_399 } else { 0 });
    }
    if let Some(date) = s.get(..10)
        && parse_iso_date(date).is_some()
        && let Some((t, used)) = parse_iso8601(s.as_bytes())
        && used == s.len()
    {
        return Ok(t);
    }
    Err(format!(
        "`{s}` is not an ISO 8601 date or time; accepted: {WINDOW_FORMS}"
    ))
}

/// BIND's default `print-time`: `19-Oct-2022 05:34:02.425` (day may be one digit). Returns
/// seconds and bytes consumed. BIND writes server local time; we read it as UTC.
pub fn parse_bind_time(b: &[u8]) -> Option<(i64, usize)> {
    let dash = memchr::memchr(b'-', b.get(..3)?)?;
    let d = num(b, 0, dash)?;
    let m = parse_month(b.get(dash + 1..dash + 4)?)?;
    if b.get(dash + 4) != Some(&b'-') || b.get(dash + 9) != Some(&b' ') {
        return None;
    }
    let y = i64::from(num(b, dash + 5, 4)?);
    let (hh, mm, ss) = clock(b, dash + 10)?;
    let t = unix_seconds(y, m, d, hh, mm, ss)?;
    let mut i = dash + 18;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    Some((t, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for day in [-800_000, -1, 0, 1, 10_957, 19_000, 20_781, 2_000_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn plausible_is_1990_to_a_day_past_the_clock() {
        let now = 1_796_169_600; // 2026-12-01
        let p = Plausible::at(now);
        assert_eq!(fmt_rfc3339(EARLIEST_PLAUSIBLE), "1990-01-01T00:00:00Z");
        assert!(p.contains(EARLIEST_PLAUSIBLE) && !p.contains(EARLIEST_PLAUSIBLE - 1));
        assert!(p.contains(now + 86_400) && !p.contains(now + 86_401));
        assert!(!p.contains(0) && !p.contains(185_542_587_187_200));
        assert!(!p.contains(-185_542_587_187_300) && !p.contains(i64::MIN));
        assert_eq!(Plausible::at(i64::MAX).latest, i64::MAX);
    }

    /// Issue 23: day 2^31 and beyond wrapped to a negative `i32` and reversed the audit window.
    #[test]
    fn extreme_times_neither_overflow_nor_wrap() {
        assert_eq!(day_of(185_542_587_187_200), i32::MAX);
        assert_eq!(day_of(-185_542_587_187_300), i32::MIN);
        assert_eq!((day_of(i64::MAX), day_of(i64::MIN)), (i32::MAX, i32::MIN));
        assert_eq!(day_of(185_542_587_187_199), i32::MAX);
        for ts in [i64::MIN, -1, 0, i64::MAX] {
            assert!(fmt_rfc3339(ts).ends_with('Z'));
        }
        for day in [i32::MIN, i32::MAX] {
            assert!(!fmt_day(day).is_empty());
        }
        assert_eq!(unix_seconds(i64::MAX, 1, 1, 0, 0, 0), None);
        assert_eq!(unix_seconds(-1_000_001, 1, 1, 0, 0, 0), None);
        assert_eq!(
            unix_seconds(2026, 11, 9, 8, 0, 60),
            Some(1_794_182_400 + 8 * 3600 + 59)
        );
        assert_eq!(unix_seconds(2026, 13, 1, 0, 0, 0), None);
        assert_eq!(
            days_from_civil(i64::MAX, 12, 31),
            days_from_civil(1_000_000, 12, 31)
        );
        let _ = (civil_from_days(i64::MAX), civil_from_days(i64::MIN));
        assert_eq!(parse_epoch(b"9223372036854775808"), None);
        assert_eq!(parse_epoch(b"99999999999999999999"), None);
        assert_eq!(parse_epoch(b"9223372036854775807.9"), Some(i64::MAX));
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(fmt_rfc3339(1_157_689_312), "2006-09-08T04:21:52Z");
        assert_eq!(fmt_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(fmt_day(day_of(1_521_911_720)), "2018-03-24");
    }

    /// The digits set in place agree with `format!` on every kind of time, and times beyond
    /// year 9999 or before year 0 still print (through `format!`).
    #[test]
    fn rfc3339_in_place_agrees_with_format() {
        let slow = rfc3339_by_format;
        let year_0 = -62_167_219_200;
        let year_10000 = 253_402_300_800;
        let mut ts = year_0 - 86_400;
        while ts < year_10000 + 86_400 {
            assert_eq!(fmt_rfc3339(ts), slow(ts), "{ts}");
            assert_eq!(Stamp(Some(ts)).to_string(), slow(ts), "{ts}");
            ts += 7_777_777;
        }
        for ts in [
            year_0 - 1,
            year_0,
            year_10000 - 1,
            year_10000,
            i64::MIN,
            i64::MAX,
            -1,
        ] {
            assert_eq!(fmt_rfc3339(ts), slow(ts), "{ts}");
            assert_eq!(Stamp(Some(ts)).to_string(), slow(ts), "{ts}");
        }
        assert_eq!(fmt_rfc3339(year_0), "0000-01-01T00:00:00Z");
        assert_eq!(fmt_rfc3339(year_10000 - 1), "9999-12-31T23:59:59Z");
        assert_eq!(Stamp(None).to_string(), "");
    }

    #[test]
    fn epochs() {
        assert_eq!(parse_epoch(b"1157689312.049"), Some(1_157_689_312));
        assert_eq!(parse_epoch(b"1521911720"), Some(1_521_911_720));
        assert_eq!(parse_epoch(b"15x"), None);
        assert_eq!(parse_epoch(b"1.2.3"), None);
        assert_eq!(parse_epoch(b""), None);
    }

    #[test]
    fn iso8601_variants() {
        let want = 1_521_911_720;
        assert_eq!(parse_iso8601(b"2018-03-24T17:15:20Z"), Some((want, 20)));
        assert_eq!(
            parse_iso8601(b"2018-03-24T17:15:20.865716Z").unwrap().0,
            want
        );
        assert_eq!(parse_iso8601(b"2018-03-24 17:15:20").unwrap().0, want);
        assert_eq!(parse_iso8601(b"2018-03-24T19:15:20+02:00").unwrap().0, want);
        assert_eq!(parse_iso8601(b"2018-03-24T12:15:20-0500").unwrap().0, want);
        assert_eq!(parse_iso8601(b"2018-13-24T17:15:20Z"), None);
        assert_eq!(parse_iso8601(b"not a time at all!!"), None);
    }

    /// Issue 17 case 3: `09/11/2026` was read month-first; only ISO 8601 is a window bound.
    #[test]
    fn window_bounds_are_iso_8601_only() {
        let day = 1_794_182_400; // 2026-11-09
        assert_eq!(parse_window_bound("2026-11-09", false), Ok(day));
        assert_eq!(parse_window_bound("2026-11-09", true), Ok(day + 86_399));
        assert_eq!(
            parse_window_bound("2026-11-09T10:00:00", false),
            Ok(day + 36_000)
        );
        assert_eq!(
            parse_window_bound("2026-11-09T10:00:00Z", true),
            Ok(day + 36_000)
        );
        assert_eq!(
            parse_window_bound("2026-11-09T11:00:00+01:00", false),
            Ok(day + 36_000)
        );
        assert_eq!(
            parse_window_bound("2026-11-09T10:00:00.250Z", false),
            Ok(day + 36_000)
        );
        assert_eq!(
            parse_window_bound("2026-11-09 10:00:00", false),
            Ok(day + 36_000)
        );
        assert_eq!(parse_window_bound("2024-02-29", false).map(|_| ()), Ok(()));
        for bad in [
            "09/11/2026",
            "2026/11/09",
            "Nov 9 2026",
            "9.11.2026",
            "2026-11-9",
            "2026-02-29",
            "2026-02-30T10:00:00Z",
            "2026-13-01",
            "2026-11-09T10:00",
            "2026-11-09T10:00:00Zjunk",
            "+026-11-09",
            "",
        ] {
            let err = parse_window_bound(bad, false).unwrap_err();
            assert!(err.contains("2026-11-09T08:00:00Z"), "{bad}: {err}");
        }
    }

    #[test]
    fn bind_times() {
        let (t, used) = parse_bind_time(b"19-Oct-2022 05:34:02.425 client").unwrap();
        assert_eq!(fmt_rfc3339(t), "2022-10-19T05:34:02Z");
        assert_eq!(used, 24);
        let (t, used) = parse_bind_time(b"3-Nov-2022 13:34:52 x").unwrap();
        assert_eq!(fmt_rfc3339(t), "2022-11-03T13:34:52Z");
        assert_eq!(used, 19);
        assert_eq!(parse_bind_time(b"security: client"), None);
    }
}
