"""The fork server: a job forked from it runs as the same command in its own process would
(output, exit status, working directory, umask, results), only for the workflow that
started it, dies with its client and with the server, and every failure to use the
server falls back to running the command as before."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from nnclaims.forkserver import ENV

SERVER = REPO / "lib" / "nnclaims" / "forkserver.py"
FAULTS = REPO / "tests" / "faults"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server needs Linux")


def _start(address: Path, log: Path, via: list[str] | None = None) -> subprocess.Popen:
    """The server as the workflow starts it (``via``: started by another process instead,
    which is then its owner); returns once it listens."""
    with open(log, "w") as out:
        proc = subprocess.Popen([*(via or []), sys.executable, str(SERVER), str(address)], stdout=out,
                                stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while not address.exists():
        assert time.time() < deadline and proc.poll() is None, log.read_text()
        time.sleep(0.1)
    return proc


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forkserver")
    proc = _start(folder / "jobs.sock", folder / "server.log")
    yield folder
    proc.terminate()
    proc.wait(timeout=30)
    assert not (folder / "jobs.sock").exists()  # removed on the way out


def _cli(args, address: Path | None, cwd: Path = REPO, env_extra: dict | None = None,
         **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != ENV} | (env_extra or {})
    if address is not None:
        env[ENV] = str(address)
    return subprocess.run([sys.executable, "-m", "nnclaims", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, **kw)


def _served(folder: Path) -> list[dict]:
    lines = (folder / "server.log").read_text().splitlines()
    return [job for job in map(json.loads, filter(lambda line: line.startswith("{"), lines)) if "refused" not in job]


def test_a_forked_command_prints_and_exits_as_its_own_process_does(server):
    before = len(_served(server))
    for args in (["list"], ["run", "nonexistent"], ["--experiments-dir", "nowhere", "list"]):
        forked, alone = _cli(args, server / "jobs.sock"), _cli(args, None)
        assert (forked.returncode, forked.stdout, forked.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert [job["argv"][-1] for job in _served(server)[before:]] == ["list", "nonexistent", "list"]
    assert [job["exit"] for job in _served(server)[before:]] == [0, 2, 2]
    assert all(job["max_rss_mb"] > 0 and job["cpu_s"] >= 0 for job in _served(server))


def test_a_forked_run_writes_the_same_results_in_its_folder_with_its_umask(tmp_path):
    server = tmp_path / "server"  # its own server: its first job's folder is this test's
    server.mkdir()
    proc = _start(server / "jobs.sock", server / "server.log")
    shards = {}
    for mode, address in (("forked", server / "jobs.sock"), ("alone", None)):
        out = tmp_path / mode / "shard.json"
        result = _cli(["--experiments-dir", str(REPO / "experiments"), "run", "activation_functions", "--profile",
                       "quick", "--device", "cpu", "--out", str(out.relative_to(tmp_path))], address, cwd=tmp_path,
                      preexec_fn=lambda: os.umask(0o027))
        assert result.returncode == 0, result.stderr[-2000:]
        assert out.stat().st_mode & 0o777 == 0o640  # the client's umask, the client's folder
        shards[mode] = json.loads(out.read_text())
    assert shards["forked"]["tables"] == shards["alone"]["tables"]
    assert shards["forked"]["provenance"]["key"] == shards["alone"]["provenance"]["key"]
    assert any(job["argv"][-1].endswith("forked/shard.json") for job in _served(server))
    proc.terminate()
    proc.wait(timeout=30)


def test_only_jobs_in_the_first_jobs_environment_and_folder_are_forked(tmp_path):
    """The libraries are imported under the first job's environment and folder (a thread
    count read at import must be the job's): a job with another value, or in another
    folder, runs in its own process, and the server says why in its log."""
    proc = _start(tmp_path / "jobs.sock", tmp_path / "server.log")
    try:
        args = ["--experiments-dir", str(REPO / "experiments"), "list"]
        runs = [_cli(args, tmp_path / "jobs.sock", env_extra={"OMP_NUM_THREADS": n}) for n in ("1", "2", "1")]
        runs.append(_cli(args, tmp_path / "jobs.sock", cwd=tmp_path, env_extra={"OMP_NUM_THREADS": "1"}))
        assert all(r.returncode == 0 and "perceptron" in r.stdout and r.stderr == "" for r in runs)
        log = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()
               if line.startswith("{")]
        assert [("refused" not in job) for job in log] == [True, False, True, False]
        assert "OMP_NUM_THREADS" in log[1]["refused"] and "cwd" in log[3]["refused"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_without_a_server_the_command_runs_in_its_own_process(tmp_path):
    result = _cli(["list"], tmp_path / "no-such.sock")
    assert result.returncode == 0 and result.stderr == "" and "perceptron" in result.stdout


def test_a_command_the_workflow_did_not_start_is_not_forked(tmp_path):
    # The server's owner is another process (here a shell): this test is not its descendant,
    # as a job that a cluster node runs is not the workflow's.
    proc = _start(tmp_path / "jobs.sock", tmp_path / "server.log", via=["bash", "-c", '"$@"; exit', "owner"])
    try:
        result = _cli(["list"], tmp_path / "jobs.sock")
        assert result.returncode == 0 and "perceptron" in result.stdout
        assert _served(tmp_path) == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_server_leaves_with_the_workflow_and_takes_its_jobs(tmp_path):
    import psutil

    (tmp_path / "slow-runs").touch()  # alpha's run sleeps 20 s
    address = tmp_path / "jobs.sock"
    job = (f"while [ ! -S {address} ]; do sleep 0.1; done; {ENV}={address} {sys.executable} -m nnclaims "
           f"--experiments-dir {FAULTS} run alpha --out alpha.json")
    # The workflow: it starts the server and a job, as Snakemake does.
    owner = subprocess.Popen(["bash", "-c", f"{sys.executable} {SERVER} {address} & ({job}) & sleep 600"],
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not (forked := [c for p in psutil.Process(owner.pid).children() if str(SERVER) in p.cmdline()
                          for c in p.children()]):
        assert time.time() < deadline, "the job was not forked"
        time.sleep(0.1)
    owner.kill()  # the workflow is gone (kill -9), its server and job were not signalled
    owner.wait()
    forked[0].wait(timeout=10)  # the server noticed, and took its job with it
    deadline = time.time() + 10
    while address.exists():
        assert time.time() < deadline, "the server outlived the workflow"
        time.sleep(0.1)
    assert not (tmp_path / "alpha.json").exists()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_job_stops_its_forked_child(tmp_path, how):
    import psutil

    (tmp_path / "slow-runs").touch()  # alpha's run sleeps 20 s
    server = tmp_path / "server"  # its own: the first job's folder is the one its jobs may use
    server.mkdir()
    proc = _start(server / "jobs.sock", server / "server.log")
    env = {**os.environ, ENV: str(server / "jobs.sock")}
    client = subprocess.Popen([sys.executable, "-m", "nnclaims", "--experiments-dir", str(FAULTS), "run", "alpha",
                               "--out", "alpha.json"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    served = psutil.Process(_server_pid(server))
    deadline = time.time() + 30
    while not served.children():
        assert time.time() < deadline and client.poll() is None
        time.sleep(0.05)
    child = served.children()[0]
    time.sleep(1)
    client.send_signal(how)
    assert client.wait(timeout=30) == -how  # ends as its child did (or was killed itself)
    child.wait(timeout=10)  # gone, not left computing
    assert not (tmp_path / "alpha.json").exists()
    proc.terminate()
    proc.wait(timeout=30)


def _server_pid(folder: Path) -> int:
    import psutil

    me = psutil.Process()
    return next(p.pid for p in me.children() if str(folder / "jobs.sock") in p.cmdline())
