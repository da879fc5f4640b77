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
