//! The syncer's errors, as types: a failed Secrets Manager call ([`SmError`]), a failed
//! write of one secret ([`WriteError`]) and a run that could not start ([`RunError`]).
//! Each per-secret failure has a [`FailureKind`], taken from the error's variant and the
//! service's error code (the wire's machine-readable type, as the SDK's own retry rules
//! read it), never from message text; the run report counts failures by kind.

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;
use serde::Serialize;

use crate::apply::MAX_VALUE_BYTES;

/// What kind of failure one secret met: each asks something else of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Secrets Manager throttled the call beyond the SDK's retries: the next run retries.
    Throttled,
    /// The syncer's role may not make the call, or its credentials are refused.
    Permission,
    /// The secret is not there (deleted out of band since the listing).
    NotFound,
    /// The secret's state refuses the call: it exists already, is scheduled for deletion,
    /// or a prerequisite is missing.
    Conflict,
    /// Secrets Manager could not be reached or failed on its side (network, timeout, 5xx).
    Unavailable,
    /// Keywhiz did not deliver the content (the listing named it, the fetch failed).
    Keywhiz,
    /// Anything else: a refused parameter, a quota, content that cannot be stored.
    Other,
}

/// Codes (an awsJson 1.1 error's `__type`) that Secrets Manager documents among its common
/// errors and the SDK models no variant for; the SDK's advice is to match these by `code()`.
const THROTTLED: &[&str] = &["ThrottlingException"];
const PERMISSION: &[&str] = &[
    "AccessDeniedException",
    "NotAuthorized",
    "InvalidClientTokenId",
    "OptInRequired",
];
const UNAVAILABLE: &[&str] = &["InternalFailure", "ServiceUnavailable"];

impl FailureKind {
    /// The kind of the service's error: its modeled variant, else its code, else the
    /// HTTP status of the answer (`None`: there was no answer).
    fn of(e: &aws_sdk_secretsmanager::Error, status: Option<u16>) -> Self {
        use aws_sdk_secretsmanager::Error as E;
        match e {
            E::ResourceNotFoundException(_) => Self::NotFound,
            E::ResourceExistsException(_)
            | E::InvalidRequestException(_)
            | E::PreconditionNotMetException(_) => Self::Conflict,
            E::InternalServiceError(_) => Self::Unavailable,
            // Modeled, and none of the kinds above: a parameter, a quota, a policy, KMS.
            E::DecryptionFailure(_)
            | E::EncryptionFailure(_)
            | E::InvalidNextTokenException(_)
            | E::InvalidParameterException(_)
            | E::LimitExceededException(_)
            | E::MalformedPolicyDocumentException(_)
            | E::PublicPolicyException(_) => Self::Other,
            unmodeled => match unmodeled.code() {
                Some(c) if THROTTLED.contains(&c) => Self::Throttled,
                Some(c) if PERMISSION.contains(&c) => Self::Permission,
                Some(c) if UNAVAILABLE.contains(&c) => Self::Unavailable,
                _ => status.map_or(Self::Other, Self::of_status),
            },
        }
    }

    /// An error the kinds above do not name: its HTTP status is all there is.
    fn of_status(status: u16) -> Self {
        match status {
            429 => Self::Throttled,
            401 | 403 => Self::Permission,
            500..=599 => Self::Unavailable,
            _ => Self::Other,
        }
    }
}

type RawResponse = aws_smithy_runtime_api::http::Response;

/// A Secrets Manager call that failed: which operation, of what kind, and the SDK's error.
#[derive(Debug, thiserror::Error)]
#[error("{op}: {}", describe(.source))]
pub struct SmError {
    pub op: &'static str,
    pub kind: FailureKind,
    #[source]
    source: Box<aws_sdk_secretsmanager::Error>,
}

impl SmError {
    /// `op` failed with `e`. A timeout or a failed connection is told apart here, before
    /// the SDK flattens it into an error without a code.
    pub fn new<E>(op: &'static str, e: SdkError<E, RawResponse>) -> Self
    where
        aws_sdk_secretsmanager::Error: From<SdkError<E, RawResponse>>,
    {
        let no_answer = matches!(e, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_));
        let status = e.raw_response().map(|r| r.status().as_u16());
        let source = aws_sdk_secretsmanager::Error::from(e);
        let kind = if no_answer {
            FailureKind::Unavailable
        } else {
            FailureKind::of(&source, status)
        };
        Self {
            op,
            kind,
            source: Box::new(source),
        }
    }

    /// `map_err(SmError::on("PutSecretValue"))`.
    pub fn on<E>(op: &'static str) -> impl FnOnce(SdkError<E, RawResponse>) -> Self
    where
        aws_sdk_secretsmanager::Error: From<SdkError<E, RawResponse>>,
    {
        move |e| Self::new(op, e)
    }

    /// The service's error code, when it gave one.
    pub fn code(&self) -> Option<&str> {
        self.source.code()
    }
}

/// `Code: message` for service errors, the whole chain otherwise.
fn describe(e: &aws_sdk_secretsmanager::Error) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(e).to_string(),
    }
}

/// Why one secret was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    SecretsManager(#[from] SmError),
    #[error("Keywhiz content is not valid base64")]
    NotBase64,
    /// Not a failure of the run: Secrets Manager cannot hold it (reported as skipped).
    #[error("value is {bytes} bytes, over Secrets Manager's {MAX_VALUE_BYTES}")]
    TooLarge { bytes: usize },
    #[error("content was not fetched")]
    NotFetched,
}

impl WriteError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::SecretsManager(e) => e.kind,
            Self::NotBase64 | Self::TooLarge { .. } | Self::NotFetched => FailureKind::Other,
        }
    }
}

/// Why a run stopped before writing or deleting anything.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    #[error("reading {path}: {source}")]
    KeywhizCa {
        path: String,
        source: std::io::Error,
    },
    #[error("no CA bundle for Keywhiz")]
    NoKeywhizCa,
    #[error(transparent)]
    KeywhizClient(keywhiz_client::Error),
    #[error(transparent)]
    Listing(#[from] crate::source::ListError),
    #[error("listing Secrets Manager: {0}")]
    Inventory(#[source] SmError),
    #[error("resource_policy: {0}")]
    ResourcePolicy(#[source] serde_json::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_secretsmanager::operation::put_secret_value::PutSecretValueError;
    use aws_sdk_secretsmanager::types::error::{
        InvalidRequestException, LimitExceededException, ResourceExistsException,
        ResourceNotFoundException,
    };
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn raw(status: u16) -> Response {
        Response::new(
            StatusCode::try_from(status).unwrap_or_else(|e| panic!("{e}")),
            SdkBody::empty(),
        )
    }

    fn unmodeled(code: &str, status: u16) -> SmError {
        let err =
            PutSecretValueError::generic(ErrorMetadata::builder().code(code).message("m").build());
        SmError::new("PutSecretValue", SdkError::service_error(err, raw(status)))
    }

    #[test]
    fn modeled_errors_by_variant() {
        let cases: Vec<(PutSecretValueError, FailureKind)> = vec![
            (
                PutSecretValueError::ResourceNotFoundException(
                    ResourceNotFoundException::builder().message("gone").build(),
                ),
                FailureKind::NotFound,
            ),
            (
                PutSecretValueError::ResourceExistsException(
                    ResourceExistsException::builder().build(),
                ),
                FailureKind::Conflict,
            ),
            (
                PutSecretValueError::InvalidRequestException(
                    InvalidRequestException::builder()
                        .message("marked for deletion")
                        .build(),
                ),
                FailureKind::Conflict,
            ),
            // A quota: modeled, of no kind above, whatever the status says.
            (
                PutSecretValueError::LimitExceededException(
                    LimitExceededException::builder().build(),
                ),
                FailureKind::Other,
            ),
        ];
        for (err, want) in cases {
            let e = SmError::new("PutSecretValue", SdkError::service_error(err, raw(400)));
            assert_eq!(e.kind, want, "{e}");
        }
    }

    #[test]
    fn unmodeled_errors_by_code_whatever_the_message() {
        for (code, status, want) in [
            ("ThrottlingException", 400, FailureKind::Throttled),
            ("AccessDeniedException", 400, FailureKind::Permission),
            ("InvalidClientTokenId", 403, FailureKind::Permission),
            ("NotAuthorized", 400, FailureKind::Permission),
            ("InternalFailure", 500, FailureKind::Unavailable),
            ("ServiceUnavailable", 503, FailureKind::Unavailable),
            ("ValidationException", 400, FailureKind::Other),
            ("SomethingNew", 400, FailureKind::Other),
            // An unknown code is read by its status.
            ("SomethingNew", 503, FailureKind::Unavailable),
            ("SomethingNew", 429, FailureKind::Throttled),
        ] {
            let e = unmodeled(code, status);
            assert_eq!(e.kind, want, "{code} {status}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.to_string(), format!("PutSecretValue: {code}: m"));
        }
    }

    #[test]
    fn transport_failures_are_unavailable() {
        let timeout: SdkError<PutSecretValueError, Response> =
            SdkError::timeout_error("operation timed out");
        assert_eq!(
            SmError::new("PutSecretValue", timeout).kind,
            FailureKind::Unavailable
        );
        let reset: SdkError<PutSecretValueError, Response> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))));
        assert_eq!(
            SmError::new("PutSecretValue", reset).kind,
            FailureKind::Unavailable
        );
    }

    #[test]
    fn a_write_error_has_its_calls_kind() {
        assert_eq!(
            WriteError::from(unmodeled("AccessDeniedException", 400)).kind(),
            FailureKind::Permission
        );
        assert_eq!(WriteError::NotBase64.kind(), FailureKind::Other);
    }
}
