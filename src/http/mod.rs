//! The HTTP side: routing, input, the response envelope, errors, and the server loop.

pub mod assets;
pub mod client_ip;
pub mod cors;
pub mod demo;
pub mod errors;
pub mod input;
pub mod openapi;
pub mod rate_limit;
pub mod response;
pub mod routes;
pub mod server;
pub mod service;
pub mod validate;
