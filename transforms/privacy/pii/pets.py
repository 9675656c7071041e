"""Pets' names (issue 22, round 14): an animal is no person, so its name is no personal data.

Pets often bear people's first names ("Oscar", "Lucie", "Henry"), which the lists, the cues and
the NER take for a person's. Two general frames say the name is the animal's:

- the name right after an animal noun (a closed class), in apposition ("mon chat Oscar", "our
  rabbit Charlotte") or as the complement of a naming verb whose subject the animal noun is
  ("my dog's called Henry", "la chienne elle s'appelle Lucie", "a kitten named Rose");
- the name (or two joined by "and"/"et") as the subject of a copula whose predicate is an animal
  noun ("Bella and Max are both rescue cats", "Margot, c'est une vieille chienne"), the noun not
  being the first half of a compound naming a person ("Marie is a dog lover", "a cat sitter").

The owner's name said beside the pet's stays ("Mme Lucie Barrault, pour son chat Oscar").
"""

from __future__ import annotations

from collections.abc import Sequence

from transforms.privacy.pii.tokens import Token

#: Animals kept as pets or on a farm (a closed class), singular and plural, both languages.
ANIMALS = frozenset({
    "chien", "chienne", "chiens", "chiennes", "chiot", "chiots", "chat", "chatte", "chats",
    "chattes", "chaton", "chatons", "lapin", "lapine", "lapins", "cheval", "jument", "chevaux",
    "poney", "poneys", "hamster", "hamsters", "furet", "furets", "perroquet", "perruche",
    "oiseau", "oiseaux", "tortue", "tortues", "cobaye", "cobayes", "âne", "ânesse", "chèvre",
    "chèvres", "gerbille", "gerbilles", "serpent", "lézard",
    "dog", "dogs", "puppy", "puppies", "pup", "cat", "cats", "kitten", "kittens", "kitty",
    "rabbit", "rabbits", "bunny", "horse", "horses", "pony", "ponies", "mare", "ferret",
    "ferrets", "parrot", "budgie", "budgies", "bird", "birds", "tortoise", "tortoises",
    "gerbil", "gerbils", "snake", "lizard", "donkey", "goat", "goats",
})  # fmt: skip
#: Words between an animal noun and the name it is given ("the dog's called", "la chienne elle
#: s'appelle", "un chat qui s'appelle", "a kitten named").
_NAMING = {
    "called", "named", "s'appelle", "s'appelait", "appelé", "appelée", "nommé", "nommée",
    "is", "was", "'s", "elle", "il", "qui", "she's", "he's", "who's", "name", "name's",
}  # fmt: skip
_NAMING_VERBS = {"called", "named", "s'appelle", "s'appelait", "appelé", "appelée", "nommé",
                 "nommée"}  # fmt: skip
_NAMING_REACH = 3
#: Words before an animal noun in apposition to a name: "mon chat Oscar", "the dog Rex".
_DETERMINERS = {
    "mon", "ma", "ton", "ta", "son", "sa", "notre", "votre", "leur", "le", "la", "un", "une",
    "my", "our", "your", "his", "her", "their", "the", "a", "an",
}  # fmt: skip
_COPULAS = {"is", "are", "was", "were", "'s", "est", "sont", "c'est", "était", "c'était"}
_CE_SONT = {"ce"}
_AND = {"and", "et", "&"}
#: What may follow an animal noun that is a predicate's head (not a compound's first half:
#: "dog lover", "cat sitter" name people).
_AFTER_HEAD = {
    "de", "d'", "du", "des", "and", "et", "who", "qui", "with", "avec", "but", "mais", "from",
    "since", "depuis", "of", "aged", "il", "elle", "he's", "she's", "they're", "that", "which",
    "so", "donc", "too", "aussi", "hein", "quoi", "voilà", "yeah", "innit",
}  # fmt: skip
_PREDICATE_REACH = 5
#: What opens a predicate noun phrase ("a …", "both …", "deux …") and what cannot stand in one
#: (a pronoun or a possessive starts another phrase: "c'est elle qui suit mon lapin").
_PREDICATE_OPENERS = {
    "a", "an", "un", "une", "des", "both", "two", "three", "deux", "trois", "all", "tous",
    "toutes", "les", "our", "nos", "notre", "my", "mes", "ma", "mon", "the", "le", "la",
}  # fmt: skip
_NOT_IN_PREDICATE = {"elle", "il", "qui", "who", "that", "she", "he", "lui", "which", "que"}


def _word(tok: Token) -> str:
    w = tok.text
    return w[:-2] if w.endswith("'s") else w


def _named_animal(tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` is the name given to an animal noun just before it."""
    j = i - 1
    verb = False
    while j >= 0 and i - j <= _NAMING_REACH and tokens[j].text in _NAMING:
        verb = verb or tokens[j].text in _NAMING_VERBS
        j -= 1
    if j < 0 or (tokens[j].pause and j < i - 1):
        return False
    word = tokens[j].text
    if word.endswith("'s") and word[:-2] in ANIMALS:
        return True  # "the dog's called lucy", "my dog's henry"
    if word not in ANIMALS:
        return False
    if j == i - 1:  # apposition: "mon chat Oscar"
        return j > 0 and tokens[j - 1].text in _DETERMINERS and not tokens[j].pause
    return verb


def _predicate_animal(tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` opens a subject ("X", "X and Y") whose predicate is an animal noun."""
    n = len(tokens)
    k = i + 1
    if k + 1 < n and tokens[k].text in _AND:
        k += 2  # "bella and max are …"
    if tokens[k - 1].text.endswith("'s"):
        start = k  # "toffee's a fourteen year old tabby"
    elif k < n and tokens[k].text in _COPULAS:
        start = k + 1
    elif k + 1 < n and tokens[k].text in _CE_SONT and tokens[k + 1].text in _COPULAS:
        start = k + 2  # "bella et max, ce sont deux chats"
    else:
        return False
    if start >= n or tokens[start].text not in _PREDICATE_OPENERS:
        return False  # "orsini c'est elle qui suit mon lapin": no predicate noun phrase
    for m in range(start, min(n, start + _PREDICATE_REACH)):
        if tokens[m].text in _NOT_IN_PREDICATE:
            return False
        if tokens[m].text in ANIMALS:
            return tokens[m].pause or m + 1 >= n or tokens[m + 1].text in _AFTER_HEAD
        if tokens[m].pause:
            return False
    return False


def pet_words(tokens: Sequence[Token]) -> frozenset[str]:
    """The words of ``tokens`` that are an animal's name by one of the two frames."""
    if not any(_word(t) in ANIMALS for t in tokens):
        return frozenset()
    return frozenset(
        _word(t)
        for i, t in enumerate(tokens)
        if _named_animal(tokens, i) or _predicate_animal(tokens, i)
    )


#: Boats and ships (a closed class, both languages; issue 22, round 16): a boat bears a name,
#: often a person's first name ("le voilier Gwenola", "the boat's called Saoirse"), that names
#: no one. Not "vedette" (a star is a person too).
VESSELS = frozenset({
    "bateau", "bateaux", "voilier", "voiliers", "navire", "yacht", "yachts", "péniche",
    "barque", "canot", "chalutier", "catamaran", "trimaran", "ketch", "boat", "boats", "dinghy",
    "narrowboat", "barge", "ship", "vessel", "sailboat", "sloop",
})  # fmt: skip
#: Words between a boat noun and its name: the naming words, a copula, the name's article ("le
#: bateau c'est le Gwenola", "the boat is the Saoirse").
_VESSEL_LINKS = _NAMING | {"c'est", "c'était", "est", "le", "la", "l'", "the", "it's"}
_VESSEL_REACH = 4


def _named_vessel(tokens: Sequence[Token], i: int, nouns: frozenset[str] = VESSELS) -> bool:
    """``tokens[i]`` is the name given to a boat noun (or another of ``nouns``) just before it;
    not an owner's possessive ("the boat is tadhg's")."""
    if tokens[i].text.endswith("'s"):
        return False
    j = i - 1
    while j >= 0 and i - j <= _VESSEL_REACH and tokens[j].text in _VESSEL_LINKS:
        j -= 1
    if j < 0 or (tokens[j].pause and j < i - 1):
        return False
    if _word(tokens[j]) not in nouns:
        return False
    if j == i - 1:  # apposition: "le voilier gwenola", "the boat saoirse"
        return j > 0 and tokens[j - 1].text in _DETERMINERS and not tokens[j].pause
    return True


def vessel_words(tokens: Sequence[Token]) -> frozenset[str]:
    """The words of ``tokens`` that are a boat's name (``_named_vessel``)."""
    if not any(_word(t) in VESSELS for t in tokens):
        return frozenset()
    return frozenset(_word(t) for i, t in enumerate(tokens) if _named_vessel(tokens, i))


#: Round 19: the same frames hold for every thing people give a person's name to, not only
#: animals and boats. Toys, kinds of horse and bouquets join the named nouns (``NAMED_OBJECTS``:
#: "his teddy called george", "a new cob called harvey", "le bouquet joséphine"); events
#: (holidays, camps, courses, weeks) and plants' varieties are named after someone before or
#: after their noun ("le séjour jules verne", "the nelson sailing week", "the jack be little
#: squashes").
NAMED_OBJECTS = frozenset({
    "teddy", "teddies", "doll", "dolls", "toy", "toys", "bear", "doudou", "peluche", "poupée",
    "nounours", "cob", "cobs", "gelding", "geldings", "foal", "foals", "stallion", "mares",
    "hongre", "poulain", "pouliche", "étalon", "bouquet", "bouquets", "arrangement", "wreath",
    "couronne", "gerbe",
})  # fmt: skip
#: Events named after someone, the name after the noun ("le stage robinson") or before it ("the
#: darwin nature camp").
EVENTS = frozenset({
    "séjour", "séjours", "stage", "stages", "camp", "camps", "colo", "colonie", "week", "weeks",
    "course", "courses", "trip", "tour", "festival", "challenge", "trophy", "cup", "trophée",
    "coupe", "semaine", "atelier", "workshop", "holiday", "programme", "program",
})  # fmt: skip
#: Plants sold by a variety's name before their noun ("the jack be little squashes").
PLANTS = frozenset({
    "squash", "squashes", "potato", "potatoes", "tomato", "tomatoes", "rose", "roses", "apple",
    "apples", "pear", "pears", "bean", "beans", "peas", "dahlia", "dahlias", "clematis",
    "pumpkin", "pumpkins", "courgette", "courgettes", "variety", "varieties", "tulips",
    "tomates", "pommes", "rosier", "rosiers", "variété", "courges",
})  # fmt: skip
#: Events whose name comes after the noun: only those said with an article before them.
_EVENTS_BEFORE_NAME = frozenset({
    "séjour", "stage", "camp", "colo", "colonie", "course", "festival", "challenge", "trophy",
    "cup", "trophée", "coupe",
})  # fmt: skip
_NAMED_BEFORE_REACH = 4
#: Words that end a named thing's run before its noun: a naming verb (a person is named there), an
#: article or a time's adjective ("… last week" is a time, not an event).
_NOT_IN_A_NAMED_THING = (
    _NAMING_VERBS
    | {"the", "le", "la", "l'", "les", "a", "an", "un", "une", "this", "that", "last", "next"}
    | {"cette", "ce", "dernière", "dernier", "prochaine", "prochain", "every", "chaque"}
)
_THE = {"the", "le", "la", "l'", "les", "a", "an", "un", "une", "his", "her", "their", "our",
        "my", "your", "son", "sa", "mon", "ma", "notre", "votre"}  # fmt: skip


def _named_before(tokens: Sequence[Token], i: int) -> int:
    """The end of a name said between an article and an event's or a plant's noun ("the nelson
    sailing week", "the jack be little squashes"), or 0."""
    if i < 1 or tokens[i - 1].text not in _THE or tokens[i - 1].pause:
        return 0
    for k in range(i + 1, min(len(tokens), i + 1 + _NAMED_BEFORE_REACH)):
        if tokens[k - 1].pause or tokens[k - 1].text in _NOT_IN_A_NAMED_THING:
            return 0  # "a lady called … last week", "ma collègue … la semaine dernière"
        if tokens[k].text in EVENTS | PLANTS:
            return k
    return 0


def thing_words(tokens: Sequence[Token]) -> frozenset[str]:
    """The words of ``tokens`` that name a toy, a horse, an event or a plant's variety, and the
    toy's noun itself when it is a name too ("his teddy called …")."""
    words = {_word(t) for t in tokens}
    if not words & (NAMED_OBJECTS | EVENTS | PLANTS):
        return frozenset()
    out: set[str] = set()
    for i, t in enumerate(tokens):
        end = _named_before(tokens, i)
        if end:
            out |= {_word(tokens[k]) for k in range(i, end)}
            continue
        if _named_vessel(tokens, i, NAMED_OBJECTS) or (
            _named_vessel(tokens, i, _EVENTS_BEFORE_NAME) and tokens[i - 1].text in EVENTS
        ):
            out.add(_word(t))
            if tokens[i - 1].text in EVENTS and i + 1 < len(tokens) and not t.pause:
                out.add(_word(tokens[i + 1]))  # "le séjour jules verne"
        if (
            t.text in NAMED_OBJECTS
            and i > 0
            and tokens[i - 1].text in _DETERMINERS
            and i + 1 < len(tokens)
            and tokens[i + 1].text in _NAMING_VERBS
        ):
            out.add(t.text)  # "his teddy called george": the noun too
    return frozenset(out)
