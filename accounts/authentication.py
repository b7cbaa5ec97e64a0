"""``Authorization: Token <key>`` for both kinds of token, both kept as hashes: the named
tokens authors make on the site (``pat_``) and the login tokens ``POST /api/auth/token/``
hands out (``plt_``)."""

from rest_framework import authentication, exceptions

from accounts.services import api_token_authenticate


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
