//! The AI Tool Register: the organization's spreadsheet of tools, tiers, assessment dates and
//! owners (policy "AI Tool Register"), read from its CSV export and joined with the catalogue.
//!
//! Registers are kept by people in spreadsheets and GRC tools, so reading is forgiving where
//! that is safe — header case, spacing and common synonyms, tier written as `2`, `Tier 2`,
//! `Tier 2 — Approved General` or `Approved General`, `,` or `;` as delimiter — and strict where
//! a guess would be wrong: an unknown tier or date is an error naming line and value, never a
//! silent default, because a wrong tier puts a wrong finding in an audit report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use publicsuffix::List;

use crate::exit::UsageError;
use crate::signatures::{Catalogue, ToolId};
use crate::time::days_from_civil;

/// The tier of a tool the register does not list: unapproved / shadow AI.
pub const UNREGISTERED_TIER: u8 = 4;

/// Tier names of the policy, 1..=4.
pub const TIER_NAMES: [&str; 4] = [
    "Approved Enterprise",
    "Approved General",
    "Under Evaluation",
    "Unapproved / Shadow AI",
];

/// The columns shadowai reads, found by header name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// `Tool ID`, `tool_id`, `id`.
    Id,
    /// `Tool`, `Name`, `Tool name`, `Product`.
    Name,
    /// `Vendor`, `Provider`.
    Vendor,
    /// `Tier`.
    Tier,
    /// `Assessment Date`, `Assessed`, `Last review`.
    Assessed,
    /// `Owner`, `Reviewer`.
    Owner,
    /// `DPA`.
    Dpa,
    /// `Domains`, `Hosts`.
    Domains,
    /// `Notes`, `Comments`.
    Notes,
    /// `Status`.
    Status,
    /// `Category`.
    Category,
    /// `First seen`.
    FirstSeen,
    /// `Users`.
    Users,
}

/// Header synonyms, compared after lowercasing and dropping everything but letters/digits.
const SYNONYMS: &[(&str, Column)] = &[
    ("toolid", Column::Id),
    ("id", Column::Id),
    ("slug", Column::Id),
    ("tool", Column::Name),
    ("name", Column::Name),
    ("toolname", Column::Name),
    ("product", Column::Name),
    ("service", Column::Name),
    ("application", Column::Name),
    ("vendor", Column::Vendor),
    ("provider", Column::Vendor),
    ("supplier", Column::Vendor),
    ("company", Column::Vendor),
    ("tier", Column::Tier),
    ("approvaltier", Column::Tier),
    ("risktier", Column::Tier),
    ("assessmentdate", Column::Assessed),
    ("assessed", Column::Assessed),
    ("assessedon", Column::Assessed),
    ("dateassessed", Column::Assessed),
    ("lastassessed", Column::Assessed),
    ("lastassessment", Column::Assessed),
    ("reviewdate", Column::Assessed),
    ("lastreview", Column::Assessed),
    ("lastreviewed", Column::Assessed),
    ("owner", Column::Owner),
    ("reviewer", Column::Owner),
    ("reviewingowner", Column::Owner),
    ("assessor", Column::Owner),
    ("dpa", Column::Dpa),
    ("dpainplace", Column::Dpa),
    ("domains", Column::Domains),
    ("domain", Column::Domains),
    ("hosts", Column::Domains),
    ("hostnames", Column::Domains),
    ("urls", Column::Domains),
    ("notes", Column::Notes),
    ("note", Column::Notes),
    ("comments", Column::Notes),
    ("status", Column::Status),
    ("category", Column::Category),
    ("firstseen", Column::FirstSeen),
    ("users", Column::Users),
    ("usercount", Column::Users),
];

fn header_key(h: &str) -> String {
    h.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Which column each field is in.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    found: HashMap<&'static str, usize>,
    /// Every header cell, as written.
    pub headers: Vec<String>,
}

impl Columns {
    fn from_headers(headers: &[String]) -> Columns {
        let mut found = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let key = header_key(h);
            if let Some((_, col)) = SYNONYMS.iter().find(|(k, _)| *k == key) {
                found.entry(col_name(*col)).or_insert(i);
            }
        }
        Columns {
            found,
            headers: headers.to_vec(),
        }
    }

    /// The index of a column, if the register has it.
    pub fn get(&self, col: Column) -> Option<usize> {
        self.found.get(col_name(col)).copied()
    }
}

fn col_name(c: Column) -> &'static str {
    match c {
        Column::Id => "id",
        Column::Name => "name",
        Column::Vendor => "vendor",
        Column::Tier => "tier",
        Column::Assessed => "assessed",
        Column::Owner => "owner",
        Column::Dpa => "dpa",
        Column::Domains => "domains",
        Column::Notes => "notes",
        Column::Status => "status",
        Column::Category => "category",
        Column::FirstSeen => "first_seen",
        Column::Users => "users",
    }
}

/// One register row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line of the row in the file.
    pub line: usize,
    /// `Tool ID` as written.
    pub id: Option<String>,
    /// Tool name as written.
    pub name: Option<String>,
    /// Vendor as written.
    pub vendor: Option<String>,
    /// Policy tier 1..=4.
    pub tier: u8,
    /// Assessment date as a day number; `None` when the cell is empty.
    pub assessed: Option<i32>,
    /// Owner / reviewer.
    pub owner: Option<String>,
    /// Host patterns from the `Domains` column.
    pub domains: Vec<String>,
    /// `Status` as written (`discovered` for rows `register update` appended).
    pub status: Option<String>,
    /// The catalogue tool it joined, after [`Register::join`].
    pub tool: Option<ToolId>,
}

/// The register as read.
#[derive(Clone, Debug)]
pub struct Register {
    /// Where it came from.
    pub path: PathBuf,
    /// Header mapping.
    pub columns: Columns,
    /// Rows in file order.
    pub entries: Vec<Entry>,
    /// The field delimiter (`,`, or `;` as spreadsheets write in many locales).
    pub delimiter: u8,
}

/// Parses a tier cell: `1`..`4`, `Tier 2`, `T2`, `Tier 2 — Approved General`,
/// `Approved Enterprise`, `Under evaluation`, `Unapproved`, `Shadow AI`. A number and a name
/// that disagree are an error.
pub fn parse_tier(cell: &str) -> Option<u8> {
    let lower = cell.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("tier")
        .or_else(|| {
            lower
                .strip_prefix('t')
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .unwrap_or(&lower)
        .trim_start_matches([' ', ':', '-']);
    let digit = rest.chars().next().and_then(|c| c.to_digit(10));
    let after_digit = if digit.is_some() { &rest[1..] } else { rest };
    if after_digit.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let words: String = after_digit
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let named = match words.as_str() {
        "" => None,
        "approvedenterprise" | "enterprise" | "enterpriseapproved" => Some(1),
        "approvedgeneral" | "general" | "approved" | "generalapproved" => Some(2),
        "underevaluation" | "evaluation" | "inevaluation" | "underreview" | "inreview"
        | "pending" => Some(3),
        "unapproved" | "unapprovedshadowai" | "shadowai" | "notapproved" | "prohibited"
        | "denied" | "rejected" | "banned" | "blocked" => Some(4),
        _ => return None,
    };
    match (digit, named) {
        (Some(d @ 1..=4), None) => Some(d as u8),
        (Some(d @ 1..=4), Some(n)) if d as u8 == n => Some(n),
        (None, Some(n)) => Some(n),
        _ => None,
    }
}

/// Parses an assessment date: `2026-03-01` (also with a time after it), `2026/03/01`,
/// `01.03.2026` (day first) or `3/1/2026` (US month first, as US spreadsheets export).
pub fn parse_date(cell: &str) -> Option<i32> {
    let s = cell.trim();
    let date = s.split([' ', 'T']).next().unwrap_or(s);
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |x: &str| x.parse::<u32>().ok();
    let (y, m, d) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if date.contains('.') {
        (num(c)?, num(b)?, num(a)?)
    } else {
        (num(c)?, num(a)?, num(b)?)
    };
    let valid = (1900..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
    valid.then(|| days_from_civil(i64::from(y), m, d) as i32)
}

fn error(path: &Path, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
    UsageError(format!("{}:{line}: {msg}", path.display())).into()
}

/// The delimiter a spreadsheet export used: `;` when the header has semicolons and no commas.
fn sniff_delimiter(text: &[u8]) -> u8 {
    let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if header.contains(&b';') && !header.contains(&b',') {
        b';'
    } else {
        b','
    }
}

/// Splits a `Domains` cell: separated by spaces, commas, semicolons or newlines; schemes,
/// paths and `*.` prefixes (meaning "and subdomains", which every pattern already does) dropped.
fn split_domains(cell: &str) -> Vec<String> {
    cell.split([' ', ',', ';', '\n', '\r', '|'])
        .map(|d| {
            let mut host = Vec::new();
            crate::normalize::lowercase_into(&mut host, crate::normalize::host_part(d.as_bytes()));
            let host = String::from_utf8_lossy(&host).into_owned();
            host.strip_prefix("*.").map(str::to_string).unwrap_or(host)
        })
        .filter(|d| !d.is_empty())
        .collect()
}

impl Register {
    /// Reads a register: a CSV export, or the first sheet of an `.xlsx`/`.xlsm`/`.xls`/`.ods`
    /// workbook (by extension), read with calamine and parsed like its CSV export.
    pub fn read(path: &Path) -> anyhow::Result<Register> {
        let bytes = if is_workbook(path) {
            workbook_as_csv(path)?
        } else {
            std::fs::read(path).map_err(|e| error(path, 0, e))?
        };
        Register::parse(path, &bytes)
    }

    /// Parses register CSV bytes (`path` is used in messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> anyhow::Result<Register> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let delimiter = sniff_delimiter(bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(bytes);
        let mut records = rdr.byte_records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(error(path, 1, e)),
            None => return Err(error(path, 1, "empty register: a header line is needed")),
        };
        let headers: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let columns = Columns::from_headers(&headers);
        if columns.get(Column::Tier).is_none() {
            return Err(error(
                path,
                1,
                format!("no `Tier` column among: {}", headers.join(", ")),
            ));
        }
        if columns.get(Column::Id).is_none() && columns.get(Column::Name).is_none() {
            return Err(error(path, 1, "no `Tool ID` or `Tool`/`Name` column"));
        }
        let mut entries = Vec::new();
        for rec in records {
            let rec =
                rec.map_err(|e| error(path, e.position().map_or(0, |p| p.line() as usize), e))?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            let cell = |c: Column| {
                columns
                    .get(c)
                    .and_then(|i| rec.get(i))
                    .map(|v| String::from_utf8_lossy(v).trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let (id, name) = (cell(Column::Id), cell(Column::Name));
            if id.is_none() && name.is_none() {
                return Err(error(path, line, "row has neither a tool id nor a name"));
            }
            let tier_cell = cell(Column::Tier).unwrap_or_default();
            let tier = parse_tier(&tier_cell).ok_or_else(|| {
                error(path, line, format!("tier `{tier_cell}` is not 1-4, `Tier N` or a tier name (Approved Enterprise, Approved General, Under Evaluation, Unapproved)"))
            })?;
            let assessed = match cell(Column::Assessed) {
                None => None,
                Some(v) => Some(parse_date(&v).ok_or_else(|| {
                    error(path, line, format!("assessment date `{v}` is not a date (2026-03-01, 01.03.2026 or 3/1/2026)"))
                })?),
            };
            entries.push(Entry {
                line,
                id,
                name,
                vendor: cell(Column::Vendor),
                tier,
                assessed,
                owner: cell(Column::Owner),
                domains: cell(Column::Domains)
                    .map(|d| split_domains(&d))
                    .unwrap_or_default(),
                status: cell(Column::Status),
                tool: None,
            });
        }
        Ok(Register {
            path: path.to_path_buf(),
            columns,
            entries,
            delimiter,
        })
    }

    /// Joins every row to a catalogue tool — by tool id, else by name, else by one of its
    /// domains — adds the rows' domains as patterns, and creates a tool for rows that match
    /// nothing but name domains of their own (an internal LLM gateway). Returns the register
    /// row of each tool (`None`: not registered, tier 4).
    pub fn join(
        &mut self,
        catalogue: &mut Catalogue,
        psl: &List,
    ) -> anyhow::Result<Vec<Option<usize>>> {
        let norm = |s: &str| {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect::<String>()
        };
        let file = self.path.display().to_string();
        for e in &mut self.entries {
            let by_id =
                e.id.as_deref()
                    .and_then(|id| catalogue.tool_by_id(&id.to_ascii_lowercase()));
            let by_name = || {
                let want = norm(e.name.as_deref()?);
                (!want.is_empty())
                    .then(|| {
                        catalogue
                            .tools
                            .iter()
                            .position(|t| norm(&t.name) == want || norm(&t.id) == want)
                    })
                    .flatten()
                    .map(|i| i as ToolId)
            };
            let by_domain = || {
                e.domains
                    .iter()
                    .find_map(|d| catalogue.find_host(d.as_bytes()).map(|p| p.tool))
            };
            let tool = match by_id.or_else(by_name).or_else(by_domain) {
                Some(t) => t,
                None if !e.domains.is_empty() => {
                    let label = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
                    let id =
                        e.id.clone()
                            .map(|i| i.to_ascii_lowercase())
                            .unwrap_or_else(|| slug(&label));
                    let vendor = e.vendor.clone().unwrap_or_else(|| "in-house".to_string());
                    catalogue
                        .add_local_tool(&id, &label, &vendor, &file)
                        .map_err(|m| error(&self.path, e.line, m))?
                }
                None => continue,
            };
            catalogue
                .add_patterns(tool, &e.domains, psl)
                .map_err(|m| error(&self.path, e.line, m))?;
            e.tool = Some(tool);
        }
        let mut rows = vec![None; catalogue.tools.len()];
        for (i, e) in self.entries.iter().enumerate() {
            let Some(t) = e.tool else { continue };
            if let Some(prev) = rows[t as usize] {
                let prev: &Entry = &self.entries[prev];
                return Err(error(
                    &self.path,
                    e.line,
                    format!(
                        "`{}` is already registered at line {}",
                        catalogue.tools[t as usize].name, prev.line
                    ),
                ));
            }
            rows[t as usize] = Some(i);
        }
        Ok(rows)
    }
}

/// Whether `path` names a spreadsheet workbook rather than a CSV export.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].contains(&e.to_ascii_lowercase().as_str()))
}

/// The first sheet of a workbook as CSV bytes, so one parser serves both. Line numbers in
/// messages are rows of the sheet's used range (row 1 = the header when the table starts at A1).
fn workbook_as_csv(path: &Path) -> anyhow::Result<Vec<u8>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).map_err(|e| error(path, 0, e))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| error(path, 0, "the workbook has no sheet"))?
        .map_err(|e| error(path, 0, e))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in sheet.rows() {
        w.write_record(row.iter().map(cell_text))?;
    }
    w.into_inner().map_err(|e| error(path, 0, e.error()))
}

/// A cell as its CSV export would show it: whole numbers without `.0`, dates as
/// `YYYY-MM-DD` (Excel's 1900 date system: serial 1 = 1900-01-01, counted from 1899-12-30).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let day = days_from_civil(1899, 12, 30) + d.as_f64().floor() as i64;
            crate::time::fmt_day(day as i32)
        }
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

/// A tool id from a name: lowercase letters and digits, other runs as `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_in_every_spelling() {
        for (cell, want) in [
            ("1", Some(1)),
            ("Tier 2", Some(2)),
            ("tier2", Some(2)),
            ("T3", Some(3)),
            ("Tier 2 — Approved General", Some(2)),
            ("Tier 1 - Approved Enterprise", Some(1)),
            ("Approved Enterprise", Some(1)),
            ("under evaluation", Some(3)),
            ("Unapproved / Shadow AI", Some(4)),
            ("Tier 4: Unapproved", Some(4)),
            ("Tier 1 — Under Evaluation", None),
            ("5", None),
            ("12", None),
            ("maybe", None),
            ("", None),
        ] {
            assert_eq!(parse_tier(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn dates_in_export_formats() {
        let d = days_from_civil(2026, 3, 1) as i32;
        assert_eq!(parse_date("2026-03-01"), Some(d));
        assert_eq!(parse_date("2026/03/01"), Some(d));
        assert_eq!(parse_date("01.03.2026"), Some(d));
        assert_eq!(parse_date("3/1/2026"), Some(d));
        assert_eq!(parse_date("2026-03-01T10:00:00Z"), Some(d));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn headers_are_forgiving_and_errors_name_line_and_value() {
        let text = "\u{feff}Tool ID,  Tool Name ,TIER,Assessed,Reviewer,Cost centre\nchatgpt,ChatGPT,Tier 1,2026-01-10,Ann,42\n,\"Claude, by Anthropic\",2,,Bob,7\n";
        let r = Register::parse(Path::new("reg.csv"), text.as_bytes()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[1].name.as_deref(), Some("Claude, by Anthropic"));
        assert_eq!((r.entries[0].tier, r.entries[1].tier), (1, 2));
        assert_eq!(r.entries[1].line, 3);
        let bad = "Tool,Tier\nChatGPT,Tier 7\n";
        let err = Register::parse(Path::new("reg.csv"), bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("reg.csv:2: tier `Tier 7`"), "{err}");
        let bad_date = "Tool;Tier;Assessment Date\nChatGPT;1;next week\n";
        let err = Register::parse(Path::new("r.csv"), bad_date.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("r.csv:2: assessment date `next week`"),
            "{err}"
        );
        let err = Register::parse(Path::new("r.csv"), b"Tool,Owner\nx,y\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `Tier` column"), "{err}");
    }

    #[test]
    fn xlsx_registers_read_like_their_csv_export() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/register.xlsx");
        let r = Register::read(&path).unwrap();
        let got: Vec<_> = r
            .entries
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.id.clone(),
                    e.name.clone(),
                    e.tier,
                    e.assessed,
                    e.owner.clone(),
                )
            })
            .collect();
        let day = |y, m, d| Some(days_from_civil(y, m, d) as i32);
        assert_eq!(
            got,
            vec![
                (
                    2,
                    Some("chatgpt".into()),
                    Some("ChatGPT".into()),
                    1,
                    day(2026, 10, 1),
                    Some("Smith, Ann".into())
                ),
                (
                    3,
                    None,
                    Some("Claude".into()),
                    2,
                    day(2024, 11, 1),
                    Some("Bob".into())
                ),
                (
                    4,
                    None,
                    Some("Microsoft Copilot".into()),
                    3,
                    day(2026, 9, 15),
                    Some("Carol".into())
                ),
            ]
        );
        let err = update(&path, Path::new("."), true).unwrap_err().to_string();
        assert!(err.contains("CSV registers only"), "{err}");
    }

    #[test]
    fn join_by_id_name_and_domain_and_in_house_tools() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let text = "Tool ID,Tool,Tier,Domains\n,Claude,1,\nx,Whatever,2,gemini.google.com\ncorp-gw,Corp LLM Gateway,1,\"llm.corp.example, *.genai.corp.example\"\nchatgpt,,3,\n,Nothing Known,2,\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        let tier_of =
            |id: &str| rows[c.tool_by_id(id).unwrap() as usize].map(|i| r.entries[i].tier);
        assert_eq!(tier_of("claude"), Some(1));
        assert_eq!(tier_of("gemini"), Some(2));
        assert_eq!(tier_of("chatgpt"), Some(3));
        assert_eq!(tier_of("corp-gw"), Some(1));
        assert_eq!(tier_of("perplexity"), None);
        let gw = c
            .find_host(b"eu.genai.corp.example")
            .map(|p| c.tools[p.tool as usize].id.as_str());
        assert_eq!(gw, Some("corp-gw"));
        assert_eq!(
            r.entries[4].tool, None,
            "a row matching nothing stays unjoined"
        );
    }

    #[test]
    fn a_tool_registered_twice_or_a_stolen_domain_is_an_error() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r =
            Register::parse(Path::new("r.csv"), b"Tool,Tier\nChatGPT,1\nchatgpt,2\n").unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(
            err.contains("r.csv:3") && err.contains("already registered at line 2"),
            "{err}"
        );
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(
            Path::new("r.csv"),
            b"Tool,Tier,Domains\nClaude,1,chatgpt.com\n",
        )
        .unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(err.contains("belongs to `chatgpt`"), "{err}");
    }
}

/// What `shadowai register update` appends for each newly found tool. Tier 4 with status
/// `discovered`: in use, never reviewed — the rollout fast-tracks them into a real tier.
pub const DISCOVERED_STATUS: &str = "discovered";

/// One row of a scan's `register-candidates.csv`.
#[derive(Debug, serde::Deserialize)]
struct Candidate {
    tool_id: String,
    tool: String,
    vendor: String,
    category: String,
    users: u64,
    events: u64,
    first_seen: String,
    last_seen: String,
}

/// The rows `update` would append: candidates from `from_dir` not already in the register
/// (by tool id or name), as CSV records in the register's own columns.
pub fn new_rows(register: &Register, from_dir: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let path = from_dir.join("register-candidates.csv");
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| error(&path, 0, e))?;
    let norm = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    let known: std::collections::HashSet<String> = register
        .entries
        .iter()
        .flat_map(|e| [e.id.as_deref(), e.name.as_deref()])
        .flatten()
        .map(norm)
        .collect();
    let cols = &register.columns;
    let mut rows = Vec::new();
    for rec in rdr.deserialize::<Candidate>() {
        let c = rec.map_err(|e| error(&path, e.position().map_or(0, |p| p.line() as usize), e))?;
        if known.contains(&norm(&c.tool_id)) || known.contains(&norm(&c.tool)) {
            continue;
        }
        let mut row = vec![String::new(); cols.headers.len()];
        let mut set = |col: Column, v: String| {
            if let Some(i) = cols.get(col) {
                row[i] = v;
            }
        };
        set(Column::Id, c.tool_id.clone());
        set(Column::Name, c.tool.clone());
        set(Column::Vendor, c.vendor.clone());
        set(Column::Category, c.category.clone());
        set(Column::Tier, UNREGISTERED_TIER.to_string());
        set(Column::Status, DISCOVERED_STATUS.to_string());
        set(Column::FirstSeen, c.first_seen.clone());
        set(Column::Users, c.users.to_string());
        set(
            Column::Notes,
            format!(
                "discovered by shadowai: {} users, {} events, {} to {}; tier 4 until reviewed",
                c.users, c.events, c.first_seen, c.last_seen
            ),
        );
        rows.push(row);
    }
    Ok(rows)
}

/// Serializes rows in the register's delimiter and line ending, quoting only where needed.
pub fn encode_rows(
    register: &Register,
    original: &[u8],
    rows: &[Vec<String>],
) -> anyhow::Result<Vec<u8>> {
    let crlf = original
        .windows(2)
        .position(|w| w == b"\r\n")
        .is_some_and(|i| {
            // The first line ending decides.
            memchr::memchr(b'\n', original) == Some(i + 1)
        });
    let mut w = csv::WriterBuilder::new()
        .delimiter(register.delimiter)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r)?;
    }
    let mut out = Vec::new();
    if !original.is_empty() && !original.ends_with(b"\n") {
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    out.extend(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?);
    Ok(out)
}

/// Appends the new candidates to the register file: existing bytes untouched, written to a
/// temporary file and renamed into place after a `.bak` copy. Returns the rows added (none:
/// the file is not touched).
pub fn update(path: &Path, from_dir: &Path, dry_run: bool) -> anyhow::Result<Vec<Vec<String>>> {
    if is_workbook(path) {
        return Err(error(
            path,
            0,
            "register update appends to CSV registers only (so every existing byte stays); export the workbook to CSV, update that, and re-import",
        ));
    }
    let original = std::fs::read(path).map_err(|e| error(path, 0, e))?;
    let register = Register::parse(path, &original)?;
    let rows = new_rows(&register, from_dir)?;
    if rows.is_empty() || dry_run {
        return Ok(rows);
    }
    let appended = encode_rows(&register, &original, &rows)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.shadowai-tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&original)?;
        f.write_all(&appended)?;
        f.sync_all()?;
        std::fs::copy(path, dir.join(format!("{name}.bak")))?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| error(path, 0, format!("writing the updated register: {e}")))?;
    Ok(rows)
}

#[cfg(test)]
mod update_tests {
    use super::*;

    fn candidates(dir: &Path) {
        std::fs::write(
            dir.join("register-candidates.csv"),
            "tool_id,tool,vendor,category,users,events,bytes_out,first_seen,last_seen,top_users\n\
             deepseek,DeepSeek,DeepSeek,chat-assistant,3,40,0,2026-11-09T08:00:00Z,2026-11-20T10:00:00Z,a (30)\n\
             claude,Claude,Anthropic,chat-assistant,2,5,0,2026-11-10T08:00:00Z,2026-11-11T10:00:00Z,b (5)\n",
        )
        .unwrap();
    }

    #[test]
    fn appends_only_new_tools_keeping_every_byte_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        candidates(dir.path());
        let reg = dir.path().join("register.csv");
        let original = "Tool;Tier;Owner;Notes;Cost centre\r\n\"Claude\";\"Tier 2 — Approved General\";Ann;\"uses \"\"projects\"\"; ok\";42\r\nChatGPT;1;Bob;;7";
        std::fs::write(&reg, original).unwrap();
        let added = update(&reg, dir.path(), false).unwrap();
        assert_eq!(added.len(), 1);
        let after = std::fs::read_to_string(&reg).unwrap();
        assert!(after.starts_with(original), "existing bytes are kept");
        assert_eq!(
            &after[original.len()..],
            "\r\nDeepSeek;4;;\"discovered by shadowai: 3 users, 40 events, 2026-11-09T08:00:00Z to 2026-11-20T10:00:00Z; tier 4 until reviewed\";\r\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("register.csv.bak")).unwrap(),
            original
        );
        let again = update(&reg, dir.path(), false).unwrap();
        assert!(again.is_empty());
        assert_eq!(
            std::fs::read_to_string(&reg).unwrap(),
            after,
            "a second run changes nothing"
        );
        let reread = Register::read(&reg).unwrap();
        assert_eq!(
            reread.entries.last().map(|e| (e.tier, e.name.as_deref())),
            Some((4, Some("DeepSeek")))
        );
    }

    #[test]
    fn dry_run_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        candidates(dir.path());
        let reg = dir.path().join("r.csv");
        std::fs::write(&reg, "Tool ID,Tool,Tier,Status\n").unwrap();
        let rows = update(&reg, dir.path(), true).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], vec!["deepseek", "DeepSeek", "4", "discovered"]);
        assert_eq!(
            std::fs::read_to_string(&reg).unwrap(),
            "Tool ID,Tool,Tier,Status\n"
        );
        assert!(!dir.path().join("r.csv.bak").exists());
    }
}
