"""Scrapyd: deploy with the real ``scrapyd-deploy``, schedule crawls the way users do, read results.

A real Scrapyd runs in a temporary directory on a free loopback port. The project is deployed
from a temporary copy (``setup.py bdist_egg`` leaves build/ and *.egg-info where it runs, and
the repository's scrapy.cfg is not touched). Scrapyd and every process it starts import
``newscrawler`` only from an egg (see ``EGG_ONLY``): the editable install is hidden, as on a
Scrapyd host that has the project's dependencies but not the project. So the job and the
extraction workers it spawns prove that the deployed egg is enough.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from configparser import ConfigParser
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from simweb import demo_web, serve
from tests.support import read_jsonl

pytest.importorskip("scrapyd")
pytest.importorskip("scrapyd_client")

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROJECT = "newscrawler"
VERSION = "r1"
JOB_WAIT = 180.0                  # seconds a job may take before the test gives up
START_WAIT = 60.0                 # seconds Scrapyd may take to answer daemonstatus.json

CONF_SAMPLE = ROOT / "docs" / "scrapyd.conf.sample"

# On PYTHONPATH as sitecustomize, so it runs first in Scrapyd, its jobs and their spawned
# extraction workers: `newscrawler` may be imported from an egg on sys.path, nowhere else.
# Each process that imports it appends "pid ppid origin" to $EGG_IMPORTS_LOG, if set.
EGG_ONLY = '''\
"""Test helper: import newscrawler from an egg on sys.path only (hides the editable install)."""
import os
import sys
from importlib.machinery import PathFinder


class EggOnlyFinder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "newscrawler":
            return None
        eggs = [entry for entry in sys.path if entry.endswith(".egg")]
        spec = PathFinder.find_spec(name, eggs)
        if spec is None:
            raise ModuleNotFoundError("No module named 'newscrawler' in an egg", name=name)
        if os.environ.get("EGG_IMPORTS_LOG"):
            with open(os.environ["EGG_IMPORTS_LOG"], "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()} {os.getppid()} {spec.origin}\\n")
        return spec


sys.meta_path.insert(0, EggOnlyFinder)
'''


# --- helpers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("SCRAPY_", "SCRAPYD_")):
            del env[name]
    return env


def command(name: str) -> str:
    """A console script of this environment (scrapyd-deploy), not whatever PATH finds first."""
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name) or pytest.skip(f"no {name}")


def copy_project(destination: Path, deploy_url: str | None = None) -> Path:
    """What scrapyd-deploy needs from a clone, with a `test` target appended to scrapy.cfg."""
    destination.mkdir()
    for name in ("setup.py", "pyproject.toml", "scrapy.cfg", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(ROOT / "newscrawler", destination / "newscrawler",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if deploy_url:
        with (destination / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
            cfg.write(f"\n[deploy:test]\nurl = {deploy_url}\n")  # project: from [deploy]
    return destination


def run(args: list[str], cwd: Path, env: dict[str, str],
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@dataclass
class Scrapyd:
    url: str
    directory: Path
    process: subprocess.Popen[bytes]

    def get(self, path: str, **params: str) -> dict:
        query = f"?{urlencode(params)}" if params else ""
        with urlopen(f"{self.url}{path}{query}", timeout=30) as response:
            return json.load(response)

    def post(self, path: str, data: list[tuple[str, str]]) -> dict:
        with urlopen(f"{self.url}{path}", data=urlencode(data).encode(), timeout=30) as response:
            return json.load(response)

    def text(self, path: str) -> str:
        with urlopen(f"{self.url}{path.lstrip('/')}", timeout=30) as response:
            return response.read().decode("utf-8")

    def own_log(self) -> str:
        return (self.directory / "scrapyd.out").read_text(encoding="utf-8", errors="replace")

    def schedule(self, spider: str, *, settings: dict[str, str], **args: str) -> str:
        data = [("project", PROJECT), ("spider", spider), *args.items()]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        answer = self.post("schedule.json", data)
        assert answer.get("status") == "ok", answer
        return answer["jobid"]

    def wait_finished(self, job: str, timeout: float = JOB_WAIT) -> dict:
        """The listjobs.json answer in which `job` is finished."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.get("listjobs.json", project=PROJECT)
            if any(entry["id"] == job for entry in answer["finished"]):
                return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job} not finished after {timeout:g} s: {answer}\n"
                                     f"{self.own_log()[-3000:]}")
            time.sleep(0.5)


def write_scrapyd_conf(directory: Path, port: int) -> None:
    """The documented sample, with this test's port and directories (and a short poll)."""
    config = ConfigParser()
    config.read(CONF_SAMPLE, encoding="utf-8")
    config["scrapyd"].update({
        "bind_address": "127.0.0.1",
        "http_port": str(port),
        "eggs_dir": str(directory / "eggs"),
        "logs_dir": str(directory / "logs"),
        "items_dir": str(directory / "items"),
        "dbs_dir": str(directory / "dbs"),
        "jobs_to_keep": "5",
        "poll_interval": "0.5",
    })
    with (directory / "scrapyd.conf").open("w", encoding="utf-8") as conf:
        config.write(conf)


def start_scrapyd(directory: Path) -> Scrapyd:
    port = free_port()
    write_scrapyd_conf(directory, port)
    hook = directory / "egg_only"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(EGG_ONLY, encoding="utf-8")
    env = base_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))
    env["EGG_IMPORTS_LOG"] = str(directory / "egg_imports.txt")
    env["PYTHONUNBUFFERED"] = "1"     # own_log() is read while Scrapyd runs
    with (directory / "scrapyd.out").open("wb") as out:
        # Its own process group: the jobs and their workers stay in it, so teardown can end
        # every process this test started and nothing else.
        process = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile="],
                                   cwd=directory, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    scrapyd = Scrapyd(f"http://127.0.0.1:{port}/", directory, process)
    deadline = time.monotonic() + START_WAIT
    while True:
        try:
            if scrapyd.get("daemonstatus.json").get("status") == "ok":
                return scrapyd
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_scrapyd(scrapyd)
            raise AssertionError(f"Scrapyd did not start:\n{scrapyd.own_log()[-3000:]}")
        time.sleep(0.2)


def stop_scrapyd(scrapyd: Scrapyd) -> None:
    group = scrapyd.process.pid
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        scrapyd.process.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)   # a job still running, its extraction workers
    scrapyd.process.wait(timeout=15)


# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    server = start_scrapyd(tmp_path_factory.mktemp("scrapyd"))
    try:
        yield server
    finally:
        stop_scrapyd(server)


@pytest.fixture(scope="module")
def deployed(scrapyd, tmp_path_factory):
    """`scrapyd-deploy test` from a copy of the clone: build the egg, upload it."""
    project = copy_project(tmp_path_factory.mktemp("clone") / "newscrawler", scrapyd.url)
    result = run([command("scrapyd-deploy"), "test", "--version", VERSION], project, base_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@dataclass
class JobRun:
    scrapyd: Scrapyd
    job: str
    listjobs: dict                    # the listjobs.json answer once the job had finished
    expected: set[str]
    output: Path
    state_dir: Path
    created_in_scrapyd_dir: set[str]  # what appeared in Scrapyd's working directory meanwhile

    @property
    def entry(self) -> dict:
        return next(e for e in self.listjobs["finished"] if e["id"] == self.job)

    def context(self) -> str:
        """Shown with every failed assertion."""
        return "listjobs.json: " + json.dumps(self.listjobs, indent=2)


@pytest.fixture(scope="module")
def crawl_job(scrapyd, deployed, tmp_path_factory):
    """One crawl of the simulated news web scheduled the usual way, with absolute paths."""
    work = tmp_path_factory.mktemp("job")
    state_dir = work / "state"
    before = set(os.listdir(scrapyd.directory))
    with serve(demo_web()) as running:
        feeds = running.write_feed_list(work / "feeds.txt")
        job = scrapyd.schedule("feeds", feeds=str(feeds), settings={
            "JSONL_OUTPUT": f"{work}/output/%(name)s-%(time)s.jsonl",
            "STATE_DIR": str(state_dir),
            "DOWNLOAD_DELAY": "0.2",
            "EXTRACT_WORKERS": "2",
            "PROGRESS_INTERVAL": "1",
        })
        listjobs = scrapyd.wait_finished(job)
        expected = running.expected_urls()
    print("listjobs.json answer of the finished job:", json.dumps(listjobs))
    outputs = list((work / "output").glob("feeds-*.jsonl"))
    assert len(outputs) == 1, (outputs, json.dumps(listjobs))
    created = set(os.listdir(scrapyd.directory)) - before
    return JobRun(scrapyd, job, listjobs, expected, outputs[0], state_dir, created)


# --- tests -----------------------------------------------------------------------------------

def test_egg_carries_the_settings_entry_point_and_the_default_feed_list(tmp_path):
    project = copy_project(tmp_path / "newscrawler")
    egg = tmp_path / "newscrawler.egg"
    result = run([command("scrapyd-deploy"), "--build-egg", str(egg)], project, base_env())
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]" in entry_points
    assert "settings = newscrawler.settings" in entry_points
    assert "newscrawler/data/default_feeds.txt" in names
    modules = {p.relative_to(project).as_posix() for p in (project / "newscrawler").rglob("*.py")}
    assert modules <= names, modules - names

    # Read from inside the zip, with no other newscrawler importable.
    hook = tmp_path / "egg_only"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(EGG_ONLY, encoding="utf-8")
    env = {**base_env(), "PYTHONPATH": str(hook)}
    hidden = run([sys.executable, "-c", "import newscrawler"], tmp_path, env)
    assert "ModuleNotFoundError" in hidden.stderr, "the editable install is not hidden"
    code = ("import sys; sys.path.append(sys.argv[1]); import newscrawler;"
            "from newscrawler.sources.feedlist import load_feed_list;"
            "print(newscrawler.__file__); print(len(load_feed_list(None).sources))")
    loaded = run([sys.executable, "-c", code, str(egg)], tmp_path, env)
    assert loaded.returncode == 0, loaded.stderr
    where, count = loaded.stdout.split()
    assert where.startswith(str(egg))
    assert int(count) > 0


def test_deploy_reports_the_feeds_and_warc_spiders(scrapyd, deployed):
    assert deployed["status"] == "ok" and deployed["project"] == PROJECT, deployed
    assert deployed["spiders"] == 2, deployed
    assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == ["feeds", "warc"]
    assert scrapyd.get("listversions.json", project=PROJECT)["versions"] == [VERSION]


def test_job_writes_every_article_once_where_the_job_says(crawl_job):
    items = read_jsonl(crawl_job.output)
    urls = [item["url"] for item in items]
    assert crawl_job.expected <= set(urls), crawl_job.context()
    assert len(urls) == len(set(urls)), crawl_job.context()
    assert (crawl_job.state_dir / "state.sqlite3").is_file(), crawl_job.context()
    # nothing landed in Scrapyd's working directory (a first job creates its logs/ and items/)
    assert crawl_job.created_in_scrapyd_dir <= {"logs", "items"}, crawl_job.created_in_scrapyd_dir


def test_extraction_workers_spawned_by_the_job_import_newscrawler_from_the_egg(crawl_job):
    sources = [item["text_source"] for item in read_jsonl(crawl_job.output)]
    assert sources.count("page") >= 10, (sources, crawl_job.context())
    imports: dict[int, tuple[int, str]] = {}   # pid: (parent pid, where newscrawler came from)
    for line in (crawl_job.scrapyd.directory / "egg_imports.txt").read_text().splitlines():
        pid, ppid, origin = line.split(" ", 2)
        imports[int(pid)] = (int(ppid), origin)
    egg = str(crawl_job.scrapyd.directory / "eggs" / PROJECT / f"{VERSION}.egg")
    assert all(origin.startswith(egg) for _, origin in imports.values()), imports
    # processes whose parent imported newscrawler too: the job's EXTRACT_WORKERS=2 workers
    workers = [pid for pid, (ppid, _) in imports.items() if ppid in imports]
    assert len(workers) >= 2, imports


def test_job_log_has_the_run_summary(crawl_job):
    entry = crawl_job.entry
    assert entry["log_url"] == f"/logs/{PROJECT}/feeds/{crawl_job.job}.log", crawl_job.context()
    log = crawl_job.scrapyd.text(entry["log_url"])
    written = len(read_jsonl(crawl_job.output))
    assert "run summary (finished)" in log, log[-3000:]
    assert f"articles: {written} written" in log, log[-3000:]
    assert f"output: {crawl_job.output}" in log, log[-3000:]
    # Scrapyd does not report exit statuses in listjobs.json; its own log does.
    assert f"Process finished: project='{PROJECT}' spider='feeds' job='{crawl_job.job}'" in (
        crawl_job.scrapyd.own_log()
    )


def test_scrapyd_items_dir_feed_export_works_beside_the_jsonl_writer(crawl_job):
    entry = crawl_job.entry
    assert entry["items_url"] == f"/items/{PROJECT}/feeds/{crawl_job.job}.jl", crawl_job.context()
    exported = [json.loads(line)
                for line in crawl_job.scrapyd.text(entry["items_url"]).splitlines() if line]
    written = read_jsonl(crawl_job.output)
    assert sorted(i["url"] for i in exported) == sorted(i["url"] for i in written)


def test_relative_default_paths_land_in_scrapyds_working_directory(scrapyd, deployed):
    """Without per-job settings, output/ and .newscrawler/ are created where Scrapyd runs."""
    with serve(demo_web()) as running:
        dead = running.url("alpha", "/gone.xml")
        job = scrapyd.schedule("feeds", feeds=dead, settings={"EXTRACT_WORKERS": "1"})
        listjobs = scrapyd.wait_finished(job)
    print("listjobs.json answer:", json.dumps(listjobs))
    assert list((scrapyd.directory / "output").glob("feeds-*.jsonl")), listjobs
    assert (scrapyd.directory / ".newscrawler" / "state.sqlite3").is_file(), listjobs
    # A run in which no feed could be fetched exits 1: listjobs.json still says "finished",
    # Scrapyd's own log has the exit status.
    assert f"Process died: exitstatus=1 project='{PROJECT}' spider='feeds' job='{job}'" in (
        scrapyd.own_log()
    )
