//! Lists the web inbox's files (`web/`) for `src/web.rs`: every file of the directory but the
//! page itself (`index.html`) is embedded and served at `/assets/{name}`, with its content type
//! from its extension. A new screen is a new file; nothing lists it by hand. A file of an
//! unknown kind stops the build with its name.

use std::fmt::Write as _;
use std::path::Path;

fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1;
    Some(match ext {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

fn main() -> Result<(), String> {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?).join("web");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index.html" && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for name in &names {
        let kind = content_type(name).ok_or_else(|| {
            format!("web/{name}: unknown kind of file (add its content type to build.rs)")
        })?;
        let path = dir.join(name);
        let _ = writeln!(
            out,
            "    ({name:?}, {kind:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    out.push(']');
    let target = Path::new(&std::env::var("OUT_DIR").map_err(|e| e.to_string())?).join("assets.rs");
    std::fs::write(&target, out).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(())
}
