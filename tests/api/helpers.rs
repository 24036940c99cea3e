//! The test harness: `spawn_app()` gives each test its own migrated database (cloned from a
//! template migrated once per run) and its own server on a free port.

use std::{
    path::PathBuf,
    str::FromStr,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use hedgerow::{
    auth::JwtConfig,
    config::Config,
    db::{
        PgTarget,
        cluster::{ClusterOptions, LocalCluster},
        databases::Databases,
        migrate,
        routes::ReloadOn,
    },
    http::{demo::DemoSignIn, server, service::App},
    secret::random_hex,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::{net::TcpListener, sync::oneshot};
use uuid::Uuid;

use crate::documented::Contract;

pub const JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes";
pub const AUTHENTICATOR_PASSWORD: &str = "authenticator-test-password";
pub const PUBLIC_URL: &str = "https://hedgerow.example";
pub const SIGNUP_URL: &str = "https://hedgerow.example/join?from=share";

/// The server the tests run against, shared by every test of this process.
pub struct TestServer {
    /// A superuser connection to its `postgres` database.
    admin: tokio_postgres::Config,
    /// Migrated with hedgerow's own kinds.
    template: String,
    /// The same, with the app kinds of tests/fixtures/kinds migrated in too.
    kinds_template: String,
    _cluster: Option<Arc<LocalCluster>>,
}

/// The kind files of an app that hedgerow has never heard of (docs/KINDS.md).
pub const APP_KINDS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kinds");

impl TestServer {
    /// A superuser's config for `database`.
    pub fn admin_config(&self, database: &str) -> tokio_postgres::Config {
        let mut config = self.admin.clone();
        config.dbname(database);
        config
    }

    /// Where the server listens: host and port.
    pub fn address(&self) -> (String, u16) {
        let host = match &self.admin.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(host) => host.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        };
        (
            host,
            self.admin.get_ports().first().copied().unwrap_or(5432),
        )
    }

    /// A superuser's connection string for `database` (for the CLI).
    pub fn admin_url(&self, database: &str) -> String {
        let (host, port) = self.address();
        let user = self.admin.get_user().unwrap_or("postgres");
        let password = self
            .admin
            .get_password()
            .map(|p| format!(":{}", String::from_utf8_lossy(p)))
            .unwrap_or_default();
        format!("postgres://{user}{password}@{host}:{port}/{database}")
    }

    /// `user`'s config for `database`, with a password.
    pub fn login_config(
        &self,
        user: &str,
        password: &str,
        database: &str,
    ) -> tokio_postgres::Config {
        let mut config = self.admin_config(database);
        config.user(user).password(password);
        config
    }

    /// A new database, fully migrated, for one test.
    pub async fn fresh_database(&self) -> String {
        self.clone_of(&self.template).await
    }

    /// A new database, fully migrated with the app kinds of APP_KINDS_DIR too.
    pub async fn fresh_database_with_app_kinds(&self) -> String {
        self.clone_of(&self.kinds_template).await
    }

    async fn clone_of(&self, template: &str) -> String {
        let name = format!("t_{}", Uuid::new_v4().simple());
        let admin = connect_config(&self.admin_config("postgres")).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("cloning the template database");
        // A clone keeps the template's catalog but not its database-level privileges.
        connect_config(&self.admin_config(&name))
            .await
            .batch_execute(migrate::HARDEN_SQL)
            .await
            .expect("hardening the clone");
        name
    }

    /// A new, empty database (for migration tests).
    pub async fn empty_database(&self) -> String {
        let name = format!("e_{}", Uuid::new_v4().simple());
        let admin = connect_config(&self.admin_config("postgres")).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        name
    }
}

pub async fn connect_config(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connecting to the test server");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// The first column of each row `sql` returns, as text.
pub async fn text_column<C: FromIterator<String>>(client: &tokio_postgres::Client, sql: &str) -> C {
    client
        .query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Work to do when the test process exits: statics are never dropped, so shared clusters are
/// stopped and their directories removed here.
type Cleanup = Box<dyn FnOnce() + Send>;
static CLEANUPS: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

/// Runs `cleanup` when the test process exits (normally or after failed tests), newest first.
pub fn at_exit(cleanup: impl FnOnce() + Send + 'static) {
    extern "C" fn run_cleanups() {
        let cleanups = std::mem::take(&mut *CLEANUPS.lock().unwrap_or_else(|e| e.into_inner()));
        for cleanup in cleanups.into_iter().rev() {
            cleanup();
        }
    }
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    // SAFETY: registers a plain function; it runs once, at exit, on the exiting thread.
    REGISTERED.call_once(|| unsafe {
        libc::atexit(run_cleanups);
    });
    CLEANUPS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Box::new(cleanup));
}

/// A throwaway cluster that is stopped, and its directory removed, when the tests end.
pub fn throwaway_cluster(dir: PathBuf, options: &ClusterOptions) -> Arc<LocalCluster> {
    let cluster = Arc::new(
        LocalCluster::start(&dir, options).expect("starting a throwaway PostgreSQL cluster"),
    );
    let stopped = cluster.clone();
    at_exit(move || {
        stopped.stop();
        let _ = std::fs::remove_dir_all(&dir);
    });
    cluster
}

/// The shared server, started (and its template migrated) on first use.
pub fn test_server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        // Set-up is async, and tests already run inside a runtime: use a thread of its own.
        std::thread::spawn(|| {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(start_test_server())
        })
        .join()
        .expect("starting the test server")
    })
}

async fn start_test_server() -> TestServer {
    let (admin, cluster) = match std::env::var("HEDGEROW_TEST_DATABASE_URL") {
        Ok(url) => (
            tokio_postgres::Config::from_str(&url).expect("HEDGEROW_TEST_DATABASE_URL"),
            None,
        ),
        Err(_) => {
            let dir = throwaway_dir();
            let options = ClusterOptions {
                admin_password: random_hex(16),
                preferred_port: None,
                durable: false,
                tls: None,
            };
            let cluster = throwaway_cluster(dir, &options);
            let config = tokio_postgres::Config::from_str(&cluster.admin_url("postgres")).unwrap();
            (config, Some(cluster))
        }
    };
    migrated_server(admin, cluster).await
}

/// A server at `admin` (a superuser's connection; `cluster` when it is a throwaway one) with
/// this run's template databases migrated, and the authenticator's password set.
pub async fn migrated_server(
    admin: tokio_postgres::Config,
    cluster: Option<Arc<LocalCluster>>,
) -> TestServer {
    let template = format!("hedgerow_template_{}", std::process::id());
    let kinds_template = format!("hedgerow_kinds_template_{}", std::process::id());
    let server = TestServer {
        admin,
        template: template.clone(),
        kinds_template: kinds_template.clone(),
        _cluster: cluster,
    };
    let postgres = connect_config(&server.admin_config("postgres")).await;
    for (database, kinds_dir) in [(&template, None), (&kinds_template, Some(APP_KINDS_DIR))] {
        for statement in [
            format!("DROP DATABASE IF EXISTS {database}"),
            format!("CREATE DATABASE {database}"),
        ] {
            postgres.batch_execute(&statement).await.unwrap();
        }
        let mut client = connect_config(&server.admin_config(database)).await;
        let options = migrate::MigrateOptions {
            kinds_dir: kinds_dir.map(PathBuf::from),
            ..Default::default()
        };
        migrate::migrate(&mut client, &options)
            .await
            .expect("migrating a template database");
    }
    postgres
        .batch_execute(&format!(
            "ALTER ROLE hedgerow_authenticator PASSWORD '{AUTHENTICATOR_PASSWORD}'"
        ))
        .await
        .unwrap();
    server
}

/// Runs the `hedgerow` binary as an operator of `database` (its superuser as
/// HEDGEROW_ADMIN_DATABASE_URL).
pub fn hedgerow_cli(database: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hedgerow"))
        .args(args)
        .env(
            "HEDGEROW_ADMIN_DATABASE_URL",
            test_server().admin_url(database),
        )
        .output()
        .unwrap()
}

/// A directory for this run's cluster, in the system temp dir (reachable by the postgres
/// user when tests run as root).
fn throwaway_dir() -> PathBuf {
    run_directory("hedgerow-test")
}

/// `{temp}/{prefix}-{pid}`, made for this test process; those of earlier runs whose process
/// is gone (killed before its exit cleanup ran) are removed.
pub fn run_directory(prefix: &str) -> PathBuf {
    let temp = std::env::temp_dir();
    for entry in std::fs::read_dir(&temp).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix(&format!("{prefix}-"))
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !PathBuf::from(format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let dir = temp.join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A directory under the system temp dir, removed when dropped (even when the test fails).
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running hedgerow on its own database.
pub struct TestApp {
    pub address: String,
    pub database: String,
    pub http: reqwest::Client,
    pub jwt: JwtConfig,
    /// Every reply [`TestApp::send`] gets is checked against this server's /openapi.json.
    pub contract: Contract,
    shutdown: Option<oneshot::Sender<()>>,
}

/// A user with a profile and a token.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: Uuid,
    pub token: String,
}

/// What a request got back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The machine-readable error code of a failure envelope.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server on a fresh database with the app kinds of APP_KINDS_DIR migrated in.
pub async fn spawn_app_with_app_kinds() -> TestApp {
    let database = test_server().fresh_database_with_app_kinds().await;
    spawn_configured_app(&database, None, false, |_| {}).await
}

/// A server on a fresh database, with the test configuration changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let database = test_server().fresh_database().await;
    spawn_configured_app(&database, None, false, configure).await
}

/// A server whose token settings are `settings` (environment variable, value), read exactly
/// as `hedgerow serve` reads them; the JWK set, if any, is fetched before it serves.
pub async fn spawn_app_with_settings(settings: &[(&str, &str)]) -> TestApp {
    let settings: std::collections::HashMap<String, String> = settings
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let read = Config::from_lookup(|name| settings.get(name).cloned()).expect("valid settings");
    spawn_app_with(|config| {
        config.jwt = read.jwt;
        config.jwt_rules = read.jwt_rules;
    })
    .await
}

/// A server for `database`; `pg` overrides the pool's connection (e.g. an unreachable one).
pub async fn spawn_app_on(database: &str, pg: Option<impl Into<PgTarget>>) -> TestApp {
    spawn_configured_app(database, pg.map(Into::into), false, |_| {}).await
}

/// A server that offers the demo app's "sign in as a demo user", as `hedgerow serve` does on
/// its embedded default at a loopback address (tests/api/embedded.rs checks that gate).
pub async fn spawn_app_with_demo_sign_in() -> TestApp {
    let database = test_server().fresh_database().await;
    spawn_configured_app(&database, None, true, |_| {}).await
}

/// A server for `database` through `pg` (the authenticator's own connection when None), with
/// the test configuration changed by `configure`.
pub async fn spawn_configured_app(
    database: &str,
    pg: Option<PgTarget>,
    demo_sign_in: bool,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let pg = pg.unwrap_or_else(|| {
        test_server()
            .login_config("hedgerow_authenticator", AUTHENTICATOR_PASSWORD, database)
            .into()
    });
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.pool_size = 4;
    config.share_rate_limit = 0;
    config.public_url = PUBLIC_URL.into();
    config.signup_url = SIGNUP_URL.into();
    config.statement_timeout = Duration::from_secs(5);
    config.pool_timeout = Duration::from_secs(2);
    configure(&mut config);
    let replica = config
        .read_database_url
        .as_deref()
        .map(|url| PgTarget::parse(url).expect("a valid replica URL"));
    let databases = Databases::open(&config, pg.clone(), replica).unwrap();
    let jwt = match config.jwt.clone() {
        Some(jwt) => jwt,
        None => config
            .jwt_rules
            .apply(JwtConfig::hs256(JWT_SECRET.as_bytes()).unwrap()),
    };
    let verifier = jwt.verifier();
    verifier
        .load_keys()
        .await
        .expect("loading the identity provider's keys");
    let reload_on = ReloadOn::for_pooler(config.pooler, config.routes_poll);
    let routes = hedgerow::db::routes::start(databases.primary(), pg, reload_on)
        .await
        .expect("loading the routes");
    let mut app = App::new(databases, verifier, &config, routes);
    if demo_sign_in {
        app = app.with_demo_sign_in(DemoSignIn::new(jwt.clone()));
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, Arc::new(app), async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        database: database.to_string(),
        http: reqwest::Client::new(),
        jwt,
        contract: Contract::default(),
        shutdown: Some(shutdown),
    }
}

impl TestApp {
    /// Starts a graceful shutdown: no new connections; requests in flight finish.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// A superuser connection to this test's database (RLS does not apply to it).
    pub async fn admin(&self) -> tokio_postgres::Client {
        connect_config(&test_server().admin_config(&self.database)).await
    }

    pub fn token_for(&self, id: Uuid) -> String {
        self.jwt.mint(id, Duration::from_secs(600)).unwrap()
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Sends `request` (built on `self.http`) and reads the reply, checked against the
    /// server's /openapi.json.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        send_checked(&self.http, &self.contract, &self.address, request).await
    }

    /// Reads `response`, the answer to a `method` request sent to this server (on a task of
    /// its own, say), checked against the server's /openapi.json.
    pub async fn checked(&self, method: Method, response: reqwest::Response) -> Reply {
        read_checked(&self.http, &self.contract, &self.address, &method, response).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    /// Signs up a user: a token and a profile named `username`.
    pub async fn user(&self, username: &str) -> TestUser {
        let id = Uuid::new_v4();
        let token = self.token_for(id);
        let reply = self
            .post(
                "/api/auth/profile",
                Some(&token),
                serde_json::json!({ "username": username, "display_name": username }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "creating {username}: {:?}",
            reply.body
        );
        TestUser { id, token }
    }
}

/// Sends `request` to the server at `address` and reads the reply, checked against that
/// server's /openapi.json (`contract`): its status, headers and body must be as documented.
pub async fn send_checked(
    http: &reqwest::Client,
    contract: &Contract,
    address: &str,
    request: reqwest::RequestBuilder,
) -> Reply {
    let request = request.build().expect("building the request");
    let method = request.method().clone();
    let response = http.execute(request).await.expect("sending the request");
    read_checked(http, contract, address, &method, response).await
}

/// Reads the reply to a `method` request sent to the server at `address`, checked against that
/// server's /openapi.json (`contract`).
pub async fn read_checked(
    http: &reqwest::Client,
    contract: &Contract,
    address: &str,
    method: &Method,
    response: reqwest::Response,
) -> Reply {
    let path = response.url().path().to_string();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    contract
        .check(http, address, (method, &path), status, &headers, &text)
        .await;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// An analyst made as `hedgerow analyst add` makes one (a login role in hedgerow_analyst,
/// with its limits and privacy budget), optionally mapped to a user, connected over TCP with
/// its password exactly as a person with psql would be.
pub async fn analyst(app: &TestApp, mapped_to: Option<Uuid>) -> tokio_postgres::Client {
    let name = format!("analyst_{}", Uuid::new_v4().simple());
    let password = random_hex(12);
    let mut admin = app.admin().await;
    let username: Option<String> = match mapped_to {
        Some(id) => Some(
            admin
                .query_one("SELECT username FROM data.profiles WHERE id = $1", &[&id])
                .await
                .unwrap()
                .get(0),
        ),
        None => None,
    };
    hedgerow::db::analysts::add(
        &mut admin,
        &name,
        &password,
        username.as_deref(),
        &Default::default(),
    )
    .await
    .unwrap();
    connect_config(&test_server().login_config(&name, &password, &app.database)).await
}

/// A visibility level, as the privacy models of the tests name it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    Public,
    Unlisted,
    Private,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Public => "public",
            Level::Unlisted => "unlisted",
            Level::Private => "private",
        }
    }
}
