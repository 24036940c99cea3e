//! Who a verified token speaks for: the user claim (found by a JSON path, `sub` by default) and
//! the internal user id it maps to.
//!
//! A subject that is a canonical UUID (`8-4-4-4-12` hex digits) is the user id as it is, so
//! providers that issue UUIDs (Supabase, Keycloak) keep ids that match theirs. Any other
//! subject (`auth0|…`, `user_…`, a Firebase uid, `urn:uuid:…`) maps to the UUIDv5 of the
//! subject in [`SUBJECT_NAMESPACE`]: stable, so the same person always gets the same data, and
//! computable outside hedgerow (`uuid5('574f29b3-…', 'auth0|123')`).

use std::{fmt, str::FromStr};

use serde_json::Value;
use uuid::Uuid;

/// The namespace of user ids made from subjects that are not UUIDs. Never change it: every
/// such user's data is keyed by ids made in it.
pub const SUBJECT_NAMESPACE: Uuid = uuid::uuid!("574f29b3-c702-4267-8a46-973698382e85");

/// Subjects longer than this are refused (providers' ids are well under 100 bytes).
const MAX_SUBJECT_BYTES: usize = 255;

/// The user id for a subject claim's value, or why it cannot be one.
pub fn user_id(subject: &Value) -> Result<Uuid, &'static str> {
    let text = match subject {
        Value::String(text) => text.clone(),
        Value::Number(number) if number.is_u64() || number.is_i64() => number.to_string(),
        _ => return Err("must be a string"),
    };
    if text.is_empty() {
        return Err("is empty");
    }
    if text.len() > MAX_SUBJECT_BYTES {
        return Err("is longer than 255 bytes");
    }
    if text.chars().any(char::is_control) {
        return Err("contains control characters");
    }
    if is_canonical_uuid(&text) {
        return Uuid::parse_str(&text).map_err(|_| "is not a valid UUID");
    }
    Ok(Uuid::new_v5(&SUBJECT_NAMESPACE, text.as_bytes()))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case, nothing else (not
/// `urn:uuid:…`, braces or the 32-digit form, which `Uuid::parse_str` also takes).
fn is_canonical_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Where the user id is in the claims: PostgREST's `jwt-role-claim-key` syntax without
/// filters — `sub`, `.sub`, `.app_metadata.user_id`, `."https://example.com/claims".id`,
/// `.ids[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl Default for ClaimPath {
    fn default() -> Self {
        "sub".parse().expect("sub is a claim path")
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for ClaimPath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |why: &str| {
            format!(
                "{text:?} is not a claim path ({why}); e.g. sub, .app_metadata.user_id, .\"https://example.com/claims\".id"
            )
        };
        let mut segments = Vec::new();
        let mut chars = text.trim().chars().peekable();
        let mut first = true;
        while let Some(&c) = chars.peek() {
            match c {
                '[' => {
                    chars.next();
                    let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
                    segments.push(Segment::Index(
                        digits
                            .parse()
                            .map_err(|_| invalid("an index must be [n]"))?,
                    ));
                }
                '.' => {
                    chars.next();
                    segments.push(Segment::Key(key(&mut chars).map_err(&invalid)?));
                }
                _ if first => segments.push(Segment::Key(key(&mut chars).map_err(&invalid)?)),
                _ => return Err(invalid("expected . or [")),
            }
            first = false;
        }
        if segments.is_empty() {
            return Err(invalid("it is empty"));
        }
        Ok(ClaimPath {
            text: text.trim().to_string(),
            segments,
        })
    }
}

/// A key: `"quoted"` or bare up to the next `.` or `[`.
fn key(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, &'static str> {
    let mut key = String::new();
    if chars.next_if_eq(&'"').is_some() {
        loop {
            match chars.next() {
                Some('"') => break,
                Some(c) => key.push(c),
                None => return Err("an unclosed quote"),
            }
        }
    } else {
        while let Some(c) = chars.next_if(|c| *c != '.' && *c != '[') {
            key.push(c);
        }
    }
    if key.is_empty() {
        return Err("an empty key");
    }
    Ok(key)
}

impl ClaimPath {
    /// The value at this path, if any (`null` counts as absent).
    pub fn find<'a>(&self, claims: &'a Value) -> Option<&'a Value> {
        self.segments
            .iter()
            .try_fold(claims, |value, segment| match segment {
                Segment::Key(key) => value.get(key),
                Segment::Index(index) => value.get(index),
            })
            .filter(|value| !value.is_null())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_uuids_are_kept_and_other_subjects_map_to_a_stable_v5_id() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(user_id(&json!(id)).unwrap().to_string(), id);
        assert_eq!(
            user_id(&json!(id.to_uppercase())).unwrap().to_string(),
            id,
            "the same UUID in capitals"
        );
        let auth0 = user_id(&json!("auth0|64f1c2")).unwrap();
        assert_eq!(auth0, user_id(&json!("auth0|64f1c2")).unwrap());
        assert_eq!(auth0.get_version_num(), 5);
        assert_ne!(auth0, user_id(&json!("auth0|64f1c3")).unwrap());
        // Not canonical: hashed like any other string, never a database error.
        let urn = user_id(&json!(format!("urn:uuid:{id}"))).unwrap();
        assert_ne!(urn.to_string(), id);
        assert_eq!(
            user_id(&json!(12345)).unwrap(),
            user_id(&json!("12345")).unwrap()
        );
    }

    #[test]
    fn malformed_subjects_are_refused() {
        for bad in [
            json!(""),
            json!({"id": 1}),
            json!(["a"]),
            json!(true),
            json!(1.5),
        ] {
            assert!(user_id(&bad).is_err(), "{bad}");
        }
        assert!(user_id(&json!("a".repeat(256))).is_err());
        assert!(user_id(&json!("user\n1")).is_err());
    }

    #[test]
    fn claim_paths_find_nested_quoted_and_indexed_claims() {
        let claims = json!({
            "sub": "s",
            "app_metadata": { "user_id": "u" },
            "https://example.com/claims": { "id": "x" },
            "ids": ["first", "second"],
        });
        let find = |path: &str| {
            path.parse::<ClaimPath>()
                .unwrap()
                .find(&claims)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        assert_eq!(find("sub").as_deref(), Some("s"));
        assert_eq!(find(".sub").as_deref(), Some("s"));
        assert_eq!(find(".app_metadata.user_id").as_deref(), Some("u"));
        assert_eq!(
            find(".\"https://example.com/claims\".id").as_deref(),
            Some("x")
        );
        assert_eq!(find(".ids[1]").as_deref(), Some("second"));
        assert_eq!(find(".missing.deeper"), None);
        for bad in ["", ".", ".a..b", ".\"open", ".a[x]"] {
            assert!(bad.parse::<ClaimPath>().is_err(), "{bad:?}");
        }
    }
}
