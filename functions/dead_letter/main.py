"""Cloud Run function ``dead_letter``: a stage's message ran out of retries; its job fails.

Pushed by every stage's dead-letter topic. Everything else is in
:func:`performia.cloud.entry.on_dead_letter`.
"""

import functions_framework

from performia.cloud.entry import on_dead_letter


@functions_framework.cloud_event
def main(event):
    return on_dead_letter(event)
