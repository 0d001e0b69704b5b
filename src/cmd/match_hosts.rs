//! `shadowai match`: which tool and pattern each host or URL matches, and what reaching it is
//! evidence of (the host's role, corrected by the tool's path rules for a URL), as CSV.

use std::io::{self, BufRead};

use super::setup::load_catalogue;
use crate::cli::MatchArgs;
use crate::exit::Exit;
use crate::normalize;
use crate::report::csv_out::CsvWriter;

/// `shadowai match`.
pub fn run(args: MatchArgs) -> anyhow::Result<Exit> {
    let (catalogue, _) = load_catalogue(&args.catalogue)?;
    let stdout = io::stdout();
    let mut out = CsvWriter::new(stdout.lock());
    out.text_row([
        "host", "tool_id", "tool", "vendor", "category", "pattern", "role", "evidence",
    ])?;
    let mut host = Vec::new();
    let mut write = |raw: &str| -> anyhow::Result<()> {
        normalize::lowercase_into(&mut host, normalize::host_part(raw.as_bytes()));
        let shown = String::from_utf8_lossy(&host).into_owned();
        match catalogue.classify(&host) {
            Some(hit) => {
                let t = &catalogue.tools[hit.pattern.tool as usize];
                let evidence = catalogue.evidence(
                    hit.pattern.tool,
                    hit.role.evidence(),
                    normalize::path_part(raw.as_bytes()),
                );
                out.text_row([
                    &shown,
                    &t.id,
                    &t.name,
                    &t.vendor,
                    &t.category,
                    &hit.pattern.text,
                    hit.role.as_str(),
                    evidence.as_str(),
                ])?;
            }
            None => out.text_row([shown.as_str(), "", "", "", "", "", "", ""])?,
        }
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
