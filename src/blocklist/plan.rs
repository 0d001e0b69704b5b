//! What to write for each blocked pattern, in named steps:
//!
//! 1. `partition`: the catalogue's patterns into blocked (at the blocked tiers, and chosen by
//!    [`Only`](super::Only)) and allowed (the other tiers), by tier;
//! 2. `Planner::rule`: per blocked pattern, its block rule as the syntax writes it, plus
//!    allow-rules for the allowed patterns that rule would reach and that win the match; or,
//!    without allow-rules, the rule narrowed to the exact host when that is safe; or nothing,
//!    with the reason;
//! 3. `Planner::refuse_shared_names`: drop a block on the very name an allow-rule needs;
//! 4. `Planner::keep_widest`: for syntaxes that reject nested rules (squid), the widest only.

use std::collections::BTreeSet;

use super::Options;
use super::cover::{Cover, Index};
use super::syntax::{Syntax, Written};
use crate::policy::Policy;
use crate::signatures::{Catalogue, Evidence, Pattern, Shape, ToolId};

/// The rules to write.
pub(super) struct Plan<'a> {
    /// Patterns of blocked tools, by tool id and text.
    pub(super) blocked: Vec<&'a Pattern>,
    /// Per blocked pattern: the rule to write, or why none is written.
    pub(super) rules: Vec<Result<Written, String>>,
    /// Allow-rules, each with the allowed pattern it exempts.
    pub(super) allows: Vec<(&'a Pattern, Written)>,
}

/// Plans the blocklist: patterns of tools whose tier is in `opts.tiers`, minus what an allowed
/// tool owns.
pub(super) fn plan<'a>(
    syntax: &dyn Syntax,
    catalogue: &'a Catalogue,
    policy: &Policy,
    opts: &Options,
) -> Plan<'a> {
    let (blocked, allowed) = partition(catalogue, policy, opts);
    let covers: Vec<(&Pattern, Cover)> = allowed.iter().map(|&a| (a, Cover::of(a))).collect();
    let planner = Planner {
        syntax,
        catalogue,
        index: Index::new(covers.iter().map(|(_, c)| Some(c))),
        allowed: covers,
    };
    let mut exceptions: BTreeSet<usize> = BTreeSet::new();
    let mut rules: Vec<Result<Written, String>> = blocked
        .iter()
        .map(|b| planner.rule(b, &mut exceptions))
        .collect();
    let allows: Vec<(&Pattern, Written)> = exceptions
        .iter()
        .filter_map(|&i| {
            let a = allowed[i];
            syntax.allow(a.shape, a.host()).map(|w| (a, w))
        })
        .collect();
    planner.refuse_shared_names(&blocked, &mut rules, &allows);
    if syntax.rejects_nested() {
        planner.keep_widest(&blocked, &mut rules);
    }
    Plan {
        blocked,
        rules,
        allows,
    }
}

/// The catalogue's patterns of blocked tools and of allowed ones, each by tool id and text. A
/// tool at a blocked tier that `opts.only` leaves out is in neither.
/// A blocked tool's patterns of incidental roles (its docs pages, widget CDN, share domain,
/// hot-linked media) are left out: reaching them is no use of the tool, and blocking them
/// would break third-party pages that embed or link them while stopping nobody's use.
fn partition<'a>(
    catalogue: &'a Catalogue,
    policy: &Policy,
    opts: &Options,
) -> (Vec<&'a Pattern>, Vec<&'a Pattern>) {
    let (mut blocked, mut allowed): (Vec<&Pattern>, Vec<&Pattern>) = (Vec::new(), Vec::new());
    for p in &catalogue.patterns {
        if !opts.tiers.contains(&policy.tier(p.tool)) {
            allowed.push(p);
        } else if opts.only.admits(p.tool, policy) && p.role.evidence() == Evidence::Use {
            blocked.push(p);
        }
    }
    let tool_id = |t: ToolId| catalogue.tools[t as usize].id.as_str();
    let order = |a: &&Pattern, b: &&Pattern| {
        (tool_id(a.tool), a.text.as_str()).cmp(&(tool_id(b.tool), b.text.as_str()))
    };
    blocked.sort_by(order);
    allowed.sort_by(order);
    (blocked, allowed)
}

/// The steps that need the syntax and the allowed patterns.
struct Planner<'s, 'a> {
    syntax: &'s dyn Syntax,
    catalogue: &'a Catalogue,
    /// Allowed patterns, by tool id and text, with the hosts each matches.
    allowed: Vec<(&'a Pattern, Cover)>,
    /// The allowed patterns' covers, for the ones a rule reaches.
    index: Index,
}

impl Planner<'_, '_> {
    fn tool_id(&self, t: ToolId) -> &str {
        self.catalogue.tools[t as usize].id.as_str()
    }

    /// Allowed patterns (indexes) a written block would reach and that win the match.
    fn conflicts(&self, w: &Written, b: &Pattern) -> Vec<usize> {
        let widened = !w.cover.within(&Cover::of(b));
        let mut hits = self.index.candidates(&w.cover);
        hits.retain(|&i| {
            let (a, cover) = &self.allowed[i];
            w.cover.meets(cover) && (widened || a.specificity() >= b.specificity())
        });
        hits
    }

    /// The rule for blocked pattern `b`, adding to `exceptions` the allowed patterns it needs
    /// allow-rules for; or why it cannot be written.
    fn rule(&self, b: &Pattern, exceptions: &mut BTreeSet<usize>) -> Result<Written, String> {
        let syntax = self.syntax;
        let Some(w) = syntax.block(b.shape, b.host()) else {
            return Err(format!(
                "`{}` ({}): {} cannot express this pattern",
                b.text,
                self.tool_id(b.tool),
                syntax.name()
            ));
        };
        let hits = self.conflicts(&w, b);
        if hits.is_empty() {
            return Ok(w);
        }
        if hits.iter().all(|&i| {
            let a = self.allowed[i].0;
            syntax.allow(a.shape, a.host()).is_some()
        }) {
            exceptions.extend(hits);
            return Ok(w);
        }
        let names = hits
            .iter()
            .map(|&i| {
                let a = self.allowed[i].0;
                format!("{} ({})", a.text, self.tool_id(a.tool))
            })
            .collect::<Vec<_>>()
            .join(", ");
        // No allow-rule: narrow a suffix block to its exact host, if that is safe.
        let narrowed = match b.shape {
            Shape::Suffix => syntax
                .block(Shape::Exact, b.host())
                .filter(|n| self.conflicts(n, b).is_empty()),
            _ => None,
        };
        match narrowed {
            Some(n) => Ok(n.note(format!(
                "narrowed to the exact host: its subdomains include allowed {names}"
            ))),
            None => Err(format!(
                "`{}` ({}): not safely blockable in {}: it would block allowed {names}",
                b.text,
                self.tool_id(b.tool),
                syntax.name(),
            )),
        }
    }

    /// A block on the very name an allow-rule needs cannot be written beside it.
    fn refuse_shared_names(
        &self,
        blocked: &[&Pattern],
        rules: &mut [Result<Written, String>],
        allows: &[(&Pattern, Written)],
    ) {
        let allow_keys: BTreeSet<&str> = allows
            .iter()
            .flat_map(|(_, w)| w.keys.iter().map(String::as_str))
            .collect();
        for (b, p) in blocked.iter().zip(rules.iter_mut()) {
            if let Ok(w) = p
                && w.keys.iter().any(|k| allow_keys.contains(k.as_str()))
            {
                *p = Err(format!(
                    "`{}` ({}): not safely blockable in {}: an allowed tool needs the same name",
                    b.text,
                    self.tool_id(b.tool),
                    self.syntax.name()
                ));
            }
        }
    }

    /// Squid refuses a domain inside another of the same ACL: keep the widest.
    fn keep_widest(&self, blocked: &[&Pattern], rules: &mut [Result<Written, String>]) {
        let covers: Vec<Option<Cover>> = rules
            .iter()
            .map(|p| p.as_ref().ok().map(|w| w.cover.clone()))
            .collect();
        let index = Index::new(covers.iter().map(Option::as_ref));
        for (i, p) in rules.iter_mut().enumerate() {
            let Ok(w) = p else { continue };
            let outer = index.candidates(&w.cover).into_iter().find(|&j| {
                j != i
                    && covers[j]
                        .as_ref()
                        .is_some_and(|c| w.cover.within(c) && (!c.within(&w.cover) || j < i))
            });
            if let Some(j) = outer {
                *p = Err(format!(
                    "`{}` ({}): already covered by `{}`",
                    blocked[i].text,
                    self.tool_id(blocked[i].tool),
                    blocked[j].text
                ));
            }
        }
    }
}
