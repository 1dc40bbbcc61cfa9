//! The Keywhiz group of an app's AWS accounts, `<app>-aws`: a cross-system
//! contract. The provider opts a secret in for sync by granting it to this
//! group and makes the app's Keywhiz client a member of it; the syncers of the
//! app's accounts present that client's identity, so they read what the group
//! is granted; and the ownership rule never counts a grant to it as proof that
//! the app may read a secret, since the provider manages it.

/// `<app>-aws` for an app name (one that passed [`crate::validate_app`]).
pub fn keywhiz_aws_group(app: &str) -> String {
    format!("{app}-aws")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_the_app_name_with_aws() {
        assert_eq!(keywhiz_aws_group("payments"), "payments-aws");
    }
}
