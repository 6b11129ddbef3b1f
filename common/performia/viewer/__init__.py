"""The embedded viewer: ``performia view DIR`` serves a store root's Living Chart on this machine.

- :mod:`performia.viewer.locate` finds the store root's songs and the built frontend, with
  errors that say what to run;
- :mod:`performia.viewer.app` is the WSGI app (the frontend, ``/config.json``, the store root
  under ``/data/``, ``/api/save_song`` and ``/api/kb_query``);
- :mod:`performia.viewer.server` runs it on a threaded local server;
- :mod:`performia.viewer.cli` is the command.

Nothing is imported here, so mounting the command costs no web-server import.
"""
