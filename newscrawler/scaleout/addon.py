"""Scaling out: any number of ``scrapy crawl feeds`` processes on one Redis, polite as one.

One setting turns it on: ``-s REDIS_URL=redis://host:6379/0``. :class:`ScaleOut` is a Scrapy
add-on (the ``ADDONS`` setting) that changes nothing while ``REDIS_URL`` is unset; with it, it
installs the components of this package:

* scrapy-redis' scheduler and duplicate filter, subclassed (``ClusterScheduler``) so that the
  shared frontier is fair between sites (``SiteFairQueue``), hands requests out on *leases*
  and knows when the crawl as a whole is over;
* the per-site delay, per-site concurrency and ``Retry-After`` pauses held across all workers
  by atomic reservations in Redis (``ClusterPolitenessMiddleware``);
* the seen-articles store and the feeds' validators in Redis (``RedisState``), so that a later
  crawl by any worker skips what any worker wrote; robots.txt fetched once per site and crawl
  (``SharedRobotsTxtMiddleware``);
* one JSONL file per worker (``JSONL_OUTPUT`` gets ``%(host)s`` and ``%(pid)s`` unless the user
  chose a template);
* ``SCHEDULER_PERSIST`` forced on: without it the first worker to finish would wipe the queue
  the others are still working on.

Crawl identity: every key of a crawl starts with ``<REDIS_KEY_PREFIX>:crawl:<CRAWL_ID>``. The
duplicate filter is per crawl, so the next crawl (another ``CRAWL_ID``; by default the UTC date
and hour, so the next hour's cron run is a new crawl) requests every feed again, while the
seen-articles store and the validators (``<REDIS_KEY_PREFIX>:state:*``) outlive crawls, and
the per-site politeness keys (``<REDIS_KEY_PREFIX>:polite:<site>``) are shared by every crawl.

This module imports nothing heavy: it is loaded by every run, scaled out or not.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.misc import load_object

from newscrawler.scaleout.keys import (
    crawl_id,
    crawl_key,
    default_crawl_id,
    enabled,
    redacted,
    worker_id,
)

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["WORKER_OUTPUT", "ScaleOut"]

logger = logging.getLogger(__name__)

# The default output in Redis mode: one file per worker process.
WORKER_OUTPUT = "output/%(name)s-%(host)s-%(pid)s-%(time)s.jsonl"
REDIS_STATE_STORE = "newscrawler.scaleout.state.RedisState"
LOCAL_POLITENESS = "newscrawler.politeness.slots.SitePolitenessMiddleware"
CLUSTER_POLITENESS = "newscrawler.scaleout.politeness.ClusterPolitenessMiddleware"
CLUSTER_DEDUPE = "newscrawler.scaleout.pipelines.ClusterDedupePipeline"
LOCAL_ROBOTS = "newscrawler.politeness.robots.Rfc9309RobotsTxtMiddleware"
SHARED_ROBOTS = "newscrawler.scaleout.robots.SharedRobotsTxtMiddleware"


def _fix_crawl_id(settings: BaseSettings) -> None:
    """Decide the crawl's identity once, before anything reads it (validation, components)."""
    if not str(settings.get("CRAWL_ID") or "").strip():
        settings.set("CRAWL_ID", default_crawl_id(),
                     priority=max(settings.getpriority("CRAWL_ID") or 0,
                                  SETTINGS_PRIORITIES["project"]))


def _use_redis_store(settings: BaseSettings) -> None:
    """Every worker reads and writes one store: Redis, unless the user named another store.

    Set at project priority, since the project's settings name the SQLite store."""
    if (settings.getpriority("STATE_STORE") or 0) <= SETTINGS_PRIORITIES["project"]:
        settings.set("STATE_STORE", REDIS_STATE_STORE, priority="project")


class ScaleOut:
    """Scrapy add-on (in ``ADDONS`` by default), active only with ``REDIS_URL``.

    Settings are set with the add-on priority where Scrapy's default is replaced (``SCHEDULER``
    and friends: a ``-s`` on the command line still wins) and where the project's own value must
    change (``JSONL_OUTPUT``, only while the user has not chosen one).
    """

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        # Runs when the crawl command builds its crawler process, before it validates the
        # arguments: the crawl id is fixed once, so the whole run agrees on it, and the
        # validation opens the store the crawl will use.
        if enabled(settings):
            _fix_crawl_id(settings)
            _use_redis_store(settings)

    def update_settings(self, settings: BaseSettings) -> None:
        if not enabled(settings):
            return
        _fix_crawl_id(settings)
        _use_redis_store(settings)
        prefix = crawl_key(settings)
        for name, value in {
            "SCHEDULER": "newscrawler.scaleout.scheduler.ClusterScheduler",
            "SCHEDULER_QUEUE_CLASS": "newscrawler.scaleout.queue.SiteFairQueue",
            "SCHEDULER_QUEUE_KEY": prefix,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
            # the shared frontier hands out leases; it does not fetch robots.txt first
            "ROBOTSTXT_PREFETCH": True,
        }.items():
            settings.set(name, value, priority="addon")
        # Not negotiable with several workers: the first one to finish would delete the shared
        # frontier (persist off) or a joining one would wipe it (flush on start).
        for name, value in (("SCHEDULER_PERSIST", True), ("SCHEDULER_FLUSH_ON_START", False)):
            if name in settings and settings.getbool(name) != value and (
                    settings.getpriority(name) or 0) > SETTINGS_PRIORITIES["default"]:
                logger.warning("%s=%s ignored: a shared frontier needs %s; start another crawl "
                               "with a new CRAWL_ID instead", name, settings.get(name), value)
            settings.set(name, value, priority=max(settings.getpriority(name) or 0,
                                                   SETTINGS_PRIORITIES["cmdline"]))
        # Scrapy's component dicts compare classes: the components are loaded by path here,
        # which imports the redis extra only when scaling out.
        try:
            settings.replace_in_component_priority_dict(
                "DOWNLOADER_MIDDLEWARES", load_object(LOCAL_POLITENESS),
                load_object(CLUSTER_POLITENESS))
        except KeyError:  # the user turned the per-site politeness off: nothing to share
            logger.warning("SitePolitenessMiddleware is disabled: no per-site politeness "
                           "across workers either")
        settings.set_in_component_priority_dict("ITEM_PIPELINES",
                                                load_object(CLUSTER_DEDUPE), 850)
        # robots.txt fetched once per site for the whole crawl, not once per worker (the same
        # RFC 9309 rules); Scrapy's own stays off
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RobotsTxtMiddleware,
                                                None)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES",
                                                load_object(LOCAL_ROBOTS), None)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES",
                                                load_object(SHARED_ROBOTS), 100)
        template = str(settings.get("JSONL_OUTPUT"))
        if "%(pid)s" not in template or "%(host)s" not in template:
            if (settings.getpriority("JSONL_OUTPUT") or 0) <= SETTINGS_PRIORITIES["project"]:
                settings.set("JSONL_OUTPUT", WORKER_OUTPUT, priority="project")
            else:
                logger.warning("JSONL_OUTPUT=%s has no %%(host)s and %%(pid)s: two workers on "
                               "one machine would append to one file", template)
        logger.info("scaling out on %s: crawl %s (key prefix %s), worker %s, output %s",
                    redacted(str(settings.get("REDIS_URL"))), crawl_id(settings), prefix,
                    worker_id(), settings.get("JSONL_OUTPUT"))
