"""Cloud Run function ``library`` (HTTP): the signed-in user's own songs, with read URLs.

Everything is in :func:`performia.cloud.http.library_request`.
"""

import functions_framework

from performia.cloud.http import library_request


@functions_framework.http
def main(request):
    return library_request(request)
