"""Presidio, offline: our spoken-PII recognizers beside its e-mail, IBAN and card recognizers,
and spaCy's NER through Presidio's spaCy engine (``ner.py``: installed pipelines only, loaded
lazily once per process and language). tldextract reads its bundled suffix snapshot: nothing is
downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from functools import cache
from typing import Any

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
)
from unidecode import unidecode

from transforms.privacy.pii.alphabets import (
    scan_bank_and_health_numbers,
    scan_spelling_alphabet,
)
from transforms.privacy.pii.entities import (
    ADDRESS,
    EMAIL,
    ENTITIES,
    ID,
    LANGUAGES,
    NAME,
    PRESIDIO_TYPES,
    PRIORITY,
    PiiSpan,
    Redacted,
    placeholder,
)
from transforms.privacy.pii.first_names import (
    PERSON_NOUNS,
    _sound,
    after_determiner,
    common_words,
    first_names,
    indefinite_thing,
    is_common_word,
    on_a_journey,
    saint_compound,
    scan_cued_names,
    scan_first_names,
    scan_framed_names,
)
from transforms.privacy.pii.identifiers import (
    scan_announced_payment,
    scan_identifiers,
    scan_plates,
)
from transforms.privacy.pii.ner import NerNameRecognizer, OfflineSpacyNlpEngine
from transforms.privacy.pii.people import (
    ACKS,
    TITLES,
    is_name_word,
    scan_addresses,
    scan_names,
)
from transforms.privacy.pii.pets import pet_words, thing_words, vessel_words
from transforms.privacy.pii.scanners import (
    is_domain,
    scan_glued_emails,
    scan_ibans,
    scan_numbers,
    scan_spoken_emails,
)
from transforms.privacy.pii.tokens import (
    Token,
    hear_digits,
    is_number_word,
    spoken_units,
    tokenize,
)


def _listed_word(word: str) -> bool:
    return word in common_words()


class _SpokenPiiRecognizer(EntityRecognizer):
    """Phones, cards, NIRs, IBANs and e-mails written or spoken, validated by checksum libraries."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entities=list(ENTITIES),
            supported_language=language,
            name=f"spoken_pii_{language}",
        )

    def load(self) -> None:  # nothing to load: no model
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:
        language = self.supported_language
        tokens = hear_digits(tokenize(text), language)
        units = spoken_units(tokens, language)
        found = (
            scan_numbers(units, language)
            + scan_ibans(tokens, units)
            + scan_spoken_emails(tokens)
            + scan_glued_emails(tokens)
            + scan_names(text, tokens, is_common_word, _listed_word)
            + scan_addresses(text, tokens, units)
            + scan_identifiers(tokens, units, language)
            + scan_announced_payment(tokens, units)
            + scan_plates(tokens)
            + scan_spelling_alphabet(tokens, units)
            + scan_bank_and_health_numbers(tokens, units)
        )
        return [
            RecognizerResult(f.entity, tokens[f.lo].start, tokens[f.hi - 1].end, 1.0)
            for f in found
            if f.entity in entities
        ]


class _FirstNameRecognizer(EntityRecognizer):
    """Names said with no cue word, by the first-name lists (``first_names.py``)."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entities=[NAME], supported_language=language, name=f"first_names_{language}"
        )

    def load(self) -> None:  # the lists load on first use
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:
        if NAME not in entities:
            return []
        tokens = hear_digits(tokenize(text), self.supported_language)
        return [
            RecognizerResult(
                NAME,
                tokens[f.lo].start,
                # a name's possessive "'s" is not the name: "kenver's mum" (round 15)
                tokens[f.hi - 1].end - 2 * tokens[f.hi - 1].text.endswith("'s"),
                0.8,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    "lexicon": True,
                },
            )
            for f in scan_first_names(text, tokens, self.supported_language)
            + scan_cued_names(text, tokens, self.supported_language)
            + scan_framed_names(text, tokens, self.supported_language)
        ]


class _TenantIdRecognizer(EntityRecognizer):
    """Identifiers by a tenant's registered patterns (``Tenant.pii_id_patterns``)."""

    def __init__(self, language: str, patterns: tuple[str, ...]) -> None:
        super().__init__(
            supported_entities=[ID], supported_language=language, name=f"tenant_ids_{language}"
        )
        self.patterns = patterns

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:
        if ID not in entities:
            return []
        tokens = hear_digits(tokenize(text), self.supported_language)
        units = spoken_units(tokens, self.supported_language)
        found = scan_identifiers(tokens, units, self.supported_language, self.patterns)
        return [RecognizerResult(ID, tokens[f.lo].start, tokens[f.hi - 1].end, 1.0) for f in found]


@cache
def _tenant_recognizers(patterns: tuple[str, ...]) -> list[EntityRecognizer]:
    return [_TenantIdRecognizer(lang, patterns) for lang in LANGUAGES]


class _OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's written e-mail pattern, its domain checked against the bundled suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return is_domain(pattern_text.rsplit("@", 1)[-1])


@cache
def analyzer() -> AnalyzerEngine:
    """One Presidio engine for the process (building it costs ~0.1 s; analysing is stateless)."""
    recognizers: list[EntityRecognizer] = []
    for lang in LANGUAGES:
        recognizers += [
            _SpokenPiiRecognizer(lang),
            _OfflineEmailRecognizer(supported_language=lang),
            IbanRecognizer(
                supported_language=lang,
                regex_flags=re.DOTALL | re.MULTILINE | re.IGNORECASE,
            ),
            CreditCardRecognizer(supported_language=lang),
            NerNameRecognizer(lang),
            _FirstNameRecognizer(lang),
        ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=list(LANGUAGES))
    engine = OfflineSpacyNlpEngine()
    engine.load()  # lazy: a pipeline loads the first time a text of its language is analysed
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=list(LANGUAGES))


def _languages(language: str | None) -> tuple[str, ...]:
    code = (language or "").split("-")[0].split("_")[0].lower()
    return (code,) if code in LANGUAGES else LANGUAGES


def find_pii(
    text: str,
    language: str | None,
    *,
    id_patterns: Sequence[str] = (),
    org_names: Sequence[str] = (),
) -> list[PiiSpan]:
    """Entity spans in ``text``, merged so that none overlap, in text order.

    ``language`` is Whisper's code ("fr", "en"); anything else runs both rule sets.
    ``id_patterns`` are the tenant's identifier patterns (``Tenant.pii_id_patterns``);
    ``org_names`` are names that are not people (the tenant's own name, which the NER may take
    for one: "Acme Télécom").
    """
    if not text.strip():
        return []
    results: list[RecognizerResult] = []
    ad_hoc = _tenant_recognizers(tuple(id_patterns)) if id_patterns else None
    not_people = _org_words(tuple(org_names))
    lexicon: list[RecognizerResult] = []
    for lang in _languages(language):
        for r in analyzer().analyze(
            text=text, language=lang, entities=None, ad_hoc_recognizers=ad_hoc
        ):
            meta = r.recognition_metadata or {}
            if meta.get("lexicon"):
                lexicon.append(r)
            if (meta.get("ner") or meta.get("lexicon")) and _is_org(
                text[r.start : r.end], not_people
            ):
                continue
            if r.entity_type == NAME and _firm_span(text[r.start : r.end]):
                continue  # a cue's firm: "it's Hallam Building Services who …" (round 16)
            if meta.get("ner") and lang == "fr" and _product_apposition(text, r.start, r.end):
                continue
            if r.entity_type == NAME and _model_apposition(text, r.start):
                continue
            if meta.get("ner") and _saint_place(text, r.start, r.end):
                continue
            if meta.get("ner") and _journey_place(text, r.start, r.end):
                continue
            results.append(r)
    spans = [
        PiiSpan(r.start, _end_before_other(text, r, results) if r in lexicon else r.end, NAME)
        if r.entity_type == NAME
        else PiiSpan(r.start, r.end, PRESIDIO_TYPES.get(r.entity_type, r.entity_type))
        for r in results
        if PRESIDIO_TYPES.get(r.entity_type, r.entity_type) in ENTITIES
    ]
    spans = _address_out_of_ids(text, [s for s in spans if s.end > s.start])
    merged = _merge(spans + _said_again(text, spans))
    return _towns_in_addresses(
        text,
        _not_a_junction(
            text,
            _not_pets(
                text,
                _not_a_persons(
                    text,
                    _shop_with_hours(
                        text,
                        _letters_explained(
                            text,
                            _spelled_after(
                                text,
                                _merge(
                                    merged
                                    + _misheard_before(text, merged)
                                    + _as_spelled(text, merged)
                                    + _other_name_before(text, merged)
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )


#: A postcode written as one (UK, or five French digits), closing an address line.
_POSTCODE = re.compile(r"(?i)[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}|\d{5}")


#: A town's line before the postcode's comma: one to three words.
_TOWN_LINE = re.compile(r"\s*,?\s*(?:[^\W\d_][\w'’-]*\s*){1,3},\s*")


def _towns_in_addresses(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """A town taken for a name inside a written address (round 15): between a street and a
    postcode, or after a comma and before a postcode, with only a comma between ("Flat 8, Eelgrig
    Court, Long Sutton, PE12 9LB", "4 Hobhole Bank, Old Leake, PE22 9PQ"): the name, the postcode
    and the street before are one address, as are a street and a postcode with a town's line
    between them that no rule took. A name said before an address that is no postcode stays a
    name ("Nadia Corbin, 12 Mill Road")."""

    def comma(a: int, b: int) -> bool:
        gap = text[a:b]
        return "," in gap and not gap.strip(" ,")

    out: list[PiiSpan] = []
    i = 0
    while i < len(spans):
        s = spans[i]
        nxt = spans[i + 1] if i + 1 < len(spans) else None
        prev = out[-1] if out else None
        if (
            s.entity == NAME
            and nxt is not None
            and nxt.entity == ADDRESS
            and comma(s.end, nxt.start)
            and _POSTCODE.fullmatch(text[nxt.start : nxt.end].strip(" ,."))
            and text[: s.start].rstrip().endswith(",")
        ):
            start = s.start
            if prev is not None and prev.entity == ADDRESS and comma(prev.end, s.start):
                start = out.pop().start
            out.append(PiiSpan(start, nxt.end, ADDRESS))
            i += 2
            continue
        if (
            s.entity == ADDRESS
            and nxt is not None
            and nxt.entity == ADDRESS
            and _TOWN_LINE.fullmatch(text[s.end : nxt.start])
            and _POSTCODE.fullmatch(text[nxt.start : nxt.end].strip(" ,."))
        ):
            # the town line no rule took, between the street and the postcode
            out.append(PiiSpan(s.start, nxt.end, ADDRESS))
            i += 2
            continue
        out.append(s)
        i += 1
    return out


#: Words that name where streets meet: a street said there is a public place, not an address.
_JUNCTIONS = {"croisement", "carrefour", "angle", "coin", "intersection", "junction", "corner"}
_JUNCTION_REACH = 4


def _not_a_junction(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """Drop a street with no house number said where streets meet ("au croisement de la rue de
    la poste et de l'avenue …", "at the corner of mill lane"): a public place, nobody's address
    (issue 22, round 14). A street line with its number stays ("on the corner, 12 mill lane")."""
    if not any(s.entity == ADDRESS for s in spans):
        return spans
    tokens = tokenize(text)
    drop = set()
    for s in spans:
        if s.entity != ADDRESS or any(c.isdigit() for c in text[s.start : s.end]):
            continue
        i = next((k for k, t in enumerate(tokens) if t.start == s.start), None)
        if i is None or is_number_word(tokens[i].text):
            continue
        if any(
            t.text.split("'")[-1] in _JUNCTIONS for t in tokens[max(0, i - _JUNCTION_REACH) : i]
        ):
            drop.add(s)
    return [s for s in spans if s not in drop]


def _not_pets(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """Drop a name that is an animal's (``pets.pet_words``: "mon chat Oscar", "my dog's called
    Henry", "Bella and Max are both rescue cats"), and its other mentions; a name holding another
    word (the owner's "Lucie Barrault") stays. Drop too a first name right after a sovereign's
    title ("un cavalier king charles"); issue 22, round 14."""
    if not any(s.entity == NAME for s in spans):
        return spans
    tokens = tokenize(text)
    # a boat's name is no person's either (round 16): "le bateau c'est le gwenola"
    pets = pet_words(tokens) | vessel_words(tokens)
    pets |= thing_words(tokens)  # toys, horses, events, varieties (round 19)
    starts = {t.start: i for i, t in enumerate(tokens)}

    def royal(s: PiiSpan) -> bool:
        i = starts.get(s.start)
        if i is None:
            return False
        if tokens[i].text in _ROYALS:  # the NER takes the title in: "king edward"
            return len(tokenize(text[s.start : s.end])) == 2 and (
                i < 1 or tokens[i - 1].text not in TITLES
            )
        return (
            i > 0 and tokens[i - 1].text in _ROYALS and (i < 2 or tokens[i - 2].text not in TITLES)
        )

    return [
        s
        for s in spans
        if s.entity != NAME
        or not (
            royal(s)
            or (
                pets
                # the name's article stays out ("le gwenola": a boat's name with its article)
                and {t.text.removesuffix("'s") for t in tokenize(text[s.start : s.end])}
                - _NAME_ARTICLES
                <= pets
            )
        )
    ]


#: The article a boat's name may carry inside a name's span ("le gwenola").
_NAME_ARTICLES = {"le", "la", "l'", "the"}

#: A sovereign's title: the first name after it is a king's or a queen's, or a thing named after
#: one ("un cavalier king charles", "king edward potatoes", "la reine victoria"), never a
#: caller's (issue 22, round 14). Not after a title ("mr king charles").
_ROYALS = {"king", "queen", "roi", "reine", "pope", "pape", "tsar", "emperor", "empereur",
           "impératrice", "empress"}  # fmt: skip


#: Cues that the address said next is an organisation's, not a person's home: the caller's
#: employer, a workplace ("i work at …"), a firm the caller used. A closed class of frames.
_ORG_OWNERS = [
    ("mon", "employeur"), ("notre", "employeur"), ("son", "employeur"), ("my", "employer"),
    ("his", "employer"), ("her", "employer"), ("our", "employer"), ("i", "work", "at"),
    ("i", "work", "for"), ("he", "works", "at"), ("she", "works", "at"),
    ("je", "travaille", "chez"), ("je", "travaille", "pour"), ("il", "travaille", "chez"),
    ("elle", "travaille", "chez"), ("their", "office"), ("their", "offices"),
    ("leurs", "bureaux"), ("leur", "siège"), ("head", "office"), ("siège", "social"),
]  # fmt: skip
#: Words that give the address back to a person: "… and my supervisor lives at …".
_LIVES = {"live", "lives", "living", "habite", "habitent", "habitez", "home", "domicile",
          "moved", "déménagé", "déménage", "résidence"}  # fmt: skip
#: Premises open to the public (a closed class): an address whose subject one of them is, said
#: with a verb of place ("l'accueil est au …", "the branch is at …", "le centre … se trouve au
#: …"), is the office's, not a person's.
_PREMISES = {
    "accueil", "agence", "bureau", "bureaux", "guichet", "mairie", "préfecture", "permanence",
    "antenne", "centre", "center", "office", "offices", "branch", "counter", "desk", "reception",
    "depot", "dépôt", "siège", "succursale", "showroom", "hôtel", "hotel", "hostel", "restaurant",
    "étude", "cabinet", "magasin", "boutique", "shop", "store", "clinic", "clinique", "surgery",
    # institutions and a business's own sites (issue 22, round 13), a closed class: a
    # department of one, a garage, police, courts, universities, schools, hospitals, libraries
    "service", "département", "department", "garage", "commissariat", "gendarmerie",
    "tribunal", "station", "université", "university", "campus", "fac", "école",
    "school", "college", "collège", "lycée", "hospital", "hôpital", "library", "bibliothèque",
    "médiathèque", "stade", "stadium", "entrepôt", "warehouse", "usine", "factory",
    # halls and public buildings (round 14): "the town hall's at …", "the village hall is on …"
    "hall", "piscine", "pool", "gare",
    # an employer's or a firm's site (round 15): "the employer's site, unit 4, …"
    "site",
    # venues of weddings and funerals (round 17): "le domaine est au 1480, route de …"
    "domaine", "château", "venue", "salle", "crématorium", "crematorium", "église", "church",
    "chapelle", "chapel", "cimetière", "cemetery",
    # a business's spaces and workshops (round 18): "notre deuxième espace est au 240, rue …"
    "espace", "espaces", "locaux",
}  # fmt: skip
#: Words before a unit's number inside a business's premises: "unit 4, marsh lane", "bâtiment
#: 3, …"; an address said after the premises may start on its number, past them.
_UNIT_WORDS = {"unit", "units", "bâtiment", "building", "block", "bloc"}
_PLACE_VERBS = [("est",), ("sont",), ("se", "trouve"), ("se", "trouvent"), ("is",), ("are",),
                ("is", "located"), ("situé",), ("située",),
                # "le garage c'est au douze …", "the team sits at …" (round 13)
                ("c'est",), ("sits",), ("is", "based"), ("based",)]  # fmt: skip
#: Departments of an institution or a business: premises only with their verb of place and a
#: preposition of place ("le service est au rez-de-chaussée", "the department is on …").
_DEPARTMENTS = {"service", "département", "department"}
_PLACE_PREPOSITIONS = {"au", "à", "aux", "dans", "en", "sur", "at", "on", "in", "inside"}
#: How far after a premises noun its verb of place may come (tokens: "le centre des finances
#: publiques est au …").
_PREMISES_REACH = 5
#: How far after the cue the organisation's name and its address may come (tokens).
_ORG_NAME_REACH = 4
_ORG_ADDRESS_REACH = 14
_SENTENCE_END = re.compile(r"[.?!]")


def _not_a_persons(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """Drop an address that an organisation cue says is a company's ("mon employeur, c'est
    Vialatte Logistique, 12 avenue de l'Industrie", "i work at halvorsen freight, 4400 south
    peoria avenue"), with the company's name said right after the cue: an employer's or a firm's
    address is no person's data. The same sentence only, and not once a residence word ("lives",
    "habite") comes between: the person's own address stays."""
    if not any(s.entity in (ADDRESS, NAME) for s in spans):
        return spans
    tokens = tokenize(text)
    firsts = {c[0] for c in _ORG_OWNERS}
    drop: set[PiiSpan] = set()
    for i, tok in enumerate(tokens):
        j = _premises_cue(text, tokens, i)
        nxt = _premises_apposition(text, tokens, i)
        if nxt is not None:
            # "the leeds office, 3 mosley court": the address said right after the premises
            starts = {tokens[nxt].start}
            if tokens[nxt].text in _UNIT_WORDS and nxt + 1 < len(tokens):
                starts.add(tokens[nxt + 1].start)
            drop.update(s for s in spans if s.entity == ADDRESS and s.start in starts)
        if j is None and tok.text in firsts:
            cue = next((c for c in _ORG_OWNERS if _at(tokens, i, c)), None)
            j = None if cue is None else i + len(cue)
        if j is None or j >= len(tokens):
            continue
        last = min(len(tokens), j + _ORG_ADDRESS_REACH)
        for m in range(j, last):
            if tokens[m].text.split("'")[-1] in _LIVES or (
                m > j and _SENTENCE_END.search(text[tokens[m - 1].end : tokens[m].start])
            ):
                last = m
                break
        if last <= j:
            continue
        lo, hi = tokens[j].start, tokens[last - 1].end
        name_hi = tokens[min(last, j + _ORG_NAME_REACH) - 1].end
        addresses = [s for s in spans if s.entity == ADDRESS and lo <= s.start < hi]
        if not addresses:
            continue
        drop.update(addresses)
        drop.update(
            s for s in spans if s.entity == NAME and lo <= s.start < name_hi and s.end <= hi
        )
    return [s for s in spans if s not in drop]


#: A business giving its own place ("we're at …", "nous sommes au …") and its opening hours in
#: the same sentence (round 16): the address is the premises', not a caller's home.
_WE_ARE_AT = [("we're", "at"), ("we", "are", "at"), ("we're", "on"), ("we", "are", "on"),
              ("nous", "sommes", "au"), ("nous", "sommes", "à"), ("on", "est", "au")]  # fmt: skip
_OPEN_WORDS = {"open", "opens", "opening", "ouvert", "ouverts", "ouvre", "ouvrons", "horaires"}


def _shop_with_hours(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """Drop an address a business gives as its own with its opening hours ("We're at 14 Quay
    Street, next to the bank, open nine till five"); a caller's "we're at 3 elm road now"
    stays."""
    if not any(s.entity == ADDRESS for s in spans):
        return spans
    tokens = tokenize(text)
    drop = set()
    for i, tok in enumerate(tokens):
        cue = (
            next((c for c in _WE_ARE_AT if _at(tokens, i, c)), None)
            if tok.text in ("we're", "we", "nous", "on")
            else None
        )
        if cue is None or i + len(cue) >= len(tokens):
            continue
        j = i + len(cue)
        m = j
        while m + 1 < len(tokens) and not _SENTENCE_END.search(
            text[tokens[m].end : tokens[m + 1].start]
        ):
            m += 1
        if any(t.text in _OPEN_WORDS for t in tokens[j : m + 1]):
            drop.update(s for s in spans if s.entity == ADDRESS and s.start == tokens[j].start)
    return [s for s in spans if s not in drop]


def _premises_cue(text: str, tokens: Sequence[Token], i: int) -> int | None:
    """After "l'accueil est", "the branch is located", "the hotel's at": where the premises'
    address may start."""
    word = tokens[i].text
    if word.endswith("'s") and word[:-2] in _PREMISES:
        return i + 1  # "the hotel's at …": the "'s" is the verb of place
    if word.split("'")[-1] not in _PREMISES:
        return None
    for k in range(i + 1, min(len(tokens), i + 1 + _PREMISES_REACH)):
        if _SENTENCE_END.search(text[tokens[k - 1].end : tokens[k].start]):
            return None
        verb = max((v for v in _PLACE_VERBS if _at(tokens, k, v)), key=len, default=None)
        if verb and word.split("'")[-1] in _DEPARTMENTS:
            # a department is said of much besides its place: only "… est au", "… is on"
            after = k + len(verb)
            placed = after < len(tokens) and tokens[after].text in _PLACE_PREPOSITIONS
            return after if placed else None
        if verb:
            return k + len(verb)
    return None


#: How far before a premises noun a residence word gives the address back to a person ("i
#: live above the shop, 12 high street").
_LIVES_BEFORE = 5


def _premises_apposition(text: str, tokens: Sequence[Token], i: int) -> int | None:
    """After "the leeds office,", "du siège": the token where an address in apposition to the
    premises would start (issue 22, round 13); none after a residence word ("i live above the
    shop, 12 high street" is the caller's home)."""
    if tokens[i].text.split("'")[-1] not in _PREMISES or i + 1 >= len(tokens):
        return None
    if _SENTENCE_END.search(text[tokens[i].end : tokens[i + 1].start]):
        return None
    if any(t.text.split("'")[-1] in _LIVES for t in tokens[max(0, i - _LIVES_BEFORE) : i]):
        return None
    return i + 1


def _at(tokens: Sequence[Token], i: int, words: tuple[str, ...]) -> bool:
    return i + len(words) <= len(tokens) and all(
        tokens[i + k].text == w for k, w in enumerate(words)
    )


#: Nouns naming a name: "le nom Wojcik" is a person's.
_NAME_NOUNS = {"nom", "prénom", "noms", "prénoms", "patronyme"}
#: Articles before a common noun that a brand or model name may stand beside.
_ARTICLES = {"le", "la", "l'", "les", "un", "une", "des", "du", "the", "a", "an"}


def _product_apposition(text: str, start: int, end: int) -> bool:
    """A capitalised name the French NER took for a person right after an article and a common
    noun that names no person ("une chaudière Saunier Duval", "le dentifrice Sensodyne", "le
    modèle Thema Condens"): a brand or a model beside the thing it names, as French puts it.
    Not after a kin or role noun ("le technicien Ulrich"), a title or a noun naming a name ("le
    nom Wojcik"), across a comma, or when it opens on a first name of the lists ("la dame Gemma
    Hartley"). English puts a brand before its noun ("a Worcester Bosch boiler") and a person
    after one ("the driver Crispin Delahaye"): French only."""
    words = text[:start].split()
    first = text[start:end].split()[:1]
    if len(words) < 2 or words[-1][-1:] in ",.;:!?" or not first:
        return False
    noun, article = words[-1], words[-2].lower().replace("’", "'")
    if first[0].lower() in first_names() and not indefinite_thing(article, noun):
        return False  # "la dame Gemma Hartley"; but "une commode Louis-Philippe" (round 13)
    return (
        noun.islower()
        and article in _ARTICLES
        and noun in common_words()
        and noun not in PERSON_NOUNS
        and noun not in TITLES
        and noun not in _NAME_NOUNS
    )


#: Nouns naming a model or a line of products (a closed class): the name after them is the
#: model's, often a first name ("la monture margaux", "the frame florence"); round 16.
#: Not the English "model", which also names a person who models.
_MODEL_NOUNS = {"monture", "montures", "modèle", "modèles", "gamme", "collection", "coloris",
                "frame", "frames", "range",
                # equipment sold by its model's name (round 17): "des panneaux soléa", "the
                # inverter helix", a closed class
                "panneau", "panneaux", "onduleur", "onduleurs", "chaudière", "chaudières",
                "batterie", "batteries", "panel", "panels", "inverter", "inverters", "boiler",
                "boilers", "battery"}  # fmt: skip
#: Nouns naming a firm (a closed class): the name right after one is the firm's ("c'est
#: l'entreprise Vivaclim qui …", "the company Brayfield"); round 16.
_FIRM_NOUNS = {"entreprise", "société", "firme", "agence", "enseigne", "marque", "company",
               "firm", "agency", "brand"}  # fmt: skip
_MODEL_OPENERS = _ARTICLES | {"ce", "cette", "this", "that", "votre", "your", "notre", "our"}


def _model_apposition(text: str, start: int) -> bool:
    """A name right after an article or a demonstrative and a noun naming a model ("j'hésite
    entre la monture margaux et la monture louison", "the frame florence in tortoiseshell"):
    the model's name, in either language and either case; not across a comma ("la monture,
    Margaux l'a choisie"), not after "ma"/"my" ("my frame …"). So is a name after a noun
    naming a firm ("c'est l'entreprise Vivaclim qui a le contrat"): the firm's."""
    words = text[:start].lower().replace("’", "'").split()
    if not words or words[-1][-1:] in ",.;:!?":
        return False
    if words[-1].startswith("l'"):  # "l'entreprise", "l'agence"
        words[-1:] = ["l'", words[-1][2:]]
    return (
        len(words) >= 2 and words[-1] in _MODEL_NOUNS | _FIRM_NOUNS and words[-2] in _MODEL_OPENERS
    )


def _saint_place(text: str, start: int, end: int) -> bool:
    """A saint's compound the NER took for a person ("l'école Saint-Joseph", "l'église
    Saint-Martin") names a church, a school, a street or a town, unless a first name stands
    before it as its surname ("Antoine Saint-Clair"); issue 22, round 11."""
    words = text[start:end].split()
    if len(words) != 1 or not saint_compound(words[0]):
        return False
    before = text[:start].split()[-1:]
    return not before or before[0].lower().strip(",.;:") not in first_names()


def _journey_place(text: str, start: int, end: int) -> bool:
    """One word the NER took for a person where a journey puts a place ("I left Chester early",
    "direction Lorient"): the lists' rule (``on_a_journey``) holds for the NER too (round 13)."""
    tokens = tokenize(text)
    k = next((m for m, t in enumerate(tokens) if t.start == start and t.end == end), None)
    return k is not None and on_a_journey(tokens, k)


def _end_before_other(text: str, r: RecognizerResult, results: Sequence[RecognizerResult]) -> int:
    """The end of a name the lists or a frame found, cut where an e-mail, an address or a number
    starts inside it ("marc marc dupont arobase …": the e-mail owns "dupont"); merged whole, the
    name would take the other entity's type. A name that starts inside one is dropped (0)."""
    end = r.end
    for o in results:
        if o.entity_type != NAME and o.start < end and r.start < o.end:
            if o.start <= r.start:
                return r.start
            end = len(text[r.start : o.start].rstrip(" ,.;:!?")) + r.start
    return end


def _said_again(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Other mentions of a word of a name found by a cue or a list ("speaking to kwabena …
    thanks kwabena"): a name once is a name in the whole call. Common words are left out, and
    so is a mention after a determiner ("fleur comme la fleur"), except a word said again right
    after itself as the name's last word ("mireille sauvage, sauvage comme l'animal")."""
    tokens = tokenize(text)
    names = [s for s in spans if s.entity == NAME]

    def named(t: Token) -> bool:
        return any(s.start <= t.start and t.end <= s.end for s in names)

    said = {t.text for t in tokens if named(t) and is_name_word(t.text)}
    # a half of a double-barrelled name said alone is the name ("braithwaite? yeah
    # braithwaite-adewumi"; round 14): halves that are no common words
    said |= {
        half
        for w in list(said)
        if "-" in w
        for half in w.split("-")
        if is_name_word(half) and not is_common_word(half)
    }
    # "pauline du plessis … en deux mots du plessis": the particle said before the word inside
    # the name opens its other mentions too
    with_particle = {
        (tokens[k - 1].text, t.text)
        for k, t in enumerate(tokens)
        if k > 0 and t.text in said and named(t) and named(tokens[k - 1])
    }
    out = []
    for k, t in enumerate(tokens):
        if t.text not in said or named(t):
            continue
        again = k > 0 and tokens[k - 1].text == t.text and named(tokens[k - 1])
        if k > 0 and (tokens[k - 1].text, t.text) in with_particle and not named(tokens[k - 1]):
            out.append(PiiSpan(tokens[k - 1].start, t.end, NAME))
        elif again or (not is_common_word(t.text) and not after_determiner(tokens, k)):
            out.append(PiiSpan(t.start, t.end, NAME))
    return out


#: Words that make a "person" the tagger found a company: sector words of tenant names.
_ORG_WORDS = {
    "télécom", "telecom", "énergie", "energie", "energy", "mobile", "broadband", "assurances",
    "assurance", "insurance", "banque", "bank", "eau", "water", "gas", "gaz", "électricité",
    "electric", "services", "service", "group", "groupe", "sa", "sas", "ltd", "plc", "mutuelle",
    "habitat", "télécoms", "fibre",
    # firms' sector words and legal forms, the way employers and trades are named
    "logistique", "logistics", "freight", "transports", "haulage", "restoration", "plumbing",
    "roofing", "construction", "motors", "garage", "carrosserie", "recovery", "solutions",
    "consulting", "holdings", "industries", "inc", "llc", "corp", "sarl", "sasu", "eurl", "gmbh",
}  # fmt: skip


@cache
def _org_words(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for name in names for w in re.findall(r"[^\W\d_]+", name.lower()))


def _firm_span(span: str) -> bool:
    """A name a cue took that ends on a sector word and opens on no first name of the lists
    ("it's Hallam Building Services who …"): a firm; not "kévin de héliade mutuelle", the agent
    and the firm said together (round 16)."""
    words = re.findall(r"[^\W\d_]+", span.lower())
    return len(words) >= 2 and words[-1] in _ORG_WORDS and words[0] not in first_names()


def _is_org(span: str, org_words: frozenset[str]) -> bool:
    """A sector word, or only words of the tenant's name: "Hortense", "clément assurances";
    not a person whose first name is a word of it ("Marin Leclerc" calling Marin Télécom)."""
    words = set(re.findall(r"[^\W\d_]+", span.lower()))
    return bool(words & _ORG_WORDS) or bool(words and words <= org_words)


#: Repair words between a name as first heard and the name said right.
_REPAIRS = {"no", "non", "sorry", "pardon", "nope", "nah"}
_HESITATIONS = {"euh", "heu", "uh", "um", "erm", "er"}


def _at_tokens(tokens: Sequence[Token], spans: Iterable[PiiSpan]) -> Iterator[tuple[PiiSpan, int]]:
    """Each span that starts where a token starts, with that token's index."""
    starts = {tok.start: m for m, tok in enumerate(tokens)}
    for span in spans:
        if span.start in starts:
            yield span, starts[span.start]


def _misheard_before(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """A name first said or heard wrong, then repaired: "louongue euh non luong", "si dibé non
    sidibé", "vous avez noté kerviel ? non, kerverzé". The one or two words before the repair
    word are the name as first said when they sound like the name after it (``_sound``, the
    rough key of the checked-back names) and are no common word (two pieces together may be)."""
    tokens = tokenize(text)
    out: list[PiiSpan] = []
    for span, k in _at_tokens(tokens, (s for s in spans if s.entity == NAME)):
        spelled = re.sub(r"[\s,-]", "", text[span.start : span.end].lower())
        if (
            k > 0
            and re.fullmatch(r"[^\W\d_](?:[\s,-]+[^\W\d_]){2,}", text[span.start : span.end])
            and _sound(tokens[k - 1].text) == _sound(spelled)
        ):
            # the name said, then spelled: "kerverzé, k-e-r-v-e-r-z-é"
            k -= 1
            out.append(PiiSpan(tokens[k].start, tokens[k].end, NAME))
        r = k - 1
        while r >= 0 and tokens[r].text in _HESITATIONS:
            r -= 1
        if r < 1 or tokens[r].text not in _REPAIRS:
            continue
        h = r - 1
        while h >= 0 and tokens[h].text in _HESITATIONS:
            h -= 1
        key = _sound(tokens[k].text)
        for width in (2, 1):
            lo = h - width + 1
            if lo < 0 or any(
                tok.start < span.start and tok.end > span.start for tok in tokens[lo : h + 1]
            ):
                continue
            words = [tok.text for tok in tokens[lo : h + 1]]
            if not all(is_name_word(w) for w in words) or (width == 1 and is_common_word(words[0])):
                continue
            heard = _sound("".join(words))
            if len(heard) >= 3 and SequenceMatcher(None, heard, key).ratio() >= 0.75:
                out.append(PiiSpan(tokens[lo].start, tokens[h].end, NAME))
                break
    return out


#: Words by which a speaker gives another form of the name just said: a hesitation, "well",
#: "enfin", "I mean" (round 16).
_RENAMING = _HESITATIONS | {"well", "enfin", "mean", "i", "plutôt", "or", "ou"}
#: How alike (``_sound``) a word right before a name must be to its first word to be another
#: form of it ("ondie ondine feathergill", round 17).
_FORM_LIKE = 0.8


def _ends(text: str, tok: Token) -> bool:
    """A sentence ends right after ``tok`` (a comma does not end one)."""
    return text[tok.end : tok.end + 1] in (".", "?", "!", "…") and tok.end < len(text)


def _other_name_before(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """One word of no language said right before a name, with only a hesitation or a word of
    rephrasing between ("it's wilfie well wilfrid fanshawe", "ma voisine ginou enfin eugénia
    malbosc", "it's mehetabel uh hettie"): the same person's other name, a nickname or the
    formal one. Not a common word ("thanks uh ruairi"), nor one after a determiner. Another
    form of the name's first word needs no word between, and its first half may be a common
    word (round 17): "ondie ondine feathergill", "crépin oui crépin-auguste laborderie"."""
    tokens = tokenize(text)
    out: list[PiiSpan] = []
    for _, k in _at_tokens(tokens, (s for s in spans if s.entity == NAME)):
        r = k - 1
        between = _RENAMING | ACKS  # "crépin oui crépin-auguste …"
        while r >= 0 and k - r <= 2 and tokens[r].text in between and not _ends(text, tokens[r]):
            r -= 1
        if r < 0 or _ends(text, tokens[r]):
            continue
        word, first = tokens[r].text, tokens[k].text
        half = "-" in first and first.split("-")[0] == word
        alike = (
            len(word) >= 4
            and word[0] == first[0]
            and SequenceMatcher(None, _sound(word), _sound(first)).ratio() >= _FORM_LIKE
        )
        renamed = r < k - 1 and all(t.text in _RENAMING for t in tokens[r + 1 : k])
        if not (renamed or half or alike):
            continue
        if (
            is_name_word(word)
            and (half or (not is_common_word(word) and word not in common_words()))
            and not after_determiner(tokens, r)
            and not any(s.start <= tokens[r].start < s.end for s in spans)
        ):
            out.append(PiiSpan(tokens[r].start, tokens[r].end, NAME))
    return out


#: How far before a spelled name the words it spells may be said, and how alike a word said
#: once must be to the letters to be the name heard or said slightly wrong.
_SPELLED_REACH = 10
_SPELLED_LIKE = 0.85
_LETTERS = re.compile(r"[^\W\d_](?:[\s,-]+[^\W\d_]){2,}")


def _as_spelled(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """The words a spelled name spells, said around it (round 15): "de la tour delatour ? non
    en trois mots d e l a t o u r" (one to three words whose letters are the spelling), "kippax
    … k i p p a x kippax"; and, before the spelling, one word that is no common word and is
    nearly the spelling ("delahay" for "d e l a h a y e"), the name as first heard."""
    spellings = [s for s in spans if s.entity == NAME and _LETTERS.fullmatch(text[s.start : s.end])]
    if not spellings:
        return []
    tokens = tokenize(text)
    out: list[PiiSpan] = []
    for span, k in _at_tokens(tokens, spellings):
        spelled = re.sub(r"[\s,-]", "", text[span.start : span.end].lower())
        e = next((m for m, tok in enumerate(tokens) if tok.end == span.end), None)
        for lo in range(max(0, k - _SPELLED_REACH), k):
            for width in (3, 2, 1):
                hi = lo + width
                if hi > k:
                    continue
                words = "".join(tok.text for tok in tokens[lo:hi])
                if words == spelled or (
                    width == 1
                    and is_name_word(words)
                    and not is_common_word(words)
                    and words[0] == spelled[0]
                    # accents aside (round 17): "pelapra" heard for "p é l a p r a t"
                    and SequenceMatcher(None, unidecode(words), unidecode(spelled)).ratio()
                    >= _SPELLED_LIKE
                ):
                    out.append(PiiSpan(tokens[lo].start, tokens[hi - 1].end, NAME))
                    break
        if e is None:
            continue
        for lo in range(e + 1, min(len(tokens), e + 1 + _SPELLED_REACH)):
            for width in (3, 2, 1):
                hi = lo + width
                if hi <= len(tokens) and "".join(t.text for t in tokens[lo:hi]) == spelled:
                    out.append(PiiSpan(tokens[lo].start, tokens[hi - 1].end, NAME))
                    break
    return out


def _spelled_after(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """A spelling taken for a name right after an address or an e-mail that spells that entity's
    last word is part of it ("rue des calfats c a l f a t s")."""
    out: list[PiiSpan] = []
    for span in spans:
        prev = out[-1] if out else None
        letters = re.fullmatch(r"[^\W\d_](?:[\s,-]+[^\W\d_])+", text[span.start : span.end])
        if (
            prev is not None
            and span.entity == NAME
            and prev.entity != NAME
            and letters
            and not text[prev.end : span.start].strip(" ,")
        ):
            last = re.findall(r"[^\W\d_]+", text[prev.start : prev.end].lower())
            spelled = re.sub(r"[\s,-]", "", letters.group()).lower()
            if last and last[-1] == spelled:
                out[-1] = PiiSpan(prev.start, span.end, prev.entity)
                continue
        out.append(span)
    return out


#: Letters of an e-mail explained by a word right after it: "m s pour marie-suzanne", "p l for
#: prendergast-lowe", "j comme julien".
_EXPLAINED = re.compile(
    r"[\s,]*((?:[^\W\d_][\s,]+){1,4})(?:pour|for|comme|like|as\s+in)\s+[^\W\d_][\w'’-]*",
    re.IGNORECASE,
)


def _letters_explained(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """Letters of an e-mail's address said again after it with a word for them are part of the
    e-mail (round 15): "ms point bouveresse arobase gmail point com, m s pour marie-suzanne";
    the word (often the caller's own name) is redacted with the address, not as a name apart.
    Letters the address does not hold are left to the other rules."""
    out: list[PiiSpan] = []
    cut = 0
    for span in spans:
        if span.start < cut:
            continue  # inside an e-mail's explanation
        m = _EXPLAINED.match(text, span.end) if span.entity == EMAIL else None
        if m:
            letters = re.sub(r"[\s,]", "", m.group(1)).lower()
            if letters in re.sub(r"[\W_]", "", text[span.start : span.end].lower()):
                out.append(PiiSpan(span.start, m.end(), EMAIL))
                cut = m.end()
                continue
        out.append(span)
    return out


def _address_out_of_ids(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """An address that opens inside an identifier ("Contrat RCW 61 420, poste fixe": the id's
    digits read as a number and a place; round 18) keeps only what follows the id, and nothing
    when that is under two words; the merge would otherwise give the id the address's type."""
    ids = [s for s in spans if s.entity == ID]
    out: list[PiiSpan] = []
    for s in spans:
        inside = next((i for i in ids if i.start < s.start < i.end < s.end), None)
        if s.entity == ADDRESS and inside is not None:
            rest = text[inside.end : s.end]
            if len(re.findall(r"\w+", rest)) < 2:
                continue
            s = PiiSpan(inside.end + len(rest) - len(rest.lstrip(" ,")), s.end, ADDRESS)
        out.append(s)
    return out


def _merge(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Union overlapping spans; the merged span takes the type of its longest member."""
    merged: list[tuple[int, int, PiiSpan]] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            lo, hi, best = merged[-1]
            key = (span.end - span.start, PRIORITY[span.entity])
            if key > (best.end - best.start, PRIORITY[best.entity]):
                best = span
            merged[-1] = (lo, max(hi, span.end), best)
        else:
            merged.append((span.start, span.end, span))
    return [PiiSpan(lo, hi, best.entity) for lo, hi, best in merged]


def redact_text(
    text: str,
    language: str | None,
    *,
    id_patterns: Sequence[str] = (),
    org_names: Sequence[str] = (),
) -> Redacted:
    """Replace every entity with its typed placeholder; spans refer to the original ``text``."""
    spans = find_pii(text, language, id_patterns=id_patterns, org_names=org_names)
    return Redacted(_apply(text, spans), tuple(spans))


def _apply(text: str, spans: Sequence[PiiSpan]) -> str:
    out = []
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(placeholder(span.entity))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
