import pytest

DEFAULTS = {"skip": 0, "limit": 20, "search": None, "active": True}


def test_defaults_apply_when_parameters_are_left_out(client):
    response = client.get("/items")
    assert response.status_code == 200
    assert response.json() == DEFAULTS


def test_query_values_are_converted(client):
    assert client.get("/items?skip=5&limit=3&search=python&active=false").json() == {
        "skip": 5,
        "limit": 3,
        "search": "python",
        "active": False,
    }


TRUE_WORDS = ["true", "1", "yes", "on", "y", "t", "TRUE", "True", "YES", "On", "Y", "T"]
FALSE_WORDS = [
    "false",
    "0",
    "no",
    "off",
    "n",
    "f",
    "FALSE",
    "False",
    "NO",
    "Off",
    "N",
    "F",
]


@pytest.mark.parametrize("word", TRUE_WORDS)
def test_bool_true_words(client, word):
    assert client.get("/items", params={"active": word}).json()["active"] is True


@pytest.mark.parametrize("word", FALSE_WORDS)
def test_bool_false_words(client, word):
    assert client.get("/items", params={"active": word}).json()["active"] is False


@pytest.mark.parametrize(
    "word", ["", " true", "2", "-1", "maybe", "null", "1.0", "enabled"]
)
def test_anything_else_is_not_a_bool(client, word):
    response = client.get("/items", params={"active": word})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "bool_parsing",
                "loc": ["query", "active"],
                "msg": "Input should be a valid boolean, unable to interpret input",
                "input": word,
            }
        ]
    }


def test_a_bare_flag_is_an_empty_string_and_refused(client):
    response = client.get("/items?active")
    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] == ""


def test_missing_required_parameter_is_422_with_the_exact_error(client):
    response = client.get("/search")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["query", "q"],
                "msg": "Field required",
                "input": None,
            }
        ]
    }


def test_required_is_satisfied_by_an_empty_value(client):
    for url in ["/search?q=", "/search?q"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response.json() == {"query": "", "results": []}


def test_unknown_and_miscapitalised_parameters_are_ignored(client):
    assert client.get("/items?serach=python&Skip=3&SKIP=4").json() == DEFAULTS


def test_an_empty_int_is_not_the_default(client):
    response = client.get("/items?skip=")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "int_parsing"


def test_openapi_documents_types_defaults_and_required(client):
    schema = client.get("/openapi.json").json()
    items = {p["name"]: p for p in schema["paths"]["/items"]["get"]["parameters"]}
    assert {name: p["in"] for name, p in items.items()} == dict.fromkeys(
        DEFAULTS, "query"
    )
    assert not any(p["required"] for p in items.values())
    assert items["skip"]["schema"] == {"type": "integer", "default": 0, "title": "Skip"}
    assert items["active"]["schema"] == {
        "type": "boolean",
        "default": True,
        "title": "Active",
    }
    (q,) = schema["paths"]["/search"]["get"]["parameters"]
    assert q["required"] is True and q["schema"] == {"type": "string", "title": "Q"}
