//! CallFunction: arguments decoded against the signature (variadic ones
//! included), errors that carry the argument's index, and the result shaped
//! to the return type.

use magma_protocol::tfplugin6 as pb;

use super::ProviderService;
use crate::codec::{decode_dynamic, encode_dynamic};
use crate::framework::{FunctionError, Provider};

pub(super) async fn call<P: Provider>(
    service: &ProviderService<P>,
    request: pb::call_function::Request,
) -> pb::call_function::Response {
    let ctx = service.call_context("CallFunction", "", None);
    match call_checked(service, &ctx, request).await {
        Ok(result) => pb::call_function::Response {
            result: Some(result),
            error: None,
        },
        Err(e) => pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: e.text,
                function_argument: e.argument.and_then(|i| i64::try_from(i).ok()),
            }),
        },
    }
}

async fn call_checked<P: Provider>(
    service: &ProviderService<P>,
    ctx: &crate::framework::Context,
    request: pb::call_function::Request,
) -> Result<pb::DynamicValue, FunctionError> {
    let (function, signature) = service.functions.get(&request.name).ok_or_else(|| {
        FunctionError::new(format!("this provider has no function {:?}", request.name))
    })?;
    let mut arguments = Vec::with_capacity(request.arguments.len());
    for (index, argument) in request.arguments.iter().enumerate() {
        let parameter = signature.parameter_for(index).ok_or_else(|| {
            FunctionError::new(format!("too many arguments ({})", request.arguments.len()))
        })?;
        let value = decode_dynamic(Some(argument), &parameter.ty).map_err(|e| {
            FunctionError::argument(
                index,
                format!("invalid argument {:?}: {}", parameter.name, e),
            )
        })?;
        arguments.push(value);
    }
    if arguments.len() < signature.parameters.len() {
        return Err(FunctionError::new(format!(
            "{} arguments required, got {}",
            signature.parameters.len(),
            arguments.len()
        )));
    }
    let invalid = |e: &dyn std::fmt::Display| {
        FunctionError::new(format!("the function returned an invalid value: {e}"))
    };
    let result = function
        .call(ctx, arguments)
        .await?
        .conform(&signature.return_type)
        .map_err(|e| invalid(&e))?;
    encode_dynamic(&result, &signature.return_type).map_err(|e| invalid(&e))
}
