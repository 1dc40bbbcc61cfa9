//! Secret contents: base64 text that never shows in `Debug` or `Display`.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// Base64 secret content as Keywhiz sends and takes it. `Debug` prints
/// `<redacted>`; read it with [`SecretContent::expose_base64`] or
/// [`SecretContent::decode`].
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretContent(String);

impl SecretContent {
    /// Wrap already-encoded base64 text.
    pub fn from_base64(b64: impl Into<String>) -> Self {
        Self(b64.into())
    }

    /// Encode raw bytes (standard alphabet, padded).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// The base64 text.
    pub fn expose_base64(&self) -> &str {
        &self.0
    }

    /// The raw bytes. Missing padding is tolerated (Keywhiz accepts unpadded input).
    pub fn decode(&self) -> Result<Vec<u8>, base64::DecodeError> {
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(self.0.trim_end_matches('='))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("SecretContent(\"\")")
        } else {
            f.write_str("SecretContent(<redacted>)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_and_round_trips() {
        let c = SecretContent::from_bytes(b"hunter2");
        assert_eq!(format!("{c:?}"), "SecretContent(<redacted>)");
        assert_eq!(c.decode().ok().as_deref(), Some(&b"hunter2"[..]));
        assert_eq!(
            SecretContent::from_base64("aHVudGVyMg")
                .decode()
                .ok()
                .as_deref(),
            Some(&b"hunter2"[..])
        );
    }
}
