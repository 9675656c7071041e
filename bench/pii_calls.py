"""The call-centre PII corpus: utterances drawn from ``bench/pii_calls.yaml``, labelled as drawn.

**Two splits. ``dev`` is the one to tune on; ``heldout`` is only measured, never tuned on: do not
read its errors to change a rule.** Carrier sentences, people, streets, towns, postcodes, e-mail
domains, identifier formats, tenants, agents and negatives of held-out rows never occur in dev rows
(``bench/pii_calls.yaml`` keeps them apart; a unit test checks it). The held-out rows were drawn
and written to ``bench/data/pii_calls.jsonl`` before any recognizer was tuned, and are not edited
afterwards: ``HELDOUT_SHA256`` is their digest, checked by the tests.

Each value is drawn in one of the shapes Whisper gives speech on the telephone: capitalised or
not, digits grouped at odd places ("0, 639, 98, 12, 34") or as words, letters spelled ("D U P O N
T", "D comme Désiré", "B for Bravo", "double N"), e-mails as words, half-written or glued into one
token with the "at" swallowed ("tom.bakeradremple.com"), and numbers read across two turns with
the agent's "d'accord" between. A row is the turns joined with one space, as the transcription step
joins a call's segments before redacting them; one label covers a value read across turns.

Row fields: ``id``, ``language``, ``split``, ``tenant``, ``id_patterns`` (the tenant's registry
patterns), ``style`` (whisper | lower | bare), ``kind`` (the entity type a positive row was drawn
for, or the negative's kind), ``text``, ``entities`` = [{start, end, type}].

    .venv/bin/python bench/pii_calls.py            # counts per split, language and kind
    .venv/bin/python bench/pii_calls.py --write    # draws again and rewrites the JSONL
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import yaml
from stdnum import iban as std_iban
from stdnum import luhn
from unidecode import unidecode

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "pii_calls.yaml"
CORPUS = ROOT / "bench" / "data" / "pii_calls.jsonl"
SPLITS = ("dev", "heldout")
LANGUAGES = ("fr", "en")
#: Draws per template, by the entity type it was written for.
DRAWS = {"NAME": 3, "ADDRESS": 4, "ID": 5, "PHONE": 6, "EMAIL": 7, "CARD": 4, "IBAN": 4}
#: sha256 of the held-out rows as first written (one JSON object per line, in file order).
HELDOUT_SHA256 = "5738eea076f308f7ad8b2576281a9d230ab3a2c2930f988173f963fe215cbfd3"

SLOT_TYPES = {
    "name": "NAME", "first": "NAME", "last": "NAME", "spelled": "NAME", "agent": "NAME",
    "street": "ADDRESS", "postcode": "ADDRESS", "address": "ADDRESS",
    "id": "ID", "phone": "PHONE", "email": "EMAIL", "card": "CARD", "iban": "IBAN",
}  # fmt: skip
#: Slots filled with a literal, never labelled: the tenant's name and a town said alone.
LITERAL_SLOTS = ("tenant", "town")

# ----------------------------------------------------------------------------- number words

_FR_UNIT_WORDS = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
    "seize dix-sept dix-huit dix-neuf"
)
_FR_UNITS = _FR_UNIT_WORDS.split()
_FR_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
_EN_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_EN_UNITS = _EN_UNIT_WORDS.split()
_EN_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
            8: "eighty", 9: "ninety"}  # fmt: skip


def fr_words(n: int) -> str:
    """French words for 0-999 ("quatre-vingt-dix-huit", "deux cent quarante-sept")."""
    if n < 20:
        return _FR_UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        if tens in (7, 9):
            base = "soixante" if tens == 7 else "quatre-vingt"
            return f"{base}-{'et-' if n == 71 else ''}{_FR_UNITS[10 + unit]}"
        base = "quatre-vingt" if tens == 8 else _FR_TENS[tens]
        if unit == 0:
            return base + ("s" if tens == 8 else "")
        return f"{base}-et-un" if unit == 1 and tens != 8 else f"{base}-{_FR_UNITS[unit]}"
    hundreds, rest = divmod(n, 100)
    head = "cent" if hundreds == 1 else f"{_FR_UNITS[hundreds]} cent"
    if rest == 0:
        return head + ("s" if hundreds > 1 else "")
    return f"{head} {fr_words(rest)}"


def en_words(n: int) -> str:
    """English words for 0-999 ("ninety-eight", "two hundred and forty-seven")."""
    if n < 20:
        return _EN_UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_UNITS[unit]}" if unit else "")
    hundreds, rest = divmod(n, 100)
    head = f"{_EN_UNITS[hundreds]} hundred"
    return head if rest == 0 else f"{head} and {en_words(rest)}"


def words(n: int, language: str) -> str:
    return fr_words(n) if language == "fr" else en_words(n)


def digit_words(digits: str, language: str, rng: random.Random) -> str:
    """Digits read one by one; in English "oh" for zero and "double" for a pair, sometimes."""
    out: list[str] = []
    i = 0
    while i < len(digits):
        d = int(digits[i])
        word = _EN_UNITS[d] if language == "en" else _FR_UNITS[d]
        if language == "en" and d == 0 and rng.random() < 0.7:
            word = "oh"
        if i + 1 < len(digits) and digits[i + 1] == digits[i] and rng.random() < 0.6:
            out.append(("double " if language == "en" else "deux fois ") + word)
            i += 2
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def grouped_words(digits: str, language: str, rng: random.Random) -> str:
    """French numbers read in pairs ("zéro six, trente-neuf"), English in ones or threes."""
    if language == "fr":
        pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
        out = []
        for p in pairs:
            if p[0] == "0" and len(p) == 2:
                out.append(f"zéro {_FR_UNITS[int(p[1])]}")
            else:
                out.append(fr_words(int(p)))
        sep = ", " if rng.random() < 0.5 else " "
        return sep.join(out)
    return digit_words(digits, language, rng)


# ----------------------------------------------------------------------------- spelling

_SPELL = {
    ("dev", "fr"): (
        "comme",
        "Anatole Berthe Célestin Désiré Eugène François Gaston Henri Irma Joseph Kléber Louis "
        "Marcel Nicolas Oscar Pierre Quintal Raoul Suzanne Thérèse Ursule Victor William Xavier "
        "Yvonne Zoé",
    ),
    ("dev", "en"): (
        "for",
        "Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliet Kilo Lima Mike November "
        "Oscar Papa Quebec Romeo Sierra Tango Uniform Victor Whiskey X-ray Yankee Zulu",
    ),
    ("heldout", "fr"): (
        "comme dans",
        "Avion Bateau Chapeau Dame École Fusée Gâteau Hôtel Igloo Jardin Kiwi Lune Maison "
        "Navire Orange Papa Quiche Robert Sucre Table Usine Vélo Wagon Xylophone Yaourt Zèbre",
    ),
    ("heldout", "en"): (
        "as in",
        "Apple Butter Charlie Duff Edward Freddie George Harry Ink Johnnie King London Monkey "
        "Nuts Orange Pudding Queenie Robert Sugar Tommy Uncle Vinegar Willie Xerxes Yellow Zebra",
    ),
}


def letters_of(name: str) -> str:
    return re.sub(r"[^A-Z]", "", unidecode(name).upper())


def spelled(name: str, split: str, language: str, rng: random.Random) -> str:
    letters = letters_of(name)
    style = rng.choice(["space", "hyphen", "comma", "anchor", "double"])
    if style == "space":
        return " ".join(letters)
    if style == "hyphen":
        return "-".join(letters)
    if style == "comma":
        return ", ".join(letters)
    if style == "double":
        out, i = [], 0
        while i < len(letters):
            if i + 1 < len(letters) and letters[i + 1] == letters[i]:
                out.append(f"double {letters[i]}" if language == "en" else f"deux {letters[i]}")
                i += 2
            else:
                out.append(letters[i])
                i += 1
        return " ".join(out)
    link, anchors = _SPELL[(split, language)]
    table = {w[0].upper() if w[0] != "É" else "E": w for w in anchors.split()}
    return ", ".join(f"{c} {link} {table[c]}" for c in letters)


# ----------------------------------------------------------------------------- values


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def phone(language: str, rng: random.Random) -> list[str]:
    """A number in a fiction range as Whisper may write it; a list of pieces = read across turns."""
    if language == "fr":
        digits = rng.choice(["063998", "019900"]) + _digits(rng, 4)
        pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
        shape = rng.choice(["pairs", "glued", "dots", "words", "garbled", "hyphens", "split"])
        if shape == "pairs":
            return [" ".join(pairs)]
        if shape == "glued":
            return [digits]
        if shape == "dots":
            return [".".join(pairs)]
        if shape == "hyphens":
            return ["-".join(pairs)]
        if shape == "words":
            return [grouped_words(digits, "fr", rng)]
        if shape == "garbled":  # "0, 639, 98, 12, 34"
            return [f"0, {digits[1:4]}, {digits[4:6]}, {digits[6:8]}, {digits[8:]}"]
        return [" ".join(pairs[:3]), " ".join(pairs[3:])]
    digits = "07700900" + _digits(rng, 3)
    shape = rng.choice(["spaced", "glued", "groups", "words", "garbled", "lost", "plus", "split"])
    if shape == "spaced":
        return [f"{digits[:5]} {digits[5:]}"]
    if shape == "glued":
        return [digits]
    if shape == "groups":
        return [f"{digits[:5]} {digits[5:8]} {digits[8:]}"]
    if shape == "words":
        return [digit_words(digits, "en", rng)]
    if shape == "garbled":  # "0, 7700, 900, 123"
        return [f"0, 7700, 900, {digits[8:]}"]
    if shape == "lost":  # the start swallowed: "0, 900, 456"
        return [f"0, 900, {digits[8:]}"]
    if shape == "plus":
        return [f"+44 7700 {digits[5:]}"]
    return [f"{digits[:5]}", f"{digits[5:8]} {digits[8:]}"]


def identifier(fmt: str, language: str, rng: random.Random) -> list[str]:
    """A value of a format (# digit, @ letter, other characters as written), in a spoken shape."""
    value = "".join(
        str(rng.randrange(10)) if c == "#" else chr(rng.randrange(65, 91)) if c == "@" else c
        for c in fmt
    )
    compact = re.sub(r"[^A-Z0-9]", "", value)
    letters = re.match(r"[A-Z]*", compact).group(0)
    digits = compact[len(letters) :]
    tail_letters = re.search(r"[A-Z]*$", digits).group(0)
    digits = digits[: len(digits) - len(tail_letters)]
    shapes = ["as_written", "glued_lower", "groups", "words", "split"]
    if letters:
        shapes.append("letters_spaced")
    shape = rng.choice(shapes)
    if shape == "as_written":
        return [value]
    if shape == "glued_lower":
        return [compact.lower()]
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    head = " ".join(letters) if shape == "letters_spaced" else letters
    tail = " ".join(tail_letters)
    if shape == "words":
        said = grouped_words(digits, language, rng)
        return [" ".join(x for x in (head, said, tail) if x)]
    if shape == "split":
        cut = max(1, len(groups) // 2)
        first = " ".join(x for x in (head, " ".join(groups[:cut])) if x)
        last = " ".join(x for x in (" ".join(groups[cut:]), tail) if x)
        return [first, last]
    sep = rng.choice([", ", " "])
    return [sep.join(x for x in (head, *groups, tail) if x)]


def card(rng: random.Random) -> list[str]:
    body = rng.choice(["497010", "455673", "513000", "535522"]) + _digits(rng, 9)
    digits = body + luhn.calc_check_digit(body)
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    shape = rng.choice(["groups", "glued", "commas", "split"])
    if shape == "groups":
        return [" ".join(groups)]
    if shape == "glued":
        return [digits]
    if shape == "commas":
        return [", ".join(groups)]
    return [" ".join(groups[:2]), " ".join(groups[2:])]


def iban(language: str, rng: random.Random) -> list[str]:
    while True:
        if language == "fr":
            bban = _digits(rng, 23)
            country = "FR"
        else:
            bban = rng.choice(["NWBK", "BARC", "LOYD", "MIDL"]) + _digits(rng, 14)
            country = "GB"
        check = std_iban.calc_check_digits(f"{country}00{bban}")
        value = f"{country}{check}{bban}"
        if std_iban.is_valid(value):
            break
    groups = [value[i : i + 4] for i in range(0, len(value), 4)]
    shape = rng.choice(["groups", "glued_lower", "split"])
    if shape == "groups":
        return [" ".join(groups)]
    if shape == "glued_lower":
        return [value.lower()]
    cut = len(groups) // 2
    return [" ".join(groups[:cut]), " ".join(groups[cut:])]


def email(first: str, last: str, domains: list[str], language: str, rng: random.Random) -> str:
    f, la = unidecode(first).lower().replace("-", ""), unidecode(last).lower().replace("-", "")
    local_shape = rng.choice(["dot", "glued", "initial", "under", "digits"])
    pieces = {
        "dot": [f, ".", la],
        "glued": [f + la],
        "initial": [f[0], ".", la],
        "under": [f, "_", la],
        "digits": [f, ".", la + str(rng.randrange(10, 99))],
    }[local_shape]
    domain = rng.choice(domains)
    at, dot, under = ("arobase", "point", "tiret du bas") if language == "fr" else (
        "at", "dot", "underscore")  # fmt: skip
    shape = rng.choice(["written", "spoken", "spoken_caps", "half", "glued_at", "garbled_at"])
    local = "".join(pieces)
    if shape == "written":
        return f"{local}@{domain}"
    if shape == "half":
        return f"{local} {at} {domain}"
    if shape == "glued_at":  # "tom.bakeratexample.com"
        return f"{local}{'at' if language == 'en' else 'arobase'}{domain}"
    if shape == "garbled_at":  # "tom.bakeradremple.com": the "at" and the domain's start merged
        name, tld = domain.split(".", 1)
        return f"{local}ad{name[1:]}.{tld}"
    spoken_local = " ".join(
        dot if p == "." else under if p == "_" else p for p in pieces if p
    ).replace("  ", " ")
    spoken_domain = f" {dot} ".join(domain.split("."))
    if shape == "spoken_caps":
        caps = " ".join(w.capitalize() if w not in (at,) else w for w in spoken_local.split())
        return f"{caps}, {at}, {spoken_domain}"
    return f"{spoken_local} {at} {spoken_domain}"


def street(entry: list, language: str, rng: random.Random) -> str:
    kind, name = entry
    n = rng.randrange(1, 160)
    number = str(n) if rng.random() < 0.6 else words(n, language)
    if language == "fr":
        bis = rng.choice(["", "", "", " bis", " ter"])
        comma = "," if rng.random() < 0.3 else ""
        return f"{number}{bis}{comma} {kind} {name}"
    flat = f"Flat {rng.randrange(1, 20)}, " if rng.random() < 0.25 else ""
    return f"{flat}{number} {name} {kind}"


def postcode(code: str | int, language: str, rng: random.Random) -> str:
    code = str(code)
    if language == "fr":
        shape = rng.choice(["digits", "split", "words"])
        if shape == "digits":
            return code
        if shape == "split":
            return f"{code[:2]} {code[2:]}"
        return f"{fr_words(int(code[:2]))} {grouped_words(code[2:], 'fr', rng)}".strip()
    outward, inward = code.split()
    shape = rng.choice(["as_written", "glued", "letters", "comma"])
    if shape == "as_written":
        return code
    if shape == "glued":
        return outward + inward
    if shape == "comma":
        return f"{outward}, {inward}"
    return " ".join(outward) + " " + " ".join(inward)


# ----------------------------------------------------------------------------- rows

_SLOT_RE = re.compile(r"\{(\w+)\}")
_BACKCHANNEL = {"fr": ["d'accord", "oui", "je note", "mm"], "en": ["okay", "yeah", "go on", "mm"]}


def _style_piece(text: str, style: str, literal: bool) -> str:
    if style == "whisper":
        return text
    text = text.lower()
    if style == "bare" and literal:
        text = re.sub(r"[,.?!;:](?=\s|$)", "", text)  # sentence punctuation, not "64.50"
    return text


def draw_row(
    split: str,
    language: str,
    spec: dict,
    template: str,
    kind: str,
    rng: random.Random,
    row_id: str,
    style: str,
) -> dict:
    tenant = rng.choice(spec["tenants"])
    first, last = rng.choice(spec["people"])
    town_code, town = rng.choice(spec["towns"])
    values: dict[str, list[str]] = {}
    for slot in _SLOT_RE.findall(template):
        if slot in values:
            continue
        if slot == "tenant":
            values[slot] = [tenant["name"]]
        elif slot == "town":
            values[slot] = [town]
        elif slot == "agent":
            values[slot] = [rng.choice(spec["agents"])]
        elif slot == "name":
            values[slot] = [f"{first} {last}"]
        elif slot == "first":
            values[slot] = [first]
        elif slot == "last":
            values[slot] = [last]
        elif slot == "spelled":
            values[slot] = [spelled(last, split, language, rng)]
        elif slot == "street":
            values[slot] = [street(rng.choice(spec["streets"]), language, rng)]
        elif slot == "postcode":
            values[slot] = [postcode(town_code, language, rng)]
        elif slot == "address":
            where = street(rng.choice(spec["streets"]), language, rng)
            values[slot] = [f"{where}, {postcode(town_code, language, rng)} {town}"]
        elif slot == "id":
            values[slot] = identifier(rng.choice(tenant["ids"]), language, rng)
        elif slot == "phone":
            values[slot] = phone(language, rng)
        elif slot == "email":
            values[slot] = [email(first, last, spec["domains"], language, rng)]
        elif slot == "card":
            values[slot] = card(rng)
        elif slot == "iban":
            values[slot] = iban(language, rng)
        else:
            raise ValueError(f"{row_id}: unknown slot {{{slot}}}")
    text, entities = "", []
    for part in re.split(r"(\{\w+\})", template):
        m = _SLOT_RE.fullmatch(part)
        if not m:
            text += _style_piece(part.replace(" | ", " "), style, literal=True)
            continue
        slot = m.group(1)
        pieces = values[slot]
        said = f" {rng.choice(_BACKCHANNEL[language])} ".join(pieces)
        styled = _style_piece(said, style, literal=slot in LITERAL_SLOTS)
        if style == "whisper" and slot in ("name", "first", "last", "agent") and rng.random() < 0.2:
            styled = styled.lower()  # Whisper does not always capitalise a name
        start = len(text)
        text += styled
        if slot in SLOT_TYPES:
            entities.append({"start": start, "end": len(text), "type": SLOT_TYPES[slot]})
    return {
        "id": row_id,
        "language": language,
        "split": split,
        "tenant": tenant["name"],
        "id_patterns": list(tenant["id_patterns"]),
        "style": style,
        "kind": kind,
        "text": text,
        "entities": entities,
    }


def draw(script: dict) -> list[dict]:
    rows = []
    for split in SPLITS:
        for language in LANGUAGES:
            spec = script[split][language]
            rng = random.Random(f"{script['seed']}/{split}/{language}")
            n = 0
            for kind, templates in spec["templates"].items():
                for template in templates:
                    for _ in range(DRAWS[kind]):
                        n += 1
                        style = rng.choice(["whisper", "whisper", "lower", "bare"])
                        rows.append(
                            draw_row(
                                split,
                                language,
                                spec,
                                template,
                                kind,
                                rng,
                                f"{split}-{language}-{n:03d}",
                                style,
                            )
                        )
            for kind, lines in spec["negatives"].items():
                for line in lines:
                    for style in ("whisper", "bare"):
                        n += 1
                        rows.append(
                            draw_row(
                                split,
                                language,
                                spec,
                                line,
                                kind,
                                rng,
                                f"{split}-{language}-{n:03d}",
                                style,
                            )
                        )
    return rows


def heldout_digest(rows: list[dict]) -> str:
    held = [json.dumps(r, ensure_ascii=False) for r in rows if r["split"] == "heldout"]
    return hashlib.sha256("\n".join(held).encode()).hexdigest()


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite bench/data/pii_calls.jsonl")
    args = parser.parse_args()
    rows = draw(yaml.safe_load(SCRIPT.read_text(encoding="utf-8")))
    if args.write:
        CORPUS.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    counts = Counter((r["split"], r["language"], r["kind"]) for r in rows)
    for key in sorted(counts):
        print(*key, counts[key])
    print("held-out digest", heldout_digest(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
