//! TLS to PostgreSQL, as managed servers require it: a throwaway cluster with `ssl = on` and a
//! certificate for `localhost` from a CA made here; every sslmode against it, and every kind of
//! connection hedgerow makes (the server's pool and the operator commands).

use std::{
    path::PathBuf,
    process::Command,
    sync::{Arc, OnceLock},
};

use hedgerow::{
    db::{
        ConnectError, PgTarget,
        cluster::{ClusterOptions, LocalCluster, ServerTls},
        connection::Cause,
    },
    secret::random_hex,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{AUTHENTICATOR_PASSWORD, spawn_app_on, test_server, throwaway_cluster};

/// The TLS cluster shared by this file's tests, and the CA files a client may trust.
struct TlsServer {
    cluster: Arc<LocalCluster>,
    password: String,
    /// The CA that signed the server's certificate.
    ca_file: PathBuf,
    /// A CA that signed nothing the server has.
    other_ca_file: PathBuf,
}

impl TlsServer {
    /// A superuser connection string through `host`, with extra parameters.
    fn url(&self, host: &str, database: &str, parameters: &str) -> String {
        format!(
            "postgres://postgres:{}@{host}:{}/{database}?{parameters}",
            self.password,
            self.cluster.port()
        )
    }

    fn ca(&self) -> String {
        self.ca_file.display().to_string()
    }
}

/// A CA (its certificate as PEM) and an issuer to sign with.
fn certificate_authority(name: &str) -> (String, CertifiedIssuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    (issuer.pem(), issuer)
}

fn tls_server() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("hedgerow-tls-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let (ca_pem, ca) = certificate_authority("hedgerow test CA");
        let (other_ca_pem, _) = certificate_authority("someone else's CA");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &ca).unwrap();
        // The client-side files live beside the cluster, so one removal takes everything.
        let ca_file = dir.join("ca.pem");
        let other_ca_file = dir.join("other-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();
        std::fs::write(&other_ca_file, other_ca_pem).unwrap();
        let password = random_hex(12);
        let options = ClusterOptions {
            admin_password: password.clone(),
            preferred_port: None,
            durable: false,
            tls: Some(ServerTls {
                certificate_pem: certificate.pem(),
                key_pem: key.serialize_pem(),
            }),
        };
        let cluster = throwaway_cluster(dir, &options);
        TlsServer {
            cluster,
            password,
            ca_file,
            other_ca_file,
        }
    })
}

/// Connects with `url` and says whether the session is encrypted.
async fn encrypted(url: &str) -> Result<bool, ConnectError> {
    let client = PgTarget::parse(url)
        .map_err(ConnectError::settings)?
        .connect()
        .await?;
    Ok(client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0))
}

fn assert_tls_refused(result: Result<bool, ConnectError>, expected: &str) {
    let error = result.expect_err("the connection should have been refused");
    assert_eq!(error.cause, Cause::Tls, "{error}");
    assert!(error.to_string().contains(expected), "{error}");
}

#[tokio::test]
async fn verify_full_connects_with_the_right_ca_and_host_name() {
    let server = tls_server();
    let url = server.url(
        "localhost",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={}", server.ca()),
    );
    assert!(encrypted(&url).await.unwrap());
}

#[tokio::test]
async fn verify_full_refuses_a_server_whose_certificate_another_ca_signed() {
    let server = tls_server();
    let url = server.url(
        "localhost",
        "postgres",
        &format!(
            "sslmode=verify-full&sslrootcert={}",
            server.other_ca_file.display()
        ),
    );
    assert_tls_refused(encrypted(&url).await, "UnknownIssuer");
}

#[tokio::test]
async fn verify_full_refuses_a_host_name_the_certificate_does_not_name_and_verify_ca_does_not_check_it()
 {
    let server = tls_server();
    let full = server.url(
        "127.0.0.1",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={}", server.ca()),
    );
    assert_tls_refused(encrypted(&full).await, "not valid for name");
    let ca_only = server.url(
        "127.0.0.1",
        "postgres",
        &format!("sslmode=verify-ca&sslrootcert={}", server.ca()),
    );
    assert!(encrypted(&ca_only).await.unwrap());
    let wrong_ca = server.url(
        "127.0.0.1",
        "postgres",
        &format!(
            "sslmode=verify-ca&sslrootcert={}",
            server.other_ca_file.display()
        ),
    );
    assert_tls_refused(encrypted(&wrong_ca).await, "UnknownIssuer");
}

#[tokio::test]
async fn sslrootcert_system_trusts_the_system_roots_and_not_a_private_ca() {
    let server = tls_server();
    let url = server.url("localhost", "postgres", "sslrootcert=system");
    assert_tls_refused(encrypted(&url).await, "UnknownIssuer");
}

#[tokio::test]
async fn require_encrypts_without_checking_the_certificate_and_refuses_a_server_without_tls() {
    let server = tls_server();
    assert!(
        encrypted(&server.url("127.0.0.1", "postgres", "sslmode=require"))
            .await
            .unwrap()
    );
    // With a root certificate, libpq's `require` checks the chain.
    let checked = server.url(
        "127.0.0.1",
        "postgres",
        &format!(
            "sslmode=require&sslrootcert={}",
            server.other_ca_file.display()
        ),
    );
    assert_tls_refused(encrypted(&checked).await, "UnknownIssuer");

    // The shared test server runs without TLS.
    let plain = format!("{}?sslmode=require", test_server().admin_url("postgres"));
    assert_tls_refused(encrypted(&plain).await, "server does not support TLS");
}

#[tokio::test]
async fn prefer_uses_tls_when_the_server_offers_it_and_disable_never_does() {
    let server = tls_server();
    assert!(
        encrypted(&server.url("127.0.0.1", "postgres", "sslmode=prefer"))
            .await
            .unwrap()
    );
    assert!(
        encrypted(&server.url("127.0.0.1", "postgres", "application_name=x"))
            .await
            .unwrap(),
        "prefer is the default"
    );
    assert!(
        !encrypted(&server.url("127.0.0.1", "postgres", "sslmode=disable"))
            .await
            .unwrap()
    );
    let plain = format!("{}?sslmode=prefer", test_server().admin_url("postgres"));
    assert!(!encrypted(&plain).await.unwrap());
}

/// Runs `hedgerow` with `url` as the admin connection.
fn hedgerow(url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hedgerow"))
        .args(args)
        .env("HEDGEROW_ADMIN_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "hedgerow {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_server_pool_and_every_operator_command_connect_over_verified_tls() {
    let server = tls_server();
    let database = format!("tls_{}", Uuid::new_v4().simple());
    let verified = format!("sslmode=verify-full&sslrootcert={}", server.ca());
    let admin = PgTarget::parse(&server.url("localhost", "postgres", &verified))
        .unwrap()
        .connect()
        .await
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();

    let admin_url = server.url("localhost", &database, &verified);
    let migrated = hedgerow(&admin_url, &["migrate"]);
    assert!(migrated.contains("applied V1__"), "{migrated}");
    hedgerow(&admin_url, &["check"]);
    hedgerow(&admin_url, &["analyst", "list"]);
    let pruned = hedgerow(&admin_url, &["logs", "prune", "--older-than", "90d"]);
    assert!(pruned.contains("pruned 0"), "{pruned}");

    let client = PgTarget::parse(&admin_url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    client
        .batch_execute(&format!(
            "ALTER ROLE hedgerow_authenticator PASSWORD '{AUTHENTICATOR_PASSWORD}'"
        ))
        .await
        .unwrap();
    let pool_url = format!(
        "postgres://hedgerow_authenticator:{AUTHENTICATOR_PASSWORD}@localhost:{}/{database}?{verified}",
        server.cluster.port()
    );
    let app = spawn_app_on(&database, Some(PgTarget::parse(&pool_url).unwrap())).await;
    let user = app.user("over_tls").await;
    assert_eq!(
        app.get("/api/auth/profile", Some(&user.token)).await.status,
        StatusCode::OK
    );
    let row = client
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE s.ssl) \
               FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
              WHERE a.application_name = 'hedgerow' AND a.datname = current_database()",
            &[],
        )
        .await
        .unwrap();
    let (pooled, encrypted): (i64, i64) = (row.get(0), row.get(1));
    assert!(pooled > 0, "the pool has no connection");
    assert_eq!(encrypted, pooled, "a pooled connection is not encrypted");
    drop(app);
}
