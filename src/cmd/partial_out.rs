//! Where `scan --emit-partial` and `merge --emit-partial` write their partial.

use std::io::{self, Write};
use std::path::Path;

use crate::exit::UsageError;
use crate::report::Staged;

/// Where a partial goes: standard output, or a file staged as a temporary file beside it,
/// created before any input is read (a bad path fails at once) and renamed into place when
/// complete, so an engine never picks up half a partial.
pub(super) enum PartialOut {
    Stdout,
    File(Staged),
}

impl PartialOut {
    pub fn create(dest: &Path) -> anyhow::Result<PartialOut> {
        if dest == Path::new("-") {
            return Ok(PartialOut::Stdout);
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                UsageError(format!(
                    "--emit-partial {}: not a file name",
                    dest.display()
                ))
            })?;
        let dir = dest.parent().filter(|d| !d.as_os_str().is_empty());
        Ok(PartialOut::File(Staged::create(
            dir.unwrap_or(Path::new(".")),
            [name],
        )?))
    }

    pub fn write(self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
        match self {
            PartialOut::Stdout => {
                let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
                write(&mut out)?;
                out.flush()?;
                Ok(())
            }
            PartialOut::File(staged) => {
                let mut write = Some(write);
                staged.write_each(|_, w| match write.take() {
                    Some(f) => Ok(f(w)?),
                    None => Ok(()),
                })
            }
        }
    }
}
