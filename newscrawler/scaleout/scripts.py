"""The Lua scripts the scale-out components run in Redis, one file each in ``scaleout/lua/``.

Read as package resources, so they load from an installed wheel and from the zipped egg that
Scrapyd deploys alike; what each script does is in its file and in docs/scaling.md, "How it
works".
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["lua_script"]


@cache
def lua_script(name: str) -> str:
    """The source of ``lua/<name>.lua`` (read once per process)."""
    return files("newscrawler.scaleout").joinpath("lua", f"{name}.lua").read_text(
        encoding="utf-8")
