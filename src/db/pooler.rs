//! What hedgerow does differently when its connections pass through a pooler in transaction
//! mode (PgBouncer `pool_mode = transaction`): consecutive transactions of one of its
//! connections may run on different server connections, shared with other clients, so nothing
//! may live on a server connection between transactions — no named prepared statements (their
//! names would be missing on the next server connection, or collide with another client's), and
//! no LISTEN (the notifications would reach whoever holds that server connection next).

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooler {
    /// Direct connections, or a pooler in session mode: each connection prepares its statements
    /// once, and route changes are LISTENed for.
    #[default]
    None,
    /// A pooler in transaction mode: every statement is sent unnamed (parse, bind and execute
    /// in one message, so a request still costs one round trip), and route changes are polled.
    Transaction,
}

impl Pooler {
    /// Whether statements may be prepared once per connection under a name.
    pub fn named_statements(self) -> bool {
        self == Pooler::None
    }
}

impl FromStr for Pooler {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "none" | "session" => Ok(Pooler::None),
            "transaction" => Ok(Pooler::Transaction),
            _ => Err(format!(
                "{text:?} is not a pooling mode: none (direct, or a pooler in session mode) \
                 or transaction (PgBouncer pool_mode=transaction and the like)"
            )),
        }
    }
}
