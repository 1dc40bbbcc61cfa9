//! `s2s_lambda_function`: registers a Lambda function as an s2s component
//! of an app in Registry, and computes what the `aws_lambda_function` and
//! `aws_iam_role_policy` next to it need. Its checks judge the app this
//! operation plans ([`crate::plans`]), so a function can come in the same
//! change as its app, its account or the certificate flag, and a change to
//! the app that would leave a function without them is refused here.

use std::collections::BTreeMap;

use registry_client::{Environment, Function, FunctionSpec};
use serde::{Deserialize, Serialize};
use tfplugin::validators::string_rule;
use tfplugin::{
    async_trait, attr_name, attr_path, from_value, required, to_value, Attribute, Block, Context,
    CreateRequest, DeleteRequest, Diagnostics, Maybe, ReadRequest, Resource, ResourcePlan, Schema,
    Type, UpdateRequest, Value,
};

use super::authz::require_may_change;
use super::common::{
    app_attribute, bad_import_piece, id_attribute, not_adopted, split_import_id, unknown_app,
    OPERATION_TIMEOUT,
};
use super::registry_writes::{
    created_by_lost_attempt, deleted_or_changed, updated_by_lost_attempt,
};
use crate::clients::registry_error;
use crate::plans::AppView;
use crate::settings::Settings;
use crate::validation;
use crate::S2sData;

pub(crate) struct LambdaFunctionResource;

/// The resource's attributes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LambdaFunctionModel {
    id: Maybe<String>,
    app: Maybe<String>,
    environment: Maybe<String>,
    account_id: Maybe<String>,
    function_name: Maybe<String>,
    role_name: Maybe<String>,
    region: Maybe<String>,
    mesh_hostname: Maybe<String>,
    spiffe_id: Maybe<String>,
    certificate_secret_name: Maybe<String>,
    environment_variables: Maybe<BTreeMap<String, String>>,
    certificate_read_policy_json: Maybe<String>,
    etag: Maybe<String>,
}

/// The variables of `environment_variables`, for the mTLS layer, with what
/// each holds (also rendered into the docs).
pub(crate) const ENVIRONMENT_VARIABLES: &[(&str, &str)] = &[
    ("S2S_APP", "the app name"),
    (
        "S2S_ENVIRONMENT",
        "the environment of the account (`staging`, ...)",
    ),
    ("S2S_TRUST_DOMAIN", "the SPIFFE trust domain"),
    (
        "S2S_SPIFFE_ID",
        "the app's SPIFFE ID, `spiffe://<trust domain>/<app>`: the URI SAN of its certificate",
    ),
    (
        "S2S_CERTIFICATE_SECRET",
        "the Secrets Manager name of the app's certificate bundle, `s2s/<app>/tls`",
    ),
    (
        "S2S_MESH_DOMAIN",
        "the DNS domain the mesh gateway routes by SNI",
    ),
    (
        "S2S_MESH_HOSTNAME",
        "this app's own mesh hostname, `<environment>.<app>.<mesh domain>`",
    ),
];

/// The policy template rendered into `certificate_read_policy_json`.
const POLICY_TEMPLATE: &str = "iam/app-certificate-read";

#[async_trait]
impl Resource<S2sData> for LambdaFunctionResource {
    fn type_name(&self) -> &str {
        "s2s_lambda_function"
    }

    fn timeout(&self) -> Option<std::time::Duration> {
        Some(OPERATION_TIMEOUT)
    }

    fn schema(&self) -> Schema {
        let vars: String = ENVIRONMENT_VARIABLES
            .iter()
            .map(|(k, v)| format!("`{k}` ({v}); "))
            .collect();
        Schema::new(
            Block::new()
                .markdown_description(
                    "Registers a Lambda function as an s2s component of an app in Registry, and computes what the `aws_lambda_function` and its role need: the mesh hostname, the SPIFFE ID, the certificate secret's name, environment variables for the mTLS layer and a least-privilege IAM policy that reads only the app's certificate. Plan refuses an account the app has not registered, an environment that differs from the account's, and an app whose `certificate_generation` is off — judged against the app as this plan makes it, so the app, a new account and a function in it can come in one change; when the provider has AWS settings it also refuses an account other than the one the credentials belong to (STS GetCallerIdentity): give each account its own provider configuration (`alias` with `aws { assume_role_arn = ... }`). A registration that already exists is not adopted: creating it fails with *already registered, import it*. The import ID is `<app>/<account_id>/<function_name>`, with `/<region>` appended when the provider has no `aws.region`.",
                )
                .attribute(
                    id_attribute(attr_name!(LambdaFunctionModel.id))
                        .markdown_description("`<app>/<account_id>/<function_name>`, Registry's function id; also the import ID."),
                )
                .attribute(
                    app_attribute(attr_name!(LambdaFunctionModel.app))
                        .markdown_description("The app the function belongs to. Use `s2s_registry_app.<name>.id` so the app is registered first."),
                )
                .attribute(
                    Attribute::string(attr_name!(LambdaFunctionModel.environment))
                        .required()
                        .validator(string_rule(validation::check_environment))
                        .markdown_description("The environment of the account, as registered on the app: `development`, `staging`, `production` or `sandbox`."),
                )
                .attribute(
                    Attribute::string(attr_name!(LambdaFunctionModel.account_id))
                        .required()
                        .requires_replace()
                        .validator(string_rule(validation::check_account_id))
                        .markdown_description("The 12-digit AWS account the function runs in; it must be one of the app's accounts."),
                )
                .attribute(
                    Attribute::string(attr_name!(LambdaFunctionModel.function_name))
                        .required()
                        .requires_replace()
                        .validator(string_rule(validation::check_function_name))
                        .markdown_description("The Lambda function's name (not its ARN)."),
                )
                .attribute(
                    Attribute::string(attr_name!(LambdaFunctionModel.role_name))
                        .required()
                        .validator(string_rule(validation::check_role_name))
                        .markdown_description("The name of the function's execution role (without path). Can change in place."),
                )
                .attribute(
                    Attribute::string(attr_name!(LambdaFunctionModel.region))
                        .optional()
                        .validator(string_rule(validation::check_region))
                        .markdown_description("The AWS Region of the function and its certificate secret, for `certificate_read_policy_json`. Defaults to the provider's `aws.region` (or S2S_AWS_REGION); one of the two must be set."),
                )
                .attribute(Attribute::string(attr_name!(LambdaFunctionModel.mesh_hostname)).computed().markdown_description(
                    "`<environment>.<app>.<mesh domain>`: the SNI name other services use to reach this app through the mesh gateway.",
                ))
                .attribute(Attribute::string(attr_name!(LambdaFunctionModel.spiffe_id)).computed().markdown_description(
                    "`spiffe://<trust domain>/<app>`: the URI SAN of the app's certificates.",
                ))
                .attribute(Attribute::string(attr_name!(LambdaFunctionModel.certificate_secret_name)).computed().markdown_description(
                    "`s2s/<app>/tls`: the Secrets Manager secret holding the app's certificate bundle in this account.",
                ))
                .attribute(
                    Attribute::new(attr_name!(LambdaFunctionModel.environment_variables), Type::map(Type::String))
                        .computed()
                        .markdown_description(format!(
                            "Environment variables for the s2s mTLS layer; merge them into the function's `environment.variables`: {}",
                            vars.trim_end_matches("; ")
                        )),
                )
                .attribute(
                    Attribute::json(attr_name!(LambdaFunctionModel.certificate_read_policy_json))
                        .computed()
                        .markdown_description("A least-privilege IAM policy (JSON) for the function's role: `secretsmanager:GetSecretValue` and `DescribeSecret` on `s2s/<app>/tls` in this account and Region, nothing else. Rendered from the policy bundle's `iam/app-certificate-read` template."),
                )
                .attribute(
                    Attribute::string(attr_name!(LambdaFunctionModel.etag))
                        .computed()
                        .markdown_description("Registry's ETag of the registration; the next write is conditional on it."),
                ),
        )
    }

    async fn modify_plan(
        &self,
        ctx: &Context,
        data: Option<&S2sData>,
        plan: &mut ResourcePlan,
    ) -> Result<(), Diagnostics> {
        let Some(data) = data else {
            return Ok(());
        };
        let mut planned: LambdaFunctionModel = from_value(&plan.planned)?;
        if let (Some(app), Some(account), Some(name)) = (
            planned.app.as_str(),
            planned.account_id.as_str(),
            planned.function_name.as_str(),
        ) {
            planned.id = Maybe::Known(format!("{app}/{account}/{name}"));
        }
        if let Some(input) = Input::known(&planned) {
            derive(&data.settings, &input)?.write_into(&mut planned);
        }
        plan.set_planned(&planned)?;
        // The checks need the app, its account and the environment; the
        // role name and Region do not matter to them.
        let Some(target) = Target::known(&planned) else {
            return Ok(());
        };
        let changed = plan.is_create() || plan.planned != plan.prior;
        let app_planned_here = data.plans.app(&target.app).is_some();
        if !changed && !app_planned_here {
            return Ok(());
        }
        if changed {
            require_may_change(
                ctx,
                data,
                &target.app,
                attr_path!(LambdaFunctionModel.app),
                "register functions of",
            )
            .await?;
        }
        let registered = ctx
            .run(data.reads.app(&data.clients, &target.app))
            .await??;
        let view = AppView::of(data.plans.app(&target.app), registered.as_deref());
        check_app(&target, &view, changed)?;
        if changed {
            check_account(ctx, data, &target).await?;
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let input = Input::required(&from_value(&req.planned)?)?;
        check(ctx, data, &input).await?;
        let registry = data.clients.registry()?;
        let spec = input.spec()?;
        let result = ctx
            .run(registry.create_function(
                &input.app,
                &input.account_id,
                &input.function_name,
                &spec,
            ))
            .await?;
        data.reads.forget_functions(&input.app);
        let written = match result {
            Ok(written) => written,
            Err(e) if e.is_conflict() => match current(ctx, data, &input).await? {
                // Our earlier attempt went through and its answer was lost;
                // anything else is someone else's registration.
                Some(now)
                    if created_by_lost_attempt(
                        &e,
                        &now,
                        spec_matches(&now, &spec),
                        registry.presented().spiffe_id.as_deref(),
                    ) =>
                {
                    now
                }
                _ => {
                    return Err(Diagnostics::attribute_error(
                        attr_path!(LambdaFunctionModel.function_name),
                        "Function already registered, import it",
                        not_adopted(
                            &format!("Registry already has function {}", input.id()),
                            "deregister",
                            &input.id(),
                        ),
                    ))
                }
            },
            Err(e) => {
                return Err(registry_error(
                    &format!("Cannot register function {}", input.id()),
                    &e,
                ))
            }
        };
        Ok(to_value(&state(&data.settings, &input, &written)?)?)
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        let stored: LambdaFunctionModel = from_value(&req.state)?;
        let app = required!(stored.app)?;
        let account_id = required!(stored.account_id)?;
        let function_name = required!(stored.function_name)?;
        let list = ctx.run(data.reads.functions(&data.clients, app)).await??;
        let id = format!("{app}/{account_id}/{function_name}");
        let Some(found) = list.and_then(|l| l.iter().find(|f| f.id == id).cloned()) else {
            return Ok(None);
        };
        let mut input = Input::from_function(&found);
        input.region = stored.region.known().cloned();
        match state(&data.settings, &input, &found) {
            Ok(read) => Ok(Some(to_value(&read)?)),
            // Just imported: there are no computed values to keep, and an
            // imported state must be what an apply would have written.
            Err(e) if stored.id.is_null() => Err(e),
            // Settings needed for the computed values are missing: keep the
            // registration, leave the computed values as they were.
            Err(_) => {
                let mut kept = stored.clone();
                kept.environment = Maybe::Known(found.environment.as_str().to_owned());
                kept.role_name = Maybe::Known(found.role_name.clone());
                kept.etag = Maybe::Known(found.etag.clone());
                Ok(Some(to_value(&kept)?))
            }
        }
    }

    async fn update(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        let planned: LambdaFunctionModel = from_value(&req.planned)?;
        let prior: LambdaFunctionModel = from_value(&req.prior)?;
        let input = Input::required(&planned)?;
        let etag = required!(prior.etag)?;
        let spec = input.spec()?;
        let unchanged = prior.role_name.as_str() == Some(spec.role_name.as_str())
            && prior.environment.as_str() == Some(spec.environment.as_str());
        if unchanged {
            // Only computed values move (e.g. the provider's mesh_domain
            // changed): nothing to write to Registry.
            let mut kept = planned.clone();
            kept.etag = Maybe::Known(etag.clone());
            return Ok(to_value(&kept)?);
        }
        check(ctx, data, &input).await?;
        let registry = data.clients.registry()?;
        let result = ctx
            .run(registry.update_function(
                &input.app,
                &input.account_id,
                &input.function_name,
                &spec,
                etag,
            ))
            .await?;
        data.reads.forget_functions(&input.app);
        let written = match result {
            Ok(written) => written,
            Err(e) if e.is_conflict() => updated_by_lost_attempt(
                &format!("Registry function {}", input.id()),
                etag,
                current(ctx, data, &input).await?,
                |now| spec_matches(now, &spec),
            )?,
            Err(e) => {
                return Err(registry_error(
                    &format!("Cannot update function {}", input.id()),
                    &e,
                ))
            }
        };
        Ok(to_value(&state(&data.settings, &input, &written)?)?)
    }

    async fn delete(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: DeleteRequest,
    ) -> Result<(), Diagnostics> {
        let prior: LambdaFunctionModel = from_value(&req.prior)?;
        let input = Input::required(&prior)?;
        let etag = required!(prior.etag)?;
        let registry = data.clients.registry()?;
        let result = ctx
            .run(registry.delete_function(
                &input.app,
                &input.account_id,
                &input.function_name,
                etag,
            ))
            .await?;
        data.reads.forget_functions(&input.app);
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.is_conflict() || e.is_not_found() => deleted_or_changed(
                &format!("Registry function {}", input.id()),
                etag,
                current(ctx, data, &input).await?.as_ref(),
            ),
            Err(e) => Err(registry_error(
                &format!("Cannot delete function {}", input.id()),
                &e,
            )),
        }
    }

    async fn import(&self, _ctx: &Context, data: &S2sData, id: &str) -> Result<Value, Diagnostics> {
        let form = "<app>/<account_id>/<function_name>[/<region>]";
        let example = "payments/111122223333/payments-api";
        let with_region = id.split('/').count() == 4;
        let p = split_import_id(id, form, example, if with_region { 4 } else { 3 }, false)?;
        s2s_core::validate_app(p[0]).map_err(|e| bad_import_piece(id, e))?;
        validation::check_account_id(p[1]).map_err(|e| bad_import_piece(id, e))?;
        validation::check_function_name(p[2]).map_err(|e| bad_import_piece(id, e))?;
        let region = p.get(3).copied();
        if let Some(r) = region {
            validation::check_region(r).map_err(|e| bad_import_piece(id, e))?;
        }
        let provider_region = data.settings.aws.as_ref().and_then(|a| a.region.as_deref());
        if region.is_none() && provider_region.is_none() {
            return Err(Diagnostics::error(
                "Cannot import without an AWS Region",
                format!(
                    "The state of an s2s_lambda_function holds its certificate-read policy, which names the Region of the certificate secret, and the provider has no `aws.region` (or S2S_AWS_REGION) to take it from. Give the function's `region` as the last part of the import ID, `{}/{}/{}/<region>` (e.g. .../eu-west-1), as in its configuration; or set the provider's aws.region.",
                    p[0], p[1], p[2]
                ),
            ));
        }
        Ok(to_value(&LambdaFunctionModel {
            app: Maybe::Known(p[0].to_owned()),
            account_id: Maybe::Known(p[1].to_owned()),
            function_name: Maybe::Known(p[2].to_owned()),
            region: region.map(str::to_owned).into(),
            ..LambdaFunctionModel::default()
        })?)
    }
}

/// The configured attributes.
#[derive(Debug, Clone)]
struct Input {
    app: String,
    environment: String,
    account_id: String,
    function_name: String,
    role_name: String,
    region: Option<String>,
}

impl Input {
    /// `None` while any configured attribute is unknown (checks wait for apply).
    fn known(m: &LambdaFunctionModel) -> Option<Input> {
        if m.region.is_unknown() {
            return None;
        }
        Some(Input {
            app: m.app.known()?.clone(),
            environment: m.environment.known()?.clone(),
            account_id: m.account_id.known()?.clone(),
            function_name: m.function_name.known()?.clone(),
            role_name: m.role_name.known()?.clone(),
            region: m.region.known().cloned(),
        })
    }

    fn required(m: &LambdaFunctionModel) -> Result<Input, Diagnostics> {
        Input::known(m).ok_or_else(|| {
            Diagnostics::error(
                "Unknown values at apply",
                "The function's attributes must be known when it is applied. This is a provider bug.",
            )
        })
    }

    fn from_function(f: &Function) -> Input {
        Input {
            app: f.app.clone(),
            environment: f.environment.as_str().to_owned(),
            account_id: f.account_id.clone(),
            function_name: f.function_name.clone(),
            role_name: f.role_name.clone(),
            region: None,
        }
    }

    fn id(&self) -> String {
        format!("{}/{}/{}", self.app, self.account_id, self.function_name)
    }

    fn environment(&self) -> Result<Environment, Diagnostics> {
        self.environment.parse().map_err(|_| {
            Diagnostics::attribute_error(
                attr_path!(LambdaFunctionModel.environment),
                "Invalid environment",
                validation::check_environment(&self.environment)
                    .err()
                    .unwrap_or_default(),
            )
        })
    }

    fn spec(&self) -> Result<FunctionSpec, Diagnostics> {
        Ok(FunctionSpec {
            environment: self.environment()?,
            role_name: self.role_name.clone(),
        })
    }
}

/// The computed values, all known at plan time.
struct Derived {
    mesh_hostname: String,
    spiffe_id: String,
    certificate_secret_name: String,
    environment_variables: BTreeMap<String, String>,
    policy_json: String,
}

impl Derived {
    fn write_into(self, m: &mut LambdaFunctionModel) {
        m.mesh_hostname = Maybe::Known(self.mesh_hostname);
        m.spiffe_id = Maybe::Known(self.spiffe_id);
        m.certificate_secret_name = Maybe::Known(self.certificate_secret_name);
        m.environment_variables = Maybe::Known(self.environment_variables);
        m.certificate_read_policy_json = Maybe::Known(self.policy_json);
    }
}

fn setting_missing(attr: &str, var: &str, why: &str) -> Diagnostics {
    Diagnostics::error(
        format!("The provider has no {attr}"),
        format!("s2s_lambda_function needs the provider's `{attr}` ({why}): set it in the provider block or {var}."),
    )
}

/// Mesh hostname, SPIFFE ID, certificate secret, environment variables and
/// the certificate-read policy, from the inputs and the provider settings.
fn derive(settings: &Settings, input: &Input) -> Result<Derived, Diagnostics> {
    let trust_domain = settings
        .trust_domain
        .as_deref()
        .ok_or_else(|| setting_missing("trust_domain", "S2S_TRUST_DOMAIN", "for the SPIFFE ID"))?;
    let mesh_domain = settings.mesh_domain.as_deref().ok_or_else(|| {
        setting_missing("mesh_domain", "S2S_MESH_DOMAIN", "for the mesh hostname")
    })?;
    let region = input
        .region
        .clone()
        .or_else(|| settings.aws.as_ref().and_then(|a| a.region.clone()))
        .ok_or_else(|| {
            Diagnostics::attribute_error(
                attr_path!(LambdaFunctionModel.region),
                "No AWS Region",
                "The certificate-read policy names the Region of the certificate secret: set `region` here, or `aws { region = ... }` in the provider block (or S2S_AWS_REGION).",
            )
        })?;
    let env: s2s_core::Environment =
        input
            .environment
            .parse()
            .map_err(|e: s2s_core::NameError| {
                Diagnostics::attribute_error(
                    attr_path!(LambdaFunctionModel.environment),
                    "Invalid environment",
                    e.to_string(),
                )
            })?;
    let invalid = |e: s2s_core::NameError| Diagnostics::error("Invalid name", e.to_string());
    let mesh_hostname = s2s_core::mesh_hostname(env, &input.app, mesh_domain).map_err(invalid)?;
    let spiffe_id = s2s_core::spiffe_id(trust_domain, &input.app).map_err(invalid)?;
    let certificate_secret_name = s2s_core::certificate_secret_name(&input.app).map_err(invalid)?;
    let environment_variables = BTreeMap::from([
        ("S2S_APP".to_owned(), input.app.clone()),
        ("S2S_ENVIRONMENT".to_owned(), input.environment.clone()),
        ("S2S_TRUST_DOMAIN".to_owned(), trust_domain.to_owned()),
        ("S2S_SPIFFE_ID".to_owned(), spiffe_id.clone()),
        (
            "S2S_CERTIFICATE_SECRET".to_owned(),
            certificate_secret_name.clone(),
        ),
        ("S2S_MESH_DOMAIN".to_owned(), mesh_domain.to_owned()),
        ("S2S_MESH_HOSTNAME".to_owned(), mesh_hostname.clone()),
    ]);
    let params = BTreeMap::from([
        ("account_id".to_owned(), input.account_id.clone()),
        ("region".to_owned(), region),
        ("app".to_owned(), input.app.clone()),
    ]);
    let policy_error = |e: String| {
        Diagnostics::error(
            "Cannot render the certificate-read policy",
            format!("{POLICY_TEMPLATE}: {e}"),
        )
    };
    let rendered = policy::Bundle::embedded_shared()
        .map_err(|e| policy_error(e.to_string()))?
        .render(POLICY_TEMPLATE, &params)
        .map_err(|e| policy_error(e.to_string()))?;
    Ok(Derived {
        mesh_hostname,
        spiffe_id,
        certificate_secret_name,
        environment_variables,
        policy_json: policy::minify(&rendered),
    })
}

/// The state of a registered function.
fn state(
    settings: &Settings,
    input: &Input,
    f: &Function,
) -> Result<LambdaFunctionModel, Diagnostics> {
    let mut m = LambdaFunctionModel {
        id: Maybe::Known(f.id.clone()),
        app: Maybe::Known(f.app.clone()),
        environment: Maybe::Known(f.environment.as_str().to_owned()),
        account_id: Maybe::Known(f.account_id.clone()),
        function_name: Maybe::Known(f.function_name.clone()),
        role_name: Maybe::Known(f.role_name.clone()),
        region: input.region.clone().into(),
        etag: Maybe::Known(f.etag.clone()),
        ..LambdaFunctionModel::default()
    };
    let mut input = input.clone();
    input.environment = f.environment.as_str().to_owned();
    derive(settings, &input)?.write_into(&mut m);
    Ok(m)
}

/// Whether a registered function is as `spec` asks.
fn spec_matches(f: &Function, spec: &FunctionSpec) -> bool {
    f.role_name == spec.role_name && f.environment == spec.environment
}

/// The function as Registry has it now, read past the shared cache.
async fn current(
    ctx: &Context,
    data: &S2sData,
    input: &Input,
) -> Result<Option<Function>, Diagnostics> {
    let list = ctx
        .run(data.reads.fresh_functions(&data.clients, &input.app))
        .await??;
    let id = input.id();
    Ok(list.and_then(|l| l.iter().find(|f| f.id == id).cloned()))
}

/// What the checks need of a function: the app, the account and its
/// environment.
#[derive(Debug, Clone)]
struct Target {
    app: String,
    environment: String,
    account_id: String,
}

impl Target {
    fn known(m: &LambdaFunctionModel) -> Option<Target> {
        Some(Target {
            app: m.app.known()?.clone(),
            environment: m.environment.known()?.clone(),
            account_id: m.account_id.known()?.clone(),
        })
    }

    fn of(input: &Input) -> Target {
        Target {
            app: input.app.clone(),
            environment: input.environment.clone(),
            account_id: input.account_id.clone(),
        }
    }
}

/// What apply refuses (plan refuses it earlier, against the planned app):
/// an app that is not registered or has certificate generation off, an
/// account the app has not registered, an environment that differs from the
/// account's, and (with AWS settings) an account other than the caller's.
async fn check(ctx: &Context, data: &S2sData, input: &Input) -> Result<(), Diagnostics> {
    let target = Target::of(input);
    let app = ctx.run(data.reads.app(&data.clients, &input.app)).await??;
    check_app(&target, &AppView::of(None, app.as_deref()), true)?;
    check_account(ctx, data, &target).await
}

/// The function against the app it is checked against. `changed`: the
/// function itself is new or changes (else the app's plan changes under it).
fn check_app(f: &Target, view: &AppView, changed: bool) -> Result<(), Diagnostics> {
    let (accounts, certificate_generation, planned) = match view {
        AppView::NotYetKnown => return Ok(()),
        AppView::Absent => return Err(unknown_app(attr_path!(LambdaFunctionModel.app), &f.app)),
        AppView::Known {
            accounts,
            certificate_generation,
            planned,
        } => (accounts, *certificate_generation, *planned),
    };
    // A function that stays while the app's plan takes something from it.
    let leave = "Remove this s2s_lambda_function in the same change (Terraform destroys it before it updates the app), or keep the app's";
    // Judged against Registry: the app's change may be planned elsewhere.
    let elsewhere = if planned {
        String::new()
    } else {
        " If the app's s2s_registry_app is planned by another provider configuration (alias) of this root module, apply it first: `terraform apply -target=s2s_registry_app.<name>`; this provider configuration cannot see that plan.".to_owned()
    };
    let Some(account) = accounts.iter().find(|a| a.account_id == f.account_id) else {
        if !changed {
            return Err(Diagnostics::attribute_error(
                attr_path!(LambdaFunctionModel.account_id),
                "The app's plan removes this function's account",
                format!(
                    "This plan removes account {} from app {:?}, but this function is registered in it. {leave} account.",
                    f.account_id, f.app
                ),
            ));
        }
        let registered: Vec<String> = accounts
            .iter()
            .map(|a| format!("{} ({})", a.account_id, a.environment.as_str()))
            .collect();
        let whose = if planned { "planned" } else { "registered" };
        return Err(Diagnostics::attribute_error(
            attr_path!(LambdaFunctionModel.account_id),
            "Account not registered for the app",
            format!(
                "App {:?} has not registered account {}; its {whose} accounts are: {}. Add `{{ account_id = \"{}\", environment = \"{}\" }}` to the app's `accounts` in s2s_registry_app (in this change, if the app is in this configuration).{elsewhere}",
                f.app,
                f.account_id,
                if registered.is_empty() { "none".to_owned() } else { registered.join(", ") },
                f.account_id,
                f.environment,
            ),
        ));
    };
    if account.environment.as_str() != f.environment {
        let detail = if changed {
            format!(
                "Account {} is {} for app {:?} as {:?}, not {:?}. Set `environment = \"{}\"`, or change the account's environment in s2s_registry_app.",
                f.account_id,
                if planned { "planned" } else { "registered" },
                f.app,
                account.environment.as_str(),
                f.environment,
                account.environment.as_str()
            )
        } else {
            format!(
                "This plan changes account {} of app {:?} to {:?}, but this function is registered there as {:?}. {leave} environment, or change this function's `environment` too.",
                f.account_id,
                f.app,
                account.environment.as_str(),
                f.environment
            )
        };
        return Err(Diagnostics::attribute_error(
            attr_path!(LambdaFunctionModel.environment),
            "Environment differs from the account's",
            detail,
        ));
    }
    if !certificate_generation {
        let detail = if changed {
            format!(
                "App {:?} has certificate_generation = false, so no certificate would ever be issued for this function and its mTLS calls would fail. Set `certificate_generation = true` on the app's s2s_registry_app (in this change, if the app is in this configuration).{elsewhere}",
                f.app
            )
        } else {
            format!(
                "This plan turns certificate_generation off for app {:?}, but this function relies on it: its certificate would stop being renewed and its mTLS calls would fail within a day. {leave} certificate_generation = true.",
                f.app
            )
        };
        return Err(Diagnostics::attribute_error(
            attr_path!(LambdaFunctionModel.app),
            "Certificate generation is off for the app",
            detail,
        ));
    }
    Ok(())
}

/// With AWS settings: the function must be in the account the credentials belong to.
async fn check_account(ctx: &Context, data: &S2sData, f: &Target) -> Result<(), Diagnostics> {
    let Some(aws) = &data.settings.aws else {
        return Ok(());
    };
    let timeout = std::time::Duration::from_secs(u64::from(data.settings.request_timeout_seconds));
    let caller = ctx.run(data.reads.caller(aws, timeout)).await?.map_err(|e| {
        Diagnostics::error(
            "Cannot tell which AWS account this is",
            format!("{e}. The provider has AWS settings, so it checks that functions are registered in the account the credentials belong to."),
        )
    })?;
    if caller.account_id != f.account_id {
        return Err(Diagnostics::attribute_error(
            attr_path!(LambdaFunctionModel.account_id),
            "Wrong AWS account",
            format!(
                "This run's AWS credentials belong to account {} ({}), but the function is in account {}. Run it with credentials of account {} (e.g. `aws {{ assume_role_arn = ... }}` in a provider configuration for that account, selected with `provider = s2s.<alias>`), or fix account_id.",
                caller.account_id, caller.arn, f.account_id, f.account_id
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{resolve, RawSettings};

    fn settings() -> Settings {
        resolve(
            &RawSettings {
                trust_domain: Some("example.internal".into()),
                mesh_domain: Some("meshproxy.example.internal".into()),
                ..Default::default()
            },
            |_| None,
        )
        .unwrap()
    }

    fn input() -> Input {
        Input {
            app: "payments".into(),
            environment: "staging".into(),
            account_id: "111122223333".into(),
            function_name: "payments-api".into(),
            role_name: "payments-api".into(),
            region: Some("eu-west-1".into()),
        }
    }

    #[test]
    fn derived_values() {
        let d = derive(&settings(), &input()).unwrap();
        assert_eq!(
            d.mesh_hostname,
            "staging.payments.meshproxy.example.internal"
        );
        assert_eq!(d.spiffe_id, "spiffe://example.internal/payments");
        assert_eq!(d.certificate_secret_name, "s2s/payments/tls");
        assert_eq!(d.environment_variables.len(), ENVIRONMENT_VARIABLES.len());
        for (k, _) in ENVIRONMENT_VARIABLES {
            assert!(d.environment_variables.contains_key(*k), "{k}");
        }
        let policy: serde_json::Value = serde_json::from_str(&d.policy_json).unwrap();
        assert_eq!(
            policy["Statement"][0]["Resource"],
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s2s/payments/tls-??????"
        );
    }

    #[test]
    fn region_is_required_somewhere() {
        let mut i = input();
        i.region = None;
        let e = derive(&settings(), &i).err().unwrap();
        assert_eq!(e.0[0].path.as_ref().unwrap().to_string(), "region");
    }
}
