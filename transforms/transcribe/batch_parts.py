"""One decode batch run a few chunks at a time, with the results of the whole batch.

``BatchedInferencePipeline.forward`` decodes a batch (beam search) and aligns its words (one
decoder pass over the text with cross-attention weights) on all chunks at once. On 8 chunks of
30 s that pass allocated 400-700 MB on top of everything else, the largest share of a long
call's peak. Both passes are run here on a few chunks at a time (``BEAM_PART``, ``ALIGN_PART``):

- beam search: each chunk's tokens and scores do not depend on the other chunks of the batch
  (the encoder input of every chunk is still padded to the batch's width, as before);
- word alignment does, in one of two ways (CTranslate2 4.8's ``Whisper.align``): when the
  chunks' frame counts differ, each chunk is aligned on its own, its padding removed; when they
  are all equal, all chunks are aligned together over their token sequences padded to the
  longest, and the padded rows enter the attention normalisation and the DTW. So a part must go
  the way its batch goes: a part of a batch whose frame counts differ, if its own are all equal,
  is aligned together with a chunk of other frames; a part of a batch whose frame counts are
  equal, with the batch's longest text (a copy each time, its result thrown away).

``tests/integration/test_bounded_memory.py`` compares the outputs with ``forward`` on the whole
batch, to the token, score, word time and probability.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from math import ceil
from typing import Any

import numpy as np

from transforms.core.heap import release_free_memory

#: Chunks per beam search. On 8 chunks of 30 s (2 threads, a loaded 2-core box) the whole batch
#: peaked at +810 MB with its alignment; beam search on 4 took +260-300 MB, on 2 +130 MB, and 4
#: cost no CPU time measurably (2: about 5 %).
BEAM_PART = 4
#: Chunks per alignment pass (the padding copy comes on top): 4 + 1 took +385-505 MB, 2 + 1
#: +230-330 MB (the logits of every token over the vocabulary, about 40 MB a chunk, and the
#: cross-attention of every layer).
ALIGN_PART = 2


def forward_in_parts(
    pipeline: Any,
    features: np.ndarray,
    tokenizer: Any,
    metadata: list[dict[str, Any]],
    options: Any,
    part: int | None = None,
    align_part: int | None = None,
) -> list[list[dict[str, Any]]]:
    """``pipeline.forward(features, tokenizer, metadata, options)``: the beam search ``part``
    chunks at a time, the word alignment ``align_part`` chunks at a time (plus the padding copy);
    by default ``BEAM_PART`` and ``ALIGN_PART``.

    ``pipeline.model`` is the engine's ``PerChunkEncoder`` (``transforms.transcribe.model``),
    whose ``last_encoded`` is the encoder output the aligner reads again.
    """
    import ctranslate2

    part = part or BEAM_PART
    align_part = align_part or ALIGN_PART
    model = pipeline.model
    size = len(features)
    if size <= min(part, align_part):
        return pipeline.forward(features, tokenizer, metadata, options)
    unaligned = dataclasses.replace(options, word_timestamps=False)
    outputs: list[list[dict[str, Any]]] = []
    encoded: list[np.ndarray] = []
    for start in range(0, size, part):
        end = min(size, start + part)
        outputs += pipeline.forward(features[start:end], tokenizer, metadata[start:end], unaligned)
        encoded.append(np.array(model.last_encoded))
        release_free_memory()
    if not options.word_timestamps:
        return outputs
    memory = np.concatenate(encoded)
    del encoded
    frames = [int(ceil(m["duration"]) * model.frames_per_second) for m in metadata]
    lengths = [len(_text_tokens(chunk, tokenizer)) for chunk in outputs]
    last_speech = pipeline.last_speech_timestamp
    for start in range(0, size, align_part):
        idx = list(range(start, min(size, start + align_part)))
        own = len(idx)
        chunks = [outputs[i] for i in idx]
        partner = _partner(idx, frames, lengths)
        if partner is not None:
            idx.append(partner)
            chunks.append(copy.deepcopy(outputs[partner]))
        model.add_word_timestamps(
            chunks,
            tokenizer,
            ctranslate2.StorageView.from_array(np.ascontiguousarray(memory[idx])),
            [frames[i] for i in idx],
            options.prepend_punctuations,
            options.append_punctuations,
            last_speech,
        )
        # The aligner carries the end of the last sub-segment with words from chunk to chunk;
        # the partner's copy (last in the list) must not pass its own on.
        for sub in itertools.chain.from_iterable(chunks[:own]):
            if sub.get("words"):
                last_speech = sub["end"]
        release_free_memory()
    pipeline.last_speech_timestamp = last_speech
    return outputs


def _partner(idx: list[int], frames: list[int], lengths: list[int]) -> int | None:
    """The chunk of the batch to align beside the part ``idx`` so that the part is aligned as in
    the whole batch (module docstring), or None when the part goes that way on its own."""
    if len(set(frames)) > 1:
        if len({frames[i] for i in idx}) > 1:
            return None
        return next(i for i, f in enumerate(frames) if f != frames[idx[0]])
    longest = max(range(len(lengths)), key=lengths.__getitem__)
    return None if max(lengths[i] for i in idx) == lengths[longest] else longest


def _text_tokens(chunk: list[dict[str, Any]], tokenizer: Any) -> list[int]:
    """The tokens the aligner reads for one chunk, as ``add_word_timestamps`` gathers them."""
    return [t for sub in chunk for t in sub["tokens"] if t < tokenizer.eot]
