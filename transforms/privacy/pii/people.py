"""Names and postal addresses by the words call centres use around them (French and English).

ASR text is often lower case, where a statistical tagger sees no name; what gives a name away is
the script: "je m'appelle …", "mon nom c'est …", "my name is …", "monsieur …", "Mrs …", a name
spelled letter by letter ("D U P O N T", "D comme Désiré", "B for Bravo", "double N"), and "…
à l'appareil", "… speaking". Addresses: a house number, a street type and its name ("12 bis rue
des Lilas", "221 Baker Street"), French postcodes (a department and three digits, announced or
followed by the town), British ones (by the shape and the list of postcode areas), four-digit
ones with their town (Belgium, Switzerland), Irish Eircodes (by their shape), post-office boxes
and Irish townlands. A town said alone is not redacted: it identifies no one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from unidecode import unidecode

from transforms.privacy.pii.entities import ADDRESS, NAME
from transforms.privacy.pii.stop_words import EN_STOP as _EN_STOP
from transforms.privacy.pii.stop_words import FR_STOP as _FR_STOP
from transforms.privacy.pii.tokens import (
    BACKCHANNELS,
    Token,
    Unit,
    is_number_word,
    is_number_word_in,
)

# ----------------------------------------------------------------------------- words

#: Words that are never a name, beyond the stop words: what callers and agents say around one.
_NOT_NAMES = {
    "bonjour", "bonsoir", "merci", "hello", "hi", "hey", "thanks", "thank", "good", "morning",
    "afternoon", "evening", "yes", "oui", "ouais", "non", "no", "okay", "ok", "d'accord", "voilà",
    "alors", "donc", "euh", "erm", "uh", "um", "so", "right", "well", "calling", "ringing",
    "phoning", "speaking", "here", "moi", "client", "cliente", "customer", "account", "compte",
    "contrat", "contract", "mari", "femme", "fils", "fille", "husband", "wife", "son",
    "daughter", "mother", "father", "mère", "père", "mum", "mom", "dad", "sorry", "désolé",
    "désolée", "pardon", "just", "about", "bien", "appelle", "j'appelle", "m'appelle", "c'est",
    "it's", "that's", "i'm", "name", "nom", "prénom", "surname", "spell", "épelle", "s'écrit",
    "comme", "for", "as", "in", "dans", "double", "deux", "titulaire", "holder", "policy", "mail",
    "email", "e-mail", "adresse", "address", "numéro", "number", "appareil", "ligne",
    "line", "service", "bienvenue", "welcome", "madame", "monsieur", "mademoiselle", "mr", "mrs",
    "ms", "miss", "mister", "sir", "dr", "docteur", "m", "mme", "mlle", "through", "today",
    "aujourd'hui", "please", "plaît", "s'il", "vous", "sure", "exactly", "exactement", "great",
    "parfait", "perfect", "fine", "euros", "pounds", "minutes", "heures", "hours", "problème",
    "problem", "facture", "bill", "box", "internet", "wifi", "refund", "remboursement",
    "fibre", "fiber", "meter", "compteur", "moment", "instant", "attendez", "hang", "one", "sec",
    "question", "questions", "help", "aider", "contact", "team", "équipe", "agent", "conseiller",
    "conseillère", "advisor", "adviser", "manager", "responsable", "bye", "revoir", "goodbye",
    "rappeler", "call", "back", "carte", "card", "iban", "rib", "code", "postal", "postcode",
    "zip", "rue", "street", "road", "avenue", "lane",
}  # fmt: skip
_STOP = frozenset({w.lower() for w in _FR_STOP | _EN_STOP}) | _NOT_NAMES
_FR_STOP_LOWER = frozenset(w.lower() for w in _FR_STOP)
_NAME_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: English contractions ("you're", "we'll"): never a name ("o'neill" is one).
_CONTRACTION = re.compile(r".+'(?:d|ll|re|ve|s|m|t)$")
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûüÿæœ]")
#: Words by which an agent asks for a name: a weak cue ("c'est", "it's") after one is enough.
_NAME_REQUESTS = {"nom", "name", "prénom", "surname", "épeler", "spell", "noms", "names"}


def _never(word: str) -> bool:
    return False


def is_name_word(word: str) -> bool:
    """A word that may be (part of) a person's name: letters, not a common or number word."""
    w = word.lower().replace("’", "'")
    return (
        len(w) >= 2
        and _NAME_RE.fullmatch(w) is not None
        and _VOWEL.search(w) is not None
        and w not in _STOP
        and not _CONTRACTION.match(w)
        and not is_number_word(w)
    )


# ----------------------------------------------------------------------------- names

#: Word sequences after which the speaker says a name (theirs, or the account holder's).
_NAME_AFTER = [
    tuple(cue.split())
    for cue in (
        "je m'appelle", "m'appelle", "mon nom c'est", "mon nom est", "mon nom de famille c'est",
        "mon nom de famille est", "nom de famille c'est", "mon prénom c'est", "mon prénom est",
        "mon prénom", "mon nom", "je me présente", "moi c'est", "c'est à mon nom",
        "à mon nom", "au nom de", "en ligne avec", "de la part de", "je parle bien à",
        "vous êtes bien", "my name is", "my name's", "name's", "name is", "surname is",
        "surname's", "last name is", "last name's", "first name is", "first name's", "this is",
        "it's", "i'm", "in the name of", "under my name", "under the name", "speaking to",
        "speaking with", "talking to", "holder is", "titulaire c'est", "titulaire du compte c'est",
        "c'est", "oui c'est", "yes it's", "alors", "so",
    )
]  # fmt: skip
#: Cues after which a name must look like one as written (capitalised): "c'est", "it's",
#: "alors" and "so" precede far more common words than names.
_WEAK_AFTER = {("c'est",), ("oui", "c'est"), ("it's",), ("yes", "it's"), ("alors",), ("so",),
               ("i'm",), ("this", "is")}  # fmt: skip
#: Titles: the next one or two name words are a name.
_TITLES = {
    "monsieur", "madame", "mademoiselle", "m", "mme", "mlle", "mr", "mrs", "ms", "miss",
    "mister", "dr", "docteur", "maître", "sir",
}  # fmt: skip
#: Titles that are nouns too: a name only when the next word is no common word.
_TITLE_NOUNS = {"professeur", "professor", "prof", "pr", "doctor", "docteure", "maître",
                # clergy and honours (issue 22, round 12), a closed class
                "reverend", "rev", "révérend", "abbé", "canon", "dame", "lord",
                # elected offices said as a title (round 14), a closed class
                "councillor", "councilor", "cllr", "alderman", "mayor",
                # police and gendarmerie ranks said as a title (round 17), a closed class
                "pc", "sergeant", "sgt", "constable", "detective", "brigadier", "sergent",
                "adjudant", "lieutenant"}  # fmt: skip
#: Every title, for the other recognizers: a name may stand right after one.
TITLES = frozenset(_TITLES | _TITLE_NOUNS)
#: Word sequences *after* a name: "Julie à l'appareil", "Kevin speaking".
_NAME_BEFORE = [("à", "l'appareil"), ("à", "votre", "écoute"), ("speaking",), ("here",),
                # the agent's post said after the name (round 14): "Liévine à l'accueil"
                ("à", "l'accueil"), ("au", "standard"), ("at", "reception"),
                ("on", "reception")]  # fmt: skip
_POSTS = {("à", "l'accueil"), ("au", "standard"), ("at", "reception"), ("on", "reception")}
#: Determiners before an acronym said letter by letter: "the m pan", "your m prn".
_ACRONYM_OPENERS = {"the", "our", "your", "my", "le", "la", "l'", "un", "une", "notre", "votre",
                    "mon", "ma", "this", "that", "ce", "cette"}  # fmt: skip
_POST_DETERMINERS = {"the", "a", "an", "our", "your", "le", "la", "l'", "un", "une", "notre",
                     "votre", "my", "mon", "ma"}  # fmt: skip
_FILLERS = ("euh", "uh", "erm", "um", "heu")
#: Greetings an agent says after their own name: "…, Anselme bonjour".
_AGENT_GREETINGS = {"bonjour", "bonsoir", "hello"}
#: A message passed on to someone ("dites à Ulrich que …", "a message for Ingeborg"): the next
#: words are that person's name unless the first is a common word of the language ("dites à la
#: dame", "a message to reception").
_MESSAGE_TO = [
    tuple(cue.split())
    for cue in (
        "dites à", "dis à", "dites bien à", "message à", "message pour", "transmettre à",
        "message to", "message for", "pass it on to",
        # a call put through to someone (round 14): "you're through to ianthe"
        "through to", "transfer you to", "je vous passe",
    )
]  # fmt: skip
#: Spelling: "D comme Désiré", "D comme dans Dame", "B for Bravo", "B as in Butter".
_SPELL_LINKS = [("comme", "dans"), ("comme",), ("pour",), ("for",), ("as", "in"), ("like",)]
#: Most words a name runs to ("Jean-Marc de la Fontaine" is five).
_MAX_NAME_WORDS = 3
_PARTICLES = {
    "de", "du", "des", "la", "le", "van", "von", "der", "den", "ter", "mac", "mc", "o'", "d'", "da",
    "di", "dos", "das", "del", "della", "el",
}  # fmt: skip
#: Words said inside a spelled name that are not letters: "m apostrophe b a r e k", "tiret".
_SPELL_MARKS = {"apostrophe", "tiret", "hyphen", "dash", "trait-d'union"}


@dataclass(frozen=True)
class Found:
    lo: int  # token index range [lo, hi)
    hi: int
    entity: str


def _match(tokens: Sequence[Token], i: int, seq: tuple[str, ...]) -> bool:
    return i + len(seq) <= len(tokens) and all(tokens[i + k].text == w for k, w in enumerate(seq))


def _raw(text: str, tok: Token) -> str:
    return text[tok.start : tok.end]


def _letter(tok: Token) -> bool:
    return len(tok.text) == 1 and tok.text.isalpha()


def spell_link(tokens: Sequence[Token], k: int) -> int:
    """Words of the link and anchor after a letter at ``k`` ("comme désiré", "pour zoulou", "like
    juliet"), or 0."""
    n = len(tokens)
    for link in _SPELL_LINKS:
        if _match(tokens, k, link) and k + len(link) < n:
            if link == ("pour",) and not _anchors(tokens[k - 1].text, tokens[k + 1].text):
                return 0  # "avec d l pour duvivier": the letters of a word said, not an anchor
            return len(link) + 1
    return 0


def _anchors(letter: str, word: str) -> bool:
    """``word`` opens on ``letter``, accents aside: "é pour émile", "z pour zoulou"."""
    return unidecode(word[:1]) == unidecode(letter)


def spelled_at(tokens: Sequence[Token], i: int) -> int:
    """End (exclusive) of a name spelled from token ``i`` (at least three letters), or ``i``.

    "d u p o n t", "d-u-p-o-n-t", "d, u, p", "b e double n", "d comme désiré u comme ursule".
    """
    n = len(tokens)
    if i < n and re.fullmatch(r"[^\W\d_](?:-[^\W\d_]){2,}", tokens[i].text):
        return i + 1
    j, letters = i, 0
    while j < n:
        if letters and tokens[j].text in _SPELL_MARKS and j + 1 < n and _letter(tokens[j + 1]):
            j += 1
            continue
        if _letter(tokens[j]):
            k = j + 1 + spell_link(tokens, j + 1)  # the link and its anchor word
            letters += 1
            j = k
            continue
        if tokens[j].text in ("double", "deux") and j + 1 < n and _letter(tokens[j + 1]):
            letters += 2
            j += 2
            continue
        break
    return j if letters >= 3 or (letters >= 2 and j - i > letters) else i


def _name_words(
    text: str,
    tokens: Sequence[Token],
    i: int,
    cased: bool,
    common: Callable[[str], bool] = _never,
) -> int:
    """End of the run of name words from ``i`` (fillers allowed between them), or ``i``.

    ``common`` says a word is a common word of the language and no first name: a particle
    starts a name only before a word that is not one ("le goff", not "la société")."""
    j, words, end = i, 0, i
    while j < len(tokens) and words < _MAX_NAME_WORDS:
        tok = tokens[j]
        if tok.text in ("euh", "erm", "uh", "um", "heu"):
            j += 1
            continue
        if tok.text in _PARTICLES and j + 1 < len(tokens) and (words or not cased):
            # "pereira da silva"; at the start only where the cue says a name follows and a
            # name word comes next: "le goff", "de montalembert"
            nxt = tokens[j + 1].text
            if words or (is_name_word(nxt) and not common(nxt) and not tokens[j].pause):
                j += 1
                continue
        if not is_name_word(tok.text) or (cased and not _raw(text, tok)[:1].isupper()):
            break
        words += 1
        j += 1
        end = j
        if tok.pause and words >= 2:
            break
    return end


def scan_names(
    text: str,
    tokens: Sequence[Token],
    common: Callable[[str], bool] = _never,
    listed: Callable[[str], bool] = _never,
) -> list[Found]:
    """Names by the script's cues, titles, a name said twice, and spelled names. ``common``:
    see ``_name_words``; ``listed``: a common word even when it is a first name too ("said")."""
    found: list[Found] = []
    n = len(tokens)
    for i in range(n):
        for cue in _NAME_AFTER:
            if not _match(tokens, i, cue):
                continue
            start = i + len(cue)
            asked = any(t.text in _NAME_REQUESTS for t in tokens[max(0, i - 15) : i])
            weak = cue in _WEAK_AFTER and not asked
            end = _name_words(text, tokens, start, cased=weak, common=common)
            if end == start and start < n:
                end = spelled_at(tokens, start)
                if _followed_by_digits(tokens, end):
                    end = start  # "v comme victor m comme michel zéro huit …": an id's letters
            if end > start:
                found.append(Found(start, end, NAME))
            break
        for cue in _MESSAGE_TO:
            start = i + len(cue)
            if _match(tokens, i, cue) and start < n and not common(tokens[start].text):
                end = _name_words(text, tokens, start, cased=False, common=common)
                while (
                    end > start + 1
                    and (common(tokens[end - 1].text) or tokens[end - 1].text in _PARTICLES)
                    and not _raw(text, tokens[end - 1])[:1].isupper()
                ):
                    end -= 1  # "dites à ulrich le technicien": the name, not his trade
                if end > start:
                    found.append(Found(start, end, NAME))
                break
        if (
            tokens[i].text in _TITLES
            and i + 1 < n
            # a one-letter title after a determiner is an acronym's letter: "the m pan is …",
            # "your m prn" (round 15); "m dupont" stays a title, and so does one after the
            # letter "a" of a spelling ("… i n g a m ramalingam")
            and not (len(tokens[i].text) == 1 and i > 0 and tokens[i - 1].text in _ACRONYM_OPENERS)
        ):
            end = _name_words(text, tokens, i + 1, cased=False, common=common)
            if end > i + 1:
                found.append(Found(i + 1, end, NAME))
        if tokens[i].text in _TITLE_NOUNS and i + 1 < n and not listed(tokens[i + 1].text):
            # "du professeur kaczmarek", not "the doctor appointment"
            end = _name_words(text, tokens, i + 1, cased=False, common=common)
            if end > i + 1:
                found.append(Found(i + 1, end, NAME))
        for cue in _NAME_BEFORE:
            if _match(tokens, i, cue) and i > 0:
                lo = i
                while (
                    lo > 0
                    and i - lo < 2
                    and is_name_word(tokens[lo - 1].text)
                    and not common(tokens[lo - 1].text)  # "a letter here"
                ):
                    lo -= 1
                    if tokens[lo - 1].pause if lo > 0 else True:
                        break
                if lo < i and not (
                    cue in _POSTS and lo > 0 and tokens[lo - 1].text in _POST_DETERMINERS
                ):  # "the porter at reception": a trade, not a name (round 14)
                    found.append(Found(lo, i, NAME))
        if (
            tokens[i].text in _AGENT_GREETINGS
            and i > 1
            and not tokens[i - 1].pause
            and tokens[i - 2].pause  # after the opening's comma: not the brand itself
            and is_name_word(tokens[i - 1].text)
            and not common(tokens[i - 1].text)
        ):
            # the agent's name between the opening's comma and the greeting: "Mobilis boutique
            # de Laval, Anselme bonjour" (round 14); one word, no common word
            found.append(Found(i - 1, i, NAME))
        # a hesitation may come between the two ("name briony uh briony fothergale"; round 14)
        again = i + 2 if i + 2 < n and tokens[i + 1].text in _FILLERS else i + 1
        after_noun = i > 0 and tokens[i - 1].text in _NAME_REQUESTS
        # after a copula, before a word of no language (round 16): "the optometrist who
        # tested me was ariadne ariadne trefusis", not "it was very very good"
        after_copula = (
            i > 0
            and tokens[i - 1].text in _REPEAT_COPULAS
            and again + 1 < n
            and is_name_word(tokens[again + 1].text)
            and not common(tokens[again + 1].text)
        )
        if (
            again < n
            and tokens[again].text == tokens[i].text
            and is_name_word(tokens[i].text)
            # "yeah yeah", "allô allô", "vite vite"; but after a name noun a word is a name
            and (not common(tokens[i].text) or after_noun or after_copula)
            and (
                i == 0
                or tokens[i - 1].text in _FILLERS
                or tokens[i - 1].pause
                or after_noun
                or after_copula
            )
        ):
            # "Euh Manon, Manon Girard": a name said again, as one does when asked for it
            found.append(Found(i, _name_words(text, tokens, again, cased=False), NAME))
        if tokens[i].text in _NOT_HEARD and i > 0:
            found += _said_again_when_not_heard(tokens, i, common)
        end = spelled_at(tokens, i)
        if end > i and not _followed_by_digits(tokens, end):
            found.append(Found(i, end, NAME))
    return found


#: Copulas after which a word said twice is a name said as one does when asked (round 16).
_REPEAT_COPULAS = {"was", "is", "c'est", "it's", "c'était", "était", "est"}
#: What a person says who did not hear ("pardon ?", "sorry?", "comment ?"), round 16.
_NOT_HEARD = {"pardon", "sorry", "comment", "what", "quoi", "hein"}


def _said_again_when_not_heard(
    tokens: Sequence[Token], i: int, common: Callable[[str], bool]
) -> list[Found]:
    """The same one to three words said before and after a word of not hearing ("c'est
    zéphyrine roumégas pardon ? zéphyrine roumégas"): a name said again because the other party
    did not hear it, both times: name words, one at least of no language ("the bill sorry the
    bill" is none), the first no particle."""
    n = len(tokens)
    for width in (3, 2, 1):
        lo, hi = i - width, i + 1 + width
        if lo < 0 or hi > n:
            continue
        before, after = tokens[lo:i], tokens[i + 1 : hi]
        if [t.text for t in before] != [t.text for t in after]:
            continue
        words = [t.text for t in before if t.text not in _PARTICLES]
        if (
            before[0].text in _PARTICLES
            or not all(is_name_word(w) for w in words)
            or all(common(w) for w in words)
        ):
            continue
        return [Found(lo, i, NAME), Found(i + 1, hi, NAME)]
    return []


#: Marks that join the letters of a code to its digits ("p c tiret zéro quatre", "l t dash oh
#: four"), and English zero said as the letter before another digit ("i n c oh oh five").
_CODE_JOINS = {"tiret", "dash", "hyphen", "slash", "underscore"}
_ZERO_AS_LETTER = {"oh", "o"}


def _digit_at(tokens: Sequence[Token], k: int) -> bool:
    return k < len(tokens) and (tokens[k].text[:1].isdigit() or is_number_word(tokens[k].text))


def _followed_by_digits(tokens: Sequence[Token], end: int) -> bool:
    """Letters followed by digits are a code's (a ticket, a machine, an id), not a spelled name:
    right after them, after a joining mark, or after English zero said "oh" (issue 22, round
    13: "i n c oh oh five …", "l t dash m a n dash oh four …")."""
    if end < len(tokens) and tokens[end].text in _CODE_JOINS:
        end += 1
    while end + 1 < len(tokens) and tokens[end].text in _ZERO_AS_LETTER:
        if _digit_at(tokens, end + 1):
            return True
        end += 1
    if end + 1 < len(tokens) and re.fullmatch(r"[a-z]'s", tokens[end + 1].text):
        return False  # a count of a letter after its spelling (round 18): "… d e n two t's"
    return _digit_at(tokens, end)


# ----------------------------------------------------------------------------- addresses

_STREETS_FR = {
    "rue", "avenue", "av", "boulevard", "bd", "bld", "place", "chemin", "allée", "allee",
    "impasse", "route", "quai", "cours", "square", "passage", "résidence", "residence",
    "lotissement", "lieu-dit", "hameau", "sentier", "voie", "rond-point", "esplanade",
    "promenade", "faubourg", "cité", "villa", "parvis", "montée", "traverse", "venelle",
    "ruelle", "clos", "domaine", "côte", "rampe", "sente", "carrefour", "chaussée", "drève",
    # plural types that name one street (issue 22, round 11: "18, allées jean-jaurès")
    "allées", "quais", "boulevards",
}  # fmt: skip
#: Welsh street types, said before the street's name as in French ("105 heol tredegar", "3
#: ffordd y môr"), and the Welsh article inside the name: an address after a house number only
#: (issue 22, round 13; a closed class).
_STREETS_CY = {"heol", "ffordd", "stryd", "lôn", "rhodfa", "cilgant", "teras"}
_ARTICLES_CY = {"y", "yr", "'r"}
#: Without a house number, only these (never "place": "à la place de …").
_STRONG_FR = {"rue", "avenue", "boulevard", "impasse", "chemin", "allée", "quai", "cours"}
#: Named groups of dwellings: without a house number, an address when an article opens the name
#: ("résidence les tilleuls", "lotissement le clos fleuri"; not "résidence secondaire").
_NAMED_ESTATES_FR = {
    "résidence", "residence", "lotissement", "hameau", "domaine", "cité", "lieu-dit",
}  # fmt: skip
#: "résidence du parc": opened by "du"/"des", an estate only with a dwelling part after it.
_ESTATE_OF = {"du", "des", "de"}
_ESTATE_ARTICLES = {"les", "le", "la", "l'"}
#: The other party's acknowledgements said inside an address line (round 16), and between two
#: forms of a name (the engine's other names, round 17).
ACKS = {"oui", "ouais", "yes", "yeah"}
#: A named place with no street: its name follows with or without an article.
_LIEU_DIT = {"lieu-dit", "lieudit"}
#: Links inside a street's name: "rue du four à chaux", "chemin des prés aux moines".
_STREET_LINKS = {"à", "aux", "au", "sur", "sous", "en", "lès", "lez"}
#: Parts of a dwelling said after the street line, with their letter or number: "bâtiment c
#: appartement 12", "escalier b", "flat 4".
_DWELLING_PARTS = {
    "bâtiment", "batiment", "bât", "bat", "escalier", "esc", "appartement", "appart", "appt",
    "apt", "porte", "logement", "étage", "etage", "entrée", "entree", "flat", "apartment",
    "unit", "block", "floor", "numéro", "n°",
}  # fmt: skip
_STREETS_EN = {
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "close", "way",
    "crescent", "court", "ct", "place", "terrace", "gardens", "grove", "mews", "row", "square",
    "hill", "park", "walk", "parade", "view", "rise", "green", "vale", "wharf", "yard",
    "boulevard", "circus", "gate", "quay", "embankment", "approach", "broadway", "hollow",
    "market", "passage", "path", "cottages", "villas", "heights", "croft", "chase", "fold",
    "garth", "wynd", "brow", "dene", "mead", "meadows", "rowe", "steps",
    # regional British types (round 14), a closed class: Scots and northern lanes and alleys
    "vennel", "ghyll", "gill", "loaning", "brae", "chare", "ginnel", "snicket", "twitten",
    # fenland and moorland types (round 17): "oxlip drove", "puddlers' bank", "kipperlane end"
    "drove", "bank", "end",
    # round 18: "crofters' drift"
    "drift",
}  # fmt: skip
#: Street types that are everyday nouns too ("the 12 month end", "20 lloyds bank"): a street
#: only after a word that is no common word or a possessive ("kipperlane end", "puddlers' bank").
_WEAK_STREETS_EN = {"bank", "end", "drift"}
#: Street types as a noisy line makes Whisper write them, homophones of a type ("58 coniston
#: weigh"): a street only with its house number, like every English street type.
_STREET_HOMOPHONES_EN = {"weigh", "whey", "rode", "rowed", "lain", "grov", "clothes"}
#: A units word heard as its homophone after a tens word in a house number: "forty for
#: cranbourne avenue" is 44 ("for" = four, "to"/"too" = two, "won" = one, "ate" = eight).
_UNIT_HOMOPHONES_EN = {"for": "4", "fore": "4", "to": "2", "too": "2", "won": "1", "ate": "8"}
_TENS_EN = {"twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty",
            "ninety"}  # fmt: skip
_NUMBER_SUFFIX = {"bis", "ter", "quater", "b", "a"}
_DWELLING = {"flat", "apartment", "appartement", "appt", "bâtiment", "batiment", "unit"}
_POSTCODE_CUES = [("code", "postal"), ("postcode",), ("post", "code"), ("zip", "code"), ("cp",),
                  ("zip",), ("postcode's",), ("postal", "code"), ("zipcode",)]  # fmt: skip
#: British postcode areas (the letters before the first digit).
_UK_AREA_CODES = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
    "E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD "
    "LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG "
    "SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO "
    "ZE"
)
_UK_AREAS = set(_UK_AREA_CODES.split())
_UK_POSTCODE = re.compile(r"([A-Z]{1,2})\d[A-Z\d]?\d[A-Z]{2}")
_UNIT_WORDS = {"euros", "euro", "pounds", "pound", "dollars", "€", "£", "grammes", "kilos",
               "minutes", "heures", "jours", "mois", "ans", "clients", "litres", "pages", "go",
               "gb", "percent", "pour", "fois", "times", "years", "days", "months",
               "hours",
               # currencies, a closed class: "eighteen thousand four hundred rupees"
               "rupees", "rupee", "dirhams", "dirham", "francs", "cfa", "dinars", "cents",
               "yuan", "pesos", "naira", "rand", "dollar"}  # fmt: skip


#: The backchannels whose word may be part of an address ("right", "on", "go").
_NOT_BETWEEN = {"right", "go", "on", "je", "note", "noted", "continuez", "allez-y"}
_HESITATIONS = {
    "euh", "heu", "uh", "um", "er", "erm", "oui", "ouais", "yeah", "yes", "mm", "yep", "d'accord",
    "okay", "ok",
} | (BACKCHANNELS - _NOT_BETWEEN)  # fmt: skip
"""Hesitations and acknowledgements (the other party's too) between the parts of an address."""


#: Most digits a house number has: a run of more said digit by digit is another number (a
#: listing, an order, a phone) whose last digit comes before a word (issue 22, round 13).
_HOUSE_DIGITS = 4


def _digits_before(units: Sequence[Unit], tokens: Sequence[Token], n: int) -> int:
    """Digits said in the number units run right before unit ``n`` (no pause between)."""
    count = 0
    while n > 0 and units[n - 1].kind == "num" and not tokens[units[n - 1].hi - 1].pause:
        n -= 1
        count += len(units[n].value)
    return count


def _said_again(units: Sequence[Unit], tokens: Sequence[Token], n: int) -> int | None:
    """Start of a number said twice to check it, ending with unit ``n`` and no pause inside
    ("one hundred and eight one oh eight", "eighty eighty"): the digits of the run split on a
    unit's edge into two equal halves (round 18); or None."""
    r = n
    while r > 0 and units[r - 1].kind == "num" and not tokens[units[r - 1].hi - 1].pause:
        r -= 1
    for m in range(r + 1, n + 1):
        first = "".join(u.value for u in units[r:m])
        if 0 < len(first) <= _HOUSE_DIGITS and first == "".join(u.value for u in units[m : n + 1]):
            return units[r].lo
    return None


def _house_number(units: Sequence[Unit], tokens: Sequence[Token], k: int) -> int | None:
    """Token index where a house number (with "bis", "flat 3,") starts, for a street at ``k``."""
    j = k
    if j > 0 and tokens[j - 1].text in _HESITATIONS:
        j -= 1  # "au 2 oui place …", "12 euh rue …": a hesitation before the street type
    if j > 1 and tokens[j - 1].text in _UNIT_HOMOPHONES_EN and tokens[j - 2].text in _TENS_EN:
        return next((u.lo for u in units if u.hi == j - 1 and u.kind == "num"), j - 2)
    if j > 0 and tokens[j - 1].text in _NUMBER_SUFFIX:
        j -= 1
    if j > 0 and re.fullmatch(r"[1-9]\d{0,3}/[1-9]\d{0,3}", tokens[j - 1].text):
        return j - 1  # unit and house number joined by a slash: "3/48 kurrajong parade"
    if j > 0 and re.fullmatch(r"[1-9]\d{0,3}[a-z]", tokens[j - 1].text):
        start = j - 1  # a letter glued to the number: "14a", "3b"
        if start >= 2 and tokens[start - 2].text in _DWELLING:
            start -= 2
        return start
    for n, u in enumerate(units):
        if u.hi == j and u.kind == "num" and len(u.value) <= 4 and int(u.value or 0) > 0:
            again = _said_again(units, tokens, n)
            start = u.lo if again is None else again  # said twice to check it (round 18)
            if again is None and _digits_before(units, tokens, n) + len(u.value) > _HOUSE_DIGITS:
                return None  # the tail of a longer number: "eight eight four one two a …"
            if start >= 2 and tokens[start - 2].text in _DWELLING:
                start -= 2
            return start
    return None


#: Units of length after "square" make it an area ("fifty square feet"), a closed class.
_AREA_UNITS = {"foot", "feet", "ft", "metre", "metres", "meter", "meters", "mètre", "mètres",
               "yard", "yards", "mile", "miles", "inch", "inches", "kilometre", "kilometres",
               "kilometer", "kilometers", "m"}  # fmt: skip


def scan_addresses(text: str, tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    found: list[Found] = []
    for k, tok in enumerate(tokens):
        word = tok.text
        if word == "square" and k + 1 < len(tokens) and tokens[k + 1].text in _AREA_UNITS:
            continue  # "a fifty square foot unit": an area, not a square (round 16)
        if word in _STREETS_FR or word in _STREETS_CY:
            # French, and Welsh after a house number: [number] type [de la | y] name words
            found += _fr_street(text, tokens, units, k)
        if word in _STREETS_EN or word in _STREET_HOMOPHONES_EN:
            found += _en_street(text, tokens, units, k)
        if word in _ESTATES_EN and k >= 2 and tokens[k - 1].text == "the":
            # "5 the paddocks": a British named estate after its house number
            start = _house_number(units, tokens, k - 1)
            if start is not None:
                found.append(Found(start, _dwelling_end(tokens, k + 1), ADDRESS))
    found += _fr_postcodes(text, tokens, units)
    found += _four_digit_postcodes(tokens, units)
    found += _po_boxes(tokens, units)
    found += _uk_postcodes(tokens, units)
    found += _eircodes(tokens, units)
    found += _townlands(tokens)
    found += _cued_postcodes(tokens, units)
    found += _answered_addresses(text, tokens, units)
    found += _directions(tokens)
    return found + _repaired(tokens, found)


#: Words by which a speaker takes back what was just said ("euh non", "sorry", "I mean").
_REPAIR_WORDS = {"non", "no", "sorry", "pardon", "nope", "mean", "i", "enfin", "plutôt"}


def _repaired(tokens: Sequence[Token], found: Sequence[Found]) -> list[Found]:
    """An address part said, taken back and said again ("trente-huit zéro quatre-vingt-onze
    euh non trente-huit zéro quatre-vingt-dix", "po box 41 sorry 47") is one address from the
    first attempt to the repair (issue 22, round 13): a number detector that takes the two for
    one longer number must not win the span."""
    out = []
    spans = sorted({(f.lo, f.hi) for f in found if f.entity == ADDRESS})
    for (lo, hi), (lo2, hi2) in pairwise(spans):
        between = [t.text for t in tokens[hi:lo2]]
        if (
            lo2 > hi
            and any(w in _REPAIR_WORDS for w in between)
            and all(w in _REPAIR_WORDS or w in _HESITATIONS for w in between)
        ):
            out.append(Found(lo, hi2, ADDRESS))
    return out


#: A home given as directions (issue 22, round 12): a dwelling, or the part of one a visitor
#: sees first, placed by a preposition of place against a landmark ("the white bungalow after
#: the chapel", "la maison en pierre après le transformateur", "the cottage facing the green").
#: Closed classes: dwellings, prepositions of place; a landmark alone ("by the castle", "le
#: parking en face du rond-point") names no one's home.
_DWELLINGS = {
    "house", "houses", "bungalow", "cottage", "farm", "farmhouse", "barn", "caravan", "maison",
    "ferme", "pavillon", "portail", "longère", "chalet", "mas", "grange", "bastide", "gate",
}  # fmt: skip
_DIRECTION_PREPOSITIONS = [
    ("after",), ("past",), ("opposite",), ("next", "to"), ("beside",), ("behind",), ("facing",),
    ("across", "from"), ("just", "after"), ("just", "past"), ("après",), ("derrière",),
    ("juste", "après"), ("en", "face", "de"), ("en", "face", "du"), ("en", "face", "des"),
    ("à", "côté", "de"), ("à", "côté", "du"), ("à", "côté", "des"), ("face", "à"), ("face", "au"),
]  # fmt: skip
#: Determiners that open a dwelling placed by directions, and a landmark after its preposition.
_DIRECTION_DETERMINERS = {"the", "la", "le", "les", "that", "celle", "celui", "du", "des", "de"}
#: Words between the determiner and the dwelling ("the third white house"), and after it before
#: the preposition ("la maison en pierre après …"): a few, in one clause.
_BEFORE_DWELLING = 3
_AFTER_DWELLING = 3
#: Landmarks that are events, not places: "the house after the fire" is a time.
_EVENTS = {"fire", "flood", "storm", "sale", "move", "works", "weekend", "holidays", "incendie",
           "inondation", "tempête", "vente", "travaux", "vacances", "déménagement", "décès",
           "death", "divorce", "war", "guerre"}  # fmt: skip
_LANDMARK_WORDS = 3
_STOP_WORDS = frozenset(w.lower() for w in _FR_STOP | _EN_STOP)


def _words_at(tokens: Sequence[Token], i: int, words: tuple[str, ...]) -> bool:
    return i + len(words) <= len(tokens) and all(
        tokens[i + k].text == w for k, w in enumerate(words)
    )


def _directions(tokens: Sequence[Token]) -> list[Found]:
    """ "the third house past the plough", "le portail vert après l'abreuvoir": from the
    determiner before the dwelling to the end of the landmark's name."""
    found: list[Found] = []
    n = len(tokens)
    for k, tok in enumerate(tokens):
        if tok.text not in _DWELLINGS:
            continue
        start = next(
            (
                i
                for i in range(k - 1, max(-1, k - 1 - _BEFORE_DWELLING), -1)
                if tokens[i].text in _DIRECTION_DETERMINERS
                and not any(t.pause for t in tokens[i:k])
            ),
            None,
        )
        if start is None:
            continue
        for j in range(k + 1, min(n, k + 2 + _AFTER_DWELLING)):
            if tokens[j - 1].pause:
                break
            prep = max(
                (p for p in _DIRECTION_PREPOSITIONS if _words_at(tokens, j, p)),
                key=len,
                default=None,
            )
            if prep is None:
                continue
            m = j + len(prep)
            if m >= n:
                break
            first = tokens[m].text
            # the landmark's article: its own word, elided ("l'abreuvoir"), or inside the
            # preposition ("en face du …")
            inside = (first.startswith("l'") and len(first) > 2) or prep[-1] in ("du", "des", "au")
            if not inside and first not in _DIRECTION_DETERMINERS:
                break
            end = m + (0 if inside else 1)
            landmark = end
            while end < n and end - landmark < _LANDMARK_WORDS:
                word = tokens[end].text.split("'")[-1]
                if word in _EVENTS or (end > landmark and word in _STOP_WORDS):
                    break
                end += 1
                if tokens[end - 1].pause:
                    break
            if end > landmark and tokens[landmark].text.split("'")[-1] not in _EVENTS:
                found.append(Found(start, end, ADDRESS))
            break
    return found


#: Nouns naming a British estate or a converted group of buildings ("5 the paddocks", "12 the
#: maltings"): after "the" and a house number, an address line with no street type.
_ESTATES_EN = {
    "paddocks", "maltings", "orchards", "willows", "limes", "laurels", "beeches", "poplars",
    "cedars", "elms", "larches", "birches", "chestnuts", "sycamores", "rowans", "hawthorns",
    "hollies", "granary", "sidings", "cloisters", "glebe", "spinney", "coppice",
    "warren", "nook", "shires", "downs", "brambles", "ropewalk", "courtyard",
}  # fmt: skip


#: A street type that is also a word of a locution: "en cours (de validité)", "au cours de
#: l'appel", "en route", "en place" name no street when no house number comes before them.
_LOCUTIONS_FR = {"cours", "route", "place", "chemin"}
#: Words before "cours de" that make it "during" or a lesson, no street (round 18).
_LESSON_BEFORE = {"au", "le", "les", "un", "des", "de", "du", "ce", "ces", "mon", "mes", "ton",
                  "son", "ses", "notre", "votre", "nos", "vos", "leur", "leurs", "premier",
                  "dernier", "prochain"}  # fmt: skip


def _locution(tokens: Sequence[Token], k: int) -> bool:
    """ "en cours", "au cours de …", "en chemin": the type word is the noun of a locution."""
    if tokens[k].text not in _LOCUTIONS_FR or k == 0:
        return False
    before = tokens[k - 1].text
    after = tokens[k + 1].text if k + 1 < len(tokens) else ""
    return before == "en" or (
        tokens[k].text == "cours"
        # a lesson (round 18): "le cours de formation musicale", "besoin de cours de maths"
        and before in _LESSON_BEFORE
        and (after in ("de", "du", "des") or after.startswith("d'"))
    )


#: French street types that also name a numbered part of a station or a venue: "quai b",
#: "voie 3" (issue 22, round 14; the English "gate four" of round 13).
_VENUE_PARTS_FR = {"quai", "voie"}


def _fr_street(text: str, tokens: Sequence[Token], units: Sequence[Unit], k: int) -> list[Found]:
    """[number] type [de la] name words: "12 bis rue des Lilas", "avenue Jean Jaurès"."""
    n = len(tokens)
    word = tokens[k].text
    if word in _VENUE_PARTS_FR and k + 1 < n and not tokens[k].pause:
        nxt = tokens[k + 1].text
        if nxt[:1].isdigit() or is_number_word(nxt) or (len(nxt) == 1 and nxt.isalpha()):
            return []  # "quai b", "voie trois": a station's platform or track, not a street
    if True:
        if True:
            start = _house_number(units, tokens, k)
            # "lieu-dit oui kerhuel": the other party's acknowledgement after the type word
            # (round 16)
            ack = int(word in _LIEU_DIT and k + 2 < n and tokens[k + 1].text in ACKS)
            estate = (
                word in _NAMED_ESTATES_FR
                and k + 1 < n
                and (
                    tokens[k + 1].text in _ESTATE_ARTICLES
                    # "au lieu-dit kerhuel": a lieu-dit is a place's name, with no article
                    or (word in _LIEU_DIT and _street_word(tokens[k + 1 + ack]))
                )
                and (not tokens[k].pause or ack)
            )
            estate_of = (
                not estate
                and start is None
                and word in _NAMED_ESTATES_FR
                and k + 1 < n
                and tokens[k + 1].text in _ESTATE_OF
            )
            # "résidence ker avel bâtiment c": a name with no article, then a dwelling part
            # (checked below, as for "résidence du parc appartement 204")
            estate_bare = (
                not estate
                and not estate_of
                and start is None
                and word in _NAMED_ESTATES_FR
                and k + 1 < n
                and _street_word(tokens[k + 1])
                and tokens[k + 1].text not in _FR_STOP_LOWER
                and not tokens[k].pause
            )
            estate_of = estate_of or estate_bare
            if (
                start is None
                and (word not in _STRONG_FR or k + 1 >= n or _locution(tokens, k))
                and not (estate or estate_of)
            ):
                return []
            end = k + 1 + (ack if estate else 0)
            words = 0
            while end < n and words < 4:
                w = tokens[end].text
                if (
                    w in _PARTICLES
                    or w in ("d'", "l'")
                    or w.startswith(("d'", "l'"))
                    or (word in _STREETS_CY and w in _ARTICLES_CY)
                ):
                    if w.startswith(("d'", "l'")) and len(w) > 2:
                        words += 1
                    end += 1
                    if tokens[end - 1].pause:
                        break
                    continue
                if w in _DWELLING_PARTS:
                    break
                if (estate and w in _ESTATE_ARTICLES) or (
                    words and w in _STREET_LINKS and end + 1 < n and _street_word(tokens[end + 1])
                ):
                    end += 1
                    continue
                counted = (  # "rue des trois épis", "place des deux églises": a number in the name
                    is_number_word_in(w, "fr")
                    and tokens[end - 1].text in _PARTICLES
                    and end + 1 < n
                    and _street_word(tokens[end + 1])
                )
                if (
                    not _street_word(tokens[end])
                    and not (w[:1].isdigit() and words == 0)
                    and not counted
                ):
                    break
                words += 1
                end += 1
                if tokens[end - 1].pause:
                    break
            if words == 0:
                return []
            if estate_bare and not any(
                _raw(text, tokens[m])[:1].isupper() or not _common(tokens[m].text)
                for m in range(k + 1, end)
            ):
                return []  # "la résidence principale bâtiment b": an adjective, not a name
            if estate_of:
                # "résidence du parc appartement 204", not "la résidence du client"
                last = _dwelling_end(tokens, end)
                return [Found(k, last, ADDRESS)] if last > end else []
            if (
                start is None
                and not estate
                and not any(
                    _raw(text, tokens[m])[:1].isupper() or tokens[m].text in _PARTICLES
                    for m in range(k + 1, end)
                )
            ):
                return []
            return [Found(start if start is not None else k, _dwelling_end(tokens, end), ADDRESS)]
    return []


def _common(word: str) -> bool:
    """A common word of either language (the lemmatizer tables the name lists read)."""
    from transforms.privacy.pii.first_names import common_words  # imports this module

    return word in common_words()


def _street_word(tok: Token) -> bool:
    """A word of a street's name: a name word, or a word that is a number only in English
    ("rue du four": "four" is no French number)."""
    w = tok.text
    return is_name_word(w) or (
        _NAME_RE.fullmatch(w) is not None
        and w not in _FR_STOP_LOWER
        and w not in _NOT_NAMES
        and _VOWEL.search(w) is not None
        and not is_number_word_in(w, "fr")
    )


def _dwelling_end(tokens: Sequence[Token], end: int) -> int:
    """End of the dwelling parts said after a street line: "… bâtiment c appartement 12"."""
    n = len(tokens)
    first = end
    if end + 2 < n and tokens[end].text in ACKS and tokens[end + 1].text in _DWELLING_PARTS:
        end += 1  # "cité des lilas oui numéro douze": an acknowledgement before it (round 16)
    parts = end
    while end + 1 < n and tokens[end].text in _DWELLING_PARTS:
        nxt = tokens[end + 1].text
        if not (len(nxt) == 1 or nxt[:1].isdigit() or is_number_word(nxt)):
            break
        end += 2
    return end if end > parts else first


#: Street types that also name a numbered part of a venue: "gate four", "court 2", "row f".
_VENUE_PARTS_EN = {"gate", "court", "row"}


def _possessor(word: str) -> str:
    """The word without its possessive mark: "tanners'" and "ferryman's" -> their nouns."""
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


def _en_street(text: str, tokens: Sequence[Token], units: Sequence[Unit], k: int) -> list[Found]:
    """Number, name words, type: "221 Baker Street", "one hundred and fifty Victoria Avenue"."""
    if tokens[k].text in _VENUE_PARTS_EN and k + 1 < len(tokens) and not tokens[k].pause:
        nxt = tokens[k + 1].text
        if nxt[:1].isdigit() or is_number_word(nxt) or (len(nxt) == 1 and nxt.isalpha()):
            return []  # "use gate four", "court two's free": the venue's gate, not a street
    lo = k
    # a plural possessive is a street's word too: "tanners' vennel" (round 14), and a singular
    # one: "ferryman's lane" (round 15)
    while lo > 0 and k - lo < 3 and is_name_word(_possessor(tokens[lo - 1].text)):
        if lo - 1 < k - 1 and tokens[lo - 1].pause:
            break
        lo -= 1
    if lo == k or (
        tokens[k].text in _STREET_HOMOPHONES_EN and any(t.text in _UNIT_WORDS for t in tokens[lo:k])
    ):
        return []
    before = tokens[k - 1]
    possessive = before.text.endswith("'s") or text[before.end : before.end + 1] in ("'", "’")
    if tokens[k].text in _WEAK_STREETS_EN and _common(before.text) and not possessive:
        return []
    start = _house_number(units, tokens, lo)
    if start is None and lo > 0 and tokens[lo - 1].text in ACKS | {"right"}:
        # a backchannel between the house number and the street's name: "thirty two right
        # bracken ghyll" (round 14), "eighty eighty yeah …" (round 18); the word stays out of
        # the street's name
        start = _house_number(units, tokens, lo - 1)
    if start is None:
        start = _dwelling_before(tokens, units, lo)
    if start is None:
        return []
    return [Found(start, k + 1, ADDRESS)]


#: Named buildings said on a British address line: "lyndhurst house", "kestrel court".
_BUILDINGS_EN = {"house", "court", "lodge", "mansions", "tower", "towers", "point", "hall",
                 "buildings", "block", "heights", "cottages", "place"}  # fmt: skip


#: Houses named on a British or Irish address line instead of a number, before a comma and the
#: street ("rose cottage, mill lane"), a closed class (round 16).
_HOUSES_EN = {"cottage", "farm", "farmhouse", "lodge", "house", "barn", "manor", "grange", "mill",
              "bungalow", "villa", "rectory", "vicarage", "creamery", "forge"}  # fmt: skip


def _dwelling_before(tokens: Sequence[Token], units: Sequence[Unit], lo: int) -> int | None:
    """Start of a dwelling part with its number or letter ("flat 9,", "block b,", "flat
    twelve yeah"), maybe followed by a named building ("flat 9, lyndhurst house,"), that opens
    the street line at ``lo``: a street said with no house number belongs to the dwelling
    before it."""
    j = lo
    house = False
    if j >= 2 and tokens[j - 1].text in _BUILDINGS_EN and is_name_word(tokens[j - 2].text):
        j -= 2  # "lyndhurst house," before "cobden street"
    elif j >= 2 and tokens[j - 2].text == "the" and _street_word(tokens[j - 1]):
        j -= 2  # "the maltings," before "wharf street"
    elif (
        j >= 3
        and tokens[j - 3].text == "the"
        and tokens[j - 1].pause
        and not tokens[j - 2].pause
        and (tokens[j - 2].text == "old" or tokens[j - 1].text in _HOUSES_EN)
        and _street_word(tokens[j - 1])
    ):
        j -= 3  # an old building's name before a comma (round 17): "the old dairy,"
        house = True
    elif (
        j >= 2
        and tokens[j - 1].text in _HOUSES_EN
        and tokens[j - 1].pause
        and is_name_word(tokens[j - 2].text)
    ):
        j -= 2
        house = True
    if j >= 1 and tokens[j - 1].text in ACKS:
        j -= 1  # "flat twelve yeah marram house" (round 17)
    number = next((u for u in units if u.hi == j and u.kind == "num"), None)
    if number is not None and number.lo >= 1 and tokens[number.lo - 1].text in _DWELLING_PARTS:
        return number.lo - 1  # the flat's number said in words: "flat six, alumworks house,"
    if (
        j >= 2
        and tokens[j - 2].text in _DWELLING_PARTS
        and (len(tokens[j - 1].text) == 1 or tokens[j - 1].text[:1].isdigit())
    ):
        return j - 2
    if house:
        return j  # "rose cottage, bellhanger lane": a house's name opens the line (round 16)
    return None


def _cue_before(tokens: Sequence[Token], start: int, window: int = 6) -> bool:
    for i in range(max(0, start - window), start):
        if any(_match(tokens, i, cue) for cue in _POSTCODE_CUES):
            return True
    return False


def _fr_postcodes(text: str, tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """Five digits (said as "69003", "69 003" or "soixante-neuf zéro zéro trois") that are a
    postcode by a cue before them or by the town after them."""
    found = []
    k = 0
    while k < len(units):
        if units[k].kind != "num":
            k += 1
            continue
        m = k
        digits = ""
        while m < len(units) and units[m].kind == "num" and len(digits) < 5:
            digits += units[m].value
            m += 1
            if (
                0 < len(digits) < 5
                and m + 1 < len(units)
                and units[m].kind == "filler"
                and units[m + 1].kind == "num"
            ):
                m += 1  # "86 oui 190": an acknowledgement between the department and the rest
        k_next = m
        if len(digits) == 5 and (m >= len(units) or units[m].kind != "num"):
            lo, hi = units[k].lo, units[m - 1].hi
            dept = int(digits[:2])
            valid = 1 <= dept <= 95 or digits[:3] in ("971", "972", "973", "974", "976")
            town = (
                hi < len(tokens)
                and is_name_word(tokens[hi].text)
                and (tokens[hi].text not in _UNIT_WORDS)
                # a street type after five digits is no town: "… quarante-deux quai b" (a
                # train's number and its platform; round 14)
                and tokens[hi].text not in _STREETS_FR
            )
            after_street = lo > 0 and tokens[lo - 1].pause
            if valid and (_cue_before(tokens, lo) or town or after_street):
                end = hi + 1 if town else hi
                if town and end < len(tokens) and tokens[end - 1].text.endswith("-"):
                    end += 1
                found.append(Found(lo, end, ADDRESS))
        elif len(digits) == 5 and _cue_before(tokens, units[k].lo):
            pass
        k = k_next if k_next > k else k + 1
    # "the zip code is 90210": five digits right after a cue, whatever the country.
    for u in units:
        if u.kind == "num" and len(u.value) == 5 and _cue_before(tokens, u.lo, 4):
            found.append(Found(u.lo, u.hi, ADDRESS))
    return found


def _spells_word_before(tokens: Sequence[Token], lo: int, hi: int) -> bool:
    """The single letters ``tokens[lo:hi]`` spell the word said just before them."""
    letters = "".join(t.text for t in tokens[lo:hi])
    return (
        lo > 0 and all(len(t.text) == 1 for t in tokens[lo:hi]) and tokens[lo - 1].text == letters
    )


def _more_code_after(units: Sequence[Unit], b: int) -> bool:
    """Digits or a single letter right after (a hesitation skipped): the code goes on."""
    while b < len(units) and units[b].kind == "filler" and units[b].value in _HESITATIONS:
        b += 1
    if b >= len(units):
        return False
    u = units[b]
    return u.kind == "num" or (u.kind == "word" and len(u.value) == 1 and u.value.isalpha())


def _uk_postcodes(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """ "LS6 2AB", "LS62AB", "ls6, 2ab", "l s six two a b": a postcode area, then the shape."""
    found = []
    n = len(units)
    for a in range(n):
        compact = ""
        for b in range(a, min(n, a + 9)):
            u = units[b]
            piece = u.value.upper()
            if (
                u.kind == "num"
                and tokens[u.lo].text == "o"
                and len(compact) == 1
                and compact + "O" in _UK_AREAS
            ):
                piece = "O"  # "s o fifteen …": the area's second letter, not "oh" for zero
            if u.kind == "filler":
                if compact and u.value in _HESITATIONS:
                    continue  # "n w one, uh, six x e"
                break
            if not re.fullmatch(r"[A-Z0-9]{1,7}", piece) or (u.kind == "num" and len(piece) > 2):
                break
            if piece.isalpha() and len(piece) > 1 and piece.lower() in _STOP:
                break
            if piece.isalpha() and len(piece) > 2 and _common(piece.lower()):
                break  # a word of the language is no code's letters: "a fourteen year old"
            compact += piece
            if len(compact) > 7:
                break
            m = _UK_POSTCODE.fullmatch(compact)
            if m and m.group(1) in _UK_AREAS and len(compact) >= 5:
                if _spells_word_before(tokens, units[a].lo, u.hi):
                    break  # "brooks b r o o k s": a name spelled, "o" a letter
                more = not tokens[u.hi - 1].pause and _more_code_after(units, b + 1)
                if more and len(compact) < 7:
                    continue  # a longer code goes on: "k a zero five m n four eight …"
                if more:
                    break  # a postcode is said whole, not as the head of a longer code
                found.append(Found(units[a].lo, u.hi, ADDRESS))
                break
    return found


#: Post-office boxes: "case postale 212", "boîte postale 40", "po box 17".
_PO_BOXES = [("case", "postale"), ("boîte", "postale"), ("boite", "postale"), ("po", "box"),
             ("p.o.", "box"), ("post", "office", "box")]  # fmt: skip
#: Articles that open a town's name: "1348 le brassus", "4000 la louvière".
_TOWN_ARTICLES = {"le", "la", "les", "l'"}


def _town_after(tokens: Sequence[Token], hi: int) -> int | None:
    """End of a town said at ``hi`` (after a hesitation, with its article), or None."""
    j = hi
    if j < len(tokens) and tokens[j].text in _HESITATIONS:
        j += 1
    if j < len(tokens) and tokens[j].text in _TOWN_ARTICLES:
        j += 1
    if (
        j < len(tokens)
        and tokens[j].text not in _UNIT_WORDS
        and (is_name_word(tokens[j].text) or _street_word(tokens[j]))
    ):
        return j + 1
    return None


def _address_before(tokens: Sequence[Token], lo: int, window: int = 8) -> bool:
    """A street type or a post-office box said in the ``window`` tokens before ``lo``."""
    for i in range(max(0, lo - window), lo):
        w = tokens[i].text
        if w in _STREETS_FR or w in _STREETS_EN or any(_match(tokens, i, c) for c in _PO_BOXES):
            return True
    return False


#: Words naming a code that opens something (a gate, a door, a key safe): four digits after
#: one are that code, not a postcode, unless a postcode cue says so.
_ACCESS_CODES = {"code", "codes", "digicode", "pin", "password", "passcode", "combination"}
_ACCESS_REACH = 4


def _four_digit_postcodes(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """Four digits then a town, the postcodes of Belgium, Switzerland, Austria, Denmark …: "1190
    forest" after a street line, "code postal mille deux cent cinquante-trois euh vandœuvres".
    A postcode only with the town after it, and a cue or an address line before it."""
    found = []
    for k, u in enumerate(units):
        if u.kind != "num" or len(u.value) != 4 or not 1000 <= int(u.value) <= 9999:
            continue
        if k + 1 < len(units) and units[k + 1].kind == "num":
            continue  # part of a longer number
        if k > 0 and units[k - 1].kind == "num":
            continue
        end = _town_after(tokens, u.hi)
        if end is None:
            continue
        if _cue_before(tokens, u.lo):
            found.append(Found(u.lo, end, ADDRESS))
        elif _address_before(tokens, u.lo) and not any(
            t.text in _ACCESS_CODES for t in tokens[max(0, u.lo - _ACCESS_REACH) : u.lo]
        ):
            # not a code given as one: "the gate code is 4827", "le digicode c'est 4827"
            # (round 16; "gate" is a street type)
            found.append(Found(u.lo, end, ADDRESS))
    return found


def _po_boxes(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """ "case postale 212", "po box 17": the box phrase and its number."""
    found = []
    for i in range(len(tokens)):
        for cue in _PO_BOXES:
            if _match(tokens, i, cue):
                after = i + len(cue)
                num = next((u for u in units if u.lo == after and u.kind == "num"), None)
                if num is None:
                    continue
                end = num.hi
                # "case postale 212 1348 le brassus": the postcode and the town after the box
                code = next((u for u in units if u.lo == end and u.kind == "num"), None)
                if code is not None and len(code.value) == 4:
                    end = _town_after(tokens, code.hi) or end
                found.append(Found(i, end, ADDRESS))
    return found


#: Nouns naming an address, the verbs of living somewhere and the prepositions after them, and
#: the copulas that hand over the answer: "the address is …", "l'adresse au mali c'est …", "the
#: witness lives at …", "elle habite au …".
_ADDRESS_NOUNS = {"address", "adresse", "l'adresse", "address's"}
_ANSWER_COPULAS = {"is", "was", "c'est", "est", "it's", "'s", "c'était"}
_LIVE_VERBS = {"live", "lives", "living", "lived", "habite", "j'habite", "habitent", "habitez",
               "habitait", "réside", "résident", "reside", "resides", "stay", "stays"}  # fmt: skip
_LIVE_AT = {"at", "au", "aux"}
#: Words that end the address line: a new clause.
_LINE_ENDS = {"and", "but", "just", "so", "because", "after", "which", "where", "near", "next",
              "et", "mais", "après", "parce", "donc", "depuis", "since", "près", "juste", "qui",
              "où", "then", "puis", "if", "si", "or", "ou"}  # fmt: skip
_ANSWER_REACH = 5
_LINE_REACH = 20
_LEAD_REACH = 3
_SENTENCE_END_RE = re.compile(r"[.?!]")


#: Addresses of devices and networks, not places (a closed class): "the mac address is oh oh
#: colon …", "l'adresse ip c'est …" (issue 22, round 11).
_DEVICE_ADDRESS = {"mac", "ip", "ipv4", "ipv6", "hardware", "wallet", "bitcoin", "ethernet"}


def _answer_start(text: str, tokens: Sequence[Token], i: int) -> int | None:
    """Where the answer starts after an address cue at ``i``, or None."""
    w = tokens[i].text
    n = len(tokens)
    if (i > 0 and tokens[i - 1].text in _DEVICE_ADDRESS) or (
        i + 1 < n and tokens[i + 1].text in _DEVICE_ADDRESS
    ):
        return None
    if w in _LIVE_VERBS and i + 1 < n and tokens[i + 1].text in _LIVE_AT:
        return i + 2
    if w in _ADDRESS_NOUNS or w.endswith("adresse"):
        if w == "address's":
            return i + 1
        for j in range(i + 1, min(n, i + 1 + _ANSWER_REACH)):
            if _SENTENCE_END_RE.search(text[tokens[j - 1].end : tokens[j].start]):
                break
            if tokens[j].text in _ANSWER_COPULAS:
                return j + 1
    return None


def _answered_addresses(text: str, tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """An address given as the answer to an address cue, whatever its country's shape ("the
    address is flat four zero two, lotus enclave, indiranagar …", "the witness lives at three
    twenty, mm-hmm, cattail bend", "l'adresse c'est b p deux cent dix-sept, hamdallaye"): the
    line from the answer's start to the end of the sentence or of the clause, when a number
    (a house, a flat, a box) opens it within three words."""
    found = []
    n = len(tokens)
    numbers = {u.lo for u in units if u.kind == "num"}
    for i in range(n):
        start = _answer_start(text, tokens, i)
        if start is None or start >= n:
            continue
        while start < n and tokens[start].text in _HESITATIONS:
            start += 1
        lead = range(start, min(n, start + _LEAD_REACH))
        if (
            not any(
                m in numbers or re.fullmatch(r"[a-z]?-?\d+(?:/\d+)?[a-z]?", tokens[m].text)
                for m in lead
            )
            or not (
                start in numbers
                or start + 1 in numbers  # "plot nine", "villa 12"
                or tokens[start].text in _DWELLING_PARTS
                or len(tokens[start].text) == 1
                or tokens[start].text[:1].isdigit()
            )
        ):
            continue
        end = start
        while end < min(n, start + _LINE_REACH):
            if tokens[end].text in _LINE_ENDS:
                break
            end += 1
            if end < n and _SENTENCE_END_RE.search(text[tokens[end - 1].end : tokens[end].start]):
                break
        while end > start and tokens[end - 1].text in _HESITATIONS:
            end -= 1
        if end > start:
            found.append(Found(start, end, ADDRESS))
    return found


#: Words between a postcode cue and the code: "my postal code is …", "le code postal c'est …".
_CUE_TO_CODE = {"is", "was", "it's", "'s", "c'est", "est", "ici", "it", "that's", "le", "then"}
#: India's "PIN code" (postal index number) is six digits; a card's PIN is four.
_PIN_CUE = ("pin", "code")
_PIN_DIGITS = 6
_CODE_CUE_FIRSTS = {c[0] for c in (*_POSTCODE_CUES, _PIN_CUE)}


def _code_piece(u: Unit) -> str | None:
    """A piece of a postcode read out: a short number, a single letter, or letters and digits
    glued ("h2x", "1y4")."""
    if u.kind == "num" and len(u.value) <= 6:
        return u.value
    if u.kind == "word" and re.fullmatch(r"[a-z]", u.value) and u.value != "i":
        return u.value
    if u.kind == "word" and re.fullmatch(r"(?=.*\d)[a-z0-9]{2,7}", u.value):
        return u.value
    return None


def _cued_postcodes(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """A postcode of any national shape said as the answer to a postcode cue: "my postal code is
    k two g, mm-hmm, oh x five", "postcode's two one five uh eight", "le code postal c'est h deux
    x d'accord un y quatre", "my PIN code is six zero zero zero four one". The pieces (digits,
    single letters) run on across the other party's backchannels; four to eight characters, two
    of them digits at least."""
    found = []
    n = len(tokens)
    for i in range(n):
        if tokens[i].text not in _CODE_CUE_FIRSTS:
            continue
        cue = next((c for c in (*_POSTCODE_CUES, _PIN_CUE) if _match(tokens, i, c)), None)
        if cue is None:
            continue
        j = i + len(cue)
        while j < n and j - i - len(cue) < 3 and tokens[j].text in _CUE_TO_CODE:
            j += 1
        k = next((x for x, u in enumerate(units) if u.lo == j), None)
        if k is None:
            continue
        compact, hi = "", None
        while k < len(units) and len(compact) < 8:
            u = units[k]
            if u.kind == "filler" and compact and u.value in _HESITATIONS:
                k += 1
                continue
            piece = _code_piece(u)
            if piece is None:
                break
            compact, hi = compact + piece, u.hi
            k += 1
            if tokens[u.hi - 1].pause and len(compact) >= 4:
                break  # "M5V, uh-huh, 3L9": a pause inside a short code does not end it
        digits = sum(c.isdigit() for c in compact)
        if hi is None or not 4 <= len(compact) <= 8 or digits < 2:
            continue
        if cue == _PIN_CUE and not (compact.isdigit() and len(compact) == _PIN_DIGITS):
            continue
        found.append(Found(j, hi, ADDRESS))
    return found


#: Irish Eircodes: a routing key (a letter and two digits, or "D6W") and four characters of a
#: closed alphabet (no B, G, I, J, L, M, O, Q, S, U, Z).
_EIRCODE = re.compile(r"(?:[ACDEFHKNPRTVWXY]\d{2}|D6W)[0-9ACDEFHKNPRTVWXY]{4}")


def _eircodes(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """ "F42 W9P3", "h ninety one x two k seven": the Eircode's shape, with a letter among its
    last four characters (so that a letter and six digits, an identifier's shape, is left out),
    said as a whole: no letter or digit right after it."""
    found = []
    n = len(units)
    for a in range(n):
        if units[a].kind == "num":
            continue
        compact = ""
        for b in range(a, min(n, a + 9)):
            u = units[b]
            if u.kind == "filler" and compact and u.value in _HESITATIONS:
                continue
            piece = u.value.upper()
            if u.kind == "filler" or not re.fullmatch(r"[A-Z0-9]{1,7}", piece):
                break
            if u.kind == "num" and len(piece) > 4:
                break
            if piece.isalpha() and len(piece) > 1 and piece.lower() in _STOP:
                break
            if piece.isalpha() and len(piece) > 2 and _common(piece.lower()):
                break  # a word of the language is no code's letters: "a fourteen year old"
            compact += piece
            if len(compact) > 7:
                break
            if len(compact) == 7 and _EIRCODE.fullmatch(compact):
                tail = compact[3:]
                nxt = units[b + 1] if b + 1 < n else None
                whole = nxt is None or not (
                    nxt.kind == "num" or (len(nxt.value) == 1 and nxt.value.isalpha())
                )
                if (
                    any(c.isalpha() for c in tail)
                    and whole
                    and not _spells_word_before(tokens, units[a].lo, u.hi)
                ):
                    found.append(Found(units[a].lo, u.hi, ADDRESS))
                break
    return found


#: Irish rural addresses name a townland, not a street: "the townland gortnaskeagh, kilmovee";
#: and a county after "county"/"co.": "co. roscommon".
_TOWNLAND_CUES = {"townland"}
_COUNTY_CUES = {"county", "co.", "co"}


def _townlands(tokens: Sequence[Token]) -> list[Found]:
    """The townland's name (and the parish or town after a pause) after "townland"; a county's
    name after "county"/"co." when an address line (a pause) comes before it."""
    found = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.text in _TOWNLAND_CUES:
            j = i + 1
            if j < n and tokens[j].text in ("of", "is"):
                j += 1
            end = j
            groups = 0
            while (
                end < n
                and groups < 2
                and _street_word(tokens[end])
                and not _common(tokens[end].text)
            ):
                end += 1
                if tokens[end - 1].pause:
                    groups += 1
            if end > j:
                found.append(Found(j, end, ADDRESS))
        elif (
            tok.text in _COUNTY_CUES
            and i > 0
            and tokens[i - 1].pause
            and i + 1 < n
            and is_name_word(tokens[i + 1].text)
        ):
            found.append(Found(i, i + 2, ADDRESS))
    return found
