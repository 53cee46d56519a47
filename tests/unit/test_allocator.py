"""glibc malloc settings for `serve` (services/allocator.py): workers start with at most two arenas unless
the operator chose otherwise, and free memory can be handed back (docs/reliability.md, memory over the
soak)."""

from __future__ import annotations

import ctypes
import os

import pytest

from complaint_radar.services import allocator

glibc = pytest.mark.skipif(allocator._libc() is None, reason="needs glibc")


@pytest.fixture
def no_arena_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "x")  # recorded, so the test's own value is undone after
    monkeypatch.delenv("MALLOC_ARENA_MAX")


@glibc
def test_server_processes_get_two_arenas_by_default(no_arena_setting: None) -> None:
    assert allocator.limit_arenas_for_server() == allocator.SERVER_ARENAS == 2
    assert os.environ["MALLOC_ARENA_MAX"] == "2"  # what the workers started after inherit


@glibc
def test_an_operators_arena_setting_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert allocator.limit_arenas_for_server() == 4
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


@glibc
@pytest.mark.parametrize("value", ["many", "0", "-1"])
def test_an_unusable_arena_setting_is_left_to_glibc(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", value)
    assert allocator.limit_arenas_for_server() is None
    assert os.environ["MALLOC_ARENA_MAX"] == value


@glibc
def test_freed_memory_goes_back_to_the_system() -> None:
    libc = allocator._libc()
    assert libc is not None
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(800)]  # 50 MiB below glibc's mmap threshold
    for block in blocks[:-1]:
        libc.free(block)  # the last block keeps the heap's top in use, so only a trim can give it back
    try:
        assert allocator.release_free_memory() is True
    finally:
        libc.free(blocks[-1])
