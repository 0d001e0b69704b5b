//! Pseudonymized people for works-council and GDPR settings: every field that can name a person
//! becomes a keyed HMAC-SHA256 token, the same for the same name under one key, so reports can
//! be shared while only the key holder can tell who a token is (`shadowai reveal`).
//!
//! Two fields name a person: the user (`u-` tokens) and the endpoint device, whose name is
//! often the owner's (`lt-alice`; `d-` tokens). Device tokens are made under a key derived
//! from the user key for devices only, so a device named like a user (`alice`) gets a token
//! unrelated to that user's: the tokens link nothing the clear names would not. Process
//! paths (`C:\Users\alice\…`) never reach an output: the scan keeps only the process's file
//! name. Register owners stay as written: they are the organization's staff roles.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::exit::UsageError;
use crate::hash::hex;

/// Hex digits of the HMAC kept in a token: 64 bits, collision-free for any real staff count.
const TOKEN_HEX: usize = 16;

/// What the device key is derived with: HMAC-SHA256(user key, this).
const DEVICE_DOMAIN: &[u8] = b"shadowai device token";

/// How the outputs show users and devices.
#[derive(Clone, Default)]
pub struct Users {
    keys: Option<Keys>,
}

/// The key of user tokens and the one derived from it for device tokens.
#[derive(Clone)]
struct Keys {
    user: Vec<u8>,
    device: Vec<u8>,
}

impl Users {
    /// Users and devices shown as logged.
    pub fn plain() -> Self {
        Users { keys: None }
    }

    /// Users and devices shown as tokens under the key in `path` (its bytes, trailing newline
    /// trimmed).
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
        Ok(Users::with_key(key))
    }

    /// Users and devices shown as tokens under `key`.
    fn with_key(key: Vec<u8>) -> Self {
        let device = mac(&key, DEVICE_DOMAIN).to_vec();
        Users {
            keys: Some(Keys { user: key, device }),
        }
    }

    /// Whether outputs carry tokens.
    pub fn pseudonymized(&self) -> bool {
        self.keys.is_some()
    }

    /// Every user of `usage` as the reports show them ([`Shown`]).
    pub fn show_all(&self, usage: &crate::aggregate::Usage) -> Shown {
        let names: Vec<Arc<str>> = (0..usage.users())
            .map(|id| Arc::from(self.show(usage.name(id as crate::aggregate::UserId))))
            .collect();
        let rank = crate::rank::ranks(&names);
        Shown { names, rank }
    }

    /// The (normalized) user as the reports show it.
    pub fn show(&self, user: &[u8]) -> String {
        match &self.keys {
            None => String::from_utf8_lossy(user).into_owned(),
            Some(k) => token("u-", &k.user, user),
        }
    }

    /// The (lowercased) device name as the reports show it.
    pub fn show_device(&self, device: &[u8]) -> String {
        match &self.keys {
            None => String::from_utf8_lossy(device).into_owned(),
            Some(k) => token("d-", &k.device, device),
        }
    }
}

/// The users of one [`Usage`](crate::aggregate::Usage) as the reports show them, by
/// [`UserId`](crate::aggregate::UserId).
///
/// # Performance
/// Each name is made once (a token is an HMAC) and shared by every row that names the user;
/// the reports list users by name, and sorting tens of thousands of rows by comparing names
/// was a third of the report's time at 30,000 people: rows sort on `rank` instead.
pub struct Shown {
    /// The name as shown.
    pub names: Vec<Arc<str>>,
    /// The place of the name in the order of names (no two users share a name:
    /// [`Usage::intern`](crate::aggregate::Usage::intern)).
    pub rank: Vec<u32>,
}

/// HMAC-SHA256(key, data).
fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `prefix` and the first hex digits of HMAC-SHA256(key, name).
fn token(prefix: &str, key: &[u8], name: &[u8]) -> String {
    format!("{prefix}{}", hex(&mac(key, name)[..TOKEN_HEX / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(key: &str) -> Users {
        Users::with_key(key.as_bytes().to_vec())
    }

    #[test]
    fn same_user_same_token_and_key_matters() {
        let users = keyed("0123456789abcdef");
        let a = users.show(b"alice");
        assert_eq!(a, keyed("0123456789abcdef").show(b"alice"));
        assert_ne!(a, users.show(b"bob"));
        assert_ne!(a, keyed("another-key-0123").show(b"alice"));
        assert!(a.starts_with("u-") && a.len() == 2 + TOKEN_HEX);
        // RFC 4231 test case 2 (key "Jefe"), first 64 bits.
        assert_eq!(
            token("u-", b"Jefe", b"what do ya want for nothing?"),
            "u-5bdcc146bf60754e"
        );
    }

    #[test]
    fn device_tokens_are_their_own() {
        let users = keyed("0123456789abcdef");
        let d = users.show_device(b"alice");
        assert!(d.starts_with("d-") && d.len() == 2 + TOKEN_HEX, "{d}");
        assert_eq!(d, keyed("0123456789abcdef").show_device(b"alice"));
        assert_ne!(d, users.show_device(b"lt-alice"));
        // A device named like a user does not share the user's digest.
        assert_ne!(d[2..], users.show(b"alice")[2..]);
        assert_eq!(Users::plain().show_device(b"lt-alice"), "lt-alice");
    }
}
