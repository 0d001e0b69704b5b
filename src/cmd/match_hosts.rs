//! `shadowai match`: which tool and pattern each host or URL matches, and what reaching it is
//! evidence of (the host's role, corrected by the tool's path rules for a URL), as CSV; with
//! `--register`, also the tier a scan would give it and the register row that gives it.

use std::io::{self, BufRead};

use super::setup::load_catalogue;
use crate::cli::MatchArgs;
use crate::exit::Exit;
use crate::normalize;
use crate::policy::Tier;
use crate::register::Register;
use crate::report::csv_out::CsvWriter;

/// What `register` shows for a tool the register does not list.
const NOT_IN_REGISTER: &str = "not in the register";

/// `shadowai match`.
pub fn run(args: MatchArgs) -> anyhow::Result<Exit> {
    let (mut catalogue, psl) = load_catalogue(&args.catalogue)?;
    // The register's domains are patterns too (an in-house gateway), so it is joined before
    // any host is looked up.
    let register = match &args.register {
        Some(path) => {
            let mut register = Register::read(path)?;
            let rows = register.join(&mut catalogue, &psl)?;
            register.warn_unmatched();
            Some((register, rows))
        }
        None => None,
    };
    let stdout = io::stdout();
    let mut out = CsvWriter::new(stdout.lock());
    let mut header = vec![
        "host", "tool_id", "tool", "vendor", "category", "pattern", "role", "evidence",
    ];
    if register.is_some() {
        header.extend(["tier", "register"]);
    }
    out.text_row(&header)?;
    let columns = header.len();
    let mut host = Vec::new();
    let mut write = |raw: &str| -> anyhow::Result<()> {
        normalize::lowercase_into(&mut host, normalize::host_part(raw.as_bytes()));
        let shown = String::from_utf8_lossy(&host).into_owned();
        let mut row = match catalogue.classify(&host) {
            Some(hit) => {
                let t = &catalogue.tools[hit.pattern.tool as usize];
                let evidence = catalogue.evidence(
                    hit.pattern.tool,
                    hit.role.evidence(),
                    normalize::path_part(raw.as_bytes()),
                );
                let mut row = vec![
                    shown,
                    t.id.clone(),
                    t.name.clone(),
                    t.vendor.clone(),
                    t.category.clone(),
                    hit.pattern.text.clone(),
                    hit.role.as_str().to_string(),
                    evidence.as_str().to_string(),
                ];
                if let Some((register, rows)) = &register {
                    let (tier, source) =
                        match rows.get(hit.pattern.tool as usize).copied().flatten() {
                            Some(i) => {
                                let e = &register.entries[i];
                                (e.tier, format!("{}:{}", register.path.display(), e.line))
                            }
                            None => (Tier::UNREGISTERED, NOT_IN_REGISTER.to_string()),
                        };
                    row.extend([tier.to_string(), source]);
                }
                row
            }
            None => vec![shown],
        };
        row.resize(columns, String::new());
        out.text_row(&row)?;
        Ok(())
    };
    if args.hosts.is_empty() {
        for line in io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                write(line.trim())?;
            }
        }
    } else {
        for h in &args.hosts {
            write(h)?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
