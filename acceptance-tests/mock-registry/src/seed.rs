//! Seed file (`--seed`):
//!
//! ```json
//! {"apps": [{"name": "payments",
//!            "accounts": [{"account_id": "111111111111", "environment": "staging"}],
//!            "certificate_generation": true,
//!            "functions": [{"account_id": "111111111111", "function_name": "payments-api",
//!                           "role_name": "payments-api-role"}]}]}
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{normalise_accounts, now, valid_app, Account, App, Function, State};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub apps: Vec<SeedApp>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    pub name: String,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub certificate_generation: bool,
    #[serde(default)]
    pub functions: Vec<SeedFunction>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFunction {
    pub account_id: String,
    pub function_name: String,
    pub role_name: String,
}

/// Apply a seed; rejects what the API would reject.
pub fn apply(state: &mut State, seed: &Seed) -> anyhow::Result<()> {
    let t = now();
    for a in &seed.apps {
        anyhow::ensure!(valid_app(&a.name), "seed: invalid app name {:?}", a.name);
        let accounts = normalise_accounts(&a.accounts)
            .map_err(|e| anyhow::anyhow!("seed app {}: {e}", a.name))?;
        let mut functions = BTreeMap::new();
        for f in &a.functions {
            let env = accounts
                .iter()
                .find(|x| x.account_id == f.account_id)
                .map(|x| x.environment.clone())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "seed function {}: account {} not on app {}",
                        f.function_name,
                        f.account_id,
                        a.name
                    )
                })?;
            let revision = state.bump();
            functions.insert(
                format!("{}/{}", f.account_id, f.function_name),
                Function {
                    account_id: f.account_id.clone(),
                    environment: env,
                    function_name: f.function_name.clone(),
                    role_name: f.role_name.clone(),
                    revision,
                    created_at: t,
                    updated_at: t,
                    updated_by: "seed".into(),
                },
            );
        }
        let revision = state.bump();
        state.apps.insert(
            a.name.clone(),
            App {
                name: a.name.clone(),
                accounts,
                certificate_generation: a.certificate_generation,
                revision,
                created_at: t,
                updated_at: t,
                updated_by: "seed".into(),
                functions,
            },
        );
    }
    Ok(())
}
