//! `shadowai formats`: the supported log formats, or the README's table of them.

use std::io::{self, Write};

use crate::exit::Exit;
use crate::formats::{self, FORMATS};

/// `shadowai formats`.
pub fn run(markdown: bool) -> anyhow::Result<Exit> {
    let mut out = io::stdout().lock();
    if markdown {
        out.write_all(formats::markdown_table().as_bytes())?;
        return Ok(Exit::Ok);
    }
    for f in FORMATS {
        // The first data line: not a comment, nor the `[`/`{` opening a pretty-printed JSON
        // export (whose records span lines).
        let example = f
            .sample()
            .lines()
            .map(str::trim)
            .find(|l| !l.starts_with('#') && !l.chars().all(|c| "[]{},".contains(c)))
            .unwrap_or_default();
        writeln!(out, "{} ({}): {}", f.name(), f.kind().as_str(), f.about())?;
        writeln!(out, "  fields:  {}", f.fields())?;
        writeln!(out, "  example: {example}")?;
        writeln!(out, "  spec:    {}", f.spec_url())?;
    }
    Ok(Exit::Ok)
}
