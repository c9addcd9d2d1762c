import hashlib

import httpx2
import pytest
from fastapi.testclient import TestClient

from transcripts import serve


def test_the_etag_is_a_digest_of_the_bytes_sent(client):
    response = client.get("/articles/1")
    assert response.content == b'{"id":1,"title":"Caching in HTTP"}'
    digest = hashlib.sha256(response.content).hexdigest()[:16]
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["cache-control"] == "max-age=60"


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ('"43c9861ec085bdff"', 304),
        ('W/"43c9861ec085bdff"', 304),  # weak comparison
        ('"a", "b", "43c9861ec085bdff"', 304),
        ('"a,b", W/"43c9861ec085bdff"', 304),  # a comma inside a tag
        ("*", 304),
        (" * ", 304),
        ('"43c9861ec085bdf"', 200),
        ('"43c9861ec085bdff-gzip"', 200),
        ("43c9861ec085bdff", 200),  # unquoted: not a tag
        ('"a,43c9861ec085bdff"', 200),  # the tag's text inside another tag
        ("", 200),
    ],
)
def test_if_none_match(client, if_none_match, status):
    response = client.get("/articles/1", headers={"If-None-Match": if_none_match})
    assert response.status_code == status


def test_a_missing_article_is_a_404_whatever_the_condition(client):
    assert client.get("/articles/2", headers={"If-None-Match": "*"}).status_code == 404


def test_head_answers_as_get_without_the_body(client):
    get, head = client.get("/articles/1"), client.head("/articles/1")
    assert head.status_code == 200 and head.content == b""
    assert head.headers == get.headers  # Content-Length included
    etag = get.headers["etag"]
    assert (
        client.head("/articles/1", headers={"If-None-Match": etag}).status_code == 304
    )


def test_a_get_route_alone_answers_head_with_405():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/x")
    def x() -> dict:
        return {}

    assert TestClient(app).head("/x").status_code == 405


def test_on_the_wire_a_304_has_the_caching_headers_and_no_body(example):
    with serve(example.app) as url:
        ok = httpx2.get(url + "/articles/1")
        response = httpx2.get(
            url + "/articles/1", headers={"If-None-Match": ok.headers["etag"]}
        )
    assert response.status_code == 304 and response.content == b""
    assert sorted(response.headers) == ["cache-control", "date", "etag", "server"]
    for name in ("etag", "cache-control"):
        assert response.headers[name] == ok.headers[name]


def test_a_change_changes_the_etag(example):
    client = TestClient(example.app)
    before = client.get("/articles/1").headers["etag"]
    example.ARTICLES[1] = {"id": 1, "title": "Changed"}
    try:
        response = client.get("/articles/1", headers={"If-None-Match": before})
        assert response.status_code == 200
        assert response.headers["etag"] != before
    finally:
        example.ARTICLES[1] = {"id": 1, "title": "Caching in HTTP"}


def test_every_answer_is_declared_for_get_and_head(client):
    path = client.get("/openapi.json").json()["paths"]["/articles/{article_id}"]
    for method in ("get", "head"):
        assert set(path[method]["responses"]) == {"200", "304", "404", "422"}


def test_the_outline_avatar_never_answers_304(example):
    naive = TestClient(example.naive_app)
    first = naive.get("/users/7/avatar")
    again = naive.get(
        "/users/7/avatar", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 200 and again.content == first.content
    body_digest = hashlib.md5(first.content).hexdigest()
    assert first.headers["etag"] != f'"{body_digest}"'


def test_the_outline_feed_has_no_validator_and_does_not_depend_on_authorization(
    example,
):
    naive = TestClient(example.naive_app)
    plain = naive.get("/feed")
    assert "etag" not in plain.headers and "last-modified" not in plain.headers
    assert plain.headers["vary"] == "Authorization"
    other_user = naive.get("/feed", headers={"Authorization": "Bearer other"})
    assert other_user.content == plain.content
