//! Header recognition: which register column holds which field, found by header name so that
//! a register's own column order, spelling and extra columns need no configuration.

use std::collections::HashMap;

/// The columns shadowai reads, found by header name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// `Tool ID`, `tool_id`, `id`.
    Id,
    /// `Tool`, `Name`, `Tool name`, `Application Name`, `App`, `Product`.
    Name,
    /// `Vendor`, `Provider`.
    Vendor,
    /// `Tier`, `Approval Status`, `Decision`; `Status` when no other column holds the tier.
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
    /// `Status`, unless it holds the tier.
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
    ("productname", Column::Name),
    ("service", Column::Name),
    ("servicename", Column::Name),
    ("application", Column::Name),
    ("applicationname", Column::Name),
    ("app", Column::Name),
    ("appname", Column::Name),
    ("vendor", Column::Vendor),
    ("provider", Column::Vendor),
    ("supplier", Column::Vendor),
    ("company", Column::Vendor),
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

/// The headers that may hold the tier, most specific first: a register with both a `Tier`
/// and an `Approval Status` column keeps its tier in `Tier`. `Status` comes last and holds
/// the tier only when no other column does; otherwise it is the row's status (as
/// `register update` writes `discovered` into it).
const TIER_HEADERS: &[&str] = &[
    "tier",
    "approvaltier",
    "risktier",
    "policytier",
    "approvalstatus",
    "decision",
    "approvaldecision",
    "status",
];

/// Which column each field is in.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    found: HashMap<&'static str, usize>,
    /// Every header cell, as written.
    pub headers: Vec<String>,
}

impl Columns {
    pub(super) fn from_headers(headers: &[String]) -> Columns {
        let mut found = HashMap::new();
        let keys: Vec<String> = headers.iter().map(|h| super::key(h)).collect();
        for (i, key) in keys.iter().enumerate() {
            if let Some((_, col)) = SYNONYMS.iter().find(|(k, _)| k == key) {
                found.entry(col_name(*col)).or_insert(i);
            }
        }
        if let Some(i) = TIER_HEADERS
            .iter()
            .find_map(|t| keys.iter().position(|k| k == t))
        {
            found.insert(col_name(Column::Tier), i);
            if found.get(col_name(Column::Status)) == Some(&i) {
                found.remove(col_name(Column::Status));
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
