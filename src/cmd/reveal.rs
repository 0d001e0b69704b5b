//! `shadowai reveal`: pseudonymized user and device tokens back to names. A token cannot be
//! inverted; the key holder hashes candidate names (a directory export, an asset inventory)
//! the way the scan did and looks the tokens up.

use std::collections::HashSet;
use std::io;
use std::path::Path;

use crate::cli::RevealArgs;
use crate::exit::{Exit, UsageError};
use crate::normalize;
use crate::pseudonym::Users;
use crate::report::csv_out::CsvWriter;

/// `shadowai reveal`.
pub fn run(args: RevealArgs) -> anyhow::Result<Exit> {
    let users = Users::keyed(&args.pseudonymize_key)?;
    let mut out = CsvWriter::new(io::stdout().lock());
    out.text_row(["token", "kind", "name"])?;
    let mut shown: HashSet<String> = HashSet::new();
    let mut normalized = Vec::new();
    let files = [
        ("user", args.users.as_deref()),
        ("device", args.devices.as_deref()),
    ];
    for (kind, path) in files {
        let Some(path) = path else { continue };
        for name in candidates(path)? {
            // Tokens are made from the names as the scan normalized them: users as users are,
            // devices lowercased.
            let token = if kind == "user" {
                normalize::user_into(&mut normalized, name.as_bytes(), false);
                users.show(&normalized)
            } else {
                normalize::lowercase_into(&mut normalized, name.as_bytes());
                users.show_device(&normalized)
            };
            let wanted = args.tokens.is_empty() || args.tokens.contains(&token);
            if wanted && shown.insert(token.clone()) {
                out.text_row([token.as_str(), kind, &String::from_utf8_lossy(&normalized)])?;
            }
        }
    }
    out.flush()?;
    // A token no candidate gives stays unrevealed; say which, so none is silently missing.
    let missing: Vec<&str> = args
        .tokens
        .iter()
        .filter(|t| !shown.contains(*t))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "shadowai: no candidate name gives {} (wrong key, or the name is not in the candidate files)",
            missing.join(", ")
        );
    }
    Ok(Exit::Ok)
}

/// The non-empty trimmed lines of a candidate file.
fn candidates(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect())
}
