//! `s2s_sync_schedule`: when an app's secrets syncer runs.

use tfplugin::{
    async_trait, Attribute, Block, Context, DataSource, Diagnostics, Number, Schema, Type, Value,
};

use crate::validation;
use crate::S2sData;

pub struct SyncScheduleDataSource;

#[async_trait]
impl DataSource<S2sData> for SyncScheduleDataSource {
    fn type_name(&self) -> &str {
        "s2s_sync_schedule"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .markdown_description(
                    "When an app's secrets syncer runs: every 15 minutes at a minute offset derived from the app name (`parseint(substr(sha256(app), 0, 4), 16) % 15`), so the syncers of many accounts never call Keywhiz at the same moment.",
                )
                .attribute(
                    Attribute::string("app")
                        .required()
                        .description("The application's name in Registry (a DNS label).")
                        .validator(validation::app_name),
                )
                .attribute(
                    Attribute::number("offset")
                        .computed()
                        .description("Minute offset within each quarter hour, 0-14."),
                )
                .attribute(
                    Attribute::string("schedule_expression")
                        .computed()
                        .description("EventBridge schedule expression: cron(<offset>/15 * * * ? *)."),
                )
                .attribute(
                    Attribute::new("minutes", Type::list(Type::Number))
                        .computed()
                        .description("The four minutes of each hour at which the syncer runs."),
                ),
        )
    }

    async fn read(
        &self,
        _ctx: &Context,
        _data: &S2sData,
        mut config: Value,
    ) -> Result<Value, Diagnostics> {
        let app = config.attr("app").as_str().unwrap_or_default().to_owned();
        let minutes = s2s_core::sync_minutes(&app)
            .iter()
            .map(|m| Value::from(Number::from(u32::from(*m))))
            .collect();
        config.set_attr(
            "offset",
            Number::from(u32::from(s2s_core::sync_offset(&app))).into(),
        );
        config.set_attr("schedule_expression", s2s_core::sync_schedule(&app).into());
        config.set_attr("minutes", Value::List(minutes));
        Ok(config)
    }
}
