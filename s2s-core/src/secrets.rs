//! Names of the secrets s2s keeps in an app account's Secrets Manager.
//!
//! Keywhiz allows `:` in names; Secrets Manager does not (it allows letters,
//! digits and `/_+=.@-`). Keywhiz never uses `@`, so mapping `:` to `@` is
//! one-to-one and reversible; the syncer also keeps the original name in a tag.

use crate::names::{validate_app, NameError};

/// Where synced Keywhiz secrets live.
pub const KEYWHIZ_PREFIX: &str = "keywhiz/";

/// Why a Keywhiz secret name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid Keywhiz secret name: it must be 1-195 characters of letters, digits, '_', '-', '.' and ':' and must not start with '.'")]
pub struct SecretNameError {
    pub value: String,
}

/// Keywhiz's own rule: `^[a-zA-Z_0-9\-.:]+$`, not starting with `.`, at most 195 characters.
pub fn validate_keywhiz_secret_name(name: &str) -> Result<(), SecretNameError> {
    let ok = (1..=195).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(SecretNameError {
            value: name.to_owned(),
        })
    }
}

/// `keywhiz/<name>` with `:` written as `@`.
pub fn secretsmanager_name_for_keywhiz(keywhiz_name: &str) -> Result<String, SecretNameError> {
    validate_keywhiz_secret_name(keywhiz_name)?;
    Ok(format!(
        "{KEYWHIZ_PREFIX}{}",
        keywhiz_name.replace(':', "@")
    ))
}

/// The inverse of [`secretsmanager_name_for_keywhiz`]; `None` for names the
/// syncer could not have written.
pub fn keywhiz_name_from_secretsmanager(sm_name: &str) -> Option<String> {
    let rest = sm_name.strip_prefix(KEYWHIZ_PREFIX)?;
    let name = rest.replace('@', ":");
    validate_keywhiz_secret_name(&name).ok()?;
    Some(name)
}

/// `s2s/<app>/tls`: the app's certificate bundle in its own account.
pub fn certificate_secret_name(app: &str) -> Result<String, NameError> {
    validate_app(app)?;
    Ok(format!("s2s/{app}/tls"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_maps_to_at_and_back() {
        let sm = secretsmanager_name_for_keywhiz("payments:db.password").unwrap();
        assert_eq!(sm, "keywhiz/payments@db.password");
        assert_eq!(
            keywhiz_name_from_secretsmanager(&sm).as_deref(),
            Some("payments:db.password")
        );
    }

    #[test]
    fn mapped_names_use_only_secrets_manager_characters() {
        let sm = secretsmanager_name_for_keywhiz("A-b_c.d:e").unwrap();
        assert!(sm
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b)));
    }

    #[test]
    fn bad_keywhiz_names_are_refused() {
        for bad in ["", ".hidden", "a b", "a/b", "a@b", &"x".repeat(196)] {
            assert!(secretsmanager_name_for_keywhiz(bad).is_err(), "{bad:?}");
        }
        assert_eq!(keywhiz_name_from_secretsmanager("other/x"), None);
    }

    #[test]
    fn certificate_secret_lives_under_the_app() {
        assert_eq!(
            certificate_secret_name("payments").unwrap(),
            "s2s/payments/tls"
        );
        assert!(certificate_secret_name("Payments").is_err());
    }
}
