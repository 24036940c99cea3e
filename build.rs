//! Embeds the repeatable SQL (sql/functions, sql/kinds, policies) and the web files (web/) in
//! the binary, in file-name order, and makes cargo rebuild when anything under sql/, policies/
//! or web/ changes — including new files, which refinery's `embed_migrations!` alone would not
//! notice.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

fn main() {
    println!("cargo:rerun-if-changed=sql");
    println!("cargo:rerun-if-changed=policies");
    println!("cargo:rerun-if-changed=web");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let code = format!(
        "/// sql/functions/*.sql in name order.\npub const FUNCTIONS: &[(&str, &str)] = &[{}];\n\
         /// sql/kinds/*.sql in name order.\npub const KINDS: &[(&str, &str)] = &[{}];\n\
         /// policies/*.sql in name order.\npub const POLICIES: &[(&str, &str)] = &[{}];\n",
        embed_sql("sql/functions"),
        embed_sql("sql/kinds"),
        embed_sql("policies")
    );
    fs::write(out.join("repeatable.rs"), code).unwrap();
    let code = format!(
        "/// web/ui/* and web/app/*, by the path they are served at (/ui/…, /app/…).\n\
         pub const FILES: &[(&str, &[u8])] = &[{}, {}];\n",
        embed_web("ui"),
        embed_web("app")
    );
    fs::write(out.join("web.rs"), code).unwrap();
}

/// `dir`'s files (relative to the crate) that `keep` accepts, in name order.
fn files(dir: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join(dir);
    let mut files: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && keep(path))
        .collect();
    files.sort();
    files
}

/// The .sql files of `dir` as `("name.sql", include_str!(…))`.
fn embed_sql(dir: &str) -> String {
    files(dir, |path| path.extension().is_some_and(|ext| ext == "sql"))
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            format!("({name:?}, include_str!({:?}))", path.display().to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The files of web/{dir} as `("/{dir}/name", include_bytes!(…))`.
fn embed_web(dir: &str) -> String {
    files(&format!("web/{dir}"), |_| true)
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            format!(
                "(\"/{dir}/{name}\", include_bytes!({:?}))",
                path.display().to_string()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
