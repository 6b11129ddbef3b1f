"""Cloud Run function ``realign`` (HTTP): "re-align from here" in the Blueprint View.

Everything is in :func:`performia.cloud.http.realign_request`.
"""

import functions_framework

from performia.cloud.http import realign_request


@functions_framework.http
def main(request):
    return realign_request(request)
