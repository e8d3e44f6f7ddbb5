import pytest

from app.auth.passwords import hash_password, password_problem, verify_password


def test_password_of_eleven_characters_is_refused_and_twelve_accepted() -> None:
    assert "at least 12 characters" in (password_problem("a7#kq!m2zp9", min_length=12) or "")
    assert password_problem("a7#kq!m2zp9x", min_length=12) is None


@pytest.mark.parametrize("common", ["password1234", "Password1234!", "qwerty123456", "sunshine2024!!", "aaaaaaaaaaaaaa", "1q2w3e4r5t6y"])
def test_common_passwords_are_refused_even_when_long_enough(common: str) -> None:
    assert "too common" in (password_problem(common, min_length=12) or "")


def test_password_equal_to_email_is_refused() -> None:
    assert password_problem("sam.supplier@x.com", min_length=12, email="sam.supplier@x.com") is not None


def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hashed = hash_password("coffee train window")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "coffee train window")
    assert not verify_password(hashed, "coffee train windows")
    assert not verify_password("not-a-hash", "coffee train window")
