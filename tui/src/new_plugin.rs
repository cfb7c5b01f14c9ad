//! `serlab new-plugin NAME --kind model|extractor|fusion`: writes a plugin crate that builds
//! and loads at once.
//!
//! The crate depends on serlab-api by path, and the path is the one this `serlab` binary
//! was built from (embedded at compile time): a plugin must be compiled against the very
//! source the host hashed into its handshake, so pointing it anywhere else (crates.io, a
//! different checkout) would only produce a plugin this `serlab` refuses. The written code
//! keeps the maths in one module apart from the boilerplate, and its test runs the
//! conformance suite that `serlab check-plugin` runs.

use serlab_engine::{Error, Result};
use std::path::{Path, PathBuf};

/// The serlab-api this binary was built against.
const API_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/api");

/// What the new plugin provides.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A model (a nearest-centroid classifier).
    Model,
    /// A feature extractor (RMS and zero-crossing statistics).
    Extractor,
    /// A fusion (the mean of the members).
    Fusion,
}

/// Arguments of `serlab new-plugin`.
#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The plugin's name (also its component's name and, with `_` for `-`, its crate's).
    pub name: String,
    /// What the plugin provides.
    #[arg(long, value_enum, default_value = "model")]
    pub kind: Kind,
    /// The folder to create the crate in (default: `./NAME`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Build against this serlab-api instead of the one this binary was built from (a
    /// plugin built so is refused by this binary unless that copy's tokens are the same).
    #[arg(long, hide = true)]
    pub api: Option<PathBuf>,
}

/// The serlab-api this binary was built from, as an absolute path.
pub fn api_dir() -> PathBuf {
    let p = PathBuf::from(API_DIR);
    p.canonicalize().unwrap_or(p)
}

fn valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Write the crate; returns its folder.
pub fn write(args: &NewArgs) -> Result<PathBuf> {
    if !valid_name(&args.name) {
        return Err(Error::invalid(format!(
            "plugin name `{}`: use lower-case letters, digits, `-` and `_`, starting with a letter",
            args.name
        )));
    }
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.join("Cargo.toml").exists() {
        return Err(Error::invalid(format!(
            "{} already holds a crate; choose another --dir",
            dir.display()
        )));
    }
    let api = args.api.clone().unwrap_or_else(api_dir);
    let api = api.canonicalize().map_err(|e| Error::io(&api, e))?;
    let conformance = api.parent().unwrap_or(&api).join("conformance");
    let rustc = serlab_engine::plugin::RUSTC_VERSION.trim_end_matches('\0');
    let fill = |t: &str| {
        t.replace("{{crate}}", &args.name.replace('-', "_"))
            .replace("{{name}}", &args.name)
            .replace("{{rustc}}", rustc)
            .replace("{{api}}", &toml_path(&api))
            .replace("{{conformance}}", &toml_path(&conformance))
    };
    let lib = match args.kind {
        Kind::Model => include_str!("../templates/model.rs.tmpl"),
        Kind::Extractor => include_str!("../templates/extractor.rs.tmpl"),
        Kind::Fusion => include_str!("../templates/fusion.rs.tmpl"),
    };
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| Error::io(&src, e))?;
    write_file(
        &dir.join("Cargo.toml"),
        &fill(include_str!("../templates/Cargo.toml.tmpl")),
    )?;
    write_file(&src.join("lib.rs"), &fill(lib))?;
    write_file(&dir.join(".gitignore"), "/target\n")?;
    Ok(dir)
}

/// A path as a TOML basic string's content (backslashes doubled, for Windows paths).
fn toml_path(p: &Path) -> String {
    p.display().to_string().replace('\\', "\\\\")
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// Write the crate and say what to do next.
pub fn execute(args: &NewArgs) -> Result<()> {
    let dir = write(args)?;
    println!("wrote {}", dir.display());
    println!("next:");
    println!("  cd {} && cargo build && cargo test", dir.display());
    println!(
        "  serlab check-plugin {}/target/debug/{}{}{}",
        dir.display(),
        std::env::consts::DLL_PREFIX,
        args.name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    );
    println!(
        "  then in an experiment: [experiment] plugin_paths = [\"{}/target/debug\"]",
        dir.display()
    );
    Ok(())
}
