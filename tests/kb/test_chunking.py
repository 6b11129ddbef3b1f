"""Heading-aware passages: merging under one heading path, splitting what is too long."""

from __future__ import annotations

from performia.kb.chunking import Passage, contextualise, merge_pieces


def words(text: str) -> int:
    """A stand-in tokenizer: one token per word (the real one is the model's)."""
    return len(text.split())


def test_pieces_under_one_heading_merge_up_to_the_budget():
    a, b = ("Doc", "Section A"), ("Doc", "Section B")
    pieces = [(a, "one two three"), (a, "four five six"), (a, "seven eight nine"), (b, "ten")]
    # the heading path "Doc › Section A" counts 4 words; a budget of 12 leaves 8 for text
    merged = merge_pieces(pieces, count_tokens=words, max_tokens=12)
    assert merged == [
        (a, "one two three\n\nfour five six"),
        (a, "seven eight nine"),
        (b, "ten"),
    ]
    for path, text in merged:
        assert words(contextualise(path, text)) <= 12


def test_pieces_never_merge_across_headings_and_empty_ones_vanish():
    merged = merge_pieces(
        [(("D", "X"), "a"), (("D", "Y"), "b"), (("D", "Y"), "   "), (("D", "X"), "c")],
        count_tokens=words,
        max_tokens=100,
    )
    assert merged == [(("D", "X"), "a"), (("D", "Y"), "b"), (("D", "X"), "c")]


def test_a_long_piece_is_split_at_sentence_ends():
    path = ("Doc",)
    text = "First sentence has five words. Second one is here too. Third is the end."
    merged = merge_pieces([(path, text)], count_tokens=words, max_tokens=12)
    assert [t for _, t in merged] == [
        "First sentence has five words. Second one is here too.",
        "Third is the end.",
    ]
    assert " ".join(t for _, t in merged) == text


def test_a_passage_is_indexed_with_its_heading_path():
    p = Passage("audio-dsp/chords.md", ("Chord recognition", "No chord"), "N is no chord.", 3)
    assert p.indexed_text == "Chord recognition › No chord\nN is no chord."
    assert contextualise((), "bare") == "bare"
