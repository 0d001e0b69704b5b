//! The policy an audit applies: the AI acceptable-use policy's [`Tier`]s, the [`Rule`]s with
//! their [`Severity`] and clause, and [`Policy`], the AI Tool Register joined per catalogue tool
//! with the rule settings. `findings` applies it to the counted usage.
//!
//! One submodule per table: `tier` the tiers, `rule` the rules and severities.

mod rule;
mod tier;

pub use rule::{Rule, Severity};
pub use tier::Tier;

use crate::register::{Entry, Register};
use crate::signatures::ToolId;

/// Default upload threshold: 1 MiB per user, tool and day.
pub const DEFAULT_UPLOAD_THRESHOLD: u64 = 1 << 20;

/// Tiers and register rows per tool, and the rule settings.
pub struct Policy<'a> {
    /// The register, if one was given.
    pub register: Option<&'a Register>,
    /// Per tool: the register row it joined.
    pub rows: Vec<Option<usize>>,
    /// Uploads above this many bytes per user, tool and day are findings.
    pub upload_threshold: u64,
}

impl Policy<'_> {
    /// The register row of a tool.
    pub fn entry(&self, tool: ToolId) -> Option<&Entry> {
        let i = (*self.rows.get(tool as usize)?)?;
        self.register.map(|r| &r.entries[i])
    }

    /// The tool's policy tier: its register tier, or [`Tier::UNREGISTERED`] when the register
    /// does not list it.
    pub fn tier(&self, tool: ToolId) -> Tier {
        self.entry(tool).map_or(Tier::UNREGISTERED, |e| e.tier)
    }

    /// Whether the register lists the tool.
    pub fn registered(&self, tool: ToolId) -> bool {
        self.entry(tool).is_some()
    }
}
