//! Why a bundle was refused. No variant ever carries key material.

use crate::svid::SvidError;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the bundle is not the s2s JSON format: {0}")]
    Format(String),
    #[error("the bundle's {field} holds no PEM {label} block")]
    MissingPem {
        field: &'static str,
        label: &'static str,
    },
    #[error("the bundle's {field} is not valid PEM: {detail}")]
    BadPem { field: &'static str, detail: String },
    #[error("the bundle's leaf certificate: {0}")]
    Leaf(#[from] SvidError),
    #[error("the bundle's {field} is {found:?} but its certificate says {expected:?}")]
    Mismatch {
        field: &'static str,
        found: String,
        expected: String,
    },
    #[error("the bundle is for {found} but {expected} was expected")]
    WrongIdentity { found: String, expected: String },
    #[error("the bundle's {field} {value:?} is not an RFC 3339 time")]
    BadTime { field: &'static str, value: String },
}
