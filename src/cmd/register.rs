//! `shadowai register update`: append the tools a scan found to the AI Tool Register.

use std::io;

use crate::cli::RegisterCommand;
use crate::exit::Exit;
use crate::report::csv_out::CsvWriter;

/// `shadowai register update`.
pub fn run(cmd: RegisterCommand) -> anyhow::Result<Exit> {
    let RegisterCommand::Update {
        register,
        from,
        dry_run,
    } = cmd;
    let rows = crate::register::update(&register, &from, dry_run)?;
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
