//! Header recognition: which register column holds which field, found by header name so that
//! a register's own column order, spelling and extra columns need no configuration.

use std::collections::HashMap;

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
    pub(super) fn from_headers(headers: &[String]) -> Columns {
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
