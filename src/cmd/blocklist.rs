//! `shadowai blocklist`: the refused tools as a blocklist for a resolver, proxy or firewall.

use std::io::{self, Write};
use std::path::Path;

use super::setup::load_catalogue;
use crate::blocklist;
use crate::cli::BlocklistArgs;
use crate::exit::{Exit, UsageError};
use crate::policy::{DEFAULT_UPLOAD_THRESHOLD, Policy};
use crate::register::Register;

/// `shadowai blocklist`.
pub fn run(args: BlocklistArgs) -> anyhow::Result<Exit> {
    let (mut catalogue, psl) = load_catalogue(&args.catalogue)?;
    let mut register = Register::read(&args.register)?;
    let rows = register.join(&mut catalogue, &psl)?;
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
    let opts = blocklist::Options {
        tiers: args.tiers.0.clone(),
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
