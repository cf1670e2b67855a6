"""Run untrusted Python or C++ programs under limits, isolated from the machine where the kernel allows it.

Layers, outermost first:

- ``setpriv`` drops to an unprivileged user (``nobody``, uid 65534) when we run as root: the kernel
  exempts root from the process-count limit, and root could undo every other layer.
- bubblewrap (``bwrap``) puts the program in new user, pid, network, mount, IPC, UTS and cgroup
  namespaces: no network (the namespace has only a loopback that is down), no view of other
  processes, and a file system made of read-only ``/usr`` (plus ``/bin``, ``/lib*`` and the loader
  cache), a private ``/tmp`` tmpfs of bounded size that is the working directory, ``/proc``, a
  minimal ``/dev`` and the program at ``/box`` (read-only; writable only while g++ builds it).
- A small trusted supervisor (`_SUPERVISOR`, system Python) runs as pid 1 of that namespace. It
  forks the program with rlimits (CPU, address space, processes, file size, open files, stack),
  enforces the wall-clock limit, reaps and finally kills every process left, and reports the
  program's exit status, CPU time and peak memory over a pipe. As pid 1 it cannot be signalled
  from inside, and it is not dumpable, so the program cannot reach its pipes through ``/proc``.
- Here, the caller's side caps stdout and stderr (stopping the program when a cap is reached),
  and kills the whole process group if the supervisor itself overruns; dying with its parent,
  the namespace's pid 1 takes every process in the namespace with it.

When bwrap cannot create the namespaces (no user namespaces in a container, no bwrap), the
sandbox falls back to the supervisor and rlimits alone, as ``nobody`` when we are root, in a
private working directory; `Isolation` says exactly what is in force, and every `RunResult`
carries its description.

Peak memory is the largest ``ru_maxrss`` of the program's processes as ``wait4`` reports them
(the maximum resident set of any single process, not the sum over processes); CPU time is user +
system time of every process of the program. When a limit hit is inferred rather than measured
(memory, processes, file size, open files), `LimitsHit` says so in its docstring.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Literal, Self

from prover.errors import ConfigError, SandboxError

MIB = 1024**2
GIB = 1024**3
SANDBOX_UID = 65534
"""``nobody``: the user programs run as when the caller is root."""

Language = Literal["python", "cpp"]
IsolationMode = Literal["auto", "namespaces", "rlimits"]

_BOX = "/box"
_CPP_FLAGS = ("-O2", "-std=c++23", "-DONLINE_JUDGE")
_SANE_PATH = "/usr/local/bin:/usr/bin:/bin"
_BACKSTOP_SECONDS = 10.0
"""Beyond the wall limit, how long the supervisor may take to start and report before we kill it."""


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Bounds for one program run."""

    cpu_seconds: float = 2.0
    """User + system CPU time of all the program's processes (RLIMIT_CPU, then measured)."""
    wall_seconds: float = 10.0
    """Wall-clock time from start to exit, enforced by the supervisor."""
    memory_bytes: int = 512 * MIB
    """Address space of each process (RLIMIT_AS); also its stack limit."""
    processes: int = 32
    """Processes and threads the program may have at once (RLIMIT_NPROC)."""
    file_bytes: int = 16 * MIB
    """Largest file the program may write (RLIMIT_FSIZE)."""
    disk_bytes: int = 64 * MIB
    """Size of the private ``/tmp`` tmpfs, the working directory (namespaces mode only)."""
    open_files: int = 64
    """File descriptors per process (RLIMIT_NOFILE)."""
    stdout_bytes: int = 16 * MIB
    """Stdout kept; the program is stopped when it writes more."""
    stderr_bytes: int = 64 * 1024
    """Stderr kept; the program is stopped when it writes more."""

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "wall_seconds"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"SandboxLimits.{name} must be positive, got {getattr(self, name)!r}")
        for name in ("processes", "file_bytes", "disk_bytes", "open_files", "stdout_bytes", "stderr_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"SandboxLimits.{name} must be at least 1, got {getattr(self, name)!r}")
        if self.memory_bytes < 16 * MIB:
            raise ConfigError(f"SandboxLimits.memory_bytes={self.memory_bytes} is below 16 MiB; no program starts")
        if self.open_files < 8:
            raise ConfigError("SandboxLimits.open_files must be at least 8 (stdio and the runtime's own files)")


COMPILE_LIMITS = SandboxLimits(
    cpu_seconds=60, wall_seconds=90, memory_bytes=2 * GIB, processes=16, file_bytes=256 * MIB,
    disk_bytes=512 * MIB, open_files=256, stdout_bytes=64 * 1024, stderr_bytes=256 * 1024,
)
"""Limits for g++ building a program (in the same sandbox as the program's runs)."""


@dataclass(frozen=True, slots=True)
class Program:
    """An untrusted program: its language and source text."""

    language: Language
    source: str

    def __post_init__(self) -> None:
        if self.language not in ("python", "cpp"):
            raise ConfigError(f"program language {self.language!r} is not supported; use 'python' or 'cpp'")

    @property
    def key(self) -> str:
        """Stable id of the program (language and source), for caching builds."""
        return hashlib.sha256(f"{self.language}\0{self.source}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Isolation:
    """What isolation is in force for the programs of a `Sandbox`."""

    mode: Literal["namespaces", "rlimits"]
    network: bool
    """True when the program has no network (its own network namespace)."""
    processes: bool
    """True when the program sees and can signal only its own processes (pid namespace)."""
    filesystem: bool
    """True when the program sees only read-only system files, its own program and a private /tmp."""
    user: str
    """The user the program runs as."""
    reason: str = ""
    """Why namespaces are not in force, in rlimits mode."""

    def describe(self) -> str:
        """One line: what is in force and what is not."""
        if self.mode == "namespaces":
            return (f"namespaces (bwrap: no network, private pid/mount/ipc/uts, read-only /usr, private /tmp) "
                    f"+ rlimits, as {self.user}")
        return (f"rlimits only, as {self.user}, private working directory; NO network, pid or file-system "
                f"isolation ({self.reason})")


@dataclass(frozen=True, slots=True)
class LimitsHit:
    """Which limits a run hit.

    ``wall``, ``cpu`` and the output caps are measured. ``memory``, ``processes``, ``file_size``
    and ``open_files`` are inferred from how the program died: an rlimit makes a system call fail
    and the program decides what to do, so they are read from its error output (Python's
    ``MemoryError``/``BlockingIOError``, C++ ``std::bad_alloc``, errno texts), from ``SIGXFSZ``,
    and for processes also from the largest process count the supervisor saw.
    """

    wall: bool = False
    cpu: bool = False
    memory: bool = False
    processes: bool = False
    file_size: bool = False
    open_files: bool = False
    output: bool = False
    """Stdout or stderr went over its cap and the program was stopped."""

    def names(self) -> tuple[str, ...]:
        """The names of the limits hit, in field order."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name))

    def __bool__(self) -> bool:
        return bool(self.names())


@dataclass(frozen=True, slots=True)
class RunResult:
    """How one program run ended."""

    exit_code: int | None
    """The exit status, or None when a signal ended the program."""
    signal: int | None
    """The signal that ended the program, if one did."""
    wall_seconds: float
    cpu_seconds: float
    peak_memory_bytes: int
    """Largest resident set of any one of the program's processes (``ru_maxrss``)."""
    stdout: bytes = field(repr=False)
    stderr: bytes = field(repr=False)
    hit: LimitsHit
    isolation: str
    stage: Literal["run", "compile"] = "run"
    """``compile`` when g++ rejected the program and it never ran; the fields describe g++'s run."""

    @property
    def ok(self) -> bool:
        """The program ran, exited 0 and hit no limit."""
        return self.stage == "run" and self.exit_code == 0 and not self.hit

    def summary(self) -> str:
        """A short human-readable account of how the run ended."""
        if self.stage == "compile":
            return f"compile error: {self.stderr.decode(errors='replace')[-2000:].strip()}"
        if self.hit:
            how = f"limit hit ({', '.join(self.hit.names())})"
        elif self.signal is not None:
            how = f"killed by {signal.Signals(self.signal).name}"
        else:
            how = f"exit code {self.exit_code}"
        return f"{how} after {self.wall_seconds:.2f}s wall, {self.cpu_seconds:.2f}s CPU"


# The supervisor runs as the sandbox's pid 1 under the system Python (-I -S): standard library only.
_SUPERVISOR = r"""
import ctypes, json, os, resource, select, signal, sys, time
cfg = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(4, 0, 0, 0, 0)
libc.prctl(36, 1, 0, 0, 0)
catchable = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)]
for s in catchable:
    try:
        signal.signal(s, signal.SIG_IGN)
    except (OSError, ValueError):
        pass
report, control = cfg["report_fd"], cfg["control_fd"]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        for s in catchable:
            try:
                signal.signal(s, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
        os.closerange(3, 65536)
        for name, value in cfg["rlimits"]:
            resource.setrlimit(getattr(resource, name), tuple(value))
        os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])
    except BaseException as exc:
        os.write(2, ("sandbox: cannot start the program: %r\n" % (exc,)).encode())
    os._exit(127)
pidfd = os.pidfd_open(pid)
deadline = start + cfg["wall"]
status, cpu, rss, stopped, peak = None, 0.0, 0, "", 1
def mine():
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry, "rb") as f:
                    if int(f.read().rsplit(b")", 1)[1].split()[1]) == me:
                        yield int(entry)
            except (OSError, IndexError, ValueError):
                pass
def reap(flags):
    global status, cpu, rss
    while True:
        try:
            p, st, ru = os.wait4(-1, flags)
        except ChildProcessError:
            return False
        if p == 0:
            return True
        cpu += ru.ru_utime + ru.ru_stime
        rss = max(rss, ru.ru_maxrss)
        if p == pid:
            status = st
while status is None:
    now = time.monotonic()
    if now >= deadline:
        stopped = "wall"
        break
    ready = select.select([pidfd, control], [], [], min(0.01, deadline - now))[0]
    reap(os.WNOHANG)
    if cfg["count"]:
        peak = max(peak, sum(1 for e in os.listdir("/proc") if e.isdigit()) - 1)
    if status is None and control in ready:
        stopped = "control"
        break
wall = time.monotonic() - start
while True:
    if cfg["count"]:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        for child in list(mine()):
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if not reap(os.WNOHANG):
        break
    time.sleep(0.002)
os.write(report, json.dumps({"status": status, "cpu": cpu, "rss_kib": rss, "wall": wall,
                             "stopped": stopped, "peak_processes": peak}).encode())
"""

_MEMORY_MARKERS = (b"MemoryError", b"std::bad_alloc", b"Cannot allocate memory", b"out of memory")
_PROCESS_MARKERS = (b"BlockingIOError", b"Resource temporarily unavailable", b"can't start new thread")
_FILE_SIZE_MARKERS = (b"File too large",)
_OPEN_FILES_MARKERS = (b"Too many open files",)


@functools.cache
def _sandbox_python() -> str:
    """The system Python that runs the supervisor and Python programs, resolved to its real file."""
    found = shutil.which("python3", path=_SANE_PATH)
    if found is None:
        raise ConfigError("the sandbox needs a system python3 in /usr/local/bin, /usr/bin or /bin; install python3")
    return os.path.realpath(found)


def _privilege_drop() -> list[str]:
    """The prefix that runs a command as `SANDBOX_UID` when we are root (nothing otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise ConfigError("running as root, the sandbox needs `setpriv` (util-linux) to drop to nobody")
    return [setpriv, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups", "--"]


def _user() -> str:
    return f"nobody (uid {SANDBOX_UID})" if os.geteuid() == 0 else f"the caller (uid {os.geteuid()})"


def _system_mounts() -> list[str]:
    """bwrap arguments that show the system read-only: /usr, the top-level links into it, the loader cache."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--ro-bind-try", "/etc/alternatives", "/etc/alternatives"]
    prefix = os.path.dirname(os.path.dirname(_sandbox_python()))
    if not prefix.startswith("/usr/"):
        args += ["--ro-bind", prefix, prefix]
    return args


def _bwrap_argv(box: Path | None, box_writable: bool, limits: SandboxLimits) -> list[str]:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise ConfigError("bwrap (Debian package bubblewrap) is not installed")
    args = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--as-pid-1", "--die-with-parent",
            "--new-session", *_system_mounts(), "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.disk_bytes), "--tmpfs", "/tmp", "--chdir", "/tmp", "--clearenv"]
    if box is not None:
        args += ["--bind" if box_writable else "--ro-bind", str(box), _BOX]
    # bwrap's root is an unbounded tmpfs the user owns: read-only, so /tmp is the only place to write.
    return [*args, "--remount-ro", "/"]


@functools.cache
def _namespaces_available() -> str:
    """Empty when bwrap can build the sandbox here; otherwise why not."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian package bubblewrap)"
    argv = [*_privilege_drop(), *_bwrap_argv(None, False, SandboxLimits()), "--", _sandbox_python(), "-I", "-S",
            "-c", "pass"]
    try:
        done = subprocess.run(argv, check=False, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap failed to start: {exc}"
    if done.returncode != 0:
        return f"bwrap cannot create namespaces here: {done.stderr.decode(errors='replace').strip()[:300]}"
    return ""


def detect_isolation(mode: IsolationMode = "auto") -> Isolation:
    """The isolation a `Sandbox` with `mode` gets on this machine (``auto``: namespaces if bwrap works)."""
    if mode not in ("auto", "namespaces", "rlimits"):
        raise ConfigError(f"isolation mode {mode!r} is not one of auto, namespaces, rlimits")
    if mode == "rlimits":
        return Isolation("rlimits", False, False, False, _user(), "rlimits mode was asked for")
    why_not = _namespaces_available()
    if not why_not:
        return Isolation("namespaces", True, True, True, _user())
    if mode == "namespaces":
        raise SandboxError(f"namespaces were asked for but are not available: {why_not}")
    return Isolation("rlimits", False, False, False, _user(), why_not)


def _rlimits(limits: SandboxLimits, namespaces: bool) -> list[tuple[str, tuple[int, int]]]:
    cpu = max(1, int(-(-limits.cpu_seconds // 1)))
    # In the namespace the supervisor is one of the user's processes; outside it, nobody's other
    # processes on the machine count as well (said in Isolation.describe).
    processes = limits.processes + (1 if namespaces else 0)
    return [
        ("RLIMIT_CPU", (cpu, cpu + 1)),
        ("RLIMIT_AS", (limits.memory_bytes, limits.memory_bytes)),
        ("RLIMIT_STACK", (limits.memory_bytes, limits.memory_bytes)),
        ("RLIMIT_NPROC", (processes, processes)),
        ("RLIMIT_FSIZE", (limits.file_bytes, limits.file_bytes)),
        ("RLIMIT_NOFILE", (limits.open_files, limits.open_files)),
        ("RLIMIT_CORE", (0, 0)),
    ]


class Sandbox:
    """Runs programs in isolation; a context manager owning a temporary folder of built programs.

    ``with Sandbox() as box: result = box.run(Program("python", src), b"input", SandboxLimits())``
    """

    def __init__(self, isolation: IsolationMode = "auto") -> None:
        self.isolation = detect_isolation(isolation)
        self._root = Path(tempfile.mkdtemp(prefix="prover-sandbox-"))
        self._root.chmod(0o755)
        self._built: dict[str, RunResult | None] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the built programs."""
        shutil.rmtree(self._root, ignore_errors=True)

    @property
    def _namespaces(self) -> bool:
        return self.isolation.mode == "namespaces"

    def run(self, program: Program, stdin: bytes, limits: SandboxLimits) -> RunResult:
        """Run `program` on `stdin` under `limits` (building it first if it is C++)."""
        box = self._box(program)
        if program.language == "cpp":
            failed = self._build(program, box)
            if failed is not None:
                return failed
            argv = [self._path(box, "prog")]
        else:
            argv = [_sandbox_python(), "-I", self._path(box, "prog.py")]
        return self._execute(argv, stdin, limits, box, box_writable=False)

    def _box(self, program: Program) -> Path:
        """The program's own folder, holding its source (and binary), readable by the sandbox user."""
        box = self._root / program.key
        if not box.exists():
            box.mkdir(mode=0o755)
            name = "prog.cpp" if program.language == "cpp" else "prog.py"
            (box / name).write_text(program.source, encoding="utf-8")
            (box / name).chmod(0o644)
        return box

    def _path(self, box: Path, name: str) -> str:
        return f"{_BOX}/{name}" if self._namespaces else str(box / name)

    def _build(self, program: Program, box: Path) -> RunResult | None:
        """Compile a C++ program once; the compiler's result when it failed, else None."""
        if program.key not in self._built:
            gxx = shutil.which("g++", path=_SANE_PATH)
            if gxx is None:
                raise ConfigError("C++ programs need g++ (Debian package g++)")
            if os.geteuid() == 0:
                os.chown(box, SANDBOX_UID, SANDBOX_UID)
            argv = [os.path.realpath(gxx), *_CPP_FLAGS, "-o", self._path(box, "prog"), self._path(box, "prog.cpp")]
            result = self._execute(argv, b"", COMPILE_LIMITS, box, box_writable=True)
            if os.geteuid() == 0:
                os.chown(box, 0, 0)
            self._built[program.key] = None if result.ok else RunResult(
                result.exit_code, result.signal, result.wall_seconds, result.cpu_seconds,
                result.peak_memory_bytes, result.stdout, result.stderr, result.hit, result.isolation, "compile")
        return self._built[program.key]

    def _execute(self, argv: list[str], stdin: bytes, limits: SandboxLimits, box: Path,
                 box_writable: bool) -> RunResult:
        """Run `argv` (paths as the program sees them) under the supervisor, and collect its report."""
        report_r, report_w = os.pipe()
        control_r, control_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
        workdir: Path | None = None
        if self._namespaces:
            prefix = [*_bwrap_argv(box, box_writable, limits), "--"]
        else:
            workdir = Path(tempfile.mkdtemp(prefix="run-", dir=self._root))
            if os.geteuid() == 0:
                os.chown(workdir, SANDBOX_UID, SANDBOX_UID)
            env = {**env, "HOME": str(workdir), "TMPDIR": str(workdir)}
            prefix = []
        config = {"argv": argv, "env": env, "wall": limits.wall_seconds, "report_fd": report_w,
                  "control_fd": control_r, "count": self._namespaces,
                  "rlimits": _rlimits(limits, self._namespaces)}
        command = [*_privilege_drop(), *prefix, _sandbox_python(), "-I", "-S", "-c", _SUPERVISOR, json.dumps(config)]
        try:
            with tempfile.TemporaryFile(dir=self._root) as stdin_file:
                stdin_file.write(stdin)
                stdin_file.seek(0)
                try:
                    proc = subprocess.Popen(
                        command, stdin=stdin_file, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        pass_fds=(report_w, control_r), cwd=workdir, env=env, start_new_session=True,
                    )
                finally:
                    # Only the supervisor keeps these ends: we see EOF on the report when it exits.
                    os.close(report_w)
                    os.close(control_r)
            stdout, stderr, capped, overran = _collect(proc, limits, control_w)
            report = _read_all(report_r)
        finally:
            os.close(report_r)
            os.close(control_w)
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
        return self._result(report, stdout, stderr, capped, overran, limits, proc.returncode)

    def _result(self, report: bytes, stdout: bytes, stderr: bytes, capped: bool, overran: bool,
                limits: SandboxLimits, supervisor_code: int | None) -> RunResult:
        if not report:
            if overran:
                return RunResult(None, signal.SIGKILL, limits.wall_seconds + _BACKSTOP_SECONDS, 0.0, 0, stdout,
                                 stderr, LimitsHit(wall=True), self.isolation.describe())
            raise SandboxError(
                f"the sandbox failed before the program ran (exit {supervisor_code}): "
                f"{stderr.decode(errors='replace').strip()[-500:]}"
            )
        data = json.loads(report)
        status = data["status"]
        code = os.waitstatus_to_exitcode(status) if status is not None else -signal.SIGKILL
        exit_code, sig = (code, None) if code >= 0 else (None, -code)
        cpu = float(data["cpu"])
        failed = exit_code != 0
        hit = LimitsHit(
            wall=data["stopped"] == "wall",
            cpu=cpu >= limits.cpu_seconds or sig == signal.SIGXCPU,
            memory=failed and _mentions(stderr, _MEMORY_MARKERS),
            processes=data["peak_processes"] >= limits.processes or (failed and _mentions(stderr, _PROCESS_MARKERS)),
            file_size=sig == signal.SIGXFSZ or (failed and _mentions(stderr, _FILE_SIZE_MARKERS)),
            open_files=failed and _mentions(stderr, _OPEN_FILES_MARKERS),
            output=capped,
        )
        return RunResult(exit_code, sig, float(data["wall"]), cpu, int(data["rss_kib"]) * 1024, stdout, stderr,
                         hit, self.isolation.describe())


def _mentions(text: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in text for marker in markers)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _collect(proc: subprocess.Popen[bytes], limits: SandboxLimits, control_w: int) -> tuple[bytes, bytes, bool, bool]:
    """Read stdout and stderr up to their caps until both close; stop the program at a cap.

    Returns (stdout, stderr, a cap was reached, the supervisor overran and its group was killed).
    """
    assert proc.stdout is not None and proc.stderr is not None
    caps = {proc.stdout: limits.stdout_bytes, proc.stderr: limits.stderr_bytes}
    kept: dict[IO[bytes], bytearray] = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    capped = overran = False
    deadline = time.monotonic() + limits.wall_seconds + _BACKSTOP_SECONDS
    with selectors.DefaultSelector() as selector:
        for stream in kept:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not overran:
                overran = True
                _kill_group(proc)
            for key, _ in selector.select(timeout=max(remaining, 0.1)):
                stream = key.fileobj
                chunk = os.read(stream.fileno(), 65536)  # type: ignore[union-attr]
                if not chunk:
                    selector.unregister(stream)
                    continue
                buffer = kept[stream]  # type: ignore[index]
                room = caps[stream] - len(buffer)  # type: ignore[index]
                buffer += chunk[: max(room, 0)]
                if len(chunk) > room and not capped:
                    capped = True
                    # Any byte on the control pipe makes the supervisor kill the program.
                    with contextlib.suppress(OSError):
                        os.write(control_w, b"x")
    try:
        proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
    except subprocess.TimeoutExpired:
        overran = True
        _kill_group(proc)
    proc.stdout.close()
    proc.stderr.close()
    return bytes(kept[proc.stdout]), bytes(kept[proc.stderr]), capped, overran


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the supervisor's process group; in namespaces mode its pid 1 then takes the namespace down."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
