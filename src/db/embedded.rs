//! The embedded default of `hedgerow serve`: a private cluster under HEDGEROW_DATA_DIR with
//! the database `hedgerow`, migrated, and the secrets it needs kept beside it.

use std::{
    fs,
    io::Write,
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::cluster::{ClusterError, ClusterOptions, LocalCluster};
use super::migrate::{self, MigrateError, MigrateOptions};
use super::{ConnectError, connect};
use crate::secret::random_hex;

pub const DATABASE: &str = "hedgerow";
const SECRETS_FILE: &str = "embedded.json";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("cannot use {path}: {detail}")]
    Secrets { path: String, detail: String },
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("setting up the embedded database failed: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
}

/// Generated once per data dir; readable by its owner only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmbeddedSecrets {
    pub port: u16,
    pub admin_password: String,
    pub authenticator_password: String,
    pub jwt_secret: String,
}

impl EmbeddedSecrets {
    /// Loads the secrets of `data_dir`, if it has been used before.
    pub fn load(data_dir: &Path) -> Result<Option<Self>, EmbeddedError> {
        let path = data_dir.join(SECRETS_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| secrets_error(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(secrets_error(&path, e)),
        }
    }

    /// The superuser's connection to the hedgerow database of a running embedded cluster.
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/{DATABASE}",
            self.admin_password, self.port
        )
    }

    fn generate() -> Self {
        EmbeddedSecrets {
            port: 0,
            admin_password: random_hex(24),
            authenticator_password: random_hex(24),
            jwt_secret: random_hex(32),
        }
    }

    fn save(&self, data_dir: &Path) -> Result<(), EmbeddedError> {
        let path = data_dir.join(SECRETS_FILE);
        let write = || -> std::io::Result<()> {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)?;
            file.write_all(serde_json::to_string_pretty(self)?.as_bytes())
        };
        write().map_err(|e| secrets_error(&path, e))
    }
}

fn secrets_error(path: &Path, detail: impl ToString) -> EmbeddedError {
    EmbeddedError::Secrets {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// The running embedded database.
#[derive(Debug)]
pub struct Embedded {
    pub cluster: LocalCluster,
    pub secrets: EmbeddedSecrets,
    pub data_dir: PathBuf,
}

impl Embedded {
    /// Starts (creating on first use) the cluster under `data_dir`, creates and migrates the
    /// `hedgerow` database, and sets the authenticator's password.
    pub async fn start(data_dir: &Path, migrate: &MigrateOptions) -> Result<Self, EmbeddedError> {
        fs::create_dir_all(data_dir).map_err(|e| secrets_error(data_dir, e))?;
        let mut secrets = match EmbeddedSecrets::load(data_dir)? {
            Some(secrets) => secrets,
            None => EmbeddedSecrets::generate(),
        };
        let options = ClusterOptions {
            admin_password: secrets.admin_password.clone(),
            preferred_port: Some(secrets.port).filter(|&p| p != 0),
            durable: true,
            tls: None,
        };
        let dir = data_dir.to_path_buf();
        let cluster = tokio::task::spawn_blocking(move || LocalCluster::start(&dir, &options))
            .await
            .expect("cluster start panicked")?;
        secrets.port = cluster.port();
        secrets.save(data_dir)?;
        let embedded = Embedded {
            cluster,
            secrets,
            data_dir: data_dir.to_path_buf(),
        };
        embedded.prepare(migrate).await?;
        Ok(embedded)
    }

    async fn prepare(&self, options: &MigrateOptions) -> Result<(), EmbeddedError> {
        let server = connect(&self.cluster.admin_url("postgres")).await?;
        let exists: bool = server
            .query_one(
                "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)",
                &[&DATABASE],
            )
            .await?
            .get(0);
        if !exists {
            server
                .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
                .await?;
        }
        let mut admin = connect(&self.admin_url()).await?;
        migrate::migrate(&mut admin, options).await?;
        // Hex passwords need no quoting beyond the literal's quotes.
        admin
            .batch_execute(&format!(
                "RESET ROLE; ALTER ROLE hedgerow_authenticator PASSWORD '{}'",
                self.secrets.authenticator_password
            ))
            .await?;
        Ok(())
    }

    /// The superuser's connection to the hedgerow database.
    pub fn admin_url(&self) -> String {
        self.secrets.admin_url()
    }

    /// The server's own connection (DATABASE_URL of embedded mode), through the socket.
    pub fn authenticator_url(&self) -> String {
        self.cluster.local_url(
            "hedgerow_authenticator",
            &self.secrets.authenticator_password,
            DATABASE,
        )
    }
}
