import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

PASSWORD = "correct-horse-battery"
ALICE = {"username": "alice", "password": PASSWORD}
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def alice_hash(example):
    """alice's stored hash, computed once: Argon2 is slow on purpose."""
    return example.password_hash.hash(PASSWORD)


@pytest.fixture(autouse=True)
def users(example, monkeypatch, alice_hash):
    table = {"alice": alice_hash}
    monkeypatch.setattr(example, "USERS", table)
    return table


@pytest.fixture
def verify_calls(example, monkeypatch):
    """Every call of verify_and_update, the one place a password is checked."""
    calls = []
    real = example.password_hash.verify_and_update

    def spy(password, hashed):
        calls.append((password, hashed))
        return real(password, hashed)

    monkeypatch.setattr(example.password_hash, "verify_and_update", spy)
    return calls


def test_the_recommended_hasher_is_argon2id_with_its_settings_in_the_hash(example):
    assert [type(h) for h in example.password_hash.hashers] == [Argon2Hasher]
    stored = example.password_hash.hash(PASSWORD)
    algorithm, version, settings, salt, digest = stored.split("$")[1:]
    assert (algorithm, version, settings) == ("argon2id", "v=19", "m=65536,t=3,p=4")
    assert PASSWORD not in stored
    assert len(salt) == 22 and len(digest) == 43  # 16 and 32 bytes, base64


def test_sign_up_stores_only_a_salted_hash(client, example, users):
    assert client.post(
        "/users", json={"username": "bob", "password": PASSWORD}
    ).json() == {"username": "bob"}
    # Same password as alice, different salt, different hash; each verifies.
    assert users["bob"] != users["alice"]
    assert users["bob"].startswith("$argon2id$") and PASSWORD not in users["bob"]
    assert example.password_hash.verify(PASSWORD, users["bob"])


def test_a_taken_username_is_409_and_keeps_the_hash(client, users, alice_hash):
    response = client.post("/users", json={**ALICE, "password": "another-password"})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "Username already taken"},
    )
    assert users["alice"] == alice_hash


def test_two_racing_sign_ups_for_one_name_cannot_both_win(
    client, example, monkeypatch, users
):
    real_hash = example.password_hash.hash

    def hash_while_a_rival_registers(password):
        users.setdefault("bob", "rival's hash")
        return real_hash(password)

    monkeypatch.setattr(example.password_hash, "hash", hash_while_a_rival_registers)
    response = client.post("/users", json={"username": "bob", "password": PASSWORD})
    assert response.status_code == 409
    assert users["bob"] == "rival's hash"


@pytest.mark.parametrize(
    "username, password, status",
    [
        ("alice", PASSWORD, 200),
        ("alice", "wrong-password", 401),
        ("alice", PASSWORD.upper(), 401),
        ("mallory", PASSWORD, 401),
        # DUMMY_HASH's own password must not log an unknown user in.
        ("mallory", "stands in for users who do not exist", 401),
    ],
)
def test_every_login_checks_exactly_one_hash_known_user_or_not(
    client, example, alice_hash, verify_calls, username, password, status
):
    """Unknown users cost the same Argon2 work as known ones (checked against
    DUMMY_HASH), so the time a login takes does not reveal who has an account."""
    response = client.post("/login", json={"username": username, "password": password})
    assert response.status_code == status
    if status == 401:
        assert response.json() == {"detail": "Incorrect username or password"}
    expected = alice_hash if username == "alice" else example.DUMMY_HASH
    assert verify_calls == [(password, expected)]


def test_a_hash_made_with_older_settings_is_upgraded_at_the_next_login(client, users):
    old_settings = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192),))
    old = users["bob"] = old_settings.hash("hunter2-hunter2")
    wrong = client.post("/login", json={"username": "bob", "password": "wrong-guess"})
    assert wrong.status_code == 401 and users["bob"] == old  # only a right password
    right = client.post(
        "/login", json={"username": "bob", "password": "hunter2-hunter2"}
    )
    assert right.status_code == 200
    assert users["bob"].split("$")[3] == "m=65536,t=3,p=4"
    again = client.post(
        "/login", json={"username": "bob", "password": "hunter2-hunter2"}
    )
    assert again.status_code == 200


def test_a_current_hash_is_left_as_it_is(client, users, alice_hash):
    assert client.post("/login", json=ALICE).status_code == 200
    assert users["alice"] == alice_hash


def test_non_ascii_passwords_work(client):
    password = "pässwörd-ünïcode"
    zoe = {"username": "zoe", "password": password}
    assert client.post("/users", json=zoe).status_code == 201
    assert client.post("/login", json=zoe).status_code == 200
    wrong = client.post("/login", json={**zoe, "password": password + "é"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("path", ["/users", "/login"])
def test_no_422_contains_the_password(client, path):
    for body in [
        {"username": "Al", "password": PASSWORD},
        {"username": "alice", "password": "7-chars"},
        {"password": PASSWORD},
    ]:
        response = client.post(path, json=body)
        assert response.status_code == 422
        assert body["password"] not in response.text
        assert all(set(e) == {"type", "loc", "msg"} for e in response.json()["detail"])


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": NaN, "password": "x"}',
        b'{"username": "alice", "password": 1e400}',
        b"\xff\xfe",
    ],
)
def test_bodies_json_cannot_echo_get_a_422_not_a_500(client, body):
    response = client.post("/login", content=body, headers=JSON)
    assert response.status_code == 422


def test_a_body_without_a_json_content_type_is_a_422_not_a_500(client):
    response = client.post("/login", content=b"\xff\xfe")
    assert response.status_code == 422


def test_sha256_is_unsalted_and_fast_which_is_why_it_is_not_used():
    import hashlib
    import timeit

    assert (
        hashlib.sha256(PASSWORD.encode()).hexdigest()
        == hashlib.sha256(PASSWORD.encode()).hexdigest()
    )
    per_call = timeit.timeit(lambda: hashlib.sha256(b"x").digest(), number=10_000)
    assert per_call / 10_000 < 0.001  # well under a millisecond


def test_a_json_body_that_is_not_utf8_is_a_documented_400(client):
    latin1 = '{"username": "jos\xe9", "password": "x"}'.encode("latin-1")
    response = client.post("/login", content=latin1, headers=JSON)
    assert response.status_code == 400
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths["/login"]["post"]["responses"]) == ["200", "400", "401", "422"]
    assert sorted(paths["/users"]["post"]["responses"]) == ["201", "400", "409", "422"]


def test_checking_a_hash_takes_at_least_ten_milliseconds(example, alice_hash):
    """What makes the dummy hash necessary: a check is slow enough to time."""
    import time

    start = time.perf_counter()
    example.password_hash.verify("wrong-password", alice_hash)
    assert time.perf_counter() - start > 0.010
