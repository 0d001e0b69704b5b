//! Test helpers shared by unit tests.

use std::path::PathBuf;

/// Reads a file under `../shared/` (the vendor samples beside the repository). A user's clone
/// has no `../shared`: then it prints a notice and returns `None`, and the test skips.
pub fn shared(rel: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => {
            eprintln!(
                "notice: {} not found; skipping (needs ../shared)",
                path.display()
            );
            None
        }
    }
}
