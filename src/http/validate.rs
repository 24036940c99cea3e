//! Checks a request against the JSON Schemas its route declares (api.routes), before any
//! database work: path parameters, query parameters (coerced from text to the declared
//! type) and the body. An invalid request is a 400 that names the field, with the code the
//! field's schema declares ("x-error-code"); unknown fields are refused. The same schemas
//! make /openapi.json.

use jsonschema::{Draft, ValidationError, Validator, error::ValidationErrorKind};
use serde_json::{Map, Value, json};

/// What was wrong with a request, in a form a client can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: String,
    pub message: String,
}

/// The schemas of one route, as declared and as compiled.
#[derive(Debug, Default)]
pub struct RouteSchemas {
    /// Each path parameter's schema, by name.
    pub params: Map<String, Value>,
    /// Each query parameter's schema, by name.
    pub query: Map<String, Value>,
    /// The body's schema; None: the route takes no body.
    pub body: Option<Value>,
    /// The schema of the response's `data`.
    pub response: Value,
    compiled: Option<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    params: Checker,
    query: Checker,
    body: Option<Checker>,
}

/// A compiled schema and the schema itself (to find a failing field's x-error-code).
#[derive(Debug)]
struct Checker {
    schema: Value,
    validator: Validator,
}

impl Checker {
    fn new(schema: Value) -> Result<Self, String> {
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| e.to_string())?;
        Ok(Checker { schema, validator })
    }

    fn check(&self, instance: &Value, place: &str) -> Result<(), Invalid> {
        let mut errors: Vec<ValidationError> = self.validator.iter_errors(instance).collect();
        // Unknown fields first, then missing ones: the errors a client fixes first.
        errors.sort_by_key(|e| match e.kind() {
            ValidationErrorKind::AdditionalProperties { .. } => 0,
            ValidationErrorKind::Required { .. } => 1,
            // A rule between fields last: a field's own error names it.
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::Not { .. } => 3,
            _ => 2,
        });
        match errors.first() {
            None => Ok(()),
            Some(error) => Err(self.describe(error, place)),
        }
    }

    fn describe(&self, error: &ValidationError, place: &str) -> Invalid {
        let field = field_name(error.instance_path().as_str(), place);
        // A rule between fields (an allOf entry) carries its own message: no field is to blame.
        let keyword_path = error.schema_path().as_str();
        let rule = keyword_path.rsplit_once('/').map_or("", |(rule, _)| rule);
        if let Some(message) = self
            .schema
            .pointer(rule)
            .and_then(|schema| schema.get("x-error-message"))
            .and_then(Value::as_str)
        {
            return Invalid {
                code: self.error_code(keyword_path),
                message: message.into(),
            };
        }
        let message = match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                return Invalid {
                    code: "UNKNOWN_FIELD".into(),
                    message: format!("unknown {place} field: {}", unexpected.join(", ")),
                };
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                // A missing field's code is the one its own schema names, as for a bad value.
                let object = error.schema_path().as_str().trim_end_matches("/required");
                let code = self
                    .schema
                    .pointer(&format!("{object}/properties/{name}/x-error-code"))
                    .and_then(Value::as_str)
                    .unwrap_or("VALIDATION_ERROR");
                return Invalid {
                    code: code.into(),
                    message: format!("{} is required", field_name(&format!("/{name}"), place)),
                };
            }
            ValidationErrorKind::Type { kind } => format!("{field} must be {}", type_words(kind)),
            ValidationErrorKind::MinLength { limit } if *limit == 1 => {
                format!("{field} must not be empty")
            }
            ValidationErrorKind::MinLength { limit } => {
                format!("{field} must be at least {limit} characters")
            }
            ValidationErrorKind::MaxLength { limit } => {
                format!("{field} must be at most {limit} characters")
            }
            ValidationErrorKind::Minimum { limit } => format!("{field} must be at least {limit}"),
            ValidationErrorKind::Maximum { limit } => format!("{field} must be at most {limit}"),
            ValidationErrorKind::MaxItems { limit } => {
                format!("{field} must have at most {limit} items")
            }
            ValidationErrorKind::Enum { options } => format!("{field} must be one of {options}"),
            ValidationErrorKind::Constant { expected_value } => {
                format!("{field} must be {expected_value}")
            }
            ValidationErrorKind::Format { format } => format!("{field} must be a {format}"),
            ValidationErrorKind::Pattern { .. } => format!("{field} is not in the right form"),
            _ => format!("{field} is invalid"),
        };
        Invalid {
            code: self.error_code(error.schema_path().as_str()),
            message,
        }
    }

    /// The x-error-code of the schema the failing keyword belongs to, or of the nearest
    /// schema around it that has one.
    fn error_code(&self, keyword_path: &str) -> String {
        let mut path = keyword_path.to_string();
        while let Some(cut) = path.rfind('/') {
            path.truncate(cut);
            let code = self
                .schema
                .pointer(&path)
                .and_then(|schema| schema.get("x-error-code"))
                .and_then(Value::as_str);
            if let Some(code) = code {
                return code.to_string();
            }
        }
        "VALIDATION_ERROR".into()
    }
}

/// Writes every number with no fraction (`3.0`, which JSON Schema counts as an integer) as an
/// integer, so that PostgreSQL reads an `integer` field as one, whichever way it was spelled.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            if let Some(whole) = number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            {
                *value = Value::from(whole as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// `/laps/3` in the body as `laps[3]`; a parameter by its name.
fn field_name(instance_path: &str, place: &str) -> String {
    let mut parts = instance_path.trim_start_matches('/').split('/');
    let mut name = parts
        .next()
        .unwrap_or_default()
        .replace("~1", "/")
        .replace("~0", "~");
    for part in parts {
        name.push_str(&format!("[{part}]"));
    }
    if name.is_empty() {
        format!("the {place}")
    } else {
        name
    }
}

fn type_words(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => json_type_word(&t.to_string()),
        jsonschema::error::TypeKind::Multiple(types) => types
            .iter()
            .map(|t| json_type_word(&t.to_string()))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn json_type_word(name: &str) -> String {
    match name {
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "an array",
        "object" => "an object",
        other => other,
    }
    .to_string()
}

/// `properties` as an object schema; every one required when `all_required`.
fn object_of(properties: &Map<String, Value>, all_required: bool) -> Value {
    let required: Vec<&String> = if all_required {
        properties.keys().collect()
    } else {
        Vec::new()
    };
    json!({ "type": "object", "properties": properties, "required": required,
            "additionalProperties": false })
}

impl RouteSchemas {
    /// Compiles a route's schemas; an invalid schema is an error naming what is wrong.
    pub fn compile(
        params: Map<String, Value>,
        query: Map<String, Value>,
        body: Option<Value>,
        response: Value,
    ) -> Result<Self, String> {
        let compiled = Compiled {
            params: Checker::new(object_of(&params, true))?,
            query: Checker::new(object_of(&query, false))?,
            body: body.clone().map(Checker::new).transpose()?,
        };
        Ok(RouteSchemas {
            params,
            query,
            body,
            response,
            compiled: Some(compiled),
        })
    }

    /// Checks a request's parts and merges them into the function's argument: body fields,
    /// then query parameters, then path parameters.
    pub fn arguments(
        &self,
        path: Map<String, Value>,
        query: Option<&str>,
        body: Option<Map<String, Value>>,
    ) -> Result<Map<String, Value>, Invalid> {
        let compiled = self
            .compiled
            .as_ref()
            .expect("route schemas are compiled when loaded");
        let query = self.typed_query(query);
        compiled
            .params
            .check(&Value::Object(path.clone()), "path")?;
        compiled
            .query
            .check(&Value::Object(query.clone()), "query")?;
        let mut args = match (body, &compiled.body) {
            (Some(body), Some(checker)) => {
                let mut body = Value::Object(body);
                checker.check(&body, "body")?;
                whole_numbers_as_integers(&mut body);
                match body {
                    Value::Object(fields) => fields,
                    _ => unreachable!(),
                }
            }
            (Some(body), None) if !body.is_empty() => {
                return Err(Invalid {
                    code: "UNKNOWN_FIELD".into(),
                    message: "this endpoint takes no body".into(),
                });
            }
            // No body reads as {}, and is checked as {}: a rule that asks for a field still holds.
            (None, Some(checker)) => {
                checker.check(&json!({}), "body")?;
                Map::new()
            }
            _ => Map::new(),
        };
        args.extend(query);
        args.extend(path);
        Ok(args)
    }

    /// The declared query parameters, unchecked, others left out (for pages that browsers
    /// open with whatever parameters a link carried).
    pub fn declared_query(&self, query: Option<&str>) -> Map<String, Value> {
        let mut typed = self.typed_query(query);
        typed.retain(|name, _| self.query.contains_key(name));
        typed
    }

    /// Query parameters, each as the type its schema declares (text when it does not parse,
    /// so that the check says what is wrong).
    fn typed_query(&self, query: Option<&str>) -> Map<String, Value> {
        form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(name, text)| {
                let declared = self
                    .query
                    .get(name.as_ref())
                    .and_then(|schema| schema.get("type"))
                    .and_then(Value::as_str);
                let value = match declared {
                    Some("integer") => text.parse::<i64>().map(Value::from).ok(),
                    Some("boolean") => text.parse::<bool>().map(Value::from).ok(),
                    _ => None,
                }
                .unwrap_or_else(|| Value::String(text.to_string()));
                (name.into_owned(), value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> RouteSchemas {
        RouteSchemas::compile(
            json!({ "id": { "type": "string", "format": "uuid", "x-error-code": "INVALID_ID" } })
                .as_object()
                .unwrap()
                .clone(),
            json!({ "limit": { "type": "integer", "minimum": 1, "maximum": 100 } })
                .as_object()
                .unwrap()
                .clone(),
            Some(json!({ "type": "object", "additionalProperties": false, "required": ["track"],
                         "properties": {
                             "track": { "type": "string", "maxLength": 5 },
                             "laps": { "type": "array", "items": { "type": "integer", "minimum": 1,
                                                                   "x-error-code": "INVALID_LAPS" } } } })),
            json!({}),
        )
        .unwrap()
    }

    fn path(id: &str) -> Map<String, Value> {
        json!({ "id": id }).as_object().unwrap().clone()
    }

    fn body(value: Value) -> Option<Map<String, Value>> {
        value.as_object().cloned()
    }

    const ID: &str = "6f1c2d4e-0000-4000-8000-000000000001";

    #[test]
    fn whole_numbers_reach_the_database_as_integers() {
        let args = schemas()
            .arguments(
                path(ID),
                None,
                body(json!({ "track": "Spa", "laps": [11587.0, 134, 1e3] })),
            )
            .unwrap();
        assert_eq!(args["laps"], json!([11587, 134, 1000]));
    }

    #[test]
    fn path_query_and_body_merge_with_the_path_winning() {
        let args = schemas()
            .arguments(path(ID), Some("limit=5"), body(json!({ "track": "Spa" })))
            .unwrap();
        assert_eq!(args["id"], ID);
        assert_eq!(args["limit"], 5, "a query integer arrives as a number");
        assert_eq!(args["track"], "Spa");
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let error = schemas()
            .arguments(
                path(ID),
                None,
                body(json!({ "track": "Spa", "visiblity": "public" })),
            )
            .unwrap_err();
        assert_eq!(error.code, "UNKNOWN_FIELD");
        assert!(error.message.contains("visiblity"), "{error}");
        let error = schemas()
            .arguments(path(ID), Some("limt=5"), body(json!({ "track": "Spa" })))
            .unwrap_err();
        assert!(error.message.contains("limt"), "{error}");
    }

    #[test]
    fn each_failure_names_its_field_and_the_declared_code() {
        let error = schemas()
            .arguments(path("nope"), None, body(json!({ "track": "Spa" })))
            .unwrap_err();
        assert_eq!(error.code, "INVALID_ID");
        assert!(error.message.starts_with("id "), "{error}");
        let error = schemas()
            .arguments(
                path(ID),
                None,
                body(json!({ "track": "Spa", "laps": [1, 0] })),
            )
            .unwrap_err();
        assert_eq!(error.code, "INVALID_LAPS");
        assert!(error.message.starts_with("laps[1]"), "{error}");
        let error = schemas()
            .arguments(path(ID), Some("limit=x"), body(json!({ "track": "Spa" })))
            .unwrap_err();
        assert_eq!(error.message, "limit must be a whole number");
        let error = schemas()
            .arguments(path(ID), None, body(json!({})))
            .unwrap_err();
        assert_eq!(error.message, "track is required");
        let error = schemas()
            .arguments(
                path(ID),
                None,
                body(json!({ "track": "Spa Francorchamps" })),
            )
            .unwrap_err();
        assert_eq!(error.code, "VALIDATION_ERROR");
        assert_eq!(error.message, "track must be at most 5 characters");
    }
}
