//! The `shadowai` binary: parses the command line, runs the command, maps the outcome to an
//! exit code (see [`shadowai::exit::Exit`]).

use std::process::ExitCode;

use clap::Parser;
use shadowai::cli::{Cli, Command};
use shadowai::commands;
use shadowai::exit::{Exit, UsageError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => commands::scan(args),
        Command::Report(args) => commands::report(args),
        Command::Merge(args) => commands::merge(args),
        Command::Match(args) => commands::match_hosts(args),
        Command::Signatures(cmd) => commands::signatures(cmd),
        Command::Formats { markdown } => commands::formats(markdown),
        Command::Register(cmd) => commands::register(cmd),
        Command::Reveal(args) => commands::reveal(args),
        Command::Blocklist(args) => commands::blocklist(args),
        Command::Completions { shell } => commands::completions(shell),
        Command::Man { out } => commands::man(out),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            // A closed pipe (`shadowai match … | head`) is not an error.
            let broken_pipe = err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
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
