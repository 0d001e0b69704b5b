//! Paths as bytes and back, in one place, so the crate needs no Unix-only API for them.
//!
//! Paths travel as bytes: hashed for `--shard`, read from `--files-from`, printed by
//! `--list-inputs`, written into partials. On Unix a path is any bytes and they round-trip
//! exactly (a log named in Latin-1 stays that file); elsewhere bytes from another machine are
//! read as UTF-8, invalid sequences replaced, which is what a Windows path can hold anyway.

use std::path::{Path, PathBuf};

/// The bytes of a path: on Unix exactly its bytes.
pub fn to_bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// A path from bytes written by [`to_bytes`] (on any machine).
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for raw in [&b"logs/a b.log"[..], b"/var/log/squid/access.log.1.gz"] {
            assert_eq!(to_bytes(&from_bytes(raw)), raw);
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_unix_paths_round_trip_exactly() {
        let raw = b"logs/caf\xe9.log";
        assert_eq!(to_bytes(&from_bytes(raw)), raw);
    }
}
