//! Lists the migrations (`migrations/sqlite/NNNN_name.sql`, `migrations/postgres/NNNN_name.sql`)
//! for `src/migrate.rs`: a migration is a file in each tree, nothing lists it by hand. The build
//! stops when the trees disagree (a number or a name in one tree only, a gap, a file not named
//! `NNNN_name.sql`), so that both databases always get the same steps; the parity test
//! (`migration_trees_describe_one_schema`) then holds the schemas they make equal.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

fn tree(dir: &Path) -> Result<BTreeMap<i64, String>, String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let name = entry
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        let number = name
            .strip_suffix(".sql")
            .and_then(|stem| stem.split_once('_'))
            .filter(|(n, rest)| n.len() == 4 && !rest.is_empty())
            .and_then(|(n, _)| n.parse::<i64>().ok())
            .ok_or_else(|| format!("{}/{name}: not named NNNN_name.sql", dir.display()))?;
        if found.insert(number, name.clone()).is_some() {
            return Err(format!(
                "{}: two migrations numbered {number}",
                dir.display()
            ));
        }
    }
    for (i, n) in found.keys().enumerate() {
        if i64::try_from(i + 1).ok() != Some(*n) {
            return Err(format!(
                "{}: migration {n} is out of sequence (a gap before it)",
                dir.display()
            ));
        }
    }
    Ok(found)
}

fn list(dir: &Path, migrations: &BTreeMap<i64, String>) -> String {
    let mut out = String::from("&[\n");
    for (n, name) in migrations {
        let _ = writeln!(
            out,
            "    ({n}, include_str!({:?})),",
            dir.join(name).display().to_string()
        );
    }
    out.push(']');
    out
}

fn main() -> Result<(), String> {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?)
        .join("migrations");
    let (sqlite_dir, postgres_dir) = (root.join("sqlite"), root.join("postgres"));
    let sqlite = tree(&sqlite_dir)?;
    let postgres = tree(&postgres_dir)?;
    if sqlite != postgres {
        return Err(format!(
            "the migration trees disagree: sqlite has {:?}, postgres has {:?} (each migration is one file of the same name in both)",
            sqlite.values().collect::<Vec<_>>(),
            postgres.values().collect::<Vec<_>>()
        ));
    }
    let out = Path::new(&std::env::var("OUT_DIR").map_err(|e| e.to_string())?).to_path_buf();
    for (file, text) in [
        ("sqlite_migrations.rs", list(&sqlite_dir, &sqlite)),
        ("postgres_migrations.rs", list(&postgres_dir, &postgres)),
    ] {
        std::fs::write(out.join(file), text).map_err(|e| format!("{file}: {e}"))?;
    }
    Ok(())
}
