//! Reading a request body: a JSON object, within the size limit, without NUL characters
//! (which PostgreSQL text cannot hold). Checking it against the route is validate.rs's job.

use serde_json::{Map, Value};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InputError {
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body must be a JSON object")]
    NotAnObject,
    #[error("text must not contain NUL characters")]
    NulCharacter,
}

/// The request body as a JSON object (None when there is none).
pub fn parse_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Option<Map<String, Value>>, InputError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let is_json = content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(InputError::UnsupportedMediaType);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(Some(fields)),
        Ok(_) => Err(InputError::NotAnObject),
        Err(e) => Err(InputError::MalformedJson(e.to_string())),
    }
}

/// PostgreSQL text cannot hold NUL: refused here, with the API's own message.
pub fn refuse_nul(args: &Map<String, Value>) -> Result<(), InputError> {
    let found = args
        .iter()
        .any(|(key, value)| key.contains('\0') || contains_nul(value));
    if found {
        Err(InputError::NulCharacter)
    } else {
        Ok(())
    }
}

/// The same for a query string, decoded.
pub fn refuse_nul_in_query(query: Option<&str>) -> Result<(), InputError> {
    let found = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(name, value)| name.contains('\0') || value.contains('\0'));
    if found {
        Err(InputError::NulCharacter)
    } else {
        Ok(())
    }
}

fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || contains_nul(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_json_objects() {
        assert_eq!(
            parse_body(Some("text/plain"), b"{}"),
            Err(InputError::UnsupportedMediaType)
        );
        assert_eq!(
            parse_body(None, b"{}"),
            Err(InputError::UnsupportedMediaType)
        );
        assert_eq!(
            parse_body(Some("application/json"), b"[1]"),
            Err(InputError::NotAnObject)
        );
        assert!(matches!(
            parse_body(Some("application/json"), b"{\"a\":"),
            Err(InputError::MalformedJson(_))
        ));
        assert_eq!(parse_body(None, b"  "), Ok(None));
        assert!(
            parse_body(Some("application/json; charset=utf-8"), b"{\"a\": 1}")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn nul_characters_are_refused_wherever_they_are() {
        for value in [
            serde_json::json!({ "a": "x\u{0}" }),
            serde_json::json!({ "a\u{0}": 1 }),
            serde_json::json!({ "a": [{ "b": "\u{0}" }] }),
        ] {
            assert_eq!(
                refuse_nul(value.as_object().unwrap()),
                Err(InputError::NulCharacter)
            );
        }
        assert_eq!(
            refuse_nul(serde_json::json!({ "a": "b" }).as_object().unwrap()),
            Ok(())
        );
    }
}
