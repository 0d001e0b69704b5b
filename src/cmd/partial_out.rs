//! Where `scan --emit-partial` and `merge --emit-partial` write their partial.

use std::io::{self, Write};
use std::path::Path;

use crate::exit::UsageError;
use anyhow::Context as _;

use crate::atomic::AtomicFile;

/// Where a partial goes: standard output, or a file written as a temporary file beside it,
/// created before any input is read (a bad path fails at once) and renamed into place when
/// complete, so an engine never picks up half a partial.
pub(super) enum PartialOut {
    Stdout,
    File(AtomicFile),
}

impl PartialOut {
    pub fn create(dest: &Path) -> anyhow::Result<PartialOut> {
        if dest == Path::new("-") {
            return Ok(PartialOut::Stdout);
        }
        if dest.file_name().is_none() {
            return Err(UsageError(format!(
                "--emit-partial {}: not a file name",
                dest.display()
            ))
            .into());
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating folder {}", dir.display()))?;
        }
        Ok(PartialOut::File(AtomicFile::create(dest)?))
    }

    pub fn write(self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
        match self {
            PartialOut::Stdout => {
                let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
                write(&mut out)?;
                out.flush()?;
                Ok(())
            }
            PartialOut::File(mut file) => {
                let mut out = io::BufWriter::with_capacity(1 << 20, file.file());
                write(&mut out)?;
                out.flush()?;
                drop(out);
                file.commit()
            }
        }
    }
}
