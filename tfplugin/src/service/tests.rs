//! The service against a small provider: create, no-op plan, replacement and
//! destroy; reads that remove; unknown types; function errors; the schema
//! response; StopProvider.

use std::sync::Arc;

use magma_protocol::tfplugin6 as pb;
use pb::provider_server::Provider as ProviderRpc;
use tonic::Request;

use super::ProviderService;
use crate::codec::{decode_msgpack, encode_msgpack};
use crate::diag::Diagnostics;
use crate::framework::FunctionError;
use crate::framework::{
    ConfigureRequest, Context, CreateRequest, DeleteRequest, Function, Provider, ReadRequest,
    Resource, UpdateRequest,
};
use crate::schema::Schema;
use crate::schema::{Attribute, Block, FunctionSignature, Parameter};
use crate::value::{Type, Value};

struct Thing;

#[async_trait::async_trait]
impl Resource<String> for Thing {
    fn type_name(&self) -> &str {
        "t_thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .attribute(Attribute::string("id").computed().use_state_for_unknown())
                .attribute(Attribute::string("name").required().requires_replace())
                .attribute(Attribute::string("note").optional()),
        )
    }
    async fn create(
        &self,
        _: &Context,
        data: &String,
        r: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let mut v = r.planned;
        v.set_attr("id", format!("{data}-1").into());
        Ok(v)
    }
    async fn read(
        &self,
        _: &Context,
        _: &String,
        r: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        Ok((r.state.attr("note").as_str() != Some("gone")).then_some(r.state))
    }
    async fn update(
        &self,
        _: &Context,
        _: &String,
        r: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        Ok(r.planned)
    }
    async fn delete(&self, _: &Context, _: &String, _: DeleteRequest) -> Result<(), Diagnostics> {
        Ok(())
    }
}

struct Half;

#[async_trait::async_trait]
impl Function for Half {
    fn name(&self) -> &str {
        "half"
    }
    fn signature(&self) -> crate::schema::FunctionSignature {
        FunctionSignature::new(Type::Number).parameter(Parameter::new("n", Type::Number))
    }
    async fn call(&self, _: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
        match args[0].as_i64() {
            Some(n) if n % 2 == 0 => Ok((n / 2).into()),
            _ => Err(FunctionError::argument(0, "an even number is required")),
        }
    }
}

struct P;

#[async_trait::async_trait]
impl Provider for P {
    type Data = String;
    fn name(&self) -> &str {
        "t"
    }
    async fn configure(&self, _: &Context, _: ConfigureRequest) -> Result<String, Diagnostics> {
        Ok("thing".into())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<String>>> {
        vec![Arc::new(Thing)]
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Half)]
    }
}

fn ty() -> Type {
    Thing.schema().value_type()
}

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(v, &ty()).unwrap(),
        json: vec![],
    })
}

fn val(d: Option<pb::DynamicValue>) -> Value {
    decode_msgpack(&d.unwrap().msgpack, &ty()).unwrap()
}

async fn configured() -> ProviderService<P> {
    let s = ProviderService::new(P).unwrap();
    let r = s
        .configure_provider(Request::new(pb::configure_provider::Request {
            terraform_version: "1.15.5".into(),
            config: Some(pb::DynamicValue {
                msgpack: vec![0x80],
                json: vec![],
            }),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    s
}

async fn plan(
    s: &ProviderService<P>,
    prior: &Value,
    config: &Value,
    proposed: &Value,
) -> pb::plan_resource_change::Response {
    s.plan_resource_change(Request::new(pb::plan_resource_change::Request {
        type_name: "t_thing".into(),
        prior_state: dv(prior),
        proposed_new_state: dv(proposed),
        config: dv(config),
        prior_private: b"private".to_vec(),
        provider_meta: None,
        client_capabilities: None,
        prior_identity: None,
    }))
    .await
    .unwrap()
    .into_inner()
}

#[tokio::test]
async fn create_then_noop_plan_then_replace() {
    let s = configured().await;
    let config = Value::object([("name", "a".into())])
        .conform(&ty())
        .unwrap();
    let p = plan(&s, &Value::Null, &config, &config).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let planned = val(p.planned_state);
    assert!(planned.attr("id").is_unknown());
    assert_eq!(p.planned_private, b"private");

    let a = s
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "t_thing".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(&planned),
            config: dv(&config),
            planned_private: b"private".to_vec(),
            provider_meta: None,
            planned_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    let state = val(a.new_state);
    assert_eq!(state.attr("id"), &Value::from("thing-1"));
    assert_eq!(a.private, b"private");

    // Proposed = prior with config values: an empty plan.
    let p = plan(&s, &state, &config, &state).await;
    assert_eq!(val(p.planned_state), state);
    assert!(p.requires_replace.is_empty());

    // Changing name forces replacement and keeps the id.
    let mut config2 = config.clone();
    config2.set_attr("name", "b".into());
    let mut proposed = state.clone();
    proposed.set_attr("name", "b".into());
    let p = plan(&s, &state, &config2, &proposed).await;
    assert_eq!(p.requires_replace.len(), 1);
    assert_eq!(val(p.planned_state).attr("id"), &Value::from("thing-1"));

    // Destroy plans null.
    let p = plan(&s, &state, &Value::Null, &Value::Null).await;
    assert!(val(p.planned_state).is_null());
}

#[tokio::test]
async fn read_none_removes_and_unknown_types_are_diagnosed() {
    let s = configured().await;
    let gone = Value::object([
        ("id", "x".into()),
        ("name", "a".into()),
        ("note", "gone".into()),
    ]);
    let r = s
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "t_thing".into(),
            current_state: dv(&gone),
            private: vec![],
            provider_meta: None,
            client_capabilities: None,
            current_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(val(r.new_state).is_null());
    let r = s
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "t_nope".into(),
            config: None,
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics.len(), 1);
}

#[tokio::test]
async fn function_errors_carry_the_argument_index() {
    let s = ProviderService::new(P).unwrap();
    let call = |n: i64| pb::call_function::Request {
        name: "half".into(),
        arguments: vec![pb::DynamicValue {
            msgpack: encode_msgpack(&n.into(), &Type::Number).unwrap(),
            json: vec![],
        }],
    };
    let ok = s
        .call_function(Request::new(call(42)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        decode_msgpack(&ok.result.unwrap().msgpack, &Type::Number).unwrap(),
        Value::from(21i64)
    );
    let err = s
        .call_function(Request::new(call(3)))
        .await
        .unwrap()
        .into_inner();
    let e = err.error.unwrap();
    assert_eq!(e.function_argument, Some(0));
    assert!(e.text.contains("even"));
}

#[tokio::test]
async fn schema_response_is_complete() {
    let s = ProviderService::new(P).unwrap();
    let r = s
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(r.provider.is_some());
    assert!(r.server_capabilities.unwrap().get_provider_schema_optional);
    assert!(r.functions["half"].r#return.is_some());
    assert!(r.resource_schemas.contains_key("t_thing"));
}

#[tokio::test]
async fn stop_cancels_in_flight_contexts_only() {
    let s = ProviderService::new(P).unwrap();
    let before = s.call_context("x", "", None);
    s.stop_provider(Request::new(pb::stop_provider::Request {}))
        .await
        .unwrap();
    assert!(before.is_cancelled());
    assert!(!s.call_context("y", "", None).is_cancelled());
}
