"""``Authorization: Token <key>`` for both kinds of token: the named tokens authors make on
the site (kept as hashes) and the one ``POST /api/auth/token/`` hands out."""

from rest_framework import authentication, exceptions

from accounts.services import TOKEN_PREFIX, api_token_authenticate


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str):
        if not key.startswith(TOKEN_PREFIX):
            return super().authenticate_credentials(key)  # one query, as before
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
