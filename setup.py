"""For ``scrapyd-deploy`` only: it always builds an egg with ``python setup.py bdist_egg``.

Everything (name, version, packages, package data, the ``scrapy`` settings entry point) comes
from ``pyproject.toml``: setuptools reads its [project] table when ``setup()`` gets no arguments.
Install with pip as usual; this file is not needed for that.
"""

from setuptools import setup

setup()
