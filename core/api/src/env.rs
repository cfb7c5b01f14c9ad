//! `${VAR}` expansion in paths written in TOML, shared by the engine (corpus and cache
//! paths) and plugins (a text model's embedding file), so both accept the same syntax.

/// Expand `${VAR}` and `${VAR:-default}` in `s`.
pub fn expand_env(s: &str) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in `{s}`"))?;
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((v, d)) => (v, Some(d)),
            None => (inner, None),
        };
        match (std::env::var(var).ok().filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return Err(format!("environment variable `{var}` is not set (write `${{{var}:-default}}` to give a default)")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
