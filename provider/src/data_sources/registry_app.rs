//! `s2s_registry_app` data source: reads an app's AWS presence from Registry.

use tfplugin::{
    async_trait, Attribute, AttributePath, Block, Context, DataSource, Diagnostics, Schema, Value,
};

use crate::resources::{accounts_attribute, app_state};
use crate::validation;
use crate::S2sData;

pub struct RegistryAppDataSource;

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
                .attribute(Attribute::string("id").computed().description("The app name."))
                .attribute(
                    Attribute::string("app")
                        .required()
                        .validator(validation::app_name)
                        .description("The application's name in Registry (a DNS label)."),
                )
                .attribute(
                    accounts_attribute()
                        .computed()
                        .markdown_description("The AWS accounts the app runs in, each with its environment."),
                )
                .attribute(
                    Attribute::bool("certificate_generation")
                        .computed()
                        .description("Whether short-lived certificates are issued for the app."),
                )
                .attribute(
                    Attribute::string("spiffe_id")
                        .computed()
                        .markdown_description("`spiffe://<trust domain>/<app>`."),
                )
                .attribute(
                    Attribute::string("etag")
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
        let app = config.attr("app").as_str().unwrap_or_default().to_owned();
        let found = ctx.run(data.reads.app(&data.clients, &app)).await??;
        match found {
            Some(a) => Ok(app_state(&a)),
            None => Err(Diagnostics::attribute_error(
                AttributePath::attr("app"),
                "Unknown app",
                format!("Registry has no app named {app:?}."),
            )),
        }
    }
}
