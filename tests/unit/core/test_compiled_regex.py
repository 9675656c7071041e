"""transforms.core.compiled_regex: a kept program gives the Pattern Python would compile, and a
kept program that is not exactly the owner's own for this pattern is never used."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from transforms.core import compiled_regex, kept_files
from transforms.core.compiled_regex import compiled_once

ROOT = Path(__file__).resolve().parents[3]
WORDS = [f"mot{i}-{'x' * (i % 7)}" for i in range(400)]
#: About 5,000 characters: "large" for these tests (min_length=1,000), fast to compile.
PATTERN = "(?iu)" + "|".join(f"(?:{re.escape(w)}(?P<g{i}>[a-z]*))" for i, w in enumerate(WORDS[:3]))
PATTERN += "|" + "|".join(f"(?:{re.escape(w)})" for w in WORDS)
SAMPLES = [*WORDS, "MOT3-XXX", "mot12", "mot0-abc", "autre", "", "mot399-xxxx", "Mot1-Xz"]


def _compile(cache: Path) -> re.Pattern:
    re.purge()  # re's own per-process cache would answer before ours
    with compiled_once(cache, min_length=1_000):
        return re.compile(PATTERN)


def _same(pattern: re.Pattern) -> None:
    re.purge()
    plain = re.compile(PATTERN)
    assert (pattern.pattern, pattern.flags, pattern.groups, pattern.groupindex) == (
        plain.pattern,
        plain.flags,
        plain.groups,
        plain.groupindex,
    )
    for text in SAMPLES:
        got, want = pattern.match(text), plain.match(text)
        assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups()))


def _kept(cache: Path) -> Path:
    (path,) = cache.glob("*.sre")
    return path


def _hit(cache: Path, monkeypatch: pytest.MonkeyPatch) -> re.Pattern:
    """Compile where a kept program must be used: compiling again is made to fail."""

    def refuse(*_a: object) -> None:
        raise AssertionError("compiled again though a program was kept")

    with monkeypatch.context() as m:
        m.setattr(compiled_regex, "_compile_capturing", refuse)
        return _compile(cache)


def test_a_kept_program_gives_the_pattern_python_compiles(tmp_path, monkeypatch):
    cache = tmp_path / "regex"
    _same(_compile(cache))  # compiled, and kept
    path = _kept(cache)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    _same(_hit(cache, monkeypatch))  # made from the kept program


def test_outside_the_block_re_compiles_as_usual(tmp_path):
    original = re._compiler.compile
    with pytest.raises(ValueError), compiled_once(tmp_path, min_length=1_000):
        assert re._compiler.compile is not original
        raise ValueError
    assert re._compiler.compile is original
    re.purge()
    re.compile(PATTERN)
    assert not list(tmp_path.glob("*.sre"))  # not kept outside the block
    with compiled_once(tmp_path, min_length=10**9):
        re.purge()
        re.compile(PATTERN)
    assert not list(tmp_path.glob("*.sre"))  # nor below the size asked


def _program_of(tmp_path: Path, word: str) -> bytes:
    """Keep the program of PATTERN with ``word`` for "mot" under tmp_path/word; its body."""
    re.purge()
    with compiled_once(tmp_path / word, min_length=1_000):
        re.compile(PATTERN.replace("mot", word))
    return _kept(tmp_path / word).read_bytes().split(b"\n", 2)[2]


@pytest.mark.parametrize(
    "attack",
    [
        "edited program",  # its digest no longer matches
        "edited program, digest recomputed",  # the engine's own check refuses the program
        "edited header",  # flags changed: the digest covers the header too
        "truncated",
        "writable by others",
        "kept for another pattern",
        "a link to another file",
    ],
)
def test_a_kept_program_not_exactly_the_owners_own_is_never_used(tmp_path, monkeypatch, attack):
    cache = tmp_path / "regex"
    _compile(cache)
    path = _kept(cache)
    if attack == "edited program":  # a valid program of another pattern, under this header
        head, kept_json, _ = path.read_bytes().split(b"\n", 2)
        path.write_bytes(head + b"\n" + kept_json + b"\n" + _program_of(tmp_path, "nom"))
    elif attack == "edited program, digest recomputed":
        data = path.read_bytes()
        head, kept_json, body = data.split(b"\n", 2)
        body = b"\xff\xff\xff\x7f" * (len(body) // 4)  # not a program the engine accepts
        kept = json.loads(kept_json)
        del kept["sha256"]
        kept["sha256"] = kept_files.digest(kept, body)
        path.write_bytes(head + b"\n" + json.dumps(kept).encode() + b"\n" + body)
    elif attack == "edited header":
        head, kept_json, body = path.read_bytes().split(b"\n", 2)
        kept = json.loads(kept_json)
        kept["flags"] &= ~re.IGNORECASE
        path.write_bytes(head + b"\n" + json.dumps(kept).encode() + b"\n" + body)
    elif attack == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif attack == "writable by others":
        path.chmod(0o666)
    elif attack == "kept for another pattern":
        _program_of(tmp_path, "nom")
        os.replace(_kept(tmp_path / "nom"), path)
    elif attack == "a link to another file":
        target = tmp_path / "elsewhere.sre"
        os.replace(path, target)
        path.symlink_to(target)
    _same(_compile(cache))  # compiled as usual: right whatever was there
    # and kept again, the owner's own: the next process uses it
    assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    _same(_hit(cache, monkeypatch))


def test_another_users_program_is_never_used(tmp_path, monkeypatch):
    if os.getuid() != 0:
        pytest.skip("needs root to give the file to another user")
    cache = tmp_path / "regex"
    _compile(cache)
    os.chown(_kept(cache), 65534, 65534)  # nobody's
    monkeypatch.setattr(compiled_regex, "_write", lambda *a: None)
    calls = []
    real = compiled_regex._compile_capturing
    monkeypatch.setattr(
        compiled_regex, "_compile_capturing", lambda *a: calls.append(a) or real(*a)
    )
    _same(_compile(cache))
    assert calls  # compiled again, not taken from another user's file


def test_a_cache_that_cannot_be_written_costs_time_not_results(tmp_path):
    blocked = tmp_path / "regex"
    blocked.write_text("a file where the folder should be")
    _same(_compile(blocked))


def test_the_french_pipeline_loads_from_the_kept_program_with_the_same_tokens(tmp_path):
    # The product's use: spaCy's French tokenizer pattern, kept by one process (its edge says
    # where) and used by the next, which tokenizes as a process that loaded it with no cache.
    script = (
        "import json, sys, spacy\n"
        "from transforms.privacy.pii import ner\n"
        "if sys.argv[1] == 'kept':\n"
        "    from orchestration.lib.environment import process_settings\n"
        "    process_settings()  # the process's edge: CCR_MODEL_CACHE read there\n"
        "    nlp = ner._LazyModels(ner.MODELS)['fr']\n"
        "else:\n"
        "    nlp = spacy.load(ner.MODELS['fr'], exclude=list(ner.NOT_FOR_NER))\n"
        "text = \"Aujourd'hui, l'arc-en-ciel du rendez-vous : peut-être, c'est-à-dire \"\n"
        'text += "Saint-Étienne-du-Rouvray, week-end, porte-monnaie, J.-C., rue Vieux-Port"\n'
        "print(json.dumps([t.text for t in nlp.make_doc(text)]))\n"
    )
    env = {**os.environ, "CCR_MODEL_CACHE": str(tmp_path)}

    def tokens(mode: str) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-c", script, mode], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads(run.stdout)

    first = tokens("kept")
    (kept,) = (tmp_path / "regex").glob("*.sre")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    inode = kept.stat().st_ino
    assert tokens("kept") == first == tokens("plain")
    assert "arc-en-ciel" in first and "rendez-vous" in first  # the pattern's own work
    assert kept.stat().st_ino == inode  # the second process used the program, not rewrote it
