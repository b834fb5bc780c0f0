"""A hook in AUTH_PASSWORD_VALIDATORS: Django calls `password_changed` after every password
change (the password-change page, a reset, the admin's form, `changepassword`)."""


class RevokeTokensOnPasswordChange:
    """Validates nothing; after a new password is saved, the user's API tokens are revoked."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from accounts.services import api_tokens_revoke_all

        api_tokens_revoke_all(user=user, reason="password changed")

    def get_help_text(self):
        return ""
