//! The command line (clap derive; the doc comments are the help text) and its conversion to a
//! checked [`Config`].

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, DEFAULT_CHUNK_BYTES};
use crate::formats::{self, FORMATS};
use crate::input::MIN_EXPANSION_LIMIT;

/// Finds shadow AI in DNS, web-proxy and endpoint logs: who uses which AI tools, how often.
#[derive(Parser, Debug)]
#[command(name = "shadowai", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan log files and folders (plain or gzip) and write the reports to --out.
    Scan(ScanArgs),
    /// Show which tool and pattern a host matches (hosts from arguments, else stdin).
    Match(MatchArgs),
    /// List or check signature catalogues.
    #[command(subcommand)]
    Signatures(SignaturesCommand),
    /// List the supported log formats.
    Formats {
        /// Print a Markdown table (the one in README.md).
        #[arg(long)]
        markdown: bool,
    },
}

/// Catalogue options shared by the commands that match hosts.
#[derive(Args, Debug, Clone, Default)]
pub struct CatalogueArgs {
    /// Add your own signature file (TOML, see signatures/README.md); repeatable.
    #[arg(long = "signatures", value_name = "FILE")]
    pub signatures: Vec<PathBuf>,
    /// Use this public suffix list instead of the one built in.
    #[arg(long, value_name = "FILE")]
    pub psl: Option<PathBuf>,
}

/// `shadowai scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Log files or folders (recursed in sorted order).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Folder for the reports (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Read every file as this format instead of detecting it.
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(FORMATS.iter().map(|f| f.name())))]
    pub format: Option<String>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Keep `DOMAIN\user` and `user@domain` whole instead of reducing them to `user`.
    #[arg(long)]
    pub keep_user_domain: bool,
    /// Split plain files larger than this many MiB into parallel chunks.
    #[arg(long, default_value_t = DEFAULT_CHUNK_BYTES >> 20, value_name = "MIB", hide = true)]
    pub chunk_mib: u64,
    /// A gzip input may expand to 200x its size or this many MiB, whichever is larger.
    #[arg(long, default_value_t = MIN_EXPANSION_LIMIT >> 20, value_name = "MIB", hide = true)]
    pub min_expansion_mib: u64,
    /// Signature catalogue options.
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

/// `shadowai match`.
#[derive(Args, Debug)]
pub struct MatchArgs {
    /// Hosts, URLs or `host:port`; read from stdin, one per line, when none are given.
    pub hosts: Vec<String>,
    /// Signature catalogue options.
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

/// `shadowai signatures …`.
#[derive(Subcommand, Debug)]
pub enum SignaturesCommand {
    /// Print the catalogue as CSV: tool_id,tool,vendor,category,patterns.
    List(CatalogueArgs),
    /// Check signature files: syntax, duplicate ids, patterns claimed twice, bad hostnames.
    Lint {
        /// Signature files to check against the built-in catalogue.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Use this public suffix list instead of the one built in.
        #[arg(long, value_name = "FILE")]
        psl: Option<PathBuf>,
    },
}

impl ScanArgs {
    /// The checked settings.
    pub fn into_config(self, command_line: String) -> Config {
        Config {
            inputs: self.paths,
            out: self.out,
            // The value parser only admits registered names.
            format: self.format.as_deref().and_then(formats::by_name),
            keep_user_domain: self.keep_user_domain,
            progress: !self.quiet,
            chunk_bytes: self.chunk_mib.max(1) << 20,
            min_expansion: self.min_expansion_mib << 20,
            command_line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn format_names_come_from_the_registry() {
        let cli = Cli::try_parse_from([
            "shadowai", "scan", "x", "--out", "o", "--format", "zeek-dns",
        ])
        .unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("not scan")
        };
        assert_eq!(
            args.into_config(String::new()).format.map(|f| f.name()),
            Some("zeek-dns")
        );
        assert!(
            Cli::try_parse_from(["shadowai", "scan", "x", "--out", "o", "--format", "nope"])
                .is_err()
        );
    }
}
