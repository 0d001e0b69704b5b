//! `shadowai formats`: the supported log formats, or the README's table of them.

use std::io::{self, Write};

use std::path::PathBuf;

use crate::exit::Exit;
use crate::formats;

/// `shadowai formats`: the built-ins, then the formats of `format_files`, each marked with
/// its file. The Markdown table is the built-ins' only (it is the one in docs/formats.md).
pub fn run(markdown: bool, format_files: &[PathBuf]) -> anyhow::Result<Exit> {
    formats::user::load(format_files)?;
    let mut out = io::stdout().lock();
    if markdown {
        out.write_all(formats::markdown_table().as_bytes())?;
        return Ok(Exit::Ok);
    }
    for f in formats::all() {
        let example = f
            .sample()
            .lines()
            .find(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap_or_default();
        match f.origin() {
            Some(file) => writeln!(
                out,
                "{} ({}, from {file}): {}",
                f.name(),
                f.kind().as_str(),
                f.about()
            )?,
            None => writeln!(out, "{} ({}): {}", f.name(), f.kind().as_str(), f.about())?,
        }
        writeln!(out, "  fields:  {}", f.fields())?;
        writeln!(out, "  example: {example}")?;
        if !f.spec_url().is_empty() {
            writeln!(out, "  spec:    {}", f.spec_url())?;
        }
    }
    Ok(Exit::Ok)
}
