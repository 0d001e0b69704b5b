//! `shadowai signatures list|export|lint`: the catalogue as CSV, as a SIEM lookup table, and
//! checks of signature files.

mod export;

use std::io::{self, Write};

use super::setup::{load_catalogue, usage};
use crate::cli::SignaturesCommand;
use crate::discovery::load_psl;
use crate::exit::{Exit, UsageError};
use crate::report::csv_out::CsvWriter;
use crate::signatures::{Catalogue, Offering, SignatureError, ToolId};

/// `shadowai signatures …`.
pub fn run(cmd: SignaturesCommand) -> anyhow::Result<Exit> {
    match cmd {
        SignaturesCommand::List(args) => {
            let (catalogue, _) = load_catalogue(&args)?;
            let mut out = CsvWriter::new(io::stdout().lock());
            out.text_row([
                "tool_id", "tool", "vendor", "category", "patterns", "offering", "exe", "aliases",
            ])?;
            let mut tools: Vec<_> = catalogue.tools.iter().enumerate().collect();
            tools.sort_by(|a, b| a.1.id.cmp(&b.1.id));
            for (i, t) in tools {
                let patterns: Vec<&str> = catalogue.patterns_of(i as ToolId).collect();
                out.text_row([
                    &t.id,
                    &t.name,
                    &t.vendor,
                    &t.category,
                    &patterns.join(" "),
                    t.offering.map(Offering::as_str).unwrap_or_default(),
                    &t.exe.join(" "),
                    &t.aliases.join("; "),
                ])?;
            }
            out.flush()?;
            Ok(Exit::Ok)
        }
        SignaturesCommand::Export { format, catalogue } => {
            let (catalogue, _) = load_catalogue(&catalogue)?;
            let mut out = io::BufWriter::new(io::stdout().lock());
            export::write(&catalogue, format, &mut out)?;
            out.flush()?;
            Ok(Exit::Ok)
        }
        SignaturesCommand::Lint { files, psl } => {
            let psl = load_psl(psl.as_deref()).map_err(|e| UsageError(format!("{e:#}")))?;
            let mut catalogue = Catalogue::embedded(&psl).map_err(usage)?;
            let mut failed = false;
            for path in &files {
                let name = path.display().to_string();
                let result = std::fs::read_to_string(path)
                    .map_err(|e| {
                        vec![SignatureError {
                            file: name.clone(),
                            line: 0,
                            msg: e.to_string(),
                        }]
                    })
                    .and_then(|text| catalogue.add_source(&name, &text, &psl));
                match result {
                    Ok(()) => println!("{name}: ok"),
                    Err(errors) => {
                        failed = true;
                        for e in errors {
                            println!("{e}");
                        }
                    }
                }
            }
            // A successor may be defined in a later file, so references are checked last.
            if let Err(errors) = catalogue.check_successors() {
                failed = true;
                for e in errors {
                    println!("{e}");
                }
            }
            Ok(if failed { Exit::Usage } else { Exit::Ok })
        }
    }
}
