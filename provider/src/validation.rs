//! The naming rules attributes and import ids are checked by, shared by
//! resources and data sources: each wraps an `s2s-core` rule (or a
//! Registry/AWS naming rule) so the provider, the syncer and the issuer
//! agree. Messages say what is allowed. A schema uses one as
//! `.validator(string_rule(validation::check_...))`.

/// An app name (a DNS label).
pub fn check_app_name(name: &str) -> Result<(), String> {
    s2s_core::validate_app(name).map_err(|e| e.to_string())
}

/// An AWS account id: exactly 12 digits.
pub fn check_account_id(id: &str) -> Result<(), String> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not an AWS account id: it must be exactly 12 digits (keep leading zeros; write it as a string)"
        ))
    }
}

/// One of the four environments.
pub fn check_environment(env: &str) -> Result<(), String> {
    env.parse::<s2s_core::Environment>()
        .map(|_| ())
        .map_err(|_| {
            format!(
                "{env:?} is not an environment: use one of {}",
                s2s_core::ENVIRONMENTS.join(", ")
            )
        })
}

/// An AWS Lambda function name: `^[A-Za-z0-9_-]{1,64}$`.
pub fn check_function_name(name: &str) -> Result<(), String> {
    if (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a Lambda function name: 1-64 letters, digits, '-' and '_' (the name, not the ARN)"
        ))
    }
}

/// An IAM role name: `^[A-Za-z0-9+=,.@_-]{1,64}$`.
pub fn check_role_name(name: &str) -> Result<(), String> {
    if (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an IAM role name: 1-64 letters, digits and '+=,.@_-' (the name without path, not the ARN)"
        ))
    }
}

/// A Keywhiz secret name.
pub fn check_secret_name(name: &str) -> Result<(), String> {
    s2s_core::validate_keywhiz_secret_name(name).map_err(|e| e.to_string())
}

/// An AWS region name such as `eu-west-1`.
pub fn check_region(r: &str) -> Result<(), String> {
    let parts: Vec<&str> = r.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{r:?} is not an AWS region name such as us-east-1 or eu-west-2"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(check_account_id("012345678901").is_ok());
        assert!(check_account_id("12345678901").is_err());
        assert!(check_account_id("12345678901a").is_err());
        assert!(check_environment("staging").is_ok());
        assert!(check_environment("prod").is_err());
        assert!(check_function_name("payments-api_v2").is_ok());
        assert!(check_function_name("arn:aws:lambda:x").is_err());
        assert!(check_role_name("svc+role@x").is_ok());
        assert!(check_role_name("role/with/path").is_err());
        assert!(check_secret_name("db:password").is_ok());
        assert!(check_secret_name(".hidden").is_err());
        assert!(check_region("eu-west-1").is_ok());
        assert!(check_region("Europe").is_err());
        assert!(check_app_name("payments").is_ok());
        assert!(check_app_name("Payments").is_err());
    }
}
