//! Embeds the repeatable SQL (sql/functions, sql/kinds, policies) in the binary, in file-name order, and
//! makes cargo rebuild when anything under sql/ or policies/ changes — including new files,
//! which refinery's `embed_migrations!` alone would not notice.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=sql");
    println!("cargo:rerun-if-changed=policies");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("repeatable.rs");
    let code = format!(
        "/// sql/functions/*.sql in name order.\npub const FUNCTIONS: &[(&str, &str)] = &[{}];\n\
         /// sql/kinds/*.sql in name order.\npub const KINDS: &[(&str, &str)] = &[{}];\n\
         /// policies/*.sql in name order.\npub const POLICIES: &[(&str, &str)] = &[{}];\n",
        embed_dir("sql/functions"),
        embed_dir("sql/kinds"),
        embed_dir("policies")
    );
    fs::write(out, code).unwrap();
}

fn embed_dir(dir: &str) -> String {
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join(dir);
    let mut files: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            format!("({name:?}, include_str!({:?}))", path.display().to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}
