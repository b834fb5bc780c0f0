"""Field encryption for psychotherapy notes: the implementation lives in `backend.crypto`
(secure messages use it too, and messaging sits below this app).

The field class stays defined here so the migrations that name
`integration_notes.crypto.EncryptedTextField` keep their path.
"""

from backend import crypto as _crypto
from backend.crypto import InvalidToken, decrypt, encrypt, fernet, rotate

__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt", "fernet", "rotate"]


class EncryptedTextField(_crypto.EncryptedTextField):
    """A text column that holds only Fernet tokens; Python sees the plaintext."""
