//! Integration tests: the real server over real HTTP, on a real PostgreSQL (a throwaway
//! cluster per test run, or HEDGEROW_TEST_DATABASE_URL), one fresh database per test.

mod access_log;
mod analyst_privacy;
mod analyst_side_channels;
mod analysts;
mod auth;
mod bad_input;
mod catalog;
mod configuration;
mod connection_errors;
mod crash;
mod embedded;
mod every_kind;
mod faults;
mod feed;
mod helpers;
mod http_contract;
mod identity;
mod idp;
mod jwks;
mod leaderboards;
mod migrate;
mod model;
mod operators;
mod plans;
mod postgres_tls;
mod privacy_matrix;
mod profile;
mod providers;
mod public_counts;
mod sessions;
mod settings;
mod shared_page;
mod sharing;
mod shelves;
mod ui;
