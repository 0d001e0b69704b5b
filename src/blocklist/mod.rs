//! `shadowai blocklist`: the host patterns of the tools the policy refuses, written in the syntax
//! of the device that enforces the refusal (DNS resolver, proxy, firewall, filter list).
//!
//! After the audit the policy takes effect: tier-4 tools are blocked at the proxy and DNS. Each
//! [`Syntax`] turns one catalogue pattern kind (`host`, `=host`, `*.x`, `x.*.y`, `*-x.y`) into its
//! device's rule, or says it cannot; what it cannot express goes into a comment (or, for
//! syntaxes without comments, onto stderr) — never silently dropped.
//!
//! Overlaps: a host belongs to the tool whose *most specific* pattern matches it (the scan's
//! rule, `signatures/README.md`). A blocked tool's `openai.com` written as a suffix rule would
//! also block an allowed tool's `api.openai.com`, so for every allowed pattern that a written
//! block rule reaches and that would win the match, the syntax writes an allow-rule (unbound
//! `transparent`, RPZ `rpz-passthru.`, dnsmasq `server=/…/#`, adblock `@@`, a squid allow ACL);
//! a syntax without allow-rules narrows the block to the exact host when that is safe, else
//! lists the blocked pattern in a comment as not safely blockable. The allowed tool always wins.
//!
//! Syntax sources are cited on each syntax's type (`syntax/`); see docs/blocklists.md.
//!
//! Layout: `plan` decides what to write for each blocked pattern (block, allow-rules, narrow
//! or skip), reasoning about host sets with `cover`; `render` writes the text; `syntax` holds
//! the device syntaxes, one file per family.

mod cover;
mod plan;
mod render;
mod syntax;

pub use syntax::{SYNTAXES, Syntax, by_name};

use std::collections::HashSet;

use crate::policy::{Policy, Tier};
use crate::signatures::{Catalogue, ToolId};

/// Settings of one blocklist run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Tiers to block (4 by default).
    pub tiers: Vec<Tier>,
    /// Which tools at those tiers are blocked.
    pub only: Only,
    /// RPZ SOA serial.
    pub serial: u32,
    /// Where the register came from, for the header.
    pub register: String,
    /// Catalogue version, for the header.
    pub catalogue: String,
}

/// Which tools at the blocked tiers are blocked: all of them by default. A tool left out is
/// neither blocked nor allowed: a rule written for another tool may still reach it.
#[derive(Clone, Debug, Default)]
pub struct Only {
    /// Only tools an audit saw (`--seen-in`), with the file that lists them.
    pub seen: Option<(String, HashSet<ToolId>)>,
    /// Only tools the register lists (`--only-refused`), not those it leaves unlisted.
    pub registered: bool,
}

impl Only {
    /// Whether a tool at a blocked tier is blocked.
    fn admits(&self, tool: ToolId, policy: &Policy) -> bool {
        self.seen
            .as_ref()
            .is_none_or(|(_, seen)| seen.contains(&tool))
            && (!self.registered || policy.registered(tool))
    }
}

/// What a run wrote and what it could not.
#[derive(Debug, Default)]
pub struct Output {
    /// The file's text.
    pub text: String,
    /// Block rules written.
    pub blocked: usize,
    /// Allow-rules written for allowed tools.
    pub exceptions: usize,
    /// Patterns not written (not expressible, or not safely blockable), with the reason.
    pub skipped: Vec<String>,
    /// Patterns written differently from the catalogue (wider or narrower), with how.
    pub notes: Vec<String>,
}

/// Builds the blocklist: patterns of tools whose tier is in `opts.tiers`, minus what an
/// allowed tool owns.
pub fn build(
    syntax: &dyn Syntax,
    catalogue: &Catalogue,
    policy: &Policy,
    opts: &Options,
) -> Output {
    let plan = plan::plan(syntax, catalogue, policy, opts);
    render::render(syntax, catalogue, policy, opts, &plan)
}
