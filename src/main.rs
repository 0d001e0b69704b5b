//! The `shadowai` binary: parses the command line, runs the command, maps the outcome to an
//! exit code (see [`shadowai::exit::Exit`]).

#![deny(clippy::unwrap_used)]

use std::process::ExitCode;

use clap::Parser;
use shadowai::cli::{Cli, Command};
use shadowai::cmd;
use shadowai::exit::{Exit, UsageError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Match(args) => cmd::match_hosts::run(args),
        Command::Signatures(cmd) => cmd::signatures::run(cmd),
        Command::Formats {
            markdown,
            detect,
            format_file,
        } => cmd::formats::run(markdown, &detect, &format_file),
        Command::Register(cmd) => cmd::register::run(cmd),
        Command::Reveal(args) => cmd::reveal::run(args),
        Command::Digest(args) => cmd::digest::run(args),
        Command::Blocklist(args) => cmd::blocklist::run(args),
        Command::Completions { shell } => cmd::completions::run(shell),
        Command::Man { out } => cmd::man::run(out),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            // A closed pipe (`shadowai match … | head`) is not an error. The csv crate's
            // error hides its io::Error from `source()`, so it is looked into by kind.
            let broken_pipe = err.chain().any(|e| {
                let io = e.downcast_ref::<std::io::Error>().or_else(|| {
                    match e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
                        Some(csv::ErrorKind::Io(io)) => Some(io),
                        _ => None,
                    }
                });
                io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return Exit::Ok.into();
            }
            eprintln!("shadowai: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                Exit::Usage.into()
            } else {
                Exit::Fatal.into()
            }
        }
    }
}
