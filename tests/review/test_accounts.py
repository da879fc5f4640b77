"""Users, argon2 hashes, tokens and sessions hashed at rest."""

from __future__ import annotations

import pytest

from curbside.review.accounts import AccountError, AccountStore


@pytest.fixture
def accounts(review_db):
    a = AccountStore(review_db)
    yield a
    a.close()


def test_passwords_are_argon2_hashed(accounts):
    u = accounts.add_user("carl", "a long password", "clinician")
    row = accounts.db.one("SELECT password_hash FROM users WHERE id = ?", (u.id,))
    assert row[0].startswith("$argon2id$") and "a long password" not in row[0]
    assert accounts.authenticate("carl", "a long password").username == "carl"
    assert accounts.authenticate("carl", "wrong") is None
    assert accounts.authenticate("nobody", "a long password") is None
    assert accounts.authenticate("carl", "\udfff") is None


def test_user_validation(accounts):
    for name, pw, role in [("", "a long password", "reader"), ("a b", "a long password", "reader"),
                           ("../x", "a long password", "reader"), ("ok", "short", "reader"),
                           ("ok", "a long password", "root")]:
        with pytest.raises(AccountError):
            accounts.add_user(name, pw, role)
    accounts.add_user("ok", "a long password", "reader")
    with pytest.raises(AccountError) as e:
        accounts.add_user("ok", "a long password", "reader")
    assert e.value.status == 409


def test_tokens_and_sessions(accounts):
    u = accounts.add_user("carl", "a long password", "clinician")
    plain, info = accounts.create_token(u, "laptop")
    assert accounts.db.scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", (plain,)) == 0
    assert accounts.user_for_token(plain).username == "carl"
    assert accounts.user_for_token(plain + "x") is None and accounts.user_for_token("") is None
    sid, session = accounts.create_session(u)
    assert accounts.session(sid).user.username == "carl" and accounts.session(sid).csrf == session.csrf
    assert accounts.db.scalar("SELECT COUNT(*) FROM sessions WHERE id_hash = ?", (sid,)) == 0
    accounts.update_user("carl", active=False)
    assert accounts.session(sid) is None and accounts.user_for_token(plain) is None
    assert accounts.authenticate("carl", "a long password") is None
    accounts.update_user("carl", active=True)
    assert accounts.user_for_token(plain) is None          # revoked tokens stay revoked
    sid2, _ = accounts.create_session(u, hours=-1)
    assert accounts.session(sid2) is None                  # expired


def test_reviewer_credentials_set_changed_and_cleared(accounts):
    u = accounts.add_user("rita", "a long password", "reviewer", "Dr Rita Smith", "  MD, Consultant Haematologist ")
    assert (u.display_name, u.credentials) == ("Dr Rita Smith", "MD, Consultant Haematologist")
    assert accounts.add_user("carl", "a long password", "clinician").credentials == ""
    assert accounts.update_user("rita", role="admin").credentials == "MD, Consultant Haematologist"   # kept
    assert accounts.update_user("rita", credentials="MD, PhD").credentials == "MD, PhD"
    assert accounts.update_user("carl", credentials="x" * 300).credentials == "x" * 200
    assert accounts.update_user("rita", credentials="").credentials == ""
    assert {x.username: x.credentials for x in accounts.users()} == {"carl": "x" * 200, "rita": ""}


def _old_users_table(db) -> None:
    """The users table as stores made before credentials had it (the column dropped, the user kept)."""
    with db.tx() as c:
        c.execute("ALTER TABLE users DROP COLUMN credentials")


def test_a_store_made_before_credentials_is_upgraded(review_db):
    a = AccountStore(review_db)
    a.add_user("rita", "a long password", "reviewer", "Dr Rita Smith")
    _old_users_table(a.db)
    if a.db.__class__.__name__ == "PostgresDatabase":     # as if only the first schema version had been applied
        a.db.wconn.raw.execute("DELETE FROM curbside_review_schema WHERE version > 1")
    assert "credentials" not in a.db.one("SELECT * FROM users").keys()
    a.close()
    b = AccountStore(review_db)                           # opening the older store adds the column
    try:
        assert [(u.username, u.display_name, u.credentials) for u in b.users()] == [("rita", "Dr Rita Smith", "")]
        assert b.authenticate("rita", "a long password") is not None
        assert b.update_user("rita", credentials="MD, Consultant Haematologist").credentials == \
            "MD, Consultant Haematologist"
        cols = list(b.db.one("SELECT * FROM users").keys())
        assert cols[-1] == "credentials", cols            # the same column order as a new store's
        b.add_user("carl", "a long password", "clinician", credentials="MB BS")
        assert b.user("carl").credentials == "MB BS"
    finally:
        b.close()
