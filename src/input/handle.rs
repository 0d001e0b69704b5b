//! One open handle per regular file, read with positioned reads.
//!
//! A large file is read as several chunks, on several threads. Opening the path once per chunk
//! would read two files when logrotate renames a new log over the path mid-scan: the first
//! chunks from the old log, the last from the new one, mixed into one count. Every read of a
//! file here goes through the one [`Handle`] opened for it instead, at an explicit offset
//! (`pread`), so its chunks share the handle without sharing a file position, and a rename
//! changes nothing: the handle still names the file that was planned.
//!
//! Reads stop at the size the file had when it was planned: a log that grows during the scan
//! is read up to that size (the next run reads the rest). A file that shrinks under the handle
//! (truncated, rewritten in place) cannot be read consistently and is an error, "changed while
//! being read". (Truncated and refilled past its old size before the reads get there, it looks
//! like a grown file: a size is all a handle can compare.)

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use indicatif::ProgressBar;

use super::Opened;

/// A regular file opened once, with its size and modification time when opened.
#[derive(Clone)]
pub struct Handle {
    file: Arc<File>,
    size: u64,
    mtime: Option<i64>,
    id: FileId,
}

/// Which file a handle holds, to tell whether a path still names it: device and inode on Unix.
/// Elsewhere the standard library exposes no stable file identity, and only the size is
/// compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    fn of(meta: &Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            FileId {
                dev: meta.dev(),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileId {}
        }
    }
}

impl Handle {
    /// Opens `path`, which must be a regular file. The type is checked before opening too:
    /// opening a named pipe blocks until some process writes to it, so a path that turned into
    /// one since the walk must not be opened at all.
    pub fn open(path: &Path) -> io::Result<Handle> {
        if !std::fs::metadata(path)?.is_file() {
            return Err(io::Error::other(
                "no longer a regular file (replaced since the folder was listed); not read",
            ));
        }
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::other(
                "no longer a regular file (replaced since the folder was listed); not read",
            ));
        }
        Ok(Handle {
            size: meta.len(),
            mtime: mtime_of(&meta),
            id: FileId::of(&meta),
            file: Arc::new(file),
        })
    }

    /// Opens `path` again for a file planned as `id` and `size` (when the planning handle was
    /// not kept): an error unless the path still names that file, at least that large.
    pub fn reopen(path: &Path, id: FileId, size: u64) -> io::Result<Handle> {
        let mut h = Handle::open(path)?;
        if h.id != id || h.size < size {
            return Err(changed(
                "the path names another file than when the scan began (rotated?); not read",
            ));
        }
        h.size = size;
        Ok(h)
    }

    /// The file's size when it was opened (or planned): reads stop there.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The modification time when opened, nanoseconds since the epoch.
    pub fn mtime(&self) -> Option<i64> {
        self.mtime
    }

    /// Which file this is.
    pub fn id(&self) -> FileId {
        self.id
    }

    /// The file's bytes from `offset` to its planned size.
    pub fn bytes_from(&self, offset: u64) -> At {
        At {
            file: Arc::clone(&self.file),
            pos: offset,
            end: self.size,
        }
    }

    /// The file from byte `offset` (0 for gzip) to its planned size, decompressed when it
    /// starts with the gzip magic.
    pub fn open_at(
        &self,
        offset: u64,
        bar: &ProgressBar,
        min_expansion: u64,
    ) -> io::Result<Opened> {
        super::decoded(
            self.bytes_from(offset),
            offset == 0,
            bar,
            super::expansion_limit(self.size, min_expansion),
            false,
        )
    }

    /// The whole file as [`Handle::open_at`] from 0, its stored bytes hashed as they are read
    /// ([`Opened::sha256`]).
    pub fn open_hashed(&self, bar: &ProgressBar, min_expansion: u64) -> io::Result<Opened> {
        super::decoded(
            self.bytes_from(0),
            true,
            bar,
            super::expansion_limit(self.size, min_expansion),
            true,
        )
    }

    /// Checks, after reading, that the file still holds at least its planned size: a file
    /// truncated while it was read may have lost bytes before the reads reached them, or
    /// been refilled with another log's lines.
    pub fn check(&self) -> io::Result<()> {
        let now = self.file.metadata()?.len();
        if now < self.size {
            return Err(changed(&format!(
                "{} bytes when the scan began, {now} now (truncated?)",
                self.size
            )));
        }
        Ok(())
    }
}

/// The error of a file that changed under the scan. Not `UnexpectedEof`, which in a gzip
/// file means a truncated stream.
fn changed(why: &str) -> io::Error {
    io::Error::other(format!("changed while being read: {why}"))
}

/// A modification time in nanoseconds since the epoch.
pub fn mtime_of(meta: &Metadata) -> Option<i64> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// A reader over a range of a [`Handle`]'s file, by positioned reads.
pub struct At {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(&self.file, &mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(changed(&format!(
                "it ends at byte {} although it had {} when the scan began (truncated?)",
                self.pos, self.end
            )));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// `pread`: reads at `offset` without moving (or using) the file position, so any number of
/// readers can share one handle.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

/// `ReadFile` at an offset. It moves the file position too, which no reader here relies on.
#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn read_all(mut r: impl Read) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        r.read_to_end(&mut v)?;
        Ok(v)
    }

    #[test]
    fn a_file_renamed_over_mid_read_is_still_read_from_the_handle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let old: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &old).unwrap();
        let h = Handle::open(&path).unwrap();
        let first = read_all(h.bytes_from(0).take(40_000)).unwrap();
        // logrotate: a new log is renamed over the path between two chunks.
        let new = dir.path().join("access.log.new");
        std::fs::write(&new, vec![b'Z'; 200_000]).unwrap();
        std::fs::rename(&new, &path).unwrap();
        let rest = read_all(h.bytes_from(40_000)).unwrap();
        assert_eq!([first, rest].concat(), old);
        h.check().unwrap();
        // Opened again, the path names another file: refused, not read.
        let err = Handle::reopen(&path, h.id(), h.size()).err().unwrap();
        assert!(
            err.to_string().starts_with("changed while being read"),
            "{err}"
        );
    }

    #[test]
    fn reads_stop_at_the_planned_size_and_a_truncated_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dns.log");
        std::fs::write(&path, b"one\ntwo\n").unwrap();
        let h = Handle::open(&path).unwrap();
        // Grown after planning: the new bytes are left for the next run.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"three\n")
            .unwrap();
        assert_eq!(read_all(h.bytes_from(0)).unwrap(), b"one\ntwo\n");
        h.check().unwrap();
        // Truncated: reads past the new end and the final check both fail, naming the change.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(2)
            .unwrap();
        let err = read_all(h.bytes_from(0)).unwrap_err();
        assert!(
            err.to_string().contains("changed while being read"),
            "{err}"
        );
        let err = h.check().unwrap_err();
        assert!(
            err.to_string()
                .contains("8 bytes when the scan began, 2 now"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Would block forever if it opened the pipe (no writer).
        let err = Handle::open(&fifo).err().unwrap();
        assert!(
            err.to_string().contains("no longer a regular file"),
            "{err}"
        );
    }
}
