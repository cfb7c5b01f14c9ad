//! Component tables (`[features.<id>]`, `[models.<id>]`, `[fusion]`): taking their
//! required keys out with placed messages, and checking a fusion's members against the
//! models, before what is left goes to the plugin as parameters.

use super::messages::unknown_name;
use super::origin::Origin;
use super::{FusionSpec, ModelSpec};
use crate::Result;

/// One fusion table; `named` is the `<id>` of `[fusion.<id>]` (else the `id` key, default
/// `fusion`).
pub(super) fn fusion_spec(
    o: &Origin,
    mut t: toml::Table,
    named: Option<String>,
    models: &[ModelSpec],
) -> Result<FusionSpec> {
    let table = match &named {
        Some(id) => format!("fusion.{id}"),
        None => "fusion".to_string(),
    };
    let at = |key: &str| format!("{table}.{key}");
    let method = take_string(o, &mut t, &table, "method", "fusion")?;
    let id = match (named, t.remove("id")) {
        (Some(id), None) => id,
        (None, None) => "fusion".to_string(),
        (None, Some(toml::Value::String(s))) => s,
        (None, Some(v)) => {
            return Err(o.value_error(
                &at("id"),
                format!("expected a string, found {}", v.type_str()),
            ))
        }
        (Some(_), Some(_)) => {
            return Err(o.key_error(
                &at("id"),
                "the id of [fusion.<id>] is its table name; remove `id`",
            ))
        }
    };
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    let members = match t.remove("members") {
        None => models.iter().map(|m| m.id.clone()).collect(),
        Some(toml::Value::Array(a)) => {
            let mut m: Vec<String> = Vec::new();
            for (i, v) in a.into_iter().enumerate() {
                let key = format!("{table}.members[{i}]");
                let toml::Value::String(x) = v else {
                    return Err(o.value_error(
                        &key,
                        format!("expected a model id (a string), found {}", v.type_str()),
                    ));
                };
                if !ids.contains(&x.as_str()) {
                    return Err(o.value_error(&key, unknown_name("model", &x, &ids)));
                }
                if m.contains(&x) {
                    return Err(o.value_error(&key, format!("model `{x}` is listed twice")));
                }
                m.push(x);
            }
            if m.is_empty() {
                return Err(o.value_error(
                    &at("members"),
                    format!(
                        "a fusion needs at least one member; name model ids ({}) or leave \
                         `members` out to fuse them all",
                        ids.join(", ")
                    ),
                ));
            }
            m
        }
        Some(v) => {
            return Err(o.value_error(
                &at("members"),
                format!("expected a list of model ids, found {}", v.type_str()),
            ))
        }
    };
    if ids.contains(&id.as_str()) {
        return Err(o.value_error(
            &at("id"),
            format!("`{id}` is already a model id; the fused system needs its own id"),
        ));
    }
    Ok(FusionSpec {
        id,
        method,
        members,
        params: t,
    })
}
/// The `[name.<id>]` tables of a section, in file order.
pub(super) fn tables(
    o: &Origin,
    root: &mut toml::Table,
    name: &str,
) -> Result<Vec<(String, toml::Table)>> {
    match root.remove(name) {
        None => Ok(Vec::new()),
        Some(toml::Value::Table(t)) => t
            .into_iter()
            .map(|(id, v)| match v {
                toml::Value::Table(t) => Ok((id, t)),
                v => Err(o.value_error(
                    &format!("{name}.{id}"),
                    format!("expected a table [{name}.{id}], found {}", v.type_str()),
                )),
            })
            .collect(),
        Some(v) => Err(o.value_error(
            name,
            format!("expected tables [{name}.<id>], found {}", v.type_str()),
        )),
    }
}

/// Remove `features` from a model table: one feature set id, or a non-empty list of them
/// (early fusion).
pub(super) fn take_feature_sets(
    o: &Origin,
    t: &mut toml::Table,
    table: &str,
) -> Result<Vec<String>> {
    let key = format!("{table}.features");
    match t.remove("features") {
        Some(toml::Value::String(s)) => Ok(vec![s]),
        Some(toml::Value::Array(a)) if !a.is_empty() => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                toml::Value::String(s) => Ok(s),
                v => Err(o.value_error(
                    &format!("{key}[{i}]"),
                    format!(
                        "expected a feature set id (a string), found {}",
                        v.type_str()
                    ),
                )),
            })
            .collect(),
        Some(toml::Value::Array(_)) => Err(o.value_error(
            &key,
            "expected a feature set id or a non-empty list of them (early fusion)",
        )),
        Some(v) => Err(o.value_error(
            &key,
            format!(
                "expected a feature set id (a string) or a list of them, found {}",
                v.type_str()
            ),
        )),
        None => Err(o.key_error(
            &key,
            "missing required key `features` (the feature set id, or a list of ids)",
        )),
    }
}

/// Remove the string `key` from the component table `table` (dotted), naming `what` it is.
pub(super) fn take_string(
    o: &Origin,
    t: &mut toml::Table,
    table: &str,
    key: &str,
    what: &str,
) -> Result<String> {
    let dotted = format!("{table}.{key}");
    match t.remove(key) {
        Some(toml::Value::String(s)) => Ok(s),
        Some(v) => Err(o.value_error(
            &dotted,
            format!("expected a {what} name (a string), found {}", v.type_str()),
        )),
        None => Err(o.key_error(
            &dotted,
            format!(
                "missing required key `{key}` (the {what}{})",
                list_hint(what)
            ),
        )),
    }
}

fn list_hint(what: &str) -> &'static str {
    if what.contains("feature set") {
        ""
    } else {
        "; `serlab plugins` lists them"
    }
}
