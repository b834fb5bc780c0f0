"""Field encryption at rest (psychotherapy notes, secure messages): MultiFernet over
settings.FIELD_ENCRYPTION_KEYS.

The first key encrypts; every key listed decrypts. Rotating keys is: put the new key first,
keep the old ones, run `manage.py rotate_note_keys` (re-encrypts every row with the first
key), then drop the old keys.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt", "fernet"]


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must list at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    # Keyed on the current setting so tests (and a reloaded configuration) see new keys.
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS or ()))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same plaintext, encrypted under the first key."""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet tokens; Python sees the plaintext.

    It cannot be searched or filtered on by content, by design.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)
