"""Manifests from a hostile repository: no file outside the tree, no secret in a report.

The scanned repository is not trusted (issue 13): an include can point at a symlink out of
the tree or at ``.git/config``, a line can be anything, a URL can carry a token. Nothing of
what those hold may reach a problem, a declaration or a report.

Every secret-shaped value is built at run time, so the repository holds none.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

import secgate
from secgate.cli import main
from secgate.deps.manifests import EXCERPT_LIMIT, Kind, Manifests, read_manifests
from secgate.models import GapKind, ScanStatus, VerdictStatus
from tests.deps.helpers import osv_record


def _github_token() -> str:
    return "ghp_" + "A" * 36


def _random_token() -> str:
    """40 random URL-safe characters (no ``/``: a line with one reads as a local path)."""
    return "0" + secrets.token_urlsafe(30)[1:]


def _basic_credential() -> str:
    return "AUTHORIZATION: basic " + base64.b64encode(secrets.token_bytes(30)).decode("ascii")


def _aws_key_id() -> str:
    return "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def _files(root: Path) -> list[str]:
    """What a tree walk would list: files (symlinks too), nothing under ``.git/``."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        found.extend(Path(folder, n).relative_to(root).as_posix() for n in names)
    return sorted(found)


def _read(root: Path) -> Manifests:
    return read_manifests(root, _files(root))


def _everything(manifests: Manifests) -> str:
    """All text a report could take from *manifests*."""
    parts = [str(p) for p in manifests.problems]
    parts += [repr(d) for d in manifests.declarations]
    parts += manifests.files
    return "\n".join(parts)


def _git_config(root: Path) -> tuple[Path, str]:
    credential = _basic_credential()
    path = _write(
        root,
        ".git/config",
        f'[http "https://github.com/"]\n\textraheader = {credential}\n',
    )
    return path, credential


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, str]:
    """A folder outside the scanned tree holding a file ``token`` with a fake token."""
    folder = tmp_path / "outside"
    token = _github_token()
    _write(folder, "token", f"GITHUB_TOKEN={token}\n")
    return folder, token


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


# --------------------------------------------------------------------------- -r / -c targets


@pytest.mark.parametrize("option", ["-r", "-c", "--requirement", "--constraint"])
def test_include_through_a_symlink_out_of_the_tree_is_a_problem_and_not_read(
    root: Path, outside: tuple[Path, str], option: str
) -> None:
    folder, token = outside
    (root / "sa").symlink_to(folder)
    _write(root, "requirements.txt", f"requests==2.19.0\n{option} sa/token\n")
    found = _read(root)
    flag = "-c" if "c" in option.lstrip("-")[:1] else "-r"
    assert [(p.path, p.line) for p in found.problems] == [("requirements.txt", 2)]
    assert found.problems[0].message.startswith(f"{flag} target is outside the scanned root")
    assert token not in _everything(found)
    assert "GITHUB_TOKEN" not in _everything(found)
    assert found.files == ["requirements.txt"]
    assert [d.name for d in found.declarations] == ["requests"]


@pytest.mark.parametrize(
    ("line", "link"),
    [
        ("-r .git/config", None),
        ("-c .git/config", None),
        ("-r ./sub/../.git/config", None),
        ("-r config-link", ".git/config"),  # a symlink in the tree to a file in .git/
        ("-r gitdir/config", ".git"),  # a symlink in the tree to the .git folder
    ],
)
def test_include_of_git_config_is_a_problem_and_not_read(
    root: Path, line: str, link: str | None
) -> None:
    _, credential = _git_config(root)
    (root / "sub").mkdir()
    if link is not None:
        (root / line.split()[1].split("/", maxsplit=1)[0]).symlink_to(root / link)
    _write(root, "requirements.txt", f"{line}\nflask==2.0\n")
    found = _read(root)
    assert [(p.path, p.line) for p in found.problems] == [("requirements.txt", 1)]
    assert found.problems[0].message.endswith("target is inside .git/, not read")
    everything = _everything(found)
    assert credential not in everything
    assert credential.split()[-1] not in everything
    assert "extraheader" not in everything
    assert [d.name for d in found.declarations] == ["flask"]


def test_include_through_a_symlink_inside_the_tree_is_still_read(root: Path) -> None:
    _write(root, "real/base.txt", "django==3.2\n")
    (root / "linked").symlink_to(root / "real")
    _write(root, "requirements.txt", "-r linked/base.txt\n")
    found = read_manifests(root, ["requirements.txt"])
    assert found.problems == []
    assert [(d.name, d.path) for d in found.declarations] == [("django", "real/base.txt")]


def test_scanned_root_given_through_a_symlink_still_reads_its_includes(tmp_path: Path) -> None:
    real = tmp_path / "real-project"
    _write(real, "requirements.txt", "-r requirements/base.txt\n")
    _write(real, "requirements/base.txt", "six==1.16.0\n")
    (tmp_path / "project-link").symlink_to(real)
    found = read_manifests(tmp_path / "project-link", ["requirements.txt"])
    assert found.problems == []
    assert [d.name for d in found.declarations] == ["six"]


# --------------------------------------------------------------------------- top-level files


@pytest.mark.parametrize("name", ["requirements.txt", "pyproject.toml", "uv.lock"])
def test_top_level_manifest_symlinked_out_of_the_tree_is_not_read(
    root: Path, outside: tuple[Path, str], name: str
) -> None:
    folder, token = outside
    (root / name).symlink_to(folder / "token")
    found = read_manifests(root, [name])
    assert [(p.path, p.line) for p in found.problems] == [(name, None)]
    assert "outside the scanned tree" in found.problems[0].message
    assert token not in _everything(found)
    assert found.declarations == []
    assert found.files == []


def test_top_level_manifest_symlinked_into_git_is_not_read(root: Path) -> None:
    _, credential = _git_config(root)
    (root / "requirements.txt").symlink_to(root / ".git" / "config")
    found = read_manifests(root, ["requirements.txt"])
    assert [p.message for p in found.problems] == ["not read: the file is inside .git/"]
    assert credential not in _everything(found)


# --------------------------------------------------------------------------- lines not parsed


def test_unparseable_line_is_named_not_quoted(root: Path) -> None:
    random_token = _random_token()
    github = _github_token()
    long_line = "x" * 10 + " !!! " + "y" * 200
    _write(
        root,
        "requirements.txt",
        f"ok==1\nAPI_KEY={random_token}\ntoken: {github}\n{long_line}\nflask==2.0\n",
    )
    found = _read(root)
    assert [(p.path, p.line) for p in found.problems] == [
        ("requirements.txt", 2),
        ("requirements.txt", 3),
        ("requirements.txt", 4),
    ]
    for problem in found.problems:
        assert problem.message.startswith("invalid requirement '")
        quoted = problem.message.split("'")[1]
        assert len(quoted) <= EXCERPT_LIMIT
    everything = _everything(found)
    assert random_token not in everything
    assert github not in everything
    assert "A" * 16 not in everything
    assert "y" * 50 not in everything
    assert {d.name for d in found.declarations} == {"ok", "flask"}


def test_unknown_option_and_missing_include_are_quoted_short_and_redacted(root: Path) -> None:
    github = _github_token()
    _write(
        root,
        "requirements.txt",
        f"--frob{github}\n-r {github}.txt\n-r https://{github}@example.invalid/r.txt\n",
    )
    found = _read(root)
    assert [p.line for p in found.problems] == [1, 2, 3]
    assert "unknown option" in found.problems[0].message
    assert "not found" in found.problems[1].message
    assert "cannot be read offline" in found.problems[2].message
    assert github not in _everything(found)


def test_pyproject_invalid_requirement_is_not_quoted_whole(root: Path) -> None:
    random_token = _random_token()
    _write(
        root,
        "pyproject.toml",
        f'[project]\nname = "x"\ndependencies = ["ok==1", "secret={random_token}"]\n',
    )
    found = _read(root)
    assert [(p.line, p.message.split(":")[1].strip()) for p in found.problems] == [
        (3, "invalid requirement '" + found.problems[0].message.split("'")[1] + "'")
    ]
    assert random_token not in _everything(found)


# --------------------------------------------------------------------------- credentials in URLs


def _credential_urls() -> tuple[str, list[str]]:
    """A requirements file whose URLs carry credentials, and those credentials."""
    github = _github_token()
    aws_id, aws_secret = _aws_key_id(), _random_token()
    user, password = "deploy", _random_token()
    at = "@"  # kept apart so this source holds no credential-shaped URL
    text = (
        f"git+https://x-access-token:{github}{at}github.com/o/r#egg=tool\n"
        f"https://{aws_id}:{aws_secret}{at}files.example/p/demo-1.0-py3-none-any.whl\n"
        f"-e git+https://{user}:{password}{at}git.example/lib.git#egg=lib\n"
        f"pkg @ https://{github}{at}files.example/pkg-1.0.tar.gz\n"
        f"https://files.example/simple/other-2.0.tar.gz?token={_random_token()}\n"
    )
    return text, [github, aws_id, aws_secret, password, text.rsplit("token=", 1)[1].strip()]


def test_url_credentials_are_redacted_in_not_auditable_declarations(root: Path) -> None:
    text, credentials = _credential_urls()
    _write(root, "requirements.txt", text)
    found = _read(root)
    assert found.problems == []
    declarations = found.declarations
    assert len(declarations) == 5
    assert all(d.kind is Kind.NOT_AUDITABLE for d in declarations)
    everything = _everything(found)
    for credential in credentials:
        assert credential not in everything
    by_line = {d.line: d for d in declarations}
    assert by_line[1].requirement == "git+https://***@github.com/o/r#egg=tool"
    assert by_line[1].name == "tool"
    assert by_line[2].requirement == "https://***@files.example/p/demo-1.0-py3-none-any.whl"
    assert by_line[3].requirement == "-e git+https://***@git.example/lib.git#egg=lib"
    assert by_line[4].requirement == "pkg @ https://***@files.example/pkg-1.0.tar.gz"
    assert by_line[5].requirement.startswith("https://files.example/simple/other-2.0.tar.gz?")


def test_pyproject_direct_reference_credentials_are_redacted(root: Path) -> None:
    github = _github_token()
    _write(
        root,
        "pyproject.toml",
        f'[project]\nname = "x"\ndependencies = ["lib @ git+https://{github}@github.com/o/lib"]\n',
    )
    found = _read(root)
    assert found.problems == []
    assert [d.requirement for d in found.declarations] == ["lib @ git+https://***@github.com/o/lib"]


# --------------------------------------------------------------------------- through the gate


@pytest.fixture
def db(write_db: Callable[..., Path]) -> Path:
    return write_db(
        osv_record("PYSEC-2018-28", "requests", events=[{"introduced": "0"}, {"fixed": "2.20.0"}])
    )


def test_bad_line_is_a_listed_problem_and_the_other_lines_are_still_audited(
    root: Path, db: Path
) -> None:
    # celery 5.2.7's requirements/dev.txt: packaging cannot parse ``pytz>dev``.
    _write(root, "requirements.txt", "pytz>dev\nrequests==2.19.0\n")
    verdict = secgate.check(
        root, scanners=["pip-audit"], overrides={"scanners": {"pip-audit": {"vuln-db": str(db)}}}
    )
    result = verdict.scanner("pip-audit")
    assert [(f.rule_id, f.path, f.line) for f in verdict.findings] == [
        ("PYSEC-2018-28", "requirements.txt", 2)
    ]
    skipped = [(s.path, s.reason) for s in result.coverage.skipped]
    assert len(skipped) == 1
    assert skipped[0][0] == "requirements.txt"
    assert skipped[0][1].startswith("line 1: invalid requirement 'pytz>dev'")
    # A gap, not an error: the scanner did its job and the coverage policy judges the line.
    assert result.status is ScanStatus.OK
    assert result.coverage.skipped[0].kind is GapKind.INVALID_REQUIREMENT
    assert result.details["audited"] == 1
    assert verdict.status is VerdictStatus.FAIL


def test_json_report_of_a_hostile_tree_holds_none_of_its_secrets(
    root: Path, outside: tuple[Path, str], db: Path
) -> None:
    folder, token = outside
    _, credential = _git_config(root)
    (root / "sa").symlink_to(folder)
    (root / "requirements-linked.txt").symlink_to(folder / "token")
    urls, credentials = _credential_urls()
    _write(
        root,
        "requirements.txt",
        f"-r sa/token\n-r .git/config\nrequests==2.19.0\nAPI_KEY={token}\n{urls}",
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db), "--format", "json"],
        stdout=out,
        stderr=err,
    )
    report = out.getvalue()
    assert json.loads(report)["findings"]  # the requests finding: the gate did run
    assert code != 0
    for secret in (token, credential, credential.split()[-1], *credentials):
        assert secret not in report
        assert secret not in err.getvalue()
    assert "extraheader" not in report
