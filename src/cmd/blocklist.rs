//! `shadowai blocklist`: the refused tools as a blocklist for a resolver, proxy or firewall.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::setup::load_catalogue;
use crate::blocklist::{self, Only};
use crate::cli::BlocklistArgs;
use crate::exit::{Exit, UsageError};
use crate::policy::{DEFAULT_UPLOAD_THRESHOLD, Policy, Tier};
use crate::register::Register;
use crate::signatures::{Catalogue, ToolId};

/// `shadowai blocklist`.
pub fn run(args: BlocklistArgs) -> anyhow::Result<Exit> {
    let (mut catalogue, psl) = load_catalogue(&args.catalogue)?;
    let mut register = Register::read(&args.register)?;
    let rows = register.join(&mut catalogue, &psl)?;
    // A row the join did not understand registers no tool: the tool it meant would count as
    // unlisted and be blocked, an approved tool among them. A blocklist is enforcement, so
    // it is refused rather than written with that risk.
    if !register.unmatched.is_empty() {
        register.warn_unmatched();
        return Err(UsageError(format!(
            "{}: {} register row(s) match no catalogue tool (see above); a blocklist could block the tool they approve. Fix them (`shadowai register check`) or give the row an id or its domains",
            register.path.display(),
            register.unmatched.len()
        ))
        .into());
    }
    let policy = Policy {
        register: Some(&register),
        rows,
        upload_threshold: DEFAULT_UPLOAD_THRESHOLD,
    };
    // The value parser only admits registered names.
    let syntax = blocklist::by_name(&args.format)
        .ok_or_else(|| UsageError(format!("unknown blocklist format `{}`", args.format)))?;
    // The current Unix time, as BIND serials usually are (1 on a clock before 1970).
    let serial = args.serial.unwrap_or_else(|| match crate::time::now() {
        0 => 1,
        secs => secs as u32,
    });
    let seen = args
        .seen_in
        .as_deref()
        .map(|out| seen_in(out, &catalogue))
        .transpose()?;
    if let Some((source, tools)) = &seen {
        let blocked = tools
            .iter()
            .filter(|&&t| args.tiers.0.contains(&policy.tier(t)))
            .count();
        eprintln!(
            "shadowai: {source}: {} tool(s) seen, {blocked} of them at a blocked tier",
            tools.len()
        );
    }
    let opts = blocklist::Options {
        // `--only-refused` conflicts with `--tiers`: refused is tier 4.
        tiers: if args.only_refused {
            vec![Tier::Unapproved]
        } else {
            args.tiers.0.clone()
        },
        only: Only {
            seen,
            registered: args.only_refused,
        },
        serial,
        register: args
            .register
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        catalogue: catalogue.version.clone(),
    };
    let out = blocklist::build(syntax, &catalogue, &policy, &opts);
    write_out(&args.out, out.text.as_bytes())?;
    // Syntaxes without comments cannot say in the file what they left out: say it here.
    if syntax.comment().is_none() {
        for s in &out.skipped {
            eprintln!("shadowai: not listed: {s}");
        }
        for n in &out.notes {
            eprintln!("shadowai: note: {n}");
        }
    }
    eprintln!(
        "shadowai: {}: {} pattern(s) blocked, {} allow-rule(s) for allowed tools, {} pattern(s) not listed{}",
        syntax.name(),
        out.blocked,
        out.exceptions,
        out.skipped.len(),
        if out.skipped.is_empty() || syntax.comment().is_none() {
            ""
        } else {
            " (see the comments in the file)"
        }
    );
    Ok(Exit::Ok)
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename), or
/// to stdout for `-`.
fn write_out(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        io::stdout().lock().write_all(bytes)?;
        return Ok(());
    }
    crate::atomic::write(path, bytes)
}

/// The tools of an earlier audit's `per-tool.csv` (`out` is the scan's `--out` folder or that
/// file), with the file's path. A tool this catalogue and register do not know (the scan had
/// other `--signatures`) cannot be blocked: said on stderr, not dropped silently.
fn seen_in(out: &Path, catalogue: &Catalogue) -> anyhow::Result<(String, HashSet<ToolId>)> {
    let path: PathBuf = if out.is_file() {
        out.to_path_buf()
    } else {
        out.join("per-tool.csv")
    };
    let name = path.display().to_string();
    // `FILE:LINE: why`, or `FILE: why` before any line was read.
    let bad = |line: Option<u64>, why: &dyn std::fmt::Display| {
        let at = line.map_or_else(String::new, |l| format!(":{l}"));
        UsageError(format!(
            "{name}{at}: {why} (--seen-in takes a scan's --out folder)"
        ))
    };
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| bad(None, &e))?;
    let column = rdr
        .headers()
        .map_err(|e| bad(Some(1), &e))?
        .iter()
        .position(|h| h == "tool_id")
        .ok_or_else(|| bad(Some(1), &"no `tool_id` column: not a per-tool.csv"))?;
    let mut tools = HashSet::new();
    for record in rdr.records() {
        let record = record.map_err(|e| bad(e.position().map(csv::Position::line), &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let id = record.get(column).unwrap_or_default();
        match catalogue.tool_by_id(id) {
            Some(t) => {
                tools.insert(t);
            }
            None => eprintln!(
                "shadowai: {name}:{line}: tool `{id}` is not in this catalogue or register (give blocklist the scan's --signatures and --register): not blocked"
            ),
        }
    }
    Ok((name, tools))
}
