"""The error answers every API operation can give, added to the OpenAPI schema.

drf-spectacular documents the success responses each view declares; the errors come from
DRF itself (validation, authentication, permissions, throttling, 404) and from the upload
checks. Documenting them lets clients, and the schema-driven fuzz test, rely on the schema
for every answer, not only for the 2xx ones.
"""

from rest_framework.permissions import AllowAny

ERROR = {
    "type": "object",
    "description": (
        "What is wrong: `detail` for the request as a whole, or each offending field with "
        "its messages"
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
MESSAGES = {
    "400": "invalid input: the body says which field and why",
    "401": "no valid token (send `Authorization: Token <token>`)",
    "403": "not allowed for this user",
    "404": "no such object, or not yours",
    "409": "not possible in the object's current state",
    "413": "the upload is too large, or over a cap (pages, words, bytes after decompression, "
    "your quota): the body says which",
    "415": "the file's type is not accepted",
    "422": "the file took more time or memory to read than the limits allow",
    "429": "too many requests: retry after the `Retry-After` header's seconds",
    "503": "every file reader is busy: try again shortly",
}
# Errors that only some operations give, beyond what their view class tells.
UPLOAD = ["413", "415", "422", "503"]
EXTRA = {
    ("/api/submissions/", "post"): UPLOAD,
    ("/api/submissions/{submission_id}/versions/", "post"): [*UPLOAD, "409"],
    ("/api/submissions/{submission_id}/withdraw/", "post"): ["409"],
    ("/api/submissions/{submission_id}/transition/", "post"): ["409"],
    ("/api/submissions/{submission_id}/recheck/", "post"): ["409"],
    ("/api/submissions/{submission_id}/authors/", "post"): ["409"],
    ("/api/submissions/{submission_id}/invitations/", "post"): ["409"],
    ("/api/submissions/{submission_id}/invitations/{invitation_id}/remove/", "post"): ["409"],
    ("/api/invitations/{invitation_id}/accept/", "post"): ["409"],
    ("/api/invitations/{invitation_id}/decline/", "post"): ["409"],
    ("/api/submissions/{submission_id}/reviews/mine/", "post"): ["409"],
    ("/api/submissions/{submission_id}/reviews/mine/", "put"): ["409"],
}
# Where the objects an operation needs come from (OpenAPI links): clients, and the fuzz's
# stateful phase, follow them from a new submission or version to what can be done with it.
CREATES = {
    ("/api/submissions/", "post", "201"): {"submission_id": "$response.body#/id"},
    ("/api/submissions/{submission_id}/versions/", "post", "201"): {
        "submission_id": "$request.path.submission_id",
        "number": "$response.body#/number",
    },
}


def add_links(result) -> None:
    """Link each creating operation's answer to every operation whose path parameters it
    supplies (``CREATES``)."""
    operations = [
        (path, method, operation)
        for path, methods in result.get("paths", {}).items()
        for method, operation in methods.items()
    ]
    for (path, method, code), supplies in CREATES.items():
        response = result["paths"][path][method]["responses"][code]
        links = response.setdefault("links", {})
        for other_path, _, other in operations:
            needed = [p["name"] for p in other.get("parameters", []) if p["in"] == "path"]
            if needed and set(needed) <= set(supplies) and other_path != path:
                links[other["operationId"]] = {
                    "operationId": other["operationId"],
                    "parameters": {name: supplies[name] for name in needed},
                }


# DRF's text fields refuse NUL characters, and trim spaces before requiring a non-blank
# value: patterns say so.
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"


def _refuse_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema):
        schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) >= 1 else NO_NUL


def refuse_nul_in_text(result) -> None:
    """Every text a client sends (request properties, query parameters) may not hold NUL."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            for prop in schema.get("properties", {}).values():
                _refuse_nul(prop)
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _refuse_nul(parameter.get("schema", {}))


def close_request_bodies(result) -> None:
    """Input serializers refuse fields they do not know: say so in their schemas (the request
    components, ``...Request`` with ``COMPONENT_SPLIT_REQUEST``, nested ones included), so
    that a body the schema allows is one the server takes."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS``)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    close_request_bodies(result)
    refuse_nul_in_text(result)
    views = {
        (path, method.lower()): callback.cls
        for path, _, method, callback in generator.endpoints or []
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            view = views.get((path, method))
            codes = set(EXTRA.get((path, method), []))
            if operation.get("parameters") or operation.get("requestBody"):
                codes.add("400")
            parameters = operation.get("parameters", [])
            if "{" in path or any(p["name"] == "page" for p in parameters):
                codes.add("404")  # no such object, or a page past the end
            for parameter in parameters:
                if parameter["in"] == "query" and not parameter.get("required"):
                    # DRF reads an empty optional query parameter as not given.
                    parameter["allowEmptyValue"] = True
            if view is not None:
                if AllowAny not in getattr(view, "permission_classes", []):
                    codes |= {"401", "403"}
                if getattr(view, "throttle_classes", None):
                    codes.add("429")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": MESSAGES[code],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    add_links(result)
    return result
