//! What every RPC answers with: diagnostics completed with the context's
//! warnings, the errors for an unknown type or an unconfigured provider, and
//! values encoded for the wire (an unencodable one is the provider's bug).

use magma_protocol::tfplugin6 as pb;

use crate::codec::encode_dynamic;
use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::Context;
use crate::value::{Type, Value};

/// The diagnostics of a callback's result.
pub(super) fn diagnostics_of<T>(result: Result<T, Diagnostics>) -> Diagnostics {
    match result {
        Ok(_) => Diagnostics::new(),
        Err(d) => ensure_error(d),
    }
}

/// An `Err` must carry an error; add a generic one if the callback forgot.
pub(super) fn ensure_error(mut d: Diagnostics) -> Diagnostics {
    if !d.has_errors() {
        d.add_error(
            "Operation failed",
            "The provider reported a failure without details.",
        );
    }
    d
}

pub(super) fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostics::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}."),
    )
}

pub(super) fn not_configured() -> Diagnostics {
    Diagnostics::error(
        "Provider not configured",
        "The provider was used before ConfigureProvider; this is a Terraform or provider bug.",
    )
}

/// `d` plus the warnings the callback added to its context, for the wire.
pub(super) fn with_warnings(ctx: &Context, mut d: Diagnostics) -> Vec<pb::Diagnostic> {
    for warning in ctx.take_warnings() {
        d.push(warning);
    }
    d.to_proto()
}

/// `value` for the wire, or an error diagnostic at the offending path.
pub(super) fn encode_value(
    value: &Value,
    ty: &Type,
    d: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match encode_dynamic(value, ty) {
        Ok(encoded) => Some(encoded),
        Err(e) => {
            d.push(
                Diagnostic::error(
                    "Provider returned an invalid value",
                    format!("{}: {}. This is a provider bug.", e.path, e.message),
                )
                .with_path(e.path),
            );
            None
        }
    }
}
