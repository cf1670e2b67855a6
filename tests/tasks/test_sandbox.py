"""The sandbox against hostile programs: each is contained, reported, and this process is unharmed.

Every test runs in both isolation modes where the mode can contain the attack: ``namespaces``
(bwrap; skipped with the reason where the kernel refuses namespaces) and the ``rlimits`` fallback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from prover.errors import ConfigError, SandboxError
from prover.sandbox import (
    MIB,
    IsolationMode,
    Program,
    RunResult,
    Sandbox,
    SandboxLimits,
    detect_isolation,
)

QUICK = SandboxLimits(cpu_seconds=1, wall_seconds=3, memory_bytes=256 * MIB, processes=16,
                      file_bytes=MIB, disk_bytes=8 * MIB, open_files=32, stdout_bytes=64 * 1024)


def _namespaces_or_skip() -> None:
    try:
        detect_isolation("namespaces")
    except SandboxError as exc:
        pytest.skip(f"this kernel refuses the namespaces bwrap needs: {exc}")


@pytest.fixture(params=["namespaces", "rlimits"])
def box(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    mode: IsolationMode = request.param
    if mode == "namespaces":
        _namespaces_or_skip()
    with Sandbox(mode) as sandbox:
        yield sandbox


@pytest.fixture
def namespaced() -> Iterator[Sandbox]:
    _namespaces_or_skip()
    with Sandbox("namespaces") as sandbox:
        yield sandbox


def py(source: str) -> Program:
    return Program("python", source)


def _processes_with_argv(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in (proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_plain_run_reports_output_time_and_memory(box: Sandbox) -> None:
    result = box.run(py("import sys\nx = bytearray(120 * 1024 * 1024)\nx[::4096] = b'a' * len(x[::4096])\n"
                        "print(sys.stdin.read().upper())"), b"hello", QUICK)
    assert result.ok, result.summary()
    assert result.stdout == b"HELLO\n"
    assert result.peak_memory_bytes >= 120 * MIB
    assert 0 < result.wall_seconds < 3
    assert result.isolation == box.isolation.describe()


def test_infinite_loop_hits_the_cpu_limit(box: Sandbox) -> None:
    # A generous wall limit: on a busy machine one CPU second may take several wall seconds.
    result = box.run(py("while True:\n    pass\n"), b"", replace(QUICK, wall_seconds=20))
    assert result.hit.names() == ("cpu",)
    assert result.signal in (signal.SIGXCPU, signal.SIGKILL)
    assert result.cpu_seconds < 3


def test_sleeping_forever_hits_the_wall_limit(box: Sandbox) -> None:
    result = box.run(py("import time\ntime.sleep(1000)\n"), b"", QUICK)
    assert result.hit.names() == ("wall",)
    assert 3 <= result.wall_seconds < 4


def test_ten_gigabyte_allocation_is_refused(box: Sandbox) -> None:
    result = box.run(py("x = bytearray(10 * 1024**3)\n"), b"", QUICK)
    assert result.hit.memory and result.exit_code == 1
    assert b"MemoryError" in result.stderr
    assert result.peak_memory_bytes < 256 * MIB


def test_cpp_ten_gigabyte_allocation_is_refused(box: Sandbox) -> None:
    source = ("#include <iostream>\n#include <vector>\n"
              "int main(){ size_t n; std::cin >> n; std::vector<char> v(n, 1); std::cout << int(v[n - 1]); }\n")
    result = box.run(Program("cpp", source), b"10000000000", QUICK)
    assert result.stage == "run" and result.hit.memory
    assert result.signal == signal.SIGABRT and b"bad_alloc" in result.stderr


def test_fork_bomb_is_contained_and_every_process_killed(box: Sandbox) -> None:
    marker = f"{os.getpid()}{time.monotonic_ns() % 10**6}"
    # Children leave the session, ignore errors and keep forking; some exec a long sleep that must not survive.
    source = (
        "import os\n"
        "for _ in range(4):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            os.setsid()\n"
        f"            os.execv('/bin/sleep', ['/bin/sleep', '{marker}'])\n"
        "    except OSError:\n"
        "        pass\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = box.run(py(source), b"", QUICK)
    assert not result.ok
    assert result.hit.processes or result.hit.cpu or result.hit.wall
    time.sleep(0.2)
    assert _processes_with_argv(marker) == []


def test_endless_output_is_capped_and_stopped(box: Sandbox) -> None:
    started = time.monotonic()
    result = box.run(py("while True:\n    print('y' * 1000)\n"), b"", QUICK)
    assert result.hit.output
    assert len(result.stdout) == QUICK.stdout_bytes
    assert time.monotonic() - started < 2


def test_endless_stderr_is_capped(box: Sandbox) -> None:
    result = box.run(py("import sys\nwhile True:\n    sys.stderr.write('e' * 1000)\n"), b"", QUICK)
    assert result.hit.output and len(result.stderr) == QUICK.stderr_bytes


def test_writing_outside_its_directory_fails(box: Sandbox, tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    source = (
        "import sys\n"
        f"for path in [{str(target)!r}, '/usr/escaped.txt', '/escaped.txt']:\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print('wrote', path)\n"
        "    except OSError as exc:\n"
        "        print('refused', path, type(exc).__name__)\n"
        "open('inside.txt', 'w').write('fine')\n"
    )
    result = box.run(py(source), b"", QUICK)
    assert result.ok, result.stderr
    assert b"wrote" not in result.stdout and result.stdout.count(b"refused") == 3
    assert not target.exists() and not Path("/usr/escaped.txt").exists()


def test_reading_a_file_outside_fails(box: Sandbox, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7731")
    secret.chmod(0o644)
    source = f"try:\n    print(open({str(secret)!r}).read())\nexcept OSError as exc:\n    print('refused', exc)\n"
    result = box.run(py(source), b"", QUICK)
    assert result.ok and b"refused" in result.stdout
    assert b"TOP-SECRET" not in result.stdout


def test_namespaces_hide_the_host_file_system(namespaced: Sandbox) -> None:
    result = namespaced.run(py("import os\nprint(' '.join(os.listdir('/')))\nprint(os.path.exists('/etc/passwd'))"),
                            b"", QUICK)
    assert result.ok
    visible = set(result.stdout.split(b"\n")[0].decode().split())
    assert visible <= {"bin", "box", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
    assert result.stdout.split(b"\n")[1] == b"False"


def test_file_size_and_private_disk_are_bounded(box: Sandbox) -> None:
    result = box.run(py("open('big', 'wb').write(b'x' * (4 * 1024 * 1024))\n"), b"", QUICK)
    assert result.hit.file_size and not result.ok


def test_open_files_are_bounded(box: Sandbox) -> None:
    result = box.run(py("fs = [open('/dev/null') for _ in range(1000)]\n"), b"", QUICK)
    assert result.hit.open_files and not result.ok


@pytest.fixture
def tcp_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 in this process that answers every connection with ``hello``."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"hello")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    s = socket.create_connection(('127.0.0.1', int(sys.stdin.read())), timeout=2)\n"
    "    print('connected', s.recv(5).decode())\n"
    "except OSError as exc:\n"
    "    print('refused', type(exc).__name__)\n"
)


def test_network_connection_fails_in_the_sandbox_but_works_outside(namespaced: Sandbox, tcp_server: int) -> None:
    outside = subprocess.run(["python3", "-I", "-c", CONNECT], input=str(tcp_server).encode(),
                             capture_output=True, timeout=10, check=True)
    assert outside.stdout.startswith(b"connected hello")
    inside = namespaced.run(py(CONNECT), str(tcp_server).encode(), QUICK)
    assert inside.ok and inside.stdout.startswith(b"refused")
    assert namespaced.isolation.network


def test_rlimits_mode_says_what_it_does_not_isolate() -> None:
    isolation = detect_isolation("rlimits")
    assert not isolation.network and not isolation.filesystem and not isolation.processes
    assert "NO network" in isolation.describe()


def test_program_cannot_kill_outside_its_namespace(namespaced: Sandbox) -> None:
    victim = subprocess.Popen(["sleep", "30"])
    try:
        source = (
            "import os, signal\n"
            f"for target in (-1, {victim.pid}):\n"
            "    try:\n"
            "        os.kill(target, signal.SIGKILL)\n"
            "    except OSError as exc:\n"
            "        print('refused', target, type(exc).__name__)\n"
        )
        result = namespaced.run(py(source), b"", QUICK)
        assert victim.poll() is None
        assert result.ok and result.stdout.count(b"refused") == 2
    finally:
        victim.kill()
        victim.wait()


def test_environment_is_scrubbed(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVER_SECRET_TOKEN", "s3cr3t")
    result = box.run(py("import os\nprint(sorted(os.environ))"), b"", QUICK)
    assert result.ok and b"PROVER_SECRET_TOKEN" not in result.stdout


def test_cpp_program_builds_once_and_runs(box: Sandbox) -> None:
    program = Program("cpp", "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a*b<<'\\n';}\n")
    assert box.run(program, b"6 7", QUICK).stdout == b"42\n"
    again = box.run(program, b"3 3", QUICK)
    assert again.ok and again.stdout == b"9\n"


def test_cpp_compile_error_is_a_value(box: Sandbox) -> None:
    result = box.run(Program("cpp", "int main( {"), b"", QUICK)
    assert result.stage == "compile" and not result.ok
    assert "compile error" in result.summary() and b"error" in result.stderr


def test_bad_settings_are_refused_with_what_to_fix() -> None:
    with pytest.raises(ConfigError, match="cpu_seconds"):
        SandboxLimits(cpu_seconds=0)
    with pytest.raises(ConfigError, match="'python' or 'cpp'"):
        Program("java", "class A {}")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="isolation mode"):
        detect_isolation("chroot")  # type: ignore[arg-type]


def test_results_are_frozen_values(box: Sandbox) -> None:
    result = box.run(py("print(1)"), b"", QUICK)
    assert isinstance(result, RunResult)
    with pytest.raises(AttributeError):
        result.exit_code = 3  # type: ignore[misc]


def test_no_sandbox_files_left_behind() -> None:
    with Sandbox("rlimits") as sandbox:
        sandbox.run(py("open('f', 'w').write('x')"), b"", QUICK)
        root = sandbox._root
    assert not root.exists()
