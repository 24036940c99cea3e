//! Settings: one list, shown by `serve --help`, documented in the README, with defaults that
//! hold on a fresh machine and in production.

use std::process::Command;

use hedgerow::config::SETTINGS;

const BINARY: &str = env!("CARGO_BIN_EXE_hedgerow");

#[test]
fn serve_help_lists_every_setting_with_its_environment_variable() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for setting in SETTINGS {
        assert!(
            help.contains(setting.name),
            "{} is missing:\n{help}",
            setting.name
        );
    }
}

#[test]
fn the_readme_documents_every_setting() {
    let readme = include_str!("../../README.md");
    for setting in SETTINGS {
        assert!(
            readme.contains(&format!("`{}`", setting.name)),
            "README.md does not document {}",
            setting.name
        );
    }
}

#[test]
fn serve_refuses_to_listen_beyond_loopback_without_a_public_url() {
    let output = Command::new(BINARY)
        .arg("serve")
        .env_remove("HEDGEROW_PUBLIC_URL")
        .env("HEDGEROW_LISTEN", "0.0.0.0:0")
        .env("HEDGEROW_DATA_DIR", "/nonexistent/never-created")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("HEDGEROW_PUBLIC_URL must be set")
            || stderr.contains("HEDGEROW_PUBLIC_URL is invalid"),
        "{stderr}"
    );
    assert!(stderr.contains("0.0.0.0:0"), "{stderr}");
}

#[test]
fn the_crate_declares_the_rust_version_it_needs() {
    let manifest = include_str!("../../Cargo.toml");
    let declared = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("Cargo.toml declares rust-version");
    let version = declared.trim_matches('"');
    assert!(
        include_str!("../../README.md").contains(&format!("rustup toolchain install {version}")),
        "README.md does not say how to get Rust {version}"
    );
}
