"""Jobs forked from a process that has already imported the libraries, so that a job does
not spend its first second importing them.

Every pipeline job is a new process, and importing torch, NumPy, pandas, SciPy and
matplotlib is most of a short job's time: in the quick profile's 49 jobs, about 1 s each
of 3 s on average (measured 2026-12-04: torch 0.9-1.2 s, matplotlib 0.37 s, SciPy's
optimize 0.3 s, pandas 0.25 s; the quick profile 84 -> 68 s with this alone). While a
workflow runs on this machine, a fork server holds them imported (rules/plan.smk starts it
and stops it); a job's command (``python -m nnclaims ...``) hands its arguments, environment, working directory, umask and
standard streams to the server, which forks a child that runs the command, and waits for
the child's exit status. The library's own modules and the experiments are never
imported by the server: each child imports them from disk, as a new process would, so a
job always runs today's code.

What a library decides when it is imported (its thread pools, from ``OMP_NUM_THREADS`` and
the like, which Snakemake sets per job; a configuration file in the working folder) must
be what the job's own process would have decided. So the server imports nothing until the
first job asks, then imports under exactly that job's environment, working folder and
interpreter, and forks only jobs whose environment, folder and interpreter are the same;
any other job runs in its own process, as before.

Only jobs that the workflow itself started are served (the server's parent, the workflow,
is an ancestor of the client), so a job that a cluster runs on one of its nodes is never
taken out of its allocation. Where anything is missing (no server, not yet listening, not
Linux, a refusal), the command runs in its own process as before: the server only saves
time. A child dies with its client (the server kills it when the client's connection
closes), with the server (the parent-death signal) and with the workflow.

Run as a script, with the standard library only (the package is not imported here):
``python forkserver.py ADDRESS``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

ENV = "NNCLAIMS_FORKSERVER"  # the server's address, for the jobs the workflow starts: transport, never a setting
# Imported once in the server; each is what some job would import anyway.
PRELOAD = ("numpy", "pandas", "scipy.optimize", "scipy.special", "matplotlib", "matplotlib.pyplot",
           "threadpoolctl", "jsonschema", "yaml", "torch")
MESSAGE = 1 << 20  # the largest request (arguments and environment) a client sends
_PR_SET_PDEATHSIG = 1


# -- the client: a job's command ------------------------------------------------------------
def delegate() -> int | None:
    """Run this command in a child of the workflow's fork server and return its exit
    status; None where there is no server to use (the caller then runs the command)."""
    address = os.environ.get(ENV)
    if not address or not hasattr(socket, "send_fds"):
        return None
    umask = os.umask(0o22)
    os.umask(umask)
    env = {k: v for k, v in os.environ.items() if k != ENV}
    request = {"argv": sys.argv, "path": sys.path, "cwd": os.getcwd(), "umask": umask, "env": env,
               "executable": sys.executable}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(address)
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        reply = json.loads(conn.recv(MESSAGE) or b"{}")
    except (OSError, ValueError):
        conn.close()
        return None
    if "pid" not in reply:
        conn.close()
        return None  # refused: not a job of the server's workflow
    return _wait(conn, int(reply["pid"]))


def _wait(conn: socket.socket, pid: int) -> int:
    """Forward the signals a job is stopped with to the child; its exit status."""
    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    while True:
        try:
            reply = json.loads(conn.recv(MESSAGE) or b"{}")
            break
        except InterruptedError:
            continue
        except (OSError, ValueError):
            reply = {}
            break
    if "signal" in reply:  # end as the child did, so that the workflow reads the same status
        signal.signal(reply["signal"], signal.SIG_DFL)
        os.kill(os.getpid(), reply["signal"])
    if "exit" not in reply:
        forward(signal.SIGKILL, None)
        print("nnclaims: error: the workflow's fork server stopped while this job ran; run the workflow again",
              file=sys.stderr)
        return 1
    return int(reply["exit"])


# -- the server ------------------------------------------------------------------------------
class _Child:
    """A running job: its client's connection, and a descriptor that is readable once it
    has exited (so that its status goes back at once, not at the next poll)."""

    def __init__(self, pid: int, conn: socket.socket, argv: list[str]) -> None:
        self.pid, self.conn, self.argv = pid, conn, argv
        self.exited = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None


def serve(address: str) -> dict | None:
    """Listen at ``address`` until the parent (the workflow) is gone or a SIGTERM comes.
    Returns the request in each forked child (which then runs it), None in the server."""
    owner, server = os.getppid(), os.getpid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(address)
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    children: list[_Child] = []
    imported: dict = {}  # the state the libraries were imported under, once the first job came
    try:
        while os.getppid() == owner:
            request = _serve_once(listener, children, owner, imported)
            if request is not None:
                return request
    finally:
        if os.getpid() == server:  # not in a child on its way to run its job
            for child in children:
                _kill(child.pid)
            try:
                os.unlink(address)
            except OSError:
                pass
    return None


def _serve_once(listener: socket.socket, children: list, owner: int, imported: dict) -> dict | None:
    import select

    waits = [listener, *(c.conn for c in children), *(c.exited for c in children if c.exited is not None)]
    poll = 0.5 if all(c.exited is not None for c in children) else 0.05
    readable, _, _ = select.select(waits, [], [], poll)
    _reap(children)
    for ready in readable:
        if ready is listener:
            request = _accept(listener, children, owner, imported)
            if request is not None:
                return request
        for child in children:
            if ready is child.conn and not child.conn.recv(16):  # the client is gone: its job was stopped
                _kill(child.pid)
    return None


def _accept(listener: socket.socket, children: list, owner: int, imported: dict) -> dict | None:
    conn, _ = listener.accept()
    try:
        message, fds, _, _ = socket.recv_fds(conn, MESSAGE, 3)
        request = json.loads(message)
    except (OSError, ValueError):
        conn.close()
        return None
    peer = _peer_pid(conn)
    refusal = ("not a job of this workflow" if len(fds) != 3 or peer is None or owner not in _ancestors(peer)
               else _import_state_differs(request, imported))
    if refusal:
        for fd in fds:
            os.close(fd)
        conn.send(json.dumps({"refused": refusal}).encode())
        conn.close()
        print(json.dumps({"argv": list(request.get("argv", [])[1:]), "refused": refusal}), flush=True)
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        listener.close()
        for child in children:
            child.conn.close()
            if child.exited is not None:
                os.close(child.exited)
        children.clear()
        _become(request, fds)
        return request
    for fd in fds:
        os.close(fd)
    children.append(_Child(pid, conn, list(request["argv"][1:])))
    conn.send(json.dumps({"pid": pid}).encode())
    return None


def _import_state_differs(request: dict, imported: dict) -> str:
    """Why this job may not be forked ('' when it may). The first job's state becomes the
    libraries': they are imported here, under its environment and in its folder."""
    state = {key: request.get(key) for key in ("executable", "cwd", "env")}
    if not imported:
        if state["executable"] != sys.executable:
            return "another interpreter"
        os.chdir(state["cwd"])
        os.environ.clear()
        os.environ.update(state["env"])
        _preload()
        imported.update(state)
        return ""
    for key in (k for k in state if state[k] != imported[k]):
        if key != "env":
            return f"{key} differs from the one the libraries were imported under"
        changed = sorted(k for k in {*state["env"], *imported["env"]} if state["env"].get(k) != imported["env"].get(k))
        return "environment differs from the one the libraries were imported under: " + ", ".join(changed)
    return ""


def _preload() -> None:
    for module in PRELOAD:
        try:
            __import__(module)
        except Exception:  # noqa: BLE001 - a library that fails to import fails in the job that needs it
            pass
    import gc
    gc.collect()
    gc.freeze()  # the children share the imported modules' pages instead of copying them on first touch


def _become(request: dict, fds: list[int]) -> None:
    """In the child: the client's streams, folder, umask, environment, arguments and path."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["argv"])
    sys.path[:] = request["path"]


def _reap(children: list) -> None:
    """Each exited child's status to its client, and one line to the server's log (its
    standard output, logs/forkserver.log): the job's command, exit status, CPU seconds and
    peak memory, which Snakemake's benchmark (measuring the client) cannot see."""
    for child in list(children):
        try:
            done, status, usage = os.wait4(child.pid, os.WNOHANG)
        except ChildProcessError:
            done, status, usage = child.pid, 1 << 8, None
        if not done:
            continue
        children.remove(child)
        if child.exited is not None:
            os.close(child.exited)
        reply = {"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {"exit": os.waitstatus_to_exitcode(status)}
        if usage is not None:
            print(json.dumps({"argv": child.argv, **reply, "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                              "max_rss_mb": round(usage.ru_maxrss / 1024, 1)}), flush=True)
        try:
            child.conn.send(json.dumps(reply).encode())
        except OSError:
            pass
        child.conn.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _peer_pid(conn: socket.socket) -> int | None:
    import struct
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (OSError, AttributeError):
        return None
    pid, uid, _ = struct.unpack("3i", creds)
    return pid if uid == os.getuid() else None


def _ancestors(pid: int) -> list[int]:
    """The process's parent, its parent's parent, ... (Linux's /proc; none elsewhere)."""
    out = []
    while pid > 1 and len(out) < 64:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        out.append(pid)
    return out


def _run(request: dict) -> None:
    """The child: the command, as ``python -m nnclaims`` runs it (its exit ends the process)."""
    import runpy
    runpy.run_module("nnclaims", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    del sys.path[0]  # this script's folder: the package's modules must not shadow a library's
    job = serve(sys.argv[1])
    if job is not None:
        _run(job)
