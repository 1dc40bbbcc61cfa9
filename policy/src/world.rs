//! A model organization to evaluate the bundle in: accounts, OUs with their SCPs/RCPs,
//! the roles with their policies, the secrets with their resource policies.
//! Read from `policies/claims/world.json`.

use crate::bundle::Bundle;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::eval::{
    evaluate, Decision, NamedPolicy, PolicySet, PrincipalKind, Request, RequestPrincipal,
};
use crate::model::Policy;
use crate::{arn, pattern};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
struct Org {
    #[serde(default)]
    scp: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    rcp: BTreeMap<String, Vec<String>>,
}

/// An account of the world.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    /// 12-digit ID.
    pub id: String,
    /// OU path from the root (`["root", "apps"]`); empty when outside the organization.
    #[serde(default)]
    pub ou: Vec<String>,
    /// The app that lives in this account.
    #[serde(default)]
    pub app: Option<String>,
    /// Is this the central (certificate issuer) account?
    #[serde(default)]
    pub central: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct RoleDef {
    path: String,
    accounts: Vec<String>,
    #[serde(default)]
    identity: Vec<String>,
    #[serde(default)]
    boundary: Option<String>,
    #[serde(default)]
    trust: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    /// A role that does not exist until a principal creates it: its creator
    /// writes its trust policy (`trust` names the worst case). Reached only
    /// through chains (`crate::chains`), never a starting principal.
    #[serde(default)]
    minted: bool,
}

/// A Lambda function of the world: code that runs as `role`.
#[derive(Debug, Clone, Deserialize)]
pub struct FunctionDef {
    /// Function name (template parameters allowed, e.g. `${app}-api`).
    pub name: String,
    /// The world role it runs as.
    pub role: String,
    /// Accounts it exists in.
    pub accounts: Vec<String>,
    /// Its tags (seen as `aws:ResourceTag/<key>` by Lambda's API).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Runs only code signed by the release profile (Lambda code signing, enforced).
    #[serde(default)]
    pub code_signing: bool,
}

/// One function of the world in one account.
#[derive(Debug, Clone)]
pub struct WorldFunction {
    /// Its ARN.
    pub arn: String,
    /// The world role key it runs as.
    pub role: String,
    /// The account key.
    pub account: String,
    /// Its tags, filled in.
    pub tags: BTreeMap<String, String>,
    /// Code signing enforced.
    pub code_signing: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct SecretDef {
    name: String,
    policy: String,
}

/// A resource other than a secret that carries a resource policy in the world.
#[derive(Debug, Clone, Deserialize)]
struct ResourceDef {
    /// ARN pattern (`ArnLike` rules: per segment).
    arn: String,
    /// A policy of the world's `policies` (or of the bundle).
    policy: String,
}

#[derive(Debug, Clone, Deserialize)]
struct WorldFile {
    org_id: String,
    region: String,
    organization: Org,
    accounts: BTreeMap<String, Account>,
    roles: BTreeMap<String, RoleDef>,
    secrets: Vec<SecretDef>,
    /// Values of organization-wide template parameters the accounts do not give
    /// (`ci_account_id`).
    #[serde(default)]
    params: BTreeMap<String, String>,
    /// Policies of the model organization that are not the bundle's (what AWS stores for
    /// a layer shared with `AddLayerVersionPermission`, for example), as policy JSON.
    #[serde(default)]
    policies: BTreeMap<String, serde_json::Value>,
    /// Resources other than secrets with a resource policy, first match wins.
    #[serde(default)]
    resources: Vec<ResourceDef>,
    /// Lambda functions, for the chains through a function's code.
    #[serde(default)]
    functions: Vec<FunctionDef>,
    /// The trust policy a principal writes into a role it creates or whose trust it may
    /// change (the worst case: anyone).
    #[serde(default)]
    rewritten_trust: Option<String>,
}

/// A principal of the world that can make requests.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `role@account`, `other@account`, `root@account` or `service:<name>`.
    pub name: String,
    /// The request principal.
    pub principal: RequestPrincipal,
    /// Account key in the world (None for services).
    pub account: Option<String>,
    /// Identity policy names (templates or `aws/...` built-ins).
    pub identity: Vec<String>,
    /// Boundary policy name.
    pub boundary: Option<String>,
    /// Principal tags.
    pub tags: BTreeMap<String, String>,
    /// Synthetic principals stand for "anyone else" and may carry any tags.
    pub synthetic: bool,
    /// A role that exists only once someone creates it (reached only through chains).
    pub minted: bool,
    /// World role key (`syncer`), for roles.
    pub role: Option<String>,
}

impl Actor {
    /// A principal that stands for "anyone else" of its kind: no boundary, no
    /// tags of its own (it may carry any), never minted, no world role.
    fn synthetic(
        name: String,
        principal: RequestPrincipal,
        account: Option<String>,
        identity: Vec<String>,
    ) -> Actor {
        Actor {
            name,
            principal,
            account,
            identity,
            boundary: None,
            tags: BTreeMap::new(),
            synthetic: true,
            minted: false,
            role: None,
        }
    }
}

const BUILTINS: &[(&str, &str)] = &[
    (
        "aws/FullAWSAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "aws/RCPFullAWSAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"RCPFullAWSAccess","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "aws/AdministratorAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"AdministratorAccess","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
];

/// The loaded world with every template rendered for every account it fits.
#[derive(Debug, Clone)]
pub struct World {
    file: WorldFile,
    /// (policy name, account key) -> policy; built-ins under account key "".
    policies: BTreeMap<(String, String), NamedPolicy>,
}

impl World {
    /// Reads a world file and renders the bundle into it.
    pub fn load(path: &Path, bundle: &Bundle) -> Result<World> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_str(&text, bundle)
    }

    /// Parses world JSON and renders the bundle into it.
    pub fn from_str(text: &str, bundle: &Bundle) -> Result<World> {
        let file: WorldFile = serde_json::from_str(text).map_err(|source| Error::Json {
            origin: "world".into(),
            source,
        })?;
        let mut w = World {
            file,
            policies: BTreeMap::new(),
        };
        for (name, doc) in BUILTINS {
            let p = Policy::parse(doc)?;
            w.policies
                .insert((name.to_string(), String::new()), NamedPolicy::new(name, p));
        }
        for (name, doc) in &w.file.policies {
            if bundle.templates.contains_key(name) || BUILTINS.iter().any(|(b, _)| b == name) {
                return Err(Error::Bundle(format!(
                    "world policy {name} has the name of a bundle or built-in policy"
                )));
            }
            let p = Policy::parse(&doc.to_string())?;
            w.policies
                .insert((name.clone(), String::new()), NamedPolicy::new(name, p));
        }
        let keys: Vec<String> = w.file.accounts.keys().cloned().collect();
        for key in keys {
            let params = w.params(&key);
            for t in bundle.templates.values() {
                if t.params.iter().all(|p| params.contains_key(p)) {
                    let p = bundle.policy(&t.name, &params)?;
                    w.policies
                        .insert((t.name.clone(), key.clone()), NamedPolicy::new(&t.name, p));
                }
            }
        }
        Ok(w)
    }

    /// Accounts by key.
    pub fn accounts(&self) -> &BTreeMap<String, Account> {
        &self.file.accounts
    }

    /// The region the world lives in.
    pub fn region(&self) -> &str {
        &self.file.region
    }

    /// Template parameters for an account.
    pub fn params(&self, key: &str) -> BTreeMap<String, String> {
        let mut m = self.file.params.clone();
        m.insert("org_id".to_string(), self.file.org_id.clone());
        m.insert("region".to_string(), self.file.region.clone());
        if let Some(c) = self.file.accounts.values().find(|a| a.central) {
            m.insert("central_account_id".to_string(), c.id.clone());
        }
        if let Some(a) = self.file.accounts.get(key) {
            m.insert("account_id".to_string(), a.id.clone());
            if let Some(app) = &a.app {
                m.insert("app".to_string(), app.clone());
            }
        }
        m
    }

    /// Replaces `{account}` with the account's ID and `{region}` with the region.
    pub fn expand(&self, s: &str) -> String {
        let mut out = s.replace("{region}", &self.file.region);
        for (k, a) in &self.file.accounts {
            out = out.replace(&format!("{{{k}}}"), &a.id);
        }
        out
    }

    fn account_key_of(&self, id: &str) -> Option<&str> {
        self.file
            .accounts
            .iter()
            .find(|(_, a)| a.id == id)
            .map(|(k, _)| k.as_str())
    }

    /// Fills template parameters of the account into a short string (role paths, tags).
    fn fill(&self, s: &str, key: &str) -> Result<String> {
        let quoted = serde_json::Value::String(s.to_string()).to_string();
        let out = crate::render::render(&quoted, &self.params(key))?;
        serde_json::from_str(&out).map_err(|source| Error::Json {
            origin: "world".into(),
            source,
        })
    }

    fn role_arn(&self, def: &RoleDef, key: &str) -> Result<String> {
        let id = &self.file.accounts[key].id;
        Ok(format!(
            "arn:aws:iam::{id}:role/{}",
            self.fill(&def.path, key)?
        ))
    }

    /// Every principal the world knows, plus for each account "any other role" and the root
    /// user, plus the Lambda service principal.
    pub fn actors(&self) -> Result<Vec<Actor>> {
        let mut out = Vec::new();
        for (rname, def) in &self.file.roles {
            for key in &def.accounts {
                if !self.file.accounts.contains_key(key) {
                    return Err(Error::Bundle(format!(
                        "role {rname}: unknown account {key}"
                    )));
                }
                out.push(Actor {
                    name: format!("{rname}@{key}"),
                    principal: RequestPrincipal::role(&self.role_arn(def, key)?),
                    account: Some(key.clone()),
                    identity: def.identity.clone(),
                    boundary: def.boundary.clone(),
                    tags: def
                        .tags
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), self.fill(v, key)?)))
                        .collect::<Result<_>>()?,
                    synthetic: false,
                    minted: def.minted,
                    role: Some(rname.clone()),
                });
            }
        }
        for (key, a) in &self.file.accounts {
            out.push(Actor::synthetic(
                format!("other@{key}"),
                RequestPrincipal::role(&format!("arn:aws:iam::{}:role/any-other-role", a.id)),
                Some(key.clone()),
                vec!["aws/AdministratorAccess".into()],
            ));
            out.push(Actor::synthetic(
                format!("root@{key}"),
                RequestPrincipal::root(&a.id),
                Some(key.clone()),
                vec![],
            ));
        }
        for svc in ["lambda.amazonaws.com", "ec2.amazonaws.com"] {
            out.push(Actor::synthetic(
                format!("service:{svc}"),
                RequestPrincipal::service(svc),
                None,
                vec![],
            ));
        }
        Ok(out)
    }

    /// An actor by name.
    pub fn actor(&self, name: &str) -> Result<Actor> {
        self.actors()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::Bundle(format!("unknown principal {name:?} (try role@account, other@account, root@account, service:NAME)")))
    }

    fn named(&self, name: &str, key: &str) -> Result<NamedPolicy> {
        self.policies
            .get(&(name.to_string(), key.to_string()))
            .or_else(|| self.policies.get(&(name.to_string(), String::new())))
            .cloned()
            .ok_or_else(|| {
                Error::Bundle(format!(
                    "policy {name} cannot be rendered for account {key}"
                ))
            })
    }

    fn levels(&self, key: &str, rcp: bool) -> Result<Vec<(String, Vec<NamedPolicy>)>> {
        let a = &self.file.accounts[key];
        let (map, default) = if rcp {
            (&self.file.organization.rcp, "aws/RCPFullAWSAccess")
        } else {
            (&self.file.organization.scp, "aws/FullAWSAccess")
        };
        let mut out = Vec::new();
        for level in a.ou.iter().chain(std::iter::once(&key.to_string())) {
            let names = map
                .get(level)
                .cloned()
                .unwrap_or_else(|| vec![default.to_string()]);
            let ps = names
                .iter()
                .map(|n| self.named(n, key))
                .collect::<Result<Vec<_>>>()?;
            out.push((level.clone(), ps));
        }
        Ok(out)
    }

    /// Builds the request an actor would make, with the context AWS adds.
    pub fn request(&self, actor: &Actor, action: &str, resource: &str, ctx: &Context) -> Request {
        let mut context = ctx.clone();
        let in_org = |id: &str| {
            self.account_key_of(id)
                .is_some_and(|k| !self.file.accounts[k].ou.is_empty())
        };
        if actor.principal.kind != PrincipalKind::Service && in_org(&actor.principal.account) {
            context.set_default("aws:PrincipalOrgID", &self.file.org_id);
        }
        for (k, v) in &actor.tags {
            context.set_default(&format!("aws:PrincipalTag/{k}"), v);
        }
        let req = Request {
            principal: actor.principal.clone(),
            action: action.to_string(),
            resource: resource.to_string(),
            resource_account: None,
            context,
        };
        let racct = req.resource_account();
        let mut req = req;
        // CreateSecret always sends the new secret's name; the ARN carries it
        // with Secrets Manager's 7-character suffix.
        if action.eq_ignore_ascii_case("secretsmanager:CreateSecret") {
            let parts = arn::split(resource);
            if let Some(name) = parts.get(5).and_then(|r| r.strip_prefix("secret:")) {
                let bare = name
                    .len()
                    .checked_sub(7)
                    .filter(|&i| name.is_char_boundary(i) && name[i..].starts_with('-'))
                    .map_or(name, |i| &name[..i]);
                req.context.set_default("secretsmanager:Name", bare);
            }
        }
        if in_org(&racct) {
            req.context
                .set_default("aws:ResourceOrgID", &self.file.org_id);
        }
        req
    }

    /// The policies that bear on an actor's request.
    pub fn policy_set(&self, actor: &Actor, req: &Request) -> Result<PolicySet> {
        self.policy_set_with_trust(actor, req, None)
    }

    /// Is this role (world key) one that its creator's trust policy governs?
    pub fn is_minted(&self, role: &str) -> bool {
        self.file.roles.get(role).is_some_and(|r| r.minted)
    }

    /// The functions of the world, with names and tags filled in per account.
    pub fn functions(&self) -> Result<Vec<WorldFunction>> {
        let mut out = Vec::new();
        for f in &self.file.functions {
            for key in &f.accounts {
                let Some(a) = self.file.accounts.get(key) else {
                    return Err(Error::Bundle(format!(
                        "function {}: unknown account {key}",
                        f.name
                    )));
                };
                let arn = format!(
                    "arn:aws:lambda:{}:{}:function:{}",
                    self.file.region,
                    a.id,
                    self.fill(&f.name, key)?
                );
                let tags = f
                    .tags
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.fill(v, key)?)))
                    .collect::<Result<_>>()?;
                out.push(WorldFunction {
                    arn,
                    role: f.role.clone(),
                    account: key.clone(),
                    tags,
                    code_signing: f.code_signing,
                });
            }
        }
        Ok(out)
    }

    /// The name of the trust policy a creator writes (see `rewritten_trust` in world.json).
    pub fn rewritten_trust(&self) -> Option<&str> {
        self.file.rewritten_trust.as_deref()
    }

    /// Like [`World::policy_set`], with a role's trust policy replaced by the
    /// named one (a trust its caller may rewrite).
    pub fn policy_set_with_trust(
        &self,
        actor: &Actor,
        req: &Request,
        trust: Option<&str>,
    ) -> Result<PolicySet> {
        let mut set = PolicySet::default();
        if let Some(key) = &actor.account {
            if !self.file.accounts[key].ou.is_empty() {
                set.scp = self.levels(key, false)?;
            }
            set.identity = actor
                .identity
                .iter()
                .map(|n| self.named(n, key))
                .collect::<Result<_>>()?;
            set.boundary = actor
                .boundary
                .as_ref()
                .map(|n| self.named(n, key))
                .transpose()?;
        }
        let racct = req.resource_account();
        if let Some(rkey) = self.account_key_of(&racct).map(str::to_string) {
            let svc = req
                .action
                .split(':')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if !self.file.accounts[&rkey].ou.is_empty()
                && crate::lint::RCP_SERVICES.contains(&svc.as_str())
            {
                set.rcp = self.levels(&rkey, true)?;
            }
            let parts = arn::split(&req.resource);
            if parts.len() == 6 && parts[2] == "secretsmanager" {
                if let Some(name) = parts[5].strip_prefix("secret:") {
                    if let Some(s) = self
                        .file
                        .secrets
                        .iter()
                        .find(|s| pattern::glob(&s.name, name, false))
                    {
                        set.resource = Some(self.named(&s.policy, &rkey)?);
                    }
                }
            }
            if set.resource.is_none() && !(parts.len() == 6 && parts[2] == "iam") {
                if let Some(r) = self
                    .file
                    .resources
                    .iter()
                    .find(|r| arn::like(&r.arn, &req.resource))
                {
                    set.resource = Some(self.named(&r.policy, &rkey)?);
                }
            }
            if parts.len() == 6
                && parts[2] == "iam"
                && req.action.to_ascii_lowercase().starts_with("sts:")
            {
                set.resource_is_trust = true;
                for def in self.file.roles.values() {
                    if def.accounts.contains(&rkey) && self.role_arn(def, &rkey)? == req.resource {
                        set.resource = trust
                            .or(def.trust.as_deref())
                            .map(|t| self.named(t, &rkey))
                            .transpose()?;
                    }
                }
            }
        }
        Ok(set)
    }

    /// Decides one request of an actor.
    pub fn decide(
        &self,
        actor: &Actor,
        action: &str,
        resource: &str,
        ctx: &Context,
    ) -> Result<(Request, Decision)> {
        let req = self.request(actor, action, resource, ctx);
        let set = self.policy_set(actor, &req)?;
        let d = evaluate(&req, &set);
        Ok((req, d))
    }
}
