//! hedgerow: privacy and sharing rules in PostgreSQL, served over HTTP by a thin hyper server.
//! See DESIGN.md for the architecture; README.md for running it.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod http;
pub mod secret;
