//! Every reply the tests get is checked against the server's own `/openapi.json`: its status
//! must be one the operation describes, with the headers the document says it always has, in a
//! content type it names, and a JSON body must match that response's schema. So the whole suite
//! proves that the document (and the client generated from it) matches what the API answers.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use jsonschema::{Draft, Validator};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// The document of one server, fetched when first needed, and again when a path that answers
/// (neither 404 nor 405) is missing from it — a migration may have added routes since — once
/// per such path.
#[derive(Default)]
pub struct Contract {
    document: Mutex<Option<Arc<Document>>>,
    refetched_for: Mutex<HashSet<(Method, String)>>,
}

impl Contract {
    /// Checks one reply to a request (`method`, `path`) to the server at `address`; panics,
    /// naming the mismatch, when the document does not describe it.
    pub async fn check(
        &self,
        http: &reqwest::Client,
        address: &str,
        (method, path): (&Method, &str),
        status: StatusCode,
        headers: &HeaderMap,
        text: &str,
    ) {
        let known = self.document.lock().unwrap().clone();
        let stale = match &known {
            None => true,
            Some(document) => {
                document.operation(method, path).is_none()
                    && status != StatusCode::NOT_FOUND
                    && status != StatusCode::METHOD_NOT_ALLOWED
                    && self
                        .refetched_for
                        .lock()
                        .unwrap()
                        .insert((method.clone(), path.to_string()))
            }
        };
        let document = match known {
            Some(document) if !stale => Some(document),
            _ => match Document::fetch(http, address).await {
                Some(fetched) => {
                    let fetched = Arc::new(fetched);
                    *self.document.lock().unwrap() = Some(fetched.clone());
                    Some(fetched)
                }
                None => known,
            },
        };
        // A server whose routes never loaded (its database away since start) has no document.
        let Some(document) = document else { return };
        if let Err(mismatch) = document.check(method, path, status, headers, text) {
            panic!(
                "{method} {path} answered {status}, which /openapi.json does not describe: \
                 {mismatch}\nbody: {text}"
            );
        }
    }
}

/// A parsed OpenAPI document and the validators compiled from it so far.
pub struct Document {
    openapi: Value,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

impl Document {
    async fn fetch(http: &reqwest::Client, address: &str) -> Option<Document> {
        let response = http
            .get(format!("{address}/openapi.json"))
            .send()
            .await
            .ok()?;
        if response.status() != StatusCode::OK {
            return None;
        }
        let openapi: Value = response.json().await.ok()?;
        openapi.get("paths")?;
        Some(Document {
            openapi,
            validators: Mutex::default(),
        })
    }

    /// The operation `method path` is routed to, as the server routes: the templates with the
    /// most literal segments win (then the method must be one of theirs), and a template's
    /// `{name}` matches any non-empty segment.
    fn operation(&self, method: &Method, path: &str) -> Option<(&str, &Value)> {
        let method = if method == Method::HEAD {
            "get".to_string()
        } else {
            method.as_str().to_ascii_lowercase()
        };
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let matching: Vec<(&String, &Value, usize)> = self.openapi["paths"]
            .as_object()?
            .iter()
            .filter_map(|(template, item)| {
                let parts: Vec<&str> = template.split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut literals = 0;
                for (part, segment) in parts.iter().zip(&segments) {
                    if part.starts_with('{') {
                        if segment.is_empty() {
                            return None;
                        }
                    } else if part == segment {
                        literals += 1;
                    } else {
                        return None;
                    }
                }
                Some((template, item, literals))
            })
            .collect();
        let most = matching.iter().map(|(_, _, literals)| *literals).max()?;
        matching
            .into_iter()
            .filter(|(_, _, literals)| *literals == most)
            .find_map(|(template, item, _)| Some((template.as_str(), item.get(&method)?)))
    }

    fn check(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        text: &str,
    ) -> Result<(), String> {
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_string());
        let Some((template, operation)) = self.operation(method, path) else {
            // No operation (an unknown path, another method, the web files): a JSON failure
            // is still the failure envelope.
            if content_type.as_deref() == Some("application/json") && status.as_u16() >= 400 {
                return self.validate(
                    "#/components/schemas/Failure",
                    &json!({ "$ref": "#/components/schemas/Failure" }),
                    text,
                );
            }
            return Ok(());
        };
        let code = status.as_u16().to_string();
        let range = format!("{}XX", status.as_u16() / 100);
        let (key, response) = [&code, &range, "default"]
            .into_iter()
            .find_map(|key| Some((key, operation["responses"].get(key)?)))
            .ok_or_else(|| format!("{template} describes no {code} (nor {range})"))?;
        for (name, header) in response["headers"].as_object().into_iter().flatten() {
            if header["required"] == true && !headers.contains_key(name.as_str()) {
                return Err(format!(
                    "its {key} answer always has {name}, this one has not"
                ));
            }
        }
        let Some(content) = response.get("content") else {
            return match text.is_empty() {
                true => Ok(()),
                false => Err(format!("its {key} answer has no body")),
            };
        };
        if method == Method::HEAD {
            return Ok(());
        }
        let content_type = content_type.unwrap_or_default();
        let Some(media) = content.get(&content_type) else {
            return Err(format!("its {key} answer is not {content_type:?}"));
        };
        if content_type != "application/json" {
            return Ok(());
        }
        let place = format!("{template} {method} {key}");
        self.validate(&place, &media["schema"], text)
    }

    /// Validates `text` as JSON against `schema` (its `$ref`s into the document resolved),
    /// compiling each schema once.
    fn validate(&self, place: &str, schema: &Value, text: &str) -> Result<(), String> {
        let validator = {
            let mut validators = self.validators.lock().unwrap();
            match validators.get(place) {
                Some(validator) => validator.clone(),
                None => {
                    let resolved = self.resolve(schema);
                    let validator = jsonschema::options()
                        .with_draft(Draft::Draft202012)
                        .should_validate_formats(true)
                        .build(&resolved)
                        .map_err(|e| format!("its schema does not compile: {e}"))?;
                    let validator = Arc::new(validator);
                    validators.insert(place.to_string(), validator.clone());
                    validator
                }
            }
        };
        let body: Value =
            serde_json::from_str(text).map_err(|e| format!("the body is not JSON: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {:?}", e, e.instance_path().as_str()))
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(errors.join("; ")),
        }
    }

    /// `schema` with every `{"$ref": "#/…"}` replaced by what it points at in the document.
    fn resolve(&self, schema: &Value) -> Value {
        match schema {
            Value::Object(fields) => {
                if let Some(target) = fields
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|pointer| self.openapi.pointer(pointer))
                {
                    return self.resolve(target);
                }
                Value::Object(
                    fields
                        .iter()
                        .map(|(name, value)| (name.clone(), self.resolve(value)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve(v)).collect()),
            other => other.clone(),
        }
    }
}
