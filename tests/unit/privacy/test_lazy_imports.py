"""The redaction's recognizers are imported when a text is redacted, not with the package.

``ccr subject erase``, the retention job and the ingest import ``transforms.privacy`` (the
playback copies' locations, the masking of names in file names) without redacting anything:
importing spaCy's French language package and Presidio cost them about 4 s each time (issue 23).
Each check runs in a new interpreter: this test process has imported them long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: What must stay out of a process that only imports these modules.
HEAVY = ("spacy.lang.fr", "spacy.lang.en", "presidio_analyzer", "transforms.privacy.pii.engine")


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "statement",
    [
        "import orchestration.lib.erasure",  # ccr subject erase, the retention job's erasure
        "import transforms.compliance.step",
        "import transforms.ingest.landing",  # the ingest's name masking
        "import transforms.privacy.masking",
        "from transforms.privacy import pii, redaction",
    ],
)
def test_importing_the_privacy_modules_loads_no_recognizer(statement):
    loaded = _loaded_after(statement)
    assert not [m for m in HEAVY if m in loaded]


def test_redacting_still_loads_the_recognizers_on_first_use():
    loaded = _loaded_after(
        "from transforms.privacy import pii\n"
        "assert pii.redact_text('my number is 07700 900123', 'en').text.count('<PHONE>') == 1"
    )
    assert "transforms.privacy.pii.engine" in loaded


def test_an_unknown_name_is_still_an_attribute_error():
    from transforms.privacy import pii

    with pytest.raises(AttributeError):
        pii.no_such_function  # noqa: B018


def test_the_stop_words_are_spacys():
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    from transforms.privacy.pii.stop_words import EN_STOP, FR_STOP

    assert FR_STOP == FR and EN_STOP == EN
    assert "nous" in FR_STOP and "whereas" in EN_STOP
