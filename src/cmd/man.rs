//! `shadowai man`: the man pages (roff), as clap_mangen renders them plus an EXIT STATUS
//! section, which schedulers and wrappers read to act on a run's outcome.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::Cli;
use crate::exit::Exit;

/// `shadowai man`.
pub fn run(out: Option<PathBuf>) -> anyhow::Result<Exit> {
    let cmd = Cli::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            // As clap_mangen::generate_to: a page per visible command, and none for `help`.
            let mut cmd = cmd.disable_help_subcommand(true);
            cmd.build();
            write_pages(&cmd, None, &dir)
                .with_context(|| format!("writing man pages to {}", dir.display()))?;
            eprintln!("shadowai: man pages written to {}", dir.display());
        }
        None => {
            let page = render(&Man::new(cmd), None)?;
            io::stdout().lock().write_all(&page)?;
        }
    }
    Ok(Exit::Ok)
}

/// Writes the page of `cmd` (named `name`, `None` for `shadowai` itself) and of each of its
/// visible subcommands into `dir`.
fn write_pages(cmd: &clap::Command, name: Option<&str>, dir: &Path) -> io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, Some(sub.get_name()), dir)?;
    }
    let man = Man::new(cmd.clone());
    std::fs::write(dir.join(man.get_filename()), render(&man, name)?)
}

/// The page with its EXIT STATUS section after the body, before the VERSION and AUTHORS
/// sections that clap_mangen writes last; `command` as for [`exit_status`].
fn render(man: &Man, command: Option<&str>) -> io::Result<Vec<u8>> {
    let mut page = Vec::new();
    man.render(&mut page)?;
    let at = [&b"\n.SH VERSION\n"[..], b"\n.SH AUTHORS\n"]
        .into_iter()
        .filter_map(|heading| memchr::memmem::find(&page, heading))
        .min()
        .map_or(page.len(), |i| i + 1);
    page.splice(at..at, exit_status(command).into_bytes());
    Ok(page)
}

/// The exit codes, worded as in README "Exit codes".
const EXIT_CODES: [(Exit, &str); 4] = [
    (
        Exit::Ok,
        "every input was read fully (an input whose content another input holds is read once, as a duplicate); reports written",
    ),
    (
        Exit::Fatal,
        "nothing to report: no input file (an empty folder), not one input could be read (a mistyped path), or not one data line among them (only empty files, headers or comments); or the output folder cannot be created. No report is written and the files in `--out` stay as they were",
    ),
    (
        Exit::Usage,
        "usage or configuration error: bad flag, `--since` after `--until`, a date not in ISO 8601, bad signature file, bad register, identity file or partial (the message names file and line)",
    ),
    (
        Exit::Partial,
        "reports written, but some input was unreadable, unrecognized or only partly read (a truncated gzip, a decompression bomb stopped at its limit), or a register row matches no catalogue tool; each is named on stderr, in `summary.json` and at the top of `report.html` and `report.md`",
    ),
];

/// README "Exit codes" on particular commands: the commands a note concerns (none: every
/// command), and the note.
const EXIT_NOTES: [(&[&str], &str); 5] = [
    (
        &["scan"],
        "`scan --emit-partial` exits 0, or 3 when some input failed (the partial is complete all the same: it carries those inputs' errors to the report, so a map task should treat 3 as success).",
    ),
    (
        &["merge"],
        "`merge` exits as `scan` would have on all the inputs (0, 3, or 1 and no report when they hold no data line); `merge --emit-partial` exits 0. A malformed partial (a record of another format version, with wrong fields or broken counts, a tool the catalogue lacks, a corrupt or truncated gzip), two partials containing the same input, partials scanned with different settings or matched with another catalogue are usage errors (exit 2), named as FILE:LINE.",
    ),
    (
        &["register", "check"],
        "`register check` exits 1 when a register row matches no catalogue tool (0 when every row joined, 2 when the register cannot be read).",
    ),
    (
        &[],
        "A closed output pipe (`shadowai match … | head`) exits 0 quietly.",
    ),
    (
        &["scan", "merge", "report"],
        "With `--state`, a state locked by another run is exit 1 and a state of another schema version exit 2; a night that reads nothing new renders the reports from the state all the same (exit 1 when every input failed), and only a state that holds no data at all gives no report (exit 1; see docs/nightly.md).",
    ),
];

/// The EXIT STATUS section (roff) of the page of `command`; the page of `shadowai` itself
/// (`None`) has every note.
fn exit_status(command: Option<&str>) -> String {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (exit, meaning) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold((exit as u8).to_string())]);
        roff.text([roman(meaning)]);
    }
    for (commands, note) in EXIT_NOTES {
        if command.is_none_or(|c| commands.is_empty() || commands.contains(&c)) {
            roff.control("PP", []);
            roff.text([roman(note)]);
        }
    }
    // The page starts with the preamble that defines the apostrophe string this section uses.
    let text = roff.render();
    let preamble = Roff::new().render();
    text.strip_prefix(&preamble).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_readmes() {
        let readme = include_str!("../../README.md");
        for (exit, meaning) in EXIT_CODES {
            let row = format!("| {} | {meaning} |", exit as u8);
            assert!(readme.contains(&row), "README has no row {row}");
        }
    }

    #[test]
    fn exit_status_names_every_code_and_the_notes_of_its_command() {
        let scan = exit_status(Some("scan"));
        assert!(scan.starts_with(".SH \"EXIT STATUS\"\n"));
        for code in ["0", "1", "2", "3"] {
            assert!(scan.contains(&format!("\n.TP\n\\fB{code}\\fR\n")), "{code}");
        }
        assert!(scan.contains("scan \\-\\-emit\\-partial"));
        assert!(!scan.contains("merge \\-\\-emit\\-partial"));
        assert!(!exit_status(Some("formats")).contains("\\-\\-state"));
        let top = exit_status(None);
        assert!(
            top.contains("scan \\-\\-emit\\-partial") && top.contains("merge \\-\\-emit\\-partial")
        );
    }
}
