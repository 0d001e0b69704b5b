//! Pseudonymized user names for works-council and GDPR settings: every user in every output
//! becomes a keyed HMAC-SHA256 token, the same for the same user under one key, so reports can
//! be shared while only the key holder can tell who a token is (`shadowai reveal`).

use std::path::Path;

use anyhow::Context as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::exit::UsageError;
use crate::hash::hex;

/// Hex digits of the HMAC kept in a token: 64 bits, collision-free for any real staff count.
const TOKEN_HEX: usize = 16;

/// How users are shown in the outputs.
#[derive(Clone, Default)]
pub struct Users {
    key: Option<Vec<u8>>,
}

impl Users {
    /// Users shown as logged.
    pub fn plain() -> Self {
        Users { key: None }
    }

    /// Users shown as tokens under the key in `path` (its bytes, trailing newline trimmed).
    pub fn keyed(path: &Path) -> anyhow::Result<Self> {
        let mut key = std::fs::read(path)
            .with_context(|| format!("reading pseudonymization key {}", path.display()))?;
        while key.last().is_some_and(|b| b.is_ascii_whitespace()) {
            key.pop();
        }
        if key.len() < 16 {
            return Err(UsageError(format!(
                "{}: the pseudonymization key must be at least 16 bytes",
                path.display()
            ))
            .into());
        }
        Ok(Users { key: Some(key) })
    }

    /// Whether outputs carry tokens.
    pub fn pseudonymized(&self) -> bool {
        self.key.is_some()
    }

    /// The user as the reports show it.
    pub fn show(&self, user: &[u8]) -> String {
        match &self.key {
            None => String::from_utf8_lossy(user).into_owned(),
            Some(key) => token(key, user),
        }
    }
}

/// `u-` and the first hex digits of HMAC-SHA256(key, user).
pub fn token(key: &[u8], user: &[u8]) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(user);
    let digest = mac.finalize().into_bytes();
    format!("u-{}", hex(&digest[..TOKEN_HEX / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_user_same_token_and_key_matters() {
        let a = token(b"0123456789abcdef", b"alice");
        assert_eq!(a, token(b"0123456789abcdef", b"alice"));
        assert_ne!(a, token(b"0123456789abcdef", b"bob"));
        assert_ne!(a, token(b"another-key-0123", b"alice"));
        assert!(a.starts_with("u-") && a.len() == 2 + TOKEN_HEX);
        // RFC 4231 test case 2 (key "Jefe"), first 64 bits.
        assert_eq!(
            token(b"Jefe", b"what do ya want for nothing?"),
            "u-5bdcc146bf60754e"
        );
    }
}
