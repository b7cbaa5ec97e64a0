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
EXTRA = {
    ("/api/submissions/", "post"): ["413", "415", "422", "503"],
    ("/api/submissions/{submission_id}/withdraw/", "post"): ["409"],
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS``)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
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
    return result
