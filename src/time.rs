//! Timestamps: the few shapes log formats use, parsed from bytes straight to Unix seconds (UTC).
//!
//! Why not a date crate: parsing runs once per log line, and the shapes are fixed (epoch,
//! ISO 8601, BIND's `19-Oct-2022 05:34:02.425`, syslog's `Nov 13 10:59:46`). The only calendar
//! arithmetic needed is days-from-civil, Howard Hinnant's public-domain algorithm, a dozen
//! lines that never allocate. Formatting happens only in reports.

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number from [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The UTC day number of a Unix time.
pub fn day_of(ts: i64) -> i32 {
    ts.div_euclid(86_400) as i32
}

/// `YYYY-MM-DD` of a day number.
pub fn fmt_day(day: i32) -> String {
    let (y, m, d) = civil_from_days(day as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 UTC, second precision: `2026-11-24T09:15:00Z`.
pub fn fmt_rfc3339(ts: i64) -> String {
    let secs = ts.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        fmt_day(day_of(ts)),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
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

fn seconds(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<i64> {
    valid(m, d, hh, mm, ss)
        .then(|| days_from_civil(y, m, d) * 86_400 + i64::from(hh * 3600 + mm * 60 + ss.min(59)))
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
    let mut t = seconds(y, num(b, 5, 2)?, num(b, 8, 2)?, hh, mm, ss)?;
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
    let t = seconds(y, m, d, hh, mm, ss)?;
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
    fn formats_rfc3339() {
        assert_eq!(fmt_rfc3339(1_157_689_312), "2006-09-08T04:21:52Z");
        assert_eq!(fmt_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(fmt_day(day_of(1_521_911_720)), "2018-03-24");
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
