//! `shadowai man`: the man pages (roff).

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Exit;

/// `shadowai man`.
pub fn run(out: Option<PathBuf>) -> anyhow::Result<Exit> {
    let cmd = Cli::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing man pages to {}", dir.display()))?;
            eprintln!("shadowai: man pages written to {}", dir.display());
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            io::stdout().lock().write_all(&buf)?;
        }
    }
    Ok(Exit::Ok)
}
