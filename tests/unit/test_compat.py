"""Every private name listed in ``newscrawler/_compat.py`` still exists in the installed versions.

Run after upgrading Scrapy, scrapy-playwright or Twisted: a failure names what moved.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import pytest

from newscrawler._compat import OVERRIDDEN, PRIVATE_NAMES

SEE = "see newscrawler/_compat.py"
OPTIONAL = {"scrapy_playwright"}  # extras: without them the code that needs the name is off


def resolve(path: str) -> Any:
    """The module or class at dotted ``path``: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError as exc:
            if exc.name in OPTIONAL:
                pytest.skip(f"{exc.name} is not installed")
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                pytest.fail(f"{'.'.join(parts[:cut])} has no attribute {name!r} any more: {SEE}")
            found = getattr(found, name)
        return found
    pytest.fail(f"{path} cannot be imported any more: {SEE}")


def set_in_init(cls: type, name: str) -> bool:
    """``__init__`` assigns ``self.<name>`` (annotated or not).

    An instance attribute exists only on instances. Building one is not always possible here:
    ``_Slot`` needs a scheduler and starts a heartbeat on a running event loop, ``ExecutionEngine``
    a whole crawler. Reading ``__init__`` needs neither and asks exactly what ``_compat`` relies
    on: that every instance gets the attribute. (test_engine_slot_is_set_on_a_built_engine
    checks one of them on a real object too.)
    """
    source = inspect.getsource(cls.__init__)  # type: ignore[misc]
    return re.search(rf"\bself\.{re.escape(name)}\s*(:[^=\n]+)?=(?!=)", source) is not None


@pytest.mark.parametrize(("owner", "name"), PRIVATE_NAMES,
                         ids=[f"{owner}.{name}" for owner, name in PRIVATE_NAMES])
def test_private_name_still_exists(owner, name):
    found = resolve(owner)
    if hasattr(found, name):
        return
    if inspect.isclass(found) and set_in_init(found, name):
        return
    pytest.fail(f"{owner} has no attribute {name!r} any more: {SEE}")


@pytest.mark.parametrize(("owner", "name"), OVERRIDDEN,
                         ids=[f"{owner}.{name}" for owner, name in OVERRIDDEN])
def test_overridden_method_still_exists(owner, name):
    cls = resolve(owner)
    method = inspect.getattr_static(cls, name, None)
    if method is None:
        pytest.fail(f"{owner} has no method {name!r} any more: {SEE}")
    if not callable(getattr(cls, name)):
        pytest.fail(f"{owner}.{name} is no longer a method: {SEE}")


def test_engine_slot_is_set_on_a_built_engine(make_crawler):
    engine = make_crawler(engine=True).engine
    assert hasattr(engine, "_slot"), f"ExecutionEngine has no attribute '_slot' any more: {SEE}"
