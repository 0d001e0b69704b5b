//! `shadowai register check|update`: how the AI Tool Register joins the catalogue, and
//! appending the tools a scan found to it.

use std::io;
use std::path::Path;

use super::setup::load_catalogue;
use crate::cli::{CatalogueArgs, RegisterCommand};
use crate::exit::Exit;
use crate::register::Register;
use crate::report::csv_out::CsvWriter;

/// `shadowai register …`.
pub fn run(cmd: RegisterCommand) -> anyhow::Result<Exit> {
    match cmd {
        RegisterCommand::Check {
            register,
            catalogue,
        } => check(&register, &catalogue),
        RegisterCommand::Update {
            register,
            from,
            dry_run,
        } => update(&register, &from, dry_run),
    }
}

/// `shadowai register check`: one CSV row per register row with how it joined, the warnings
/// a scan would print on stderr, and exit 1 when a row matches no tool — so the register can
/// be checked (in CI, before a nightly run) without scanning a log.
fn check(path: &Path, catalogue: &CatalogueArgs) -> anyhow::Result<Exit> {
    let (mut catalogue, psl) = load_catalogue(catalogue)?;
    let mut register = Register::read(path)?;
    register.join(&mut catalogue, &psl)?;
    let mut out = CsvWriter::new(io::stdout().lock());
    out.text_row([
        "line",
        "name",
        "joined",
        "tool_id",
        "tool",
        "tier",
        "suggestion",
    ])?;
    let mut unmatched = register.unmatched.iter().peekable();
    for (i, e) in register.entries.iter().enumerate() {
        let name = e.name.as_deref().or(e.id.as_deref()).unwrap_or_default();
        let line = e.line.to_string();
        let tier = e.tier.to_string();
        let (joined, tool_id, tool, suggestion) = match (e.tool, e.joined) {
            (Some(t), Some(how)) => {
                let t = &catalogue.tools[t as usize];
                (how.as_str(), t.id.as_str(), t.name.as_str(), String::new())
            }
            _ => match unmatched.next_if(|u| u.entry == i) {
                Some(u) => {
                    let ids: Vec<&str> = u.suggestions.iter().map(|s| s.id.as_str()).collect();
                    let joined = if u.ambiguous {
                        "AMBIGUOUS"
                    } else {
                        "UNMATCHED"
                    };
                    (joined, "", "", ids.join(" "))
                }
                None => ("UNMATCHED", "", "", String::new()),
            },
        };
        out.text_row([&line, name, joined, tool_id, tool, &tier, &suggestion])?;
    }
    out.flush()?;
    register.warn_unmatched();
    let rows = register.entries.len();
    let failed = register.unmatched.len();
    eprintln!(
        "shadowai: {}: {rows} row(s), {} joined, {failed} matching no tool",
        path.display(),
        rows - failed
    );
    Ok(if failed == 0 { Exit::Ok } else { Exit::Fatal })
}

/// `shadowai register update`.
fn update(register: &Path, from: &Path, dry_run: bool) -> anyhow::Result<Exit> {
    let rows = crate::register::update(register, from, dry_run)?;
    if dry_run {
        let mut out = CsvWriter::new(io::stdout().lock());
        for r in &rows {
            out.text_row(r)?;
        }
        out.flush()?;
        eprintln!(
            "shadowai: {} row(s) would be added to {}",
            rows.len(),
            register.display()
        );
    } else if rows.is_empty() {
        eprintln!("shadowai: {}: nothing to add", register.display());
    } else {
        eprintln!(
            "shadowai: added {} row(s) to {} (previous version: {}.bak)",
            rows.len(),
            register.display(),
            register.display()
        );
    }
    Ok(Exit::Ok)
}
