//! What the catalogue knows about a tool besides its hosts: where the hosts are shown to be
//! the vendor's (`source`), whether the product still exists (`status`, `status_date`,
//! `successor`) and the facts that decide a policy tier (`[tool.risk]`).
//!
//! None of this changes what matches: a discontinued tool is still matched, because the logs
//! a scan reads may be older than the shutdown. The facts travel to `signatures list/export`
//! and the reports, where a reviewer decides; [`super::tiering`] turns them into a suggestion.

use serde::Deserialize;
use toml::Spanned;

/// Whether the product still exists under its name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// `active` (the default): in service.
    #[default]
    Active,
    /// `discontinued`: shut down; its hosts still match, since archives are old.
    Discontinued,
    /// `renamed`: the product lives on under another tool's id (`successor`).
    Renamed,
}

impl Status {
    /// Every status, in the order messages list them.
    const ALL: [Status; 3] = [Status::Active, Status::Discontinued, Status::Renamed];

    /// The name in signature files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Discontinued => "discontinued",
            Status::Renamed => "renamed",
        }
    }
}

/// A tool's lifecycle: its status, since when, and what replaced it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// Active, discontinued or renamed.
    pub status: Status,
    /// When it was discontinued or renamed: `YYYY-MM-DD` or `YYYY-MM`, as written.
    pub date: Option<String>,
    /// The id of the tool that replaced it, checked to exist once every file is loaded.
    pub successor: Option<String>,
}

/// Whether the consumer (default) plan trains the vendor's models on what people type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Training {
    /// `yes`: it trains, and the user cannot refuse.
    Yes,
    /// `opt-out`: it trains unless the user switches it off.
    OptOut,
    /// `no`: it does not train on inputs.
    No,
    /// `unknown`: the vendor does not say.
    Unknown,
}

impl Training {
    const ALL: [Training; 4] = [
        Training::Yes,
        Training::OptOut,
        Training::No,
        Training::Unknown,
    ];

    /// The name in signature files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Training::Yes => "yes",
            Training::OptOut => "opt-out",
            Training::No => "no",
            Training::Unknown => "unknown",
        }
    }
}

/// Whether an enterprise plan with a DPA / no-training terms exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enterprise {
    /// The plan, as the vendor names it (with its terms in brackets, as the catalogue writes).
    Plan(String),
    /// `none`: no such plan.
    None,
    /// `unknown`: not established.
    Unknown,
}

impl Enterprise {
    /// The value as signature files and outputs write it.
    pub fn as_str(&self) -> &str {
        match self {
            Enterprise::Plan(p) => p,
            Enterprise::None => "none",
            Enterprise::Unknown => "unknown",
        }
    }
}

/// The certifications a vendor claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Certifications {
    /// The claimed ones; empty means none claimed.
    Claimed(Vec<String>),
    /// `unknown`: not established.
    Unknown,
}

impl Certifications {
    /// `SOC 2 Type II; ISO 27001`, `none` or `unknown`, for one output cell.
    pub fn cell(&self) -> String {
        match self {
            Certifications::Claimed(v) if v.is_empty() => "none".to_string(),
            Certifications::Claimed(v) => v.join("; "),
            Certifications::Unknown => "unknown".to_string(),
        }
    }
}

/// One fact with its evidence: the page that states it and the day someone read it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact<T> {
    /// What the page says.
    pub value: T,
    /// The page (an http(s) URL).
    pub source: String,
    /// When it was read (`YYYY-MM-DD`).
    pub checked: String,
}

/// The facts that decide a tier; each is optional, since a fact nobody checked is not known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Risk {
    /// Consumer-plan training on inputs.
    pub trains_on_inputs: Option<Fact<Training>>,
    /// An enterprise plan with a DPA / no-training terms.
    pub enterprise_offering: Option<Fact<Enterprise>>,
    /// ISO 3166-1 alpha-2 code of the vendor's headquarters, or `unknown`.
    pub vendor_country: Option<Fact<String>>,
    /// Claimed certifications.
    pub certifications: Option<Fact<Certifications>>,
}

impl Risk {
    /// Whether no fact is recorded.
    pub fn is_empty(&self) -> bool {
        *self == Risk::default()
    }
}

/// `[tool.risk]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RiskDoc {
    #[serde(default)]
    trains_on_inputs: Option<Spanned<FactDoc>>,
    #[serde(default)]
    enterprise_offering: Option<Spanned<FactDoc>>,
    #[serde(default)]
    vendor_country: Option<Spanned<FactDoc>>,
    #[serde(default)]
    certifications: Option<Spanned<FactDoc>>,
}

/// `{ value, source, checked }` as written. The value stays a TOML value until checked, so a
/// wrong type gets a message naming the fact rather than serde's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactDoc {
    value: Spanned<toml::Value>,
    source: Spanned<String>,
    checked: Spanned<String>,
}

/// Reports one problem at a line.
pub(super) type Err<'e> = &'e mut dyn FnMut(usize, String);

/// The lines of spans in the file being loaded.
pub(super) type At<'a> = &'a dyn Fn(std::ops::Range<usize>) -> usize;

/// Checks `source`: an http(s) URL.
pub(super) fn check_source(source: Option<Spanned<String>>, at: At, err: Err) -> Option<String> {
    let source = source?;
    let line = at(source.span());
    let source = source.into_inner();
    match check_url(&source) {
        Ok(()) => Some(source),
        Err(msg) => {
            err(line, format!("source {msg}"));
            None
        }
    }
}

/// Checks `status`, `status_date` and `successor` together (all but the successor's
/// existence, which needs every file loaded). `line` is the tool's id line.
pub(super) fn check_lifecycle(
    (id, line): (&str, usize),
    status: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    successor: Option<Spanned<String>>,
    at: At,
    err: Err,
) -> (Lifecycle, Option<usize>) {
    let status = match status {
        None => Status::Active,
        Some(s) => {
            let l = at(s.span());
            let s = s.into_inner();
            match Status::ALL.into_iter().find(|x| x.as_str() == s) {
                Some(x) => x,
                None => {
                    err(
                        l,
                        format!("status `{s}` must be active, discontinued or renamed"),
                    );
                    Status::Active
                }
            }
        }
    };
    let date = date.and_then(|d| {
        let l = at(d.span());
        let d = d.into_inner();
        if status == Status::Active {
            err(
                l,
                format!("status_date of `{id}` needs status discontinued or renamed"),
            );
            None
        } else if !valid_date(&d, true) {
            err(
                l,
                format!("status_date `{d}` must be a date YYYY-MM-DD or YYYY-MM"),
            );
            None
        } else {
            Some(d)
        }
    });
    if status != Status::Active && date.is_none() {
        err(
            line,
            format!("tool `{id}` is {} and needs a status_date", status.as_str()),
        );
    }
    let mut successor_line = None;
    let successor = successor.and_then(|s| {
        let l = at(s.span());
        let s = s.into_inner();
        if status == Status::Active {
            err(
                l,
                format!("successor of `{id}` needs status discontinued or renamed"),
            );
            None
        } else if s == id {
            err(l, format!("tool `{id}` cannot be its own successor"));
            None
        } else {
            successor_line = Some(l);
            Some(s)
        }
    });
    if status == Status::Renamed && successor.is_none() {
        err(
            line,
            format!("tool `{id}` is renamed and needs a successor (the new tool's id)"),
        );
    }
    (
        Lifecycle {
            status,
            date,
            successor,
        },
        successor_line,
    )
}

/// Checks `[tool.risk]`: every value in its vocabulary, every source a URL, every date valid.
pub(super) fn check_risk(doc: Option<RiskDoc>, at: At, err: Err) -> Risk {
    let Some(doc) = doc else {
        return Risk::default();
    };
    Risk {
        trains_on_inputs: fact(doc.trains_on_inputs, "trains_on_inputs", at, err, |v| {
            v.as_str()
                .and_then(|s| Training::ALL.into_iter().find(|t| t.as_str() == s))
                .ok_or_else(|| "must be yes, opt-out, no or unknown".to_string())
        }),
        enterprise_offering: fact(
            doc.enterprise_offering,
            "enterprise_offering",
            at,
            err,
            |v| match v.as_str().map(str::trim) {
                Some("none") => Ok(Enterprise::None),
                Some("unknown") => Ok(Enterprise::Unknown),
                Some(p) if !p.is_empty() => Ok(Enterprise::Plan(p.to_string())),
                _ => Err("must be the plan's name, \"none\" or \"unknown\"".to_string()),
            },
        ),
        vendor_country: fact(doc.vendor_country, "vendor_country", at, err, |v| {
            match v.as_str() {
                Some("unknown") => Ok("unknown".to_string()),
                Some(c) if is_iso_country(c) => Ok(c.to_string()),
                _ => Err(
                    "must be an ISO 3166-1 alpha-2 code (`US`, `GB`, `CN`) or \"unknown\""
                        .to_string(),
                ),
            }
        }),
        certifications: fact(
            doc.certifications,
            "certifications",
            at,
            err,
            certifications,
        ),
    }
}

/// A certifications value: `"unknown"` or a list of distinct names (possibly empty).
fn certifications(v: &toml::Value) -> Result<Certifications, String> {
    const WANT: &str = "must be a list of names (empty: none claimed) or \"unknown\"";
    if v.as_str() == Some("unknown") {
        return Ok(Certifications::Unknown);
    }
    let list = v.as_array().ok_or_else(|| WANT.to_string())?;
    let mut out: Vec<String> = Vec::new();
    for item in list {
        let name = item
            .as_str()
            .map(str::trim)
            .ok_or_else(|| WANT.to_string())?;
        if name.is_empty() || name.contains(';') {
            return Err(format!("holds `{name}`: each needs a name and no `;`"));
        }
        if out.iter().any(|n| n == name) {
            return Err(format!("lists `{name}` twice"));
        }
        out.push(name.to_string());
    }
    Ok(Certifications::Claimed(out))
}

/// Checks one fact: its value by `value`, its source and its date.
fn fact<T>(
    doc: Option<Spanned<FactDoc>>,
    name: &str,
    at: At,
    err: Err,
    value: impl Fn(&toml::Value) -> Result<T, String>,
) -> Option<Fact<T>> {
    let doc = doc?.into_inner();
    let value_line = at(doc.value.span());
    let parsed = value(doc.value.get_ref());
    if let Err(msg) = &parsed {
        err(value_line, format!("risk fact {name} {msg}"));
    }
    let source_line = at(doc.source.span());
    let source = doc.source.into_inner();
    let source_ok = check_url(&source)
        .map_err(|msg| err(source_line, format!("risk fact {name}: source {msg}")))
        .is_ok();
    let checked_line = at(doc.checked.span());
    let checked = doc.checked.into_inner();
    let checked_ok = valid_date(&checked, false);
    if !checked_ok {
        err(
            checked_line,
            format!("risk fact {name}: checked `{checked}` must be a date YYYY-MM-DD"),
        );
    }
    let value = parsed.ok()?;
    (source_ok && checked_ok).then_some(Fact {
        value,
        source,
        checked,
    })
}

/// An `http://` or `https://` URL with a dotted host and no space, quote or angle bracket:
/// evidence a reviewer can open.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` must be an http:// or https:// URL"))?;
    if let Some(c) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'))
    {
        return Err(format!("`{url}` holds {c:?}"));
    }
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let labels_ok = host.split('.').count() >= 2
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !labels_ok {
        return Err(format!("`{url}` has no valid host name"));
    }
    Ok(())
}

/// `YYYY-MM-DD` (and `YYYY-MM` where `month_ok`) naming a real day, years 1990 to 2199.
pub(super) fn valid_date(s: &str, month_ok: bool) -> bool {
    let num = |p: &str, len: usize| {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let parts: Vec<&str> = s.split('-').collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (num(y, 4), num(m, 2), num(d, 2)),
        [y, m] if month_ok => (num(y, 4), num(m, 2), Some(1)),
        _ => return false,
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1990..2200).contains(&y) && (1..=12).contains(&m) && (1..=days).contains(&d)
}

/// Officially assigned ISO 3166-1 alpha-2 codes: `UK` or `EU` is a common slip the catalogue
/// should catch (the code for the United Kingdom is `GB`).
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM \
PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

fn is_iso_country(c: &str) -> bool {
    c.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|x| x == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_list_has_every_assigned_code() {
        assert_eq!(ISO_3166_ALPHA2.split(' ').count(), 249);
        assert!(is_iso_country("GB") && is_iso_country("CN") && is_iso_country("US"));
        assert!(!is_iso_country("UK") && !is_iso_country("EU") && !is_iso_country("us"));
    }

    #[test]
    fn dates_are_real_days() {
        for ok in ["2025-11-21", "2024-02-29", "2026-12-31"] {
            assert!(valid_date(ok, false), "{ok}");
        }
        assert!(valid_date("2025-11", true));
        for bad in [
            "2025-11",
            "2025-02-29",
            "2025-13-01",
            "2025-11-31",
            "25-11-21",
            "2025-1-21",
            "2025/11/21",
            "",
            "2025-11-21T00:00",
            "1900-01-01",
        ] {
            assert!(!valid_date(bad, false), "{bad}");
        }
        assert!(!valid_date("2025", true));
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        for ok in [
            "https://supermaven.com/",
            "http://example.co.uk/a?b=c#d",
            "https://docs.x.ai:443/api",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "supermaven.com",
            "ftp://x.example/",
            "https://",
            "https://localhost/",
            "https://a b.example/",
            "https://x.example/<script>",
            "javascript:alert(1)",
            "HTTPS://X.EXAMPLE/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
