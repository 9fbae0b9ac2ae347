"""Temporary replacement of a function of the toolkit by a variant, wherever it is imported."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def resolve(target: str) -> tuple[Any, str, Any]:
    """Return (owner, attribute, value) for ``"package.module:name"`` or ``"...:Class.name"``.

    Raises:
        LookupError: naming the target, when the module or the attribute does not exist.
    """
    module_name, _, path = target.partition(":")
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise LookupError(f"cannot plant into {target!r}: {error}") from error
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent, None)
    if owner is None or not hasattr(owner, attribute):
        raise LookupError(
            f"cannot plant into {target!r}: it no longer exists, so the fault needs updating"
        )
    return owner, attribute, getattr(owner, attribute)


@contextmanager
def replaced(
    target: str, make_variant: Callable[[Any], Any], *, everywhere: bool
) -> Iterator[list[str]]:
    """Replace ``target`` by ``make_variant(original)`` until the block ends.

    With ``everywhere``, every module of the ``curvature`` package that contains the original
    object under any name (re-exports, ``from … import``) gets the variant too. Otherwise only
    the target's own owner does, which confines a fault to one module. Yields the replaced
    locations. The originals come back even when the block raises.
    """
    owner, attribute, original = resolve(target)
    variant = make_variant(original)
    holders: list[tuple[Any, str]] = [(owner, attribute)]
    if everywhere:
        for name, module in list(sys.modules.items()):
            if module is None or not (name == "curvature" or name.startswith("curvature.")):
                continue
            for key, value in list(vars(module).items()):
                if value is original and (module, key) != (owner, attribute):
                    holders.append((module, key))

    try:
        for holder, key in holders:
            setattr(holder, key, variant)
        yield [f"{getattr(holder, '__name__', holder)}.{key}" for holder, key in holders]
    finally:
        for holder, key in holders:
            setattr(holder, key, original)
