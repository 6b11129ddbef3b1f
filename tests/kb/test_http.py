"""The ``kb_query`` HTTP function, served by functions-framework as Cloud Run serves it.

A stand-in knowledge base keeps these tests fast; ``test_knowledge_base.py`` queries the real
index through the same function.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from functions_framework import create_app

from performia.errors import BadInputError, ModelError
from performia.kb.http import parse_request, set_knowledge_base
from performia.kb.index import Hit

FUNCTION = Path(__file__).resolve().parents[2] / "functions" / "kb_query" / "main.py"


class StandIn:
    """Answers every query with ``k`` numbered passages, and remembers what it was asked."""

    def __init__(self, error: Exception | None = None) -> None:
        self.asked: list[tuple[str, int]] = []
        self.error = error

    def search(self, query: str, *, k: int = 5) -> list[Hit]:
        if self.error is not None:
            raise self.error
        self.asked.append((query, k))
        return [
            Hit(f"doc{i}.md", ("Doc", f"Section {i}"), f"text {i}", 1.0 - i / 10) for i in range(k)
        ]


@pytest.fixture
def client():
    app = create_app(target="main", source=str(FUNCTION), signature_type="http")
    yield app.test_client()
    set_knowledge_base(None)


def test_a_question_gets_the_passages_with_source_heading_path_and_score(client, monkeypatch):
    monkeypatch.setenv("PERFORMIA_ALLOWED_ORIGIN", "https://app.performia.example")
    kb = StandIn()
    set_knowledge_base(kb)
    response = client.post("/", json={"query": "  why is my chord a semitone off  ", "k": 3})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.performia.example"
    results = response.get_json()["results"]
    assert [r["source"] for r in results] == ["doc0.md", "doc1.md", "doc2.md"]
    assert results[1] == {
        "source": "doc1.md",
        "headingPath": ["Doc", "Section 1"],
        "text": "text 1",
        "score": 0.9,
    }
    assert kb.asked == [("why is my chord a semitone off", 3)]


def test_k_defaults_to_five(client):
    set_knowledge_base(StandIn())
    assert len(client.post("/", json={"query": "tempo"}).get_json()["results"]) == 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"k": 3}, "query"),
        ({"query": "   "}, "query"),
        ({"query": 42}, "query"),
        ({"query": "x" * 1001}, "limit"),
        ({"query": "tempo", "k": 0}, "'k'"),
        ({"query": "tempo", "k": 21}, "'k'"),
        ({"query": "tempo", "k": "5"}, "'k'"),
        ({"query": "tempo", "k": True}, "'k'"),
        (["tempo"], "JSON object"),
    ],
)
def test_a_bad_request_is_a_400_that_says_what_is_wrong(client, body, message):
    kb = StandIn()
    set_knowledge_base(kb)
    response = client.post("/", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert kb.asked == []


def test_a_body_that_is_not_json_is_a_400(client):
    set_knowledge_base(StandIn())
    response = client.post("/", data="query=tempo", content_type="text/plain")
    assert response.status_code == 400


def test_preflight_and_other_methods(client):
    set_knowledge_base(StandIn())
    preflight = client.options("/")
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.get("/").status_code == 405


def test_a_broken_index_is_a_500_without_details(client):
    set_knowledge_base(StandIn(ModelError("no knowledge-base index in /secret/path")))
    response = client.post("/", json={"query": "tempo"})
    assert response.status_code == 500
    assert "/secret/path" not in response.get_json()["error"]


def test_parse_request_returns_the_stripped_query_and_k():
    assert parse_request({"query": " chords ", "k": 7}) == ("chords", 7)
    with pytest.raises(BadInputError):
        parse_request(None)


def test_help_questions_are_rate_limited_per_address(client):
    """30 a minute from one address, then 429 with Retry-After; another address is not held
    back (counted in this process's memory here; in the cloud, in Firestore)."""
    from performia.cloud.quotas import LIMITS

    set_knowledge_base(StandIn())
    limit = LIMITS["kb_query"].count
    here = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    for _ in range(limit):
        assert client.post("/", json={"query": "tempo"}, headers=here).status_code == 200
    refused = client.post("/", json={"query": "tempo"}, headers=here)
    assert (
        refused.status_code == 429
        and "limit of 30 help questions a minute" in refused.get_json()["error"]
    )
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    there = {"X-Forwarded-For": "198.51.100.2"}
    assert client.post("/", json={"query": "tempo"}, headers=there).status_code == 200
