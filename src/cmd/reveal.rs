//! `shadowai reveal`: pseudonymized user tokens back to names.

use std::io;

use crate::cli::RevealArgs;
use crate::exit::{Exit, UsageError};
use crate::normalize;
use crate::pseudonym::Users;
use crate::report::csv_out::CsvWriter;

/// `shadowai reveal`.
pub fn run(args: RevealArgs) -> anyhow::Result<Exit> {
    let users = Users::keyed(&args.pseudonymize_key)?;
    let names = std::fs::read_to_string(&args.users)
        .map_err(|e| UsageError(format!("{}: {e}", args.users.display())))?;
    let mut out = CsvWriter::new(io::stdout().lock());
    out.text_row(["token", "user"])?;
    let mut normalized = Vec::new();
    for name in names.lines().map(str::trim).filter(|n| !n.is_empty()) {
        // Tokens are made from normalized users; normalize the candidates the same way.
        normalize::user_into(&mut normalized, name.as_bytes(), false);
        let token = users.show(&normalized);
        if args.tokens.is_empty() || args.tokens.contains(&token) {
            out.text_row([token.as_str(), &String::from_utf8_lossy(&normalized)])?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
