"""Cloud Run function ``upload_url`` (HTTP): check an upload, create its job, sign where to PUT.

Everything is in :func:`performia.cloud.http.upload_url_request`.
"""

import functions_framework

from performia.cloud.http import upload_url_request


@functions_framework.http
def main(request):
    return upload_url_request(request)
