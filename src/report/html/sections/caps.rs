//! How many rows each table of `report.html` shows at most, all in one place.
//!
//! The page is an executive document that must open, print and be handed over at any
//! population: its size and page count may not grow with the number of people. So every
//! table whose rows grow with people, tools or files stops at a cap, ordered so that what
//! matters most comes first, and says how many rows it left out and which file beside it
//! holds them all. The caps are set so that the bundled `sample-logs/` report still shows
//! every row (119 person × tool rows, 118 findings, 41 files): small audits lose nothing.

/// Rule × tool roll-up rows of "Findings". The roll-up is bounded by rules × tools in use
/// anyway; at most this many is about two printed pages.
pub(super) const FINDING_GROUPS: usize = 60;

/// Single findings (one person or register row each) listed after the roll-up, most severe
/// and heaviest first; the sample's 105 all fit, 30,000 people's do not need to.
pub(super) const FINDING_ROWS: usize = 120;

/// Person × tool rows of "Users", most events first; the sample has 104.
pub(super) const USER_ROWS: usize = 120;

/// Person × tool rows of "Contact without use", most events first: what is not use matters
/// less than what is, so fewer rows.
pub(super) const CONTACT_ROWS: usize = 50;

/// Register candidates (tools in use the register does not list), most users first.
pub(super) const REGISTER_CANDIDATES: usize = 50;

/// Unknown-AI candidate domains, strongest signals first.
pub(super) const UNKNOWN_CANDIDATES: usize = 50;

/// Input files in "Data quality", in walk order; a nightly run over a year of rotated logs
/// reads thousands.
pub(super) const FILES: usize = 50;

/// Tools in the top-tools chart; the table below it lists all tools in use (bounded by the
/// catalogue).
pub(super) const TOP_TOOLS: usize = 15;

/// Gaps (runs of days without data) listed per source in "Data quality".
pub(super) const GAPS_LISTED: usize = 40;

/// The at most `cap` heaviest of `rows` by `weight` (the greatest first) and how many rows
/// there were, for the "… and N more rows" line. The sort is stable, so rows of equal weight
/// keep the order of the CSV that holds them all.
pub(super) fn heaviest<T, W: Ord>(
    mut rows: Vec<T>,
    cap: usize,
    weight: impl Fn(&T) -> W,
) -> (Vec<T>, usize) {
    let total = rows.len();
    rows.sort_by_key(|row| std::cmp::Reverse(weight(row)));
    rows.truncate(cap);
    (rows, total)
}
