//! Writing a [`Plan`] as the blocklist's text: the comment header, the syntax's preamble,
//! each blocked tool's comment and rules, the allow-rules, then the syntax's epilogue. A rule
//! line two patterns share is written once. Without comments the file holds the rules only;
//! [`Output`] keeps what the comments would have said, for the caller to print.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::plan::Plan;
use super::syntax::Syntax;
use super::{Options, Output};
use crate::policy::{Policy, Tier};
use crate::signatures::{Catalogue, ToolId};

/// The blocklist text of `plan`, with counts, skipped patterns and notes.
pub(super) fn render(
    syntax: &dyn Syntax,
    catalogue: &Catalogue,
    policy: &Policy,
    opts: &Options,
    plan: &Plan,
) -> Output {
    let c = syntax.comment();
    let mut out = Output::default();
    let mut text = header(syntax, opts);
    for l in syntax.preamble(opts) {
        text.push_str(&l);
        text.push('\n');
    }
    let mut body = Body::default();
    let mut last_tool = None;
    for (b, p) in plan.blocked.iter().zip(&plan.rules) {
        if let Some(c) = c
            && last_tool != Some(b.tool)
        {
            body.lines.push(tool_comment(c, catalogue, policy, b.tool));
            last_tool = Some(b.tool);
        }
        match p {
            Ok(w) => {
                if let Some(n) = &w.note {
                    out.notes.push(format!("`{}`: {n}", b.text));
                    if let Some(c) = c {
                        body.lines.push(format!("{c} {}: {n}", b.text));
                    }
                }
                body.rule(&w.lines);
                out.blocked += 1;
            }
            Err(why) => {
                if let Some(c) = c {
                    body.lines.push(format!("{c} not listed: {why}"));
                }
                out.skipped.push(why.clone());
            }
        }
    }
    if !plan.allows.is_empty() {
        if let Some(c) = c {
            body.lines.push(format!(
                "{c} allowed tools inside blocked domains: the allowed tool wins"
            ));
        }
        for (a, w) in &plan.allows {
            if let Some(c) = c {
                body.lines.push(format!(
                    "{c} {} allowed (tier {})",
                    a.text,
                    policy.tier(a.tool)
                ));
            }
            body.rule(&w.lines);
            out.exceptions += 1;
        }
    }
    let epilogue = syntax.epilogue(&body.lines);
    for l in body.lines.iter().chain(&epilogue) {
        text.push_str(l);
        text.push('\n');
    }
    out.text = text;
    out
}

/// The comment lines that open the file: what it blocks, from which register and catalogue.
fn header(syntax: &dyn Syntax, opts: &Options) -> String {
    let mut text = String::new();
    if let Some(c) = syntax.comment() {
        let tiers: Vec<String> = opts.tiers.iter().map(Tier::to_string).collect();
        let _ = writeln!(
            text,
            "{c} shadowai blocklist, format {}: tools {}at tier {} ({})",
            syntax.name(),
            if opts.only.registered {
                "the register lists "
            } else {
                ""
            },
            tiers.join(","),
            if opts.only.registered {
                "--only-refused: tools it does not list are not blocked"
            } else {
                "unregistered tools are tier 4"
            }
        );
        if let Some((source, _)) = &opts.only.seen {
            let _ = writeln!(
                text,
                "{c} only tools seen in the audit: {source} (--seen-in)"
            );
        }
        let _ = writeln!(
            text,
            "{c} register: {}; catalogue {}",
            opts.register, opts.catalogue
        );
        let _ = writeln!(
            text,
            "{c} allowed tools always win an overlap: allow-rules or comments below say where"
        );
    }
    text
}

/// The comment naming a blocked tool before its rules.
fn tool_comment(c: &str, catalogue: &Catalogue, policy: &Policy, tool: ToolId) -> String {
    let t = &catalogue.tools[tool as usize];
    let reg = if policy.registered(tool) {
        "registered"
    } else {
        "unregistered"
    };
    format!(
        "{c} {} ({}, {}): tier {}, {reg}",
        t.id,
        t.name,
        t.vendor,
        policy.tier(tool)
    )
}

/// The lines after the preamble; a rule line already written is not repeated.
#[derive(Default)]
struct Body {
    lines: Vec<String>,
    seen: BTreeSet<String>,
}

impl Body {
    fn rule(&mut self, lines: &[String]) {
        for l in lines {
            if self.seen.insert(l.clone()) {
                self.lines.push(l.clone());
            }
        }
    }
}
