//! The key file and what is done with it: encryption of private values, keyed hashes.
//!
//! Owns the key file format (32 random bytes, hex, mode 0600, beside — never inside — the
//! database), the derivation of one sub-key per purpose (encryption, audit chain, identifier
//! hashes, key check), XChaCha20-Poly1305 sealing and opening, and HMAC-SHA256. Does not know
//! tables or records.

use crate::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};

type HmacSha256 = Hmac<Sha256>;

/// The keys of one database, derived from its key file.
#[derive(Clone)]
pub struct Keys {
    path: PathBuf,
    cipher: XChaCha20Poly1305,
    audit: [u8; 32],
    identifier: [u8; 32],
    check: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("path", &self.path).finish_non_exhaustive()
    }
}

fn derive(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

impl Keys {
    /// Reads the key file at `path`. A key file that other users may read is refused, with
    /// the command that makes it private (as ssh does with its keys).
    pub fn load(path: &Path) -> Result<Keys, StoreError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::KeyFile { path: path.to_path_buf(), problem: format!("cannot be read ({e})") })?;
        let bytes = hex::decode(text.trim()).map_err(|_| StoreError::KeyFile {
            path: path.to_path_buf(),
            problem: "is not an Athar key file (expected 64 hexadecimal characters)".into(),
        })?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| StoreError::KeyFile {
            path: path.to_path_buf(),
            problem: "is not an Athar key file (expected 32 bytes)".into(),
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(m) = std::fs::metadata(path) {
                let mode = m.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(StoreError::KeyFile {
                        path: path.to_path_buf(),
                        problem: format!(
                            "can be read by other users (mode {mode:04o}); whoever reads it can read the encrypted \
                             columns. Make it private with: chmod 600 '{}'",
                            path.display()
                        ),
                    });
                }
            }
        }
        Ok(Keys::from_master(path, &master))
    }

    /// Creates a new key file at `path` (mode 0600); refuses to overwrite one.
    pub fn create(path: &Path) -> Result<Keys, StoreError> {
        let mut master = [0u8; 32];
        getrandom::getrandom(&mut master).map_err(|e| StoreError::KeyFile {
            path: path.to_path_buf(),
            problem: format!("no randomness from the operating system ({e})"),
        })?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| StoreError::KeyFile {
            path: path.to_path_buf(),
            problem: format!("cannot be created ({e})"),
        })?;
        use std::io::Write;
        writeln!(file, "{}", hex::encode(master)).and_then(|_| file.sync_all()).map_err(|e| StoreError::KeyFile {
            path: path.to_path_buf(),
            problem: format!("cannot be written ({e})"),
        })?;
        Ok(Keys::from_master(path, &master))
    }

    fn from_master(path: &Path, master: &[u8; 32]) -> Keys {
        let enc = derive(master, "athar/encryption/v1");
        Keys {
            path: path.to_path_buf(),
            cipher: XChaCha20Poly1305::new(&enc.into()),
            audit: derive(master, "athar/audit-chain/v1"),
            identifier: derive(master, "athar/identifier-hmac/v1"),
            check: derive(master, "athar/key-check/v1"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A value stored in the database that says which key file it belongs to.
    pub fn check_value(&self) -> String {
        hex::encode(hmac(&self.check, b"athar key check"))
    }

    pub(crate) fn audit_key(&self) -> &[u8; 32] {
        &self.audit
    }

    /// Keyed hash of an identifier (a national id), for exact comparison without the clear
    /// value: spaces, dashes and case do not count.
    pub fn identifier_hash(&self, value: &str) -> String {
        let canon: String = value.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        hex::encode(hmac(&self.identifier, canon.as_bytes()))
    }

    /// The record id kept for an id column of identity numbers (`--private-id`): `h:` and the
    /// first 80 bits of the value's keyed hash. Comparable, not readable.
    pub fn private_id(&self, value: &str) -> String {
        let h = self.identifier_hash(value);
        format!("h:{}", &h[..20])
    }

    /// Encrypts with a fresh random nonce: `nonce (24 bytes) || ciphertext+tag`.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut out = Vec::with_capacity(24 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Encrypts bound to `place` (associated data such as `record:17`): the ciphertext opens
    /// only with [`Keys::open_bound`] and the same `place`, so it cannot be moved to another
    /// row unnoticed.
    pub fn seal_bound(&self, plaintext: &[u8], place: &str) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: place.as_bytes() })
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut out = Vec::with_capacity(24 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts what [`Keys::seal_bound`] made for `place`; fails on a wrong key, tampered
    /// bytes, or a ciphertext that belongs to another place.
    pub fn open_bound(&self, sealed: &[u8], place: &str) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < 24 + 16 {
            return Err(StoreError::Crypto(format!("the encrypted value of {place} is truncated")));
        }
        let (nonce, ct) = sealed.split_at(24);
        self.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: place.as_bytes() }).map_err(|_| {
            StoreError::Crypto(format!(
                "the encrypted value of {place} does not open with this key file: wrong key, tampered bytes, or \
                 moved from another row"
            ))
        })
    }

    /// HMAC-SHA256 under the audit key: what binds stored rows to the audit chain.
    pub fn row_mac(&self, data: &[u8]) -> [u8; 32] {
        hmac(&self.audit, data)
    }

    /// Decrypts what [`Keys::seal`] made; fails on a wrong key or tampered bytes.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < 24 + 16 {
            return Err(StoreError::Crypto("encrypted value is truncated".into()));
        }
        let (nonce, ct) = sealed.split_at(24);
        self.cipher.decrypt(XNonce::from_slice(nonce), ct).map_err(|_| {
            StoreError::Crypto("encrypted value does not open with this key file (wrong key or tampered)".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip_and_tampering_fails() {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys = Keys::create(&dir.path().join("k.key")).expect("key created");
        let sealed = keys.seal(b"+963 944 123 456").expect("sealed");
        assert!(!sealed.windows(4).any(|w| w == b"+963"), "plaintext must not show");
        assert_eq!(keys.open(&sealed).expect("opens"), b"+963 944 123 456");
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(keys.open(&bad).is_err());
        let other = Keys::create(&dir.path().join("other.key")).expect("key created");
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn key_file_is_private_and_reloads_to_the_same_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("athar.key");
        let keys = Keys::create(&path).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = Keys::load(&path).expect("loads");
        assert_eq!(keys.check_value(), again.check_value());
        assert!(Keys::create(&path).is_err(), "an existing key file is never overwritten");
    }

    #[test]
    fn a_bound_value_opens_only_in_its_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys = Keys::create(&dir.path().join("k.key")).expect("created");
        let sealed = keys.seal_bound(b"+963 944", "record:1").expect("sealed");
        assert_eq!(keys.open_bound(&sealed, "record:1").expect("opens"), b"+963 944");
        let e = keys.open_bound(&sealed, "record:2").expect_err("moved to another row");
        assert!(e.to_string().contains("record:2"), "{e}");
        assert!(keys.open(&sealed).is_err(), "a bound value needs its place");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("k.key");
        Keys::create(&path).expect("created");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = Keys::load(&path).expect_err("readable by others");
        assert!(e.to_string().contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(Keys::load(&path).is_ok());
    }

    #[test]
    fn identifier_hash_ignores_spacing_and_case() {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys = Keys::create(&dir.path().join("k.key")).expect("created");
        assert_eq!(keys.identifier_hash("AB 123-456"), keys.identifier_hash("ab123456"));
        assert_ne!(keys.identifier_hash("ab123456"), keys.identifier_hash("ab123457"));
    }

    #[test]
    fn a_malformed_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "not hex").expect("write");
        let err = Keys::load(&path).expect_err("must fail");
        assert!(err.to_string().contains("not an Athar key file"));
    }
}
