"""Cloud Run function ``structure``: sections (intro, verse, chorus, bridge …) from repetition.

Pushed by the ``structure`` topic. Everything else is in
:func:`performia.cloud.entry.on_stage_message`.
"""

import functions_framework

from performia.cloud.entry import on_stage_message


@functions_framework.cloud_event
def main(event):
    return on_stage_message(event, stage="structure")
