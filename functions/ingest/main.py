"""Cloud Run function ``ingest``: an upload lands in the bucket; its job starts here.

Subscribed to the bucket's object-finalize notifications. Everything else is in
:func:`performia.cloud.entry.on_upload`.
"""

import functions_framework

from performia.cloud.entry import on_upload


@functions_framework.cloud_event
def main(event):
    return on_upload(event)
