//! `shadowai completions`: a shell completion script.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Exit;

/// `shadowai completions`.
pub fn run(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "shadowai", &mut out);
    io::stdout().lock().write_all(&out)?;
    Ok(Exit::Ok)
}
