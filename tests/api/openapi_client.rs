//! /openapi.json generates a real client: the document passes openapi-spec-validator,
//! openapi-typescript makes TypeScript types of it, and tests/client/client.ts — a call of every
//! operation, on those types with openapi-fetch — type-checks (`tsc --noEmit`, strict) and then
//! runs with node against the server, each call answering as it expects. A schema that drifts
//! from the API breaks the compilation or the run; a route without a call in client.ts fails
//! here too.
//!
//! The tools are pinned (tests/client/package.json and its lock; VALIDATOR below) and installed
//! under target/tmp/openapi-client (a Python venv, `npm ci` into a copy of tests/client), reused
//! while their pins stay the same. Needs python3 with venv, node and npm.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::spawn_app;

/// The validator, from PyPI.
const VALIDATOR: &str = "openapi-spec-validator==0.9.0";

const CLIENT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/client");

#[tokio::test]
async fn the_document_is_valid_and_a_client_of_every_operation_type_checks_and_runs() {
    let app = spawn_app().await;
    let document = app.get("/openapi.json", None).await;
    assert_eq!(document.status, StatusCode::OK);
    let client = std::fs::read_to_string(Path::new(CLIENT_DIR).join("client.ts")).unwrap();
    let missing: Vec<String> = operations(&document.body)
        .into_iter()
        .filter(|(method, path)| !client.contains(&format!(".{method}(\"{path}\"")))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "tests/client/client.ts calls no {missing:?}: add a call of each (with typed \
         parameters, body and reads of its data)"
    );

    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("openapi-client");
    let node = work.join("node");
    std::fs::create_dir_all(&node).unwrap();
    let openapi = node.join("openapi.json");
    std::fs::write(&openapi, document.body.to_string()).unwrap();

    let validator = python_tools(&work).await;
    run(
        Command::new(validator).arg(&openapi),
        "openapi-spec-validator",
    )
    .await;

    node_tools(&work, &node).await;
    for file in ["client.ts", "tsconfig.json"] {
        std::fs::copy(Path::new(CLIENT_DIR).join(file), node.join(file)).unwrap();
    }
    let bin = node.join("node_modules/.bin");
    run(
        Command::new(bin.join("openapi-typescript"))
            .current_dir(&node)
            .args(["openapi.json", "-o", "schema.d.ts"]),
        "openapi-typescript",
    )
    .await;
    run(
        Command::new(bin.join("tsc"))
            .current_dir(&node)
            .args(["-p", ".", "--noEmit"]),
        "tsc --noEmit (tests/client/client.ts against the generated types)",
    )
    .await;
    run(
        Command::new(bin.join("tsc"))
            .current_dir(&node)
            .args(["-p", "."]),
        "tsc",
    )
    .await;
    let (owner, friend) = (app.token_for(Uuid::new_v4()), app.token_for(Uuid::new_v4()));
    let ran = run(
        Command::new("node").current_dir(&node).args([
            "out/client.js",
            &app.address,
            &owner,
            &friend,
        ]),
        "node out/client.js (the client against the server)",
    )
    .await;
    assert!(
        ran.contains("every operation answered as expected"),
        "{ran}"
    );
}

type Command = tokio::process::Command;

/// Every (method, path) of the document, the method as openapi-fetch spells it.
fn operations(document: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            operations.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    assert!(operations.len() > 50, "{operations:?}");
    operations
}

/// The validator's command, in a venv under `work` (made, or reused while VALIDATOR is what it
/// holds).
async fn python_tools(work: &Path) -> PathBuf {
    let venv = work.join("venv");
    let stamp = venv.join("hedgerow-installed");
    let validator = venv.join("bin/openapi-spec-validator");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(VALIDATOR) && validator.exists() {
        return validator;
    }
    needs(
        "python3",
        "--version",
        "python3 (Debian: apt-get install python3 python3-venv)",
    )
    .await;
    let _ = std::fs::remove_dir_all(&venv);
    run(
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
        "python3 -m venv (Debian: apt-get install python3-venv)",
    )
    .await;
    run(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-cache-dir",
            VALIDATOR,
        ]),
        "pip install of the OpenAPI validator",
    )
    .await;
    std::fs::write(&stamp, VALIDATOR).unwrap();
    validator
}

/// tests/client's packages in `node`, installed with `npm ci` (again when the lock changed),
/// npm's cache under `work`.
async fn node_tools(work: &Path, node: &Path) {
    needs("node", "--version", "Node.js 18.17 or newer, with npm").await;
    let lock = std::fs::read_to_string(Path::new(CLIENT_DIR).join("package-lock.json")).unwrap();
    let stamp = node.join("node_modules/hedgerow-installed-lock.json");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) {
        return;
    }
    needs("npm", "--version", "npm (it comes with Node.js)").await;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(Path::new(CLIENT_DIR).join(file), node.join(file)).unwrap();
    }
    run(
        Command::new("npm")
            .current_dir(node)
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .env("npm_config_cache", work.join("npm-cache"))
            .env("npm_config_update_notifier", "false"),
        "npm ci (tests/client)",
    )
    .await;
    std::fs::write(&stamp, lock).unwrap();
}

/// Fails the test, saying what to install, when `program` does not run.
async fn needs(program: &str, arg: &str, what: &str) {
    let ran = Command::new(program).arg(arg).output().await;
    assert!(
        ran.is_ok_and(|output| output.status.success()),
        "the OpenAPI client test needs {what}: `{program} {arg}` does not run"
    );
}

/// Runs `command` to success and returns its output, or fails the test with it.
async fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{what} failed:\n{text}");
    text
}
