"""Warm environments keyed by header, shared across theorems.

Loading a header (``Require Import Arith.`` ≈ 240 ms) costs far more than a tactic
(≈ 0.4 ms), so an env that already has the header loaded is reused: the next theorem
with the same header starts with one ``Edit_at``. Envs are health-checked when returned
and recycled after `max_uses` or any failure; the pool is thread-safe.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Self

from prover.envs.base import Env, Theorem, Verdict, normalize_whitespace
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.envs.open import open_env
from prover.errors import ConfigError, ProverError


@dataclass(slots=True)
class _Slot:
    env: Env
    header: str | None = None
    uses: int = 0
    busy: bool = field(default=False)


class EnvPool:
    """Up to `size` envs of one backend, kept warm per header."""

    def __init__(self, backend: str = "coq", size: int | None = None, limits: Limits = DEFAULT_LIMITS,
                 max_uses: int = 2000, **options: Any) -> None:
        self.size = (os.cpu_count() or 1) if size is None else size
        if self.size < 1 or max_uses < 1:
            raise ConfigError("EnvPool needs size >= 1 and max_uses >= 1")
        self.backend = backend
        self.limits = limits
        self.max_uses = max_uses
        self._options = options
        self._slots: list[_Slot] = []
        self._cond = threading.Condition()
        self._closed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self, header: str) -> _Slot:
        with self._cond:
            while True:
                if self._closed:
                    raise ConfigError("the pool is closed")
                idle = [s for s in self._slots if not s.busy]
                warm = next((s for s in idle if s.header == header), None)
                chosen = warm or (None if len(self._slots) < self.size else (idle[0] if idle else None))
                if chosen is None and len(self._slots) < self.size:
                    chosen = _Slot(open_env(self.backend, self.limits, **self._options))
                    self._slots.append(chosen)
                if chosen is not None:
                    chosen.busy = True
                    return chosen
                self._cond.wait()

    def _give_back(self, slot: _Slot, header: str, ok: bool) -> None:
        slot.uses += 1
        slot.header = header
        healthy = ok and slot.uses < self.max_uses and _healthy(slot.env)
        if not healthy:
            slot.env.close()
        with self._cond:
            if not healthy:
                self._slots.remove(slot)
            slot.busy = False
            self._cond.notify()

    @contextmanager
    def env(self, header: str = "", module: str | None = None) -> Iterator[Env]:
        """An env, preferably one that already has `header` loaded (as `module`); returned after."""
        key = f"{module or ''}\x00{normalize_whitespace(header)}"
        slot = self._take(key)
        ok = False
        try:
            yield slot.env
            ok = True
        finally:
            self._give_back(slot, key, ok)

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        """Check a whole proof on a warm env for the theorem's header."""
        with self.env(theorem.header, theorem.module) as env:
            return env.check(theorem, proof)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            slots, self._slots = self._slots, []
            self._cond.notify_all()
        for slot in slots:
            try:
                slot.env.close()
            except ProverError:
                pass


def _healthy(env: Env) -> bool:
    check = getattr(env, "healthy", None)
    return bool(check()) if callable(check) else True
