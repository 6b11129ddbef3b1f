"""Values the shared fixtures in ``conftest.py`` are built from, importable by tests.

Tests cannot import ``conftest`` itself: with conftest files in several test folders, the name
``conftest`` means whichever was imported first.
"""

SR = 22050
FORMATS = ("wav", "flac", "mp3", "ogg", "opus", "m4a")
TAGS = {"title": "Test Song", "artist": "The Fixtures", "album": "Known Truths"}
