"""spaCy's French and English stop words, read without importing spaCy's language packages.

``spacy.lang.fr.stop_words`` is a plain word list, but importing it runs ``spacy.lang.fr``'s
``__init__``, which compiles the French tokenizer's exceptions: about 3 s on the 2-core box, paid
by every process that imported the redaction's rules, ``ccr subject erase`` and the ingest
included, though neither redacts anything. The two files are therefore executed on their own,
as modules outside their package (they import nothing). The words are spaCy's installed ones,
the same sets the packages export.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def _stop_words(language: str) -> frozenset[str]:
    spacy = importlib.util.find_spec("spacy")  # finds the package without importing it
    if spacy is None or not spacy.submodule_search_locations:
        raise ModuleNotFoundError("spaCy is not installed (the lock installs it)")
    path = Path(next(iter(spacy.submodule_search_locations))) / "lang" / language / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_ccr_spacy_{language}_stop_words", path)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"spaCy's {language} stop words are missing: {path}")
    module = ModuleType(spec.name)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


FR_STOP: frozenset[str] = _stop_words("fr")
EN_STOP: frozenset[str] = _stop_words("en")
