//! `s2s_registry_app` data source: reads an app's AWS presence from Registry.
//! Its attributes are the resource's ([`crate::app_model`]).

use tfplugin::validators::string_rule;
use tfplugin::{
    async_trait, attr_name, attr_path, from_value, required, to_value, Attribute, Block, Context,
    DataSource, Diagnostics, Schema, Value,
};

use crate::app_model::{accounts_attribute, AppModel};
use crate::validation;
use crate::S2sData;

pub(crate) struct RegistryAppDataSource;

#[async_trait]
impl DataSource<S2sData> for RegistryAppDataSource {
    fn type_name(&self) -> &str {
        "s2s_registry_app"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .markdown_description(
                    "Reads an app's AWS presence from Registry: its accounts, whether certificates are issued for it, its SPIFFE ID. Use it where another team's configuration owns the `s2s_registry_app` resource.",
                )
                .attribute(Attribute::string(attr_name!(AppModel.id)).computed().description("The app name."))
                .attribute(
                    Attribute::string(attr_name!(AppModel.app))
                        .required()
                        .validator(string_rule(validation::check_app_name))
                        .description("The application's name in Registry (a DNS label)."),
                )
                .attribute(
                    accounts_attribute()
                        .computed()
                        .markdown_description("The AWS accounts the app runs in, each with its environment."),
                )
                .attribute(
                    Attribute::bool(attr_name!(AppModel.certificate_generation))
                        .computed()
                        .description("Whether short-lived certificates are issued for the app."),
                )
                .attribute(
                    Attribute::string(attr_name!(AppModel.spiffe_id))
                        .computed()
                        .markdown_description("`spiffe://<trust domain>/<app>`."),
                )
                .attribute(
                    Attribute::string(attr_name!(AppModel.etag))
                        .computed()
                        .description("Registry's ETag of the app when read."),
                ),
        )
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        config: Value,
    ) -> Result<Value, Diagnostics> {
        let config: AppModel = from_value(&config)?;
        let app = required!(config.app)?;
        let found = ctx.run(data.reads.app(&data.clients, app)).await??;
        match found {
            Some(a) => Ok(to_value(&AppModel::of(&a))?),
            None => Err(Diagnostics::attribute_error(
                attr_path!(AppModel.app),
                "Unknown app",
                format!("Registry has no app named {app:?}."),
            )),
        }
    }
}
