//! The step every Validate*Config RPC is made of, for the provider, a
//! resource or a data source alike: decode the configuration, run the
//! schema's validators, then the type's own `validate`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use magma_protocol::tfplugin6 as pb;

use super::respond::{diagnostics_of, unknown_type};
use super::Entry;
use crate::codec::decode_dynamic;
use crate::diag::{AttributePath, Diagnostics};
use crate::framework::Context;
use crate::schema::Block;
use crate::validators::validate_block;
use crate::value::{Type, Value};

/// The type's own check, run once the schema's validators pass:
/// `|t, ctx, config| t.validate(ctx, config)` of a `Provider`, `Resource` or
/// `DataSource`.
pub(super) type OwnCheck<T> =
    for<'a> fn(
        &'a T,
        &'a Context,
        &'a Value,
    ) -> Pin<Box<dyn Future<Output = Result<(), Diagnostics>> + Send + 'a>>;

/// Decodes a configuration and runs the schema's validators on it.
pub(super) fn decode_and_validate(
    block: &Block,
    ty: &Type,
    config: Option<&pb::DynamicValue>,
) -> Result<Value, Diagnostics> {
    let config = decode_dynamic(config, ty)?;
    let mut d = Diagnostics::new();
    validate_block(block, &config, &mut AttributePath::root(), &mut d);
    d.into_result(config)
}

/// The diagnostics of validating `config` against `block` and `target`'s own
/// check.
pub(super) async fn validate_config<T: ?Sized + Sync>(
    ctx: &Context,
    block: &Block,
    ty: &Type,
    config: Option<&pb::DynamicValue>,
    target: &T,
    check: OwnCheck<T>,
) -> Diagnostics {
    match decode_and_validate(block, ty, config) {
        Ok(config) => diagnostics_of(check(target, ctx, &config).await),
        Err(d) => d,
    }
}

/// [`validate_config`] for the resource or data source `type_name` of
/// `entries` (`kind` names the table in the error for an unknown type).
pub(super) async fn validate_entry<T: ?Sized + Sync + Send>(
    ctx: &Context,
    entries: &HashMap<String, Entry<T>>,
    kind: &str,
    type_name: &str,
    config: Option<&pb::DynamicValue>,
    check: OwnCheck<T>,
) -> Diagnostics {
    match entries.get(type_name) {
        None => unknown_type(kind, type_name),
        Some(entry) => {
            validate_config(
                ctx,
                &entry.schema.block,
                &entry.value_type,
                config,
                &*entry.implementation,
                check,
            )
            .await
        }
    }
}
