"""Decoder biasing: Whisper is primed with what the call's scorecard listens for.

Whisper base turns robotic or telephone French into plausible nonsense ("Bonjour, Atlas Énergie"
→ "Pour vous, attendez-nous"). Given the phrasings of the scorecard assigned to the call's tenant
and campaign, in the call's language, and the tenant's name as a previous-text prompt
(faster-whisper's ``initial_prompt``, which batched decoding puts after ``<|startofprev|>`` on every
chunk), it writes those words when they were said. Only ``phrase_said`` phrasings go in: priming
forbidden words (``phrase_not_said``) could make Whisper write an insult the agent never said.
A prompt can also make Whisper write a wanted phrase that was *not* said: bench/french_accuracy.py
measures that false "met" rate (docs/benchmarks.md). ``hotwords`` (the same tokens before the
prompt) was measured too and helped less; both modes stay selectable for the bench.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from transforms.core.scorecards import Scorecard

#: faster-whisper keeps the *last* 223 tokens (half of Whisper's 448) of a prompt, which would cut
#: the tenant's name off the front: the engine drops whole sentences from the end instead, to fit
#: this many tokens (``fit_prompt``).
MAX_PROMPT_TOKENS = 220
#: Before tokenising, a cheap bound: French is about 3.4 characters a token with Whisper's
#: tokenizer, so 1,200 characters is well past any 220-token prompt.
MAX_PROMPT_CHARS = 1200
MODES = ("prompt", "hotwords")


@dataclass(frozen=True)
class DecoderBias:
    """The text each language's chunks are primed with (pairs, so the job stays hashable)."""

    prompts: tuple[tuple[str, str], ...] = ()
    #: ``prompt`` (``initial_prompt``) | ``hotwords``
    mode: str = "prompt"

    def for_language(self, language: str | None) -> str | None:
        return dict(self.prompts).get(language or "")

    @property
    def is_empty(self) -> bool:
        return not self.prompts


def prompt_text(company: str, phrasings: list[list[str]], limit: int = MAX_PROMPT_CHARS) -> str:
    """The company name, then the phrasings one criterion at a time (each criterion's first, then
    each one's second…), as short sentences, until ``limit`` characters: every criterion gets a
    phrasing in before any gets a second one."""
    sentences = [company.strip()] if company.strip() else []
    rounds = max((len(p) for p in phrasings), default=0)
    seen: set[str] = set()
    for i in range(rounds):
        for options in phrasings:
            if i >= len(options):
                continue
            phrase = options[i].strip()
            key = phrase.lower()
            if not phrase or key in seen:
                continue
            sentence = phrase[0].upper() + phrase[1:]
            if len(". ".join([*sentences, sentence])) + 1 > limit:
                return ". ".join(sentences) + "." if sentences else ""
            seen.add(key)
            sentences.append(sentence)
    return ". ".join(sentences) + "." if sentences else ""


def decoder_bias(
    card: Scorecard | None, company: str, languages: tuple[str, ...], mode: str = "prompt"
) -> DecoderBias:
    """One prompt per language the tenant's calls may be in (a call's language may be detected)."""
    if mode not in MODES:
        raise ValueError(f"decoder bias mode must be one of {MODES}, got {mode!r}")
    langs = set(languages)
    if card is not None:
        langs |= {lang for c in card.criteria for lang in c.phrases}
    prompts = []
    for lang in sorted(langs):
        phrasings = [] if card is None else _phrasings(card, lang)
        text = prompt_text(company, phrasings)
        if text:
            prompts.append((lang, text))
    return DecoderBias(tuple(prompts), mode)


def _phrasings(card: Scorecard, language: str) -> list[list[str]]:
    """Each phrase_said criterion's phrasings in ``language``, in card order."""
    return [
        list(c.phrases[language])
        for c in card.criteria
        if c.kind == "phrase_said" and language in c.phrases
    ]


def company_name(display_name: str) -> str:
    """The name agents say: the registry's display name without a parenthesised note."""
    return re.sub(r"\(.*?\)", "", display_name).strip()


def fit_prompt(text: str, count_tokens: Callable[[str], int], budget: int) -> str:
    """``text`` without its last sentences, until it is at most ``budget`` tokens."""
    sentences = text.split(". ")
    while len(sentences) > 1 and count_tokens(" " + ". ".join(sentences)) > budget:
        sentences.pop()
    fitted = ". ".join(sentences)
    return fitted if fitted.endswith(".") else fitted + "."


def bias_of(
    bias: DecoderBias | None,
    language: str,
    count_tokens: Callable[[str], int] | None = None,
) -> Mapping[str, str | None]:
    """faster-whisper options for ``language``: ``initial_prompt`` and ``hotwords``, fitted to
    ``MAX_PROMPT_TOKENS`` when ``count_tokens`` (the model's tokenizer) is given."""
    text = bias.for_language(language) if bias is not None else None
    if text is None:
        return {"initial_prompt": None, "hotwords": None}
    if count_tokens is not None:
        text = fit_prompt(text, count_tokens, MAX_PROMPT_TOKENS)
    if bias is not None and bias.mode == "hotwords":
        return {"initial_prompt": None, "hotwords": text}
    # Batched decoding encodes the prompt as is; sequential decoding adds this leading space.
    return {"initial_prompt": " " + text, "hotwords": None}
