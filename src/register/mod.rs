//! The AI Tool Register: the organization's spreadsheet of tools, tiers, assessment dates and
//! owners (policy "AI Tool Register"), read from its CSV export and joined with the catalogue.
//!
//! Registers are kept by people in spreadsheets and GRC tools, so reading is forgiving where
//! that is safe — header case, spacing and common synonyms, tier written as `2`, `Tier 2`,
//! `Tier 2 — Approved General` or `Approved General`, `,` or `;` as delimiter — and strict where
//! a guess would be wrong: an unknown tier or date is an error naming line and value, never a
//! silent default, because a wrong tier puts a wrong finding in an audit report.
//!
//! One submodule per job: `columns` recognizes header cells, `read` turns CSV rows into
//! entries (tiers, dates, domains), `workbook` exports a spreadsheet's first sheet as CSV
//! for that reader, `names` compares tool names as registers write them, `join` ties entries
//! to catalogue tools (and explains the rows it cannot tie), and `update` appends newly
//! discovered tools to a CSV register without touching its existing bytes.

mod columns;
mod join;
mod names;
mod read;
mod update;
mod workbook;

use std::path::PathBuf;

use crate::exit::at_line as error;
use crate::policy::Tier;
use crate::signatures::ToolId;

pub use columns::Columns;
pub use join::{Joined, Suggestion, Unmatched};
pub use names::key;
pub(crate) use read::csv_with_header;
pub use read::{STATUSES, parse_date};
pub use update::{DISCOVERED_STATUS, encode_rows, update};
pub(crate) use workbook::{is_workbook, workbook_as_csv};

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
    /// Policy tier.
    pub tier: Tier,
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
    /// How it joined, after [`Register::join`] (`None`: unmatched, see [`Register::unmatched`]).
    pub joined: Option<Joined>,
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
    /// The rows [`Register::join`] could not tie to a tool, in file order.
    pub unmatched: Vec<Unmatched>,
    /// SHA-256 (hex) of the file's bytes as read (the workbook's, for a workbook).
    pub sha256: String,
}
