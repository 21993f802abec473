//! Password hashing with Argon2id (the OWASP-recommended parameters of the
//! argon2 crate's defaults: 19 MiB, 2 passes). Hashing is deliberately slow,
//! so async code calls [`hash_async`] and [`verify_async`], which run it on
//! the blocking thread pool instead of the async runtime.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;

pub use reconnect_domain::password::{check_new_password, PasswordProblem};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password (blocking).
pub fn hash_password(plain: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Does `plain` match `hash`? A malformed hash never matches (blocking).
pub fn verify_password(plain: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(plain.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, checked when the account does not exist
/// so that unknown and known accounts take the same time to refuse.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password(&reconnect_store::sessions::random_secret()).unwrap_or_default()
    })
}

/// [`hash_password`] on the blocking pool.
pub async fn hash_async(plain: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_password(&plain))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

/// [`verify_password`] on the blocking pool; `None` checks against the decoy.
pub async fn verify_async(plain: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&plain, &h),
        None => {
            let _ = verify_password(&plain, decoy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_password("a long enough passphrase").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("a long enough passphrase", &h));
        assert!(!verify_password("another passphrase!!", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
