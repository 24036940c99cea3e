//! Random secrets (passwords, the embedded JWT secret) from the OS CSPRNG.

use rand::Rng;

/// `bytes` random bytes as lowercase hex: safe to embed in SQL literals and URLs as-is.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}
