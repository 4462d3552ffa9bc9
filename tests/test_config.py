"""Settings: one schema, defaults written once, every bad value named in one sentence."""

import re

import pytest
import yaml

from conftest import REPO, snakemake
from nnclaims.evidence.settings import (
    ConfigError, Settings, check, coerce, defaults, load_schema, merge_config, read_config_file, settings_from,
)

SCHEMA = load_schema(REPO / "config" / "schema.yaml")
EXPERIMENTS = ["param_count", "xor"]


def test_defaults_live_in_the_schema_only():
    for key, prop in SCHEMA["properties"].items():
        assert prop.get("description"), f"{key} has no description"
        assert "default" in prop, f"{key} has no default"
    shipped = REPO / "config" / "config.yaml"
    assert read_config_file(shipped) == {}, "config.yaml repeats defaults; they belong in schema.yaml"
    text = shipped.read_text()
    for key in SCHEMA["properties"]:
        assert f"# {key}:" in text, f"config.yaml does not mention {key}"
    assert settings_from({}) == Settings(**{**defaults(SCHEMA), "experiments": ()})


def test_readme_configuration_table_matches_the_schema():
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("| key | default | meaning |"):]
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", table, flags=re.M))
    assert set(rows) == set(SCHEMA["properties"])
    for key, prop in SCHEMA["properties"].items():
        assert yaml.safe_load(rows[key] or '""') == prop["default"], f"README's default of {key} is not the schema's"


@pytest.mark.parametrize("config,needles", [
    ({"profile": "fast"}, ["'profile'", "'fast'", "quick", "full"]),
    ({"device": "tpu"}, ["'device'", "auto", "cpu", "cuda"]),
    ({"engine": "vmap"}, ["'engine'", "batched", "fused", "loop"]),
    ({"threads": 0}, ["'threads'", "at least 1"]),
    ({"threads": "two"}, ["'threads'", "integer", "'two'"]),
    ({"seed_block": "fresh"}, ["'seed_block'", "confirmatory", "exploration", "protocol-1"]),
    ({"proflie": "quick"}, ["unknown config key 'proflie'", "profile", "device"]),
    ({"overrides": {"xor": {"seed": 3}}}, ["unknown config key 'seed'", "seeds", "shards"]),
    ({"overrides": {"xor": {"seeds": 0}}}, ["'overrides.xor.seeds'", "0 is not allowed", "at least 2"]),
    ({"overrides": {"xor": {"seeds": -1}}}, ["'overrides.xor.seeds'", "-1 is not allowed", "at least 2"]),
    ({"overrides": {"xor": {"shards": 0}}}, ["'overrides.xor.shards'", "at least 1"]),
    ({"overrides": {"xorr": {"seeds": 5}}}, ["'overrides'", "unknown experiment 'xorr'", "param_count, xor"]),
    ({"experiments": ["xorr"]}, ["'experiments'", "unknown experiment 'xorr'", "param_count, xor"]),
])
def test_bad_values_name_the_key_and_the_allowed_values(config, needles):
    with pytest.raises(ConfigError) as err:
        settings_from(config, SCHEMA, experiments=EXPERIMENTS)
    message = str(err.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def test_command_line_strings_are_coerced_like_the_file():
    # Snakemake passes nested --config values as strings.
    config = coerce({"overrides": {"xor": {"seeds": "5", "shards": "2"}}, "threads": "2",
                     "experiments": "xor,param_count"}, SCHEMA)
    assert config == {"overrides": {"xor": {"seeds": 5, "shards": 2}}, "threads": 2,
                      "experiments": ["xor", "param_count"]}
    s = settings_from({"overrides": {"xor": {"seeds": "5"}}}, SCHEMA, experiments=EXPERIMENTS)
    assert s.override("xor", "seeds") == 5
    with pytest.raises(ConfigError, match="'overrides.xor.seeds': expected integer, got 'five'"):
        settings_from({"overrides": {"xor": {"seeds": "five"}}}, SCHEMA, experiments=EXPERIMENTS)


def test_command_line_merges_into_the_file_key_by_key():
    merged = merge_config({"profile": "quick", "overrides": {"xor": {"seeds": 5}}},
                          {"overrides": {"xor": {"shards": 2}}, "device": "cpu"})
    assert merged == {"profile": "quick", "device": "cpu", "overrides": {"xor": {"seeds": 5, "shards": 2}}}


def test_yaml_errors_name_the_line_and_duplicates_are_refused(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("profile: quick\ndevice: [cpu\n")
    with pytest.raises(ConfigError, match=r"config.yaml, line 3, column 1: .*not valid YAML"):
        read_config_file(bad)
    bad.write_text("profile: quick\ndevice: cpu\nprofile: full\n")
    with pytest.raises(ConfigError, match=r"config.yaml, line 3: key 'profile' appears twice \(first on line 1\)"):
        read_config_file(bad)
    bad.write_text("- profile\n- quick\n")
    with pytest.raises(ConfigError, match="holds keys and values"):
        read_config_file(bad)


def test_run_settings_hold_what_shapes_results():
    s = settings_from({"profile": "quick", "seed_block": "exploration", "mnist_path": "/nowhere"})
    run = s.for_run("xor", 3)
    assert run.seeds == (20000, 20001, 20002) and run.mnist_path == ""  # xor does not read MNIST
    assert s.for_run("mnist", 2, reads=["mnist_path"]).mnist_path == "/nowhere"
    other = settings_from({"profile": "quick"}).for_run("xor", 3)
    assert run.differences(other) == ["seed_block confirmatory → exploration",
                                      "seeds 10000–10002 (3) → 20000–20002 (3)"]


def test_the_check_function_is_what_the_workflow_uses():
    check(defaults(SCHEMA), SCHEMA, experiments=EXPERIMENTS)


@pytest.mark.parametrize("args,message", [
    (["profile=fast"], "nnclaims: error: config key 'profile': 'fast' is not allowed; allowed values: quick, full"),
    (["overrides={xor: {seeds: 0}}"], "config key 'overrides.xor.seeds': 0 is not allowed; must be at least 2"),
    (["experiments=[nosuch]"], "config key 'experiments': unknown experiment 'nosuch'; allowed:"),
    (["mnist_path=/no/such/folder"], "config key 'mnist_path': /no/such/folder is not a folder"),
])
def test_workflow_stops_before_any_job_with_one_sentence(tmp_path, args, message):
    result = snakemake("--cores", "1", "--config", *args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and 'File "' not in result.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


def test_a_command_line_override_reaches_the_plan(tmp_path):
    result = snakemake("-n", "--cores", "1", "--config", "profile=quick", "experiments=[xor]",
                       "overrides={xor: {shards: 2}}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(set(re.findall(r"results/xor/runs/\w+/(\d)-of-2\.json", result.stdout + result.stderr))) == 2
