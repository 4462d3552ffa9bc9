"""Validating the workflow configuration with messages a user can act on.

The JSON schema (``config/schema.yaml``) is the single description of every key. Its
raw validation errors quote schema internals; `check` names the offending key and what
is allowed instead, before any job starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml


class ConfigError(ValueError):
    """A configuration value that is not allowed; the message names the key."""


def load_schema(path: str | Path) -> dict[str, Any]:
    with open(path) as fh:
        return yaml.safe_load(fh)


def defaults(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: prop.get("default") for key, prop in schema["properties"].items()}


def check(config: dict[str, Any], schema: dict[str, Any], experiments: Iterable[str] | None = None) -> None:
    """Raise `ConfigError` for the first problem in ``config``, naming the key and the allowed values.

    ``experiments`` (the discovered experiment names) also validates the keys that name
    experiments.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError(_explain(errors[0], schema))
    if experiments is not None:
        names = sorted(experiments)
        for key, values in (("experiments", config.get("experiments") or []),
                            ("overrides", list(config.get("overrides") or {}))):
            unknown = [v for v in values if v not in names]
            if unknown:
                raise ConfigError(f"config key {key!r}: unknown experiment(s) {', '.join(map(repr, unknown))}; "
                                  f"allowed: {', '.join(names)}")


def _explain(error, schema: dict[str, Any]) -> str:
    key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = f" under {key!r}" if error.absolute_path else ""
        return (f"unknown config key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}{where}; "
                f"allowed keys: {', '.join(allowed)}")
    if error.validator == "enum":
        return (f"config key {key!r}: {error.instance!r} is not allowed; "
                f"allowed values: {', '.join(map(str, error.validator_value))}")
    if error.validator == "type":
        return f"config key {key!r}: expected {error.validator_value}, got {error.instance!r}"
    if error.validator in ("minimum", "maximum"):
        bound = "at least" if error.validator == "minimum" else "at most"
        return f"config key {key!r}: {error.instance!r} is not allowed; must be {bound} {error.validator_value}"
    return f"config key {key!r}: {error.message}"
