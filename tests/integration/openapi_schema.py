"""A minimal validator of responses against docs/openapi.yaml (no third-party package: the
OpenAPI validators are not packaged in Debian 12).

The JSON-Schema subset the spec uses: $ref (local), allOf, anyOf, type (with OpenAPI's
nullable), required, properties, additionalProperties, enum, items, minimum/maximum and the
date-time format. With strict=True an object schema that lists `properties` and says nothing
about additionalProperties is closed, so a field the daemon sends but the spec does not name
is an error: that is the drift this module exists to catch.
"""

import re
from pathlib import Path

import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def load_spec(path=SPEC_PATH):
    return yaml.safe_load(Path(path).read_text())


def deref(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _properties(spec, schema):
    """Property names a schema declares, through allOf."""
    schema = deref(spec, schema)
    names = set(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        names |= _properties(spec, sub)
    return names


def validate(spec, schema, value, where="$", strict=True, errors=None, closed=True):
    """Returns the list of mismatches of `value` against `schema` (empty when it conforms)."""
    errors = [] if errors is None else errors
    schema = deref(spec, schema)
    if value is None:
        if not schema.get("nullable") and schema:
            errors.append(f"{where}: null, not nullable")
        return errors
    for sub in schema.get("allOf", []):
        # Each part checks its own fields; the union of their properties closes the object.
        validate(spec, sub, value, where, strict, errors, closed=False)
    if "anyOf" in schema:
        # Each alternative is a whole schema (closed); one that only adds `required` closes
        # nothing, as it lists no properties.
        if all(validate(spec, s, value, where, strict, [], closed) for s in schema["anyOf"]):
            errors.append(f"{where}: matches none of anyOf")
    t = schema.get("type")
    if t and not TYPES[t](value):
        errors.append(f"{where}: {type(value).__name__}, expected {t}")
        return errors
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > maximum {schema['maximum']}")
    if isinstance(value, str) and schema.get("format") == "date-time" and \
            not DATE_TIME.match(value):
        errors.append(f"{where}: {value!r} is not an RFC 3339 date-time")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(spec, schema["items"], item, f"{where}[{i}]", strict, errors)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: required field '{name}' missing")
        for name, v in value.items():
            if name in props:
                validate(spec, props[name], v, f"{where}.{name}", strict, errors)
        extra_schema = schema.get("additionalProperties")
        known = _properties(spec, schema)
        extras = [n for n in value if n not in known]
        if isinstance(extra_schema, dict):
            for n in extras:
                validate(spec, extra_schema, value[n], f"{where}.{n}", strict, errors)
        elif extra_schema is False or (strict and closed and extra_schema is None and known):
            for n in extras:
                errors.append(f"{where}: field '{n}' is not in the spec")
    return errors


def template_for(spec, method, path):
    """The documented path template a concrete request path matches (exact paths first)."""
    path = path.split("?", 1)[0]
    method = method.lower()
    candidates = []
    for template, item in spec["paths"].items():
        if method not in item:
            continue
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(rx, path):
            candidates.append((template.count("{"), template))
    assert candidates, f"{method.upper()} {path} is not in docs/openapi.yaml"
    return min(candidates)[1]


def is_documented(spec, method, path):
    """Does METHOD PATH match an operation of the spec?"""
    try:
        template_for(spec, method, path)
        return True
    except AssertionError:
        return False


def check_response(spec, method, path, response, strict=True):
    """Asserts that a conftest Response is documented for METHOD PATH and matches its schema."""
    template = template_for(spec, method, path)
    op = spec["paths"][template][method.lower()]
    status = str(response.status)
    if status not in op["responses"] and response.status in spec.get("x-mfad-listener-errors", []):
        # A listener error (413, 500, ...) may answer any request, always with the Error body.
        errors = validate(spec, {"$ref": "#/components/schemas/Error"}, response.json(), "$",
                          strict)
        assert not errors, f"{method} {template} {status}: not an Error body:\n" + \
            "\n".join(errors)
        return
    assert status in op["responses"], \
        f"{method} {template}: status {status} is not documented ({response!r})"
    doc = deref(spec, op["responses"][status])
    ctype = response.headers.get("content-type", "").split(";", 1)[0].strip()
    content = doc.get("content", {})
    if not content:
        return
    assert ctype in content, f"{method} {template} {status}: content type {ctype} not documented"
    schema = content[ctype].get("schema")
    if schema is None or ctype != "application/json":
        return
    errors = validate(spec, schema, response.json(), "$", strict)
    assert not errors, f"{method} {template} {status} differs from the spec:\n" + \
        "\n".join(errors)
