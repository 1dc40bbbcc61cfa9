//! `s2s_sync_schedule`: when an app's secrets syncer runs.

use serde::{Deserialize, Serialize};
use tfplugin::validators::string_rule;
use tfplugin::{
    async_trait, attr_name, from_value, required, to_value, Attribute, Block, Context, DataSource,
    Diagnostics, Maybe, Schema, Type, Value,
};

use crate::validation;
use crate::S2sData;

pub(crate) struct SyncScheduleDataSource;

/// The data source's attributes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SyncScheduleModel {
    app: Maybe<String>,
    offset: Maybe<u8>,
    schedule_expression: Maybe<String>,
    minutes: Maybe<Vec<u8>>,
}

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
                    Attribute::string(attr_name!(SyncScheduleModel.app))
                        .required()
                        .description("The application's name in Registry (a DNS label).")
                        .validator(string_rule(validation::check_app_name)),
                )
                .attribute(
                    Attribute::number(attr_name!(SyncScheduleModel.offset))
                        .computed()
                        .description("Minute offset within each quarter hour, 0-14."),
                )
                .attribute(
                    Attribute::string(attr_name!(SyncScheduleModel.schedule_expression))
                        .computed()
                        .description("EventBridge schedule expression: cron(<offset>/15 * * * ? *)."),
                )
                .attribute(
                    Attribute::new(attr_name!(SyncScheduleModel.minutes), Type::list(Type::Number))
                        .computed()
                        .description("The four minutes of each hour at which the syncer runs."),
                ),
        )
    }

    async fn read(
        &self,
        _ctx: &Context,
        _data: &S2sData,
        config: Value,
    ) -> Result<Value, Diagnostics> {
        let mut model: SyncScheduleModel = from_value(&config)?;
        let app = required!(model.app)?.clone();
        model.offset = Maybe::Known(s2s_core::sync_offset(&app));
        model.schedule_expression = Maybe::Known(s2s_core::sync_schedule(&app));
        model.minutes = Maybe::Known(s2s_core::sync_minutes(&app).to_vec());
        Ok(to_value(&model)?)
    }
}
