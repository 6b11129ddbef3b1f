"""Cloud Run function ``save_song`` (HTTP): save an edited Song Map, keeping the last revision.

Everything is in :func:`performia.cloud.http.save_song_request`.
"""

import functions_framework

from performia.cloud.http import save_song_request


@functions_framework.http
def main(request):
    return save_song_request(request)
