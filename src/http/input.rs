//! The one JSON argument of an `api.*` function: body fields, then query parameters, then
//! path parameters (later ones win, so a body cannot override the id in the path).

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

/// Builds the argument from the parts of a request.
pub fn build_args(
    path_params: &[(&'static str, String)],
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<String, InputError> {
    let mut args = parse_body(content_type, body)?;
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        args.insert(name.into_owned(), Value::String(value.into_owned()));
    }
    for (name, value) in path_params {
        args.insert((*name).to_string(), Value::String(value.clone()));
    }
    let args = Value::Object(args);
    // PostgreSQL text cannot hold NUL; refuse it here, with the API's own message.
    if contains_nul(&args) {
        return Err(InputError::NulCharacter);
    }
    Ok(args.to_string())
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

fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, InputError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let is_json = content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(InputError::UnsupportedMediaType);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(InputError::NotAnObject),
        Err(e) => Err(InputError::MalformedJson(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_beats_query_beats_body() {
        let args = build_args(
            &[("id", "from-path".into())],
            Some("id=from-query&limit=5"),
            Some("application/json; charset=utf-8"),
            br#"{"id": "from-body", "name": "x"}"#,
        )
        .unwrap();
        let args: Value = serde_json::from_str(&args).unwrap();
        assert_eq!(args["id"], "from-path");
        assert_eq!(args["limit"], "5");
        assert_eq!(args["name"], "x");
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert_eq!(
            build_args(&[], None, Some("text/plain"), b"{}"),
            Err(InputError::UnsupportedMediaType)
        );
        assert_eq!(
            build_args(&[], None, None, b"{}"),
            Err(InputError::UnsupportedMediaType)
        );
        assert_eq!(
            build_args(&[], None, Some("application/json"), b"[1]"),
            Err(InputError::NotAnObject)
        );
        assert!(matches!(
            build_args(&[], None, Some("application/json"), b"{\"a\":"),
            Err(InputError::MalformedJson(_))
        ));
        assert_eq!(build_args(&[], None, None, b""), Ok("{}".into()));
    }

    #[test]
    fn nul_characters_are_refused_wherever_they_are() {
        let json = Some("application/json");
        assert_eq!(
            build_args(&[], None, json, br#"{"a": "x\u0000"}"#),
            Err(InputError::NulCharacter)
        );
        assert_eq!(
            build_args(&[], None, json, br#"{"a\u0000": 1}"#),
            Err(InputError::NulCharacter)
        );
        assert_eq!(
            build_args(&[], None, json, br#"{"a": [{"b": "\u0000"}]}"#),
            Err(InputError::NulCharacter)
        );
        assert_eq!(
            build_args(&[], Some("q=%00"), None, b""),
            Err(InputError::NulCharacter)
        );
        assert_eq!(
            build_args(&[("id", "a\0".into())], None, None, b""),
            Err(InputError::NulCharacter)
        );
    }
}
