"""A bad config value stops the run before any job starts, naming the key and what is allowed."""

import pytest

from conftest import REPO, snakemake
from nnclaims.evidence.settings import ConfigError, check, defaults, load_schema

SCHEMA = load_schema(REPO / "config" / "schema.yaml")


def test_shipped_config_is_valid_and_lists_every_key():
    import yaml

    shipped = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    check(shipped, SCHEMA, experiments=["xor"])
    assert set(shipped) == set(SCHEMA["properties"])
    for key, prop in SCHEMA["properties"].items():
        assert prop.get("description"), f"{key} has no description"
        assert "default" in prop, f"{key} has no default"
        assert shipped[key] == prop["default"], f"config.yaml and the schema disagree on {key}'s default"


@pytest.mark.parametrize("config,needles", [
    ({"profile": "fast"}, ["'profile'", "'fast'", "quick", "full"]),
    ({"device": "tpu"}, ["'device'", "auto", "cpu", "cuda"]),
    ({"engine": "vmap"}, ["'engine'", "batched", "loop"]),
    ({"threads": 0}, ["'threads'", "at least 1"]),
    ({"threads": "two"}, ["'threads'", "integer"]),
    ({"proflie": "quick"}, ["unknown config key 'proflie'", "profile", "device"]),
    ({"overrides": {"xor": {"seed": 3}}}, ["unknown config key 'seed'", "seeds", "shards"]),
])
def test_bad_values_name_the_key_and_the_allowed_values(config, needles):
    with pytest.raises(ConfigError) as err:
        check({**defaults(SCHEMA), **config}, SCHEMA)
    for needle in needles:
        assert needle in str(err.value)


def test_unknown_experiment_names_are_listed():
    with pytest.raises(ConfigError, match="unknown experiment.*'xorr'.*allowed: param_count, xor"):
        check({**defaults(SCHEMA), "experiments": ["xorr"]}, SCHEMA, experiments=["xor", "param_count"])


def test_workflow_stops_before_any_job(tmp_path):
    result = snakemake("--cores", "1", "--config", "profile=fast", cwd=tmp_path)
    assert result.returncode != 0
    assert "config key 'profile': 'fast' is not allowed; allowed values: quick, full" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()
