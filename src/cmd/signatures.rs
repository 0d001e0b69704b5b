//! `shadowai signatures list|export|lint`: the catalogue as CSV, as a SIEM lookup table, and
//! checks of signature files.

mod export;

use std::io::{self, Write};

use super::setup::{load_catalogue, usage};
use crate::cli::SignaturesCommand;
use crate::discovery::load_psl;
use crate::exit::{Exit, UsageError};
use crate::report::csv_out::CsvWriter;
use crate::signatures::{Catalogue, Offering, RISK_COLUMNS, SignatureError, Tool, ToolId};

/// The lifecycle columns `signatures list` and `export` append, before the risk columns.
pub(crate) const LIFECYCLE_COLUMNS: [&str; 4] = ["source", "status", "status_date", "successor"];

/// A tool's [`LIFECYCLE_COLUMNS`] cells (empty where the catalogue records nothing).
pub(crate) fn lifecycle_cells(t: &Tool) -> [String; 4] {
    let l = &t.lifecycle;
    [
        t.source.clone().unwrap_or_default(),
        l.status.as_str().to_string(),
        l.date.clone().unwrap_or_default(),
        l.successor.clone().unwrap_or_default(),
    ]
}

/// `shadowai signatures …`.
pub fn run(cmd: SignaturesCommand) -> anyhow::Result<Exit> {
    match cmd {
        SignaturesCommand::List(args) => {
            let (catalogue, _) = load_catalogue(&args)?;
            let mut out = CsvWriter::new(io::stdout().lock());
            // Columns are a contract: new ones are appended.
            out.text_row(
                [
                    "tool_id", "tool", "vendor", "category", "patterns", "offering", "exe",
                    "aliases",
                ]
                .into_iter()
                .chain(LIFECYCLE_COLUMNS)
                .chain(RISK_COLUMNS),
            )?;
            let mut tools: Vec<_> = catalogue.tools.iter().enumerate().collect();
            tools.sort_by(|a, b| a.1.id.cmp(&b.1.id));
            for (i, t) in tools {
                let patterns: Vec<&str> = catalogue.patterns_of(i as ToolId).collect();
                let fixed = [
                    t.id.clone(),
                    t.name.clone(),
                    t.vendor.clone(),
                    t.category.clone(),
                    patterns.join(" "),
                    t.offering
                        .map(Offering::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    t.exe.join(" "),
                    t.aliases.join("; "),
                ];
                out.text_row(
                    fixed
                        .into_iter()
                        .chain(lifecycle_cells(t))
                        .chain(t.risk_cells()),
                )?;
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
            if files.is_empty() {
                // The shipped catalogue loaded, so only the requirement loading leaves to lint
                // is left: every shipped tool names its evidence.
                let missing = catalogue.without_source(&|_| true);
                for e in &missing {
                    println!("{e}");
                }
                if missing.is_empty() {
                    println!("built-in catalogue: ok ({} tools)", catalogue.tools.len());
                }
                return Ok(if missing.is_empty() {
                    Exit::Ok
                } else {
                    Exit::Usage
                });
            }
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
                    Ok(()) => {
                        // A user's file may do without sources; lint says where they are missing.
                        for e in catalogue.without_source(&|f| f == name) {
                            println!("{e} (a warning: only the built-in catalogue requires one)");
                        }
                        println!("{name}: ok");
                    }
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
